"""Benchmark: refresh one issue of 20 arXiv papers and 20 GitHub repositories.

The real path end to end: the ``refresh_issue`` task is sent over Redis to a real Celery
worker (prefork, 8 processes, as docker-compose.yml runs it); it fans out; the workers ask
local replay servers on 127.0.0.1 standing in for arXiv, Semantic Scholar and GitHub, each
answering every request after ``--latency`` seconds; results land in PostgreSQL. Prints the
requests made per host, the wall time from sending the task to the last row stored, and its
ratio to one request's latency.

    .venv/bin/python bench/assemble.py [--papers 20] [--latency 0.2] [--pool prefork] [--concurrency 8] [--rounds 5]

The first round runs on a cold worker (its processes open their database and HTTP connections);
the others show the steady state of a long-running worker, which the target is judged on.

Needs PostgreSQL and Redis as ``make test`` does. Uses its own database
(``paperdaily_bench``, created when missing) and Redis database 14, so it never touches
the portal's or the suite's data.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from copy import deepcopy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.replay import ReplayServer  # noqa: E402 (the path is set just above)

ARXIV_SPACING = 3.0  # arXiv's terms: one request every 3 s for the whole site
DATA = ROOT / "tests" / "data"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20, help="papers (and repositories) in the issue")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before every answer")
    parser.add_argument("--concurrency", type=int, default=8, help="worker processes (or threads)")
    parser.add_argument("--pool", choices=["prefork", "threads"], default="prefork", help="as docker-compose runs it")
    parser.add_argument("--rounds", type=int, default=5, help="refreshes: the first on a cold worker")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/paperdaily_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    servers = {name: ReplayServer(name=name, delay=args.latency).start() for name in ("arxiv", "s2", "github")}
    try:
        env = bench_environment(args, servers)
        os.environ.update(env)
        ensure_database(args.database_url)
        run(args, servers, env)
    finally:
        for server in servers.values():
            server.stop()


def bench_environment(args, servers):
    return {
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": "paperdaily-bench",
        "LOG_LEVEL": "WARNING",
        "PAPERDAILY_ARXIV_API_URL": servers["arxiv"].base_url + "/api/query",
        "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL": servers["s2"].base_url + "/graph/v1",
        "PAPERDAILY_GITHUB_API_URL": servers["github"].base_url,
        "PAPERDAILY_CROSSREF_API_URL": servers["s2"].base_url + "/crossref-unused",
        # arXiv keeps its real budget; the others are lifted so the figure measures our own code.
        "PAPERDAILY_SEMANTIC_SCHOLAR_RATE_LIMIT": "1000 per second",
        "PAPERDAILY_GITHUB_RATE_LIMIT": "1000 per second",
        "PAPERDAILY_HTTP_READ_TIMEOUT": str(max(5.0, args.latency * 10)),
    }


def ensure_database(url):
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def run(args, servers, env):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperdaily.settings")
    django.setup()
    from django.core.management import call_command

    from paperdaily.celery import app

    call_command("migrate", verbosity=0)
    issue = make_issue(args.papers)
    app.control.purge()

    worker = start_worker(env, args.pool, args.concurrency)
    rounds = []
    try:
        wait_for_ping(app, worker)
        single = time_one_request(servers["github"])
        for _ in range(args.rounds):
            rounds.append(refresh_once(issue, servers, args.papers))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    report(args, single, rounds)


def refresh_once(issue, servers, count):
    """One refresh of the issue, every row pending again first; returns its figures."""
    from papers.models import Paper, Repository
    from papers.sources import budgets as ratelimit
    from recommendations.issues import tasks as issue_tasks

    papers = Paper.objects.filter(arxiv_id__startswith="2501.")
    repositories = Repository.objects.filter(owner="paperdaily-bench")
    papers.update(metadata_status=Paper.MetadataStatus.PENDING)
    repositories.update(fetch_status=Repository.FetchStatus.PENDING, etag="")
    for server in servers.values():
        server.reset()
    script_answers(servers, count)
    # Each round is measured alone: the arXiv spacing itself is tested in tests/papers/test_ratelimit.py.
    ratelimit.reset()

    started = time.perf_counter()
    issue_tasks.refresh_issue.delay(issue.pk)
    deadline = started + 120
    while time.perf_counter() < deadline:
        pending = (
            papers.filter(metadata_status=Paper.MetadataStatus.PENDING).count()
            + repositories.filter(fetch_status=Repository.FetchStatus.PENDING).count()
        )
        if pending == 0:
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    return {
        "wall": wall,
        "requests": {name: len(server.requests) for name, server in servers.items()},
        "first_request": min(r.received_at for server in servers.values() for r in server.requests) - started,
        "ok": (
            papers.filter(metadata_status=Paper.MetadataStatus.OK).count(),
            repositories.filter(fetch_status=Repository.FetchStatus.OK).count(),
        ),
    }


def make_issue(count):
    """Issue 9001 as a draft of ``count`` entries, every paper and repository pending again."""
    from papers.models import Area, Paper, PaperRepository, Repository, Tag
    from recommendations.models import Issue, Recommendation, Recommender
    from tests.factories import add_to_issue, make_recommendation

    Issue.objects.filter(number=9001).delete()
    Recommendation.objects.filter(paper__arxiv_id__startswith="2501.").delete()
    Paper.objects.filter(arxiv_id__startswith="2501.").delete()
    Repository.objects.filter(owner="paperdaily-bench").delete()
    issue = Issue.objects.create(number=9001, status=Issue.Status.DRAFT)
    area, _ = Area.objects.get_or_create(code="ML", defaults={"name": "Machine Learning"})
    tag, _ = Tag.objects.get_or_create(slug="bench", defaults={"name": "Benchmark", "area": area})
    recommender, _ = Recommender.objects.get_or_create(handle="bench")
    for i in range(count):
        paper = Paper.objects.create(arxiv_id=arxiv_id(i), metadata_status=Paper.MetadataStatus.PENDING)
        repository = Repository.objects.create(
            url=f"https://github.com/paperdaily-bench/repo-{i}", owner="paperdaily-bench", name=f"repo-{i}"
        )
        PaperRepository.objects.create(paper=paper, repository=repository)
        recommendation = make_recommendation(
            paper=paper, recommender=recommender, tag=tag, status=Recommendation.Status.ACCEPTED
        )
        add_to_issue(issue, recommendation, i + 1)
    return issue


def arxiv_id(i):
    return f"2501.{10000 + i:05d}"


def script_answers(servers, count):
    servers["arxiv"].add("/api/query", body=arxiv_feed(count), headers={"Content-Type": "application/atom+xml"})
    servers["s2"].add("/graph/v1/paper/batch", method="POST", body=s2_batch(count))
    template = json.loads((DATA / "github" / "repos-tensorflow-models.json").read_text())
    for i in range(count):
        body = deepcopy(template["body"])
        body.update(id=900000 + i, name=f"repo-{i}", full_name=f"paperdaily-bench/repo-{i}", stargazers_count=i)
        body["owner"]["login"] = "paperdaily-bench"
        body["html_url"] = f"https://github.com/paperdaily-bench/repo-{i}"
        servers["github"].add(
            f"/repos/paperdaily-bench/repo-{i}", body=body, headers={"ETag": f'W/"bench-{i}"', **RATE_HEADERS}
        )


RATE_HEADERS = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-reset": "1893456000"}


def arxiv_feed(count):
    entries = "".join(ARXIV_ENTRY.format(id=arxiv_id(i), n=i) for i in range(count))
    return ARXIV_FEED.format(count=count, entries=entries)


ARXIV_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom">
  <id>https://arxiv.org/api/bench</id>
  <title>arXiv Query: bench</title>
  <updated>2025-01-31T00:00:00Z</updated>
  <link href="https://arxiv.org/api/query?id_list=bench" type="application/atom+xml"/>
  <opensearch:itemsPerPage>{count}</opensearch:itemsPerPage>
  <opensearch:totalResults>{count}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
{entries}</feed>
"""

ARXIV_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <title>Benchmark paper {n}: a title long enough to be wrapped
      over two lines</title>
    <updated>2025-01-20T18:00:00Z</updated>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>A synthetic abstract for the benchmark; it says nothing.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>2025-01-20T18:00:00Z</published>
    <arxiv:primary_category term="cs.LG"/>
    <author>
      <name>Bench Author {n}</name>
    </author>
  </entry>
"""


def s2_batch(count):
    template = json.loads((DATA / "semantic_scholar" / "batch-with-null.json").read_text())["body"][0]
    answers = []
    for i in range(count):
        paper = deepcopy(template)
        paper["externalIds"] = {"ArXiv": arxiv_id(i)}
        paper["title"] = f"Benchmark paper {i}"
        answers.append(paper)
    return answers


def start_worker(env, pool, concurrency):
    command = [sys.executable, "-m", "celery", "-A", "paperdaily", "worker", f"--pool={pool}"]
    command += [f"--concurrency={concurrency}", "-n", f"bench-{os.getpid()}@localhost", "-l", "WARNING"]
    # The banner would bury the figures; errors still reach stderr.
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)  # noqa: S603


def wait_for_ping(app, worker):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit("the worker stopped before answering")
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit("no worker answered within 60 s")


def time_one_request(server):
    """One request's latency as a client sees it: connect, the server's delay, the answer.

    The client is built first: building one loads TLS certificates, which is no request's cost.
    """
    import httpx

    server.add("/probe", body={"ok": True})
    with httpx.Client(timeout=10) as client:
        started = time.perf_counter()
        client.get(server.base_url + "/probe").raise_for_status()
        return time.perf_counter() - started


def report(args, single, rounds):
    print(
        f"issue of {args.papers} arXiv papers and {args.papers} GitHub repositories, {args.latency:.3f} s latency,"
        f" worker pool {args.pool} x {args.concurrency}"
    )
    print(f"one request on its own: {single:.3f} s")
    for number, figures in enumerate(rounds, 1):
        requests = figures["requests"]
        label = "cold worker" if number == 1 else "warm worker"
        print(
            f"round {number} ({label}): wall {figures['wall']:.3f} s = {figures['wall'] / single:.2f} x one request;"
            f" first request after {figures['first_request']:.3f} s;"
            f" requests arXiv {requests['arxiv']}, Semantic Scholar {requests['s2']}, GitHub {requests['github']};"
            f" stored ok {figures['ok'][0]}/{args.papers} papers, {figures['ok'][1]}/{args.papers} repositories"
        )
    warm = [figures["wall"] for figures in rounds[1:]] or [rounds[0]["wall"]]
    arxiv_requests = max(figures["requests"]["arxiv"] for figures in rounds)
    target = 3 * single + ARXIV_SPACING * max(0, arxiv_requests - 1)
    median = statistics.median(warm)
    verdict = "met" if arxiv_requests == 1 and median <= target else "MISSED"
    print(
        f"warm median {median:.3f} s = {median / single:.2f} x one request; target: arXiv requests = 1 and"
        f" wall <= {target:.3f} s (3 x one request + arXiv spacing): {verdict}"
    )


if __name__ == "__main__":
    main()
