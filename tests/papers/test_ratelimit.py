"""The per-API budget shared by worker processes (papers.sources.budgets)."""

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured

from papers.sources import budgets as ratelimit
from papers.sources.base import RateLimited, TemporaryError

# What a worker process does: take one arXiv slot, then say when it got it. The Crossref slot first
# opens the Redis connection and loads the scripts, which would otherwise delay the first print.
ACQUIRE_ONE = (
    "import time; from papers.sources import budgets as ratelimit; "
    "ratelimit.acquire('crossref'); ratelimit.acquire('arxiv'); print(time.time())"
)


@pytest.fixture
def budget(settings):
    """Set one API's limit and start from an unspent budget."""

    def set_budget(api, limit, *, max_wait=5.0):
        settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, api: limit}
        settings.PAPERDAILY_RATE_LIMIT_MAX_WAIT = max_wait
        ratelimit.reset(api)

    yield set_budget
    ratelimit.reset()


@pytest.fixture
def redis_storage(settings):
    if not settings.PAPERDAILY_RATE_LIMIT_STORAGE.startswith("redis://"):
        pytest.skip("needs the test Redis (REDIS_URL)")
    return settings.PAPERDAILY_RATE_LIMIT_STORAGE


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_spaces_requests_from_separate_processes(settings, redis_storage):
    env = {
        **os.environ,  # the suite's settings module and environment (pytest-django sets DJANGO_SETTINGS_MODULE)
        # A prefix of its own: no other test run on this Redis shares the budget.
        "CACHE_KEY_PREFIX": f"paperdaily-test-{uuid.uuid4().hex}",
        "PAPERDAILY_ARXIV_RATE_LIMIT": "1 per 1 second",
        "PAPERDAILY_CROSSREF_RATE_LIMIT": "100 per second",
        "PAPERDAILY_RATE_LIMIT_MAX_WAIT": "10",
    }
    workers = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", ACQUIRE_ONE],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [worker.communicate(timeout=20) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0, 0], [err for _, err in outputs]
    times = sorted(float(out) for out, _ in outputs)
    # Each slot opens a second after the previous one was taken (timestamps are read just after, hence 0.99).
    assert all(later - earlier >= 0.99 for earlier, later in zip(times, times[1:], strict=False))
    assert 1.99 <= times[-1] - times[0] < 4


def test_it_reads_limits_over_several_seconds(budget):
    budget("arxiv", "1 per 3 seconds", max_wait=0.2)

    ratelimit.acquire("arxiv")
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        ratelimit.acquire("arxiv")

    assert time.monotonic() - started < 0.1  # it did not sleep first
    assert 2.5 < caught.value.retry_after <= 3
    assert "arXiv" in str(caught.value)


def test_it_does_not_take_a_slot_when_it_refuses_to_wait(budget):
    budget("crossref", "1 per 1 second", max_wait=0.1)

    ratelimit.acquire("crossref")
    first = time.monotonic()
    time.sleep(0.5)
    with pytest.raises(RateLimited):
        ratelimit.acquire("crossref")
    time.sleep(1.05 - (time.monotonic() - first))

    # Had the refusal taken a slot, this one would have to wait until 1.5 s.
    ratelimit.acquire("crossref")


def test_it_waits_for_a_slot_in_memory_storage(budget, settings):
    settings.PAPERDAILY_RATE_LIMIT_STORAGE = "memory://"
    budget("semantic_scholar", "2 per 1 second")

    started = time.monotonic()
    for _ in range(3):
        ratelimit.acquire("semantic_scholar")

    assert 0.95 <= time.monotonic() - started < 1.5


def test_it_keeps_budgets_apart_by_cache_key_prefix(budget, settings, redis_storage):
    budget("github", "1 per 10 seconds", max_wait=0)
    first_prefix = settings.CACHES["default"]["KEY_PREFIX"]
    ratelimit.acquire("github")
    with pytest.raises(RateLimited):
        ratelimit.acquire("github")

    other_prefix = f"paperdaily-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": other_prefix}}
    ratelimit.acquire("github")

    keys = {key.decode() for key in redis.Redis.from_url(redis_storage).keys("*LIMITER/*/github/*")}
    assert f"LIMITS:LIMITER/{first_prefix}/github/1/10/second" in keys
    assert f"LIMITS:LIMITER/{other_prefix}/github/1/10/second" in keys
    ratelimit.reset("github")


def test_it_blocks_an_api_until_the_time_it_gave(budget):
    budget("github", "1000 per second")

    ratelimit.block_until("github", time.time() + 30)
    ratelimit.block_until("github", time.time() + 5)  # an earlier reset does not shorten the block
    ratelimit.block_until("crossref", time.time() - 5)  # a reset in the past blocks nothing

    assert 29 < ratelimit.blocked_for("github") <= 30
    assert ratelimit.blocked_for("crossref") == 0.0
    ratelimit.reset("github")
    assert ratelimit.blocked_for("github") == 0.0


@pytest.mark.parametrize("limit", ["one per second", "1 per fortnight", "1/second; 10/minute", ""])
def test_it_refuses_a_limit_it_cannot_read(settings, limit):
    settings.PAPERDAILY_RATE_LIMITS = {**settings.PAPERDAILY_RATE_LIMITS, "arxiv": limit}

    with pytest.raises(ImproperlyConfigured, match=r"PAPERDAILY_RATE_LIMITS\['arxiv'\]"):
        ratelimit.acquire("arxiv")


def test_it_raises_temporary_error_when_the_store_is_unreachable(settings):
    settings.PAPERDAILY_RATE_LIMIT_STORAGE = f"redis://127.0.0.1:{closed_port()}/0"

    with pytest.raises(TemporaryError, match="rate-limit store"):
        ratelimit.acquire("arxiv")
