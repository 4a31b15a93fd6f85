"""The review queue: recommendations oldest first, with their write-up, paper and figures, and
the actions to accept, reject (with a reason for the recommender) or start an issue."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Case, Prefetch, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from paperdaily.lib.admin import LabelledInlineFormSet, ModelAdmin
from papers.models import PaperAuthor
from recommendations import editors
from recommendations.issues import admin as issues_admin
from recommendations.issues import services as issues
from recommendations.models import Figure, Issue, Recommendation
from recommendations.moderation import services as moderation

# The review queue shows this much of each write-up, enough to judge it from the list.
WRITEUP_EXCERPT_CHARS = 120
MAX_AUTHORS_LISTED = 3
# What waits for a decision comes first; within each group the list runs oldest first.
QUEUE_RANK = Case(When(status=Recommendation.Status.SUBMITTED, then=Value(0)), default=Value(1))


class RecommendationForm(forms.ModelForm):
    """Keeps the rendered write-up in step with the Markdown an editor types.

    The status and the review fields are not here: decisions go through the accept and
    reject actions, which attach links and tell the recommender.
    """

    class Meta:
        model = Recommendation
        fields = ["paper", "recommender", "tag", "submitted_link", "writeup", "review_note"]

    def save(self, commit=True):
        self.instance.set_writeup(self.cleaned_data["writeup"])
        return super().save(commit)


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the recommender"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=Recommendation._meta.get_field("review_note").max_length,
        help_text=_("Each recommender reads this note in their e-mail and on their list of recommendations."),
    )


class FigureInline(admin.TabularInline):
    model = Figure
    extra = 0
    formset = LabelledInlineFormSet


class AgeListFilter(admin.SimpleListFilter):
    title = _("time since sent")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("day", _("less than a day")),
            ("week", _("1–7 days")),
            ("old", _("over a week")),
            ("month", _("over a month")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        day, week, month = now - timedelta(days=1), now - timedelta(days=7), now - timedelta(days=30)
        ranges = {
            "day": {"created_at__gt": day},
            "week": {"created_at__lte": day, "created_at__gt": week},
            "old": {"created_at__lte": week},
            "month": {"created_at__lte": month},
        }
        if self.value() in ranges:
            return queryset.filter(**ranges[self.value()])
        return queryset


class HasCodeListFilter(admin.SimpleListFilter):
    title = _("code links")
    parameter_name = "code"

    def lookups(self, request, model_admin):
        return [("yes", _("with code links")), ("no", _("without code links"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(code_links=[])
        if self.value() == "no":
            return queryset.filter(code_links=[])
        return queryset


@admin.register(Recommendation)
class RecommendationAdmin(ModelAdmin):
    """The review queue: an editor decides from the list, without opening each recommendation."""

    form = RecommendationForm
    # The paper cell holds title, authors and the write-up's start: one glance per row.
    list_display = [
        "paper_column",
        "code_column",
        "tag_column",
        "recommender",
        "status_column",
        "age_column",
        "issue_number",
    ]
    list_filter = ["status", "tag__area", "tag", AgeListFilter, HasCodeListFilter]
    list_select_related = ["paper", "recommender", "tag__area", "issue_entry__issue"]
    list_per_page = 50
    ordering = [QUEUE_RANK.asc(), "created_at", "pk"]
    search_fields = ["paper__title", "paper__arxiv_id", "submitted_link", "recommender__handle", "writeup"]
    autocomplete_fields = ["paper", "recommender", "tag"]
    readonly_fields = [
        "status",
        "code_links_list",
        "repositories_list",
        "dataset_link",
        "reviewed_at",
        "reviewed_by",
        "notified_status",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["paper", "submitted_link", "recommender", "tag", "writeup"]}),
        (_("Links as submitted"), {"fields": ["code_links_list", "repositories_list", "dataset_link"]}),
        (
            _("Review"),
            {
                "fields": [
                    "status",
                    "review_note",
                    "reviewed_at",
                    "reviewed_by",
                    "notified_status",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [FigureInline]
    actions = ["accept_selected", "reject_selected"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "paper__authorships",
                    queryset=PaperAuthor.objects.select_related("author").order_by("position"),
                ),
                "repositories",
            )
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        # One action per open draft: "Add to draft issue 129". Without a draft, one that creates it.
        drafts = getattr(request, "_open_drafts", None)
        if drafts is None:
            # The admin asks for the actions several times per page: look the drafts up once.
            drafts = request._open_drafts = list(
                Issue.objects.drafts().order_by("-number").values_list("pk", "number")[:3]
            )
        for issue_id, number in drafts:
            name = f"add_to_issue_{issue_id}"
            description = _("Add to draft issue %(number)s") % {"number": number}
            actions[name] = (self._adder(issue_id), name, description)
        if not drafts and request.user.has_perm(editors.permission("add", "issue")):
            actions["add_to_new_issue"] = (
                self._adder(None),
                "add_to_new_issue",
                _("Add to a new issue (creates the next number)"),
            )
        return actions

    def _adder(self, issue_id):
        def add_to_issue(model_admin, request, queryset):
            issue = issues.issue_create_next() if issue_id is None else Issue.objects.filter(pk=issue_id).first()
            if issue is None:
                model_admin.message_user(request, _("That draft issue no longer exists."), messages.ERROR)
                return None
            ids = list(queryset.order_by("reviewed_at", "pk").values_list("pk", flat=True))
            try:
                added, refused = issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=ids)
            except ValidationError as error:
                model_admin.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            issues_admin.report_added(model_admin, request, issue, added, refused)
            if added:
                return HttpResponseRedirect(reverse("admin:recommendations_issue_change", args=[issue.pk]))
            return None

        return add_to_issue

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "issueentry":
            # The issue editor's picker offers what can go into an issue: accepted ones.
            queryset = queryset.filter(status=Recommendation.Status.ACCEPTED)
        return queryset, may_have_duplicates

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "pending_count": Recommendation.objects.pending_review().count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # --- Columns

    @admin.display(description=_("paper"), ordering="paper__title")
    def paper_column(self, obj):
        return format_html(
            '<strong class="queue-title">{}</strong><br><span class="queue-authors">{}</span>'
            '<br><span class="queue-excerpt">{}</span>',
            self.title_text(obj),
            self.authors_column(obj),
            self.writeup_excerpt(obj),
        )

    def title_text(self, obj):
        paper = obj.paper
        if paper.has_title:
            return Truncator(paper.title).chars(110)
        link = obj.submitted_link or paper.identifier_label or str(paper)
        return f"{Truncator(link).chars(70)} ({paper.get_metadata_status_display()})"

    @admin.display(description=_("write-up"))
    def writeup_excerpt(self, obj):
        return Truncator(" ".join(obj.writeup.split())).chars(WRITEUP_EXCERPT_CHARS)

    @admin.display(description=_("authors"))
    def authors_column(self, obj):
        authors = obj.paper.ordered_authors
        if not authors:
            return "—"
        names = ", ".join(author.name for author in authors[:MAX_AUTHORS_LISTED])
        return _("%(names)s et al.") % {"names": names} if len(authors) > MAX_AUTHORS_LISTED else names

    @admin.display(description=_("code links"))
    def code_column(self, obj):
        repositories = list(obj.repositories.all())
        if not repositories:
            return Truncator(obj.code_links[0]).chars(40) if obj.code_links else "—"
        best = max(repositories, key=lambda repository: repository.stars or 0)
        label = f"★ {best.stars:,} {best.full_name}" if best.stars is not None else best.full_name
        if len(repositories) > 1:
            label = _("%(label)s (+%(more)d)") % {"label": label, "more": len(repositories) - 1}
        return label

    @admin.display(description=_("topic"), ordering="tag__name")
    def tag_column(self, obj):
        # The area rides along with the topic: one column fewer, so the list fits a 1280 px screen.
        area = format_html('<span class="queue-area">{}</span>', obj.tag.area.code)
        if obj.tag.approved:
            return format_html("{} {}", obj.tag.name, area)
        return format_html("{} <strong>({})</strong> {}", obj.tag.name, _("proposed"), area)

    @admin.display(description=_("status"), ordering=QUEUE_RANK)
    def status_column(self, obj):
        return obj.get_status_display()

    @admin.display(description=pgettext_lazy("when a recommendation was submitted", "sent"), ordering="created_at")
    def age_column(self, obj):
        if timezone.now() - obj.created_at < timedelta(minutes=1):
            return _("just now")
        return _("%(time)s ago") % {"time": timesince(obj.created_at, depth=1)}

    @admin.display(description=_("issue"), ordering="issue_entry__issue__number")
    def issue_number(self, obj):
        entry = getattr(obj, "issue_entry", None)
        return entry.issue.number if entry else "—"

    @admin.display(description=_("code links"))
    def code_links_list(self, obj):
        """The code links as the recommender gave them (parsed, so each is an https address)."""
        links = [link for link in obj.code_links if isinstance(link, str) and link.startswith("https://")]
        if not links:
            return "—"
        return format_html(
            '<ul class="submitted-links">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}" rel="nofollow noopener" target="_blank">{}</a></li>',
                ((link, link) for link in links),
            ),
        )

    @admin.display(description=_("code repositories"))
    def repositories_list(self, obj):
        return ", ".join(repository.full_name for repository in obj.repositories.all()) or "—"

    # --- Decisions: both go through the moderation services, which also e-mail the recommender.

    @admin.action(description=_("Accept selected recommendations"), permissions=["change"])
    def accept_selected(self, request, queryset):
        accepted, refused = moderation.recommendations_accept(
            recommendation_ids=list(queryset.values_list("pk", flat=True)), editor=request.user
        )
        self._report(request, accepted, refused, accepted_message=True)

    @admin.action(description=_("Reject selected with a note…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            rejected, refused = moderation.recommendations_reject(
                recommendation_ids=list(queryset.values_list("pk", flat=True)),
                editor=request.user,
                note=form.cleaned_data["note"],
            )
            self._report(request, rejected, refused, accepted_message=False)
            return None
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject recommendations"),
            "opts": opts,
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/recommendations/recommendation/reject_selected.html", context)

    def _report(self, request, done, refused, *, accepted_message):
        if done:
            if accepted_message:
                message = ngettext(
                    "Accepted %(count)d recommendation; its recommender will be told by e-mail.",
                    "Accepted %(count)d recommendations; their recommenders will be told by e-mail.",
                    len(done),
                )
            else:
                message = ngettext(
                    "Rejected %(count)d recommendation; its recommender will be told by e-mail.",
                    "Rejected %(count)d recommendations; their recommenders will be told by e-mail.",
                    len(done),
                )
            self.message_user(request, message % {"count": len(done)}, messages.SUCCESS)
        for recommendation, reason in refused:
            self.message_user(
                request,
                _("Not changed: %(recommendation)s. %(reason)s") % {"recommendation": recommendation, "reason": reason},
                messages.WARNING,
            )
