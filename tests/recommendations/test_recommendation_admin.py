"""The review queue in the admin: an editor decides on a page of recommendations from the list."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from papers.models import Author, Paper, PaperAuthor, Repository, Tag
from recommendations.models import Recommendation, Recommender
from tests.factories import make_area, make_paper, make_recommendation, make_recommender, make_repository, make_tag

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
CHANGELIST = "/admin/recommendations/recommendation/"
WRITEUP = (
    "CornerNet detects an object as a pair of keypoints, the top-left and bottom-right corners, "
    "with one network and no anchor boxes at all. Worth reading for the corner pooling layer."
)

_batch = itertools.count(1)


def make_queue(count, *, tag=None, status=Status.SUBMITTED):
    """``count`` recommendations as the queue holds them: each paper has four authors, each
    recommendation a repository with stars and a code link; built in bulk."""
    n = next(_batch)
    tag = tag or make_tag()
    papers = Paper.objects.bulk_create(
        Paper(title=f"Queued paper {n}-{i}", metadata_status=Paper.MetadataStatus.OK) for i in range(count)
    )
    authors = Author.objects.bulk_create(Author(name=f"Author {n}-{i}") for i in range(count * 4))
    PaperAuthor.objects.bulk_create(
        PaperAuthor(paper=paper, author=authors[i * 4 + k], position=k + 1)
        for i, paper in enumerate(papers)
        for k in range(4)
    )
    repositories = Repository.objects.bulk_create(
        Repository(url=f"https://github.com/q{n}/repo{i}", owner=f"q{n}", name=f"repo{i}", stars=1000 + i)
        for i in range(count)
    )
    recommenders = Recommender.objects.bulk_create(Recommender(handle=f"q{n}x{i}") for i in range(count))
    recommendations = Recommendation.objects.bulk_create(
        Recommendation(
            paper=paper,
            recommender=recommender,
            tag=tag,
            writeup=WRITEUP,
            writeup_html=f"<p>{WRITEUP}</p>",
            status=status,
            code_links=[repository.url],
        )
        for paper, recommender, repository in zip(papers, recommenders, repositories, strict=True)
    )
    Recommendation.repositories.through.objects.bulk_create(
        Recommendation.repositories.through(recommendation=recommendation, repository=repository)
        for recommendation, repository in zip(recommendations, repositories, strict=True)
    )
    return recommendations


def age(recommendation, **delta):
    Recommendation.objects.filter(pk=recommendation.pk).update(created_at=timezone.now() - timedelta(**delta))


def listed(response):
    return [recommendation.pk for recommendation in response.context["cl"].result_list]


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The list


def test_it_lists_fifty_recommendations_in_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    make_queue(50)

    # 10 for the list, plus one for the open drafts that the "Add to draft issue N" actions name.
    with django_assert_max_num_queries(11):
        response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(listed(response)) == 50


def test_it_shows_what_an_editor_needs_to_decide_from_the_list(admin_client):
    [recommendation] = make_queue(1)
    second = make_repository("https://github.com/other/small", stars=3)
    recommendation.repositories.add(second)
    age(recommendation, days=3, hours=2)

    response = admin_client.get(CHANGELIST)

    content = response.content.decode()
    row = next(line for line in content.split("<tr") if f'value="{recommendation.pk}"' in line)
    assert recommendation.paper.title in row
    authors = [author.name for author in recommendation.paper.ordered_authors]
    assert ", ".join(authors[:3]) + " et al." in row
    assert f"★ 1,000 {recommendation.repositories.get(stars=1000).full_name} (+1)" in row
    assert WRITEUP[:100] in row
    assert WRITEUP not in row  # an excerpt, not the whole write-up
    assert "3\xa0days" in row
    assert recommendation.tag.area.code in row
    assert recommendation.recommender.handle in row


def test_it_shows_the_submitted_link_and_fetch_status_of_a_paper_without_a_title(admin_client):
    make_recommendation(
        paper=make_paper(title="", metadata_status=Paper.MetadataStatus.PENDING),
        submitted_link="https://example.org/mystery.pdf",
        status=Status.SUBMITTED,
    )

    response = admin_client.get(CHANGELIST)

    assert '<strong class="queue-title">https://example.org/mystery.pdf (pending)</strong>' in response.content.decode()


def test_it_marks_a_proposed_topic(admin_client):
    tag = make_tag("Graph Transformers")
    Tag.objects.filter(pk=tag.pk).update(approved=False)
    make_recommendation(tag=tag, status=Status.SUBMITTED)

    response = admin_client.get(CHANGELIST)

    assert "Graph Transformers <strong>(proposed)</strong>" in response.content.decode()


def test_it_lists_what_waits_for_review_first_and_oldest_first(admin_client):
    accepted_old = make_recommendation(status=Status.ACCEPTED)
    submitted_new = make_recommendation(status=Status.SUBMITTED)
    submitted_old = make_recommendation(status=Status.SUBMITTED)
    rejected = make_recommendation(status=Status.REJECTED)
    age(accepted_old, days=40)
    age(submitted_new, hours=1)
    age(submitted_old, days=9)
    age(rejected, days=2)

    response = admin_client.get(CHANGELIST)

    assert listed(response) == [submitted_old.pk, submitted_new.pk, accepted_old.pk, rejected.pk]


def test_it_links_to_the_review_queue_with_its_length(admin_client):
    make_queue(2)
    make_recommendation(status=Status.ACCEPTED)

    response = admin_client.get(CHANGELIST)

    assert 'href="?status__exact=submitted"' in response.content.decode()
    assert "Review queue: 2 waiting" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("age=day", ["hour"]),
        ("age=week", ["days"]),
        ("age=old", ["weeks", "months"]),
        ("age=month", ["months"]),
        ("status__exact=accepted", ["weeks"]),
        ("code=yes", ["hour"]),
        ("code=no", ["days", "weeks", "months"]),
    ],
)
def test_it_filters_the_queue(admin_client, query, expected):
    rows = {
        "hour": make_queue(1)[0],
        "days": make_recommendation(status=Status.SUBMITTED),
        "weeks": make_recommendation(status=Status.ACCEPTED),
        "months": make_recommendation(status=Status.REJECTED),
    }
    age(rows["hour"], hours=1)
    age(rows["days"], days=3)
    age(rows["weeks"], days=10)
    age(rows["months"], days=45)

    response = admin_client.get(f"{CHANGELIST}?{query}")

    assert sorted(listed(response)) == sorted(rows[name].pk for name in expected)


def test_it_filters_by_area(admin_client):
    cv = make_tag("Detection", area=make_area("CV", name="Computer Vision"))
    in_cv = make_recommendation(tag=cv, status=Status.SUBMITTED)
    make_recommendation(status=Status.SUBMITTED)

    response = admin_client.get(f"{CHANGELIST}?tag__area__id__exact={cv.area_id}")

    assert listed(response) == [in_cv.pk]


# --- Deciding from the list


def test_it_accepts_fifty_selected_recommendations_at_once(admin_client):
    queue = make_queue(50)

    response = admin_client.post(
        CHANGELIST, {"action": "accept_selected", "_selected_action": [r.pk for r in queue]}, follow=True
    )

    assert Recommendation.objects.filter(status=Status.ACCEPTED).count() == 50
    assert "Accepted 50 recommendations; their recommenders will be told by e-mail." in texts(response)
    assert Paper.objects.filter(repository_links__isnull=False).distinct().count() == 50


def test_it_reports_each_recommendation_it_could_not_accept_and_why(admin_client):
    queue = make_queue(3)
    proposal = make_tag("Vibes")
    Tag.objects.filter(pk=proposal.pk).update(approved=False)
    refused = make_recommendation(tag=proposal, status=Status.SUBMITTED, paper=make_paper("A vibes paper"))

    response = admin_client.post(
        CHANGELIST, {"action": "accept_selected", "_selected_action": [r.pk for r in [*queue, refused]]}, follow=True
    )

    messages = texts(response)
    assert "Accepted 3 recommendations; their recommenders will be told by e-mail." in messages
    assert any(
        "A vibes paper" in message
        and "The topic 'Vibes' is a proposal; approve it or choose another topic first." in message
        for message in messages
    )
    refused.refresh_from_db()
    assert refused.status == Status.SUBMITTED


def test_it_emails_each_recommender_once_the_bulk_acceptance_commits(
    admin_client, django_user_model, eager, mailoutbox, django_capture_on_commit_callbacks
):
    recommendations = [
        make_recommendation(
            status=Status.SUBMITTED,
            recommender=make_recommender(
                user=django_user_model.objects.create_user(username=f"r{i}", email=f"r{i}@example.org")
            ),
        )
        for i in range(3)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            CHANGELIST, {"action": "accept_selected", "_selected_action": [r.pk for r in recommendations]}
        )

    assert sorted(mail.to[0] for mail in mailoutbox) == ["r0@example.org", "r1@example.org", "r2@example.org"]


def test_it_asks_for_a_note_before_rejecting(admin_client):
    queue = make_queue(2)

    response = admin_client.post(CHANGELIST, {"action": "reject_selected", "_selected_action": [r.pk for r in queue]})

    assert response.status_code == 200
    assert response.templates[0].name == "admin/recommendations/recommendation/reject_selected.html"
    content = response.content.decode()
    assert "You are rejecting these 2 recommendations:" in content
    assert '<textarea name="note"' in content
    for recommendation in queue:
        assert f'name="_selected_action" value="{recommendation.pk}"' in content
    assert Recommendation.objects.filter(status=Status.SUBMITTED).count() == 2


def test_it_shows_the_page_again_when_the_note_is_empty(admin_client):
    queue = make_queue(2)

    response = admin_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": [r.pk for r in queue], "apply": "1", "note": "   "},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["note"] == ["This field is required."]
    assert Recommendation.objects.filter(status=Status.SUBMITTED).count() == 2


def test_it_rejects_every_selected_recommendation_with_the_note(admin_client):
    queue = make_queue(3)
    kept = make_queue(1)[0]

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            "_selected_action": [r.pk for r in queue],
            "apply": "1",
            "note": "Announced already in issue 127.",
        },
        follow=True,
    )

    assert "Rejected 3 recommendations; their recommenders will be told by e-mail." in texts(response)
    assert set(
        Recommendation.objects.filter(
            status=Status.REJECTED, review_note="Announced already in issue 127."
        ).values_list("pk", flat=True)
    ) == {r.pk for r in queue}
    kept.refresh_from_db()
    assert kept.status == Status.SUBMITTED


# --- The change page


def change_form_data(recommendation, **changes):
    data = {
        "paper": recommendation.paper_id,
        "recommender": recommendation.recommender_id,
        "tag": recommendation.tag_id,
        "submitted_link": recommendation.submitted_link,
        "writeup": recommendation.writeup,
        "review_note": recommendation.review_note,
        "figures-TOTAL_FORMS": 0,
        "figures-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_it_keeps_the_status_out_of_the_change_form(admin_client):
    recommendation = make_recommendation(status=Status.SUBMITTED)

    response = admin_client.post(
        f"{CHANGELIST}{recommendation.pk}/change/",
        change_form_data(recommendation, status="accepted", writeup="Edited: a **fine** paper."),
    )

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == Status.SUBMITTED
    assert recommendation.writeup_html.strip() == "<p>Edited: a <strong>fine</strong> paper.</p>"


def test_it_offers_accept_and_reject_on_the_change_page_of_a_waiting_recommendation(admin_client):
    recommendation = make_recommendation(status=Status.SUBMITTED)

    response = admin_client.get(f"{CHANGELIST}{recommendation.pk}/change/")

    content = response.content.decode()
    assert 'value="accept_selected"' in content
    assert 'value="reject_selected"' in content


def test_its_change_page_shows_styled_decisions_readable_code_links_and_a_heading_that_names_the_paper(
    admin_client,
):
    paper = Paper.objects.create(arxiv_id="1808.01244", metadata_status=Paper.MetadataStatus.FAILED)
    recommendation = make_recommendation(paper=paper, status=Status.SUBMITTED)
    Recommendation.objects.filter(pk=recommendation.pk).update(
        code_links=["https://github.com/princeton-vl/CornerNet", "javascript:alert(1)"]
    )

    content = admin_client.get(f"{CHANGELIST}{recommendation.pk}/change/").content.decode()

    assert 'class="object-tool-button object-tool-button--accept"' in content
    assert 'class="object-tool-button object-tool-button--reject"' in content
    assert "css/admin_moderation" in content
    assert (
        '<li><a href="https://github.com/princeton-vl/CornerNet" rel="nofollow noopener" target="_blank">'
        "https://github.com/princeton-vl/CornerNet</a></li>" in content
    )
    assert "javascript:" not in content and "[&quot;https" not in content
    assert f"{recommendation.recommender.handle} on arXiv:1808.01244" in content
    assert "Untitled paper" not in content


def test_a_recommendation_of_an_unidentified_paper_is_named_by_its_submitted_link():
    recommendation = make_recommendation(paper=make_paper(""), submitted_link="https://example.org/paper.pdf")

    assert str(recommendation) == f"{recommendation.recommender.handle} on https://example.org/paper.pdf"


def test_it_accepts_from_the_change_page(admin_client):
    recommendation = make_recommendation(status=Status.SUBMITTED)

    response = admin_client.post(CHANGELIST, {"action": "accept_selected", "_selected_action": [recommendation.pk]})

    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED


# --- Topics


def test_it_approves_proposed_topics_from_the_tag_list(admin_client):
    proposals = [make_tag(f"Proposal {i}") for i in range(2)]
    Tag.objects.filter(pk__in=[tag.pk for tag in proposals]).update(approved=False)

    response = admin_client.post(
        "/admin/papers/tag/", {"action": "approve_selected", "_selected_action": [t.pk for t in proposals]}, follow=True
    )

    assert Tag.objects.proposed().count() == 0
    assert "2 topics approved; readers and the recommend form now see them." in texts(response)


def test_it_lists_proposed_topics_apart(admin_client):
    proposal = make_tag("Proposal")
    Tag.objects.filter(pk=proposal.pk).update(approved=False)
    make_tag("Approved one")

    response = admin_client.get("/admin/papers/tag/?approved__exact=0")

    assert [tag.pk for tag in response.context["cl"].result_list] == [proposal.pk]


def test_the_issue_entry_picker_offers_accepted_recommendations_only(admin_client):
    accepted = make_recommendation(status=Status.ACCEPTED, paper=make_paper("Accepted paper"))
    make_recommendation(status=Status.SUBMITTED, paper=make_paper("Waiting paper"))
    make_recommendation(status=Status.REJECTED, paper=make_paper("Rejected paper"))
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "recommendations", "model_name": "issueentry", "field_name": "recommendation", "term": "paper"},
    )
    assert [row["id"] for row in response.json()["results"]] == [str(accepted.pk)]
