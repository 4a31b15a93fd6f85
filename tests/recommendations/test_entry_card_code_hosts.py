"""Cards show code on every host: stars on GitHub and GitLab, likes on Hugging Face, plain links elsewhere."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from papers import services
from papers.identifiers import parse_repo_link
from papers.models import PaperRepository, Repository
from recommendations.reading.cards import card_context, issue_cards
from tests.factories import make_entry, make_issue, make_paper

pytestmark = pytest.mark.django_db


def paper_with_code(*links_and_counts):
    paper = make_paper("Cross-view training")
    for position, (link, count) in enumerate(links_and_counts):
        ref = parse_repo_link(link)
        repository, _ = services.repository_get_or_create(ref=ref)
        Repository.objects.filter(pk=repository.pk).update(stars=count)
        PaperRepository.objects.create(paper=paper, repository=repository, path=ref.path, position=position)
    return paper


def chips(page):
    soup = BeautifulSoup(page, "html.parser")
    return [" ".join(chip.get_text(" ", strip=True).split()) for chip in soup.select(".link-chip--code")]


def test_it_shows_stars_likes_and_plain_links_on_the_issue_page(settings):
    settings.PAGE_CACHE_ENABLED = False
    paper = paper_with_code(
        ("https://github.com/tensorflow/models", 77481),
        ("https://gitlab.com/libeigen/eigen/-/tree/master/Eigen", 1497),
        ("https://huggingface.co/datasets/rajpurkar/squad", 311),
        ("https://codeberg.org/forgejo/forgejo", None),
    )
    make_entry(make_issue(128), paper=paper)

    page = Client().get("/issues/128/").content.decode()

    assert chips(page) == [
        "⌥ Code: tensorflow/models ★ 77,481",
        "⌥ GitLab: libeigen/eigen/Eigen ★ 1,497",
        "⌥ Hugging Face: rajpurkar/squad ♥ 311 likes",
        "⌥ Codeberg: forgejo/forgejo",
    ]
    soup = BeautifulSoup(page, "html.parser")
    links = [chip["href"] for chip in soup.select(".link-chip--code")]
    assert links[1:3] == [
        "https://gitlab.com/libeigen/eigen/-/tree/master/Eigen",
        "https://huggingface.co/datasets/rajpurkar/squad",
    ]
    titles = [star["title"] for star in soup.select(".link-chip--code .stars")]
    assert titles == ["GitHub stars", "GitLab stars", "Hugging Face likes"]


def test_it_keeps_the_card_a_plain_dict():
    paper = paper_with_code(("https://huggingface.co/google-bert/bert-base-uncased", 2341))
    issue = make_issue(7)
    make_entry(issue, paper=paper)
    (recommendation,) = issue_cards(issue)

    (chip,) = card_context(recommendation)["code"]

    assert chip["host_label"] == "Hugging Face"
    assert chip["likes"] is True
    assert chip["stars"] == 2341
    assert all(isinstance(value, str | int | bool | type(None)) for value in chip.values())


def test_the_paper_page_names_the_host_and_says_likes(client):
    paper = paper_with_code(
        ("https://huggingface.co/datasets/rajpurkar/squad", 311),
        ("https://codeberg.org/forgejo/forgejo", None),
    )
    make_entry(make_issue(9), paper=paper)  # readers see the papers of published issues

    soup = BeautifulSoup(client.get(f"/papers/{paper.pk}/").content, "html.parser")

    repos = [" ".join(repo.get_text(" ", strip=True).split()) for repo in soup.select(".repo-list .repo")]
    assert repos[0].startswith("rajpurkar/squad Hugging Face dataset")
    assert "♥ 311 likes" in repos[0]
    assert "details not fetched yet" not in repos[0]  # readers see what is known; editors see the state
    assert repos[1] == "forgejo/forgejo Codeberg"  # a plain link: nothing to fetch, nothing promised
