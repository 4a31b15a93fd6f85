"""paper_fetch_metadata and papers_fetch_arxiv_batch against the replay servers: what lands on the row."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from papers import services
from papers.identifiers import parse_paper_link
from papers.models import Paper, PaperAuthor
from papers.sources.base import TemporaryError
from tests.recorded import load, serve

pytestmark = pytest.mark.django_db

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
CORNERNET = "CornerNet: Detecting Objects as Paired Keypoints"


def arxiv_answers(replay, body_file, *, times=None):
    return replay.arxiv.add("/api/query", body_file=body_file, headers=ATOM, times=times)


def paper_for(link):
    paper, _created = services.paper_get_or_create(ref=parse_paper_link(link))
    return paper


def snapshot(paper):
    paper.refresh_from_db()
    values = {field: getattr(paper, field) for field in Paper.FETCHED_FIELDS if field != "authors"}
    values["authors"] = [a.author.name for a in paper.authorships.select_related("author").order_by("position")]
    values["status"] = paper.metadata_status
    return values


def test_it_fills_an_arxiv_paper_from_arxiv_and_semantic_scholar(replay):
    arxiv_answers(replay, "arxiv/legacy-1808.01244.xml")
    serve(replay.semantic_scholar, "semantic_scholar/paper-arxiv-1808.01244.json")
    paper = paper_for("https://arxiv.org/pdf/1808.01244v1.pdf")

    services.paper_fetch_metadata(paper_id=paper.pk)

    values = snapshot(paper)
    assert values["status"] == Paper.MetadataStatus.OK
    assert values["title"] == CORNERNET
    assert values["authors"] == ["Hei Law", "Jia Deng"]
    assert values["abstract"].startswith(
        "CornerNet finds each object as two keypoints, the top-left and bottom-right corners"
    )
    assert "\n" not in values["abstract"]
    assert values["arxiv_id"] == "1808.01244"
    assert values["arxiv_version"] == 2
    assert values["published_on"] == date(2018, 8, 3)
    assert values["primary_category"] == "cs.CV"
    assert values["venue"] == "ECCV 2018"
    assert values["year"] == 2018
    assert values["doi"] == "10.1007/978-3-030-01264-9_45"
    assert values["abstract_url"] == "https://arxiv.org/abs/1808.01244"
    assert values["pdf_url"] == "https://arxiv.org/pdf/1808.01244v2"
    assert set(paper.raw_metadata) == {"arxiv", "semantic_scholar"}
    assert replay.arxiv.requests[0].query["id_list"] == "1808.01244"


def test_it_leaves_one_row_with_the_same_values_when_run_twice(replay):
    arxiv_answers(replay, "arxiv/legacy-1808.01244.xml")
    serve(replay.semantic_scholar, "semantic_scholar/paper-arxiv-1808.01244.json")
    paper = paper_for("arXiv:1808.01244")

    services.paper_fetch_metadata(paper_id=paper.pk)
    first = snapshot(paper)
    again = paper_for("https://arxiv.org/abs/1808.01244v2")
    services.paper_fetch_metadata(paper_id=again.pk)

    assert again.pk == paper.pk
    assert Paper.objects.count() == 1
    assert PaperAuthor.objects.count() == 2
    assert snapshot(paper) == first


def test_it_keeps_what_an_editor_set_by_hand(replay):
    arxiv_answers(replay, "arxiv/legacy-1808.01244.xml")
    serve(replay.semantic_scholar, "semantic_scholar/paper-arxiv-1808.01244.json")
    paper = paper_for("1808.01244")
    paper.title = "CornerNet (ECCV 2018 oral)"
    paper.venue = "ECCV 2018"
    services.paper_lock_fields(paper=paper, fields=["title", "venue"])
    paper.save()

    services.paper_fetch_metadata(paper_id=paper.pk)

    values = snapshot(paper)
    assert values["title"] == "CornerNet (ECCV 2018 oral)"
    assert values["venue"] == "ECCV 2018"
    assert values["authors"] == ["Hei Law", "Jia Deng"]


def test_it_completes_the_paper_without_semantic_scholar_when_it_refuses(replay):
    arxiv_answers(replay, "arxiv/legacy-1808.01244.xml")
    serve(replay.semantic_scholar, "semantic_scholar/rate-limited.json")
    paper = paper_for("1808.01244")

    services.paper_fetch_metadata(paper_id=paper.pk)

    values = snapshot(paper)
    assert values["status"] == Paper.MetadataStatus.OK
    assert values["title"] == CORNERNET
    assert values["venue"] == ""
    assert values["year"] == 2018


def test_it_marks_an_arxiv_id_that_does_not_exist_failed(replay):
    arxiv_answers(replay, "arxiv/empty-2025.xml")
    paper = paper_for("1901.99999")

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert paper.metadata_error == "arXiv has no paper 1901.99999."


def test_it_keeps_the_paper_pending_with_the_reason_when_arxiv_is_down(replay):
    replay.arxiv.add("/api/query", status=503)
    paper = paper_for("1808.01244")

    with pytest.raises(TemporaryError):
        services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.PENDING
    assert paper.metadata_error == "arXiv answered HTTP 503"


def test_it_fetches_a_batch_of_arxiv_papers_in_one_request_each(replay):
    arxiv_answers(replay, "arxiv/batch-2025.xml")
    # Semantic Scholar answers a list aligned with the ids asked for, null where it knows none.
    s2_answer = [
        load("semantic_scholar/batch-with-null.json")["body"][0],
        load("semantic_scholar/paper-shape-variants.json")["body"],
        load("semantic_scholar/paper-arxiv-1808.01244.json")["body"],
        None,
    ]
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", body=s2_answer)
    papers = [paper_for(link) for link in ("1809.08370", "1901.07291v1", "arxiv.org/abs/1808.01244", "1901.99999")]

    services.papers_fetch_arxiv_batch(paper_ids=[paper.pk for paper in papers])

    by_id = {paper.arxiv_id: snapshot(paper) for paper in papers}
    asked = ["1809.08370", "1901.07291", "1808.01244", "1901.99999"]
    assert [r.query["id_list"] for r in replay.arxiv.requests] == [",".join(asked)]
    assert [json.loads(r.body)["ids"] for r in replay.semantic_scholar.requests] == [[f"ARXIV:{i}" for i in asked]]
    assert by_id["1809.08370"]["title"] == "Semi-Supervised Sequence Modeling with Cross-View Training"
    assert by_id["1809.08370"]["venue"] == "EMNLP 2018"
    assert by_id["1901.07291"]["authors"] == ["Guillaume Lample", "Alexis Conneau"]
    assert by_id["1808.01244"]["status"] == Paper.MetadataStatus.OK
    assert by_id["1808.01244"]["venue"] == "ECCV 2018"
    assert by_id["1901.99999"]["status"] == Paper.MetadataStatus.FAILED


def test_it_fills_a_doi_paper_from_crossref(replay):
    serve(replay.crossref, "crossref/works-10.1145-3209978.3209998.json")
    replay.semantic_scholar.add("/graph/v1/paper/DOI:10.1145/3209978.3209998", status=404, body={"error": "not found"})
    paper = paper_for("https://doi.org/10.1145/3209978.3209998")

    services.paper_fetch_metadata(paper_id=paper.pk)

    values = snapshot(paper)
    assert values["status"] == Paper.MetadataStatus.OK
    assert values["title"] == "Attentive Group Recommendation"
    assert values["authors"][:2] == ["Da Cao", "Xiangnan He"]
    assert values["year"] == 2018
    assert values["doi"] == "10.1145/3209978.3209998"


def test_it_asks_semantic_scholar_for_a_doi_crossref_does_not_know(replay):
    serve(replay.crossref, "crossref/works-not-found-10.48550-arxiv.1808.01244.json")
    replay.semantic_scholar.add(
        "/graph/v1/paper/DOI:10.48550/arxiv.1901.07291", body=load("semantic_scholar/paper-shape-variants.json")["body"]
    )
    paper = Paper.objects.create(doi="10.48550/arxiv.1901.07291")

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.title == "Cross-lingual Language Model Pretraining"


def test_it_fills_an_acl_anthology_paper_from_semantic_scholar(replay):
    serve(replay.semantic_scholar, "semantic_scholar/paper-acl-C18-1183.json")
    paper = paper_for("https://aclanthology.org/C18-1183.pdf")

    services.paper_fetch_metadata(paper_id=paper.pk)

    values = snapshot(paper)
    assert values["status"] == Paper.MetadataStatus.OK
    assert values["title"] == "Distantly Supervised NER with Partial Annotation Learning and Reinforcement Learning"
    assert values["acl_id"] == "C18-1183"


def test_it_says_why_an_openreview_paper_was_not_found(replay):
    replay.semantic_scholar.add(
        "/graph/v1/paper/URL:https://openreview.net/forum?id=r1lrAiA5Ym",
        status=404,
        body={"error": "Paper with id URL:https://openreview.net/forum?id=r1lrAiA5Ym not found"},
    )
    paper = paper_for("https://openreview.net/pdf?id=r1lrAiA5Ym")

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert "r1lrAiA5Ym" in paper.metadata_error


def test_it_finds_a_paper_known_only_by_its_title(replay):
    serve(replay.semantic_scholar, "semantic_scholar/match-title.json")
    title = "Distantly Supervised NER with Partial Annotation Learning and Reinforcement Learning"
    paper = Paper.objects.create(title=title)

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.acl_id == "C18-1183"


def test_it_refuses_a_title_match_that_is_another_paper(replay):
    serve(replay.semantic_scholar, "semantic_scholar/match-title.json")
    paper = Paper.objects.create(title="Distant supervision for relation extraction without labelled data")

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert paper.acl_id == ""
    assert paper.title == "Distant supervision for relation extraction without labelled data"


def test_it_asks_an_editor_when_there_is_nothing_to_look_up(replay):
    paper = Paper.objects.create()

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.NEEDS_EDITOR
    assert replay.all_requests() == []


def test_it_does_not_give_one_identifier_to_two_papers(replay):
    arxiv_answers(replay, "arxiv/legacy-1808.01244.xml")
    serve(replay.semantic_scholar, "semantic_scholar/paper-arxiv-1808.01244.json")
    other = Paper.objects.create(title="The ECCV chapter, added by hand", doi="10.1007/978-3-030-01264-9_45")
    paper = paper_for("1808.01244")

    services.paper_fetch_metadata(paper_id=paper.pk)

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.doi == ""
    assert paper.metadata_error == f"DOI 10.1007/978-3-030-01264-9_45 also belongs to paper #{other.pk}."


def test_it_marks_a_malformed_arxiv_id_failed_without_asking_arxiv(replay):
    arxiv_answers(replay, "arxiv/batch-2025.xml")
    bad = Paper.objects.create(arxiv_id="1808.01244, 1901.07291")
    good = paper_for("1809.08370")

    services.papers_fetch_arxiv_batch(paper_ids=[bad.pk, good.pk])
    services.paper_fetch_metadata(paper_id=bad.pk)

    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.metadata_status == Paper.MetadataStatus.FAILED
    assert "is not an arXiv id" in bad.metadata_error
    assert good.metadata_status == Paper.MetadataStatus.OK
    assert [r.query["id_list"] for r in replay.arxiv.requests] == ["1809.08370"]


def test_it_counts_a_try_and_notes_one_that_never_finished(settings):
    settings.PAPERDAILY_FETCH_TIME_LIMIT = 150
    long_ago = timezone.now() - timedelta(hours=1)
    killed = Paper.objects.create(arxiv_id="1808.01244", fetch_attempts=1, fetch_started_at=long_ago)
    running = Paper.objects.create(arxiv_id="1706.03762", fetch_attempts=1, fetch_started_at=timezone.now())
    fresh = Paper.objects.create(arxiv_id="2010.11929", metadata_error="earlier note")

    to_fetch = services.papers_start_attempt(paper_ids=[killed.pk, running.pk, fresh.pk], attempts=3)

    rows = {paper.pk: paper for paper in Paper.objects.all()}
    assert to_fetch == [killed.pk, running.pk, fresh.pk]
    assert [rows[pk].fetch_attempts for pk in to_fetch] == [2, 2, 1]
    assert all(rows[pk].fetch_started_at > long_ago for pk in to_fetch)
    assert rows[killed.pk].metadata_error.startswith("The previous try did not finish")
    # A try begun less than a hard time limit ago may still be running: nothing is said of it.
    assert rows[running.pk].metadata_error == ""
    assert rows[fresh.pk].metadata_error == "earlier note"
    assert {rows[pk].metadata_status for pk in to_fetch} == {"pending"}


def test_it_fails_a_paper_out_of_tries_with_its_last_error():
    paper = Paper.objects.create(arxiv_id="1808.01244", fetch_attempts=3, metadata_error="arXiv answered HTTP 503")

    assert services.papers_start_attempt(paper_ids=[paper.pk], attempts=3) == []

    paper.refresh_from_db()
    assert paper.metadata_status == Paper.MetadataStatus.FAILED
    assert paper.metadata_error == "arXiv answered HTTP 503 (gave up after 3 tries)"
    assert paper.fetch_attempts == 0
