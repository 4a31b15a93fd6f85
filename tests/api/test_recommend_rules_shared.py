"""One table of mistakes, sent through the recommend form and through the API: the same refusal from both.

Each case says how to make the mistake on the form (POST /recommend/) and in the API
(POST /api/recommendations/), which input is refused, and the API's status. Both must
name that input with the same message text and write nothing; the rate limit is one
counter for both.
"""

from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from papers.models import Paper, Tag
from recommendations.models import Figure, Recommendation
from tests.factories import make_area, make_paper, make_recommendation, make_tag
from tests.recommendations.helpers import form_data, login_recommender, png_upload

pytestmark = pytest.mark.django_db
FORM, API = "/recommend/", "/api/recommendations/"
GITHUB = "https://github.com/owner/repo{}"
GITLAB = "https://gitlab.com/owner/repo"


@dataclass
class Case:
    name: str
    refused: str  # the input refused, "non_field_errors" for the submission as a whole
    form: dict = field(default_factory=dict)
    api: dict = field(default_factory=dict)
    status: int = 400
    settings: dict = field(default_factory=dict)
    setup: str = ""  # "duplicate", "pending", "proposed" (a proposed topic exists)
    figure: bytes | None = None  # sent on both as a multipart upload


CASES = [
    Case("paper link invalid", "paper_link", {"paper_link": "not a link"}, {"paper_link": "not a link"}),
    Case(
        "paper link unsupported",
        "paper_link",
        {"paper_link": "https://example.com/my-paper"},
        {"paper_link": "https://example.com/my-paper"},
    ),
    Case("paper link missing", "paper_link", {"paper_link": ""}, {"paper_link": ""}),
    Case("paper link is code", "paper_link", {"paper_link": GITLAB}, {"paper_link": GITLAB}),
    # Issue 17: GitLab is a code host now; a host we do not read is still refused.
    Case(
        "code link on a host we do not read",
        "code_links",
        {"code_links": "https://sourceforge.net/projects/owner"},
        {"code_links": ["https://sourceforge.net/projects/owner"]},
    ),
    Case(
        "code link to a Hugging Face listing",
        "code_links",
        {"code_links": "https://huggingface.co/models"},
        {"code_links": ["https://huggingface.co/models"]},
    ),
    Case(
        "code link is a paper", "code_links", {"code_links": "arXiv:1808.01244"}, {"code_links": ["arXiv:1808.01244"]}
    ),
    Case(
        "too many code links",
        "code_links",
        {"code_links": "\n".join(GITHUB.format(n) for n in range(4))},
        {"code_links": [GITHUB.format(n) for n in range(4)]},
    ),
    Case("dataset link not http", "dataset_link", {"dataset_link": "ftp://x.org/d"}, {"dataset_link": "ftp://x.org/d"}),
    Case("write-up missing", "writeup", {"writeup": ""}, {"writeup": ""}),
    Case("write-up too short", "writeup", {"writeup": "Too short"}, {"writeup": "Too short"}),
    Case("write-up too long", "writeup", {"writeup": "x" * 3001}, {"writeup": "x" * 3001}),
    Case("write-up only spaces", "writeup", {"writeup": " \n\t  "}, {"writeup": " \n\t  "}),
    Case(
        "write-up with NUL bytes", "writeup", {"writeup": "A fine\x00 read " * 5}, {"writeup": "A fine\x00 read " * 5}
    ),
    Case("unknown topic", "tag", {"tag": "999999"}, {"tag": "no-such-topic"}),
    Case("proposed topic chosen", "tag", {"tag": "{proposed_pk}"}, {"tag": "{proposed_slug}"}, setup="proposed"),
    Case(
        "proposed topic without area",
        "proposed_area",
        {"tag": "new", "proposed_topic": "Event cameras"},
        {"tag": "", "proposed_topic": "Event cameras"},
    ),
    Case(
        "proposed topic badly named",
        "proposed_topic",
        {"tag": "new", "proposed_topic": "!", "proposed_area": "{area_pk}"},
        {"tag": "", "proposed_topic": "!", "proposed_area": "CV"},
    ),
    Case("duplicate recommendation", "paper_link", status=409, setup="duplicate"),
    Case(
        "pending cap reached",
        "non_field_errors",
        setup="pending",
        settings={"PAPERDAILY_MAX_PENDING_RECOMMENDATIONS": 1},
    ),
    Case("figure not an image", "figure", figure=b"%PDF-1.4 not an image"),
    Case("figure empty", "figure", figure=b""),
]


@pytest.fixture
def both(client, django_user_model):
    """The form's session client and an API client, signed in as the same recommender."""
    recommender = login_recommender(client, django_user_model)
    api = APIClient()
    api.force_authenticate(recommender.user)
    return recommender, client, api


def form_errors(response):
    """Errors as the form's page shows them: next to each field, and in the summary for the whole form."""
    soup = BeautifulSoup(response.content, "html.parser")
    errors = {
        div["id"].removeprefix("field-"): [li.get_text(strip=True) for li in div.select(".form__error li")]
        for div in soup.select(".form__field--invalid")
    }
    summary = [p.get_text(strip=True) for p in soup.select(".form__summary p")]
    if summary:
        errors["non_field_errors"] = summary
    return errors


def written():
    return (Recommendation.objects.count(), Paper.objects.count(), Tag.objects.count(), Figure.objects.count())


def _filled(values, names):
    return {key: value.format(**names) if isinstance(value, str) else value for key, value in values.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_it_refuses_a_mistake_with_the_same_message_on_the_form_and_in_the_api(both, case, settings):
    recommender, client, api = both
    for name, value in case.settings.items():
        setattr(settings, name, value)
    topic = make_tag("Sequence labelling")
    names = {"area_pk": make_area("CV", name="Computer Vision").pk}
    if case.setup == "proposed":
        proposed = Tag.objects.create(name="Event cameras", slug="event-cameras", area=topic.area, approved=False)
        names.update(proposed_pk=proposed.pk, proposed_slug=proposed.slug)
    elif case.setup == "duplicate":
        make_recommendation(
            paper=make_paper(arxiv_id="1809.08370"), recommender=recommender, status=Recommendation.Status.SUBMITTED
        )
    elif case.setup == "pending":
        make_recommendation(recommender=recommender, status=Recommendation.Status.SUBMITTED)
    before = written()

    data = form_data(topic, **_filled(case.form, names))
    api_data = {"paper_link": data["paper_link"], "tag": topic.slug, "writeup": data["writeup"]}
    api_data.update(_filled(case.api, names))
    if case.figure is not None:
        data["figure"] = SimpleUploadedFile("figure.png", case.figure, content_type="image/png")
        api_data["figure"] = SimpleUploadedFile("figure.png", case.figure, content_type="image/png")

    page = client.post(FORM, data)
    api_response = api.post(API, api_data, format="multipart" if case.figure is not None else "json")

    assert page.status_code == 200, "the form page is shown again, with its errors"
    on_form = form_errors(page)
    assert api_response.status_code == case.status, api_response.content
    in_api = api_response.json()["error"]["fields"]
    assert case.refused in on_form and case.refused in in_api, (on_form, in_api)
    assert in_api[case.refused] == on_form[case.refused]
    assert written() == before


def test_it_saves_an_equivalent_recommendation_from_the_form_and_from_the_api(client, django_user_model):
    topic = make_tag("Sequence labelling")
    by_form = login_recommender(client, django_user_model, handle="alice")
    by_api = login_recommender(APIClient(), django_user_model, handle="bob")
    api = APIClient()
    api.force_authenticate(by_api.user)
    inputs = {
        "code_links": ["https://github.com/tensorflow/models"],
        "dataset_link": "https://data.example.org/conll",
        "writeup": "Cross-view training: **unlabelled** text helps a sequence model; worth reading.",
        "figure_caption": "The model",
    }

    page = client.post(FORM, form_data(topic, **{**inputs, "code_links": inputs["code_links"][0]}, figure=png_upload()))
    response = api.post(
        API,
        {**inputs, "paper_link": "https://arxiv.org/abs/1809.08370", "tag": topic.slug, "figure": png_upload()},
        format="multipart",
    )

    assert page.status_code == 302 and response.status_code == 201, response.content
    first, second = (Recommendation.objects.get(recommender=who) for who in (by_form, by_api))

    def facts(rec):
        return (
            rec.paper_id,
            rec.tag_id,
            rec.status,
            rec.submitted_link,
            rec.code_links,
            list(rec.repositories.values_list("pk", flat=True)),
            rec.dataset_link,
            rec.writeup,
            rec.writeup_html,
            [(f.caption, f.width, f.height) for f in rec.figures.all()],
        )

    assert facts(first) == facts(second)
    assert Paper.objects.count() == 1


def test_it_counts_form_and_api_posts_against_one_rate_limit(both, settings):
    settings.PAPERDAILY_RATE_RECOMMEND_USER = "2/h"
    _recommender, client, api = both
    topic = make_tag()
    too_short = {"writeup": "short"}
    assert client.post(FORM, form_data(topic, **too_short)).status_code == 200
    assert api.post(API, {"paper_link": "x", "tag": topic.slug, **too_short}, format="json").status_code == 400
    assert client.post(FORM, form_data(topic)).status_code == 429
    response = api.post(
        API,
        {"paper_link": "https://arxiv.org/abs/1809.08370", "tag": topic.slug, "writeup": form_data(topic)["writeup"]},
        format="json",
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert not Recommendation.objects.exists()
