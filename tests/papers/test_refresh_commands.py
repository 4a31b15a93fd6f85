"""refresh_issue and loaddemo --fetch: an issue's papers and code refreshed from the command line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper, PaperRepository, Repository
from recommendations.models import Issue
from tests.factories import make_entry, make_issue
from tests.recorded import serve

pytestmark = pytest.mark.django_db

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def small_issue():
    issue = make_issue(published=False)
    for arxiv_id in ("1809.08370", "1901.07291"):
        make_entry(issue, paper=Paper.objects.create(arxiv_id=arxiv_id), status="accepted")
    repository = Repository.objects.create(
        url="https://github.com/tensorflow/models", owner="tensorflow", name="models"
    )
    PaperRepository.objects.create(paper=Paper.objects.get(arxiv_id="1809.08370"), repository=repository)
    return issue


def test_it_refreshes_an_issue_here_and_now(replay):
    replay.arxiv.add("/api/query", body_file="arxiv/batch-2025.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429, body={"message": "slow down"})
    serve(replay.github, "github/repos-tensorflow-models.json")
    issue = small_issue()
    out = StringIO()

    call_command("refresh_issue", str(issue.number), "--now", stdout=out)

    lines = out.getvalue().splitlines()
    assert any("[ok] Semi-Supervised Sequence Modeling with Cross-View Training" in line for line in lines)
    assert any("[ok] Cross-lingual Language Model Pretraining" in line for line in lines)
    assert "repo tensorflow/models [ok] stars=77481" in lines
    assert len(replay.arxiv.requests) == 1


def test_it_queues_an_issue_for_the_workers(replay, eager, django_capture_on_commit_callbacks):
    replay.arxiv.add("/api/query", body_file="arxiv/batch-2025.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/batch", method="POST", status=429, body={"message": "slow down"})
    serve(replay.github, "github/repos-tensorflow-models.json")
    issue = small_issue()
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_issue", str(issue.number), stdout=out)

    assert f"Queued a refresh of issue {issue.number}" in out.getvalue()
    assert set(Paper.objects.values_list("metadata_status", flat=True)) == {"ok"}
    assert Repository.objects.get().stars == 77481


def test_it_says_when_there_is_no_such_issue():
    with pytest.raises(CommandError, match="There is no issue 4242."):
        call_command("refresh_issue", "4242")


def test_it_queues_the_demo_issues_metadata_once_loaded(replay, eager, django_capture_on_commit_callbacks):
    """Offline, as on this machine: every fetch fails, the portal keeps working and says why."""
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddemo", "--fetch", stdout=out)

    issue = Issue.objects.get(number=128)
    assert "Queued a metadata refresh of issue 128" in out.getvalue()
    asked = {request.server for request in replay.all_requests()}
    assert {"arxiv", "github"} <= asked
    # The replay servers know none of these papers: each row says so instead of staying silent.
    papers = Paper.objects.filter(recommendations__issue_entry__issue=issue)
    assert not papers.filter(metadata_status=Paper.MetadataStatus.PENDING, metadata_error="").exists()
    assert not Repository.objects.filter(fetch_status=Repository.FetchStatus.PENDING, fetch_error="").exists()


def test_it_does_not_queue_the_demo_again_when_nothing_is_pending(replay, django_capture_on_commit_callbacks):
    call_command("loaddemo", stdout=StringIO())
    Paper.objects.update(metadata_status=Paper.MetadataStatus.OK)
    Repository.objects.update(fetch_status=Repository.FetchStatus.OK)
    out = StringIO()

    with django_capture_on_commit_callbacks() as callbacks:
        call_command("loaddemo", "--fetch", stdout=out)

    assert callbacks == []
    assert "Queued" not in out.getvalue()
