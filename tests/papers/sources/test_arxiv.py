"""arXiv source: recorded feeds of both generations parsed, and fetch through the real client.

The recorded answers live in ``tests/data/arxiv/`` (see ``PROVENANCE.md`` there) and are served
by the local replay servers of the ``replay`` fixture, so every fetch goes through the shared
HTTP client, its status handling and its size cap, as in production.
"""

import dataclasses
import json
import time
from datetime import date
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring

from papers.sources import arxiv
from papers.sources.base import BadRequest, BadResponse, RateLimited, TemporaryError

DATA = Path(__file__).resolve().parents[2] / "data" / "arxiv"

# What arXiv's 2025 backend sends with every feed, errors included (see PROVENANCE.md).
ATOM_HEADERS = {"Content-Type": "application/atom+xml; charset=utf-8"}

BATCH_IDS = ["1809.08370", "1901.07291", "1808.01244", "1901.99999"]


def recorded(name):
    return (DATA / name).read_bytes()


def serve(replay, name, *, status=200, query=None):
    return replay.arxiv.add("/api/query", query=query, status=status, body_file=f"arxiv/{name}", headers=ATOM_HEADERS)


def feed(*entries, total=None):
    """A feed in the 2025 shape holding ``entries`` (XML text), as bytes."""
    total = len(entries) if total is None else total
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns="http://www.w3.org/2005/Atom">\n'
        "  <id>https://arxiv.org/api/test</id>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n" + "".join(entries) + "</feed>\n"
    ).encode()


def entry(
    entry_id="http://arxiv.org/abs/1808.01244v2", title="CornerNet: Detecting Objects as Paired Keypoints", *more
):
    return f"  <entry>\n    <id>{entry_id}</id>\n    <title>{title}</title>\n{''.join(more)}  </entry>\n"


def without_raw(paper):
    return dataclasses.replace(paper, raw=None)


# --- parsing recorded answers


def test_it_parses_a_feed_of_the_older_format():
    [paper] = arxiv.parse_feed(recorded("legacy-1808.01244.xml"))

    assert paper.source == "arxiv"
    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert paper.authors == ["Hei Law", "Jia Deng"]
    assert paper.abstract.startswith(
        "CornerNet finds each object as two keypoints, the top-left and bottom-right corners"
    )
    assert paper.abstract.endswith("and the detector is evaluated on MS COCO.")
    assert (paper.arxiv_id, paper.arxiv_version) == ("1808.01244", 2)
    assert paper.published == date(2018, 8, 3)  # the first version, not the update of 2019
    assert paper.year == 2018
    assert paper.primary_category == "cs.CV"
    assert (paper.doi, paper.journal_ref, paper.venue) == ("", "", "")
    assert paper.abstract_url == "https://arxiv.org/abs/1808.01244"
    assert paper.pdf_url == "https://arxiv.org/pdf/1808.01244v2"  # the feed says http://


def test_it_parses_a_2025_batch_in_feed_order():
    papers = arxiv.parse_feed(recorded("batch-2025.xml"))

    assert [paper.arxiv_id for paper in papers] == ["1809.08370", "1901.07291", "1808.01244"]
    cvt, xlm, cornernet = papers
    assert cvt.title == "Semi-Supervised Sequence Modeling with Cross-View Training"
    assert cvt.authors == ["Kevin Clark", "Minh-Thang Luong", "Christopher D. Manning", "Quoc V. Le"]
    assert (cvt.arxiv_version, cvt.published, cvt.primary_category) == (1, date(2018, 9, 22), "cs.CL")
    assert xlm.title == "Cross-lingual Language Model Pretraining"
    assert xlm.authors == ["Guillaume Lample", "Alexis Conneau"]
    assert (xlm.published, xlm.year, xlm.pdf_url) == (date(2019, 1, 22), 2019, "https://arxiv.org/pdf/1901.07291v1")
    assert (cornernet.arxiv_version, cornernet.published) == (2, date(2018, 8, 3))


def test_it_parses_an_old_style_id_with_a_doi_a_journal_ref_and_a_later_version():
    [paper] = arxiv.parse_feed(recorded("cond-mat-0607501-2025.xml"))

    assert paper.title == (
        "A striped supersolid phase and the search for deconfined quantum criticality"
        " in hard-core bosons on the triangular lattice"
    )
    assert paper.authors == ["R. G. Melko", "A. Del Maestro", "A. A. Burkov"]
    assert (paper.arxiv_id, paper.arxiv_version) == ("cond-mat/0607501", 2)
    assert paper.doi == "10.1103/physrevb.74.214517"
    assert paper.journal_ref == "Phys. Rev. B 74, 214517 (2006)"
    assert (paper.published, paper.year) == (date(2006, 7, 19), 2006)
    assert paper.primary_category == "cond-mat.str-el"
    assert paper.abstract_url == "https://arxiv.org/abs/cond-mat/0607501"
    assert paper.pdf_url == "https://arxiv.org/pdf/cond-mat/0607501v2"
    assert paper.abstract.startswith("Quantum Monte Carlo")  # the 2025 feed keeps two leading spaces


def test_it_collapses_the_wrapped_title_and_abstract_of_older_feeds():
    raw_feed = recorded("legacy-cond-mat-0607501.xml")
    assert b"quantum\n  criticality" in raw_feed  # arXiv's own wrapping, kept in the recording

    [paper] = arxiv.parse_feed(raw_feed)

    assert paper.title == (
        "A striped supersolid phase and the search for deconfined quantum criticality"
        " in hard-core bosons on the triangular lattice"
    )
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.abstract.startswith(
        "Quantum Monte Carlo simulations of hard-core bosons on the triangular lattice, with"
    )


@pytest.mark.parametrize(
    ("older", "newer", "arxiv_id"),
    [
        ("legacy-1808.01244.xml", "batch-2025.xml", "1808.01244"),
        ("legacy-cond-mat-0607501.xml", "cond-mat-0607501-2025.xml", "cond-mat/0607501"),
    ],
)
def test_it_reads_the_same_paper_alike_in_both_formats(older, newer, arxiv_id):
    [before] = [paper for paper in arxiv.parse_feed(recorded(older)) if paper.arxiv_id == arxiv_id]
    [after] = [paper for paper in arxiv.parse_feed(recorded(newer)) if paper.arxiv_id == arxiv_id]

    assert without_raw(before) == without_raw(after)
    assert before.raw != after.raw


def test_it_keeps_each_entry_as_json_serialisable_xml():
    [paper] = arxiv.parse_feed(recorded("cond-mat-0607501-2025.xml"))

    assert json.loads(json.dumps(paper.raw)) == paper.raw
    assert paper.raw.startswith("<entry ") and paper.raw.endswith("</entry>")
    assert "<arxiv:doi>10.1103/PhysRevB.74.214517</arxiv:doi>" in paper.raw
    assert fromstring(paper.raw).tag == "{http://www.w3.org/2005/Atom}entry"


@pytest.mark.parametrize(
    ("entry_id", "arxiv_id", "version"),
    [
        ("http://arxiv.org/abs/1808.01244v2", "1808.01244", 2),
        ("https://arxiv.org/abs/1808.01244v2", "1808.01244", 2),
        ("http://arxiv.org/abs/hep-ex/0406020v1", "hep-ex/0406020", 1),
        ("https://arxiv.org/abs/hep-ex/0406020v12", "hep-ex/0406020", 12),
        ("http://arxiv.org/abs/1808.01244", "1808.01244", None),
    ],
)
def test_it_reads_every_form_of_entry_id(entry_id, arxiv_id, version):
    [paper] = arxiv.parse_feed(feed(entry(entry_id)))

    assert (paper.arxiv_id, paper.arxiv_version) == (arxiv_id, version)
    assert paper.abstract_url == f"https://arxiv.org/abs/{arxiv_id}"


def test_it_tolerates_entries_without_the_optional_elements():
    [paper] = arxiv.parse_feed(feed(entry()))

    assert paper.title == "CornerNet: Detecting Objects as Paired Keypoints"
    assert (paper.authors, paper.abstract, paper.doi, paper.journal_ref, paper.primary_category) == ([], "", "", "", "")
    assert (paper.published, paper.year) == (None, None)
    assert paper.pdf_url == "https://arxiv.org/pdf/1808.01244v2"  # no pdf link: built from the id


def test_it_skips_entries_that_name_no_paper():
    papers = arxiv.parse_feed(
        feed(
            entry("http://example.org/abs/1808.01244v2"),
            entry("http://arxiv.org/abs/1808.01244v2/../../../login"),
            entry(title=""),
            entry(),
        )
    )

    assert [paper.arxiv_id for paper in papers] == ["1808.01244"]


def test_it_reads_names_from_the_utf8_bytes():
    # Real authors of 1707.08567; read as Latin-1 text, as some clients do, the umlaut turns into "Ã¼".
    authors = "".join(
        f"    <author><name>{name}</name></author>\n" for name in ["Kees A. Schouhamer Immink", "Dirk Wübben"]
    )

    [paper] = arxiv.parse_feed(
        feed(entry("http://arxiv.org/abs/1707.08567v1", "Proceedings of Workshop AEW10", authors))
    )

    assert paper.authors == ["Kees A. Schouhamer Immink", "Dirk Wübben"]


def test_it_keeps_the_first_of_several_dois_lower_cased():
    doi = "    <arxiv:doi>10.1103/PhysRevB.74.214517 10.1103/PhysRevB.75.059901</arxiv:doi>\n"

    [paper] = arxiv.parse_feed(feed(entry("http://arxiv.org/abs/cond-mat/0607501v2", "A striped supersolid", doi)))

    assert paper.doi == "10.1103/physrevb.74.214517"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("error-malformed-id-2025.xml", "incorrect id format for 1234.5678x"),
        ("legacy-error-malformed-id.xml", "incorrect id format for 1234.12345"),
    ],
)
def test_it_reads_the_error_feed_as_a_refused_request(name, message):
    with pytest.raises(BadRequest) as error:
        arxiv.parse_feed(recorded(name))

    assert str(error.value) == f"arXiv refused the request: {message}"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        recorded("batch-2025.xml")[:700],  # cut off mid-feed
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        b"<html><body>Rate exceeded.</body></html>",
        b'{"message": "Rate exceeded"}',
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>cs updates</title></channel></rss>',
    ],
)
def test_it_refuses_anything_that_is_not_an_atom_feed(content):
    with pytest.raises(BadResponse):
        arxiv.parse_feed(content)


# --- fetching through the shared client


def test_it_fetches_a_batch_in_one_request(replay):
    serve(replay, "batch-2025.xml", query={"id_list": ",".join(BATCH_IDS), "max_results": "4"})

    papers = arxiv.fetch(BATCH_IDS)

    assert sorted(papers) == ["1808.01244", "1809.08370", "1901.07291"]  # 1901.99999 does not exist
    assert papers["1901.07291"].title == "Cross-lingual Language Model Pretraining"
    [request] = replay.arxiv.requests
    assert request.path == "/api/query"
    assert request.query == {"id_list": "1809.08370,1901.07291,1808.01244,1901.99999", "max_results": "4"}
    assert replay.arxiv.unmatched == []


def test_it_asks_for_each_id_once_and_without_its_version(replay):
    serve(replay, "batch-2025.xml")

    arxiv.fetch(["1808.01244", "1808.01244v2", " 1901.07291 ", "1808.01244", "cond-mat/0607501v1"])

    [request] = replay.arxiv.requests
    assert request.query == {"id_list": "1808.01244,1901.07291,cond-mat/0607501", "max_results": "3"}


def test_it_asks_for_at_most_100_ids_a_request(replay):
    serve(replay, "empty-2025.xml")
    ids = [f"1901.{number:05d}" for number in range(1, 251)]

    assert arxiv.fetch(ids + ids[:30]) == {}

    queries = [request.query for request in replay.arxiv.requests]
    assert [len(query["id_list"].split(",")) for query in queries] == [100, 100, 50]
    assert [query["max_results"] for query in queries] == ["100", "100", "50"]
    assert [identifier for query in queries for identifier in query["id_list"].split(",")] == ids


def test_it_finds_nothing_for_an_id_arxiv_does_not_know(replay):
    serve(replay, "empty-2025.xml", query={"id_list": "1901.99999"})

    assert arxiv.fetch(["1901.99999"]) == {}


def test_it_asks_nothing_for_no_ids(replay):
    assert arxiv.fetch([]) == {}
    assert replay.arxiv.requests == []


@pytest.mark.parametrize("value", ["", "  ", "1808.01244,1809.08370", "1808.01244 1809.08370"])
def test_it_refuses_an_id_that_would_change_the_question(replay, value):
    with pytest.raises(ValueError):
        arxiv.fetch([value])

    assert replay.arxiv.requests == []


def test_it_reports_arxivs_error_feed_as_a_refused_request(replay):
    serve(replay, "error-malformed-id-2025.xml", status=400)

    with pytest.raises(BadRequest) as error:
        arxiv.fetch(["1234.5678x"])

    assert str(error.value) == "arXiv refused the request: incorrect id format for 1234.5678x"
    assert error.value.status == 400
    assert not error.value.retryable


def test_it_reports_a_400_without_the_error_feed_as_a_bad_answer(replay):
    serve(replay, "empty-2025.xml", status=400)

    with pytest.raises(BadResponse) as error:
        arxiv.fetch(["1808.01244"])

    assert error.value.status == 400


def test_it_reports_a_429_without_retry_after_as_rate_limited(replay):
    replay.arxiv.add("/api/query", status=429, body="Rate exceeded.")

    with pytest.raises(RateLimited) as error:
        arxiv.fetch(["1808.01244"])

    assert error.value.retry_after is None  # arXiv does not say; the task backs off on its own


def test_it_reports_a_503_as_worth_retrying(replay):
    replay.arxiv.add("/api/query", status=503, body="Service Unavailable")

    with pytest.raises(TemporaryError) as error:
        arxiv.fetch(["1808.01244"])

    assert not isinstance(error.value, RateLimited)
    assert error.value.retryable


@pytest.mark.parametrize("status", [204, 301, 403, 404])
def test_it_reports_any_other_status_as_a_bad_answer(replay, status):
    replay.arxiv.add("/api/query", status=status, body=b"", headers=ATOM_HEADERS)

    with pytest.raises(BadResponse) as error:
        arxiv.fetch(["1808.01244"])

    assert error.value.status == status
    assert str(status) in str(error.value)


def test_it_retries_a_feed_that_counts_results_but_holds_none(replay):
    replay.arxiv.add("/api/query", body=feed(total=3), headers=ATOM_HEADERS)

    with pytest.raises(TemporaryError):
        arxiv.fetch(["1809.08370", "1901.07291", "1808.01244"])


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <entry>",
        b"<!DOCTYPE html>\n<html><head><title>arXiv</title></head><body>Temporarily unavailable</body></html>",
    ],
)
def test_it_refuses_a_body_that_is_not_a_feed(replay, body):
    replay.arxiv.add("/api/query", body=body, headers=ATOM_HEADERS)

    with pytest.raises(BadResponse):
        arxiv.fetch(["1808.01244"])


@pytest.mark.parametrize("body", [b"", b"\n  \n"])
def test_it_retries_an_empty_answer(replay, body):
    """arXiv's 2025 backend now and then answers 200 with no body; the same request then succeeds."""
    replay.arxiv.add("/api/query", body=body, headers=ATOM_HEADERS)

    with pytest.raises(TemporaryError, match="empty answer"):
        arxiv.fetch(["1808.01244"])


def test_it_refuses_an_entity_bomb_at_once(replay):
    levels = "".join(f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10))
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE feed [\n  <!ENTITY lol0 "lol">\n{levels}]>\n'
    bomb += '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1808.01244v2</id>'
    bomb += "<title>&lol9;</title></entry></feed>"
    replay.arxiv.add("/api/query", body=bomb.encode(), headers=ATOM_HEADERS)

    started = time.monotonic()
    with pytest.raises(BadResponse):
        arxiv.fetch(["1808.01244"])

    assert time.monotonic() - started < 1.0


def test_it_refuses_external_entities_without_following_them(replay, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do-not-read-me")
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE feed [<!ENTITY file SYSTEM "file://{secret}">\n'
        f'  <!ENTITY remote SYSTEM "{replay.trap.base_url}/xxe">]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/1808.01244v2</id>'
        "<title>&file;&remote;</title></entry></feed>"
    )
    replay.arxiv.add("/api/query", body=body.encode(), headers=ATOM_HEADERS)

    with pytest.raises(BadResponse) as error:
        arxiv.fetch(["1808.01244"])

    assert "do-not-read-me" not in str(error.value)
    assert replay.trap.requests == []
