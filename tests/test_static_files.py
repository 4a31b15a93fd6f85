"""Static files: hashed names kept by browsers for a year, plain names briefly, pages fine before collectstatic."""

import re

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

YEAR = 365 * 24 * 60 * 60


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """What collectstatic writes, in a folder of this module's own."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield root


def stylesheet(page):
    return re.search(r'<link rel="stylesheet" href="(/static/css/paperdaily[^"]*\.css)">', page).group(1)


def test_it_links_hashed_names_and_lets_browsers_keep_them_a_year(collected):
    page = Client().get("/").content.decode()
    url = stylesheet(page)

    response = Client().get(url)

    assert re.fullmatch(r"/static/css/paperdaily\.[0-9a-f]{12}\.css", url)
    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={YEAR}, public, immutable"
    assert re.search(r'<script src="/static/js/paperdaily\.[0-9a-f]{12}\.js" defer>', page)


def test_it_serves_a_plain_name_with_a_short_life(collected):
    response = Client().get("/static/css/paperdaily.css")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"


def test_it_answers_a_compressed_copy_to_a_browser_that_takes_one(collected):
    url = stylesheet(Client().get("/").content.decode())

    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"


def test_it_renders_pages_before_collectstatic_with_plain_names(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path):
        page = Client().get("/")
        css = Client().get("/static/css/paperdaily.css")

    assert page.status_code == 200
    assert stylesheet(page.content.decode()) == "/static/css/paperdaily.css"
    assert css.status_code == 200
