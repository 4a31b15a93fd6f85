"""Editing a recommendation that is still waiting, at /recommend/<id>/edit/."""

import pytest
from bs4 import BeautifulSoup

from recommendations.models import Recommendation
from recommendations.recommending.figures import figure_attach, figure_prepare
from tests.factories import make_paper, make_recommendation, make_tag

from .helpers import WRITEUP, form_data, huge_webp_upload, login_recommender, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec(client, django_user_model):
    me = login_recommender(client, django_user_model)
    return make_recommendation(
        recommender=me,
        paper=make_paper(arxiv_id="1809.08370"),
        status=Recommendation.Status.SUBMITTED,
        submitted_link="https://arxiv.org/abs/1809.08370",
        writeup=WRITEUP,
    )


def test_it_fills_the_form_with_what_was_sent(client, rec):
    soup = BeautifulSoup(client.get(f"/recommend/{rec.pk}/edit/").content, "html.parser")
    assert soup.select_one("input[name=paper_link]")["value"] == "https://arxiv.org/abs/1809.08370"
    assert soup.select_one("textarea[name=writeup]").get_text().strip() == WRITEUP
    assert soup.select_one(f"select[name=tag] option[value='{rec.tag_id}']").has_attr("selected")


def test_it_saves_changes(client, rec):
    response = client.post(f"/recommend/{rec.pk}/edit/", form_data(rec.tag, writeup=WRITEUP + " Edited."))
    assert response.status_code == 302 and response["Location"] == "/recommend/mine/"
    rec.refresh_from_db()
    assert rec.writeup.endswith("Edited.")


def test_it_shows_errors_and_changes_nothing(client, rec):
    response = client.post(f"/recommend/{rec.pk}/edit/", form_data(rec.tag, paper_link="not a link"))
    assert response.status_code == 200
    assert BeautifulSoup(response.content, "html.parser").select_one("#field-paper_link.form__field--invalid")
    rec.refresh_from_db()
    assert rec.paper.arxiv_id == "1809.08370"


def test_it_refuses_once_reviewed(client, rec):
    Recommendation.objects.filter(pk=rec.pk).update(status=Recommendation.Status.ACCEPTED)
    response = client.post(f"/recommend/{rec.pk}/edit/", form_data(make_tag(), writeup=WRITEUP + " Edited."))
    assert response.status_code == 302
    rec.refresh_from_db()
    assert not rec.writeup.endswith("Edited.")


def test_it_hides_other_peoples_recommendations(client, rec):
    other = make_recommendation(status=Recommendation.Status.SUBMITTED)
    assert client.get(f"/recommend/{other.pk}/edit/").status_code == 404
    assert client.post(f"/recommend/{other.pk}/edit/", form_data(other.tag)).status_code == 404


def test_it_keeps_the_saved_figure_when_a_new_one_is_refused(client, rec, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    saved = figure_attach(recommendation=rec, prepared=figure_prepare(png_upload()), caption="Overview")
    response = client.post(
        f"/recommend/{rec.pk}/edit/",
        form_data(rec.tag, writeup=WRITEUP + " Edited.", figure=huge_webp_upload(), figure_caption="Overview"),
    )
    assert response.status_code == 200
    message = BeautifulSoup(response.content, "html.parser").select_one("#field-figure .form__error").get_text()
    assert "WebP" in message and "pixels" in message
    rec.refresh_from_db()
    assert rec.writeup == WRITEUP
    assert list(rec.figures.all()) == [saved]
    assert (tmp_path / saved.image.name).is_file() and (tmp_path / saved.thumbnail.name).is_file()
