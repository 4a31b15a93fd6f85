"""recommendations/reading/search.py: what a query finds, in what order, and what it must never find."""

import pytest

from papers.models import Paper
from recommendations.reading import search
from recommendations.reading.search import SEARCH_MAX_QUERY_LENGTH, attach_snippets, paper_search
from tests.factories import make_area, make_entry, make_issue, make_paper, make_recommendation, make_tag

pytestmark = pytest.mark.django_db

CHINESE_WRITEUP = "本文研究图神经网络在推荐中的应用，在三个数据集上效果显著。"


def featured(title=None, *, writeup="A **fine** paper.", tag=None, issue=None, **fields):
    """A paper with one published recommendation in a published issue."""
    paper = make_paper(title, **fields)
    make_entry(issue or make_issue(), paper=paper, writeup=writeup, **({"tag": tag} if tag else {}))
    return paper


def titles(query, **filters):
    return [paper.title for paper in paper_search(query=query, **filters)]


# --- English -----------------------------------------------------------------------------------


def test_it_ranks_a_title_match_above_an_abstract_only_match():
    # The title match is the older paper: newest first would put it second.
    featured("Keypoints as Objects", abstract="A detector without anchors.")
    featured("A Survey of Detectors", abstract="We compare keypoints, anchors and corners.")

    assert titles("keypoints") == ["Keypoints as Objects", "A Survey of Detectors"]


def test_it_finds_words_in_other_forms():
    featured("Detecting Objects as Paired Keypoints")

    assert titles("detection of objects") == ["Detecting Objects as Paired Keypoints"]


def test_it_finds_a_paper_by_its_authors():
    featured("CornerNet", authors=["Hei Law", "Jia Deng"])
    featured("Another Paper", authors=["Someone Else"])

    assert titles("Jia Deng") == ["CornerNet"]


def test_it_finds_a_published_writeup_without_its_markdown():
    featured("Plain Title", writeup="The **quokka** trick is [neat](https://example.org).")

    assert titles("quokka") == ["Plain Title"]
    assert titles("example.org") == []  # a link's address is not text readers see


def test_it_matches_a_quoted_phrase_exactly():
    featured("Slimmable Neural Networks")
    featured("Networks That Grow Neural Connections")

    assert titles('"neural networks"') == ["Slimmable Neural Networks"]


def test_it_excludes_words_after_a_minus():
    featured("CornerNet: Detecting Objects as Paired Keypoints")
    featured("Detecting Objects in Aerial Images")

    assert titles("detecting objects -keypoints") == ["Detecting Objects in Aerial Images"]


def test_it_finds_either_word_with_or():
    featured("Network Pruning at Scale")
    featured("Object Detection in the Wild")
    featured("Machine Translation")

    assert sorted(titles("pruning or detection")) == ["Network Pruning at Scale", "Object Detection in the Wild"]


def test_it_requires_every_word_without_or():
    featured("Network Pruning at Scale")
    featured("Object Detection in the Wild")

    assert titles("pruning detection") == []


# --- Chinese -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["神经网络", "图神经网络在推荐中的应用", "推荐 神经网络", "数据集，效果"])
def test_it_finds_a_phrase_of_a_chinese_writeup(query):
    featured("Graph Networks for Recommendation", writeup=CHINESE_WRITEUP)
    featured("Unrelated", writeup="与此无关的推文。")

    assert titles(query) == ["Graph Networks for Recommendation"]


@pytest.mark.parametrize("query", ["卷积神经网络", "神经网络 量子", "图神经网络在搜索中的应用"])
def test_it_finds_nothing_for_a_chinese_phrase_that_is_not_there(query):
    featured("Graph Networks for Recommendation", writeup=CHINESE_WRITEUP)

    assert titles(query) == []


def test_it_finds_a_chinese_title():
    featured("基于图神经网络的推荐系统")

    assert titles("推荐系统") == ["基于图神经网络的推荐系统"]


def test_it_reads_full_width_letters_as_plain_ones():
    featured("CornerNet: Detecting Objects as Paired Keypoints")

    assert titles("ＣｏｒｎｅｒＮｅｔ") == ["CornerNet: Detecting Objects as Paired Keypoints"]
    assert titles("cornernet　keypoints") == ["CornerNet: Detecting Objects as Paired Keypoints"]


def test_it_takes_percent_and_underscore_as_punctuation_not_wildcards():
    featured("Graph Networks for Recommendation", writeup=CHINESE_WRITEUP)

    assert titles("%") == []
    assert titles("_") == []
    assert titles("神经%量子") == []
    assert titles("神经%网络") == ["Graph Networks for Recommendation"]


# --- Typos -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("CornerNte", "CornerNet: Detecting Objects as Paired Keypoints"),
        ("Slimable Neural Netwroks", "Slimmable Neural Networks"),
        ("backpropamin", "Backpropamine: training self-modifying neural networks"),
        ("Slimable Netwroks", "Slimmable Neural Networks"),
        # Two letters swapped in a single word: a word similarity of 0.5 (see DATABASES' options).
        ("Transfromer", "Attention Is All You Need: the Transformer"),
    ],
)
def test_it_forgives_typos_in_a_title(query, expected):
    featured("Attention Is All You Need: the Transformer")
    featured("CornerNet: Detecting Objects as Paired Keypoints")
    featured("Slimmable Neural Networks")
    featured("Backpropamine: training self-modifying neural networks")
    featured("Attentive Group Recommendation")

    assert titles(query)[0] == expected


def test_it_ranks_exact_matches_above_typo_matches():
    featured("CornerNext: a Different Detector")  # only close to the query
    featured("Keypoint Detection", abstract="We improve on CornerNet by pooling corners.")  # has the word

    assert titles("CornerNet") == ["Keypoint Detection", "CornerNext: a Different Detector"]


def test_it_does_not_bring_back_an_excluded_title_as_a_typo():
    featured("Slimmable Neural Networks")
    featured("Neural Machine Translation")

    assert titles("neural -slimmable") == ["Neural Machine Translation"]


# --- Filters -----------------------------------------------------------------------------------


def test_it_filters_by_area_topic_and_year():
    cv = make_tag("Object Detection", slug="object-detection", area=make_area("CV", name="Computer Vision"))
    nlp = make_tag("Translation", slug="translation", area=make_area("NLP", name="Natural Language Processing"))
    featured("Detection Networks", tag=cv, year=2018)
    featured("Translation Networks", tag=nlp, year=2019)
    featured("Older Detection Networks", tag=cv, year=2016)

    assert sorted(titles("networks", area="CV")) == ["Detection Networks", "Older Detection Networks"]
    assert titles("networks", tag="translation") == ["Translation Networks"]
    assert titles("networks", area="CV", year=2016) == ["Older Detection Networks"]
    assert titles("networks", area="NLP", tag="object-detection") == []
    assert titles("networks", area="nope") == []
    assert titles("networks", tag="no-such-topic") == []
    assert titles("networks", year=99999999999999999999) == []
    assert titles("networks", year="2018") == ["Detection Networks"]
    assert titles("networks", year="not a year") == []


def test_it_lists_the_filtered_papers_newest_first_without_a_query():
    tag = make_tag("Object Detection", slug="object-detection")
    featured("Old", tag=tag, year=2016)
    featured("New", tag=tag, year=2019)
    featured("Elsewhere", year=2019)

    assert titles("", tag="object-detection") == ["New", "Old"]
    assert titles("   ", year=2019) == ["New", "Elsewhere"] or titles("   ", year=2019) == ["Elsewhere", "New"]


def test_it_finds_nothing_for_a_blank_query_without_filters():
    featured("Anything")

    assert list(paper_search(query="")) == []
    assert list(paper_search(query=" \t\n")) == []


def test_it_does_not_filter_by_a_topic_of_an_unpublished_recommendation():
    tag = make_tag("Object Detection", slug="object-detection")
    paper = featured("Detection Networks")
    make_entry(make_issue(published=False), paper=paper, tag=tag)

    assert titles("networks", tag="object-detection") == []


def test_it_ignores_a_proposed_topic():
    tag = make_tag("Secret Topic", slug="secret-topic")
    featured("Detection Networks", tag=tag)
    tag.approved = False
    tag.save()

    assert titles("networks", tag="secret-topic") == []


# --- What must never be found ------------------------------------------------------------------


def test_it_never_finds_words_of_an_unpublished_writeup():
    paper = featured("Published Paper", writeup="Public words.")
    make_entry(make_issue(published=False), paper=paper, writeup="The secret word is xylophone.")
    make_recommendation(paper=paper, writeup="Submitted: marmalade.", status="submitted")
    make_recommendation(paper=paper, writeup="Rejected: kumquat.", status="rejected")

    assert titles("public") == ["Published Paper"]
    for word in ("xylophone", "marmalade", "kumquat"):
        assert titles(word) == [], word


def test_it_never_finds_a_paper_only_in_a_draft_issue():
    paper = make_paper("Draft Only Paper", abstract="About zebras.")
    make_entry(make_issue(published=False), paper=paper, writeup="Zebras again.")
    make_recommendation(paper=make_paper("Submitted Only Paper"), status="submitted")

    for query in ("draft only paper", "zebras", "Draft Only Papr", "submitted only paper", "Submitted"):
        assert titles(query) == [], query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "-",
        "--",
        "OR",
        "or or or",
        '"',
        '"""',
        "'",
        "!",
        "&|!<->():*",
        "\x00",
        "nul\x00inside",
        "\ud800",
        "%",
        "_",
        "\\",
        "a" * 10_000,
        "神经 " * 3_000,
        "<script>alert(1)</script>",
        "DROP TABLE papers_paper; --",
        "😀🚀",
        "\u202e\u200b",
        "a:*",
        "-neural",
        '"unterminated phrase',
    ],
)
def test_it_never_raises_on_a_query(query):
    featured("Slimmable Neural Networks", writeup=CHINESE_WRITEUP)

    papers = attach_snippets(list(paper_search(query=query)[:20]), query)

    assert isinstance(papers, list)


def test_it_cuts_a_long_query():
    featured("Slimmable Neural Networks")

    assert titles("y" * 300 + " slimmable") == []
    assert len(search.clean_query("y" * 10_000)) == SEARCH_MAX_QUERY_LENGTH
    assert titles("slimmable" + " " * 10_000 + "networks") == ["Slimmable Neural Networks"]


# --- Snippets ----------------------------------------------------------------------------------


def test_it_marks_matches_in_the_title_and_snippet_in_one_query(django_assert_num_queries):
    featured("Slimmable Neural Networks", abstract="Networks that run at several widths, " + "padding " * 80)
    featured("Backpropamine", writeup="Neural networks that change as they run.")
    papers = list(paper_search(query="neural networks"))

    with django_assert_num_queries(1):
        attach_snippets(papers, "neural networks")

    first = papers[0]
    assert first.title_html == "Slimmable <mark>Neural</mark> <mark>Networks</mark>"
    assert "<mark>Networks</mark> that run at several widths" in first.snippet_html
    assert "<mark>Neural</mark> <mark>networks</mark> that change" in papers[1].snippet_html


def test_it_escapes_everything_but_the_marks():
    featured("<b>Bold</b> & Networks", writeup="Networks `<script>alert(1)</script>` & more.")
    [paper] = attach_snippets(list(paper_search(query="networks")), "networks")

    assert paper.title_html == "&lt;b&gt;Bold&lt;/b&gt; &amp; <mark>Networks</mark>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in paper.snippet_html
    assert "<script>" not in paper.snippet_html


def test_it_cuts_a_window_around_a_chinese_match():
    writeup = "开头的话。" * 60 + CHINESE_WRITEUP + "结尾的话。" * 60
    featured("Graph Networks for Recommendation", writeup=writeup)
    [paper] = attach_snippets(list(paper_search(query="神经网络")), "神经网络")

    assert "<mark>神经网络</mark>在推荐中的应用" in paper.snippet_html
    assert paper.snippet_html.startswith("… ")
    assert len(paper.snippet_html) < 400


def test_it_marks_the_title_words_a_typo_matched():
    featured("Slimmable Neural Networks", writeup="Widths.")
    query = "Slimable Neural Netwroks"
    [paper] = attach_snippets(list(paper_search(query=query)), query)

    assert paper.title_html == "<mark>Slimmable</mark> <mark>Neural</mark> <mark>Networks</mark>"


def test_it_needs_no_query_for_an_empty_page(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert attach_snippets([], "anything") == []


# --- Every term, anywhere (once the SQLite fallback's tests; now both backends run this file) -----


def test_it_finds_every_term_in_title_authors_abstract_or_published_writeup():
    featured("CornerNet", authors=["Hei Law"], abstract="Paired keypoints.", writeup="图神经网络 is not here")
    featured("Slimmable Networks", writeup="Switchable batch normalisation.")
    paper = featured("Hidden", writeup="Public.")
    make_entry(make_issue(published=False), paper=paper, writeup="Secret xylophone.")

    assert titles("cornernet law keypoints") == ["CornerNet"]
    assert titles("switchable networks") == ["Slimmable Networks"]
    assert titles("神经网络") == ["CornerNet"]
    # Two papers' words, not one's (not titles: PostgreSQL forgives "cornernet slimmable" as a typo).
    assert titles("keypoints switchable") == []
    assert titles("xylophone") == []
    assert titles('"!!"') == []


def test_it_marks_matches_in_a_title_that_looks_like_markup():
    featured("Slimmable <Neural> Networks", abstract="Networks at several widths.")
    papers = list(paper_search(query="networks"))

    attach_snippets(papers, "networks")

    assert papers[0].title_html == "Slimmable &lt;Neural&gt; <mark>Networks</mark>"
    assert papers[0].snippet_html.startswith("<mark>Networks</mark> at several widths.")


# --- Chinese words of two characters, below a trigram (推荐, 检测) -----------------------------------


@pytest.mark.parametrize("query", ["推荐", "检测", "目标检测", "推荐 检测"])
def test_it_finds_chinese_words_of_two_and_four_characters(query):
    featured("CornerNet", writeup="一种新的目标检测方法，值得推荐。")
    featured("Unrelated", writeup="与此无关的推文。")

    assert titles(query) == ["CornerNet"]


def test_it_finds_nothing_for_a_two_character_chinese_word_that_is_not_there():
    featured("CornerNet", writeup="一种新的目标检测方法，值得推荐。")

    assert titles("量子") == []
    assert titles("推荐 量子") == []


def test_it_marks_a_two_character_chinese_word():
    featured("CornerNet", writeup="一种新的目标检测方法，值得推荐。")
    [paper] = attach_snippets(list(paper_search(query="推荐")), "推荐")

    assert "值得<mark>推荐</mark>" in paper.snippet_html


def test_it_returns_papers_with_their_rank():
    featured("Slimmable Neural Networks")

    [paper] = paper_search(query="slimmable")

    assert isinstance(paper, Paper)
    assert paper.rank > 1
