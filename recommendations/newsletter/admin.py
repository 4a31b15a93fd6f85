"""Admin of the newsletter: subscribers and deliveries.

Both are records of what readers asked for and what was sent, so editors read them rather
than write them: nobody is subscribed from here (sign-ups are double opt-in), tokens are
never shown, and deliveries are written by the sending tasks only. The delivery list
opens with how many of each issue's deliveries are sent, waiting or failed.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from paperdaily.lib.admin import ModelAdmin, ReadOnlyAdmin
from recommendations.models import NewsletterDelivery, Subscriber
from recommendations.newsletter import services as newsletter

# Enough of an SMTP error to tell failures apart in the list; the whole text is on the delivery's page.
ERROR_PREVIEW_CHARS = 80
# The progress table above the delivery list shows the latest issues only.
PROGRESS_ISSUES = 20

ACTIVE = Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
WAITING = Q(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
GONE = Q(unsubscribed_at__isnull=False)


class SubscriberStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("confirmed", _("confirmed")),
            ("pending", _("waiting for confirmation")),
            ("unsubscribed", _("unsubscribed")),
        ]

    def queryset(self, request, queryset):
        rules = {"confirmed": ACTIVE, "pending": WAITING, "unsubscribed": GONE}
        if self.value() in rules:
            return queryset.filter(rules[self.value()])
        return queryset


@admin.register(Subscriber)
class SubscriberAdmin(ModelAdmin):
    list_display = ["email", "status_column", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [SubscriberStatusFilter]
    search_fields = ["email"]
    ordering = ["-created_at", "-pk"]
    list_per_page = 100
    date_hierarchy = "created_at"
    # The token is left out on purpose: it is the reader's key to their subscription.
    fields = ["email", "created_at", "confirmation_sent_at", "confirmed_at", "unsubscribed_at"]
    readonly_fields = fields
    actions = ["unsubscribe"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("status"))
    def status_column(self, obj):
        if obj.unsubscribed_at is not None:
            return _("unsubscribed")
        if obj.confirmed_at is not None:
            return _("confirmed")
        return _("waiting for confirmation")

    @admin.action(description=_("Unsubscribe the selected addresses"), permissions=["change"])
    def unsubscribe(self, request, queryset):
        count = 0
        for subscriber in queryset.filter(unsubscribed_at__isnull=True):
            newsletter.subscriber_unsubscribe(token=subscriber.token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d address unsubscribed.", "%(count)d addresses unsubscribed.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(NewsletterDelivery)
class NewsletterDeliveryAdmin(ReadOnlyAdmin):
    change_list_template = "newsletter/admin/delivery_change_list.html"
    list_display = ["issue", "subscriber_email", "status", "attempts", "sent_at", "error_preview"]
    list_filter = ["status", ("issue", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["issue", "subscriber"]
    search_fields = ["subscriber__email"]
    ordering = ["-issue__number", "pk"]
    list_per_page = 100
    fields = ["issue", "subscriber", "status", "attempts", "created_at", "sent_at", "error"]
    readonly_fields = fields

    @admin.display(description=_("subscriber"), ordering="subscriber__email")
    def subscriber_email(self, obj):
        return obj.subscriber.email

    @admin.display(description=_("last error"))
    def error_preview(self, obj):
        return Truncator(obj.error).chars(ERROR_PREVIEW_CHARS)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # Counted over the list as filtered: pick an issue to see that issue's progress.
            context["progress"] = self._progress(context["cl"].queryset)
        return response

    @staticmethod
    def _progress(queryset):
        Status = NewsletterDelivery.Status
        return list(
            queryset.order_by()
            .values("issue_id", "issue__number")
            .annotate(
                sent=Count("pk", filter=Q(status=Status.SENT)),
                pending=Count("pk", filter=Q(status=Status.PENDING)),
                failed=Count("pk", filter=Q(status=Status.FAILED)),
                total=Count("pk"),
            )
            .order_by("-issue__number")[:PROGRESS_ISSUES]
        )
