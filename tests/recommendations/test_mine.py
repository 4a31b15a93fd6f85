"""My recommendations at /recommend/mine/."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations.issues.publishing import issue_publish
from recommendations.models import Recommendation, Reward
from recommendations.rewards.services import reward_claim, reward_mark_sent
from tests.factories import add_to_issue, make_entry, make_issue, make_paper, make_recommendation, make_recommender
from tests.htmlcheck import assert_safe_html

from .helpers import login_recommender

pytestmark = pytest.mark.django_db
URL = "/recommend/mine/"


def test_it_lists_each_status_with_its_actions(client, django_user_model, django_assert_max_num_queries):
    me = login_recommender(client, django_user_model)
    waiting = make_recommendation(recommender=me, status=Recommendation.Status.SUBMITTED)
    make_recommendation(recommender=me, status=Recommendation.Status.ACCEPTED)
    rejected = make_recommendation(recommender=me, status=Recommendation.Status.REJECTED)
    Recommendation.objects.filter(pk=rejected.pk).update(review_note="Out of scope for the column.")
    published = make_recommendation(recommender=me)
    add_to_issue(make_issue(128), published)
    make_recommendation(status=Recommendation.Status.SUBMITTED)  # someone else's
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    soup = BeautifulSoup(response.content, "html.parser")
    items = soup.select(".mine__item")
    assert len(items) == 4
    statuses = sorted(item.select_one(".status").get_text(strip=True) for item in items)
    assert statuses == ["accepted", "published in issue 128", "rejected", "submitted"]
    assert "Out of scope for the column." in soup.select_one(f"#rec-{rejected.pk}").get_text()
    assert soup.select_one(f'#rec-{waiting.pk} a[href="/recommend/{waiting.pk}/edit/"]')
    assert soup.select_one(f'#rec-{waiting.pk} form[action="/recommend/{waiting.pk}/withdraw/"]')
    assert len(soup.select(".mine__actions")) == 1
    assert soup.select_one(f'#rec-{published.pk} a[href^="/issues/128/"]')


def test_it_shows_my_own_writeup_and_the_code_and_dataset_links_i_gave(client, django_user_model):
    me = login_recommender(client, django_user_model)
    mine = make_recommendation(
        recommender=me, status=Recommendation.Status.SUBMITTED, writeup="Corner **pooling** <script>x()</script>"
    )
    Recommendation.objects.filter(pk=mine.pk).update(
        code_links=["https://github.com/princeton-vl/CornerNet", "https://gitlab.com/group/sub/project"],
        dataset_link="https://cocodataset.org/",
    )
    bare = make_recommendation(recommender=me, status=Recommendation.Status.SUBMITTED, writeup="Plain words.")

    response = client.get(URL)

    assert_safe_html(response.content, page=True)
    soup = BeautifulSoup(response.content, "html.parser")
    item = soup.select_one(f"#rec-{mine.pk}")
    assert item.select_one(".mine__writeup strong").get_text() == "pooling"
    assert item.select_one(".mine__writeup script") is None
    links = {a["href"] for a in item.select(".mine__links a")}
    assert links == {
        "https://github.com/princeton-vl/CornerNet",
        "https://gitlab.com/group/sub/project",
        "https://cocodataset.org/",
    }
    assert [dt.get_text() for dt in item.select(".mine__links dt")] == ["Code", "Dataset"]
    other = soup.select_one(f"#rec-{bare.pk}")
    assert other.select_one(".mine__writeup").get_text(strip=True) == "Plain words."
    assert other.select_one(".mine__links") is None


def test_it_invites_a_first_recommendation(client, django_user_model):
    login_recommender(client, django_user_model)
    soup = BeautifulSoup(client.get(URL).content, "html.parser")
    assert soup.select_one('.empty a[href="/recommend/"]')


def test_it_survives_a_bad_page_number(client, django_user_model):
    login_recommender(client, django_user_model)
    assert client.get(URL + "?page=%00").status_code == 200


# --- Rewards


def publish_for(recommender, number):
    """A draft issue with one entry by ``recommender``, published through the service; returns its reward."""
    issue = make_issue(number, published=False)
    recommendation = make_entry(issue, recommender=recommender, paper=make_paper(f"Paper of issue {number}"))
    issue_publish(issue_id=issue.pk)
    return Reward.objects.get(recommendation=recommendation)


def test_it_offers_a_claim_form_for_each_reward_until_one_is_claimed(client, django_user_model):
    me = login_recommender(client, django_user_model)
    older, newer = publish_for(me, 127), publish_for(me, 128)
    publish_for(make_recommender("someone"), 129)

    response = client.get(URL)

    soup = BeautifulSoup(response.content, "html.parser")
    section = soup.select_one("section#rewards")
    items = section.select(".reward")
    assert [item["id"] for item in items] == [f"reward-{newer.pk}", f"reward-{older.pk}"]
    assert "Issue 128" in items[0].get_text()
    assert "Paper of issue 128" in items[0].get_text()
    assert items[0].select_one('a[href="/issues/128/"]')
    forms = section.select("form")
    assert [form["action"] for form in forms] == [f"/rewards/{newer.pk}/claim/", f"/rewards/{older.pk}/claim/"]
    textareas = section.select('textarea[name="shipping_note"]')
    assert len({textarea["id"] for textarea in textareas}) == 2
    for textarea in textareas:
        assert section.select_one(f'label[for="{textarea["id"]}"]').get_text(strip=True) == "Where should we send it?"
    assert "only editors see this" in section.get_text()
    assert section.select_one("details[open]") is items[0].select_one("details")
    assert "Paper of issue 129" not in section.get_text()
    assert_safe_html(response, page=True)


def test_it_shows_the_claimed_reward_and_no_more_forms(client, django_user_model):
    me = login_recommender(client, django_user_model)
    claimed, other = publish_for(me, 127), publish_for(me, 128)
    reward_claim(reward_id=claimed.pk, recommender=me, shipping_note="Ada Lovelace\nLondon")

    soup = BeautifulSoup(client.get(URL).content, "html.parser")

    section = soup.select_one("#rewards")
    assert section.select("form") == []
    claimed_item = section.select_one(f"#reward-{claimed.pk}")
    assert claimed_item.select_one(".status").get_text(strip=True).startswith("claimed on")
    assert "Ada Lovelace" in claimed_item.select_one(".reward__note").get_text()
    assert "You have claimed your reward (once per person)" in section.select_one(f"#reward-{other.pk}").get_text()


def test_it_shows_when_the_reward_was_sent(client, django_user_model):
    me = login_recommender(client, django_user_model)
    reward = publish_for(me, 128)
    reward_claim(reward_id=reward.pk, recommender=me, shipping_note="Ada Lovelace\nLondon")
    reward_mark_sent(reward_ids=[reward.pk], editor=None)

    soup = BeautifulSoup(client.get(URL).content, "html.parser")

    assert soup.select_one(f"#reward-{reward.pk} .status").get_text(strip=True).startswith("sent on")


def test_it_has_no_rewards_section_before_a_publication(client, django_user_model):
    me = login_recommender(client, django_user_model)
    make_recommendation(recommender=me, status=Recommendation.Status.ACCEPTED)

    soup = BeautifulSoup(client.get(URL).content, "html.parser")

    assert soup.select_one("#rewards") is None


def test_it_lists_rewards_in_as_many_queries_for_eight_as_for_one(client, django_user_model):
    me = login_recommender(client, django_user_model)
    publish_for(me, 120)
    with CaptureQueriesContext(connection) as for_one:
        client.get(URL)
    for number in range(121, 128):
        publish_for(me, number)
    with CaptureQueriesContext(connection) as for_eight:
        response = client.get(URL)

    assert len(BeautifulSoup(response.content, "html.parser").select("#rewards .reward")) == 8
    assert len(for_one) == len(for_eight)
    assert len(for_eight) <= 11
