"""The issue desk: create the next issue, fill and order it, assemble, preview, publish.

Every step goes through the services of recommendations/issues/ (the API calls the same
functions). The change page of a draft carries the whole workflow: its entries in order
(drag them, or use the arrows), the accepted recommendations still waiting for an issue,
the assembly's progress, and the buttons for the next step.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from paperdaily.lib import tasks as lib_tasks
from paperdaily.lib.admin import LabelledInlineFormSet, ModelAdmin, ReadOnlyAdmin
from paperdaily.lib.ids import row_ids
from recommendations.issues import assembly, publishing
from recommendations.issues import services as issues
from recommendations.issues import tasks as issue_tasks
from recommendations.issues.forms import IssueForm, PublishForm
from recommendations.models import Issue, IssueEntry, NewsletterDelivery, Recommendation, Subscriber

# The waiting list on a draft's page shows this many accepted recommendations, oldest first.
WAITING_LISTED = 100


class IssueEntryInline(admin.TabularInline):
    model = IssueEntry
    formset = LabelledInlineFormSet
    # Two entries at one position are refused by the formset's own unique check (the model's constraint).
    extra = 0
    ordering = ["position"]
    fields = ["position", "entry_paper", "entry_recommender", "entry_status", "publish_incomplete"]
    readonly_fields = ["entry_paper", "entry_recommender", "entry_status"]
    classes = ["issue-entries"]
    verbose_name = _("entry")
    verbose_name_plural = _("entries, in order (drag a row, or use ↑ ↓)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recommendation__paper", "recommendation__recommender")

    def has_add_permission(self, request, obj=None):
        # Entries come from accepted recommendations (the waiting list, or the review queue's action).
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_published)

    @admin.display(description=_("paper"))
    def entry_paper(self, entry):
        paper = entry.recommendation.paper
        label = paper.title or entry.recommendation.submitted_link or paper.identifier_label or str(paper)
        return format_html(
            '<a href="{}">{}</a> <span class="entry-meta">{}</span>',
            reverse("admin:papers_paper_change", args=[paper.pk]),
            label,
            paper.get_metadata_status_display(),
        )

    @admin.display(description=_("recommender"))
    def entry_recommender(self, entry):
        return f"@{entry.recommendation.recommender.handle}"

    @admin.display(description=_("recommendation"))
    def entry_status(self, entry):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:recommendations_recommendation_change", args=[entry.recommendation_id]),
            entry.recommendation.get_status_display(),
        )


@admin.register(Issue)
class IssueAdmin(ModelAdmin):
    form = IssueForm
    change_form_template = "admin/recommendations/issue/change_form.html"
    list_display = ["number", "title", "status_column", "published_at", "entry_count", "read_count"]
    list_display_links = ["number", "title"]
    list_filter = ["status"]
    search_fields = ["number", "title", "intro"]
    readonly_fields = ["number", "status", "published_at", "published_by", "read_count", "created_at", "updated_at"]
    inlines = [IssueEntryInline]
    view_on_site = True
    actions = ["refresh_metadata"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_entry_count()

    def get_fieldsets(self, request, obj=None):
        main = ["number", "title", "intro"]
        if obj is None or not obj.is_published:
            main.append("scheduled_at")
        if obj is None or not obj.is_published:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            (_("Publication"), {"fields": ["status", "published_at", "published_by", "read_count"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            # A published issue is frozen: its words can be corrected, its date and entries cannot.
            return [*self.readonly_fields, "scheduled_at"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Only the newest draft may go: deleting any other issue would leave a gap in the numbers.
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        newest = Issue.objects.order_by("-number").values_list("pk", flat=True).first()
        return not obj.is_published and obj.pk == newest

    @admin.display(description=_("status"), ordering="status")
    def status_column(self, obj):
        if obj.is_published:
            return obj.get_status_display()
        if obj.scheduled_at:
            return _("draft, to be published %(when)s") % {
                "when": timezone.localtime(obj.scheduled_at).strftime("%Y-%m-%d %H:%M")
            }
        return obj.get_status_display()

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count

    @admin.action(description=_("Refresh the papers and code of these issues"))
    def refresh_metadata(self, request, queryset):
        numbers = []
        for issue in queryset:
            lib_tasks.enqueue(issue_tasks.refresh_issue, issue.pk)
            numbers.append(str(issue.number))
        self.message_user(
            request,
            ngettext(
                "Queued a refresh of issue %(numbers)s; each paper's status shows in Papers once fetched.",
                "Queued a refresh of issues %(numbers)s; each paper's status shows in Papers once fetched.",
                len(numbers),
            )
            % {"numbers": ", ".join(numbers)},
            messages.SUCCESS,
        )

    # --- Pages and buttons

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/add-entries/", view(self.add_entries_view), name="recommendations_issue_add"),
            path("<int:object_id>/assemble/", view(self.assemble_view), name="recommendations_issue_assemble"),
            path("<int:object_id>/assembly/", view(self.assembly_view), name="recommendations_issue_assembly"),
            path("<int:object_id>/publish/", view(self.publish_view), name="recommendations_issue_publish"),
            path(
                "<int:object_id>/unpublish/",
                view(self.unpublish_view),
                name="recommendations_issue_unpublish",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """ "Add issue" creates the next number at once: no number to type, none to get wrong."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        last = Issue.objects.order_by("-number").first()
        if request.method == "POST":
            issue = issues.issue_create_next()
            self.log_addition(request, issue, [{"added": {}}])
            self.message_user(
                request,
                _("Created the draft of issue %(number)s. Add accepted recommendations to it below.")
                % {"number": issue.number},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:recommendations_issue_change", args=[issue.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Create the next issue"),
            "next_number": (last.number if last else 0) + 1,
            "drafts": Issue.objects.drafts().order_by("number"),
        }
        return TemplateResponse(request, "admin/recommendations/issue/create_next.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        issue = self.get_object(request, object_id)
        extra = {}
        if issue is not None:
            extra = {
                "issue": issue,
                "progress": assembly.issue_assembly_progress(issue=issue),
                "waiting": self._waiting(issue),
                "can_unpublish": request.user.is_superuser,
                "deliveries": self._deliveries(issue),
                # Issues are created by "Add issue" alone, which numbers them.
                "show_save_and_add_another": False,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and not form.instance.is_published:
            # Positions as typed may have gaps (an entry removed, 10 typed for 3): number them 1, 2, 3 again.
            issues.issue_reorder(issue_id=form.instance.pk, entry_ids=[])

    def _waiting(self, issue):
        if issue.is_published:
            return []
        return list(
            Recommendation.objects.filter(status=Recommendation.Status.ACCEPTED, issue_entry__isnull=True)
            .select_related("paper", "recommender", "tag")
            .order_by("reviewed_at", "pk")[:WAITING_LISTED]
        )

    def _deliveries(self, issue):
        if not issue.is_published:
            return None
        counts = dict(
            NewsletterDelivery.objects.filter(issue=issue)
            .values_list("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
        return {status: counts.get(status, 0) for status in NewsletterDelivery.Status.values}

    def _issue_or_404(self, request, object_id):
        issue = self.get_object(request, object_id)
        if issue is None:
            raise Http404
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        return issue

    def _back(self, issue, anchor=""):
        return HttpResponseRedirect(reverse("admin:recommendations_issue_change", args=[issue.pk]) + anchor)

    def add_entries_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_or_404(request, object_id)
        ids = row_ids(request.POST.getlist("recommendation"))  # anything that cannot be an id is left out
        if not ids:
            self.message_user(request, _("Tick the recommendations to add first."), messages.WARNING)
            return self._back(issue, "#waiting")
        try:
            added, refused = issues.issue_add_recommendations(issue_id=issue.pk, recommendation_ids=ids)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return self._back(issue)
        report_added(self, request, issue, added, refused)
        return self._back(issue)

    def assemble_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue_or_404(request, object_id)
        try:
            assembly.issue_assemble(issue_id=issue.pk)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Assembling: every paper and repository of the issue is being fetched again. Progress shows below."),
                messages.SUCCESS,
            )
        return self._back(issue, "#assembly")

    def assembly_view(self, request, object_id):
        """The progress panel alone: the change page reloads it every few seconds until the work is done."""
        issue = self._issue_or_404(request, object_id)
        context = {"issue": issue, "progress": assembly.issue_assembly_progress(issue=issue), "reloaded": True}
        response = TemplateResponse(request, "admin/recommendations/issue/assembly.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def publish_view(self, request, object_id):
        issue = self._issue_or_404(request, object_id)
        if issue.is_published:
            self.message_user(request, _("Issue %(number)s is already published.") % {"number": issue.number})
            return self._back(issue)
        form = PublishForm(request.POST if request.method == "POST" else None, issue=issue)
        refused = False
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["incomplete"]
            publishing.issue_allow_incomplete(issue_id=issue.pk, entry_ids=[entry.pk for entry in chosen])
            try:
                issue = publishing.issue_publish(issue_id=issue.pk, editor=request.user)
            except publishing.PublishRefused as refusal:
                # Never a silent reload: say what stands in the way, here and next to each entry below.
                refused = True
                self.message_user(request, _refusal_message(issue, refusal.problems), messages.ERROR)
            else:
                self.log_change(request, issue, _("Published."))
                self.message_user(
                    request,
                    _("Issue %(number)s is published. Recommenders and newsletter subscribers are being e-mailed.")
                    % {"number": issue.number},
                    messages.SUCCESS,
                )
                return self._back(issue)
        problems = publishing.issue_publish_problems(issue=issue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Publish issue %(number)s") % {"number": issue.number},
            "issue": issue,
            "original": issue,
            "problems": problems,
            "blocking": [problem for problem in problems if not problem.overridable],
            "overridable": _by_entry([problem for problem in problems if problem.overridable]),
            "entry_count": issue.entries.count(),
            "subscriber_count": _confirmed_subscribers(),
            "refused": refused,
        }
        return TemplateResponse(request, "admin/recommendations/issue/publish.html", context)

    def unpublish_view(self, request, object_id):
        issue = self._issue_or_404(request, object_id)
        if not request.user.is_superuser:
            raise PermissionDenied
        if not issue.is_published:
            return self._back(issue)
        if request.method == "POST":
            publishing.issue_unpublish(issue_id=issue.pk, user=request.user)
            self.message_user(
                request,
                _("Issue %(number)s is a draft again; readers no longer see it.") % {"number": issue.number},
                messages.WARNING,
            )
            return self._back(issue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Unpublish issue %(number)s") % {"number": issue.number},
            "issue": issue,
            "original": issue,
        }
        return TemplateResponse(request, "admin/recommendations/issue/unpublish.html", context)


def _refusal_message(issue, problems):
    """Why pressing "Publish" published nothing: the entries still waiting for a tick or a fix."""
    waiting = sorted({problem.entry.position for problem in problems if problem.overridable and problem.entry})
    if any(not problem.overridable for problem in problems):
        return _("Issue %(number)s was not published: fix the problems listed at the top of this page first.") % {
            "number": issue.number
        }
    return ngettext(
        "Issue %(number)s was not published: entry %(entries)s is incomplete. Tick “Publish entry %(entries)s "
        "as it is” below, or fix it first.",
        "Issue %(number)s was not published: entries %(entries)s are incomplete. Tick “Publish entry … as it "
        "is” for each of them below, or fix them first.",
        len(waiting),
    ) % {"number": issue.number, "entries": ", ".join(str(position) for position in waiting)}


def _by_entry(problems):
    """Overridable problems grouped by entry: one checkbox per entry, however many reasons it has."""
    grouped = {}
    for problem in problems:
        grouped.setdefault(problem.entry.pk, (problem.entry, []))[1].append(problem)
    return list(grouped.values())


def _confirmed_subscribers():
    return Subscriber.objects.confirmed().count()


def report_added(model_admin, request, issue, added, refused):
    """Messages after adding recommendations to a draft, from the issue page or the review queue."""
    if added:
        model_admin.message_user(
            request,
            ngettext(
                "Added %(count)d recommendation to issue %(number)s.",
                "Added %(count)d recommendations to issue %(number)s.",
                len(added),
            )
            % {"count": len(added), "number": issue.number},
            messages.SUCCESS,
        )
    for recommendation, reason in refused:
        model_admin.message_user(
            request,
            _("Not added: %(recommendation)s. %(reason)s") % {"recommendation": recommendation, "reason": reason},
            messages.WARNING,
        )


@admin.register(IssueEntry)
class IssueEntryAdmin(ReadOnlyAdmin):
    """A list to look things up in: entries are made on the issue's page, from accepted recommendations."""

    list_display = ["issue", "position", "recommendation"]
    list_filter = ["issue__status"]
    list_select_related = ["issue", "recommendation__paper", "recommendation__recommender"]
    search_fields = ["issue__number", "recommendation__paper__title", "recommendation__recommender__handle"]
    ordering = ["-issue__number", "position"]
