"""Withdrawing a recommendation that is still waiting."""

import pytest

from recommendations.models import Recommendation
from tests.factories import make_recommendation

from .helpers import login_recommender

pytestmark = pytest.mark.django_db


def test_it_withdraws_a_waiting_recommendation(client, django_user_model):
    me = login_recommender(client, django_user_model)
    rec = make_recommendation(recommender=me, status=Recommendation.Status.SUBMITTED)
    response = client.post(f"/recommend/{rec.pk}/withdraw/", follow=True)
    assert "withdrawn" in response.content.decode()
    assert not Recommendation.objects.filter(pk=rec.pk).exists()


def test_it_keeps_a_reviewed_one(client, django_user_model):
    me = login_recommender(client, django_user_model)
    rec = make_recommendation(recommender=me, status=Recommendation.Status.ACCEPTED)
    client.post(f"/recommend/{rec.pk}/withdraw/")
    assert Recommendation.objects.filter(pk=rec.pk).exists()


def test_it_answers_only_post_and_only_the_owner(client, django_user_model):
    login_recommender(client, django_user_model)
    other = make_recommendation(status=Recommendation.Status.SUBMITTED)
    assert client.get(f"/recommend/{other.pk}/withdraw/").status_code == 405
    assert client.post(f"/recommend/{other.pk}/withdraw/").status_code == 404
    assert Recommendation.objects.filter(pk=other.pk).exists()
