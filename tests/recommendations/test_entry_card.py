"""{% entry_card %}: each distinct card rendered once per process, and never a stale one."""

import pytest
from django.test import Client
from django.utils import translation

from papers.models import Repository
from recommendations.models import Recommendation
from recommendations.reading.cards import issue_cards
from recommendations.templatetags import cards
from tests.factories import make_issue_with_entries

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(monkeypatch):
    """The cards actually rendered (not taken from the process's store), by position."""
    calls = []
    render = cards._render

    def counting(context):
        calls.append(context["position"])
        return render(context)

    monkeypatch.setattr(cards, "_render", counting)
    monkeypatch.setattr(cards, "_rendered", cards.OrderedDict())
    return calls


def test_it_renders_each_card_of_an_issue_once(rendered, settings):
    settings.PAGE_CACHE_ENABLED = False
    make_issue_with_entries(3, number=128)

    first = Client().get("/issues/128/").content.decode()
    second = Client().get("/issues/128/").content.decode()

    assert rendered == [1, 2, 3]
    assert first.count('<article class="entry"') == second.count('<article class="entry"') == 3


def test_it_renders_a_card_again_when_anything_it_shows_changed(rendered, settings):
    settings.PAGE_CACHE_ENABLED = False
    issue = make_issue_with_entries(2, number=128)
    Client().get("/issues/128/")
    recommendation = Recommendation.objects.get(issue_entry__issue=issue, issue_entry__position=2)
    Repository.objects.filter(paper_links__paper=recommendation.paper).update(stars=4321)

    page = Client().get("/issues/128/").content.decode()

    assert rendered == [1, 2, 2]
    assert "★ 4,321" in page


def test_it_keeps_the_cards_of_each_language_apart(rendered, settings):
    settings.PAGE_CACHE_ENABLED = False
    make_issue_with_entries(1, number=128)

    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/issues/128/").content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/issues/128/").content.decode()

    assert rendered == [1, 1]
    assert "Recommended by" in english
    assert "Recommended by" not in chinese


def test_it_renders_every_card_afresh_with_debug_on(rendered, settings):
    settings.DEBUG = True
    issue = make_issue_with_entries(1, number=128)
    recommendation = issue_cards(issue)[0]
    with translation.override("en"):
        cards.entry_card({}, recommendation, 1)
        cards.entry_card({}, recommendation, 1)

    assert rendered == [1, 1]


def test_it_keeps_at_most_so_many_cards(rendered, monkeypatch):
    monkeypatch.setattr(cards, "MAX_CARDS", 2)
    issue = make_issue_with_entries(3, number=128)

    for recommendation in issue_cards(issue):
        cards.entry_card({}, recommendation, recommendation.issue_entry.position)

    assert len(cards._rendered) == 2
