"""resolve_paper and resolve_repo against hostile upstreams: wall time and peak memory, per mode.

Starts tests/hostile.py's server in each mode in turn, points all four APIs at it, and runs the
management command for each source in a child process, as an operator would, with the default
settings (the deadline included) unless told otherwise. Prints one row per run: mode, source,
command, exit code, seconds, the child's peak RSS (from wait4) and the last line it wrote.

Each child's address space is capped (``--memory-limit``, 3 GB) and it is killed after
``--timeout`` seconds, so that running this against a client without bounds (``--root`` an older
checkout) cannot take the machine down.

Needs PostgreSQL and Redis as ``make test`` does; uses its own database (``paperdaily_bench_hostile``,
created and migrated when missing).
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import MODES, HostileServer, run_measured  # noqa: E402 (the path is set just above)

SOURCES = {
    "arxiv": ("resolve_paper", "1808.01244"),
    "crossref": ("resolve_paper", "doi:10.18653/v1/D18-1217"),
    "semantic_scholar": ("resolve_paper", "https://aclanthology.org/D18-1217/"),
    "github": ("resolve_repo", "https://github.com/tensorflow/models"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--sources", nargs="+", choices=list(SOURCES), default=list(SOURCES))
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose manage.py runs (an older one)")
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds before a child is killed")
    parser.add_argument("--memory-limit", type=int, default=3_000_000_000, help="bytes of address space a child")
    parser.add_argument("--deadline", help="PAPERDAILY_HTTP_DEADLINE for the children (default: the setting's)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/paperdaily_bench_hostile")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": "paperdaily-bench",
        "PYTHONWARNINGS": "ignore",
        # The figures measure the client, not the wait for a rate-limit slot.
        **{f"PAPERDAILY_{name.upper()}_RATE_LIMIT": "1000 per second" for name in SOURCES},
    }
    if args.deadline:
        env["PAPERDAILY_HTTP_DEADLINE"] = args.deadline
    ensure_database(args.database_url, args.root, env)

    print(f"{'mode':<16} {'source':<17} {'command':<14} {'exit':>4} {'seconds':>8} {'peak MB':>8}  message")
    for mode in args.modes:
        with HostileServer(mode) as server:
            env.update(
                PAPERDAILY_ARXIV_API_URL=server.base_url + "/api/query",
                PAPERDAILY_CROSSREF_API_URL=server.base_url,
                PAPERDAILY_SEMANTIC_SCHOLAR_API_URL=server.base_url + "/graph/v1",
                PAPERDAILY_GITHUB_API_URL=server.base_url,
            )
            for source in args.sources:
                command, link = SOURCES[source]
                result = run_measured(
                    [sys.executable, "manage.py", command, link],
                    cwd=args.root,
                    env=env,
                    timeout=args.timeout,
                    memory_limit=args.memory_limit,
                )
                lines = result.stderr.strip().splitlines() or ["(killed)" if result.returncode < 0 else ""]
                print(
                    f"{mode:<16} {source:<17} {command:<14} {result.returncode:>4} {result.seconds:>8.1f} "
                    f"{result.peak_mb:>8.0f}  {lines[-1][:110]}",
                    flush=True,
                )


def ensure_database(url, root, env):
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
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity=0"], cwd=root, env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
