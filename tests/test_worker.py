"""A Celery worker starts on the configured broker and answers: Redis in the suite's
environment, and the file-based broker of the embedded default that `make run` uses."""

import os
import subprocess
import sys
import time
from pathlib import Path

from paperdaily.celery import app

ROOT = Path(__file__).resolve().parent.parent
CELERY = [sys.executable, "-m", "celery", "-A", "paperdaily"]


def start_worker(hostname, env):
    return subprocess.Popen(  # noqa: S603 (a fixed command line, no user input)
        [*CELERY, "worker", "--pool=solo", "-n", hostname, "-l", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(worker):
    worker.terminate()
    worker.wait(timeout=30)


def test_it_starts_a_worker_that_answers_a_ping():
    hostname = f"pd-test-{os.getpid()}@localhost"
    worker = start_worker(hostname, os.environ.copy())
    try:
        replies = []
        deadline = time.monotonic() + 30
        while not replies and time.monotonic() < deadline and worker.poll() is None:
            replies = app.control.ping(destination=[hostname], timeout=1.0)
        assert worker.poll() is None, worker.stderr.read()
        assert replies == [{hostname: {"ok": "pong"}}]
    finally:
        stop(worker)


def test_it_runs_a_worker_on_the_embedded_broker_without_redis(tmp_path):
    hostname = f"pd-embedded-{os.getpid()}@localhost"
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(DEBUG="true", PAPERDAILY_VAR_DIR=str(tmp_path))
    worker = start_worker(hostname, env)
    try:
        answer = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and worker.poll() is None:
            answer = subprocess.run(  # noqa: S603 (a fixed command line, no user input)
                [*CELERY, "inspect", "ping", "-d", hostname, "-t", "2"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            if answer.returncode == 0:
                break
        assert worker.poll() is None, worker.stderr.read()
        assert answer.returncode == 0, answer.stdout + answer.stderr
        assert f"{hostname}: OK" in answer.stdout
        # The queue lives under var/ (here tmp_path), never in the working directory.
        assert (tmp_path / "celery" / "control").is_dir()
        assert not (ROOT / "control").exists()
    finally:
        stop(worker)
