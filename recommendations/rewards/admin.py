"""Admin of recommender rewards: see claims, read where to send them, mark them sent.

Rewards are earned by publishing (never added here) and claimed by their recommender (who
writes the shipping note); editors only read them and mark them sent, through the service.
Nothing is deleted here either: a claim is the record that its person has had their one reward.
"""

from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from paperdaily.lib.admin import ModelAdmin
from recommendations.models import Reward
from recommendations.rewards.services import reward_mark_sent

# Enough of the shipping note to tell claims apart in the list; the whole note is on the reward's page.
NOTE_PREVIEW_CHARS = 60


class ClaimedListFilter(admin.SimpleListFilter):
    title = _("claimed")
    parameter_name = "claimed"

    def lookups(self, request, model_admin):
        return [("yes", _("claimed")), ("no", _("not claimed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.claimed()
        if self.value() == "no":
            return queryset.claimable()
        return queryset


class SentListFilter(admin.SimpleListFilter):
    title = pgettext_lazy("a reward shipped", "sent")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("yes", pgettext_lazy("a reward shipped", "sent")), ("no", _("claimed, not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.claimed().filter(sent_at__isnull=True)
        return queryset


@admin.register(Reward)
class RewardAdmin(ModelAdmin):
    list_display = [
        "recommender",
        "issue_number",
        "paper_column",
        "earned_at",
        "claimed_at",
        "sent_at",
        "note_preview",
    ]
    list_filter = [ClaimedListFilter, SentListFilter, ("issue", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["recommender", "issue", "recommendation__paper"]
    search_fields = ["recommender__handle"]
    ordering = ["-earned_at", "-pk"]
    list_per_page = 50
    fields = [
        "recommender",
        "issue",
        "recommendation",
        "earned_at",
        "claimed_at",
        "shipping_note",
        "sent_at",
        "sent_by",
    ]
    # All read-only: the recommender wrote the note, the action below records the sending.
    readonly_fields = fields
    actions = ["mark_sent"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("issue"), ordering="issue__number")
    def issue_number(self, obj):
        return obj.issue.number

    @admin.display(description=_("paper"), ordering="recommendation__paper__title")
    def paper_column(self, obj):
        paper = obj.recommendation.paper
        return Truncator(paper.title).chars(80) if paper.has_title else str(paper)

    @admin.display(description=_("shipping note"))
    def note_preview(self, obj):
        return Truncator(" ".join(obj.shipping_note.split())).chars(NOTE_PREVIEW_CHARS) or "—"

    @admin.action(description=_("Mark selected claims as sent"), permissions=["change"])
    def mark_sent(self, request, queryset):
        result = reward_mark_sent(reward_ids=list(queryset.values_list("pk", flat=True)), editor=request.user)
        if result.marked:
            self.message_user(
                request,
                ngettext(
                    "Marked %(count)d reward as sent.",
                    "Marked %(count)d rewards as sent.",
                    len(result.marked),
                )
                % {"count": len(result.marked)},
                messages.SUCCESS,
            )
        if result.already_sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d reward was already marked as sent; left as it was.",
                    "%(count)d rewards were already marked as sent; left as they were.",
                    len(result.already_sent),
                )
                % {"count": len(result.already_sent)},
                messages.INFO,
            )
        for reward, reason in result.refused:
            self.message_user(
                request,
                _("Not marked: %(reward)s. %(reason)s") % {"reward": reward, "reason": reason},
                messages.WARNING,
            )
