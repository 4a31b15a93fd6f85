"""Issue 17: every refusal on the recommend form names what its field takes, in the words of its help text."""

import pytest
from bs4 import BeautifulSoup

from papers.models import Repository
from recommendations.models import Recommendation
from tests.factories import make_tag

from .helpers import form_data, login_recommender

pytestmark = pytest.mark.django_db
URL = "/recommend/"
PAPER_SOURCES = "arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244"
CODE_HOSTS = "GitHub, GitLab, Gitee, Bitbucket or Codeberg"


@pytest.fixture
def recommender(client, django_user_model):
    return login_recommender(client, django_user_model)


def page(response):
    soup = BeautifulSoup(response.content, "html.parser")
    errors = {
        div["id"].removeprefix("field-"): [li.get_text(strip=True) for li in div.select(".form__error li")]
        for div in soup.select(".form__field--invalid")
    }
    helps = {div["id"].removeprefix("field-"): div.select_one(".form__help") for div in soup.select(".form__field")}
    helps = {name: help_.get_text(" ", strip=True) for name, help_ in helps.items() if help_}
    return errors, helps


@pytest.mark.parametrize(
    "link",
    [
        "",
        "not a link",
        "https://example.com/my-paper",
        "https://github.com/tensorflow/models",
        "https://gitlab.com/libeigen/eigen",
        "https://huggingface.co/datasets/rajpurkar/squad",
        "https://arxiv.org/abs/" + "1" * 600,
        "https://arxiv.org\u200b/abs/1808.01244",
    ],
)
def test_it_names_the_paper_sources_of_the_help_text(client, recommender, link):
    errors, helps = page(client.post(URL, form_data(make_tag(), paper_link=link)))

    assert PAPER_SOURCES in helps["paper_link"]
    (message,) = errors["paper_link"]
    assert PAPER_SOURCES in message
    assert "GitHub" not in message  # the paper field takes no code host


@pytest.mark.parametrize(
    "link",
    [
        "https://example.com/code",
        "https://sourceforge.net/projects/x",
        "arXiv:1808.01244",
        "https://doi.org/10.1145/3209978.3209998",
        "ftp://gitlab.com/a/b",
    ],
)
def test_it_names_every_code_host_for_a_code_link_it_cannot_use(client, recommender, link):
    errors, helps = page(client.post(URL, form_data(make_tag(), code_links=link)))

    (message,) = errors["code_links"]
    for text in (helps["code_links"], message):
        assert CODE_HOSTS in text
        assert "Hugging Face" in text
        assert "arXiv" not in text  # nor does the code field take paper sources


@pytest.mark.parametrize(
    ("link", "host", "example"),
    [
        ("https://gitlab.com/explore", "GitLab", "https://gitlab.com/group/project"),
        ("https://gitee.com/mindspore", "Gitee", "https://gitee.com/owner/name"),
        ("https://bitbucket.org/dashboard/overview", "Bitbucket", "https://bitbucket.org/workspace/name"),
        ("https://codeberg.org/forgejo", "Codeberg", "https://codeberg.org/owner/name"),
        ("https://huggingface.co/models", "Hugging Face", "https://huggingface.co/owner/model"),
        ("https://github.com/settings", "GitHub", "https://github.com/owner/name"),
    ],
)
def test_it_names_the_host_and_shows_a_link_that_would_do(client, recommender, link, host, example):
    errors, _ = page(client.post(URL, form_data(make_tag(), code_links=link)))

    (message,) = errors["code_links"]
    assert host in message and example in message


@pytest.mark.parametrize(
    "link", ["nope", "ftp://data.example.org/x", "https://user:secret@data.example.org/x", "https://a b.org/"]
)
def test_it_names_a_web_address_for_the_dataset(client, recommender, link):
    errors, helps = page(client.post(URL, form_data(make_tag(), dataset_link=link)))

    assert "web address" in helps["dataset_link"]
    (message,) = errors["dataset_link"]
    assert "web address" in message


@pytest.mark.parametrize("writeup", ["", "Too short", "x" * 3001])
def test_it_names_the_write_ups_length(client, recommender, writeup):
    errors, _ = page(client.post(URL, form_data(make_tag(), writeup=writeup)))

    (message,) = errors["writeup"]
    assert "Write a few lines" in message or "characters" in message


def test_it_accepts_code_on_every_host_and_fetches_only_where_there_is_an_api(
    client, recommender, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.PAPERDAILY_MAX_CODE_LINKS = 6
    sent = []
    monkeypatch.setattr("papers.services.rows.enqueue", lambda name, *args, **kwargs: sent.append((name, args)))
    links = [
        "https://gitlab.com/libeigen/eigen/-/tree/master/Eigen",
        "https://huggingface.co/google-bert/bert-base-uncased",
        "https://hf.co/datasets/rajpurkar/squad",
        "https://gitee.com/mindspore/mindspore",
        "https://bitbucket.org/ws/repo",
        "https://codeberg.org/forgejo/forgejo",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, form_data(make_tag(), code_links="\n".join(links)))

    assert response.status_code == 302, page(response)[0]
    recommendation = Recommendation.objects.get()
    assert recommendation.code_links == [
        "https://gitlab.com/libeigen/eigen/-/tree/master/Eigen",
        "https://huggingface.co/google-bert/bert-base-uncased",
        "https://huggingface.co/datasets/rajpurkar/squad",
        "https://gitee.com/mindspore/mindspore",
        "https://bitbucket.org/ws/repo",
        "https://codeberg.org/forgejo/forgejo",
    ]
    pending = Repository.objects.filter(fetch_status=Repository.FetchStatus.PENDING)
    assert sorted(pending.values_list("host", flat=True)) == ["gitlab.com", "huggingface.co", "huggingface.co"]
    assert [sorted(args[0]) for _name, args in sent if _name == "papers.fetch_repositories"] == [
        sorted(pending.values_list("pk", flat=True))
    ]


def test_it_shows_the_write_ups_bounds_before_anything_is_sent(client, recommender):
    soup = BeautifulSoup(client.get(URL).content, "html.parser")

    counter = soup.select_one("[data-count-for=id_writeup]")
    # Without a script the bounds are still written out; the script keeps the count live.
    assert " ".join(counter.get_text().split()) == "0 / 3000 · at least 40"
    assert not counter.has_attr("aria-live")  # not read out at every keystroke
    status = soup.select_one("[data-count-status-for=id_writeup]")
    assert status["aria-live"] == "polite"
    assert status["data-text-enough"] == "40 characters reached: long enough."
    box = soup.select_one("textarea[name=writeup]")
    assert (box["minlength"], box["maxlength"]) == ("40", "3000")


def test_it_counts_what_was_typed_when_the_form_comes_back(client, recommender):
    response = client.post(URL, form_data(make_tag(), writeup="Too short", paper_link=""))
    soup = BeautifulSoup(response.content, "html.parser")

    counter = soup.select_one("[data-count-for=id_writeup]")
    assert " ".join(counter.get_text().split()) == "9 / 3000 · at least 40"
