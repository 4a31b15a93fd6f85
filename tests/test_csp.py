"""Every HTML answer carries the Content-Security-Policy, and no page needs more than it allows."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from paperdaily.urls import urlpatterns as site_urlpatterns
from recommendations.accounts.services import account_create, signup_token_generator
from tests.factories import make_entry, make_issue, make_paper
from tests.htmlcheck import soup
from tests.recommendations.helpers import login_recommender


def _boom(request):
    raise RuntimeError("a bug in a view")


# The site's URLs plus one view that fails, for the 500 page (see the urls mark below).
urlpatterns = [path("boom/", _boom), *site_urlpatterns]
handler404 = "paperdaily.views.page_not_found"
handler500 = "paperdaily.views.server_error"


def directives(header):
    """'a x y; b z' -> {"a": ["x", "y"], "b": ["z"]}"""
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name.lower()] = values
    return policy


def assert_strict_policy(response):
    assert "Content-Security-Policy" in response, response
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"], policy
    for source in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"):
        assert source not in policy["script-src"], policy
        assert source not in policy["default-src"], policy
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] in (["'none'"], ["'self'"])
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    return policy


def assert_runs_under_policy(response, policy):
    """Nothing in the page that the policy would block: inline scripts, event handlers,
    javascript: URLs, inline styles."""
    page = soup(response)
    for script in page.find_all("script"):
        assert script.get("src"), script
        assert not script.get_text(strip=True), script
    inline_styles = "'unsafe-inline'" in policy["style-src"]
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), tag
            if name in ("href", "src", "action", "formaction"):
                assert not str(value).strip().lower().startswith("javascript:"), tag
        assert inline_styles or "style" not in tag.attrs, tag
    assert inline_styles or page.find_all("style") == []


@pytest.fixture
def issue():
    issue = make_issue(128)
    make_entry(issue)
    return issue


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/issues/",
        "/issues/128/",
        "/papers/{paper}/",
        "/search/?q=transformer",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/signup/sent/",
        "/accounts/signup/confirm/MQ/made-up-token/",
        "/api/docs/",
        "/no-such-page/",
    ],
)
def test_it_sends_the_policy_on_every_reader_page(client, issue, url):
    paper = issue.entries.get().recommendation.paper

    response = client.get(url.format(paper=paper.pk))

    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("text/html")
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/recommendations/recommendation/",
        "/admin/recommendations/issue/",
        "/admin/recommendations/issue/{draft}/change/",
        "/admin/recommendations/issue/{draft}/publish/",
        "/admin/recommendations/newsletterdelivery/",
        "/admin/papers/paper/",
        "/admin/papers/paper/{paper}/change/",
    ],
)
def test_it_sends_the_policy_on_every_editor_page(editor_client, issue, url):
    draft = make_issue(129, published=False)
    make_entry(draft)
    paper = make_paper()

    response = editor_client.get(url.format(draft=draft.pk, paper=paper.pk))

    assert response.status_code == 200
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_sends_the_policy_on_the_sign_up_confirmation_and_unconfirmed_log_in_pages(client):
    password = "plastic-synapses-2018"
    user = account_create(handle="Bea", email="bea@example.org", password=password, confirmed=False)
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("signup_confirm", kwargs={"uidb64": uidb64, "token": signup_token_generator.make_token(user)})

    for response in [
        client.get(link),
        client.post(link, {"password": "not-the-password-1"}),
        client.post("/accounts/login/", {"username": "Bea", "password": password}),
    ]:
        assert response.status_code == 200
        assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/recommend/", "/recommend/mine/"])
def test_it_sends_the_policy_on_the_recommenders_pages(client, django_user_model, url):
    login_recommender(client, django_user_model)

    response = client.get(url)

    assert response.status_code == 200
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
def test_it_sends_the_policy_on_the_admin_login_page(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_it_sends_the_policy_on_the_500_page():
    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500
    assert_runs_under_policy(response, assert_strict_policy(response))


def test_it_sends_the_policy_on_the_400_page():
    response = Client(HTTP_HOST="evil.example").get("/")

    assert response.status_code == 400
    assert_runs_under_policy(response, assert_strict_policy(response))


def test_it_sends_the_policy_on_the_403_page():
    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    assert response.status_code == 403
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
def test_it_sends_the_policy_on_the_429_page(client, settings):
    settings.PAPERDAILY_RATE_LOGIN_IP = "1/h"
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    assert response.status_code == 429
    assert_runs_under_policy(response, assert_strict_policy(response))


@pytest.mark.django_db
def test_it_lets_the_html_export_keep_its_inline_styles_and_nothing_else(client, issue):
    response = client.get(f"/issues/{issue.number}/export.html")

    assert response.status_code == 200
    policy = assert_strict_policy(response)
    # Pasted into newsletter tools as it is: the styles are the export itself.
    assert "'unsafe-inline'" in policy["style-src"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/admin/login/", "/api/docs/"])
def test_it_allows_styles_from_our_own_files_only(client, url):
    policy = directives(client.get(url)["Content-Security-Policy"])

    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


def test_it_keeps_the_policy_out_of_the_report_only_header():
    assert not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
