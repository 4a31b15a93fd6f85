"""The page cache (paperdaily/lib/pagecache.py): anonymous readers get stored pages, and never a stale one.

Every way the data behind a page changes (a service, the admin, the API, beat, a worker's
queryset update, raw SQL, another connection's transaction) shows on the very next request.
"""

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from paperdaily.lib import pagecache
from papers.models import Author, Paper, Repository, Tag
from recommendations.issues import publishing
from recommendations.issues.tasks import publish_due_issues
from recommendations.models import Issue, IssueEntry, Recommendation, Recommender
from recommendations.reading import reads
from tests.factories import make_issue_with_entries
from tests.recommendations.test_recommend_redis_down import redis_down

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def reader(**headers):
    return Client(**{"HTTP_USER_AGENT": FIREFOX, **headers})


def draft(number):
    """A draft ready to publish: its code repositories fetched."""
    make_issue_with_entries(2, number=number, published=False)
    Repository.objects.update(fetch_status=Repository.FetchStatus.OK, fetched_at=timezone.now())
    return Issue.objects.get(number=number)


@pytest.fixture
def issue():
    return make_issue_with_entries(3, number=128)


@pytest.fixture
def rows(issue):
    recommendation = (
        Recommendation.objects.filter(issue_entry__issue=issue)
        .select_related("paper", "tag", "recommender")
        .order_by("issue_entry__position")
        .first()
    )
    return recommendation


def cached(client, url):
    """GET ``url`` twice; the second answer comes from the page cache. Returns its text."""
    first = client.get(url)
    assert first.status_code == 200, url
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit", url
    return second.content.decode()


def fresh(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.get("X-Page-Cache") != "hit", url
    return response.content.decode()


# --- What is cached, for whom.


def test_it_answers_a_repeated_anonymous_read_from_the_cache_without_a_query(issue):
    client = reader()
    client.get("/issues/128/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/issues/128/")

    assert response.status_code == 200
    assert response["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    assert "Bulk paper" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/issues/",
        "/issues/128/",
        "/tags/",
        "/recommenders/",
        "/search/?q=bulk",
        "/feeds/issues.atom",
        "/issues/128/export.md",
        "/issues/128/papers.bib",
        "/api/issues/128/",
        "/api/papers/",
        "/api/search/?q=bulk",
    ],
)
def test_it_caches_each_reading_page(issue, url):
    cached(reader(), url)


def test_it_answers_the_same_bytes_from_the_cache_but_for_the_csrf_token(issue):
    client = reader()
    first = client.get("/issues/128/").content.decode()
    second = client.get("/issues/128/").content.decode()

    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.search(first)
    assert token.sub("", first) == token.sub("", second)


def test_it_keeps_english_and_chinese_apart(issue):
    cached(reader(HTTP_ACCEPT_LANGUAGE="en"), "/issues/")
    cached(reader(HTTP_ACCEPT_LANGUAGE="zh-hans"), "/issues/")

    english = reader(HTTP_ACCEPT_LANGUAGE="en").get("/issues/")
    chinese = reader(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/issues/")

    assert english["X-Page-Cache"] == chinese["X-Page-Cache"] == "hit"
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"
    assert '<html lang="en"' in english.content.decode()
    assert '<html lang="zh-hans"' in chinese.content.decode()


def test_it_shows_a_reader_who_signs_in_after_an_anonymous_view_their_own_header(client, issue, django_user_model):
    cached(client, "/issues/128/")
    client.force_login(django_user_model.objects.create_user(username="ada-lovelace"))

    response = client.get("/issues/128/")

    page = response.content.decode()
    assert response.get("X-Page-Cache") != "hit"
    assert "ada-lovelace" in page
    assert "Log out" in page
    assert response["Cache-Control"] == "private, no-store"
    # And the anonymous page is still the anonymous one.
    anonymous = reader().get("/issues/128/")
    assert anonymous["X-Page-Cache"] == "hit"
    assert "ada-lovelace" not in anonymous.content.decode()


def test_it_never_stores_a_signed_in_page_for_anyone_else(client, issue, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="ada-lovelace"))
    client.get("/issues/128/")
    client.get("/issues/128/")

    response = reader().get("/issues/128/")

    assert response.get("X-Page-Cache") != "hit"
    assert "ada-lovelace" not in response.content.decode()


def test_it_never_stores_an_editors_preview_of_a_draft(client, django_user_model):
    make_issue_with_entries(2, number=129, published=False)
    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get("/issues/129/").status_code == 200
    assert client.get("/issues/129/").status_code == 200

    assert reader().get("/issues/129/").status_code == 404


def test_it_never_stores_an_api_answer_to_a_token(issue, django_user_model):
    from rest_framework.authtoken.models import Token

    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    token = Token.objects.create(user=editor)
    with_token = reader(HTTP_AUTHORIZATION=f"Token {token.key}")
    with_token.get("/api/issues/")
    answer = with_token.get("/api/issues/")

    assert answer.status_code == 200
    assert answer.get("X-Page-Cache") != "hit"
    assert answer["Cache-Control"] == "private, no-store"
    assert reader().get("/api/issues/").get("X-Page-Cache") != "hit"


def test_it_keeps_api_renderers_apart(issue):
    compact = cached(reader(HTTP_ACCEPT="application/json"), "/api/issues/128/")

    indented = reader(HTTP_ACCEPT="application/json; indent=4").get("/api/issues/128/")

    assert indented.get("X-Page-Cache") != "hit"
    assert '\n    "number": 128' in indented.content.decode()
    assert '\n    "number"' not in compact


def test_it_gives_each_visitor_a_csrf_token_of_their_own_that_works(issue):
    cached(reader(), "/issues/128/")
    visitor = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=FIREFOX)

    page = visitor.get("/issues/128/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": token})

    assert page["X-Page-Cache"] == "hit"
    assert "csrftoken" in page.cookies
    assert switched.status_code == 302
    assert switched.cookies["django_language"].value == "zh-hans"


def test_it_does_not_serve_a_flash_message_page_from_the_cache(issue):
    cached(reader(), "/")
    visitor = reader()
    visitor.cookies["messages"] = "anything"

    assert visitor.get("/").get("X-Page-Cache") != "hit"


def test_it_counts_a_read_for_each_visitor_served_from_the_cache(issue):
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        reader(REMOTE_ADDR=address).get("/issues/128/")
    reader(REMOTE_ADDR="192.0.2.3").get("/issues/128/")  # the same visitor again: not another read
    reader(REMOTE_ADDR="192.0.2.4", HTTP_USER_AGENT="curl/8.5").get("/issues/128/")  # a robot

    assert cache.get(reads.pending_key(Issue.objects.get(number=128).pk)) == 3


def test_it_still_spends_the_api_rate_on_cached_answers(issue, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min"},
    }
    client = reader()

    answers = [client.get("/api/issues/128/") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[1]["X-Page-Cache"] == "hit"
    assert answers[2].json()["error"]["code"] == "throttled"


# --- HTTP caching.


def test_it_lets_browsers_and_shared_caches_keep_a_feed_briefly(issue, settings):
    settings.PAGE_CACHE_MAX_AGE = 60
    client = reader()
    first = client.get("/feeds/issues.atom")
    second = client.get("/feeds/issues.atom")

    for response in (first, second):
        assert response["Cache-Control"] == "public, max-age=60"
        assert response["ETag"]
    assert first["ETag"] == second["ETag"]
    assert client.get("/feeds/issues.atom", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_it_has_browsers_ask_again_for_a_page_and_answers_304_while_it_is_unchanged(issue):
    client = reader()
    first = client.get("/issues/128/")
    second = client.get("/issues/128/")

    for response in (first, second):
        assert response["Cache-Control"] == "public, no-cache"
    assert first["ETag"] == second["ETag"]
    assert client.get("/issues/128/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Issue.objects.filter(pk=issue.pk).update(title="Plastic synapses")
    assert client.get("/issues/128/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_it_keeps_last_modified_and_304_on_cached_api_answers(issue):
    client = reader()
    first = client.get("/api/issues/128/")
    second = client.get("/api/issues/128/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first["Last-Modified"]
    assert second.status_code == 304


def test_it_gives_another_visitor_another_etag_when_the_page_carries_a_token(issue):
    one, other = reader(), reader()
    one.get("/issues/128/")

    assert other.get("/issues/128/")["ETag"] != one.get("/issues/128/")["ETag"]


# --- Never stale: every way the data changes.


def test_it_shows_an_issue_published_by_the_service_on_the_next_request(issue):
    upcoming = draft(129)
    client = reader()
    assert "/issues/129/" not in cached(client, "/issues/")
    cached(client, "/")

    publishing.issue_publish(issue_id=upcoming.pk)

    assert "/issues/129/" in fresh(client, "/issues/")
    assert "/issues/129/" in fresh(client, "/")


def test_it_shows_an_issue_published_through_the_api(issue, django_user_model):
    draft(129)
    client = reader()
    assert "/issues/129/" not in cached(client, "/issues/")
    cached(client, "/api/issues/")
    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    api = Client()
    api.force_login(editor)

    assert api.post("/api/editor/issues/129/publish/", content_type="application/json").status_code == 200

    assert "/issues/129/" in fresh(client, "/issues/")
    assert "/issues/129/" in fresh(client, "/api/issues/")


def test_it_shows_an_issue_published_from_the_admin(issue, admin_client):
    upcoming = draft(129)
    client = reader()
    assert "/issues/129/" not in cached(client, "/feeds/issues.atom")

    # What the publish page sends with nothing ticked: its CSRF token alone.
    answer = admin_client.post(f"/admin/recommendations/issue/{upcoming.pk}/publish/", {"csrfmiddlewaretoken": "t"})

    assert answer.status_code == 302
    assert "/issues/129/" in fresh(client, "/feeds/issues.atom")


def test_it_shows_an_issue_published_by_beat_at_its_scheduled_time(issue):
    upcoming = draft(129)
    publishing.issue_schedule(issue_id=upcoming.pk, when=timezone.now() + timedelta(minutes=5))
    client = reader()
    assert "/issues/129/" not in cached(client, "/issues/")
    Issue.objects.filter(pk=upcoming.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    cached(client, "/issues/")

    assert publish_due_issues() == {"published": [129], "refused": []}

    assert "/issues/129/" in fresh(client, "/issues/")


def test_it_hides_an_unpublished_issue_on_the_next_request(issue, django_user_model):
    client = reader()
    cached(client, "/issues/128/")
    cached(client, "/api/issues/128/")
    superuser = django_user_model.objects.create_superuser(username="root", password="x", email="r@example.org")

    publishing.issue_unpublish(issue_id=issue.pk, user=superuser)

    assert client.get("/issues/128/").status_code == 404
    assert client.get("/api/issues/128/").status_code == 404
    assert "/issues/128/" not in fresh(client, "/issues/")


def test_it_shows_an_issue_edited_in_the_admin(issue, admin_client):
    client = reader()
    cached(client, "/issues/128/")

    # The admin's change form for a published issue: a new title (its other fields as they were).
    page = admin_client.get(f"/admin/recommendations/issue/{issue.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"title": "Plastic synapses", "_save": "Save"})
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = management[name].value()
        for index, inline in enumerate(formset.formset.forms):
            for name in inline.fields:
                value = inline[name].value()
                if value is not None and value is not False:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = value
    answer = admin_client.post(f"/admin/recommendations/issue/{issue.pk}/change/", data)
    assert answer.status_code == 302, answer.context and answer.context["adminform"].form.errors

    assert "Plastic synapses" in fresh(client, "/issues/128/")


def test_it_shows_an_entry_taken_out_of_an_issue(issue, rows):
    client = reader()
    assert rows.paper.title in cached(client, "/issues/128/")

    IssueEntry.objects.filter(recommendation=rows).delete()

    assert rows.paper.title not in fresh(client, "/issues/128/")


def test_it_shows_a_recommendation_edited_on_its_model(issue, rows):
    client = reader()
    cached(client, f"/papers/{rows.paper_id}/")

    rows.set_writeup("Reads like a **new** write-up.")
    rows.save()

    assert "Reads like a <strong>new</strong> write-up." in fresh(client, f"/papers/{rows.paper_id}/")


def test_it_shows_a_paper_a_worker_updated_in_bulk(issue, rows):
    client = reader()
    cached(client, f"/papers/{rows.paper_id}/")
    cached(client, f"/api/papers/{rows.paper_id}/")

    Paper.objects.filter(pk=rows.paper_id).update(title="Neural Ordinary Differential Equations")

    assert "Neural Ordinary Differential Equations" in fresh(client, f"/papers/{rows.paper_id}/")
    assert fresh(client, f"/api/papers/{rows.paper_id}/").count("Neural Ordinary Differential Equations") >= 1


def test_it_shows_a_repository_a_worker_refreshed(issue, rows):
    client = reader()
    repository = Repository.objects.filter(paper_links__paper=rows.paper).first()
    cached(client, f"/papers/{rows.paper_id}/")

    Repository.objects.filter(pk=repository.pk).update(stars=98765)

    assert "98,765" in fresh(client, f"/papers/{rows.paper_id}/")


def test_it_shows_an_author_renamed(issue, rows):
    client = reader()
    author = Author.objects.filter(authorships__paper=rows.paper).first()
    cached(client, f"/papers/{rows.paper_id}/")

    author.name = "Ricky T. Q. Chen"
    author.save()

    assert "Ricky T. Q. Chen" in fresh(client, f"/papers/{rows.paper_id}/")


def test_it_shows_a_topic_renamed(issue, rows):
    client = reader()
    cached(client, f"/tags/{rows.tag.slug}/")
    cached(client, "/tags/")

    Tag.objects.filter(pk=rows.tag_id).update(name="Continuous-depth models")

    assert "Continuous-depth models" in fresh(client, f"/tags/{rows.tag.slug}/")
    assert "Continuous-depth models" in fresh(client, "/tags/")


def test_it_shows_a_recommender_renamed(issue, rows):
    client = reader()
    url = f"/recommenders/{rows.recommender.handle}/"
    cached(client, url)
    cached(client, "/recommenders/")

    Recommender.objects.filter(pk=rows.recommender_id).update(display_name="Yulia Rubanova")

    assert "Yulia Rubanova" in fresh(client, url)
    assert "Yulia Rubanova" in fresh(client, "/recommenders/")


def test_it_shows_a_change_made_in_raw_sql(issue, rows):
    client = reader()
    cached(client, f"/papers/{rows.paper_id}/")

    with connection.cursor() as cursor:
        cursor.execute("UPDATE papers_paper SET venue = %s WHERE id = %s", ["ICLR 2031", rows.paper_id])

    assert "ICLR 2031" in fresh(client, f"/papers/{rows.paper_id}/")


def test_it_ignores_writes_no_reading_page_shows(issue):
    from recommendations.models import Subscriber

    client = reader()
    cached(client, "/issues/128/")

    Subscriber.objects.create(email="reader@example.org")

    assert client.get("/issues/128/")["X-Page-Cache"] == "hit"


def test_it_recognises_writes_of_the_watched_tables():
    watched = pagecache._watched

    assert watched('INSERT INTO "papers_paper" ("title") VALUES (%s)')
    assert watched('UPDATE "recommendations_issue" SET "title" = %s')
    assert watched('DELETE FROM "papers_tag" WHERE "id" = %s')
    assert watched('WITH moved AS (SELECT 1) UPDATE "papers_paper" SET "title" = %s')
    assert watched('TRUNCATE "papers_paper", "django_session"')
    assert not watched('SELECT "papers_paper"."id" FROM "papers_paper" FOR UPDATE')
    assert not watched("WITH me AS (SELECT id FROM papers_paper) SELECT updated_at FROM me")
    assert not watched('UPDATE "django_session" SET "session_data" = %s')
    assert not watched('INSERT INTO "recommendations_subscriber" ("email") VALUES (%s)')
    assert not watched('INSERT INTO "recommendations_follow" ("user_id", "tag_id") VALUES (%s, %s)')
    assert not watched('DELETE FROM "recommendations_follow" WHERE "id" = %s')


@pytest.mark.django_db(transaction=True)
def test_it_drops_a_page_rendered_while_another_connections_change_was_not_yet_committed():
    """A worker's transaction: a page rendered before its commit shows the old title, and must not outlive it."""
    issue = make_issue_with_entries(1, number=128)
    paper = Paper.objects.get(recommendations__issue_entry__issue=issue)
    client = reader()
    cached(client, f"/papers/{paper.pk}/")
    written, rendered = threading.Event(), threading.Event()

    def worker():
        try:
            with transaction.atomic():
                Paper.objects.filter(pk=paper.pk).update(title="Latent ODEs for irregularly-sampled time series")
                written.set()
                rendered.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    assert written.wait(10)
    during = client.get(f"/papers/{paper.pk}/").content.decode()  # rendered from the committed state, and stored
    rendered.set()
    thread.join(10)

    assert "Latent ODEs" not in during
    assert "Latent ODEs for irregularly-sampled time series" in fresh(client, f"/papers/{paper.pk}/")


# --- Without Redis.


def test_it_serves_pages_uncached_with_the_cache_down(issue):
    with redis_down():
        client = reader()
        answers = [client.get(url) for url in ("/issues/128/", "/issues/128/", "/api/issues/128/", "/")]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert all(answer.get("X-Page-Cache") != "hit" for answer in answers)
    assert "Bulk paper" in answers[1].content.decode()


def test_it_makes_a_bump_it_owed_once_the_cache_answers_again(issue, rows):
    client = reader()
    cached(client, f"/papers/{rows.paper_id}/")

    with redis_down():
        Paper.objects.filter(pk=rows.paper_id).update(title="Learning with plastic synapses")
    pagecache._health["down_until"] = 0.0  # as RETRY_AFTER seconds later

    assert "Learning with plastic synapses" in fresh(client, f"/papers/{rows.paper_id}/")


def test_it_does_not_wait_on_a_cache_that_just_failed_to_bump(issue, monkeypatch):
    before = cache.get(pagecache.GENERATION_KEY)
    monkeypatch.setitem(pagecache._health, "down_until", float("inf"))
    monkeypatch.setitem(pagecache._health, "owed", False)

    pagecache.bump()

    assert pagecache._health["owed"] is True
    assert cache.get(pagecache.GENERATION_KEY) == before


@pytest.mark.parametrize(
    "query",
    ["?utm_source=mail", "?page=1&page=2", "?q=" + "x" * 201, "?cachebuster=1"],
)
def test_it_renders_and_does_not_store_a_page_with_a_query_string_no_view_reads(issue, query):
    client = reader()
    client.get("/issues/128/" + query)

    again = client.get("/issues/128/" + query)

    assert again.status_code == 200
    assert again.get("X-Page-Cache") != "hit"


def test_it_stores_a_page_with_the_parameters_its_view_reads(issue):
    cached(reader(), "/search/?q=bulk&page=1")
