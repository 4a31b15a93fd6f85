"""A recommendation sent while Redis is down is saved, and its paper is fetched once Redis is back.

Redis is "down" for real: the Celery broker and the cache both point at a local port where
nothing listens, so every connection is refused, as when the server is stopped. The form
must still save the recommendation (the rate limiter fails open, the enqueue gives up
quietly), and the row stays "pending" until beat's sweeper sends the fetch again.
"""

import socket
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from paperdaily.celery import app
from papers import tasks
from papers.models import Paper
from recommendations.models import Recommendation
from tests.factories import make_tag
from tests.recorded import load

from .helpers import form_data, login_recommender

pytestmark = pytest.mark.django_db

ARXIV_ID = "1808.01244"
TITLE = "CornerNet: Detecting Objects as Paired Keypoints"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def closed_port():
    """A local port that was free a moment ago and has nothing listening on it now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis_down():
    """Broker and cache both at a refused port; both restored on the way out."""
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url = dead
    # Pools made for the live broker would keep using it: start from none.
    app._pool = app.amqp._producer_pool = None
    try:
        # Changing CACHES drops the cache connections (django.test.signals), so the next use connects anew.
        caches = {alias: {**conf, "LOCATION": dead} for alias, conf in django_settings.CACHES.items()}
        with override_settings(CACHES=caches):
            yield dead
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


def test_it_saves_the_recommendation_and_fetches_the_paper_once_redis_is_back(
    client, django_user_model, settings, replay, request, django_capture_on_commit_callbacks, caplog
):
    settings.PAPERDAILY_PENDING_SWEEP_AFTER = 600
    login_recommender(client, django_user_model)
    topic = make_tag()

    with redis_down():
        # The simulation is real: the cache and the broker both refuse.
        with pytest.raises(Exception, match="(?i)connect"):
            caches["default"].get("anything")
        with pytest.raises(OperationalError):
            tasks.fetch_paper.apply_async(args=[0], retry=False)

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post("/recommend/", form_data(topic, paper_link=f"https://arxiv.org/abs/{ARXIV_ID}"))

    rec = Recommendation.objects.select_related("paper").get()
    assert response.status_code == 302
    assert response["Location"] == f"/recommend/{rec.pk}/thanks/"
    assert callbacks, "no fetch was enqueued"
    assert rec.paper.arxiv_id == ARXIV_ID
    assert rec.paper.metadata_status == Paper.MetadataStatus.PENDING
    assert rec.paper.title == ""
    assert "not counted: the cache is unreachable" in caplog.text
    assert "the sweeper will" in caplog.text
    assert replay.all_requests() == []

    # Redis is back: the cache answers, the broker accepts connections.
    caches["default"].set("redis-is-back", 1)
    assert caches["default"].get("redis-is-back") == 1
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)

    # Beat's sweeper finds the row still pending long after it was saved, and sends the fetch again.
    Paper.objects.filter(pk=rec.paper_id).update(updated_at=timezone.now() - timedelta(seconds=3600))
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", headers=ATOM)
    replay.semantic_scholar.add(
        "/graph/v1/paper/batch", method="POST", body=[load("semantic_scholar/paper-arxiv-1808.01244.json")["body"]]
    )
    request.getfixturevalue("eager")  # only now: eager tasks never touch the broker
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep_pending.apply().get()

    paper = Paper.objects.get(pk=rec.paper_id)
    assert result == {"papers": 1, "repositories": 0}
    assert paper.metadata_status == Paper.MetadataStatus.OK
    assert paper.title == TITLE
    assert paper.venue == "ECCV 2018"
    assert [r.query["id_list"] for r in replay.arxiv.requests] == [ARXIV_ID]
