"""A Celery worker starts on the configured broker (Redis in the suite) and answers."""

import os
import subprocess
import sys
import time
from pathlib import Path

from paperdaily.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_it_starts_a_worker_that_answers_a_ping():
    hostname = f"pd-test-{os.getpid()}@localhost"
    worker = subprocess.Popen(  # noqa: S603 (a fixed command line, no user input)
        [sys.executable, "-m", "celery", "-A", "paperdaily", "worker", "--pool=solo", "-n", hostname, "-l", "WARNING"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        replies = []
        deadline = time.monotonic() + 30
        while not replies and time.monotonic() < deadline and worker.poll() is None:
            replies = app.control.ping(destination=[hostname], timeout=1.0)
        assert worker.poll() is None, worker.stderr.read()
        assert replies == [{hostname: {"ok": "pong"}}]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
