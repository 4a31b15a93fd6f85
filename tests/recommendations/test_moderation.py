"""Moderation services: which decisions are allowed, what accepting gives the paper."""

import pytest
from django.core.exceptions import ValidationError

from papers.models import PaperLink, PaperRepository, Repository, Tag
from recommendations.models import Recommendation
from recommendations.moderation import services as moderation
from tests.factories import add_to_issue, make_issue, make_paper, make_recommendation, make_repository, make_tag

pytestmark = pytest.mark.django_db

Status = Recommendation.Status


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user(username="editor", is_staff=True)


def submitted(**fields):
    links = {key: fields.pop(key) for key in ("code_links", "dataset_link") if key in fields}
    recommendation = make_recommendation(status=Status.SUBMITTED, **fields)
    if links:
        Recommendation.objects.filter(pk=recommendation.pk).update(**links)
        recommendation.refresh_from_db()
    return recommendation


def proposed_tag(name="Graph Transformers"):
    tag = make_tag(name)
    Tag.objects.filter(pk=tag.pk).update(approved=False)
    tag.refresh_from_db()
    return tag


def accept(recommendation, editor):
    return moderation.recommendation_accept(recommendation_id=recommendation.pk, editor=editor)


def reject(recommendation, editor, note="Not about AI."):
    return moderation.recommendation_reject(recommendation_id=recommendation.pk, editor=editor, note=note)


def error_message(excinfo):
    return " ".join(excinfo.value.messages)


# --- Accepting


def test_it_accepts_a_submitted_recommendation_and_records_who_and_when(editor):
    recommendation = submitted()

    accept(recommendation, editor)

    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED
    assert recommendation.reviewed_by == editor
    assert recommendation.reviewed_at is not None


def test_it_accepts_a_recommendation_that_was_rejected_and_keeps_the_note(editor):
    recommendation = submitted()
    reject(recommendation, editor, note="Off topic, I thought.")

    accept(recommendation, editor)

    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED
    assert recommendation.review_note == "Off topic, I thought."


def test_it_leaves_an_accepted_recommendation_as_it_is_when_accepted_again(editor, django_user_model):
    recommendation = submitted()
    accept(recommendation, editor)
    first = Recommendation.objects.get(pk=recommendation.pk)
    other_editor = django_user_model.objects.create_user(username="other", is_staff=True)

    accept(recommendation, other_editor)

    recommendation.refresh_from_db()
    assert recommendation.reviewed_by == editor
    assert recommendation.reviewed_at == first.reviewed_at


def test_it_refuses_to_accept_a_published_recommendation(editor):
    recommendation = make_recommendation(status=Status.PUBLISHED)

    with pytest.raises(ValidationError) as excinfo:
        accept(recommendation, editor)

    assert error_message(excinfo) == "This recommendation is already published."
    recommendation.refresh_from_db()
    assert recommendation.status == Status.PUBLISHED


def test_it_refuses_to_accept_a_recommendation_filed_under_a_proposed_topic(editor):
    recommendation = submitted(tag=proposed_tag("Graph Transformers"))

    with pytest.raises(ValidationError) as excinfo:
        accept(recommendation, editor)

    assert error_message(excinfo) == (
        "The topic 'Graph Transformers' is a proposal; approve it or choose another topic first."
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.SUBMITTED
    assert recommendation.reviewed_at is None


def test_it_accepts_a_paper_that_has_no_title_yet(editor):
    recommendation = submitted(paper=make_paper(title=""), submitted_link="https://example.org/paper.pdf")

    accept(recommendation, editor)

    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED


def test_it_gives_the_paper_the_submitted_code_and_dataset_links(editor):
    paper = make_paper(code_urls=["https://github.com/existing/code"])
    known = make_repository("https://github.com/tensorflow/models", stars=77481)
    recommendation = submitted(
        paper=paper,
        code_links=[
            "https://github.com/TensorFlow/Models/tree/master/research/cvt_text",
            "https://github.com/vqdang/hover_net",
        ],
        dataset_link="https://data.example.org/cvt",
    )
    recommendation.repositories.add(known)

    accept(recommendation, editor)

    links = list(PaperRepository.objects.filter(paper=paper).order_by("position").select_related("repository"))
    assert [(link.repository.full_name, link.path, link.position) for link in links] == [
        ("existing/code", "", 0),
        ("tensorflow/models", "tree/master/research/cvt_text", 1),
        ("vqdang/hover_net", "", 2),
    ]
    # The known repository row is reused (case-blind); the unknown one is created once.
    assert Repository.objects.filter(owner__iexact="tensorflow").count() == 1
    assert set(recommendation.repositories.values_list("name", flat=True)) == {"models", "hover_net"}
    assert list(PaperLink.objects.filter(paper=paper).values_list("kind", "url")) == [
        ("dataset", "https://data.example.org/cvt")
    ]


def test_it_gives_the_paper_each_link_once_however_often_it_is_accepted(editor):
    paper = make_paper()
    recommendation = submitted(
        paper=paper, code_links=["https://github.com/vqdang/hover_net"], dataset_link="https://data.example.org/x"
    )
    accept(recommendation, editor)
    reject(recommendation, editor)

    accept(recommendation, editor)

    assert PaperRepository.objects.filter(paper=paper).count() == 1
    assert PaperLink.objects.filter(paper=paper).count() == 1


def test_it_gives_the_paper_one_link_when_two_recommenders_submit_the_same_code(editor):
    paper = make_paper()
    first = submitted(paper=paper, code_links=["https://github.com/vqdang/hover_net"])
    second = submitted(paper=paper, code_links=["github.com/VQDang/hover_net"])

    accept(first, editor)
    accept(second, editor)

    assert PaperRepository.objects.filter(paper=paper).count() == 1


def test_it_skips_a_code_link_it_cannot_read_and_accepts_all_the_same(editor):
    paper = make_paper()
    recommendation = submitted(paper=paper, code_links=["https://gitlab.example/x/y", "https://github.com/a/b"])

    accept(recommendation, editor)

    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED
    assert [link.repository.full_name for link in PaperRepository.objects.filter(paper=paper)] == ["a/b"]


def test_it_sends_no_links_to_the_paper_when_it_refuses(editor):
    paper = make_paper()
    recommendation = submitted(
        paper=paper, tag=proposed_tag(), code_links=["https://github.com/a/b"], dataset_link="https://d.example.org"
    )

    with pytest.raises(ValidationError):
        accept(recommendation, editor)

    assert not PaperRepository.objects.filter(paper=paper).exists()
    assert not PaperLink.objects.filter(paper=paper).exists()


# --- Rejecting


def test_it_rejects_a_submitted_recommendation_with_the_note(editor):
    recommendation = submitted()

    reject(recommendation, editor, note="  A survey, not a paper with a new result.  ")

    recommendation.refresh_from_db()
    assert recommendation.status == Status.REJECTED
    assert recommendation.review_note == "A survey, not a paper with a new result."
    assert recommendation.reviewed_by == editor
    assert recommendation.reviewed_at is not None


@pytest.mark.parametrize("note", ["", "   \n "])
def test_it_refuses_to_reject_without_a_note(editor, note):
    recommendation = submitted()

    with pytest.raises(ValidationError) as excinfo:
        reject(recommendation, editor, note=note)

    assert error_message(excinfo) == "Write a note for the recommender: it says why."
    recommendation.refresh_from_db()
    assert recommendation.status == Status.SUBMITTED


def test_it_refuses_a_note_longer_than_the_column(editor):
    recommendation = submitted()

    with pytest.raises(ValidationError) as excinfo:
        reject(recommendation, editor, note="x" * 2001)

    assert error_message(excinfo) == "Keep the note to 2000 characters; it has 2001."


def test_it_rejects_an_accepted_recommendation_and_leaves_the_links_it_gave(editor):
    paper = make_paper()
    recommendation = submitted(paper=paper, code_links=["https://github.com/a/b"])
    accept(recommendation, editor)

    reject(recommendation, editor)

    recommendation.refresh_from_db()
    assert recommendation.status == Status.REJECTED
    assert PaperRepository.objects.filter(paper=paper).count() == 1


def test_it_refuses_to_reject_a_recommendation_placed_in_an_issue(editor):
    recommendation = submitted()
    accept(recommendation, editor)
    add_to_issue(make_issue(42, published=False), recommendation)

    with pytest.raises(ValidationError) as excinfo:
        reject(recommendation, editor)

    assert error_message(excinfo) == (
        "This recommendation is in issue 42; take it out of the issue before rejecting it."
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Status.ACCEPTED


def test_it_refuses_to_reject_a_published_recommendation(editor):
    recommendation = make_recommendation(status=Status.PUBLISHED)

    with pytest.raises(ValidationError) as excinfo:
        reject(recommendation, editor)

    assert error_message(excinfo) == "A published recommendation cannot be rejected."


def test_it_keeps_the_first_note_when_a_rejected_recommendation_is_rejected_again(editor):
    recommendation = submitted()
    reject(recommendation, editor, note="First reason.")

    reject(recommendation, editor, note="Second reason.")

    recommendation.refresh_from_db()
    assert recommendation.review_note == "First reason."


# --- Many at once


def test_it_accepts_the_others_when_one_of_many_is_refused(editor):
    good = [submitted() for _ in range(3)]
    bad = submitted(tag=proposed_tag("Quantum Vibes"))

    accepted, refused = moderation.recommendations_accept(
        recommendation_ids=[bad.pk, *[r.pk for r in good]], editor=editor
    )

    assert sorted(r.pk for r in accepted) == sorted(r.pk for r in good)
    assert [(r.pk, message) for r, message in refused] == [
        (bad.pk, "The topic 'Quantum Vibes' is a proposal; approve it or choose another topic first.")
    ]
    assert set(Recommendation.objects.filter(status=Status.ACCEPTED).values_list("pk", flat=True)) == {
        r.pk for r in good
    }
    bad.refresh_from_db()
    assert bad.status == Status.SUBMITTED


def test_it_rejects_many_with_one_note_and_reports_the_one_in_an_issue(editor):
    free = [submitted(), submitted()]
    placed = submitted()
    accept(placed, editor)
    add_to_issue(make_issue(7, published=False), placed)

    rejected, refused = moderation.recommendations_reject(
        recommendation_ids=[r.pk for r in [*free, placed]], editor=editor, note="Too early."
    )

    assert sorted(r.pk for r in rejected) == sorted(r.pk for r in free)
    assert [r.pk for r, _ in refused] == [placed.pk]
    assert set(Recommendation.objects.filter(review_note="Too early.").values_list("pk", flat=True)) == {
        r.pk for r in free
    }


def test_it_refuses_many_rejections_without_a_note_before_touching_any(editor):
    recommendation = submitted()

    with pytest.raises(ValidationError):
        moderation.recommendations_reject(recommendation_ids=[recommendation.pk], editor=editor, note=" ")

    recommendation.refresh_from_db()
    assert recommendation.status == Status.SUBMITTED
