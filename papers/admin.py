"""The catalogue's back office: papers with their authors and links, repositories, topics and areas."""

import json

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from paperdaily.lib.admin import LabelledInlineFormSet, ModelAdmin
from papers import services
from papers.identifiers import LinkError, normalise_arxiv_id, parse_paper_link, parse_repo_link
from papers.models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag


@admin.register(Area)
class AreaAdmin(ModelAdmin):
    list_display = ["code", "name", "name_zh", "position", "tag_count"]
    list_editable = ["position"]
    search_fields = ["code", "name", "name_zh"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(tag_count=Count("tags"))

    @admin.display(description=_("tags"), ordering="tag_count")
    def tag_count(self, obj):
        return obj.tag_count


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "name_zh", "slug", "area", "approved"]
    list_filter = ["approved", "area"]
    list_select_related = ["area"]
    search_fields = ["name", "name_zh", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["approve_selected"]

    @admin.action(description=_("Approve selected topics"), permissions=["change"])
    def approve_selected(self, request, queryset):
        # Recommendations filed under a proposal can be accepted once it is approved.
        count = queryset.filter(approved=False).update(approved=True)
        self.message_user(
            request,
            ngettext(
                "%(count)d topic approved; readers and the recommend form now see it.",
                "%(count)d topics approved; readers and the recommend form now see them.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Author)
class AuthorAdmin(ModelAdmin):
    list_display = ["name", "semantic_scholar_id", "paper_count"]
    search_fields = ["name", "semantic_scholar_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_count=Count("papers"))

    @admin.display(description=_("papers"), ordering="paper_count")
    def paper_count(self, obj):
        return obj.paper_count


def _https_by_default(db_field, **kwargs):
    """A link typed without a scheme is read as https (Django 6's default, taken now)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class HttpsUrls:
    """For admin classes: forms they build read a scheme-less link as https too."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class PaperAuthorForm(forms.ModelForm):
    """An authorship typed as a name: an author of that name is reused, or made, so adding one
    needs no popup. (A namesake told apart by Semantic Scholar keeps its own row.)"""

    author_name = forms.CharField(label=_("author"), max_length=300)

    class Meta:
        model = PaperAuthor
        fields = ["position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["author_name"].initial = self.instance.author.name

    def clean_author_name(self):
        name = " ".join(self.cleaned_data["author_name"].split())
        if not name:
            raise forms.ValidationError(_("Type the author's name."))
        return name

    def save(self, commit=True):
        name = self.cleaned_data["author_name"]
        current = self.instance.author if self.instance.author_id else None
        if current is None or current.name != name:
            self.instance.author = Author.objects.filter(name=name).order_by(
                "semantic_scholar_id", "pk"
            ).first() or Author.objects.create(name=name)
        return super().save(commit)


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    form = PaperAuthorForm
    formset = LabelledInlineFormSet
    fields = ["position", "author_name"]
    extra = 1
    ordering = ["position"]
    verbose_name = _("author")
    verbose_name_plural = _("authors, in order")


class PaperRepositoryInline(admin.TabularInline):
    model = PaperRepository
    formset = LabelledInlineFormSet
    extra = 0
    autocomplete_fields = ["repository"]


class PaperLinkInline(HttpsUrls, admin.TabularInline):
    model = PaperLink
    formset = LabelledInlineFormSet
    extra = 0


def _locked_fields_field(model):
    choices = [
        (name, _("authors") if name == "authors" else model._meta.get_field(name).verbose_name)
        for name in model.FETCHED_FIELDS
    ]
    return forms.MultipleChoiceField(
        label=_("Kept as edited"),
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "A fetch leaves these fields as they are. Fields you change are ticked when you save; "
            "untick one to let the next fetch fill it in again."
        ),
    )


class LinesField(forms.CharField):
    """A JSON list of short texts edited as one per line ("Institutions")."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def __init__(self, *, max_items=50, max_length_each=300, **kwargs):
        self.max_items, self.max_length_each = max_items, max_length_each
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        lines = [" ".join(line.split()) for line in (value or "").splitlines()]
        return [line for line in lines if line]

    def validate(self, value):
        if len(value) > self.max_items:
            raise forms.ValidationError(_("At most %(count)d lines, one per institution.") % {"count": self.max_items})
        for line in value:
            if len(line) > self.max_length_each:
                raise forms.ValidationError(
                    _("“%(line)s…” is longer than %(count)d characters; one institution per line.")
                    % {"line": line[:40], "count": self.max_length_each}
                )

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class PaperForm(forms.ModelForm):
    locked_fields = _locked_fields_field(Paper)
    institutions = LinesField(label=_("institutions"), help_text=_("One per line, in the paper's order."))

    class Meta:
        model = Paper
        formfield_callback = _https_by_default
        fields = [
            *[name for name in Paper.FETCHED_FIELDS if name != "authors"],
            "institutions",
            "metadata_status",
            "locked_fields",
        ]

    def clean_arxiv_id(self):
        value = self.cleaned_data["arxiv_id"].strip()
        if not value:
            return value
        try:
            return normalise_arxiv_id(value)[0]
        except LinkError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_doi(self):
        """Stored as a submitted link's DOI is: lower case, without "doi:" or the resolver's address."""
        value = self.cleaned_data["doi"].strip()
        if not value:
            return value
        try:
            ref = parse_paper_link(value if value.lower().startswith(("doi", "http")) else f"doi:{value}")
        except LinkError:
            ref = None
        if ref is None or ref.kind not in ("doi", "arxiv"):
            raise forms.ValidationError(_("A DOI starts with 10., such as 10.18653/v1/d18-1217."))
        # arXiv's own DOIs (10.48550/arXiv.…) read as arXiv ids; as a DOI they are kept as typed.
        return ref.value if ref.kind == "doi" else value.lower()


@admin.register(Paper)
class PaperAdmin(HttpsUrls, ModelAdmin):
    form = PaperForm
    list_display = ["short_title", "identifier_label", "venue", "year", "metadata_status", "short_error", "fetched_at"]
    list_filter = ["metadata_status", "year", "recommendations__tag__area"]
    search_fields = ["title", "arxiv_id", "doi", "openreview_id", "acl_id", "authorships__author__name"]
    readonly_fields = [
        "metadata_error",
        "fetch_attempts",
        "fetch_started_at",
        "fetched_at",
        "created_at",
        "updated_at",
        "raw_metadata_display",
        "thumbnail_preview",
        "thumbnail_error",
        "thumbnail_tried_at",
    ]
    inlines = [PaperAuthorInline, PaperRepositoryInline, PaperLinkInline]
    actions = ["fetch_again", "draw_thumbnail_again", "forget_hand_edits"]
    fieldsets = [
        (None, {"fields": ["title", "abstract", "venue", "year", "published_on", "institutions"]}),
        (
            _("Identifiers"),
            {"fields": ["arxiv_id", "arxiv_version", "doi", "openreview_id", "acl_id", "semantic_scholar_id"]},
        ),
        (_("Links and arXiv details"), {"fields": ["abstract_url", "pdf_url", "journal_ref", "primary_category"]}),
        (
            _("Metadata"),
            {
                "fields": [
                    "metadata_status",
                    "metadata_error",
                    "fetch_attempts",
                    "fetch_started_at",
                    "locked_fields",
                    "fetched_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (_("First page"), {"fields": ["thumbnail_preview", "thumbnail_error", "thumbnail_tried_at"]}),
        (_("As the sources sent it"), {"classes": ["collapse"], "fields": ["raw_metadata_display"]}),
    ]

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, obj):
        facts = obj.thumbnail_facts
        if not facts:
            return (
                _("none yet (drawn by a worker from the arXiv PDF)") if obj.arxiv_id else _("none (not an arXiv paper)")
            )
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="" style="max-width: 160px; height: auto">',
            facts["url"],
            facts["width"],
            facts["height"],
        )

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    @admin.display(description=_("title"), ordering="title")
    def short_title(self, obj):
        return Truncator(str(obj)).chars(80)

    @admin.display(description=_("identifier"))
    def identifier_label(self, obj):
        return obj.identifier_label

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return Truncator(obj.metadata_error).chars(60)

    @admin.display(description=_("raw metadata"))
    def raw_metadata_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.raw_metadata, indent=2, ensure_ascii=False))

    def save_model(self, request, obj, form, change):
        changed = set(form.changed_data) - {"locked_fields"}
        services.paper_lock_fields(paper=obj, fields=changed)
        identifier_changed = bool(changed & {"arxiv_id", "doi", "openreview_id", "acl_id"})
        if identifier_changed and "metadata_status" not in changed:
            obj.metadata_status = Paper.MetadataStatus.PENDING
        super().save_model(request, obj, form, change)
        if identifier_changed:
            services.enqueue_papers([obj.pk], arxiv_ids={obj.pk} if obj.arxiv_id else set())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(formset.model is PaperAuthor and formset.has_changed() for formset in formsets):
            paper = form.instance
            services.paper_lock_fields(paper=paper, fields=["authors"])
            paper.save(update_fields=["locked_fields"])

    @admin.action(description=_("Fetch metadata again"))
    def fetch_again(self, request, queryset):
        rows = list(queryset.values_list("pk", "arxiv_id"))
        services.enqueue_papers([pk for pk, _ in rows], arxiv_ids={pk for pk, arxiv_id in rows if arxiv_id})
        self.message_user(
            request,
            ngettext(
                "%(count)d paper queued; its status and last error show here once a worker has fetched it.",
                "%(count)d papers queued; their status and last error show here once a worker has fetched them.",
                len(rows),
            )
            % {"count": len(rows)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Draw the first page again"))
    def draw_thumbnail_again(self, request, queryset):
        ids = list(queryset.exclude(arxiv_id="").values_list("pk", flat=True))
        Paper.objects.filter(pk__in=ids).update(thumbnail_error="")
        services.enqueue_thumbnails(ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d arXiv paper queued to have its first page drawn.",
                "%(count)d arXiv papers queued to have their first page drawn.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Let the next fetch overwrite hand edits"))
    def forget_hand_edits(self, request, queryset):
        count = queryset.update(locked_fields=[])
        self.message_user(
            request,
            ngettext("Hand edits forgotten on %(count)d paper.", "Hand edits forgotten on %(count)d papers.", count)
            % {"count": count},
        )


class RepositoryForm(forms.ModelForm):
    locked_fields = _locked_fields_field(Repository)

    class Meta:
        model = Repository
        formfield_callback = _https_by_default
        fields = ["url", *Repository.FETCHED_FIELDS, "fetch_status", "locked_fields"]
        help_texts = {
            "url": _(
                "A link to a repository on GitHub, GitLab, Gitee, Bitbucket or Codeberg, or to a Hugging Face "
                "model, dataset or Space; host, kind, owner and name are read from it."
            )
        }

    def clean(self):
        """The link decides host, owner and name, so the three can never point elsewhere than the link."""
        cleaned = super().clean()
        if "url" not in cleaned:
            return cleaned
        try:
            ref = parse_repo_link(cleaned["url"])
        except LinkError as error:
            self.add_error("url", str(error))
            return cleaned
        twin = Repository.objects.for_ref(ref).exclude(pk=self.instance.pk).first()
        if twin:
            # The hosts ignore case in names; the database constraint does not, so it is checked here.
            self.add_error("url", _("%(name)s is already in the list of repositories.") % {"name": twin.full_name})
            return cleaned
        cleaned["url"] = ref.url
        self.instance.host, self.instance.kind = ref.host, ref.kind
        self.instance.owner, self.instance.name = ref.owner, ref.name
        return cleaned


@admin.register(Repository)
class RepositoryAdmin(HttpsUrls, ModelAdmin):
    form = RepositoryForm
    list_display = [
        "repository_name",
        "stars",
        "language",
        "license",
        "archived",
        "fetch_status",
        "short_error",
        "fetched_at",
    ]
    list_filter = ["host", "kind", "fetch_status", "archived", "language"]
    search_fields = ["url", "owner", "name", "description"]
    readonly_fields = [
        "host",
        "kind",
        "owner",
        "name",
        "github_id",
        "fetch_error",
        "fetch_attempts",
        "fetch_started_at",
        "fetched_at",
        "created_at",
        "updated_at",
        "raw_metadata_display",
    ]
    actions = ["fetch_again"]
    fieldsets = [
        (None, {"fields": ["url", "host", "kind", "owner", "name", "github_id"]}),
        (
            _("Facts"),
            {"fields": ["description", "stars", "language", "license", "pushed_at", "archived", "default_branch"]},
        ),
        (
            _("Fetching"),
            {
                "fields": [
                    "fetch_status",
                    "fetch_error",
                    "fetch_attempts",
                    "fetch_started_at",
                    "locked_fields",
                    "fetched_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (_("As the host sent it"), {"classes": ["collapse"], "fields": ["raw_metadata_display"]}),
    ]

    @admin.display(description=_("repository"), ordering="owner")
    def repository_name(self, obj):
        return obj.full_name

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return Truncator(obj.fetch_error).chars(60)

    @admin.display(description=_("raw metadata"))
    def raw_metadata_display(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.raw_metadata, indent=2, ensure_ascii=False))

    def save_model(self, request, obj, form, change):
        services.repository_lock_fields(repository=obj, fields=set(form.changed_data) - {"locked_fields"})
        super().save_model(request, obj, form, change)
        if not change or "url" in form.changed_data:
            services.enqueue_repositories([obj.pk])

    @admin.action(description=_("Fetch from the code host again"))
    def fetch_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        services.enqueue_repositories(ids)
        self.message_user(
            request,
            ngettext("%(count)d repository queued.", "%(count)d repositories queued.", len(ids)) % {"count": len(ids)},
            messages.SUCCESS,
        )


@admin.register(PaperAuthor)
class PaperAuthorAdmin(ModelAdmin):
    list_display = ["paper", "position", "author"]
    list_select_related = ["paper", "author"]
    search_fields = ["paper__title", "author__name"]
    autocomplete_fields = ["paper", "author"]


@admin.register(PaperRepository)
class PaperRepositoryAdmin(ModelAdmin):
    list_display = ["paper", "repository", "path", "position"]
    list_select_related = ["paper", "repository"]
    search_fields = ["paper__title", "repository__owner", "repository__name"]
    autocomplete_fields = ["paper", "repository"]


@admin.register(PaperLink)
class PaperLinkAdmin(HttpsUrls, ModelAdmin):
    list_display = ["paper", "kind", "url", "label"]
    list_filter = ["kind"]
    list_select_related = ["paper"]
    search_fields = ["paper__title", "url", "label"]
    autocomplete_fields = ["paper"]
