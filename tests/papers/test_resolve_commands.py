"""resolve_paper and resolve_repo: fetch now, save, print; one-line errors and a non-zero exit."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper, Repository
from tests.recorded import serve

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_prints_a_paper_as_one_json_object(replay):
    replay.arxiv.add("/api/query", body_file="arxiv/legacy-1808.01244.xml", headers=ATOM)
    serve(replay.semantic_scholar, "semantic_scholar/paper-arxiv-1808.01244.json")

    found = json.loads(run("resolve_paper", "https://arxiv.org/abs/1808.01244v1", "--json"))

    assert list(found) == [
        "title",
        "authors",
        "abstract",
        "arxiv_id",
        "arxiv_version",
        "doi",
        "venue",
        "journal_ref",
        "year",
        "published",
        "primary_category",
        "abstract_url",
        "pdf_url",
    ]
    assert found["title"] == "CornerNet: Detecting Objects as Paired Keypoints"
    assert found["authors"] == ["Hei Law", "Jia Deng"]
    assert found["arxiv_id"] == "1808.01244"
    assert found["arxiv_version"] == 2
    assert found["published"] == "2018-08-03"
    assert found["year"] == 2018
    assert found["primary_category"] == "cs.CV"
    assert found["abstract_url"] == "https://arxiv.org/abs/1808.01244"
    assert "  " not in found["abstract"] and "\n" not in found["abstract"]
    assert Paper.objects.get().title == found["title"]


def test_it_prints_an_old_style_arxiv_paper_with_its_journal_reference(replay):
    replay.arxiv.add("/api/query", body_file="arxiv/cond-mat-0607501-2025.xml", headers=ATOM)
    replay.semantic_scholar.add("/graph/v1/paper/ARXIV:cond-mat/0607501", status=404, body={"error": "not found"})

    found = json.loads(run("resolve_paper", "arXiv:cond-mat/0607501", "--json"))

    assert found["arxiv_id"] == "cond-mat/0607501"
    assert found["journal_ref"]
    assert found["doi"].startswith("10.")


def test_it_prints_a_repository_as_one_json_object(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")

    found = json.loads(
        run("resolve_repo", "https://github.com/tensorflow/models/tree/master/research/cvt_text", "--json")
    )

    assert found == {
        "full_name": "tensorflow/models",
        "html_url": "https://github.com/tensorflow/models",
        "description": "Reference models and worked examples written with TensorFlow",
        "stars": 77481,
        "language": "Python",
        "license": "Apache-2.0",
        "pushed_at": "2025-06-12T21:37:05Z",
        "archived": False,
        "default_branch": "master",
    }


def test_it_prints_a_licence_github_cannot_name_as_null(replay):
    serve(replay.github, "github/repos-archived-no-license.json")

    found = json.loads(run("resolve_repo", "github.com/huanghoujing/EANet", "--json"))

    assert found["license"] is None
    assert found["archived"] is True


def test_it_prints_readable_lines_without_json(replay):
    serve(replay.github, "github/repos-tensorflow-models.json")

    out = run("resolve_repo", "https://github.com/tensorflow/models")

    assert "     full_name: tensorflow/models" in out.splitlines()
    assert "         stars: 77481" in out.splitlines()


@pytest.mark.parametrize(
    ("command", "link", "message"),
    [
        ("resolve_paper", "https://example.org/paper.pdf", "We cannot read this link. Paste an arXiv"),
        ("resolve_repo", "https://huggingface.co/models", "This Hugging Face page is not a model"),
        ("resolve_paper", "https://github.com/tensorflow/models", "code"),
        ("resolve_repo", "https://arxiv.org/abs/1808.01244", "GitHub"),
    ],
)
def test_it_refuses_a_link_it_cannot_read(command, link, message, replay):
    with pytest.raises(CommandError, match=message):
        call_command(command, link)

    assert replay.all_requests() == []
    assert not Paper.objects.exists() and not Repository.objects.exists()


def test_it_says_when_the_paper_does_not_exist_and_keeps_no_row(replay):
    replay.arxiv.add("/api/query", body_file="arxiv/empty-2025.xml", headers=ATOM)

    with pytest.raises(CommandError, match="arXiv has no paper 1901.99999."):
        call_command("resolve_paper", "1901.99999")

    assert not Paper.objects.exists()


def test_it_says_when_the_repository_does_not_exist(replay):
    serve(replay.github, "github/repos-not-found-404.json")

    with pytest.raises(CommandError, match="GitHub has no repository paperdaily-fixtures/no-such-repository"):
        call_command("resolve_repo", "https://github.com/paperdaily-fixtures/no-such-repository")

    assert not Repository.objects.exists()


def test_it_says_when_an_api_fails(replay):
    replay.arxiv.add("/api/query", status=502)

    with pytest.raises(CommandError, match=r"arXiv answered HTTP 502\. Try again later\."):
        call_command("resolve_paper", "1808.01244")


def test_it_keeps_a_paper_that_was_already_there_when_the_fetch_fails(replay):
    replay.arxiv.add("/api/query", status=502)
    paper = Paper.objects.create(arxiv_id="1808.01244", title="CornerNet", metadata_status="ok")

    with pytest.raises(CommandError):
        call_command("resolve_paper", "1808.01244")

    paper.refresh_from_db()
    assert paper.title == "CornerNet"


def test_it_exits_non_zero_with_one_line_and_no_traceback():
    """As an operator runs it: a shell, manage.py, an unreadable link."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}

    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "manage.py", "resolve_paper", "file:///etc/passwd", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        # Issue 17: the paper command's refusal names the paper sources, and no code host.
        "CommandError: We cannot read this link. Paste an arXiv, DOI, OpenReview or ACL Anthology link, "
        "e.g. https://arxiv.org/abs/1808.01244."
    ]
