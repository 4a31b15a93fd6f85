"""Crossref source: recorded ``GET /works/{doi}`` answers parsed, and fetches through the real client.

Fetch tests talk to the local replay server of the ``replay`` fixture, which answers with the
recorded exchanges in ``tests/data/crossref/`` (see the PROVENANCE note there), so the path and
query Crossref would see are checked as sent, percent-encoding included.
"""

import json
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from papers.sources.base import BadResponse, NotFound, RateLimited, TemporaryError
from papers.sources.crossref import fetch, parse_work

DATA = Path(__file__).resolve().parents[2] / "data" / "crossref"
CONTACT = "editors@paperdaily.example"

SIGIR = "works-10.1145-3209978.3209998.json"
AAAI = "works-10.1609-aaai.v33i01.33016399.json"
EMNLP = "works-10.18653-v1-D18-1217.json"
REVIEW = "works-10.1086-366680.json"
CAIS = "works-10.17705-1cais.04607.json"
ARXIV_404 = "works-not-found-10.48550-arxiv.1808.01244.json"
VALIDATION_400 = "works-validation-failure-400.json"


def recorded(name):
    return json.loads((DATA / name).read_text())


def message(name, **changes):
    return {**recorded(name)["body"]["message"], **changes}


def serve(server, name, *, path=None, body=None, status=None):
    """Answer requests for the exchange's path (or ``path``) with the recorded answer, or a changed body."""
    exchange = recorded(name)
    body = exchange["body"] if body is None else body
    content = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
    path = path or urlsplit(exchange["request"]["url"]).path
    return server.add(path, status=status or exchange["status"], body=content, headers=exchange["headers"])


def envelope(work):
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work}


@pytest.fixture
def polite(settings):
    settings.PAPERDAILY_CONTACT_EMAIL = CONTACT


# --- parsing recorded works


def test_it_parses_a_proceedings_paper_with_an_event_and_a_jats_abstract():
    work = message(SIGIR)

    paper = parse_work(work)

    assert paper.source == "crossref"
    assert paper.title == "Attentive Group Recommendation"
    assert paper.authors == ["Da Cao", "Xiangnan He", "Lianhai Miao", "Yahui An", "Chao Yang", "Richang Hong"]
    assert paper.doi == "10.1145/3209978.3209998"
    assert paper.venue == (
        "SIGIR '18: The 41st International ACM SIGIR Conference on Research & Development in Information Retrieval"
    )
    assert paper.year == 2018
    assert paper.published == date(2018, 6, 27)
    assert paper.abstract_url == "https://doi.org/10.1145/3209978.3209998"
    assert paper.pdf_url == "https://dl.acm.org/doi/pdf/10.1145/3209978.3209998"
    assert paper.raw == work
    assert (paper.arxiv_id, paper.semantic_scholar_id, paper.journal_ref) == ("", "", "")


def test_it_turns_a_jats_abstract_into_paragraphs_of_plain_text():
    abstract = parse_work(message(SIGIR)).abstract

    first, second = abstract.split("\n\n")
    assert first.startswith("A group choosing something together weighs what each member wants")
    assert "an attention network decides" in first
    assert second.startswith("Groups and individual users are trained together")
    assert "user–item interactions help the few group–item ones" in second
    assert "Abstract" not in abstract
    assert "<" not in abstract and "&#" not in abstract


def test_it_parses_a_journal_article_published_online():
    paper = parse_work(message(AAAI))

    assert paper.title == "Abstractive Text Summarization by Incorporating Reader Comments"
    assert paper.authors == [
        "Shen Gao",
        "Xiuying Chen",
        "Piji Li",
        "Zhaochun Ren",
        "Lidong Bing",
        "Dongyan Zhao",
        "Rui Yan",
    ]
    assert paper.doi == "10.1609/aaai.v33i01.33016399"
    assert paper.venue == "Proceedings of the AAAI Conference on Artificial Intelligence"
    assert paper.year == 2019
    assert paper.published == date(2019, 7, 17)
    assert paper.abstract.startswith("The comments readers leave under a news story")
    assert "for reader-aware summarisation." in paper.abstract
    assert paper.pdf_url == ""  # an "unspecified" similarity-checking link is not a PDF


def test_it_names_proceedings_by_their_title_when_there_is_no_event():
    paper = parse_work(message(EMNLP))

    assert paper.title == "Semi-Supervised Sequence Modeling with Cross-View Training"
    assert paper.authors == ["Kevin Clark", "Minh-Thang Luong", "Christopher D. Manning", "Quoc Le"]
    assert paper.doi == "10.18653/v1/d18-1217"
    assert paper.venue == "Proceedings of the 2018 Conference on Empirical Methods in Natural Language Processing"
    assert (paper.year, paper.published) == (2018, None)
    assert (paper.abstract, paper.pdf_url) == ("", "")


def test_it_keeps_the_text_of_a_title_with_markup_and_a_month_only_date():
    paper = parse_work(message(REVIEW))

    assert paper.title == "The Best of the Achaens: Concepts of the Hero in Archaic Greek Poetry. Gregory Nagy"
    assert paper.authors == ["Frederick M. Combellack"]
    assert paper.venue == "Classical Philology"
    assert (paper.year, paper.published) == (1982, None)


def test_it_reads_organisations_listed_as_authors():
    paper = parse_work(message(CAIS))

    assert paper.authors == [
        "Guido Schryen",
        "Paderborn University",
        "Gerit Wagner",
        "Alexander Benlian",
        "Guy Paré",
        "University of Regensburg",
        "University of Technology Darmstadt",
        "HEC Montréal",
    ]
    assert paper.venue == "Communications of the Association for Information Systems"
    assert (paper.year, paper.published) == (2021, None)
    assert paper.pdf_url == ""


def test_it_reads_an_organisation_author_beside_title_markup():
    work = message(
        SIGIR,
        title=["Learning H<sub>2</sub>O  <i>dynamics</i>\n at scale"],
        author=[{"name": "The ENCODE Project Consortium", "sequence": "first", "affiliation": []}],
    )

    paper = parse_work(work)

    assert paper.title == "Learning H2O dynamics at scale"
    assert paper.authors == ["The ENCODE Project Consortium"]


# --- parsing field by field


@pytest.mark.parametrize(
    ("dates", "year", "published"),
    [
        ({"published-print": [[2019, 7, 17]], "published-online": [[2019, 6, 1]]}, 2019, date(2019, 7, 17)),
        ({"published-print": [[2019, 7]], "published-online": [[2019, 7, 17]]}, 2019, date(2019, 7, 17)),
        ({"published-print": [[2019, 7]], "published-online": [[2019, 3, 5]]}, 2019, None),
        ({"published-print": [[2020]], "published-online": [[2019, 12, 20]]}, 2020, None),
        ({"published-print": [[2018]], "published-online": [[2018, 10, 31]]}, 2018, date(2018, 10, 31)),
        ({"published-print": [[None]], "issued": [[2018]]}, 2018, None),
        ({"published-online": [[2019, 2, 30]]}, 2019, None),
        ({"issued": [["2017", "05", "09"]]}, 2017, date(2017, 5, 9)),
        ({"published": [[2016, None, 3]]}, 2016, None),
        ({"issued": [[]]}, None, None),
        ({}, None, None),
    ],
)
def test_it_dates_a_work_from_the_preferred_date_field(dates, year, published):
    work = message(EMNLP, **{name: {"date-parts": parts} for name, parts in dates.items()})
    for name in {"published-print", "published-online", "published", "issued"} - set(dates):
        work.pop(name, None)

    paper = parse_work(work)

    assert (paper.year, paper.published) == (year, published)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "2019-07-17",
        {"date-parts": None},
        {"date-parts": [2019, 7]},
        {"date-parts": [[True]]},
        {"date-parts": [[0]]},
    ],
)
def test_it_reads_a_malformed_date_as_no_date(value):
    work = message(EMNLP, issued=value, published=value)
    del work["published-print"]

    assert (parse_work(work).year, parse_work(work).published) == (None, None)


@pytest.mark.parametrize(
    ("changes", "venue"),
    [
        ({"type": "proceedings-article", "event": {"name": "ICLR 2019"}}, "ICLR 2019"),
        ({"type": "proceedings-article", "event": {"name": " "}}, "Proceedings of ACL"),
        ({"type": "proceedings-article", "event": "ICLR 2019"}, "Proceedings of ACL"),
        ({"type": "journal-article", "event": {"name": "ICLR 2019"}}, "Proceedings of ACL"),
        ({"type": "book-chapter"}, ""),
        ({"type": "posted-content"}, ""),
        ({"type": None}, ""),
        ({"type": "journal-article", "container-title": []}, ""),
        ({"type": "journal-article", "container-title": [None, "", "Neural Computation"]}, "Neural Computation"),
        ({"type": "journal-article", "container-title": {"0": "Neural Computation"}}, ""),
        ({"type": "journal-article", "container-title": ["Research &amp; Development"]}, "Research & Development"),
    ],
)
def test_it_finds_the_venue_by_the_type_of_work_never_the_publisher(changes, venue):
    work = message(EMNLP, **{"container-title": ["Proceedings of ACL"], **changes})

    assert parse_work(work).venue == venue


@pytest.mark.parametrize(
    ("links", "pdf_url"),
    [
        (None, ""),
        ("https://example.org/paper.pdf", ""),
        ([{"URL": "https://example.org/paper", "content-type": "text/html"}], ""),
        ([{"URL": "ftp://example.org/paper.pdf", "content-type": "application/pdf"}], ""),
        ([{"URL": "javascript:alert(1)", "content-type": "application/pdf"}], ""),
        ([{"URL": None, "content-type": "application/pdf"}], ""),
        (
            [
                "https://example.org/ignored.pdf",
                {"URL": "https://example.org/a.xml", "content-type": "text/xml"},
                {"URL": "http://example.org/b.pdf", "content-type": "Application/PDF"},
                {"URL": "https://example.org/c.pdf", "content-type": "application/pdf"},
            ],
            "http://example.org/b.pdf",
        ),
    ],
)
def test_it_takes_only_a_web_address_of_a_pdf(links, pdf_url):
    assert parse_work(message(SIGIR, link=links)).pdf_url == pdf_url


@pytest.mark.parametrize(
    ("abstract", "text"),
    [
        ("<jats:p>One paragraph.</jats:p>", "One paragraph."),
        ("<jats:title>Abstract.</jats:title><jats:p>After a heading.</jats:p>", "After a heading."),
        ("<jats:p>First.</jats:p>\n  <jats:p>Second.</jats:p>", "First.\n\nSecond."),
        (
            "<jats:sec><jats:title>Background</jats:title><jats:p>Why.</jats:p></jats:sec>"
            "<jats:sec><jats:title>Results</jats:title><jats:p>What.</jats:p></jats:sec>",
            "Background\n\nWhy.\n\nResults\n\nWhat.",
        ),
        ("<jats:p>CO<jats:sub>2</jats:sub> &amp; H<jats:sup>+</jats:sup> &lt;1%</jats:p>", "CO2 & H+ <1%"),
        ("<jats:p>Unbalanced <jats:italic>markup", "Unbalanced markup"),
        ("<jats:p>Kept <![CDATA[x < y]]> text<!-- a comment --></jats:p>", "Kept x < y text"),
        ("<p>HTML</p><script>alert(1)</script><style>p {}</style>", "HTML"),
        ("Plain text   without\nmarkup", "Plain text without markup"),
        ("<jats:title>Abstract</jats:title>", ""),
        (["<jats:p>a list</jats:p>"], ""),
        (None, ""),
    ],
)
def test_it_reduces_an_abstract_to_plain_text(abstract, text):
    assert parse_work(message(SIGIR, abstract=abstract)).abstract == text


def test_it_tolerates_missing_and_odd_fields():
    work = {
        "DOI": " 10.1145/3209978.3209998 ",
        "type": "proceedings-article",
        "title": {"en": "Attentive Group Recommendation"},
        "author": [
            {"given": "Da", "family": " Cao "},
            {"family": "Miao"},
            {"given": "Chao"},
            {"given": " ", "family": "", "name": ""},
            {"ORCID": "https://orcid.org/0000-0000-0000-0000"},
            "Xiangnan He",
            None,
        ],
        "event": None,
        "container-title": "SIGIR",
        "link": {"URL": "https://example.org/paper.pdf"},
        "abstract": 42,
    }

    paper = parse_work(work)

    assert paper.title == ""
    assert paper.authors == ["Da Cao", "Miao", "Chao"]
    assert paper.doi == "10.1145/3209978.3209998"
    assert paper.venue == "SIGIR"
    assert (paper.abstract, paper.pdf_url, paper.year, paper.published) == ("", "", None, None)


def test_it_parses_a_work_without_a_title_or_doi():
    paper = parse_work({})

    assert (paper.source, paper.title, paper.doi, paper.abstract_url) == ("crossref", "", "", "")
    assert paper.authors == []


def test_it_lower_cases_the_doi_and_quotes_it_in_the_doi_link():
    paper = parse_work(message(REVIEW, DOI="10.1175/1520-0477(1996)077<0935:WOTWSM>2.0.CO;2"))

    assert paper.doi == "10.1175/1520-0477(1996)077<0935:wotwsm>2.0.co;2"
    assert paper.abstract_url == "https://doi.org/10.1175/1520-0477%281996%29077%3C0935%3Awotwsm%3E2.0.co%3B2"


@pytest.mark.parametrize("data", [[], "work", None, 42, [message(SIGIR)]])
def test_it_refuses_a_message_that_is_not_a_work(data):
    with pytest.raises(BadResponse):
        parse_work(data)


# --- fetching through the shared client


def test_it_fetches_a_work_in_the_polite_pool(replay, polite):
    serve(replay.crossref, SIGIR)

    paper = fetch("10.1145/3209978.3209998")

    assert paper.title == "Attentive Group Recommendation"
    assert paper.raw == message(SIGIR)
    (request,) = replay.crossref.requests
    assert request.method == "GET"
    assert request.path == "/works/10.1145/3209978.3209998"
    assert request.query == {"mailto": CONTACT}
    assert recorded(SIGIR)["request"]["query"] == {"mailto": CONTACT}


def test_it_sends_no_mailto_without_a_contact_address(replay, settings):
    settings.PAPERDAILY_CONTACT_EMAIL = ""
    serve(replay.crossref, REVIEW)

    paper = fetch(" 10.1086/366680 ")

    assert paper.venue == "Classical Philology"
    (request,) = replay.crossref.requests
    assert request.path == "/works/10.1086/366680"
    assert request.query == {}


@pytest.mark.parametrize(
    ("doi", "raw_path"),
    [
        (
            "10.1175/1520-0477(1996)077<0935:WOTWSM>2.0.CO;2",
            "/works/10.1175/1520-0477%281996%29077%3C0935%3AWOTWSM%3E2.0.CO%3B2",
        ),
        ("10.1002/(SICI)1097-4636(199707)36:1+<1::AID-JBM1>3.0.CO;2-#", None),
        ("10.5555/what?is#this doi", "/works/10.5555/what%3Fis%23this%20doi"),
        ("10.5555/a/b/c", "/works/10.5555/a/b/c"),
        ("10.5555/../../admin", "/works/10.5555/%2E%2E/%2E%2E/admin"),
        ("10.36652/0042-4633-2023-102-5-404-413/", "/works/10.36652/0042-4633-2023-102-5-404-413%2F"),
    ],
)
def test_it_quotes_a_doi_so_crossref_sees_all_of_it(replay, polite, doi, raw_path):
    route = replay.crossref.add("/works/" + doi, body=envelope(message(REVIEW, DOI=doi.lower())))

    paper = fetch(doi)

    assert route.answered == 1
    (request,) = replay.crossref.requests
    assert request.path == "/works/" + doi
    assert "#" not in request.raw_path and "?" not in request.raw_path and " " not in request.raw_path
    if raw_path:
        assert request.raw_path == raw_path
    assert request.query == {"mailto": CONTACT}
    assert paper.doi == doi.lower()


def test_it_reports_an_arxiv_doi_as_not_found_at_crossref(replay, polite):
    serve(replay.crossref, ARXIV_404)

    with pytest.raises(NotFound) as error:
        fetch("10.48550/arxiv.1808.01244")

    assert error.value.status == 404
    assert str(error.value) == "Crossref has no work 10.48550/arxiv.1808.01244: arXiv DOIs are registered with DataCite"
    assert [request.path for request in replay.crossref.requests] == ["/works/10.48550/arxiv.1808.01244"]
    assert replay.crossref.unmatched == []


def test_it_reports_an_unknown_doi_as_not_found(replay, polite):
    serve(replay.crossref, ARXIV_404, path="/works/10.1145/0000000.0000000")

    with pytest.raises(NotFound) as error:
        fetch("10.1145/0000000.0000000")

    assert str(error.value) == "Crossref has no work with the DOI 10.1145/0000000.0000000"
    assert replay.crossref.unmatched == []


def test_it_reports_a_refused_request_with_crossrefs_reason(replay, polite):
    serve(replay.crossref, VALIDATION_400, path="/works/10.1145/3209978.3209998")

    with pytest.raises(BadResponse) as error:
        fetch("10.1145/3209978.3209998")

    assert error.value.status == 400
    assert str(error.value) == (
        "Crossref answered HTTP 400 for 10.1145/3209978.3209998: This route does not support field query parameters"
    )


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, "Forbidden\n\nYour access has been blocked.", ": Forbidden Your access has been blocked."),
        (410, b"", ""),
        (301, "", ""),
        (204, "", ""),
    ],
)
def test_it_reports_any_other_answer_as_bad(replay, polite, status, body, reason):
    replay.crossref.add("/works/10.1145/3209978.3209998", status=status, body=body)

    with pytest.raises(BadResponse) as error:
        fetch("10.1145/3209978.3209998")

    assert str(error.value) == f"Crossref answered HTTP {status} for 10.1145/3209978.3209998{reason}"
    assert error.value.status == status


def test_it_passes_on_a_rate_limit_with_its_retry_after(replay, polite):
    replay.crossref.add(
        "/works/10.1145/3209978.3209998", status=429, body="Too Many Requests", headers={"Retry-After": "7"}
    )

    with pytest.raises(RateLimited) as error:
        fetch("10.1145/3209978.3209998")

    assert error.value.retry_after == 7.0
    assert error.value.retryable


def test_it_reports_a_server_error_as_temporary(replay, polite):
    replay.crossref.add("/works/10.1145/3209978.3209998", status=503, body="<html>Service Unavailable</html>")

    with pytest.raises(TemporaryError) as error:
        fetch("10.1145/3209978.3209998")

    assert not isinstance(error.value, RateLimited)
    assert error.value.status == 503
    assert error.value.retryable


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Gateway Timeout</body></html>",
        "",
        b"\xff\xfe not utf-8",
        json.dumps([envelope(message(SIGIR))]),
        json.dumps({"status": "ok", "message-type": "work-list", "message": {"items": [message(SIGIR)]}}),
        json.dumps({"status": "failed", "message-type": "work", "message": message(SIGIR)}),
        json.dumps({"status": "ok", "message-type": "work"}),
        json.dumps(envelope([message(SIGIR)])),
        json.dumps(envelope("Attentive Group Recommendation")),
    ],
)
def test_it_refuses_an_answer_that_is_not_a_work(replay, polite, body):
    replay.crossref.add("/works/10.1145/3209978.3209998", body=body, headers={"Content-Type": "application/json"})

    with pytest.raises(BadResponse) as error:
        fetch("10.1145/3209978.3209998")

    assert "\n" not in str(error.value)


@pytest.mark.parametrize("title", [{"en": "Attentive Group Recommendation"}, 42, None, [None], []])
def test_it_fetches_a_work_whose_title_has_the_wrong_type(replay, polite, title):
    serve(replay.crossref, SIGIR, body=envelope(message(SIGIR, title=title)))

    paper = fetch("10.1145/3209978.3209998")

    assert paper.title == ""
    assert paper.authors[0] == "Da Cao"
    assert paper.published == date(2018, 6, 27)


def test_it_keeps_the_asked_doi_when_the_work_names_none(replay, polite):
    work = message(EMNLP)
    del work["DOI"]
    serve(replay.crossref, EMNLP, body=envelope(work))

    paper = fetch("10.18653/v1/D18-1217")

    assert paper.doi == "10.18653/v1/d18-1217"
    assert paper.abstract_url == "https://doi.org/10.18653/v1/d18-1217"


@pytest.mark.parametrize("doi", ["", "  "])
def test_it_asks_nothing_for_an_empty_doi(replay, doi):
    with pytest.raises(ValueError):
        fetch(doi)

    assert replay.crossref.requests == []
