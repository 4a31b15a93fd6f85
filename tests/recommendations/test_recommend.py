"""The recommend form at /recommend/."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from papers.models import Paper, Tag
from recommendations.models import Recommendation
from tests.factories import add_to_issue, make_area, make_issue, make_paper, make_recommendation, make_tag

from .helpers import form_data, login_recommender, png_upload

pytestmark = pytest.mark.django_db
URL = "/recommend/"


@pytest.fixture
def recommender(client, django_user_model):
    return login_recommender(client, django_user_model)


def field_errors(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        div["id"].removeprefix("field-"): [li.get_text(strip=True) for li in div.select(".form__error li")]
        for div in soup.select(".form__field--invalid")
    }


def test_it_sends_visitors_to_log_in_first(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/recommend/")


def test_it_shows_the_form_with_topics_grouped_by_area(client, recommender):
    make_tag("Sequence labelling", area=make_area("NLP", name="NLP"))
    response = client.get(URL)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("form input[name=csrfmiddlewaretoken]")
    assert [group["label"] for group in soup.select("select[name=tag] optgroup")] == ["NLP"]
    assert soup.select_one("textarea[name=writeup]")["maxlength"] == "3000"
    assert soup.select_one("form.recommend-form")["enctype"] == "multipart/form-data"


def test_it_saves_and_thanks(client, recommender, django_capture_on_commit_callbacks):
    tag = make_tag()
    with django_capture_on_commit_callbacks():
        response = client.post(URL, form_data(tag, code_links="https://github.com/tensorflow/models"))
    rec = Recommendation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:thanks", args=[rec.pk])
    assert rec.recommender == recommender and rec.tag == tag
    assert rec.code_links == ["https://github.com/tensorflow/models"]


def test_it_keeps_every_input_and_marks_the_field_on_error(client, recommender):
    tag = make_tag()
    data = form_data(tag, paper_link="https://example.com/my-paper", writeup="Too short", dataset_link="nope")
    response = client.post(URL, data)
    assert response.status_code == 200
    errors = field_errors(response)
    assert set(errors) == {"paper_link", "writeup", "dataset_link"}
    assert "arXiv" in errors["paper_link"][0]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("input[name=paper_link]")["value"] == "https://example.com/my-paper"
    assert soup.select_one("textarea[name=writeup]").get_text().strip() == "Too short"
    assert not Recommendation.objects.exists() and not Paper.objects.exists()


def test_it_names_a_code_link_in_the_paper_field(client, recommender):
    response = client.post(URL, form_data(make_tag(), paper_link="https://github.com/tensorflow/models"))
    assert "code" in field_errors(response)["paper_link"][0].lower()


def test_it_asks_for_a_topic(client, recommender):
    response = client.post(URL, form_data(make_tag(), tag=""))
    assert list(field_errors(response)) == ["tag"]


def test_it_refuses_a_topic_id_that_is_not_offered(client, recommender):
    proposal = make_tag()
    Tag.objects.filter(pk=proposal.pk).update(approved=False)
    for value in (str(proposal.pk), "999999", "-1", "abc", "1 OR 1=1"):
        response = client.post(URL, form_data(proposal, tag=value))
        assert list(field_errors(response)) == ["tag"], value
    assert not Recommendation.objects.exists()


def test_it_files_a_proposed_topic(client, recommender):
    area = make_area("CV", name="Computer Vision")
    data = form_data(make_tag(), tag="new", proposed_topic="Event cameras", proposed_area=str(area.pk))
    assert client.post(URL, data).status_code == 302
    tag = Recommendation.objects.get().tag
    assert tag.name == "Event cameras" and not tag.approved


def test_it_asks_for_the_name_and_area_of_a_proposed_topic(client, recommender):
    response = client.post(URL, form_data(make_tag(), tag="new"))
    assert set(field_errors(response)) == {"proposed_topic", "proposed_area"}


def test_it_links_to_the_earlier_recommendation_of_the_same_paper(client, recommender):
    paper = make_paper(arxiv_id="1809.08370")
    earlier = make_recommendation(paper=paper, recommender=recommender, status=Recommendation.Status.SUBMITTED)
    response = client.post(URL, form_data(make_tag(), paper_link="arxiv.org/abs/1809.08370v1"))
    soup = BeautifulSoup(response.content, "html.parser")
    assert "already recommended" in field_errors(response)["paper_link"][0]
    assert soup.select_one(f'.form__summary a[href="/recommend/mine/#rec-{earlier.pk}"]')
    assert Recommendation.objects.count() == 1


def test_it_says_the_paper_was_featured_before_and_accepts(client, recommender):
    paper = make_paper(arxiv_id="1809.08370")
    add_to_issue(make_issue(128), make_recommendation(paper=paper))
    response = client.post(URL, form_data(make_tag()), follow=True)
    assert "already featured in issue 128" in response.content.decode()
    assert Recommendation.objects.filter(recommender=recommender).count() == 1


def test_it_saves_nothing_when_the_honeypot_is_filled(client, recommender):
    response = client.post(URL, form_data(make_tag(), website="http://spam.example"))
    assert response.status_code == 200
    assert not Recommendation.objects.exists()


def test_it_refuses_a_post_without_csrf_token(recommender, django_user_model):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(recommender.user)
    response = strict.post(URL, form_data(make_tag()))
    assert response.status_code == 403
    assert not Recommendation.objects.exists()


def test_it_keeps_a_figure(client, recommender, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = form_data(make_tag(), figure=png_upload(), figure_caption="Cross-view training")
    assert client.post(URL, data).status_code == 302
    assert Recommendation.objects.get().figures.get().caption == "Cross-view training"


def test_it_refuses_a_file_that_is_not_an_image(client, recommender, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("figure.png", b"GIF89a" + b"\x00" * 100, content_type="image/png")
    response = client.post(URL, form_data(make_tag(), figure=upload))
    assert list(field_errors(response)) == ["figure"]
    assert not Recommendation.objects.exists()


def test_it_asks_for_the_figure_again_when_another_field_failed(client, recommender, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = client.post(URL, form_data(make_tag(), writeup="", figure=png_upload()))
    errors = field_errors(response)
    assert "choose it again" in errors["figure"][0]


def test_it_answers_429_past_the_per_user_limit(client, recommender, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_USER = "2/h"
    tag = make_tag()
    codes = [client.post(URL, form_data(tag, paper_link=f"1808.0124{i}")).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert "a lot of requests" in client.post(URL, form_data(tag)).content.decode()
    assert Recommendation.objects.count() == 2


def test_it_answers_429_past_the_per_address_limit(client, django_user_model, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_IP = "1/h"
    tag = make_tag()
    login_recommender(client, django_user_model, "first")
    assert client.post(URL, form_data(tag)).status_code == 302
    login_recommender(client, django_user_model, "second")
    assert client.post(URL, form_data(tag)).status_code == 429


def test_it_does_not_count_reading_the_form(client, recommender, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_USER = "1/h"
    for _ in range(3):
        assert client.get(URL).status_code == 200


def test_it_sends_an_account_without_a_profile_to_pick_a_handle(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="old-staff"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/profile/")


def test_it_says_what_is_missing_from_an_empty_post(client, recommender):
    response = client.post(URL, {})
    assert {"paper_link", "writeup", "tag"} <= set(field_errors(response))
    assert not Recommendation.objects.exists()
