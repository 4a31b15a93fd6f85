from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from papers import tasks

from .models import Figure, Issue, IssueEntry, Recommendation, Recommender


@admin.register(Recommender)
class RecommenderAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "user", "recommendation_count", "created_at"]
    search_fields = ["handle", "display_name", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recommendation_count=Count("recommendations"))

    @admin.display(description=_("recommendations"), ordering="recommendation_count")
    def recommendation_count(self, obj):
        return obj.recommendation_count


class RecommendationForm(forms.ModelForm):
    """Keeps the rendered write-up in step with the Markdown an editor types."""

    class Meta:
        model = Recommendation
        fields = ["paper", "recommender", "tag", "submitted_link", "writeup", "status", "review_note", "reviewed_at"]

    def save(self, commit=True):
        self.instance.set_writeup(self.cleaned_data["writeup"])
        return super().save(commit)


class FigureInline(admin.TabularInline):
    model = Figure
    extra = 0


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    form = RecommendationForm
    list_display = ["short_title", "recommender", "tag", "status", "issue_number", "created_at"]
    list_filter = ["status", "tag__area", "tag"]
    list_select_related = ["paper", "recommender", "tag", "issue_entry__issue"]
    search_fields = ["paper__title", "paper__arxiv_id", "recommender__handle", "writeup"]
    autocomplete_fields = ["paper", "recommender", "tag"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [FigureInline]

    @admin.display(description=_("paper"), ordering="paper__title")
    def short_title(self, obj):
        return Truncator(str(obj.paper)).chars(70)

    @admin.display(description=_("issue"), ordering="issue_entry__issue__number")
    def issue_number(self, obj):
        entry = getattr(obj, "issue_entry", None)
        return entry.issue.number if entry else "—"


class IssueEntryInline(admin.TabularInline):
    model = IssueEntry
    extra = 0
    ordering = ["position"]
    autocomplete_fields = ["recommendation"]
    fields = ["position", "recommendation"]


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["number", "title", "intro", "status", "published_at"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Issue.Status.PUBLISHED and not cleaned.get("published_at"):
            self.add_error("published_at", _("A published issue needs its publication time."))
        return cleaned

    def save(self, commit=True):
        self.instance.set_intro(self.cleaned_data.get("intro", ""))
        return super().save(commit)


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    form = IssueForm
    list_display = ["number", "title", "status", "published_at", "entry_count", "read_count"]
    list_filter = ["status"]
    search_fields = ["number", "title", "intro"]
    readonly_fields = ["read_count", "created_at", "updated_at"]
    inlines = [IssueEntryInline]
    view_on_site = True
    actions = ["refresh_metadata"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_entry_count()

    @admin.action(description=_("Refresh the papers and code of these issues"))
    def refresh_metadata(self, request, queryset):
        numbers = []
        for issue in queryset:
            tasks.enqueue(tasks.refresh_issue, issue.pk)
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

    @admin.display(description=_("entries"), ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


@admin.register(IssueEntry)
class IssueEntryAdmin(admin.ModelAdmin):
    list_display = ["issue", "position", "recommendation"]
    list_filter = ["issue__status"]
    list_select_related = ["issue", "recommendation__paper", "recommendation__recommender"]
    search_fields = ["issue__number", "recommendation__paper__title", "recommendation__recommender__handle"]
    autocomplete_fields = ["issue", "recommendation"]
    ordering = ["-issue__number", "position"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["__str__", "recommendation", "position"]
    list_select_related = ["recommendation__paper", "recommendation__recommender"]
    search_fields = ["caption", "recommendation__paper__title"]
    autocomplete_fields = ["recommendation"]
