"""Schemathesis against the live schema of the app: every documented operation, generated inputs.

The schema is read from /api/schema/ of the WSGI application itself, so the test follows the
API as it grows. Each operation runs twice: anonymously, and with an editor's token (editors
may call every endpoint). Demo-like data is loaded first so that detail endpoints find rows.
Every response must pass: no 5xx, a documented status, content type, body and headers, and
schema-invalid input must be refused with a 4xx.

The number of cases that ran is written to tests/artifacts/schemathesis.txt.
"""

import logging
from pathlib import Path

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from paperdaily.wsgi import application
from papers.models import Tag
from recommendations.models import Recommendation
from tests.factories import make_issue_with_entries, make_recommendation, make_recommender, make_tag

ARTIFACT = Path(__file__).resolve().parent.parent / "artifacts" / "schemathesis.txt"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
CASES = {"anonymous": 0, "editor": 0}
# Path parameter values naming rows of the ``demo`` fixture, by parameter name.
REAL_ROWS = {}
# Cases by phase, by answer class, and those sent with real rows' ids: for the artifact.
TALLY = {}


@pytest.fixture(scope="module", autouse=True)
def _record_case_count():
    yield
    ARTIFACT.parent.mkdir(exist_ok=True)
    total = sum(CASES.values())
    tally = ", ".join(f"{name} {count}" for name, count in sorted(TALLY.items()))
    line = f"schemathesis cases run: {total} (anonymous {CASES['anonymous']}, editor {CASES['editor']}; {tally})"
    ARTIFACT.write_text(line + "\n")
    print(f"\n{line}")


@pytest.fixture
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, as in production; the
    test's transaction lives on that connection, so keep it open as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _quiet_request_log():
    # Thousands of refused requests are the point here; 5xx still log (and fail the test).
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def demo(db, django_user_model, freeze, _keep_the_test_connection, _quiet_request_log):
    """Like the demo: issue 128 published (cards frozen), draft 129 with entries, an accepted recommendation
    waiting, a proposed topic, an editor and a recommender with recommendations of their own."""
    topic = make_tag("Sequence labelling", slug="sequence-labelling")
    freeze(make_issue_with_entries(4, number=128, tag=topic))
    make_issue_with_entries(2, number=129, published=False, tag=topic)
    make_recommendation(status=Recommendation.Status.ACCEPTED, tag=topic)
    Tag.objects.create(name="Proposed topic", slug="proposed-topic", area=topic.area, approved=False)
    editor = django_user_model.objects.create_user(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    own = make_recommendation(
        recommender=make_recommender("editor", user=editor), status=Recommendation.Status.SUBMITTED
    )
    reader = django_user_model.objects.create_user(username="reader")
    make_recommendation(recommender=make_recommender("reader", user=reader), status=Recommendation.Status.SUBMITTED)
    published = Recommendation.objects.published().select_related("recommender").first()
    REAL_ROWS.clear()
    REAL_ROWS.update(
        {
            "number": [128, 129],
            "id": [published.paper_id],
            "own_id": [own.pk],
            "slug": [topic.slug, "proposed-topic"],
            "handle": [published.recommender.handle],
        }
    )
    return {"editor": Token.objects.create(user=editor).key}


def use_real_rows(case, turn):
    """Every other valid case names rows that exist: random ids and slugs would meet nothing but 404s.

    Invalid (negative) cases keep their values, which must be refused.
    """
    if not case.path_parameters or case.meta is None or case.meta.generation.mode.is_negative or turn % 2:
        return
    for name in case.path_parameters:
        key = "own_id" if name == "id" and "/mine/" in case.operation.path else name
        if key in REAL_ROWS:
            values = REAL_ROWS[key]
            case.path_parameters[name] = values[(turn // 2) % len(values)]
            TALLY["real rows"] = TALLY.get("real rows", 0) + 1


# Read at collection: generating the schema touches no table. (The lazy ``from_fixture`` loader
# relies on a pytest internal that pytest 9 no longer has.)
editor_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
anonymous_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Anonymously, most operations answer 401 whatever the input: random inputs suffice there, and
# the coverage phase (every boundary and type mutation of every input) runs with the editor's token.
anonymous_schema.config.phases.coverage.enabled = False

SETTINGS = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def call_and_validate(case, who, headers):
    # Throttle and rate-limit counters would turn later cases into 429s: this test is about shapes.
    cache.clear()
    CASES[who] += 1
    use_real_rows(case, CASES[who])
    phase = case.meta.phase.name.value if case.meta else "other"
    TALLY[phase] = TALLY.get(phase, 0) + 1
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    answered = f"{response.status_code // 100}xx"
    TALLY[answered] = TALLY.get(answered, 0) + 1
    if response.status_code < 300 and "{" in case.operation.path:
        TALLY["2xx on a row"] = TALLY.get("2xx on a row", 0) + 1


@anonymous_schema.parametrize()
@SETTINGS
def test_it_answers_anonymous_requests_as_documented(case, demo):
    call_and_validate(case, "anonymous", {})


@editor_schema.parametrize()
@SETTINGS
def test_it_answers_an_editors_requests_as_documented(case, demo):
    call_and_validate(case, "editor", {"Authorization": f"Token {demo['editor']}"})
