"""The embedded default (SQLite) serves search, related papers and the API, as `make run` does.

The suite runs on PostgreSQL; search (FTS5, papers/sqlite_search.py) and related papers have a
path of their own on SQLite (`make test` also runs the search tests on SQLite, in memory).
This runs it for real: migrations on a fresh SQLite file, the demo issue, then the reading pages
and API answers through Django's test client, in a process of its own.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("loaddemo", verbosity=0)
from django.test import Client
from papers.models import Paper

client = Client()
answers = {}
for path in ["/search/?q=neural+networks", "/search/?q=CornerNte", "/search/?q=%E7%A5%9E%E7%BB%8F",
             "/api/search/?q=slimmable", "/api/papers/?tag=neural-networks", "/api/issues/128/"]:
    answers[path] = client.get(path).status_code
related = {}
for paper in Paper.objects.filter(title__in=["Slimmable Neural Networks", "Backpropamine: training "
        "self-modifying neural networks with differentiable neuromodulated plasticity"]):
    answers[f"/papers/{paper.pk}/"] = client.get(f"/papers/{paper.pk}/").status_code
    body = client.get(f"/api/papers/{paper.pk}/").json()
    related[paper.title[:12]] = [other["title"][:12] for other in body["related"]]
found = client.get("/api/search/?q=slimmable").json()["results"]
typo = client.get("/api/search/?q=CornerNte").json()["results"]
print(json.dumps({"answers": answers, "related": related, "found": [row["title"] for row in found],
                  "typo": [row["title"] for row in typo][:1]}))
"""


def test_it_searches_and_relates_papers_on_the_embedded_database(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "paperdaily.settings",
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "testserver",
        "PAPERDAILY_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
    }

    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["answers"].values()) == {200}, report["answers"]
    assert report["found"] == ["Slimmable Neural Networks"]
    assert report["typo"] == ["CornerNet: Detecting Objects as Paired Keypoints"]
    # The two "Neural Networks" entries of issue 128 list each other.
    assert "Backpropamin" in report["related"]["Slimmable Ne"]
    assert "Slimmable Ne" in report["related"]["Backpropamin"]
