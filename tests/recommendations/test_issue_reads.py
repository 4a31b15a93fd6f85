"""Issue reads: counted in the cache once per visitor and day, written to the row by beat, never by the page."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from recommendations.models import Issue
from recommendations.reading import reads
from recommendations.reading.tasks import flush_issue_reads
from tests.factories import make_issue, make_issue_with_entries

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


def read(client, number=128, agent=FIREFOX, address="192.0.2.1"):
    return client.get(f"/issues/{number}/", HTTP_USER_AGENT=agent, REMOTE_ADDR=address)


def pending(issue):
    return caches["reads"].get(reads.pending_key(issue.pk), 0)


def test_it_counts_each_visitor_once_a_day_per_issue(client):
    issue, other = make_issue(128), make_issue(127)

    for _ in range(3):
        read(client)
    read(client, address="192.0.2.2")
    read(client, agent=FIREFOX.replace("140", "141"))
    read(client, number=127)

    assert (pending(issue), pending(other)) == (3, 1)


def test_it_keeps_nothing_that_names_the_visitor(client):
    make_issue(128)
    read(client, address="203.0.113.9")

    keys = caches["reads"]._cache.get_client().keys("*reads:seen:*")
    assert len(keys) == 1
    assert b"203.0.113.9" not in keys[0] and b"Firefox" not in keys[0]


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    ],
)
def test_it_does_not_count_robots(client, agent):
    issue = make_issue(128)

    assert read(client, agent=agent).status_code == 200

    assert pending(issue) == 0


def test_it_does_not_count_an_editor_previewing_a_draft(admin_client):
    issue = make_issue(129, published=False)

    admin_client.get("/issues/129/", HTTP_USER_AGENT=FIREFOX)

    assert pending(issue) == 0


def test_beat_moves_the_pending_reads_to_the_rows_and_keeps_those_counted_meanwhile(client):
    issue = make_issue(128)
    read(client)
    read(client, address="192.0.2.2")

    assert flush_issue_reads() == {"reads": 2}
    read(client, address="192.0.2.3")  # after the flush: waits for the next one
    issue.refresh_from_db()
    assert (issue.read_count, pending(issue)) == (2, 1)

    assert flush_issue_reads() == {"reads": 1}
    assert flush_issue_reads() == {"reads": 0}
    issue.refresh_from_db()
    assert issue.read_count == 3


def test_beat_flushes_every_five_minutes_at_most():
    flush = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "recommendations.flush_issue_reads"
    ]
    assert len(flush) == 1 and flush[0]["schedule"] <= 300


def test_it_writes_nothing_to_the_database_on_a_read(client):
    make_issue_with_entries(3, number=128)

    with CaptureQueriesContext(connection) as queries:
        assert read(client).status_code == 200

    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert writes == []


def test_it_serves_the_page_uncounted_with_the_cache_unreachable(client, caplog):
    issue = make_issue(128)
    dead = {**django_settings.CACHES["reads"], "LOCATION": "redis://127.0.0.1:9/0"}

    with override_settings(CACHES={**django_settings.CACHES, "reads": dead}):
        response = read(client)

    assert response.status_code == 200
    assert pending(issue) == 0
    assert Issue.objects.get(pk=issue.pk).read_count == 0
    assert "read not counted" in caplog.text
