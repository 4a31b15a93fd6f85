from django.contrib import admin
from django.db.models import Count
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position", "tag_count"]
    list_editable = ["position"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tag_count=Count("tags"))

    @admin.display(description=_("tags"), ordering="tag_count")
    def tag_count(self, obj):
        return obj.tag_count


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "area"]
    list_filter = ["area"]
    list_select_related = ["area"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "semantic_scholar_id", "paper_count"]
    search_fields = ["name", "semantic_scholar_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("papers"))

    @admin.display(description=_("papers"), ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    extra = 0
    autocomplete_fields = ["author"]
    ordering = ["position"]


class PaperRepositoryInline(admin.TabularInline):
    model = PaperRepository
    extra = 0
    autocomplete_fields = ["repository"]


class PaperLinkInline(admin.TabularInline):
    model = PaperLink
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["short_title", "identifier_label", "venue", "year", "metadata_status", "fetched_at"]
    list_filter = ["metadata_status", "year", "recommendations__tag__area"]
    search_fields = ["title", "arxiv_id", "doi", "openreview_id", "acl_id", "authorships__author__name"]
    readonly_fields = ["metadata_error", "fetched_at", "created_at", "updated_at"]
    inlines = [PaperAuthorInline, PaperRepositoryInline, PaperLinkInline]
    fieldsets = [
        (None, {"fields": ["title", "abstract", "venue", "year", "published_on"]}),
        (_("Identifiers"), {"fields": ["arxiv_id", "doi", "openreview_id", "acl_id", "abstract_url", "pdf_url"]}),
        (
            _("Metadata"),
            {"fields": ["metadata_status", "metadata_error", "fetched_at", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    @admin.display(description=_("title"), ordering="title")
    def short_title(self, obj):
        return Truncator(str(obj)).chars(80)

    @admin.display(description=_("identifier"))
    def identifier_label(self, obj):
        return obj.identifier_label


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["repository_name", "host", "stars", "language", "license", "archived", "fetch_status", "fetched_at"]
    list_filter = ["host", "fetch_status", "archived", "language"]
    search_fields = ["url", "owner", "name", "description"]
    readonly_fields = ["fetch_error", "fetched_at", "created_at"]

    @admin.display(description=_("repository"), ordering="owner")
    def repository_name(self, obj):
        return obj.full_name


@admin.register(PaperAuthor)
class PaperAuthorAdmin(admin.ModelAdmin):
    list_display = ["paper", "position", "author"]
    list_select_related = ["paper", "author"]
    search_fields = ["paper__title", "author__name"]
    autocomplete_fields = ["paper", "author"]


@admin.register(PaperRepository)
class PaperRepositoryAdmin(admin.ModelAdmin):
    list_display = ["paper", "repository", "path", "position"]
    list_select_related = ["paper", "repository"]
    search_fields = ["paper__title", "repository__owner", "repository__name"]
    autocomplete_fields = ["paper", "repository"]


@admin.register(PaperLink)
class PaperLinkAdmin(admin.ModelAdmin):
    list_display = ["paper", "kind", "url", "label"]
    list_filter = ["kind"]
    list_select_related = ["paper"]
    search_fields = ["paper__title", "url", "label"]
    autocomplete_fields = ["paper"]
