import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver
from django.utils import translation

from paperdaily.views import server_error
from tests.htmlcheck import soup


@pytest.mark.django_db
def test_it_answers_the_health_check_with_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_405_to_a_post_on_the_health_check(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/no-such-page/", "/issues/99999999999999999999/", "/papers/99999999999999999999/", "/tags/%E2%9C%93/"],
)
def test_it_answers_404_with_the_friendly_page(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    document = soup(response)
    assert document.select_one('main a[href="/"]') is not None
    assert document.select_one('main a[href="/issues/"]') is not None


def test_it_renders_the_500_page_without_the_database():
    # No django_db mark: a query here would fail the test.
    request = RequestFactory().get("/issues/128/")

    response = server_error(request)

    assert response.status_code == 500
    document = soup(response)
    assert "Something went wrong" in document.find("h1").get_text()
    assert document.select_one('a[href="/"]') is not None
    assert document.find("html")["lang"] == "en"


def test_it_renders_the_500_page_in_the_readers_language():
    request = RequestFactory().get("/issues/128/")

    with translation.override("zh-hans"):
        response = server_error(request)

    document = soup(response)
    assert "Something went wrong" not in document.find("h1").get_text()
    assert document.find("html")["lang"] == "zh-hans"


def test_it_uses_the_site_handlers_for_errors():
    resolver = get_resolver()

    assert resolver.resolve_error_handler(500) is server_error
    assert resolver.resolve_error_handler(404).__module__ == "paperdaily.views"


def test_it_explains_an_expired_form_on_a_friendly_page():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    assert response.status_code == 403
    page = soup(response)
    assert page.select_one(".error-page h1").get_text(strip=True) == "Your form had expired."
    assert page.select_one("a.button")["href"] == "/"


def test_it_answers_a_foreign_host_with_a_friendly_400():
    response = Client(HTTP_HOST="evil.example").get("/")

    assert response.status_code == 400
    assert soup(response).select_one(".error-page__code").get_text(strip=True) == "400"
