"""Every metadata source against upstreams that misbehave on purpose (tests/hostile.py).

Each mode is run against each of the four APIs through the management commands, as an operator
(or a task) would meet it: the failure must come as one clear message, within the overall deadline,
and, measured in a child process, without the process growing past a few hundred megabytes.
"""

import os
import re
import resource
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from papers.sources import budgets as ratelimit
from tests.hostile import MODES, HostileServer, run_measured

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 2.0
SLACK = 1.5  # thread start-up, the command's own work, a loaded machine
PEAK_MB = 300

# What each source is asked, and the label its errors carry.
SOURCES = {
    "arxiv": ("resolve_paper", "1808.01244", "arXiv"),
    "crossref": ("resolve_paper", "doi:10.18653/v1/D18-1217", "Crossref"),
    "semantic_scholar": ("resolve_paper", "https://aclanthology.org/D18-1217/", "Semantic Scholar"),
    "github": ("resolve_repo", "https://github.com/tensorflow/models", "GitHub"),
    "gitlab": ("resolve_repo", "https://gitlab.com/libeigen/eigen", "GitLab"),
    "huggingface": ("resolve_repo", "https://huggingface.co/datasets/rajpurkar/squad", "Hugging Face"),
}
TOO_LARGE = "{label} sent an answer larger than 5242880 bytes"
NOT_IN_TIME = rf"{{label}} did not answer within {DEADLINE:g} s"
EXPECTED = {
    "gzip-gzip": r"{label} sent a body encoded more than once \(gzip, gzip\); refused",
    "gzip-gzip-gzip": r"{label} sent a body encoded more than once \(gzip, gzip, gzip\); refused",
    "trickle-body": NOT_IN_TIME,
    "trickle-headers": NOT_IN_TIME,
    "no-answer": NOT_IN_TIME,
    "big-declared": TOO_LARGE,
    "big-undeclared": TOO_LARGE,
    "big-chunked": TOO_LARGE,
    "redirect-loop": r"{label} answered HTTP 301",
    # defusedxml refuses any DTD; the JSON sources find no JSON.
    "deep-json": r"{label} answered with JSON nested too deeply to read",
    "billion-laughs": r"{label}('s answer was refused by the XML parser \(DTDForbidden\)| answered with invalid JSON)",
}
# GitHub follows a rename's redirect itself and says so when there are too many.
EXPECTED_FOR = {
    ("redirect-loop", "github"): r"GitHub redirected more than 2 times",
    ("redirect-loop", "huggingface"): r"Hugging Face redirected more than 2 times",
    # Brackets are not XML: arXiv's parser stops at the first byte.
    ("deep-json", "arxiv"): r"arXiv's answer is not well-formed XML",
}


def expected(mode, source):
    label = SOURCES[source][2]
    return EXPECTED_FOR.get((mode, source), EXPECTED[mode]).replace("{label}", re.escape(label))


@pytest.fixture(scope="module", params=MODES)
def hostile(request):
    with HostileServer(request.param) as server:
        yield server


@pytest.fixture
def pointed_at(hostile, settings):
    """Every API on the hostile server, a short deadline, and no rate limit to wait for."""
    settings.PAPERDAILY_ARXIV_API_URL = hostile.base_url + "/api/query"
    settings.PAPERDAILY_CROSSREF_API_URL = hostile.base_url
    settings.PAPERDAILY_SEMANTIC_SCHOLAR_API_URL = hostile.base_url + "/graph/v1"
    settings.PAPERDAILY_GITHUB_API_URL = hostile.base_url
    settings.PAPERDAILY_GITLAB_API_URL = hostile.base_url + "/api/v4"
    settings.PAPERDAILY_HUGGINGFACE_API_URL = hostile.base_url + "/api"
    settings.PAPERDAILY_RATE_LIMITS = dict.fromkeys(SOURCES, "1000 per second")
    settings.PAPERDAILY_HTTP_DEADLINE = DEADLINE
    settings.PAPERDAILY_HTTP_READ_TIMEOUT = 10.0  # the deadline, not the per-read timeout, must end it
    ratelimit.reset()
    return hostile


@pytest.fixture
def memory_guard():
    """A client that unpacks a stacked gzip would take gigabytes: fail with MemoryError instead."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    in_use = int(re.search(r"VmSize:\s+(\d+) kB", Path("/proc/self/status").read_text())[1]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (in_use + 1500 * 1024 * 1024, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.django_db
@pytest.mark.parametrize("source", SOURCES)
def test_it_fails_with_one_clear_message_within_the_deadline(source, pointed_at, memory_guard):
    command, link, _ = SOURCES[source]

    started = time.monotonic()
    with pytest.raises(CommandError) as caught:
        call_command(command, link)
    elapsed = time.monotonic() - started

    assert re.search(expected(pointed_at.mode, source), str(caught.value)), str(caught.value)
    assert elapsed < DEADLINE + SLACK, f"{elapsed:.1f} s"


# The child runs the real command against the test database; the worst modes for memory and
# time are run against every source, the others against one (they share one code path).
MEMORY_CASES = [
    (mode, source)
    for mode in MODES
    for source in (SOURCES if mode in {"gzip-gzip", "gzip-gzip-gzip", "trickle-headers"} else ["github"])
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("mode", "source"), MEMORY_CASES)
def test_it_stays_small_in_a_child_process(mode, source):
    command, link, _ = SOURCES[source]
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PAPERDAILY_HTTP_DEADLINE": str(DEADLINE),
        "PYTHONWARNINGS": "ignore",
        **{f"PAPERDAILY_{name.upper()}_RATE_LIMIT": "1000 per second" for name in SOURCES},
    }

    with HostileServer(mode) as hostile:
        env.update(
            PAPERDAILY_ARXIV_API_URL=hostile.base_url + "/api/query",
            PAPERDAILY_CROSSREF_API_URL=hostile.base_url,
            PAPERDAILY_SEMANTIC_SCHOLAR_API_URL=hostile.base_url + "/graph/v1",
            PAPERDAILY_GITHUB_API_URL=hostile.base_url,
            PAPERDAILY_GITLAB_API_URL=hostile.base_url + "/api/v4",
            PAPERDAILY_HUGGINGFACE_API_URL=hostile.base_url + "/api",
        )
        result = run_measured([sys.executable, "manage.py", command, link], cwd=ROOT, env=env, timeout=60)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert re.search(expected(mode, source), result.stderr), result.stderr
    assert result.peak_mb < PEAK_MB
    # Python and Django starting up take a second or two of the budget on this shared machine.
    assert result.seconds < DEADLINE + 8


def test_it_measures_a_childs_own_memory_not_the_test_process_it_was_forked_from(tmp_path):
    script = tmp_path / "grow.py"
    script.write_text("block = bytearray(80 * 1024 * 1024)\nfor i in range(0, len(block), 4096):\n    block[i] = 1\n")
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1

    result = run_measured([sys.executable, str(script)], cwd=tmp_path, env=dict(os.environ), timeout=30)

    assert result.returncode == 0, result.stderr
    assert 80 < result.peak_mb < 200
    assert result.stderr == ""
