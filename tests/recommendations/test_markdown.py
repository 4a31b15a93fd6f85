import pytest

from recommendations.markdown import absolutize_links, render_markdown
from recommendations.models import Recommendation
from tests.htmlcheck import assert_safe_html, soup, url_scheme

HOSTILE = {
    "script tag": "<script>alert(1)</script>",
    "script split by NUL": "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "script in a paragraph": "Nice paper. <script src=https://evil.example/x.js></script> Really.",
    "javascript link": "[click](javascript:alert(1))",
    "mixed-case javascript link": "[click](JaVaScRiPt:alert(document.cookie))",
    "javascript link with spaces": "[click]( javascript:alert(1) )",
    "javascript autolink": "<javascript:alert(1)>",
    "entity-encoded javascript link": "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "hex-entity javascript link": "[click](&#x6A;avascript&#x3A;alert(1))",
    "tab-entity javascript link": "[click](java&#x09;script:alert(1))",
    "newline-entity javascript link": "[click](java&#10;script:alert(1))",
    "NUL in javascript link": "[click](java\x00script:alert(1))",
    "data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript link": "[click](vbscript:msgbox(1))",
    "reference-style javascript link": "[click][x]\n\n[x]: javascript:alert(1)",
    "javascript image": "![img](javascript:alert(1))",
    "img onerror": "<img src=x onerror=alert(1)>",
    "a onclick": '<a href="https://example.org" onclick="alert(1)">x</a>',
    "svg onload": "<svg onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style block": "<style>body { display: none }</style>",
    "style attribute": '<p style="position:fixed;top:0">overlay</p>',
    "html comment": "<!-- <script>alert(1)</script> -->",
    "link title breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "form": '<form action="https://evil.example"><input name=q></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "control characters": "bell\x07 backspace\x08 escape\x1b vertical-tab\x0b form-feed\x0c",
}


@pytest.mark.parametrize("markdown_text", HOSTILE.values(), ids=HOSTILE.keys())
def test_it_renders_hostile_markdown_harmless(markdown_text):
    html = render_markdown(markdown_text)

    assert_safe_html(html)


@pytest.mark.parametrize("markdown_text", HOSTILE.values(), ids=HOSTILE.keys())
def test_it_stores_sanitised_html_with_the_writeup(markdown_text):
    recommendation = Recommendation()

    recommendation.set_writeup(markdown_text)

    assert recommendation.writeup == markdown_text
    assert_safe_html(recommendation.writeup_html)


def test_it_drops_nul_and_control_characters_but_keeps_the_text():
    html = render_markdown("Deep\x00 le\x01arn\x1fing")

    assert soup(html).get_text().strip() == "Deep learning"


def test_it_shows_raw_html_as_text():
    html = render_markdown("Use <b>bold</b> tags")

    assert soup(html).find("b") is None
    assert soup(html).get_text().strip() == "Use <b>bold</b> tags"


def test_it_renders_bold_and_emphasis():
    document = soup(render_markdown("A **strong** and *gentle* idea"))

    assert document.find("strong").get_text() == "strong"
    assert document.find("em").get_text() == "gentle"


def test_it_keeps_safe_links_and_marks_them_nofollow():
    document = soup(
        render_markdown(
            "[paper](https://arxiv.org/abs/1808.01244) [site](/papers/2771/) [mail](mailto:editors@example.org)"
        )
    )

    links = document.find_all("a")
    assert [link["href"] for link in links] == [
        "https://arxiv.org/abs/1808.01244",
        "/papers/2771/",
        "mailto:editors@example.org",
    ]
    for link in links:
        assert "nofollow" in link["rel"]
        assert "noopener" in link["rel"]


def test_it_turns_a_bare_dangerous_link_into_text():
    document = soup(render_markdown("[click](javascript:alert(1))"))

    assert document.find("a") is None
    assert "click" in document.get_text()


@pytest.mark.parametrize(
    ("markdown_text", "tag"),
    [
        ("# One", "h4"),
        ("## Two", "h5"),
        ("### Three", "h6"),
        ("#### Four", "h6"),
        ("###### Six", "h6"),
        ("Set\n===", "h4"),
    ],
)
def test_it_shifts_headings_below_the_page_headings(markdown_text, tag):
    document = soup(render_markdown(markdown_text))

    assert [heading.name for heading in document.find_all(True)] == [tag]


def test_it_renders_lists_code_and_quotes():
    document = soup(render_markdown("- one\n- two\n\n`code`\n\n> quoted"))

    assert [li.get_text() for li in document.find_all("li")] == ["one", "two"]
    assert document.find("code").get_text() == "code"
    assert document.find("blockquote") is not None


def test_it_renders_nothing_for_an_empty_writeup():
    assert render_markdown("") == ""


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("https://example.org", "https"),
        ("/papers/1/", ""),
        ("java\tscript:alert(1)", "javascript"),
        (" \x01JavaScript:alert(1)", "javascript"),
        ("java%09script:alert(1)", ""),
    ],
)
def test_it_reads_url_schemes_as_a_browser_does(url, scheme):
    # The checker itself: a lax one would let every test above pass.
    assert url_scheme(url) == scheme


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<p onmouseover="alert(1)">x</p>',
        '<iframe src="https://example.org"></iframe>',
        '<p style="color:red">x</p>',
        "<p>nul\x00</p>",
    ],
)
def test_it_has_a_checker_that_catches_each_hostile_construct(html):
    with pytest.raises(AssertionError):
        assert_safe_html(html)


def test_it_makes_site_links_absolute_for_reading_elsewhere_and_keeps_the_rest():
    html = render_markdown(
        "See [the paper](/papers/1/), [below](#notes) and [arXiv](https://arxiv.org/abs/1808.01244)."
    )

    rewritten = absolutize_links(html, base_url="https://paperdaily.example.org/")

    assert 'href="https://paperdaily.example.org/papers/1/"' in rewritten
    assert 'href="#notes"' in rewritten
    assert 'href="https://arxiv.org/abs/1808.01244"' in rewritten
    assert rewritten.count('rel="nofollow noopener noreferrer ugc"') == 3
    assert absolutize_links("", base_url="https://paperdaily.example.org/") == ""
