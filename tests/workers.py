"""A real Celery worker process for tests: started on the test's database, broker and replay servers."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

from paperdaily.celery import app

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    """A worker process started with the test's database and the replay servers' URLs."""

    def __init__(self, replay, *, pool="solo", **env):
        # The solo pool runs tasks in the worker's own process and enforces no time limit;
        # "prefork" runs them in a child process that the limits can interrupt and kill.
        self.pool = pool
        self.hostname = f"pd-fetch-{os.getpid()}-{time.monotonic_ns()}@localhost"
        database = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "PAPERDAILY_ARXIV_API_URL": replay.arxiv.base_url + "/api/query",
            "PAPERDAILY_CROSSREF_API_URL": replay.crossref.base_url,
            "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL": replay.semantic_scholar.base_url + "/graph/v1",
            "PAPERDAILY_GITHUB_API_URL": replay.github.base_url,
            "PAPERDAILY_GITLAB_API_URL": replay.gitlab.base_url + "/api/v4",
            "PAPERDAILY_HUGGINGFACE_API_URL": replay.huggingface.base_url + "/api",
            "PAPERDAILY_ARXIV_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_SEMANTIC_SCHOLAR_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_GITHUB_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_GITLAB_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_HUGGINGFACE_RATE_LIMIT": "1000 per second",
            "PAPERDAILY_FETCH_RETRY_BACKOFF": "0.2",
            **env,
        }
        self.process = None
        # A file, not a pipe: a chatty worker never blocks on a full pipe, and the test can read it at any time.
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by __exit__)
        self._log_text = ""

    def read_log(self):
        """What the worker wrote to stderr so far (its log); all of it once the worker has stopped."""
        if self._log.closed:
            return self._log_text
        self._log.seek(0)
        return self._log.read()

    def __enter__(self):
        self.process = subprocess.Popen(  # noqa: S603 (a fixed command line)
            [sys.executable, "-m", "celery", "-A", "paperdaily", "worker", f"--pool={self.pool}", "-c", "1"]
            + ["-n", self.hostname, "-l", "WARNING", "--without-mingle", "--without-gossip"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.read_log()
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return self
        raise AssertionError("the worker did not answer a ping within 30 s")

    def kill(self):
        """SIGKILL, as the OOM killer or a lost machine would: no warm shutdown, no ack."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_text = self.read_log()
        self._log.close()


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
