import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.htmlcheck import soup

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def translation_of(msgid):
    """The catalogue's msgstr for a one-line msgid, as the translators wrote it."""
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    match = re.search(rf'^msgid "{re.escape(msgid)}"\nmsgstr "(.*)"$', po, re.MULTILINE)
    assert match, f"{msgid!r} is not in the catalogue"
    return match.group(1)


def html_lang(response):
    return soup(response).find("html")["lang"]


def test_it_speaks_english_by_default(client):
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize("header", ["zh-Hans", "zh-hans", "zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans-CN"])
def test_it_follows_the_browsers_language(client, header):
    response = client.get("/", headers={"accept-language": header})

    assert html_lang(response) == "zh-hans"


def test_it_follows_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    assert html_lang(client.get("/")) == "zh-hans"


def test_it_switches_language_through_the_switcher(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/issues/"})

    assert response.status_code == 302
    assert response["Location"] == "/issues/"
    assert html_lang(client.get("/issues/")) == "zh-hans"

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert html_lang(client.get("/")) == "en"


def test_it_offers_a_language_switcher_that_posts_to_setlang(client):
    form = soup(client.get("/tags/")).select_one("form.lang-switch")

    assert form["action"] == "/i18n/setlang/"
    assert form["method"].lower() == "post"
    assert form.select_one('input[name="next"]')["value"] == "/tags/"
    assert form.select_one('input[name="csrfmiddlewaretoken"]') is not None
    assert [option["value"] for option in form.select('select[name="language"] option')] == ["en", "zh-hans"]


@pytest.mark.skipif(not (CATALOGUE / "django.mo").exists(), reason="no compiled zh_Hans catalogue yet")
def test_it_shows_the_navigation_in_chinese(client):
    issues, topics = translation_of("Issues"), translation_of("Topics")
    assert issues and issues != "Issues"

    response = client.get("/", headers={"accept-language": "zh-Hans"})

    nav = [a.get_text(strip=True) for a in soup(response).select("nav.site-nav a")]
    assert nav[:2] == [issues, topics]


def test_it_ships_a_complete_catalogue_that_matches_its_compiled_file():
    """Every UI string has a Chinese translation, and django.mo was compiled from this django.po."""
    import polib
    from django.utils import translation

    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    assert catalogue.percent_translated() == 100
    assert not catalogue.fuzzy_entries()
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    # Keyed by context and msgid: "sent" (a recommendation) and "sent" (a reward) are two strings.
    singular = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in catalogue if not entry.msgid_plural}
    plural = {(entry.msgctxt, entry.msgid): entry.msgstr_plural for entry in catalogue if entry.msgid_plural}
    assert {(entry.msgctxt, entry.msgid): entry.msgstr for entry in compiled if not entry.msgid_plural} == singular
    assert {(entry.msgctxt, entry.msgid): entry.msgstr_plural for entry in compiled if entry.msgid_plural} == plural
    with translation.override("zh-hans"):
        assert translation.gettext("Issues") == catalogue.find("Issues").msgstr
