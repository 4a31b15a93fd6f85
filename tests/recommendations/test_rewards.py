"""Recommender rewards: earned by publishing, claimed once per person (ever), marked sent by editors.

The services (recommendations/rewards/services.py) and the claim view at /rewards/<id>/claim/.
"""

import threading

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from recommendations.issues.publishing import issue_publish, issue_unpublish
from recommendations.models import Recommendation, Reward
from recommendations.rewards import services as rewards
from recommendations.rewards.services import reward_claim, reward_mark_sent, rewards_grant
from tests.factories import make_entry, make_issue, make_recommender
from tests.htmlcheck import assert_safe_html, soup

from .helpers import login_recommender

pytestmark = pytest.mark.django_db

NOTE = "Ada Lovelace\n12 St James's Square\nLondon SW1Y 4JH\n+44 20 7946 0000"
MINE = "/recommend/mine/#rewards"


def publish_issue(*recommenders, number=None):
    """A draft with one entry per recommender given, published through the service; returns the issue."""
    issue = make_issue(number, published=False)
    for recommender in recommenders:
        make_entry(issue, recommender=recommender)
    return issue_publish(issue_id=issue.pk)


def reward_of(recommender, issue=None):
    rewards_of = Reward.objects.filter(recommender=recommender)
    return (rewards_of.filter(issue=issue) if issue else rewards_of).get()


def claim_url(reward):
    return f"/rewards/{reward.pk}/claim/"


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Earning


def test_it_grants_one_reward_per_published_recommendation():
    ada, bo = make_recommender("ada"), make_recommender("bo")

    issue = publish_issue(ada, ada, bo)

    assert Reward.objects.count() == 3
    assert Reward.objects.filter(recommender=ada).count() == 2
    assert set(Reward.objects.values_list("issue", flat=True)) == {issue.pk}
    assert set(Reward.objects.values_list("recommendation", flat=True)) == set(
        Recommendation.objects.filter(issue_entry__issue=issue).values_list("pk", flat=True)
    )
    assert not Reward.objects.claimed().exists()


def test_it_grants_nothing_more_when_an_issue_is_published_twice():
    issue = publish_issue(make_recommender("ada"), make_recommender("bo"))

    issue_publish(issue_id=issue.pk)

    assert Reward.objects.count() == 2
    assert rewards_grant(issue=issue) == 0
    assert Reward.objects.count() == 2


def test_it_grants_nothing_for_a_draft():
    issue = make_issue(published=False)
    make_entry(issue, recommender=make_recommender("ada"))

    assert not Reward.objects.exists()


def test_it_keeps_a_claimed_reward_when_an_issue_is_unpublished_and_published_again(django_user_model):
    ada, bo = make_recommender("ada"), make_recommender("bo")
    issue = publish_issue(ada, bo)
    claimed = reward_claim(reward_id=reward_of(ada).pk, recommender=ada, shipping_note=NOTE)
    superuser = django_user_model.objects.create_superuser(username="root", email="root@example.org")

    issue_unpublish(issue_id=issue.pk, user=superuser)
    assert list(Reward.objects.all()) == [claimed]

    issue_publish(issue_id=issue.pk)
    assert Reward.objects.count() == 2
    assert reward_of(ada).claimed_at == claimed.claimed_at


# --- Claiming (the service)


def test_it_claims_a_reward_with_its_shipping_note():
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))

    claimed = reward_claim(reward_id=reward.pk, recommender=ada, shipping_note="  " + NOTE.replace("\n", "\r\n") + "\n")

    reward.refresh_from_db()
    assert claimed == reward
    assert reward.claimed_at is not None
    assert reward.shipping_note == NOTE
    assert reward.sent_at is None


def test_it_refuses_a_second_claim_of_another_reward():
    ada = make_recommender("ada")
    first, second = reward_of(ada, publish_issue(ada)), reward_of(ada, publish_issue(ada))
    reward_claim(reward_id=first.pk, recommender=ada, shipping_note=NOTE)

    with pytest.raises(ValidationError) as refused:
        reward_claim(reward_id=second.pk, recommender=ada, shipping_note="Somewhere else")

    assert refused.value.code == "already_claimed"
    assert "already claimed your reward" in refused.value.messages[0]
    second.refresh_from_db()
    assert second.claimed_at is None
    assert second.shipping_note == ""


def test_it_refuses_claiming_the_same_reward_twice():
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))
    reward_claim(reward_id=reward.pk, recommender=ada, shipping_note=NOTE)

    with pytest.raises(ValidationError) as refused:
        reward_claim(reward_id=reward.pk, recommender=ada, shipping_note="Changed my mind")

    assert refused.value.code == "already_claimed"
    reward.refresh_from_db()
    assert reward.shipping_note == NOTE


def test_it_refuses_someone_elses_reward():
    ada, bo = make_recommender("ada"), make_recommender("bo")
    publish_issue(ada, bo)

    with pytest.raises(ValidationError) as refused:
        reward_claim(reward_id=reward_of(ada).pk, recommender=bo, shipping_note=NOTE)

    assert refused.value.code == "not_yours"
    assert not Reward.objects.claimed().exists()


def test_it_lets_other_people_claim_their_own():
    ada, bo = make_recommender("ada"), make_recommender("bo")
    publish_issue(ada, bo)

    reward_claim(reward_id=reward_of(ada).pk, recommender=ada, shipping_note=NOTE)
    reward_claim(reward_id=reward_of(bo).pk, recommender=bo, shipping_note=NOTE)

    assert Reward.objects.claimed().count() == 2


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Tell us where to send it"),
        ("  \n\t ", "Tell us where to send it"),
        (None, "Tell us where to send it"),
        ("x" * 1001, "Keep the note to 1000 characters; it has 1001."),
        ("Ada\x00Lovelace", "control characters"),
        ("Ada\x07", "control characters"),
        ("Ada\x85Lovelace", "control characters"),
        ("\u202eniamoD", "control characters"),
    ],
)
def test_it_refuses_a_missing_long_or_odd_note(note, message):
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))

    with pytest.raises(ValidationError) as refused:
        reward_claim(reward_id=reward.pk, recommender=ada, shipping_note=note)

    assert message in refused.value.message_dict["shipping_note"][0]
    reward.refresh_from_db()
    assert reward.claimed_at is None


def test_it_takes_a_note_of_exactly_the_limit_counting_each_newline_once():
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))
    note = ("a" * 99 + "\r\n") * 9 + "a" * 100  # 1,009 characters as a browser sends them, 1,000 stored

    reward_claim(reward_id=reward.pk, recommender=ada, shipping_note=note)

    reward.refresh_from_db()
    assert len(reward.shipping_note) == 1000


def test_it_keeps_tabs_and_any_script_in_a_note():
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))

    reward_claim(reward_id=reward.pk, recommender=ada, shipping_note="张三\t北京市海淀区\n电话 138 0000 0000")

    reward.refresh_from_db()
    assert reward.shipping_note == "张三\t北京市海淀区\n电话 138 0000 0000"


# --- The database is the guarantee


def test_the_database_refuses_a_second_claim_by_one_person():
    ada = make_recommender("ada")
    first, second = reward_of(ada, publish_issue(ada)), reward_of(ada, publish_issue(ada))
    Reward.objects.filter(pk=first.pk).update(claimed_at=timezone.now(), shipping_note=NOTE)

    with pytest.raises(IntegrityError, match="reward_claimed_once_per_person"), transaction.atomic():
        Reward.objects.filter(pk=second.pk).update(claimed_at=timezone.now(), shipping_note=NOTE)


def test_the_database_refuses_sending_an_unclaimed_reward():
    ada = make_recommender("ada")
    reward = reward_of(ada, publish_issue(ada))

    with pytest.raises(IntegrityError, match="reward_sent_after_claim"), transaction.atomic():
        Reward.objects.filter(pk=reward.pk).update(sent_at=timezone.now())


def test_it_turns_the_constraint_into_the_same_refusal_when_the_check_is_bypassed(monkeypatch):
    ada = make_recommender("ada")
    first, second = reward_of(ada, publish_issue(ada)), reward_of(ada, publish_issue(ada))
    reward_claim(reward_id=first.pk, recommender=ada, shipping_note=NOTE)
    # As if the friendly check had raced past a claim it could not see yet.
    monkeypatch.setattr(rewards, "_has_claimed", lambda recommender: False)

    with pytest.raises(ValidationError) as refused:
        reward_claim(reward_id=second.pk, recommender=ada, shipping_note=NOTE)

    assert refused.value.code == "already_claimed"
    assert Reward.objects.claimed().get() == first


def claim_at_once(recommender, rewards_to_claim):
    """Claim each reward in its own thread and connection, all at the same moment."""
    barrier = threading.Barrier(len(rewards_to_claim))
    outcomes = []

    def claim(reward):
        try:
            barrier.wait()
            reward_claim(reward_id=reward.pk, recommender=recommender, shipping_note=f"Note for {reward.pk}")
            outcomes.append("claimed")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(reward,)) for reward in rewards_to_claim]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_simultaneous_claims_through():
    ada = make_recommender("ada")
    issues = [publish_issue(ada) for _ in range(3)]

    outcomes = claim_at_once(ada, [reward_of(ada, issue) for issue in issues])

    assert outcomes == ["already_claimed", "already_claimed", "claimed"]
    assert Reward.objects.claimed().count() == 1


# --- Marking sent (the service)


def test_it_marks_claimed_rewards_sent_once(django_user_model):
    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    ada, bo, cy = make_recommender("ada"), make_recommender("bo"), make_recommender("cy")
    publish_issue(ada, bo, cy)
    for person in (ada, bo):
        reward_claim(reward_id=reward_of(person).pk, recommender=person, shipping_note=NOTE)
    ids = list(Reward.objects.values_list("pk", flat=True))

    result = reward_mark_sent(reward_ids=ids, editor=editor)

    assert sorted(reward.recommender.handle for reward in result.marked) == ["ada", "bo"]
    assert [(reward.recommender.handle, reason) for reward, reason in result.refused] == [
        ("cy", "Not claimed yet: there is no address to send it to.")
    ]
    sent = reward_of(ada)
    assert sent.sent_at is not None
    assert sent.sent_by == editor
    assert reward_of(cy).sent_at is None

    again = reward_mark_sent(reward_ids=ids, editor=None)

    assert again.marked == []
    assert sorted(reward.recommender.handle for reward in again.already_sent) == ["ada", "bo"]
    assert reward_of(ada).sent_at == sent.sent_at
    assert reward_of(ada).sent_by == editor


def test_it_skips_ids_that_do_not_exist():
    assert reward_mark_sent(reward_ids=[987654], editor=None).marked == []


# --- The claim view


@pytest.fixture
def reward(client, django_user_model):
    """A reward earned by the signed-in recommender "ada" in issue 128."""
    ada = login_recommender(client, django_user_model, handle="ada")
    return reward_of(ada, publish_issue(ada, number=128))


def test_it_claims_from_the_form_and_goes_back_to_my_rewards(client, reward):
    response = client.post(claim_url(reward), {"shipping_note": NOTE})

    assert response.status_code == 302
    assert response["Location"] == MINE
    assert "Your reward is claimed" in texts(response)[0]
    reward.refresh_from_db()
    assert reward.claimed_at is not None
    assert reward.shipping_note == NOTE


def test_it_shows_the_claim_form_on_its_own_page(client, reward):
    response = client.get(claim_url(reward))

    assert response.status_code == 200
    document = soup(response)
    form = document.select_one(f'form[action="{claim_url(reward)}"]')
    assert form.select_one('input[name="csrfmiddlewaretoken"]')
    textarea = form.select_one('textarea[name="shipping_note"]')
    assert textarea["maxlength"] == "1000"
    assert "only editors see this" in form.get_text()
    assert "issue 128" in document.select_one(".page-head").get_text()
    assert_safe_html(response, page=True)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Tell us where to send it"),
        ("x" * 1001, "Keep the note to 1000 characters"),
        ("Ada\x07Lovelace, London", "control characters"),
        ("Ada\x00Lovelace, London", "Null characters are not allowed"),
    ],
)
def test_it_shows_what_is_wrong_and_keeps_what_was_typed(client, reward, note, message):
    response = client.post(claim_url(reward), {"shipping_note": note})

    assert response.status_code == 200
    field = soup(response).select_one("#field-shipping_note")
    assert message in field.select_one(".errorlist").get_text()
    # Typed text comes back, a control character marked where it was (never sent raw).
    assert field.select_one("textarea").get_text().strip() == note.replace("\x00", "\ufffd").replace("\x07", "\ufffd")
    assert_safe_html(response, page=True)
    reward.refresh_from_db()
    assert reward.claimed_at is None


def test_it_refuses_a_second_claim_with_a_message_and_keeps_the_text(client, reward):
    other = reward_of(reward.recommender, publish_issue(reward.recommender, number=129))
    client.post(claim_url(reward), {"shipping_note": NOTE})

    response = client.post(claim_url(other), {"shipping_note": "Another address"})

    assert response.status_code == 200
    document = soup(response)
    assert "already claimed your reward" in document.select_one(".form__summary").get_text()
    assert document.select_one("textarea").get_text().strip() == "Another address"
    other.refresh_from_db()
    assert other.claimed_at is None


def test_it_sends_a_person_who_has_claimed_back_to_their_rewards(client, reward):
    other = reward_of(reward.recommender, publish_issue(reward.recommender, number=129))
    client.post(claim_url(reward), {"shipping_note": NOTE})

    response = client.get(claim_url(other))

    assert response.status_code == 302
    assert response["Location"] == MINE
    assert "once per person" in texts(response)[-1]


def test_it_answers_404_for_someone_elses_reward(client, django_user_model, reward):
    client.force_login(django_user_model.objects.create_user(username="bo"))
    make_recommender("bo", user=django_user_model.objects.get(username="bo"))

    assert client.get(claim_url(reward)).status_code == 404
    assert client.post(claim_url(reward), {"shipping_note": NOTE}).status_code == 404
    reward.refresh_from_db()
    assert reward.claimed_at is None


@pytest.mark.parametrize("path", ["/rewards/987654/claim/", "/rewards/99999999999999999999999/claim/"])
def test_it_answers_404_for_a_reward_that_does_not_exist(client, reward, path):
    assert client.post(path, {"shipping_note": NOTE}).status_code == 404


@pytest.mark.parametrize("path", ["/rewards/-1/claim/", "/rewards/abc/claim/", "/rewards/1%00/claim/"])
def test_it_answers_404_for_a_strange_id(client, reward, path):
    assert client.get(path).status_code == 404


def test_it_sends_an_anonymous_visitor_to_log_in(client, reward):
    client.logout()

    for response in (client.get(claim_url(reward)), client.post(claim_url(reward), {"shipping_note": NOTE})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    reward.refresh_from_db()
    assert reward.claimed_at is None


def test_it_needs_the_csrf_token(django_user_model, reward):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reward.recommender.user)

    assert client.post(claim_url(reward), {"shipping_note": NOTE}).status_code == 403
    reward.refresh_from_db()
    assert reward.claimed_at is None


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_answers_405_to_other_methods(client, reward, method):
    assert getattr(client, method)(claim_url(reward)).status_code == 405


def test_it_never_shows_a_shipping_note_publicly(client, reward):
    client.post(claim_url(reward), {"shipping_note": NOTE})
    client.logout()

    for path in ("/recommenders/ada/", "/recommenders/", "/issues/128/", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"St James" not in response.content, path
