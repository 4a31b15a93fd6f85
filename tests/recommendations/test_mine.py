"""My recommendations at /recommend/mine/."""

import pytest
from bs4 import BeautifulSoup

from recommendations.models import Recommendation
from tests.factories import add_to_issue, make_issue, make_recommendation

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


def test_it_invites_a_first_recommendation(client, django_user_model):
    login_recommender(client, django_user_model)
    soup = BeautifulSoup(client.get(URL).content, "html.parser")
    assert soup.select_one('.empty a[href="/recommend/"]')


def test_it_survives_a_bad_page_number(client, django_user_model):
    login_recommender(client, django_user_model)
    assert client.get(URL + "?page=%00").status_code == 200
