"""The "Editors" group made by migrations 0003 and 0005: what an editor may do in the back office, and no more."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection

from recommendations.models import Recommendation
from tests.factories import make_recommendation

pytestmark = pytest.mark.django_db

migration = importlib.import_module("recommendations.migrations.0003_editors_group")
publishing_migration = importlib.import_module("recommendations.migrations.0005_editors_publishing")

EXPECTED_BEFORE_PUBLISHING = {
    "recommendations.view_recommendation",
    "recommendations.change_recommendation",
    *(
        f"recommendations.{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("issue", "issueentry", "figure")
    ),
    "recommendations.view_recommender",
    "recommendations.change_recommender",
    *(f"papers.{action}_{model}" for action in ("view", "change") for model in ("paper", "repository", "author")),
    *(
        f"papers.{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("paperrepository", "paperlink", "paperauthor")
    ),
    "papers.view_tag",
    "papers.add_tag",
    "papers.change_tag",
    "papers.view_area",
}
EXPECTED = EXPECTED_BEFORE_PUBLISHING | {
    "recommendations.view_reward",
    "recommendations.change_reward",
    "recommendations.view_subscriber",
    "recommendations.change_subscriber",
    "recommendations.delete_subscriber",
    "recommendations.view_newsletterdelivery",
}


def group_permissions():
    group = Group.objects.get(name="Editors")
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_it_gives_the_editors_group_exactly_what_editors_need():
    assert group_permissions() == EXPECTED


def test_it_gives_no_power_over_accounts_and_no_deleting_of_recommendations_papers_or_recommenders():
    permissions = group_permissions()

    assert not {permission for permission in permissions if permission.startswith(("auth.", "contenttypes."))}
    assert not permissions & {
        "recommendations.delete_recommendation",
        "papers.delete_paper",
        "recommendations.delete_recommender",
        "recommendations.add_reward",
        "recommendations.delete_reward",
        "recommendations.add_subscriber",
        "recommendations.change_newsletterdelivery",
    }


def test_it_sets_the_group_again_when_run_twice():
    group = Group.objects.get(name="Editors")
    group.permissions.clear()

    with connection.schema_editor() as schema_editor:
        migration.create_editors_group(apps, schema_editor)
        assert group_permissions() == EXPECTED_BEFORE_PUBLISHING
        publishing_migration.grant(apps, schema_editor)

    assert Group.objects.filter(name="Editors").count() == 1
    assert group_permissions() == EXPECTED


def test_it_removes_the_group_when_unapplied():
    with connection.schema_editor() as schema_editor:
        migration.remove_editors_group(apps, schema_editor)

    assert not Group.objects.filter(name="Editors").exists()


def test_it_lets_an_editor_review_the_queue_and_accept(editor_client):
    recommendation = make_recommendation(status=Recommendation.Status.SUBMITTED)

    assert editor_client.get("/admin/recommendations/recommendation/").status_code == 200
    response = editor_client.post(
        "/admin/recommendations/recommendation/",
        {"action": "accept_selected", "_selected_action": [recommendation.pk]},
    )

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.ACCEPTED


def test_it_lets_an_editor_approve_a_proposed_topic(editor_client):
    assert editor_client.get("/admin/papers/tag/?approved__exact=0").status_code == 200


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/auth/user/add/"])
def test_it_keeps_editors_out_of_accounts(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_it_offers_no_delete_action_on_recommendations_to_editors(editor_client):
    response = editor_client.get("/admin/recommendations/recommendation/")

    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert actions == ["", "accept_selected", "reject_selected", "add_to_new_issue"]
