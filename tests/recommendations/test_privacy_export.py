"""Your data (issue 18, item 7): the JSON download of everything the portal holds about a reader."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from recommendations.models import (
    DigestDelivery,
    Follow,
    ForYouPick,
    LibraryItem,
    ReaderSettings,
    Recommendation,
    Subscriber,
)
from recommendations.privacy.services import privacy_export
from tests.factories import make_author, make_issue, make_paper, make_recommendation, make_tag
from tests.recommendations.privacy_data import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def members(django_user_model, media):
    issue = make_issue(128)
    return make_member(django_user_model, "alice", issue=issue, figures=True), make_member(
        django_user_model, "bob", issue=issue
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def download(user):
    response = signed_in(user).get("/account/privacy/data.json")
    assert response.status_code == 200
    return response, json.loads(response.content)


def test_it_holds_each_kind_of_data_of_the_reader(members):
    alice, _bob = members

    _response, data = download(alice)

    assert data["format"] == "paperdaily-export/1" and data["generated_at"]
    assert data["account"]["username"] == "alice" and data["account"]["email"] == "alice@example.org"
    assert data["account"]["api_token"] is True
    assert data["recommender"] == {"handle": "alice", "display_name": "alice in full", "bio": "Bio of alice"}
    by_status = {each["status"]: each for each in data["recommendations"]}
    assert by_status["published"]["issue"] == 128
    assert by_status["published"]["writeup"] == "Published write-up of alice"
    assert by_status["submitted"]["issue"] is None
    assert by_status["submitted"]["review_note"] == "Review note for alice"
    assert by_status["submitted"]["code_links"] == ["https://github.com/alice/code"]
    assert by_status["submitted"]["figures"][0]["url"].startswith("/media/figures/")
    assert data["rewards"][0]["shipping_note"] == "Ship to alice" and data["rewards"][0]["issue"] == 128
    assert [s["email"] for s in data["newsletter"]] == ["ALICE@example.org"] and data["newsletter"][0]["active"]
    assert {f["kind"] for f in data["follows"]} == {"topic", "recommender", "author"}
    assert {"kind": "recommender", "handle": "alice-fav"}.items() <= next(
        f for f in data["follows"] if f["kind"] == "recommender"
    ).items()
    notes = {item["paper"]["title"]: (item["state"], item["note"]) for item in data["library"]}
    assert notes == {"alice saved": ("saved", "Private note of alice"), "alice dull": ("not_interested", "")}
    assert data["reader_settings"]["digest"] == "weekly"
    assert data["for_you"]["model"]["terms"] == [["alice-term", 1.5]]
    assert data["for_you"]["picks"][0]["paper"]["title"] == "alice pick"
    assert data["digests"][0]["period"] == "2026-W02" and data["digests"][0]["status"] == "sent"


def test_it_holds_nothing_of_another_reader(members):
    alice, bob = members

    response, _data = download(alice)

    text = response.content.decode()
    for secret in ("bob", "Private note of bob", "Ship to bob", "BOB@example.org"):
        assert secret not in text


def test_it_never_writes_a_secret_token(members):
    alice, _bob = members

    response, data = download(alice)

    text = response.content.decode()
    settings = ReaderSettings.objects.get(user=alice)
    for secret in (
        Token.objects.get(user=alice).key,
        settings.feed_token,
        settings.digest_token,
        Subscriber.objects.get(email__iexact="alice@example.org").token,
        alice.password,
    ):
        assert secret not in text
    assert data["reader_settings"]["feed_token"] is True


def test_it_is_a_private_attachment_never_stored(members):
    alice, _bob = members

    response, _data = download(alice)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="paperdaily-alice-') and disposition.endswith('.json"')
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_it_asks_a_signed_out_visitor_to_log_in(client):
    for path in ("/account/privacy/data.json", "/account/privacy/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/account/")


def test_it_answers_get_only(members):
    alice, _bob = members

    assert signed_in(alice).post("/account/privacy/data.json").status_code == 405


def test_it_exports_a_reader_without_a_profile(django_user_model):
    user = django_user_model.objects.create_user("plain", "")

    data = privacy_export(user=user)

    assert data["recommender"] is None and data["recommendations"] == [] and data["newsletter"] == []
    assert data["reader_settings"] is None and data["for_you"]["model"] is None


def test_it_reads_a_big_account_in_few_queries(members, django_assert_max_num_queries):
    alice, _bob = members
    recommender = alice.recommender
    for n in range(20):
        LibraryItem.objects.create(user=alice, paper=make_paper(), note=f"note {n}")
        Follow.objects.create(user=alice, tag=make_tag())
        Follow.objects.create(user=alice, author=make_author())
        ForYouPick.objects.create(user=alice, paper=make_paper(), rank=n + 2, score=0.5)
        DigestDelivery.objects.create(user=alice, period=f"2025-W{n + 10}")
        make_recommendation(recommender=recommender, status=Recommendation.Status.REJECTED)

    with django_assert_max_num_queries(14):
        data = privacy_export(user=alice)

    assert len(data["library"]) == 22 and len(data["follows"]) == 43 and len(data["recommendations"]) == 22
    assert len(data["for_you"]["picks"]) == 21 and len(data["digests"]) == 21


def test_the_page_offers_the_download_and_the_deletion(members):
    alice, _bob = members

    response = signed_in(alice).get("/account/privacy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/account/privacy/data.json"' in html and 'href="/account/delete/"' in html


def test_the_menu_and_the_profile_link_to_the_page(members):
    alice, _bob = members
    client = signed_in(alice)

    assert 'href="/account/privacy/"' in client.get("/following/").content.decode()
    assert 'href="/account/privacy/"' in client.get("/accounts/profile/").content.decode()
