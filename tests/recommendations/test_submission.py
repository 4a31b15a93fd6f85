"""The submission rules (recommendations/recommending/services.py), shared by the form and the API."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from papers.models import Paper, Repository, Tag
from recommendations.models import Figure, Recommendation
from recommendations.recommending.services import (
    AlreadyRecommended,
    recommendation_submit,
    recommendation_update,
    recommendation_withdraw,
)
from tests.factories import (
    add_to_issue,
    make_area,
    make_issue,
    make_paper,
    make_recommendation,
    make_recommender,
    make_tag,
)

pytestmark = pytest.mark.django_db

WRITEUP = "A clear account of why cross-view training helps semi-supervised sequence models."


def submit(recommender, **overrides):
    arguments = {"paper_link": "https://arxiv.org/abs/1809.08370", "writeup": WRITEUP, "tag": make_tag()}
    arguments.update(overrides)
    return recommendation_submit(recommender=recommender, **arguments)


def png_upload(name="figure.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def errors_of(excinfo):
    return {key: [error.code for error in errors] for key, errors in excinfo.value.error_dict.items()}


def test_it_saves_a_recommendation_and_finds_the_paper_by_identifier():
    recommender = make_recommender()
    submitted = submit(recommender, paper_link="arXiv:1809.08370v2")
    rec = submitted.recommendation
    assert rec.status == Recommendation.Status.SUBMITTED
    assert rec.paper.arxiv_id == "1809.08370"
    assert rec.submitted_link == "arXiv:1809.08370v2"
    assert "<p>" in rec.writeup_html
    assert Paper.objects.count() == 1


def test_it_reuses_the_paper_another_recommender_brought():
    paper = make_paper(arxiv_id="1809.08370")
    rec = submit(make_recommender(), paper_link="https://arxiv.org/pdf/1809.08370v1.pdf").recommendation
    assert rec.paper == paper


def test_it_enqueues_the_fetch_once_the_transaction_commits(django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks() as callbacks:
        submit(make_recommender(), code_links=["https://github.com/tensorflow/models/tree/master/research/cvt_text"])
    # One callback sends the paper and the repository fetches; nothing was sent before commit.
    assert len(callbacks) == 1


def test_it_refuses_an_unreadable_paper_link_and_writes_nothing():
    with pytest.raises(ValidationError) as excinfo:
        submit(make_recommender(), paper_link="https://example.com/paper.pdf")
    assert errors_of(excinfo) == {"paper_link": ["link"]}
    assert Paper.objects.count() == Recommendation.objects.count() == 0


def test_it_reports_every_bad_input_at_once():
    with pytest.raises(ValidationError) as excinfo:
        submit(
            make_recommender(),
            paper_link="",
            code_links=[
                "https://gitlab.com/explore"
            ],  # GitLab projects are taken since issue 17; its own pages are not
            dataset_link="javascript:alert(1)",
            writeup="short",
            tag=None,
        )
    assert set(errors_of(excinfo)) == {
        "paper_link",
        "code_links",
        "dataset_link",
        "writeup",
        "proposed_topic",
        "proposed_area",
    }


def test_it_refuses_a_second_recommendation_of_the_same_paper_and_names_the_first():
    recommender = make_recommender()
    first = submit(recommender).recommendation
    with pytest.raises(AlreadyRecommended) as excinfo:
        submit(recommender, paper_link="https://arxiv.org/abs/1809.08370v3")
    assert excinfo.value.existing == first
    assert Recommendation.objects.count() == 1


def test_it_says_when_the_paper_was_featured_before_and_still_accepts():
    paper = make_paper(arxiv_id="1809.08370")
    issue = make_issue(128)
    add_to_issue(issue, make_recommendation(paper=paper))
    submitted = submit(make_recommender())
    assert submitted.featured_in == [issue]
    assert submitted.recommendation.pk


def test_it_caps_recommendations_waiting_for_an_editor(settings):
    settings.PAPERDAILY_MAX_PENDING_RECOMMENDATIONS = 1
    recommender = make_recommender()
    submit(recommender)
    with pytest.raises(ValidationError) as excinfo:
        submit(recommender, paper_link="1808.01244")
    assert excinfo.value.error_list[0].code == "pending_cap"
    # A decided one no longer counts.
    Recommendation.objects.update(status=Recommendation.Status.ACCEPTED)
    assert submit(recommender, paper_link="1808.01244").recommendation.pk


def test_it_stores_code_links_and_their_repositories_without_touching_the_paper():
    rec = submit(
        make_recommender(),
        code_links=["https://github.com/Tensorflow/Models/tree/master/research/cvt_text", "git@github.com:x/y.git"],
        dataset_link="https://huggingface.co/datasets/conll2003",
    ).recommendation
    assert rec.code_links == [
        "https://github.com/Tensorflow/Models/tree/master/research/cvt_text",
        "https://github.com/x/y",
    ]
    assert sorted(repo.full_name for repo in rec.repositories.all()) == ["Tensorflow/Models", "x/y"]
    assert rec.dataset_link == "https://huggingface.co/datasets/conll2003"
    # Links join the paper only when an editor accepts.
    assert not rec.paper.repository_links.exists() and not rec.paper.links.exists()


@pytest.mark.parametrize(
    "link",
    [
        "ftp://example.com/data",
        "https://user:secret@example.com/data",
        "https://exa mple.com/",
        "https://example.com/\u202egnp.exe",
        "data:text/html,<script>alert(1)</script>",
        "x" * 600,
    ],
)
def test_it_refuses_a_hostile_dataset_link(link):
    with pytest.raises(ValidationError) as excinfo:
        submit(make_recommender(), dataset_link=link)
    assert list(errors_of(excinfo)) == ["dataset_link"]


def test_it_refuses_too_many_code_links(settings):
    settings.PAPERDAILY_MAX_CODE_LINKS = 1
    with pytest.raises(ValidationError) as excinfo:
        submit(make_recommender(), code_links=["https://github.com/a/b", "https://github.com/c/d"])
    assert errors_of(excinfo) == {"code_links": ["too_many"]}


def test_it_files_a_proposed_topic_for_an_editor_and_reuses_it_case_blind():
    area = make_area("ML", name="Machine Learning")
    first = submit(make_recommender(), tag=None, proposed_topic="Neural  ODEs", proposed_area=area).recommendation
    second = submit(make_recommender(), tag=None, proposed_topic="neural odes", proposed_area=area).recommendation
    assert first.tag == second.tag
    assert first.tag.name == "Neural ODEs" and not first.tag.approved and first.tag.area == area
    assert Tag.objects.approved().filter(pk=first.tag.pk).count() == 0


def test_it_refuses_a_proposed_tag_chosen_as_if_approved():
    proposal = make_tag("Secret topic")
    Tag.objects.filter(pk=proposal.pk).update(approved=False)
    proposal.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        submit(make_recommender(), tag=proposal)
    assert list(errors_of(excinfo)) == ["tag"]


def test_it_removes_control_characters_from_the_writeup():
    rec = submit(make_recommender(), writeup=WRITEUP + "\x00\x07\x1b[31m").recommendation
    assert rec.writeup == WRITEUP + "[31m"


def test_it_keeps_a_figure_reencoded_with_a_thumbnail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rec = submit(
        make_recommender(), figure=png_upload("../../etc/passwd.png"), figure_caption="The model"
    ).recommendation
    figure = rec.figures.get()
    assert figure.caption == "The model"
    assert figure.width == 40 and figure.height == 30
    assert "passwd" not in figure.image.name
    assert figure.thumbnail.name


def test_it_refuses_a_bad_figure_and_saves_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(ValidationError) as excinfo:
        submit(make_recommender(), figure=upload)
    assert list(errors_of(excinfo)) == ["figure"]
    assert Recommendation.objects.count() == Figure.objects.count() == 0


def test_it_updates_a_recommendation_still_waiting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    recommender = make_recommender()
    rec = submit(recommender, figure=png_upload()).recommendation
    recommendation_update(
        recommendation=rec,
        paper_link="1808.01244",
        writeup=WRITEUP + " Edited.",
        tag=rec.tag,
        remove_figure=True,
    )
    rec.refresh_from_db()
    assert rec.paper.arxiv_id == "1808.01244"
    assert rec.writeup.endswith("Edited.")
    assert not rec.figures.exists()


def test_it_refuses_to_update_into_a_repeat():
    recommender = make_recommender()
    submit(recommender, paper_link="1808.01244")
    rec = submit(recommender).recommendation
    with pytest.raises(AlreadyRecommended):
        recommendation_update(recommendation=rec, paper_link="1808.01244", writeup=WRITEUP, tag=rec.tag)
    rec.refresh_from_db()
    assert rec.paper.arxiv_id == "1809.08370"


@pytest.mark.parametrize("status", ["accepted", "rejected", "published"])
def test_it_refuses_to_change_or_withdraw_a_reviewed_recommendation(status):
    rec = submit(make_recommender()).recommendation
    Recommendation.objects.filter(pk=rec.pk).update(status=status)
    with pytest.raises(ValidationError):
        recommendation_update(recommendation=rec, paper_link="1808.01244", writeup=WRITEUP, tag=rec.tag)
    with pytest.raises(ValidationError):
        recommendation_withdraw(recommendation=rec)
    assert Recommendation.objects.get(pk=rec.pk).paper.arxiv_id == "1809.08370"


def test_it_withdraws_and_forgets_an_unused_proposed_topic():
    area = make_area("CV", name="Computer Vision")
    rec = submit(make_recommender(), tag=None, proposed_topic="Event cameras", proposed_area=area).recommendation
    recommendation_withdraw(recommendation=rec)
    assert not Recommendation.objects.exists()
    assert not Tag.objects.filter(name="Event cameras").exists()
    assert Repository.objects.count() == 0
