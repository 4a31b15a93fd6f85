import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware

from papers.models import Paper, Repository
from recommendations.issues.publishing import issue_publish
from recommendations.reading.bibtex import issue_bibtex
from tests.factories import make_entry, make_issue, make_issue_with_entries, make_paper

pytestmark = pytest.mark.django_db


def parse(text, *, decode=False):
    """The file as bibtexparser 2 reads it; ``decode`` turns LaTeX escapes back into text."""
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()] if decode else [])
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert len(keys) == len(set(keys))
    return library


def fields(entry):
    return {field.key: field.value for field in entry.fields}


def issue_of(*papers, number=None):
    issue = make_issue(number)
    for paper in papers:
        make_entry(issue, paper=paper)
    return issue


def test_it_writes_one_entry_per_paper_in_the_issues_order(client):
    issue_of(
        make_paper(
            "CornerNet: Detecting Objects as Paired Keypoints",
            authors=["Hei Law", "Jia Deng"],
            venue="ECCV 2018",
            year=2018,
            arxiv_id="1808.01244",
            primary_category="cs.CV",
        ),
        make_paper(
            "Deep Learning for Generic Object Detection: A Survey",
            authors=["Li Liu", "Wanli Ouyang"],
            venue="International Journal of Computer Vision",
            year=2020,
            doi="10.1007/s11263-019-01247-4",
        ),
        make_paper("Attention Is All You Need", authors=["Ashish Vaswani"], year=2017, arxiv_id="1706.03762"),
        number=128,
    )

    response = client.get("/issues/128/papers.bib")

    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="paperdaily-128.bib"'
    library = parse(response.content.decode())
    cornernet, survey, attention = library.entries
    assert (cornernet.entry_type, cornernet.key) == ("inproceedings", "law2018cornernet")
    assert fields(cornernet) == {
        "author": "Law, Hei and Deng, Jia",
        "title": "{CornerNet}: Detecting Objects as Paired Keypoints",
        "booktitle": "ECCV 2018",
        "year": "2018",
        "eprint": "1808.01244",
        "archivePrefix": "arXiv",
        "primaryClass": "cs.CV",
        "url": "https://arxiv.org/abs/1808.01244",
        "note": "Recommended in PaperDaily, issue 128",
    }
    assert (survey.entry_type, survey.key) == ("article", "liu2020deep")
    assert fields(survey)["journal"] == "International Journal of Computer Vision"
    assert fields(survey)["doi"] == "10.1007/s11263-019-01247-4"
    assert (attention.entry_type, attention.key) == ("misc", "vaswani2017attention")
    assert fields(attention)["eprint"] == "1706.03762"
    assert fields(attention)["archivePrefix"] == "arXiv"


def test_it_round_trips_unicode_names_and_latex_specials():
    title = "Zoë's {BERT} & R&D: 100% of $5 #1 a_b ~x^2 back\\slash"
    issue = issue_of(
        make_paper(title, authors=["Zoë Müller", "王小明", "Ludwig van Beethoven", "Martin Luther King Jr."])
    )

    library = parse(issue_bibtex(issue), decode=True)

    (entry,) = library.entries
    decoded = fields(entry)
    # pylatexenc writes \textasciicircum as the spacing circumflex; the rest comes back as it was.
    assert decoded["title"].replace("ˆ", "^") == title
    assert decoded["author"] == "Müller, Zoë and 王小明 and van Beethoven, Ludwig and King, Jr., Martin Luther"


def test_it_protects_capitals_that_a_style_must_not_lower():
    issue = issue_of(make_paper("BERT and GANs on iPhone: a Word2Vec Study"))

    (entry,) = parse(issue_bibtex(issue)).entries

    assert fields(entry)["title"] == "{BERT} and {GANs} on {iPhone}: a {Word2Vec} Study"


def test_it_keeps_a_lone_brace_from_unbalancing_the_file():
    issue = issue_of(make_paper("Opening { only", authors=["A Person"]), make_paper("Closing } only and {pair}"))

    library = parse(issue_bibtex(issue))

    first, second = library.entries
    assert fields(first)["title"] == r"Opening \textbraceleft{} only"
    assert fields(second)["title"] == r"Closing \textbraceright{} only and \{pair\}"


def test_it_gives_every_entry_a_unique_ascii_key():
    issue = issue_of(
        make_paper("CornerNet: Detecting Objects", authors=["Hei Law"], year=2018),
        make_paper("CornerNet: Detecting Objects, again", authors=["Hei Law"], year=2018),
        make_paper("CornerNet, the third", authors=["Hei Law"], year=2018),
        make_paper("Über Schätzung", authors=["Jürgen Ødegård"], year=2019),
        chinese := make_paper("图神经网络", authors=["王小明"], year=2020),
    )

    library = parse(issue_bibtex(issue))

    assert [entry.key for entry in library.entries] == [
        "law2018cornernet",
        "law2018cornerneta",
        "law2018cornernetb",
        "odegard2019uber",
        f"paper{chinese.pk}",
    ]
    assert all(entry.key.isascii() and entry.key.isalnum() for entry in library.entries)


def test_it_writes_a_comment_not_an_empty_entry_for_a_paper_nobody_has_identified():
    titled = make_paper("A titled paper", authors=["A Person"], year=2019)
    issue = issue_of(titled, make_paper("", authors=[]), number=3)

    text = issue_bibtex(issue)
    library = parse(text)

    assert [fields(entry)["title"] for entry in library.entries] == ["A titled paper"]
    assert "% Entry 2: paper details not recorded, so no reference." in text.splitlines()
    assert text.count("@") == 1


def test_it_lists_a_paper_recommended_twice_in_an_issue_once():
    paper = make_paper("Shared paper", authors=["Hei Law"], year=2018)
    issue = issue_of(paper, paper)

    assert [entry.key for entry in parse(issue_bibtex(issue)).entries] == ["law2018shared"]


def test_it_exports_the_papers_as_published():
    issue = make_issue(40, published=False)
    paper = make_paper("Title as published", authors=["Hei Law"], year=2018, code_urls=["https://github.com/a/b"])
    Repository.objects.update(fetch_status="ok")
    make_entry(issue, paper=paper)
    issue_publish(issue_id=issue.pk)
    Paper.objects.filter(pk=paper.pk).update(title="Changed since", year=2021)

    (entry,) = parse(issue_bibtex(issue)).entries

    assert fields(entry)["title"] == "Title as published"
    assert fields(entry)["year"] == "2018"


def test_it_keeps_dois_and_urls_verbatim():
    issue = issue_of(
        make_paper("A paper", doi="10.1002/(sici)1097-4571_x", abstract_url="https://example.org/a_b?x=1&y=2")
    )

    (entry,) = parse(issue_bibtex(issue)).entries

    assert fields(entry)["doi"] == "10.1002/(sici)1097-4571_x"
    assert fields(entry)["url"] == "https://example.org/a_b?x=1&y=2"


@pytest.mark.parametrize(
    ("venue", "entry_type", "venue_field"),
    [
        ("NeurIPS 2018", "inproceedings", "booktitle"),
        ("Proceedings of the 2019 Conference on Empirical Methods in NLP", "inproceedings", "booktitle"),
        ("Transactions of the Association for Computational Linguistics", "article", "journal"),
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "article", "journal"),
        ("arXiv preprint", "misc", None),
        ("A Venue Nobody Knows", "misc", "howpublished"),
    ],
)
def test_it_tells_journals_from_conferences_by_the_venue(venue, entry_type, venue_field):
    issue = issue_of(make_paper("A paper", authors=["Hei Law"], venue=venue))

    (entry,) = parse(issue_bibtex(issue)).entries

    assert entry.entry_type == entry_type
    venue_fields = {key for key in fields(entry) if key in ("booktitle", "journal", "howpublished")}
    assert venue_fields == ({venue_field} if venue_field else set())


def test_it_parses_a_whole_bulk_issue():
    issue = make_issue_with_entries(30)

    library = parse(issue_bibtex(issue))

    assert len(library.entries) == 30
    assert {entry.entry_type for entry in library.entries} == {"inproceedings"}
