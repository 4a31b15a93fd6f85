"""The editors' issue desk in the API: /api/editor/issues/..."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from papers.models import Paper
from recommendations.models import Issue, IssueEntry, Recommendation
from tests.factories import add_to_issue, make_issue, make_issue_with_entries, make_paper, make_recommendation

pytestmark = pytest.mark.django_db
URL = "/api/editor/issues/"
Status = Recommendation.Status


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(username="editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def desk(editor):
    """An API client holding the editor's token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def accepted(**fields):
    return make_recommendation(status=Status.ACCEPTED, **fields)


def test_it_creates_the_next_issue(desk, editor):
    make_issue(128)
    response = desk.post(URL, {"title": " Week 129 ", "intro": "Hello **all**"}, format="json")
    assert response.status_code == 201, response.content
    issue = Issue.objects.get(number=129)
    assert (issue.status, issue.title, issue.intro_html.strip()) == (
        "draft",
        "Week 129",
        "<p>Hello <strong>all</strong></p>",
    )
    assert response["Location"] == "http://testserver/api/editor/issues/129/"
    data = response.json()
    assert (data["number"], data["status"], data["entries"], data["assembly"]) == (129, "draft", [], None)
    assert LogEntry.objects.get().user == editor


def test_it_creates_issue_one_with_an_empty_body(desk):
    response = desk.post(URL, {}, format="json")
    assert response.status_code == 201
    assert response.json()["number"] == 1


def test_it_refuses_a_title_too_long_for_the_column(desk):
    response = desk.post(URL, {"title": "x" * 201}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["title"]
    assert not Issue.objects.exists()


def test_it_lists_drafts_and_published_issues(desk, django_assert_max_num_queries):
    make_issue_with_entries(3, number=1)
    make_issue(2, published=False)
    with django_assert_max_num_queries(5):
        response = desk.get(URL)
    rows = response.json()["results"]
    assert [(row["number"], row["status"], row["entry_count"]) for row in rows] == [
        (2, "draft", 0),
        (1, "published", 3),
    ]
    assert [row["number"] for row in desk.get(URL, {"status": "draft"}).json()["results"]] == [2]
    bad = desk.get(URL, {"status": "secret"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["status"]


def test_it_shows_a_draft_with_its_entries_problems_and_waiting_list(desk, django_assert_max_num_queries):
    issue = make_issue(5, published=False)
    ready = accepted(paper=make_paper("Ready paper"))
    pending = accepted(paper=make_paper("", metadata_status=Paper.MetadataStatus.PENDING, arxiv_id="1809.08370"))
    add_to_issue(issue, ready)
    entry = add_to_issue(issue, pending)
    waiting = accepted()
    with django_assert_max_num_queries(12):
        response = desk.get(f"{URL}5/")
    assert response.status_code == 200
    data = response.json()
    assert [(row["position"], row["recommendation"], row["paper"]["title"]) for row in data["entries"]] == [
        (1, ready.pk, "Ready paper"),
        (2, pending.pk, ""),
    ]
    problems = data["publish_problems"]
    assert {problem["entry"] for problem in problems} == {entry.pk}
    assert any(problem["overridable"] for problem in problems)
    assert any(not problem["overridable"] for problem in problems)  # no title: no override for that
    assert [row["id"] for row in data["waiting"]] == [waiting.pk]


@pytest.mark.parametrize("number", ["0", "-3", "x", "99999999999999999999", "2147483648"])
def test_it_answers_404_for_numbers_that_name_no_issue(desk, number):
    response = desk.get(f"{URL}{number}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_adds_accepted_recommendations_and_says_why_others_were_refused(desk):
    issue = make_issue(3, published=False)
    first, second = accepted(), accepted()
    submitted = make_recommendation(status=Status.SUBMITTED)
    elsewhere = accepted()
    add_to_issue(make_issue(2, published=False), elsewhere)
    ids = [second.pk, submitted.pk, first.pk, elsewhere.pk, 10**15, second.pk]
    response = desk.post(f"{URL}3/entries/", {"recommendation_ids": ids}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(row["recommendation"], row["position"]) for row in data["added"]] == [(second.pk, 1), (first.pk, 2)]
    refused = {row["id"]: row["reason"] for row in data["refused"]}
    assert set(refused) == {submitted.pk, elsewhere.pk, 10**15}
    assert "accepted" in refused[submitted.pk]
    assert "issue 2" in refused[elsewhere.pk]
    assert "no recommendation" in refused[10**15]
    assert list(issue.entries.order_by("position").values_list("recommendation_id", flat=True)) == [
        second.pk,
        first.pk,
    ]


@pytest.mark.parametrize(
    "payload", [{}, {"recommendation_ids": []}, {"recommendation_ids": ["a"]}, {"recommendation_ids": [2**63]}]
)
def test_it_refuses_malformed_id_lists(desk, payload):
    make_issue(3, published=False)
    response = desk.post(f"{URL}3/entries/", payload, format="json")
    assert response.status_code == 400
    assert not IssueEntry.objects.exists()


def test_it_refuses_to_add_to_a_published_issue(desk):
    make_issue(4)
    rec = accepted()
    response = desk.post(f"{URL}4/entries/", {"recommendation_ids": [rec.pk]}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "published"
    assert not IssueEntry.objects.exists()


def test_it_refuses_to_publish_an_unready_draft_and_lists_the_problems(desk):
    issue = make_issue(6, published=False)
    add_to_issue(issue, accepted(paper=make_paper("", metadata_status=Paper.MetadataStatus.NEEDS_EDITOR)))
    response = desk.post(f"{URL}6/publish/", {}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "publish_refused"
    assert any("no title" in problem["message"] for problem in error["problems"])
    issue.refresh_from_db()
    assert issue.status == "draft"


def test_it_refuses_to_publish_an_empty_draft(desk):
    make_issue(6, published=False)
    response = desk.post(f"{URL}6/publish/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["problems"][0]["entry"] is None


def test_it_publishes_with_overrides_and_readers_then_see_the_issue(desk, editor):
    issue = make_issue(8, published=False)
    add_to_issue(issue, accepted(paper=make_paper("Ready")))
    entry = add_to_issue(issue, accepted(paper=make_paper("Half", metadata_status=Paper.MetadataStatus.FAILED)))
    assert APIClient().get("/api/issues/8/").status_code == 404

    response = desk.post(f"{URL}8/publish/", {"incomplete_ok": [entry.pk]}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    issue.refresh_from_db()
    assert issue.status == "published" and issue.published_by == editor
    assert set(Recommendation.objects.values_list("status", flat=True)) == {"published"}
    assert APIClient().get("/api/issues/8/").status_code == 200
    # Publishing again changes nothing and says so with the same answer.
    again = desk.post(f"{URL}8/publish/", {}, format="json")
    assert again.status_code == 200 and again.json()["published_at"] == response.json()["published_at"]


def test_it_refuses_overrides_for_entries_of_another_issue(desk):
    make_issue(9, published=False)
    stranger = add_to_issue(make_issue(10, published=False), accepted())
    response = desk.post(f"{URL}9/publish/", {"incomplete_ok": [stranger.pk]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["incomplete_ok"]
    stranger.refresh_from_db()
    assert not stranger.publish_incomplete


def test_it_assembles_a_draft_and_refuses_an_empty_one(desk, django_capture_on_commit_callbacks):
    issue = make_issue(11, published=False)
    empty = desk.post(f"{URL}11/assemble/", format="json")
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "empty"
    add_to_issue(issue, accepted())
    with django_capture_on_commit_callbacks() as callbacks:
        response = desk.post(f"{URL}11/assemble/", format="json")
    assert response.status_code == 202
    assert response.json()["assembly"]["total"] >= 1
    issue.refresh_from_db()
    assert issue.assembly_started_at is not None
    assert len(callbacks) == 1


def test_it_refuses_a_multipart_body_that_holds_no_part(desk):
    boundary = "7c5156fb04a2177cf9e322ad31ebde44"
    response = desk.generic(
        "POST",
        URL,
        f"--{boundary}\r\nNone--{boundary}--\r\n",
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"
    assert not Issue.objects.exists()


def test_it_creates_an_issue_from_a_multipart_form(desk):
    response = desk.post(URL, {"title": "Week 1"}, format="multipart")
    assert response.status_code == 201, response.content
    assert Issue.objects.get().title == "Week 1"
