"""Semantic Scholar source: recorded answers parsed, and the fetch logic around the shared client.

The shared client is replaced by a fake that answers from the recorded exchanges in
``tests/data/semantic_scholar/`` (see ``tests/data/PROVENANCE-s2-github.md``) and, like the real
client, raises ``RateLimited`` for a 429 instead of returning it.
"""

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from papers.sources import semantic_scholar
from papers.sources.base import BadRequest, BadResponse, NotFound, RateLimited
from papers.sources.http import Response
from papers.sources.semantic_scholar import FIELDS, fetch, fetch_batch, match_title, paper_key, parse_paper

DATA = Path(__file__).resolve().parents[2] / "data" / "semantic_scholar"


def recorded(name):
    return json.loads((DATA / name).read_text())


def answer(name):
    exchange = recorded(name)
    return make_response(exchange["status"], exchange["body"], exchange["headers"], exchange["request"]["url"])


def make_response(status, body, headers=None, url="https://api.semanticscholar.org/graph/v1/paper"):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(
        status=status, headers=httpx.Headers(headers or {"Content-Type": "application/json"}), content=content, url=url
    )


class FakeClient:
    """Answers each request with the next queued answer (a Response, or a function of the request's json)."""

    def __init__(self):
        self.answers = []
        self.calls = []

    def queue(self, *answers):
        self.answers.extend(answers)

    def get(self, api, path_or_url="", *, params=None, headers=None):
        return self._answer({"method": "GET", "api": api, "path": path_or_url, "params": params, "json": None})

    def post(self, api, path_or_url="", *, params=None, json=None, headers=None):
        return self._answer({"method": "POST", "api": api, "path": path_or_url, "params": params, "json": json})

    def _answer(self, call):
        self.calls.append(call)
        response = self.answers.pop(0)
        if callable(response):
            response = response(call["json"])
        if response.status == 429:
            raise RateLimited("Semantic Scholar asked us to slow down (HTTP 429)", status=429)
        return response


@pytest.fixture
def api(monkeypatch):
    fake = FakeClient()
    monkeypatch.setattr(semantic_scholar, "api_get", fake.get)
    monkeypatch.setattr(semantic_scholar, "api_post", fake.post)
    return fake


@pytest.mark.parametrize(
    ("kind", "value", "key"),
    [
        ("arxiv", "1808.01244", "ARXIV:1808.01244"),
        ("arxiv", "1808.01244v2", "ARXIV:1808.01244"),
        ("arxiv", "hep-th/9901001", "ARXIV:hep-th/9901001"),
        ("doi", "10.1609/aaai.v33i01.33016399", "DOI:10.1609/aaai.v33i01.33016399"),
        ("acl", "C18-1183", "ACL:C18-1183"),
        ("openreview", "rJl-b3RcF7", "URL:https://openreview.net/forum?id=rJl-b3RcF7"),
    ],
)
def test_it_builds_the_key_semantic_scholar_understands(kind, value, key):
    assert paper_key(kind, value) == key


@pytest.mark.parametrize(("kind", "value"), [("github", "tensorflow/models"), ("arxiv", "  ")])
def test_it_refuses_a_key_it_cannot_build(kind, value):
    with pytest.raises(ValueError):
        paper_key(kind, value)


def test_it_parses_a_paper_found_by_arxiv_id():
    body = recorded("paper-arxiv-1808.01244.json")["body"]

    paper = parse_paper(body)

    assert paper.source == "semantic_scholar"
    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert paper.authors == ["Hei Law", "Jia Deng"]
    assert paper.abstract.startswith("CornerNet finds each object as two keypoints")
    assert paper.arxiv_id == "1808.01244"
    assert paper.doi == "10.1007/978-3-030-01264-9_45"
    assert paper.acl_id == ""
    assert paper.semantic_scholar_id == body["paperId"]
    assert paper.venue == "ECCV 2018"
    assert paper.year == 2018
    assert paper.published == date(2018, 8, 3)
    assert paper.pdf_url == "https://arxiv.org/pdf/1808.01244"
    assert paper.abstract_url == ""
    assert paper.raw == body


def test_it_parses_a_paper_found_by_acl_anthology_id():
    paper = parse_paper(recorded("paper-acl-C18-1183.json")["body"])

    assert paper.title == "Distantly Supervised NER with Partial Annotation Learning and Reinforcement Learning"
    assert paper.authors == ["Yaosheng Yang", "Wenliang Chen", "Zhenghua Li", "Zhengqiu He", "Min Zhang"]
    assert paper.acl_id == "C18-1183"
    assert paper.arxiv_id == ""
    assert paper.doi == ""
    assert paper.venue == "COLING 2018"
    assert paper.published == date(2018, 8, 1)
    assert paper.pdf_url == "https://aclanthology.org/C18-1183.pdf"


def test_it_reads_the_newer_shapes_of_an_answer():
    paper = parse_paper(recorded("paper-shape-variants.json")["body"])

    assert paper.title == "Cross-lingual Language Model Pretraining"
    assert paper.abstract == ""  # abstract: null
    assert paper.venue == "Neural Information Processing Systems"  # publicationVenue: null
    assert paper.pdf_url == ""  # openAccessPdf.url: ""
    assert paper.doi == ""  # only arXiv's own 10.48550 DOI
    assert paper.arxiv_id == "1901.07291"
    assert paper.published == date(2019, 1, 22)


def test_it_parses_the_bytes_of_an_answer():
    content = answer("paper-arxiv-1808.01244.json").content

    assert parse_paper(content).arxiv_id == "1808.01244"


def cornernet(**changes):
    return {**recorded("paper-arxiv-1808.01244.json")["body"], **changes}


@pytest.mark.parametrize(
    ("changes", "venue"),
    [
        ({"publicationVenue": "a1c2e8f4-3b6d-4f0a-9e57-2d4c8b1f6a30", "venue": "ECCV"}, "ECCV"),
        ({"publicationVenue": None, "venue": "", "journal": {"name": "Int. J. Comput. Vis."}}, "Int. J. Comput. Vis."),
        ({"publicationVenue": None, "venue": None, "journal": "Int. J. Comput. Vis."}, "Int. J. Comput. Vis."),
        ({"publicationVenue": {"id": "x"}, "venue": {"name": "ECCV 2018"}}, "ECCV 2018"),
        ({"publicationVenue": ["ECCV"], "venue": 2018, "journal": {"pages": "765-781"}}, ""),
        ({"publicationVenue": {"name": "arXiv.org"}, "venue": "ArXiv", "journal": {"name": "ArXiv"}}, ""),
        ({"publicationVenue": {"name": "arXiv.org"}, "venue": "ArXiv", "journal": {"name": "IJCV"}}, "IJCV"),
    ],
)
def test_it_finds_the_venue_whatever_shape_the_fields_take(changes, venue):
    assert parse_paper(cornernet(**changes)).venue == venue


@pytest.mark.parametrize(
    ("publication_venue", "year", "venue"),
    [
        (
            {"name": "European Conference on Computer Vision", "type": "conference", "alternate_names": ["ECCV"]},
            2018,
            "ECCV 2018",
        ),
        (
            {
                "name": "Neural Information Processing Systems",
                "type": "conference",
                "alternate_names": ["NeurIPS", "Neural Inf Process Syst", "NIPS"],
            },
            2019,
            "Neural Information Processing Systems",
        ),
        (
            {
                "name": "Annual Meeting of the ACL",
                "type": "conference",
                "alternate_names": ["Annu Meet Assoc Comput Linguistics", "ACL"],
            },
            2020,
            "ACL 2020",
        ),
        (
            {"name": "European Conference on Computer Vision", "type": "conference", "alternate_names": ["ECCV"]},
            None,
            "European Conference on Computer Vision",
        ),
        ({"name": "Some Workshop", "type": "conference", "alternate_names": ["Some Wkshp"]}, 2018, "Some Workshop"),
        (
            {"name": "International Journal of Computer Vision", "type": "journal", "alternate_names": ["IJCV"]},
            2018,
            "International Journal of Computer Vision",
        ),
        ({"name": "ECCV", "type": "conference", "alternate_names": "ECCV"}, 2018, "ECCV"),
    ],
)
def test_it_writes_a_conference_as_its_acronym_and_year(publication_venue, year, venue):
    assert parse_paper(cornernet(publicationVenue=publication_venue, year=year)).venue == venue


@pytest.mark.parametrize(
    ("pdf", "pdf_url"),
    [
        (None, ""),
        ({"url": "", "status": None, "license": None, "disclaimer": "Notice: ..."}, ""),
        ({"url": None, "disclaimer": "Notice: ..."}, ""),
        ({"url": "ftp://example.org/paper.pdf", "status": "GREEN"}, ""),
        ("https://arxiv.org/pdf/1808.01244", "https://arxiv.org/pdf/1808.01244"),
        (
            {"url": "http://openaccess.thecvf.com/paper.pdf", "status": "BRONZE"},
            "http://openaccess.thecvf.com/paper.pdf",
        ),
    ],
)
def test_it_keeps_only_a_web_address_as_the_pdf(pdf, pdf_url):
    assert parse_paper(cornernet(openAccessPdf=pdf)).pdf_url == pdf_url


def test_it_tolerates_missing_and_odd_fields():
    body = {
        "paperId": "0" * 40,
        "title": "  CornerNet:\n Detecting Objects\tas Paired Keypoints ",
        "authors": [{"authorId": None, "name": "Hei Law"}, {"authorId": "1"}, "Jia Deng", None],
        "externalIds": None,
        "year": "2018",
        "publicationDate": "August 2018",
    }

    paper = parse_paper(body)

    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert paper.authors == ["Hei Law", "Jia Deng"]
    assert (paper.arxiv_id, paper.doi, paper.acl_id) == ("", "", "")
    assert paper.year == 2018
    assert paper.published is None
    assert (paper.venue, paper.pdf_url, paper.abstract) == ("", "", "")


def test_it_lower_cases_dois_and_drops_versions_from_arxiv_ids():
    paper = parse_paper(cornernet(externalIds={"DOI": "10.18653/V1/D18-1217", "ArXiv": "1808.01244v2"}))

    assert paper.doi == "10.18653/v1/d18-1217"
    assert paper.arxiv_id == "1808.01244"


@pytest.mark.parametrize("data", [b"<html>Gateway Timeout</html>", b"[]", b"null", {}, {"error": "nope"}])
def test_it_refuses_an_answer_that_is_not_a_paper(data):
    with pytest.raises(BadResponse):
        parse_paper(data)


def test_it_fetches_a_paper_with_explicit_fields(api):
    api.queue(answer("paper-arxiv-1808.01244.json"))

    paper = fetch("ARXIV:1808.01244")

    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert api.calls == [
        {
            "method": "GET",
            "api": "semantic_scholar",
            "path": "/paper/ARXIV:1808.01244",
            "params": {"fields": FIELDS},
            "json": None,
        }
    ]


def test_it_asks_for_every_field_it_reads():
    assert FIELDS.split(",") == [
        "title",
        "authors",
        "abstract",
        "venue",
        "publicationVenue",
        "year",
        "publicationDate",
        "externalIds",
        "journal",
        "openAccessPdf",
        "url",
    ]


def test_it_sends_an_openreview_url_as_one_path_segment(api):
    api.queue(make_response(404, {"error": "Paper with id URL:https://openreview.net/forum?id=rJl-b3RcF7 not found"}))

    with pytest.raises(NotFound):
        fetch(paper_key("openreview", "rJl-b3RcF7"))

    # No "://" in the path: the shared client would take it for an absolute URL off the API host.
    assert api.calls[0]["path"] == "/paper/URL:https:%2F%2Fopenreview.net%2Fforum%3Fid%3DrJl-b3RcF7"


def test_it_keeps_the_slashes_of_a_doi_in_the_path(api):
    api.queue(answer("paper-not-found.json"))

    with pytest.raises(NotFound):
        fetch(paper_key("doi", "10.18653/v1/D18-1217"))

    assert api.calls[0]["path"] == "/paper/DOI:10.18653/v1/D18-1217"


def test_it_reports_an_unknown_paper_as_not_found(api):
    api.queue(answer("paper-not-found.json"))

    with pytest.raises(NotFound) as error:
        fetch("ARXIV:1901.99999")

    assert error.value.status == 404
    assert "ARXIV:1901.99999" in str(error.value)


def test_it_reports_a_refused_request_with_semantic_scholars_message(api):
    api.queue(answer("bad-fields.json"))

    with pytest.raises(BadRequest) as error:
        fetch("ARXIV:1808.01244")

    assert "Unrecognized or unsupported fields: [publicationvenue]" in str(error.value)


def test_it_lets_a_rate_limit_reach_the_caller(api):
    api.queue(answer("rate-limited.json"))

    with pytest.raises(RateLimited):
        fetch("ARXIV:1808.01244")


@pytest.mark.parametrize("status", [403, 410, 204])
def test_it_reports_any_other_answer_as_bad(api, status):
    api.queue(make_response(status, b'{"message": "Forbidden"}'))

    with pytest.raises(BadResponse) as error:
        fetch("ARXIV:1808.01244")

    assert str(status) in str(error.value)


def test_it_reports_a_paper_answer_that_is_not_json_as_bad(api):
    api.queue(make_response(200, b"<html><body>Service Unavailable</body></html>"))

    with pytest.raises(BadResponse):
        fetch("ARXIV:1808.01244")


def test_it_leaves_unknown_keys_out_of_a_batch(api):
    exchange = recorded("batch-with-null.json")
    api.queue(answer("batch-with-null.json"))

    papers = fetch_batch(exchange["request"]["json"]["ids"])

    assert list(papers) == ["ARXIV:1809.08370", "DOI:10.1609/aaai.v33i01.33016399"]
    assert papers["ARXIV:1809.08370"].title == "Semi-Supervised Sequence Modeling with Cross-View Training"
    assert papers["ARXIV:1809.08370"].venue == "EMNLP 2018"
    assert papers["ARXIV:1809.08370"].acl_id == "D18-1217"
    assert papers["ARXIV:1809.08370"].pdf_url == ""
    reader_comments = papers["DOI:10.1609/aaai.v33i01.33016399"]
    assert reader_comments.doi == "10.1609/aaai.v33i01.33016399"
    assert reader_comments.venue == "AAAI Conference on Artificial Intelligence"
    assert api.calls == [
        {
            "method": "POST",
            "api": "semantic_scholar",
            "path": "/paper/batch",
            "params": {"fields": FIELDS},
            "json": exchange["request"]["json"],
        }
    ]


def test_it_asks_for_at_most_500_papers_at_a_time(api):
    def nothing_known(request_json):
        return make_response(200, [None] * len(request_json["ids"]))

    keys = [f"ARXIV:1901.{number:05d}" for number in range(1201)]
    api.queue(nothing_known, nothing_known, nothing_known)

    assert fetch_batch(keys + keys[:10]) == {}
    assert [len(call["json"]["ids"]) for call in api.calls] == [500, 500, 201]
    assert [key for call in api.calls for key in call["json"]["ids"]] == keys


def test_it_reads_no_valid_ids_as_none_of_the_papers_known(api):
    api.queue(answer("batch-no-valid-ids.json"))

    assert fetch_batch(["ARXIV:1901.99999", "ARXIV:1901.99998"]) == {}


def test_it_asks_nothing_for_an_empty_batch(api):
    assert fetch_batch([]) == {}
    assert api.calls == []


def test_it_refuses_a_batch_answer_that_does_not_line_up(api):
    api.queue(make_response(200, [None]))

    with pytest.raises(BadResponse):
        fetch_batch(["ARXIV:1808.01244", "ARXIV:1809.08370"])


def test_it_reports_a_batch_refused_for_another_reason(api):
    api.queue(make_response(400, {"error": "Unacceptable query params: [limit=5]"}))

    with pytest.raises(BadRequest) as error:
        fetch_batch(["ARXIV:1808.01244"])

    assert "Unacceptable query params" in str(error.value)


def test_it_matches_a_title(api):
    exchange = recorded("match-title.json")
    api.queue(answer("match-title.json"))

    paper = match_title(" Distantly Supervised NER with Partial Annotation\n Learning and Reinforcement Learning ")

    assert paper.acl_id == "C18-1183"
    assert paper.raw["matchScore"] == 193.27061
    assert api.calls[0]["path"] == "/paper/search/match"
    assert api.calls[0]["params"] == exchange["request"]["query"]


def test_it_finds_no_match_when_semantic_scholar_has_none(api):
    api.queue(answer("match-title-not-found.json"))

    assert match_title("Corner pooling for keypoint detectors in the wild") is None


def test_it_finds_no_match_in_an_empty_data_list(api):
    api.queue(make_response(200, {"data": []}))

    assert match_title("CornerNet") is None


def test_it_asks_nothing_for_a_blank_title(api):
    assert match_title(" \n ") is None
    assert api.calls == []
