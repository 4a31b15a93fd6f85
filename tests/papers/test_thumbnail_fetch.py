"""paper_fetch_thumbnail and its task against the replay server: arXiv's PDF in, a WebP on the paper out."""

import gzip
from pathlib import Path

import pytest
from django.core.management import call_command

from papers import services
from papers.identifiers import parse_paper_link
from papers.models import Paper
from papers.sources import budgets
from papers.sources.base import HostNotAllowed, RateLimited, TemporaryError
from papers.sources.http import api_get
from tests.pdfs import page_pdf

pytestmark = pytest.mark.django_db

PDF = {"Content-Type": "application/pdf"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PAPERDAILY_THUMBNAILS = True


def arxiv_paper(arxiv_id="1808.01244", version=2):
    paper, _created = services.paper_get_or_create(ref=parse_paper_link(f"https://arxiv.org/abs/{arxiv_id}"))
    Paper.objects.filter(pk=paper.pk).update(arxiv_version=version, metadata_status=Paper.MetadataStatus.OK)
    return paper


def test_it_stores_the_first_page_of_the_arxiv_pdf(replay, settings):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert stored.thumbnail.name.startswith("thumbnails/") and stored.thumbnail.name.endswith(".webp")
    assert (stored.thumbnail_width, stored.thumbnail_height) == (320, 415)
    assert (Path(settings.MEDIA_ROOT) / stored.thumbnail.name).read_bytes()[8:12] == b"WEBP"
    assert stored.thumbnail_error == ""
    assert [request.path for request in replay.arxiv.requests] == ["/pdf/1808.01244v2"]
    assert stored.thumbnail_facts == {"url": stored.thumbnail.url, "width": 320, "height": 415}


def test_a_new_drawing_replaces_the_old_file(replay, settings, django_capture_on_commit_callbacks):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()
    first = services.paper_fetch_thumbnail(paper_id=paper.pk).thumbnail.name

    with django_capture_on_commit_callbacks(execute=True):
        second = services.paper_fetch_thumbnail(paper_id=paper.pk).thumbnail.name

    assert second != first
    assert not (Path(settings.MEDIA_ROOT) / first).exists()
    assert (Path(settings.MEDIA_ROOT) / second).exists()


def test_it_records_why_when_arxiv_has_no_pdf(replay):
    replay.arxiv.add("/pdf/1808.01244v2", status=404, body=b"not found")
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert not stored.thumbnail
    assert stored.thumbnail_error == "arXiv answered HTTP 404 for the PDF"
    assert stored.thumbnail_tried_at is not None


def test_it_records_an_answer_that_is_not_a_pdf(replay):
    replay.arxiv.add("/pdf/1808.01244v2", body="<html>Just a moment…</html>", headers={"Content-Type": "text/html"})
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert not stored.thumbnail
    assert stored.thumbnail_error == "arXiv's PDF: the file is not a PDF"


def test_it_refuses_a_pdf_larger_than_the_cap_after_decompression(replay, settings):
    settings.PAPERDAILY_PDF_MAX_BYTES = 10_000
    # A few hundred bytes on the wire, 200 kB once unpacked.
    body = gzip.compress(page_pdf() + b" " * 200_000)
    assert len(body) < 10_000
    replay.arxiv.add("/pdf/1808.01244v2", body=body, headers={**PDF, "Content-Encoding": "gzip"})
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert not stored.thumbnail
    assert stored.thumbnail_error == "arXiv sent an answer larger than 10000 bytes"


def test_it_records_a_pdf_whose_drawing_passes_the_memory_cap(replay, settings):
    settings.PAPERDAILY_THUMBNAIL_MEMORY = 40 * 1024 * 1024
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert not stored.thumbnail
    assert stored.thumbnail_error == "arXiv's PDF: drawing the first page needed more than the 40 MB allowed"


def test_it_keeps_the_thumbnail_it_has_when_a_later_try_fails(replay):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF, times=1)
    replay.arxiv.add("/pdf/1808.01244v2", status=404)
    paper = arxiv_paper()
    name = services.paper_fetch_thumbnail(paper_id=paper.pk).thumbnail.name

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert stored.thumbnail.name == name
    assert stored.thumbnail_error == "arXiv answered HTTP 404 for the PDF"


def test_it_raises_for_a_retry_when_arxiv_is_down(replay):
    replay.arxiv.add("/pdf/1808.01244v2", status=503)
    paper = arxiv_paper()

    with pytest.raises(TemporaryError):
        services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert Paper.objects.get(pk=paper.pk).thumbnail_error == "arXiv answered HTTP 503"


def test_it_asks_nothing_for_a_paper_without_an_arxiv_id(replay):
    paper, _created = services.paper_get_or_create(ref=parse_paper_link("https://doi.org/10.1145/3292500.3330919"))

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert stored.thumbnail_error == "only arXiv papers get a thumbnail"
    assert replay.all_requests() == []


def test_a_fetched_arxiv_paper_is_drawn_by_the_worker(replay, eager, django_capture_on_commit_callbacks):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:1808.01244", status=404, body={"error": "not found"})
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper, _created = services.paper_get_or_create(ref=parse_paper_link("https://arxiv.org/abs/1808.01244"))

    with django_capture_on_commit_callbacks(execute=True):
        services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.thumbnail and paper.thumbnail_width == 320
    assert "/pdf/1808.01244v2" in [request.path for request in replay.arxiv.requests]


def test_the_command_draws_the_papers_it_is_given(replay, capsys):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()

    call_command("fetch_thumbnails", paper=[paper.pk])

    assert "(320×415)" in capsys.readouterr().out
    assert Paper.objects.get(pk=paper.pk).thumbnail


def test_the_missing_thumbnails_are_sent_to_the_workers(replay, eager, django_capture_on_commit_callbacks):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()
    failed = arxiv_paper("1901.07291", version=1)
    Paper.objects.filter(pk=failed.pk).update(thumbnail_error="arXiv answered HTTP 404 for the PDF")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetch_thumbnails")

    assert Paper.objects.get(pk=paper.pk).thumbnail
    assert [request.path for request in replay.arxiv.requests] == ["/pdf/1808.01244v2"]


def test_no_thumbnail_is_asked_for_when_thumbnails_are_off(replay, eager, settings, django_capture_on_commit_callbacks):
    settings.PAPERDAILY_THUMBNAILS = False
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetch_thumbnails")

    assert not Paper.objects.get(pk=paper.pk).thumbnail
    assert replay.arxiv.requests == []


def test_the_pdf_client_asks_arxivs_pdf_host_and_no_other(replay, settings):
    with pytest.raises(HostNotAllowed):
        api_get("arxiv_pdf", replay.crossref.base_url + "/pdf/1808.01244v2")
    with pytest.raises(HostNotAllowed):
        api_get("arxiv_pdf", "https://example.org/pdf/1808.01244v2")

    assert replay.all_requests() == []


def test_a_pdf_spends_the_one_arxiv_budget_the_metadata_spends(replay, settings):
    settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, "arxiv": "1 per 60 seconds"}
    settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT = 0.1
    budgets.reset("arxiv")
    replay.arxiv.add("/api/query", body_file="arxiv/empty-2025.xml", headers=ATOM)
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    api_get("arxiv", params={"id_list": "1808.01244"})
    paper = arxiv_paper()

    with pytest.raises(RateLimited):
        services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert [request.path for request in replay.arxiv.requests] == ["/api/query"]


def test_an_editor_sees_the_thumbnail_and_can_have_it_drawn_again(
    replay, eager, admin_client, django_capture_on_commit_callbacks
):
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()
    Paper.objects.filter(pk=paper.pk).update(thumbnail_error="arXiv answered HTTP 404 for the PDF")
    assert (
        "arXiv answered HTTP 404 for the PDF"
        in admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/papers/paper/", {"action": "draw_thumbnail_again", "_selected_action": [paper.pk]}, follow=True
        )

    paper.refresh_from_db()
    assert paper.thumbnail and paper.thumbnail_error == ""
    page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/").content.decode()
    assert f'<img src="{paper.thumbnail.url}" width="320" height="415"' in page


def test_it_records_a_drawing_that_passes_its_time(replay, settings):
    settings.PAPERDAILY_THUMBNAIL_TIMEOUT = 0.05
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF)
    paper = arxiv_paper()

    stored = services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert not stored.thumbnail
    assert stored.thumbnail_error == "arXiv's PDF: drawing the first page took longer than 0.05 s"


def test_a_download_past_its_deadline_is_retried_later(replay, settings):
    settings.PAPERDAILY_PDF_DEADLINE = 0.3
    replay.arxiv.add("/pdf/1808.01244v2", body_file="arxiv/pdf-1808.01244v2.pdf", headers=PDF, delay=1.5)
    paper = arxiv_paper()

    with pytest.raises(TemporaryError, match="did not answer within 0.3 s"):
        services.paper_fetch_thumbnail(paper_id=paper.pk)

    assert Paper.objects.get(pk=paper.pk).thumbnail_error == "arXiv did not answer within 0.3 s"
