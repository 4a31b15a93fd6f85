"""The library page, the buttons that fill it, and its exports (BibTeX, CSL-JSON)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from paperdaily.lib.paging import paginate
from paperdaily.lib.ratelimits import limit_posts
from papers.models import Paper, Tag
from recommendations.library import services
from recommendations.library.csl import csl_item
from recommendations.models import LibraryItem
from recommendations.reading.bibtex import papers_bibtex
from recommendations.reading.cards import paper_card, paper_facts

LIBRARY_LIMITS = [("user", "PAPERDAILY_RATE_LIBRARY_USER")]
NOTE_MAX = LibraryItem._meta.get_field("note").max_length
ACTIONS = {"save", "dismiss", "remove", "read", "unread", "note"}


class LibraryFilters(forms.Form):
    """The library page's filters; a bad one is ignored (and said), never a 500."""

    tag = forms.ChoiceField(label=gettext_lazy("Topic"), required=False)
    read = forms.ChoiceField(
        label=gettext_lazy("Read"),
        required=False,
        choices=[
            ("", gettext_lazy("Read and unread")),
            ("unread", gettext_lazy("Unread")),
            ("read", gettext_lazy("Read")),
        ],
    )
    code = forms.BooleanField(label=gettext_lazy("Has code"), required=False)

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("All topics"))] + [(tag.slug, tag.local_name) for tag in tags]

    def filters(self):
        self.is_valid()
        data = self.cleaned_data
        return {"tag": data.get("tag") or "", "read": data.get("read") or "", "code": bool(data.get("code"))}


def _filtered(request):
    tags = list(Tag.objects.approved().order_by("name"))
    form = LibraryFilters(request.GET, tags=tags)
    filters = form.filters()
    return form, filters, services.library_items(request.user, **filters)


def _with_papers(items):
    """The items' papers with what a result shows (authors, code, card facts), in one go."""
    papers = Paper.objects.with_listing_details().in_bulk([item.paper_id for item in items])
    for item in items:
        paper = item.paper = papers[item.paper_id]
        paper.title_html = paper.title
        paper.card = paper_card(paper)
    return items


@require_safe
@login_required
def library(request, *, note_errors=None, status=200):
    form, filters, items = _filtered(request)
    page = paginate(request, items, per_page=20)
    page.object_list = _with_papers(list(page.object_list))
    note_errors = note_errors or {}
    for item in page.object_list:
        item.note_error, item.note_draft = note_errors.get(item.paper_id, ("", None))
    kept = {name: value for name, value in filters.items() if value}
    total = LibraryItem.objects.filter(user=request.user).saved().count()
    return render(
        request,
        "library/library.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": total,
            "filtered": bool(kept),
            "query_string": urlencode({name: "on" if value is True else value for name, value in kept.items()}),
            "note_max": NOTE_MAX,
        },
        status=status,
    )


@require_POST
@login_required
@limit_posts("library", *LIBRARY_LIMITS)
def change(request, paper_id):
    paper = services.featured_paper(paper_id)
    action = request.POST.get("action")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("Say what to do with the paper."), content_type="text/plain")
    title = paper.title or paper.identifier_label or _("the paper")
    user = request.user
    if action == "save":
        services.library_save(user=user, paper=paper)
        messages.success(request, _("“%(title)s” is in your library.") % {"title": title})
    elif action == "dismiss":
        services.library_dismiss(user=user, paper=paper)
        messages.success(request, _("You will not be shown “%(title)s” again.") % {"title": title})
    elif action == "remove":
        services.library_remove(user=user, paper=paper)
        messages.success(request, _("“%(title)s” is no longer in your library.") % {"title": title})
    elif action in ("read", "unread"):
        services.library_update(user=user, paper=paper, read=action == "read")
    else:
        note = request.POST.get("note", "").replace("\r\n", "\n").strip()
        if len(note) > NOTE_MAX:
            # Shown again with the text as typed: nothing the reader wrote is lost.
            error = _("A note has at most %(max)s characters (this one has %(count)s).") % {
                "max": NOTE_MAX,
                "count": len(note),
            }
            request.method = "GET"
            return library(request, note_errors={paper.pk: (error, note)}, status=400)
        services.library_update(user=user, paper=paper, note=note)
        messages.success(request, _("Your note on “%(title)s” is saved.") % {"title": title})
    return HttpResponseRedirect(_back(request, default=reverse("library:library")))


def _back(request, *, default):
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return default


def _export_rows(request):
    _form, _filters, items = _filtered(request)
    items = _with_papers(list(items))
    return [(item.paper_id, paper_facts(item.paper), item.note) for item in items]


def _download(body, *, content_type, extension):
    response = HttpResponse(body, content_type=content_type)
    name = f"paperdaily-library-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@login_required
def export_bibtex(request):
    header = _("PaperDaily: the library of %(name)s") % {"name": request.user.get_username()}
    body = papers_bibtex(_export_rows(request), header=header)
    return _download(body, content_type="application/x-bibtex; charset=utf-8", extension="bib")


@require_safe
@login_required
def export_csl(request):
    site = request.build_absolute_uri("/").rstrip("/")
    items = [
        csl_item(paper_id, facts, note=note, url=site + reverse("papers:paper-detail", args=[paper_id]))
        for paper_id, facts, note in _export_rows(request)
    ]
    body = json.dumps(items, ensure_ascii=False, indent=2)
    return _download(body, content_type="application/vnd.citationstyles.csl+json; charset=utf-8", extension="json")
