"""Benchmark: every reading page beside the health check, under gunicorn, with wrk.

Starts gunicorn as docker-compose.yml does (sync workers; 2 of them by default, for a 2-core
machine) on a database of its own holding the demo issue, with Redis as the cache, and
measures in one run, one URL after another: ``/healthz``, a static file, the home page, the
archive, issue 128, a paper of it, a topic, a recommender, the leaderboard, search, the issues
feed and ``/api/issues/128/``. For each it prints requests/s, p50 and p99 latency, and the
throughput as a multiple of ``/healthz`` in the same run:

- **warm**: ``wrk -t1 -c8`` for ``--duration`` seconds, the same URL over and over;
- **uncached**: the same wrk run against a second gunicorn started with the page cache off
  (``PAGE_CACHE=false``): every page rendered, the throughput of the uncached path;
- **cold**: ``--cold-requests`` requests one after another on one connection, the cache
  emptied (Redis FLUSHDB on the bench's database) before each.

It also prints the gunicorn workers' resident memory after the first 1,000 requests and at
the end (target: at most 1.2 times), and FAIL beside any missed target of issue 16, but exits
0: it is a measurement, not a test.

    .venv/bin/python bench/pages.py [--duration 5] [--connections 8] [--workers 2] [--search-fill]

``--search-fill`` runs on bench/search.py's database (``paperdaily_bench``, 100,000 papers;
run that bench once first) instead of the demo issue. Needs PostgreSQL and Redis as
``make test`` does, and ``wrk`` (Debian's package: installed with apt-get when missing).
The database ``paperdaily_pages`` is dropped and created afresh; Redis database 12 is flushed.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
# Warm targets, as multiples of /healthz; the issue page rendered without the page cache has its own.
WARM_TARGETS = {
    "issue": 0.5,
    "home": 0.5,
    "paper": 0.5,
    "topic": 0.5,
    "recommender": 0.5,
    "feed": 0.5,
    "api issue": 0.5,
    "search": 0.1,
}
UNCACHED_TARGETS = {"issue": 0.06}
MEMORY_GROWTH_TARGET = 1.2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL (warm)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--cold-requests", type=int, default=60, help="requests per URL with the cache emptied")
    parser.add_argument("--port", type=int, default=8361)
    parser.add_argument("--search-fill", action="store_true", help="bench/search.py's 100,000 papers")
    args = parser.parse_args()

    wrk = ensure_wrk()
    database = "paperdaily_bench" if args.search_fill else "paperdaily_pages"
    env = bench_environment(f"{SERVER}/{database}")
    if not args.search_fill:
        prepare_demo(env, database)
    flush_redis()
    server = start_gunicorn(env, args)
    try:
        base = f"http://127.0.0.1:{args.port}"
        pages = discover(base)
        workers = worker_pids(server.pid)
        warm_up(base, pages, total=1000)
        early = memory(workers)
        warm = {name: run_wrk(wrk, base + path, args) for name, path in pages.items()}
        cold = {name: run_cold(base, path, args.cold_requests) for name, path in pages.items()}
        late = memory(worker_pids(server.pid))
        total = 1000 + sum(row["requests"] for row in warm.values()) + args.cold_requests * len(pages)
    finally:
        stop(server)
    # The same under wrk with the page cache off: every page rendered, the uncached path's throughput.
    server = start_gunicorn({**env, "PAGE_CACHE": "false"}, args)
    try:
        warm_up(base, pages, total=100)
        uncached = {name: run_wrk(wrk, base + path, args) for name, path in pages.items()}
    finally:
        stop(server)
    report(pages, warm, uncached, cold, early, late, total, args)


# --- Set-up


def ensure_wrk():
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing Debian's package", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)  # noqa: S603, S607
    return shutil.which("wrk")


def bench_environment(database_url):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperdaily.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "LOG_LEVEL": "WARNING",
        # One client sends every request: the readers' budget would turn the API into 429s.
        "PAPERDAILY_API_RATE_ANON": "100000000/min",
        "PAPERDAILY_API_RATE_USER": "100000000/min",
    }


def prepare_demo(env, database):
    import psycopg2

    connection = psycopg2.connect(f"{SERVER}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()
    # collectstatic: pages link hashed names, as make run and the image serve them.
    for command in (["migrate", "--noinput", "-v0"], ["loaddemo"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def start_gunicorn(env, args):
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "paperdaily.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--timeout",
        "30",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 - our own interpreter
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        stop(server)
        raise SystemExit("gunicorn did not start")
    # Every worker up: each answers its first request slower (imports, connections).
    while len(worker_pids(server.pid)) < args.workers and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def stop(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def worker_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def memory(pids):
    """Resident memory of each process, in MB."""
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


# --- The pages


def get(base, path, connection=None):
    parts = urlsplit(base)
    own = connection is None
    connection = connection or http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path, headers={"Accept-Language": "en"})
    response = connection.getresponse()
    body = response.read()
    if own:
        connection.close()
    return response.status, body.decode("utf-8", "replace")


def discover(base):
    """Name -> path of every page measured, found from the pages themselves."""
    _status, home = get(base, "/")
    stylesheet = re.search(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', home) or re.search(
        r'href="(/static/[^"]+\.css)"', home
    )
    _status, issue = get(base, "/issues/128/")
    paper = re.search(r'href="(/papers/\d+/)"', issue).group(1)
    topic = re.search(r'href="(/tags/[^"/]+/)"', issue).group(1)
    recommender = re.search(r'href="(/recommenders/[^"/]+/)"', issue).group(1)
    pages = {
        "healthz": "/healthz",
        "static file": stylesheet.group(1),
        "home": "/",
        "archive": "/issues/",
        "issue": "/issues/128/",
        "paper": paper,
        "topic": topic,
        "recommender": recommender,
        "leaderboard": "/recommenders/",
        "search": "/search/?q=neural%20networks",
        "feed": "/feeds/issues.atom",
        "api issue": "/api/issues/128/",
    }
    for name, path in pages.items():
        status, _body = get(base, path)
        if status != 200:
            raise SystemExit(f"{name} ({path}) answered {status}")
    return pages


def warm_up(base, pages, *, total):
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    paths = list(pages.values())
    for n in range(total):
        get(base, paths[n % len(paths)], connection)
    connection.close()


def run_wrk(wrk, url, args):
    out = subprocess.run(  # noqa: S603 - wrk on our own server
        [wrk, "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rate": rate,
        "requests": requests,
        "p50": wrk_latency(out, "50%"),
        "p99": wrk_latency(out, "99%"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def wrk_latency(out, percentile):
    """A latency percentile of wrk's --latency table, in ms."""
    value, unit = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_cold(base, path, count):
    import redis

    cache = redis.Redis.from_url(REDIS_URL)
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times = []
    for _ in range(count):
        cache.flushdb()
        started = time.perf_counter()
        status, _body = get(base, path, connection)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status} with the cache emptied")
    connection.close()
    times.sort()
    return {
        "rate": 1000 * len(times) / sum(times),
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
    }


# --- The table


def report(pages, warm, uncached, cold, early, late, total, args):
    print(
        f"\ngunicorn, {args.workers} sync workers; warm: wrk -t1 -c{args.connections} -d{args.duration}s per URL; "
        "uncached: the same with the page cache off (PAGE_CACHE=false), every page rendered; "
        f"cold: {args.cold_requests} requests one after another on one connection, Redis emptied before each\n"
    )
    header = f"{'page':<13} {'path':<30}"
    for group in ("warm", "uncached", "cold"):
        header += f" {group + ' r/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'× healthz':>9}"
    print(header)
    print("-" * len(header))
    misses = []
    for name, path in pages.items():
        line = f"{name:<13} {path[:30]:<30}"
        ratios = {}
        for group, rows in (("warm", warm), ("uncached", uncached), ("cold", cold)):
            row = rows[name]
            ratios[group] = row["rate"] / rows["healthz"]["rate"]
            line += f" {row['rate']:>12.0f} {row['p50']:>7.1f} {row['p99']:>7.1f} {ratios[group]:>9.2f}"
        errors = warm[name].get("errors", 0) + uncached[name].get("errors", 0)
        print(line + (f"  ({errors} non-2xx)" if errors else ""))
        if name in WARM_TARGETS and ratios["warm"] < WARM_TARGETS[name]:
            misses.append(f"warm {name}: {ratios['warm']:.2f} × healthz, target {WARM_TARGETS[name]}")
        if name in UNCACHED_TARGETS and ratios["uncached"] < UNCACHED_TARGETS[name]:
            misses.append(f"uncached {name}: {ratios['uncached']:.2f} × healthz, target {UNCACHED_TARGETS[name]}")
    growth = sum(late) / sum(early) if early and late else float("nan")
    print(
        f"\nworkers' memory: {', '.join(f'{mb:.0f}' for mb in early)} MB after 1,000 requests; "
        f"{', '.join(f'{mb:.0f}' for mb in late)} MB after {total:,} (× {growth:.2f})"
    )
    if growth > MEMORY_GROWTH_TARGET:
        misses.append(f"memory grew × {growth:.2f}, target ≤ {MEMORY_GROWTH_TARGET}")
    for miss in misses:
        print(f"FAIL {miss}")
    if not misses:
        print("All targets met.")


if __name__ == "__main__":
    main()
