"""papers/sqlite_search.py: the embedded default's search index across migrations, and the SQLite it needs.

Runs on a SQLite file of its own, in a child process (the suite's database is PostgreSQL).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from papers import sqlite_search

ROOT = Path(__file__).resolve().parent.parent.parent

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from papers.models import Paper
from recommendations.models import Issue
from recommendations.reading.search import paper_search
from tests.factories import make_entry, make_issue, make_paper

def triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'papers_%'")
        return cursor.fetchone()[0]

def found(query):
    return [paper.title for paper in paper_search(query=query)]

call_command("migrate", "--noinput", verbosity=0)
report = {"installed": triggers()}
paper = make_paper("CornerNet: Detecting Objects as Paired Keypoints")
issue = make_issue()
make_entry(issue, paper=paper, writeup="一种目标检测方法，值得推荐。")
report["found"] = found("推荐")
# Back to before the index, through migrations that rebuild papers_paper, and a write meanwhile.
call_command("migrate", "papers", "0005", "--noinput", verbosity=0)
report["unmigrated"] = triggers()
Paper.objects.filter(pk=paper.pk).update(title="CornerNet Revisited")
call_command("migrate", "--noinput", verbosity=0)
report["migrated_again"] = triggers()
report["found_again"] = found("推荐") + found("revisited") + found("CornerNte")
Issue.objects.filter(pk=issue.pk).update(status="draft")
report["found_unpublished"] = found("推荐") + found("revisited")

# A later migration altering a table: SQLite rebuilds it, and the rename that ends a rebuild fails
# while a trigger names the table (no such table). The triggers are away meanwhile.
from django.apps import apps
from django.db.models.signals import post_migrate, pre_migrate
papers_app = apps.get_app_config("papers")
signal_args = {"app_config": papers_app, "verbosity": 0, "interactive": False, "using": "default", "apps": apps}
pre_migrate.send(sender=papers_app, plan=[("a migration", False)], **signal_args)
report["during_migrate"] = triggers()
with connection.schema_editor() as editor:
    editor._remake_table(Issue)
Issue.objects.filter(pk=issue.pk).update(status="published")  # while the triggers are away
post_migrate.send(sender=papers_app, plan=[("a migration", False)], **signal_args)
report["after_rebuild"] = triggers()
report["found_after_rebuild"] = found("推荐")
print(json.dumps(report))
"""


def test_it_keeps_the_index_across_migrations_back_and_forth(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "paperdaily.settings",
        "DEBUG": "true",
        "PAPERDAILY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
    }

    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["installed"] == len(sqlite_search._TRIGGERS)
    assert report["found"] == ["CornerNet: Detecting Objects as Paired Keypoints"]
    assert report["unmigrated"] == 0
    assert report["migrated_again"] == report["installed"]
    assert report["found_again"] == ["CornerNet Revisited"] * 3
    assert report["found_unpublished"] == []
    assert report["during_migrate"] == 0
    assert report["after_rebuild"] == report["installed"]
    assert report["found_after_rebuild"] == ["CornerNet Revisited"]


def test_it_explains_a_sqlite_too_old_for_trigrams(monkeypatch):
    monkeypatch.setattr(sqlite_search.sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite_search.sqlite3, "sqlite_version", "3.31.1")

    with pytest.raises(RuntimeError, match=r"needs SQLite 3\.34\.0 or newer .* this Python has SQLite 3\.31\.1"):
        sqlite_search.check_sqlite()
