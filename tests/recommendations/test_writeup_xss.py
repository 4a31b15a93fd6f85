"""Every payload of tests/data/xss_payloads.txt, sent as a write-up, comes out inert on every page.

Each payload goes through the recommend form as a recommender would send it, is shown on
the edit page while it waits (as textarea text only), then is published in an issue and
read back from the issue page, the paper page, the recommender's page and the home page (which
shows the write-up's opening as plain text).
Each page is parsed as a browser would and searched for anything that could run.

The payload file holds one payload a line. ``\\x00`` to ``\\x1f`` written as escapes are
turned into those control characters (so that a NUL can sit inside a payload without
sitting in the file); every other backslash stays as written.
"""

import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.http import HttpResponse

from recommendations.models import Recommendation
from recommendations.recommending.services import recommendation_submit
from tests.factories import add_to_issue, make_issue, make_paper, make_recommendation, make_tag
from tests.htmlcheck import assert_safe_html

from .helpers import WRITEUP, form_data, login_recommender

pytestmark = pytest.mark.django_db

PAYLOAD_FILE = Path(__file__).resolve().parents[1] / "data" / "xss_payloads.txt"
_CONTROL_ESCAPE = re.compile(r"\\x([01][0-9a-fA-F])")


def load_payloads():
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").splitlines()
    return [_CONTROL_ESCAPE.sub(lambda match: chr(int(match[1], 16)), line) for line in lines if line.strip()]


PAYLOADS = load_payloads()
# Follows each payload: reaches the write-up's minimum length, and shows where the write-up landed.
MARKER = "Marker-7f3a"
PADDING = f"\n\n{MARKER}: a careful write-up of why this paper is worth reading."

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "srcdoc", "xlink:href", "poster", "background",
    "dynsrc", "lowsrc", "codebase", "cite", "longdesc", "usemap", "manifest", "ping",
}  # fmt: skip
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "portal", "base"}
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def url_scheme(value):
    """The scheme of a URL attribute once whitespace and invisible characters are gone; "" if relative."""
    squeezed = "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch)[0] != "C").lower()
    if squeezed.startswith(("/", "#", "?")):
        return ""
    match = _SCHEME.match(squeezed)
    return match.group(1) if match else ""


def form_signature(form):
    return (form.get("action"), form.get("method", "").lower(), " ".join(form.get("class", [])))


def assert_page_safe(response, *, own_forms=()):
    """Nothing on the page can run script or send the reader elsewhere unasked.

    Site forms have an ``action`` under "/"; ``own_forms`` lists the signatures of the
    page's own forms that post back to the page itself (no action), such as the edit form.
    """
    assert response.status_code == 200
    page = BeautifulSoup(response.content.decode(), "html.parser")
    own = list(own_forms)
    for element in page.find_all(True):
        name = element.name.lower()
        assert name not in NEVER, str(element)[:300]
        if name == "script":
            assert element.get("src", "").startswith("/static/"), str(element)[:300]
            assert not element.get_text(strip=True), str(element)[:300]
        if name == "form" and not element.get("action", "").startswith("/"):
            # A form without a site action is only acceptable as one of the page's own.
            assert form_signature(element) in own, str(element)[:300]
            own.remove(form_signature(element))
        if name == "meta":
            assert not element.has_attr("http-equiv"), str(element)[:300]
        for attribute, value in element.attrs.items():
            attribute = attribute.lower()
            text = " ".join(value) if isinstance(value, list) else value
            assert not attribute.startswith("on"), f"<{name}> has {attribute}={text!r}"
            assert attribute != "srcdoc", f"<{name}> has srcdoc={text!r}"
            if attribute in URL_ATTRIBUTES:
                assert url_scheme(text) in SAFE_SCHEMES | {""}, f"<{name}> {attribute}={text!r}"
            if attribute == "style":
                squeezed = re.sub(r"\s|/\*.*?\*/|\\", "", text.lower())
                assert "expression" not in squeezed and "url(" not in squeezed, f"<{name}> style={text!r}"
    main = page.find("main")
    assert main is not None
    for forbidden in ("style", "link", "meta", "svg", "math", "base", "template", "noscript"):
        assert main.find(forbidden) is None, str(main.find(forbidden))[:300]
    return page


def writeups_on(page):
    """The rendered write-ups holding the marker: they must exist, or the page checked nothing."""
    found = [prose for prose in page.select(".prose") if MARKER in prose.get_text()]
    assert found, "the write-up is not on the page"
    for prose in found:
        assert_safe_html(prose.decode_contents())
    return found


def assert_template_syntax_stays_text(payload, writeups):
    for prose in writeups:
        text = prose.get_text()
        for literal in ("{{7*7}}", "{{ 7*7 }}", "${7*7}", "{% debug %}", "{{ settings.SECRET_KEY }}"):
            if literal in payload:
                assert literal in text
        if "7*7" in payload:
            assert "49" not in text
        assert "test-only-secret-key" not in text


@pytest.fixture
def me(client, django_user_model, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_USER = settings.PAPERDAILY_RATE_RECOMMEND_IP = "100000/h"
    return login_recommender(client, django_user_model, "xss")


@pytest.fixture
def topic():
    return make_tag("Adversarial robustness")


@pytest.fixture
def edit_page_forms(client, me, topic):
    """The forms of an edit page showing a harmless write-up: the page's own."""
    harmless = make_recommendation(
        recommender=me,
        paper=make_paper(arxiv_id="1809.08370"),
        tag=topic,
        writeup=WRITEUP,
        status=Recommendation.Status.SUBMITTED,
    )
    page = BeautifulSoup(client.get(f"/recommend/{harmless.pk}/edit/").content.decode(), "html.parser")
    forms = [form_signature(form) for form in page.find_all("form") if not form.get("action", "").startswith("/")]
    harmless.delete()
    assert forms, "the edit page has no form of its own"
    return forms


def submit(client, me, topic, index, writeup):
    """Send the write-up through the form; a NUL is refused there, so it goes through the service instead."""
    link = f"https://arxiv.org/abs/1901.{index:05d}"
    response = client.post("/recommend/", form_data(topic, paper_link=link, writeup=writeup))
    if "\x00" in writeup:
        page = assert_page_safe(response, own_forms=recommend_form(response))
        assert page.select_one("#field-writeup.form__field--invalid")
        assert not Recommendation.objects.exists()
        return recommendation_submit(recommender=me, paper_link=link, writeup=writeup, tag=topic).recommendation
    assert response.status_code == 302, response.content.decode()[:2000]
    return Recommendation.objects.get(recommender=me)


def recommend_form(response):
    page = BeautifulSoup(response.content.decode(), "html.parser")
    return [form_signature(form) for form in page.select("form.recommend-form")]


def test_it_has_enough_payloads():
    assert len(PAYLOADS) >= 100
    assert len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=str)
def test_it_shows_the_payload_as_inert_text_everywhere(client, me, topic, edit_page_forms, index):
    payload = PAYLOADS[index]
    rec = submit(client, me, topic, index, payload + PADDING)
    assert "\x00" not in rec.writeup and "\x00" not in rec.writeup_html

    # While it waits for an editor, its author sees it back in the edit form, as text.
    edit = assert_page_safe(client.get(f"/recommend/{rec.pk}/edit/"), own_forms=edit_page_forms)
    textarea = edit.select_one("textarea[name=writeup]")
    assert textarea.get_text().removeprefix("\n") == rec.writeup

    rec.status = Recommendation.Status.PUBLISHED
    rec.save(update_fields=["status"])
    issue = make_issue()
    add_to_issue(issue, rec)
    for url in (f"/issues/{issue.number}/", f"/papers/{rec.paper_id}/", f"/recommenders/{me.handle}/"):
        page = assert_page_safe(client.get(url))
        assert_template_syntax_stays_text(payload, writeups_on(page))
    # The home page shows the opening of the write-up only, as plain text cut short.
    (excerpt,) = assert_page_safe(client.get("/")).select(".digest__excerpt")
    assert_safe_html(excerpt.decode_contents())
    assert [element.name for element in excerpt.find_all(True)] in (["a"], ["a", "span"])
    assert "test-only-secret-key" not in excerpt.get_text()
    if "7*7" in payload:
        assert "49" not in excerpt.get_text()


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script src="https://evil.example/x.js"></script>',
        "<img src=x onerror=alert(1)>",
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<object data="data:text/html,x"></object>',
        '<iframe srcdoc="x"></iframe>',
        '<form action="https://evil.example/"></form>',
        "<form></form>",
        '<p style="width: expression(alert(1))">x</p>',
        '<p style="background: URL (x)">x</p>',
        '<meta http-equiv="refresh" content="0">',
        '<base href="https://evil.example/">',
        "<svg></svg>",
    ],
)
def test_the_page_check_catches_what_it_looks_for(snippet):
    response = HttpResponse(f'<html><body><form action="/i18n/setlang/"></form><main>{snippet}</main></body></html>')
    with pytest.raises(AssertionError):
        assert_page_safe(response)


def test_the_page_check_accepts_a_plain_page():
    response = HttpResponse(
        '<html><head><script src="/static/js/paperdaily.js" defer></script></head><body>'
        '<form action="/accounts/logout/" method="post"></form><main><a href="https://arxiv.org/abs/1">x</a>'
        '<a href="/papers/1/">p</a><a href="#top">t</a><a href="mailto:a@example.org">m</a></main></body></html>'
    )
    assert_page_safe(response)
