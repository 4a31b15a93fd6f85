"""The embedded default (SQLite) with two writers, as `make run` has them: the server and the worker.

SQLite's deferred transactions fail at once with "database is locked" when a transaction
that has read turns writer while another writes. The settings make every transaction take
the write lock as it begins, so the second writer waits its turn instead of failing.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import threading, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
call_command("migrate", "--noinput", verbosity=0)
from papers.models import Area

errors = []
barrier = threading.Barrier(2)

def write(code):
    try:
        barrier.wait()
        with transaction.atomic():
            Area.objects.count()          # read first...
            time.sleep(0.5)
            Area.objects.create(code=code, name=code)  # ...then write, while the other does the same
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(code,)) for code in ("A1", "B2")]
[t.start() for t in threads]
[t.join() for t in threads]
print("errors:", errors)
print("areas:", sorted(Area.objects.filter(code__in=["A1", "B2"]).values_list("code", flat=True)))
"""


def test_it_lets_two_writers_take_turns_on_the_embedded_database(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "paperdaily.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
    }

    result = subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "errors: []" in result.stdout, result.stdout
    assert "areas: ['A1', 'B2']" in result.stdout
