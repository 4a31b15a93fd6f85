"""Benchmark: full-text search beside the paper page, on 100,000 synthetic papers.

Fills a database of its own with synthetic papers (English titles and abstracts, authors,
code, and recommendations whose write-ups are half Chinese, half English) placed in
published issues, then measures in one run, interleaved, the search page, the API search,
the paper page and the issue page: median and p95 latency and SQL queries per request.
It prints the search p95 as a multiple of the paper page's p95 (target: 5x at most), the
EXPLAIN (ANALYZE, BUFFERS) of the search SQL for an English, a Chinese and a misspelt query
with whether the plan uses the GIN / trigram indexes, and the query counts of the paper and
issue pages on a small fill beside the large one (target: equal), and the paper page's median
on the small fill beside the large one's (target: 1.5 times at most). Paper pages are drawn
among ``--stored-related`` papers whose related papers it stores first, as the nightly task does.

    .venv/bin/python bench/search.py [--papers 100000] [--requests 200] [--reuse]

Requests go through Django's test client in this process (DEBUG off), so the figures are
the portal's own time (routing, queries, templates) without a web server in front.

Needs PostgreSQL as ``make test`` does. Uses its own databases (``paperdaily_bench`` and
``paperdaily_bench_small`` on the same server, dropped and created afresh unless ``--reuse``
finds them filled at the asked size), so it never touches the portal's or the suite's data.
It prints FAIL against a missed target but exits 0: it is a measurement, not a test.
"""

import argparse
import html
import io
import json
import os
import random
import statistics
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdaily_bench"
SEARCH_P95_TARGET = 5.0  # search p95 within this multiple of the paper page's p95
PAPER_PAGE_SCALE_TARGET = 1.5  # paper page median at the large fill within this multiple of the small's
COPY_BATCH = 20_000  # rows per COPY: bounded memory, few round trips
REFRESH_CHUNK = 5_000  # papers per search-column refresh: one transaction each, spread over the cores
FILL_TABLE = "bench_search_fill"  # one row: what the fill holds, so that --reuse can trust it

# Queries a reader might type: (label, query string of /search/).
SEARCH_QUERIES = [
    ("rare term", {"q": "Koopman"}),
    ("common term", {"q": "learning"}),
    ("several words", {"q": "graph neural network robustness"}),
    ("quoted phrase", {"q": '"contrastive learning"'}),
    ("Chinese", {"q": "图神经网络"}),
    ("Chinese, two terms", {"q": "知识蒸馏 推荐系统"}),
    ("misspelt", {"q": "Transfromer"}),
    ("author", {"q": "Wei Zhang"}),
    ("area filter", {"q": "diffusion", "area": "CV"}),
]
# The queries whose plans are printed: (label, query), one for each kind of match.
EXPLAIN_QUERIES = [
    ("English", "graph neural network"),
    ("Chinese", "图神经网络"),
    ("misspelt", "Transfromer"),
    ("misspelt, rare word", "Kopman"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000, help="papers in the large fill")
    parser.add_argument("--small-papers", type=int, default=1_000, help="papers in the small fill (query counts)")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per endpoint first")
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled at this size")
    parser.add_argument(
        "--stored-related",
        type=int,
        default=300,
        help="featured papers whose related papers are stored first, as the nightly task would (pages are drawn"
        " among them)",
    )
    parser.add_argument("--seed", type=int, default=6, help="seed of the synthetic data and the request order")
    parser.add_argument(
        "--database-url", default=DEFAULT_DATABASE_URL, help="the large fill; the small one adds _small"
    )
    args = parser.parse_args()
    if args.papers < 100 or args.small_papers < 100:
        parser.error("fills need 100 papers or more")

    os.environ.update(bench_environment(args.database_url))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperdaily.settings")
    django.setup()

    base, large_name = args.database_url.rsplit("/", 1)
    small_name = f"{large_name}_small"
    print(f"search benchmark: {args.papers:,} papers (small fill {args.small_papers:,}), seed {args.seed}")

    use_database(small_name)
    prepare(base, small_name, papers=args.small_papers, seed=args.seed, reuse=args.reuse)
    store_related(small_name, count=args.stored_related, rng=random.Random(args.seed))
    small_counts = page_query_counts(random.Random(args.seed))
    small_paper_ms = paper_page_times(requests=args.requests, warmup=args.warmup, rng=random.Random(args.seed))

    use_database(large_name)
    prepare(base, large_name, papers=args.papers, seed=args.seed, reuse=args.reuse)
    store_related(large_name, count=args.stored_related, rng=random.Random(args.seed))
    figures = measure(requests=args.requests, warmup=args.warmup, rng=random.Random(args.seed))
    large_counts = page_query_counts(random.Random(args.seed))
    report(args, figures, small_counts, large_counts)
    report_scale(args, small_paper_ms, [row["ms"] for row in figures["paper page"]])
    explain_search()
    explain_slowest(figures, "paper page")


def bench_environment(database_url):
    return {
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "localhost,testserver",
        "DATABASE_URL": database_url,
        # No Redis: the cache lives in this process, so no throttle count of an earlier run is left in it.
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        # One client sends every request: the readers' budgets would turn the API into 429s.
        "PAPERDAILY_API_RATE_ANON": "1000000/min",
        "PAPERDAILY_API_RATE_USER": "1000000/min",
    }


# --- The databases


def use_database(name):
    """Point Django's connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def server_connection(base):
    import psycopg2

    connection = psycopg2.connect(f"{base}/postgres")
    connection.autocommit = True
    return connection


def prepare(base, name, *, papers, seed, reuse, topic_agreement=None):
    """The database ``name`` migrated and filled with ``papers`` papers, afresh unless ``reuse`` can keep it."""
    from django.core.management import call_command
    from django.db import connection

    if reuse and filled_at(base, name) == (papers, seed) and not pending_migrations():
        print(f"{name}: reusing its fill of {papers:,} papers")
        return
    connection.close()
    from psycopg2 import sql

    server = server_connection(base)
    with server.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server.close()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    phases = fill(papers=papers, seed=seed, topic_agreement=topic_agreement)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FILL_TABLE} (papers integer NOT NULL, seed integer NOT NULL)")
        cursor.execute(f"INSERT INTO {FILL_TABLE} VALUES (%s, %s)", [papers, seed])  # noqa: S608 - a constant name
    total = time.perf_counter() - started
    print(
        f"{name}: filled {papers:,} papers in {total:.1f} s (migrate {migrated - started:.1f} s, "
        + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in phases)
        + ")"
    )


def filled_at(base, name):
    """(papers, seed) of the fill that database ``name`` holds, or None."""
    from django.db import connection

    server = server_connection(base)
    with server.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    server.close()
    if not exists:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [FILL_TABLE])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT papers, seed FROM {FILL_TABLE}")  # noqa: S608 - a constant name
        row = cursor.fetchone()
    return tuple(row) if row else None


def pending_migrations():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


# --- The fill


def fill(*, papers, seed, topic_agreement=None):
    """Generate the rows and load them with COPY; returns the time of each phase.

    The rows go in with triggers off (``session_replication_role = replica``: the search
    triggers and the foreign-key checks, which would each run once per row); the search
    columns are then filled by set-based UPDATEs through the migration's own function, and
    the GIN indexes are built once at the end rather than updated row by row.
    """
    from django.db import connection

    phases = []
    started = time.perf_counter()
    data = SyntheticData(papers=papers, seed=seed, topic_agreement=topic_agreement)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        gin_indexes = drop_gin_indexes(cursor)
        try:
            for model, columns, rows in data.tables():
                copy_rows(cursor, model, columns, rows)
            reset_sequences(cursor)
            phases.append(("generate and COPY", time.perf_counter() - started))

            started = time.perf_counter()
            fill_search_columns(cursor)
            phases.append(("search columns", time.perf_counter() - started))
        finally:
            # Whatever happened, the connection gets its triggers back and the table its indexes.
            cursor.execute("SET session_replication_role = DEFAULT")
            started = time.perf_counter()
            # GIN builds use one core each (PostgreSQL 15): build the indexes side by side.
            in_parallel([(definition, None) for definition in gin_indexes])
        phases.append((f"{len(gin_indexes)} GIN indexes", time.perf_counter() - started))

        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        phases.append(("VACUUM ANALYZE", time.perf_counter() - started))
    return phases


def drop_gin_indexes(cursor):
    """Drop the GIN indexes of the app tables; returns their definitions, to build them again once filled."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        " AND indexdef ILIKE '%% USING gin %%' ORDER BY indexname"
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def fill_search_columns(cursor):
    """Fill every paper's search columns with the migration's own function, a core per connection.

    ``papers_search_refresh`` (papers/migrations/0004_search.py) is what the triggers call and
    what the migration's backfill runs, so the fill indexes exactly what the portal would. Its
    cost is per paper (a few lookups, regular expressions, ``to_tsvector``): ranges of ids go
    to as many connections as there are cores.
    """
    # Statistics first: the function's lookups by paper must plan as index scans on the loaded tables.
    cursor.execute("ANALYZE")
    cursor.execute("SELECT min(id), max(id) FROM papers_paper")
    low, high = cursor.fetchone()
    if low is None:
        return
    ranges = [(start, min(start + REFRESH_CHUNK - 1, high)) for start in range(low, high + 1, REFRESH_CHUNK)]
    refresh = "SELECT papers_search_refresh(ARRAY(SELECT id FROM papers_paper WHERE id BETWEEN %s AND %s))"
    in_parallel([(refresh, bounds) for bounds in ranges])


def in_parallel(statements):
    """Run each (sql, params) on a connection of its own, as many at once as there are cores."""
    import psycopg2
    from django.db import connection

    params = connection.get_connection_params()

    def run(statement):
        worker = psycopg2.connect(**params)
        worker.autocommit = True
        try:
            with worker.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")  # for index builds
                cursor.execute(*statement)
        finally:
            worker.close()

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(run, statements))


def reset_sequences(cursor):
    """The ids were given explicitly: move each sequence past them, as ``sqlsequencereset`` would."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    models = [model for config in apps.get_app_configs() for model in config.get_models()]
    for statement in connection.ops.sequence_reset_sql(no_style(), models):
        cursor.execute(statement)


def copy_rows(cursor, model, columns, rows):
    """COPY ``rows`` (tuples in the order of ``columns``, attribute names) into the model's table.

    Every other column gets the model field's default (or NULL), so that a field added
    later does not break the fill.
    """
    fields = {field.attname: field for field in model._meta.concrete_fields}
    extra = []
    for field in fields.values():
        if field.attname in columns or getattr(field, "generated", False):
            continue
        value = field_default(field)
        if value is not _NULL:
            extra.append((field.column, value))
    names = [fields[column].column for column in columns] + [column for column, _value in extra]
    tail = [encode(value) for _column, value in extra]
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN'
    buffer = io.StringIO()
    for count, row in enumerate(rows, start=1):
        buffer.write("\t".join([*(encode(value) for value in row), *tail]))
        buffer.write("\n")
        if count % COPY_BATCH == 0:
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            buffer = io.StringIO()
    if buffer.tell():
        buffer.seek(0)
        cursor.copy_expert(statement, buffer)


_NULL = object()
_NOW = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)


def field_default(field):
    if field.primary_key:
        return _NULL
    if field.has_default():
        return field.get_default()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return _NOW
    if field.null:
        return _NULL
    if field.get_internal_type() in ("CharField", "TextField", "SlugField", "URLField", "EmailField", "FileField"):
        return ""
    raise ValueError(f"the bench fill does not know what to put in {field.model.__name__}.{field.name}")


def _items(text):
    """A list from comma-separated text: long vocabularies read better as prose."""
    return [item.strip() for item in text.split(",")]


def _words(text):
    return text.split()


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def encode(value):
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return escape_copy(json.dumps(value, ensure_ascii=False))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return escape_copy(str(value))


def escape_copy(text):
    # Most values hold none of the four characters: looking costs less than translating.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


# --- Measuring


def client():
    from django.test import Client

    # Exceptions inside a view surface here, with their traceback, instead of as a 500.
    return Client(raise_request_exception=True)


def exists(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def timed_get(browser, path, params):
    """One GET: its milliseconds, SQL queries, status, milliseconds in SQL and slowest statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = browser.get(path, params)
        elapsed = (time.perf_counter() - started) * 1000
    statements = [(float(query["time"]) * 1000, query["sql"]) for query in queries.captured_queries]
    return {
        "ms": elapsed,
        "queries": len(statements),
        "status": response.status_code,
        "sql_ms": sum(ms for ms, _sql in statements),
        "slowest": max(statements, default=(0.0, "")),
    }


def store_related(name, *, count, rng):
    """Store the related papers of ``count`` random featured papers, as the nightly task does for all
    of them in turn (at 100,000 papers that takes nights: the bench stores the ones it opens)."""
    from recommendations.reading.related import related_papers_store
    from recommendations.visibility import featured_papers

    stored = featured_papers().filter(related_computed_at__isnull=False).count()
    wanted = max(0, count - stored)
    if not wanted:
        return
    candidates = list(featured_papers().filter(related_computed_at__isnull=True).values_list("pk", flat=True))
    chosen = rng.sample(candidates, min(wanted, len(candidates)))
    started = time.perf_counter()
    related_papers_store(paper_ids=chosen)
    seconds = time.perf_counter() - started
    each = 1000 * seconds / len(chosen)
    print(f"{name}: related papers stored for {len(chosen):,} papers in {seconds:.1f} s ({each:.0f} ms each)")


def sample_targets(rng, count):
    """Featured paper ids (of those with related papers stored, when there are) and published issue
    numbers to open, drawn at random."""
    from recommendations.models import Issue
    from recommendations.visibility import featured_papers

    paper_ids = list(featured_papers().filter(related_computed_at__isnull=False).values_list("pk", flat=True))
    paper_ids = paper_ids or list(featured_papers().values_list("pk", flat=True))
    numbers = list(Issue.objects.published().values_list("number", flat=True))
    return [rng.choice(paper_ids) for _ in range(count)], [rng.choice(numbers) for _ in range(count)]


def endpoints(rng, count):
    """Per endpoint: ``count`` requests, each (label, path, params)."""
    papers, numbers = sample_targets(rng, count)
    plan = {}
    if exists("/search/"):
        plan["search page"] = [(label, "/search/", params) for label, params in cycle(SEARCH_QUERIES, count)]
    if exists("/api/search/"):
        plan["API search"] = [(label, "/api/search/", params) for label, params in cycle(SEARCH_QUERIES, count)]
    plan["paper page"] = [("", f"/papers/{pk}/", {}) for pk in papers]
    plan["issue page"] = [("", f"/issues/{number}/", {}) for number in numbers]
    return plan


def cycle(items, count):
    return [items[i % len(items)] for i in range(count)]


def measure(*, requests, warmup, rng):
    """Every endpoint's requests, interleaved in a random order round by round; returns the samples."""
    browser = client()
    for requests_of in endpoints(rng, warmup).values():
        for _label, path, params in requests_of:
            browser.get(path, params)
    plan = endpoints(rng, requests)
    samples = {name: [] for name in plan}
    for i in range(requests):
        names = list(plan)
        rng.shuffle(names)
        for name in names:
            label, path, params = plan[name][i]
            samples[name].append({"label": label, **timed_get(browser, path, params)})
    return samples


def paper_page_times(*, requests, warmup, rng):
    """Milliseconds of ``requests`` paper pages of random featured papers, after ``warmup`` unmeasured."""
    browser = client()
    papers, _numbers = sample_targets(rng, warmup + requests)
    for pk in papers[:warmup]:
        browser.get(f"/papers/{pk}/")
    return [timed_get(browser, f"/papers/{pk}/", {})["ms"] for pk in papers[warmup:]]


def page_query_counts(rng, count=20):
    """(min, max) SQL queries of the paper page and of the issue page over ``count`` random ones each."""
    browser = client()
    papers, numbers = sample_targets(rng, count)
    counts = {}
    for name, paths in (
        ("paper page", [f"/papers/{pk}/" for pk in papers]),
        ("issue page", [f"/issues/{n}/" for n in numbers]),
    ):
        browser.get(paths[0])
        seen = [timed_get(browser, path, {})["queries"] for path in paths]
        counts[name] = (min(seen), max(seen))
    return counts


def p95(values):
    values = list(values)
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(args, samples, small_counts, large_counts):
    print()
    print(f"{args.requests} requests per endpoint after {args.warmup} unmeasured, interleaved at random:")
    print(
        f"  {'endpoint':<14} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'SQL ms':>7}"
        "  queries/request (min-max)  non-200"
    )
    for name, rows in samples.items():
        times = [row["ms"] for row in rows]
        queries = [row["queries"] for row in rows]
        failed = sum(row["status"] != 200 for row in rows)
        sql_ms = statistics.median(row["sql_ms"] for row in rows)
        print(
            f"  {name:<14} {statistics.median(times):>10.1f} {p95(times):>8.1f} {max(times):>8.1f} {sql_ms:>7.1f}"
            f"  {statistics.mean(queries):>5.1f} ({min(queries)}-{max(queries)}){'':<14} {failed}"
        )
    print("  (SQL ms: the median time in SQL per request, as Django's cursor timed it)")
    print("slowest statement of each endpoint:")
    for name, rows in samples.items():
        ms, sql = max(row["slowest"] for row in rows)
        print(f"  {name:<14} {ms:>8.1f} ms  {' '.join(sql.split())[:150]}")
    if "search page" not in samples:
        print("search page: /search/ does not exist yet, nothing to compare")
    paper_p95 = p95([row["ms"] for row in samples["paper page"]])
    for name in ("search page", "API search"):
        if name not in samples:
            continue
        ratio = p95([row["ms"] for row in samples[name]]) / paper_p95
        verdict = "PASS" if ratio <= SEARCH_P95_TARGET else "FAIL"
        print(f"{name} p95 / paper page p95 = {ratio:.2f}x (target <= {SEARCH_P95_TARGET:g}x): {verdict}")
    for name in ("search page", "API search"):
        if name not in samples:
            continue
        print(f"{name} by query (median / p95 ms, queries per request, papers found):")
        for label, params in SEARCH_QUERIES:
            rows = [row for row in samples[name] if row["label"] == label]
            times = [row["ms"] for row in rows]
            shown = " ".join(f"{key}={value}" for key, value in params.items())
            print(
                f"  {label:<20} {pad(shown, 36)} {statistics.median(times):>7.1f} / {p95(times):>7.1f}"
                f"  {max(row['queries'] for row in rows):>3}  {matches(params):>7,}"
            )
    print(f"query counts, small fill ({args.small_papers:,} papers) vs large fill ({args.papers:,} papers):")
    for name in ("paper page", "issue page"):
        small, large = small_counts[name], large_counts[name]
        verdict = "PASS" if small == large else "FAIL"
        print(f"  {name:<11} {small[0]}-{small[1]} vs {large[0]}-{large[1]}: {verdict}")


def report_scale(args, small_ms, large_ms):
    small, large = statistics.median(small_ms), statistics.median(large_ms)
    ratio = large / small
    verdict = "PASS" if ratio <= PAPER_PAGE_SCALE_TARGET else "FAIL"
    print(
        f"paper page median: {small:.1f} ms at {args.small_papers:,} papers, {large:.1f} ms at {args.papers:,}"
        f" = {ratio:.2f}x (target <= {PAPER_PAGE_SCALE_TARGET:g}x): {verdict}"
    )


def explain_slowest(samples, name):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement an endpoint ran: the target's other side."""
    from django.db import connection

    if name not in samples:
        return
    ms, sql = max(row["slowest"] for row in samples[name])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [line for (line,) in cursor.fetchall()]
    print()
    print(f"--- the {name}'s slowest statement ({ms:.1f} ms when measured): {' '.join(sql.split())[:300]}")
    print(plan_text(plan))


def plan_text(plan):
    """A plan's lines, each cut at 200 characters: a list of 2,000 ids says nothing more."""
    return "\n".join(line if len(line) <= 200 else line[:200] + " ..." for line in plan)


def pad(text, width):
    """``text`` padded to ``width`` columns of a terminal, where a Chinese character takes two."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)


def matches(params):
    """How many papers the search finds: a fast search that finds nothing would prove little."""
    from recommendations.reading.search import paper_search

    return paper_search(query=params["q"], area=params.get("area", "")).count()


def explain_search():
    """EXPLAIN (ANALYZE, BUFFERS) of the SQL the search page runs, and whether it uses the GIN indexes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef ILIKE '%% USING gin %%'"
        )
        gin_indexes = sorted(name for (name,) in cursor.fetchall())
    print()
    print(f"GIN indexes: {', '.join(gin_indexes) or 'none'}")
    # The SQL the search page runs; the API's while the page is not there.
    path = next((path for path in ("/search/", "/api/search/") if exists(path)), None)
    if path is None:
        print("no search endpoint: no search SQL to explain")
        return
    browser = client()
    for label, query in EXPLAIN_QUERIES:
        with CaptureQueriesContext(connection) as captured:
            browser.get(path, {"q": query})
        statements = [q["sql"] for q in captured.captured_queries if "search_" in q["sql"] or "%" in q["sql"]]
        if not statements:
            print(f"{label} query {query!r}: the search page ran no SQL on the search columns")
            continue
        used = set()
        for number, sql in enumerate(statements, start=1):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [line for (line,) in cursor.fetchall()]
            found = [name for name in gin_indexes if name in "\n".join(plan)]
            used.update(found)
            print()
            shown = sql if len(sql) <= 300 else sql[:300] + "..."
            print(f"--- {label} query {query!r} on {path}, statement {number} of {len(statements)}: {shown}")
            print(plan_text(plan))
        verdict = "PASS" if used else "FAIL"
        print(f"=== {label} query {query!r}: plan uses {', '.join(sorted(used)) or 'no GIN index'}: {verdict}")


# --- Synthetic content

AREAS = [("NLP", "Natural Language Processing"), ("CV", "Computer Vision"), ("ML", "Machine Learning")]
AREAS += [("IR", "Information Retrieval")]
TOPICS = {
    "NLP": "Machine Translation, Question Answering, Summarization, Dialogue Systems, Language Models, "
    "Named Entity Recognition, Sentiment Analysis, Text Classification, Information Extraction, Parsing, "
    "Code Generation, Multilingual NLP, Reasoning, Speech Recognition, Retrieval-Augmented Generation",
    "CV": "Object Detection, Image Segmentation, Image Generation, Video Understanding, Pose Estimation, "
    "Depth Estimation, 3D Reconstruction, Point Clouds, Image Captioning, Visual Question Answering, "
    "Face Recognition, Optical Flow, Super-Resolution, Tracking, Medical Imaging",
    "ML": "Graph Neural Networks, Reinforcement Learning, Contrastive Learning, Diffusion Models, Federated Learning, "
    "Meta-Learning, Optimization, Generative Models, Bayesian Deep Learning, Causal Inference, "
    "Knowledge Distillation, Model Compression, Continual Learning, Adversarial Robustness, Time Series",
    "IR": "Recommender Systems, Click-Through Rate Prediction, Learning to Rank, Dense Retrieval, Query Understanding, "
    "Knowledge Graphs, Conversational Search, Sequential Recommendation, Cross-Domain Recommendation, "
    "Fairness in Ranking, Entity Linking, Web Search, E-commerce Search, News Recommendation, Ad Ranking",
}
METHODS = _items(
    "Transformer, Diffusion Model, Graph Neural Network, Mixture of Experts, State Space Model, Vision Transformer, "
    "Language Model, Policy Gradient, Knowledge Distillation, Retrieval-Augmented Generation, Neural Radiance Field, "
    "Variational Autoencoder, Generative Adversarial Network, Recommender System, Object Detector, Attention "
    "Mechanism, Tokenizer, Prompt Tuning, Low-Rank Adaptation, Contrastive Learning, Self-Supervised Learning, "
    "Normalizing Flow, Point Cloud Network, Graph Transformer, Convolutional Network, Recurrent Network, "
    "Energy-Based Model, Neural ODE, Capsule Network, Memory Network"
)
ADJECTIVES = _items(
    "Efficient, Scalable, Robust, Sparse, Hierarchical, Multimodal, Causal, Adaptive, Lightweight, Interpretable, "
    "Unified, Equivariant, Federated, Continual, Zero-Shot, Few-Shot, Multilingual, Long-Context, Differentiable, "
    "Probabilistic, Masked, Latent, Dynamic, Structured, Compositional, Decentralized, Quantized, Streaming"
)
# Names without a plural: "Knowledge Distillations" is not what anyone writes.
UNCOUNTED = ("Learning", "Distillation", "Generation", "Tuning", "Adaptation", "Experts")
TASKS = [topic for topics in TOPICS.values() for topic in topics.split(", ")]
TECHNIQUES = _items(
    "via Contrastive Pretraining, with Sparse Attention, through Knowledge Distillation, using Synthetic Data, "
    "by Curriculum Learning, with Low-Rank Adapters, via Optimal Transport, under Distribution Shift, "
    "with Graph Attention, via Masked Modeling, at Scale, without Labels, with Human Feedback, in the Wild"
)
PROPERTIES = _items(
    "Robustness, Generalization, Calibration, Scaling Laws, Sample Efficiency, Expressivity, Stability, "
    "Fairness, Privacy, Memorization, Convergence, Transferability"
)
# Rare words: each is in about one title in a thousand, so "Koopman" finds a hundred papers of 100,000.
RARE = _items(
    "Koopman, Wasserstein, Sinkhorn, Hopfield, Langevin, Bregman, Lipschitz, Stiefel, Grassmannian, Riemannian"
)
NAME_PARTS = _words(
    "Mamba Llama Falcon Zephyr Orca Phoenix Atlas Nova Aurora Helix Vega Lyra Quill Sparrow Comet Tide "
    "Cedar Ember Prism Nimbus Pixel Echo Flux Onyx Rune Sage Tessera Vortex Willow Yarrow"
)
NAME_SUFFIXES = ["Net", "Former", "GPT", "BERT", "Diff", "GNN", "Rec", "Seg", "Det", "-7B", "-XL", "Flow", "Mix"]
DATASETS = _items(
    "ImageNet, COCO, GLUE, SQuAD, WMT14, MovieLens, Amazon-Book, OGB, ADE20K, Kinetics-400, LibriSpeech, "
    "CIFAR-100, MMLU, HumanEval, Cityscapes, ScanNet, MS MARCO, Yelp, Criteo, KITTI"
)
WEAKNESSES = _items("brittle, expensive to train, hard to scale, data hungry, poorly calibrated, slow at inference")
ABSTRACT_SENTENCES = [
    "We propose {name}, a {adj} {method} for {task}.",
    "Existing approaches to {task} rely on {methods} that are {weakness}.",
    "Our method combines a {method} with a {method2} {technique}.",
    "Experiments on {dataset} and {dataset2} show that {name} improves accuracy by {a}.{b} points over strong "
    "baselines.",
    "We further analyse the {property} of the learned representations and find that it depends on the depth of "
    "the model.",
    "Unlike prior work, our approach needs neither labelled data nor a {adj} teacher model.",
    "Theoretical analysis shows that the {property} of {methods} is governed by the spectrum of the data.",
    "The resulting model is {x} times faster than a {method2} of the same size.",
    "Ablations confirm that each component contributes to the final performance.",
    "Code and pretrained models are publicly available.",
    "We release a new benchmark for {task} with {n} annotated examples.",
    "Learning such representations remains an open problem in {task}.",
]
FIRST_NAMES = _words(
    "Wei Jing Li Hao Yu Xin Ming Yang Lei Jun Fang Hui Yan Tao Bo Qiang Lin Ping Kai Rui Xiao Yi Chen Jie Peng Long "
    "Zhen Yue Na Min Ying Hong Feng Bin Shan Lu Ning Xuan Zihan Yuxuan Haoran Zixuan Yutong Jiaqi Siyu "
    "Alice Bob Carol David Emma Frank Grace Henry Irene Jack Karen Liam Maria Noah Olivia Paul Quinn Rachel Sam "
    "Tom Uma Victor Wendy Xavier Yara Zoe Ahmed Priya Raj Ananya Arjun Sofia Lucas Mateo Hiroshi Yuki Haruto "
    "Sakura Minjun Jiwoo Seo-yeon Ivan Olga Dmitri Anna Lars Ingrid Pierre Camille Giulia Marco Elena Pablo"
)
LAST_NAMES = _words(
    "Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang Xie Song Tang "
    "Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Ren Shen Yao Jin "
    "Smith Johnson Brown Garcia Miller Davis Martinez Lopez Wilson Anderson Taylor Thomas Moore Jackson Martin Lee "
    "Thompson White Harris Clark Lewis Walker Hall Allen Young King Wright Scott Green Baker Adams Nelson Hill "
    "Kumar Singh Sharma Patel Gupta Das Rao Iyer Tanaka Suzuki Sato Watanabe Kim Park Choi Jung Kang Cho "
    "Ivanov Petrov Novak Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Rossi Russo Bianchi Romano "
    "Dubois Laurent Bernard Moreau Silva Santos Oliveira Costa Pereira Nguyen Tran Pham Hoang Khan Ali Hassan"
)
INSTITUTIONS = _items(
    "Tsinghua University, Peking University, Zhejiang University, Shanghai Jiao Tong University, "
    "Fudan University, MIT, Stanford University, Carnegie Mellon University, UC Berkeley, "
    "University of Oxford, ETH Zurich, University of Toronto, Mila, Google DeepMind, Microsoft Research, "
    "Meta AI, Alibaba DAMO Academy, Tencent AI Lab, ByteDance, Baidu Research"
)
VENUES = _words("NeurIPS ICML ICLR ACL EMNLP NAACL CVPR ICCV ECCV KDD WWW SIGIR AAAI IJCAI")
ZH_TERMS = _words(
    "神经网络 图神经网络 推荐系统 目标检测 预训练语言模型 强化学习 知识蒸馏 对比学习 扩散模型 大语言模型 注意力机制 "
    "机器翻译 语义分割 自监督学习 联邦学习 元学习 多模态学习 文本分类 问答系统 知识图谱 图像生成 语音识别 迁移学习 "
    "小样本学习 数据增强 检索增强生成 代码生成 时间序列预测 异常检测 点云 三维重建 视觉问答 命名实体识别 情感分析 "
    "对抗训练 模型压缩 量化 剪枝 混合专家 长文本建模 点击率预估 序列推荐 图像分类 姿态估计"
)
ZH_SENTENCES = [
    "这篇论文提出了一种基于{t1}的{t2}方法，",
    "作者把{t1}和{t2}结合起来，",
    "在多个公开数据集上取得了最好的结果。",
    "实验表明，该方法在{t1}任务上明显优于现有基线。",
    "推荐理由：思路简单，效果显著，代码已经开源。",
    "对于从事{t1}研究的同学很有参考价值。",
    "文章写作清晰，消融实验也很充分。",
    "不足之处在于计算开销较大，{t2}部分还有改进空间。",
    "与传统的{t1}相比，",
    "作者还分析了{t2}在大规模数据上的表现，",
    "值得一读。",
]
EN_WRITEUPS = [
    "A clear paper on {methods} for {task}.",
    "The authors show that a {adj} {method} beats much larger baselines on {dataset}.",
    "Worth reading if you work on {task}: the ablations are thorough and the code is released.",
    "The main idea is simple: replace the {method2} with a {adj} {method}.",
    "My only complaint is that the comparison with {method2s} is thin.",
    "Especially useful for practitioners who deploy {task} models under tight budgets.",
    "The analysis of {property} is the best part of the paper.",
]
ZH_NICKNAMES = _words("小明 阿杰 炼丹师 调参侠 一只学术菜鸟 深度学习爱好者 论文搬运工 夜猫子 北京小王 上海研究生")


def plural(method):
    return method if method.endswith(UNCOUNTED) else method + "s"


def lowered(words):
    """Method names as they read inside a sentence."""
    names = ("method", "methods", "method2", "method2s")
    return {**words, **{name: words[name].lower() for name in names}}


class SyntheticData:
    """All rows of a fill, made from a seed: the same seed, the same database."""

    def __init__(self, *, papers, seed, topic_agreement=None):
        self.rng = random.Random(seed)
        # None: a recommendation's topic is drawn at random, whatever the paper is about (search's
        # fill). A share (bench/for_you.py's 0.85): that share of recommendations is filed under
        # the topic the paper is about (its task), the rest at random, as recommenders disagree.
        self.topic_agreement = topic_agreement
        self.paper_count = papers
        self.author_count = max(100, papers * 3 // 10)
        self.recommender_count = max(50, papers // 50)
        self.issue_count = max(1, papers // 20)
        self.extra_recommendations = papers // 10

    def tables(self):
        """(model, columns, rows) for each table, parents first."""
        from papers.models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag
        from recommendations.models import Issue, IssueEntry, Recommendation, Recommender

        areas = [(i, code, name, i) for i, (code, name) in enumerate(AREAS, start=1)]
        yield Area, ["id", "code", "name", "position"], areas
        tags = self.tags()
        yield Tag, ["id", "name", "slug", "area_id", "approved"], tags
        authors = self.author_names = self.authors()
        yield Author, ["id", "name"], ((i, name) for i, name in enumerate(authors, start=1))
        papers = self.papers(tags, len(authors))
        yield (
            Paper,
            ["id", "title", "abstract", "venue", "year", "published_on", "institutions", "arxiv_id"]
            + ["abstract_url", "metadata_status", "created_at", "fetched_at"],
            (
                (p["id"], p["title"], p["abstract"], p["venue"], p["year"], p["published_on"], p["institutions"])
                + (p["arxiv_id"], f"https://arxiv.org/abs/{p['arxiv_id']}", "ok", p["created_at"], p["created_at"])
                for p in papers
            ),
        )
        yield (
            PaperAuthor,
            ["paper_id", "author_id", "position"],
            ((p["id"], author, position) for p in papers for position, author in enumerate(p["authors"], start=1)),
        )
        coded = [p for p in papers if p["code"]]
        yield (
            Repository,
            ["id", "url", "owner", "name", "stars", "language", "license", "fetch_status", "pushed_at"],
            (
                (i, p["code"]["url"], p["code"]["owner"], p["code"]["name"], p["code"]["stars"], "Python", "MIT")
                + ("ok", p["code"]["pushed_at"])
                for i, p in enumerate(coded, start=1)
            ),
        )
        yield (
            PaperRepository,
            ["paper_id", "repository_id", "position"],
            ((p["id"], i, 0) for i, p in enumerate(coded, start=1)),
        )
        yield (
            PaperLink,
            ["paper_id", "kind", "url", "label"],
            ((p["id"], "dataset", p["dataset"], "") for p in papers if p["dataset"]),
        )
        yield Recommender, ["id", "handle", "display_name"], self.recommenders()
        recommendations, entries = self.recommendations(papers, tags)
        yield (
            Recommendation,
            ["id", "paper_id", "recommender_id", "tag_id", "submitted_link", "writeup", "writeup_html", "status"]
            + ["created_at", "updated_at", "notified_status"],
            recommendations,
        )
        yield Issue, ["id", "number", "status", "published_at", "created_at"], self.issues()
        yield IssueEntry, ["issue_id", "recommendation_id", "position", "snapshot"], entries

    def tags(self):
        tags = []
        for area_id, (code, _name) in enumerate(AREAS, start=1):
            for name in TOPICS[code].split(", "):
                slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
                tags.append((len(tags) + 1, name, slug, area_id, True))
        return tags

    def authors(self):
        rng = self.rng
        names = set()
        while len(names) < self.author_count:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            middle = f" {rng.choice('ABCDEFGHJKLMNPRSTWXYZ')}." if rng.random() < 0.6 else ""
            names.add(f"{first}{middle} {last}")
        # "Wei Zhang" is a name readers search for: make it one of the authors, as it is in life.
        names.discard("Wei Zhang")
        return ["Wei Zhang", *sorted(names)[: self.author_count - 1]]

    def papers(self, tags, author_count):
        rng = self.rng
        per_month = {}
        papers = []
        for paper_id in range(1, self.paper_count + 1):
            year = rng.randint(2015, 2025)
            month = rng.randint(1, 12)
            day = rng.randint(1, 28)
            yymm = f"{year % 100:02d}{month:02d}"
            per_month[yymm] = per_month.get(yymm, 0) + 1
            name = rng.choice(NAME_PARTS) + rng.choice(NAME_SUFFIXES)
            method, method2 = rng.choice(METHODS), rng.choice(METHODS)
            words = {
                "name": name,
                "adj": rng.choice(ADJECTIVES),
                "method": method,
                "methods": plural(method),
                "method2": method2,
                "method2s": plural(method2),
                "task": rng.choice(TASKS),
                "technique": rng.choice(TECHNIQUES),
                "property": rng.choice(PROPERTIES),
            }
            code = None
            if rng.random() < 0.4:
                owner = f"{rng.choice(LAST_NAMES).lower()}-lab{paper_id % 997}"
                code = {
                    "url": f"https://github.com/{owner}/{name.lower()}-{paper_id}",
                    "owner": owner,
                    "name": f"{name.lower()}-{paper_id}",
                    "stars": int(rng.paretovariate(1.2) * 10),
                    "pushed_at": datetime(year, month, 15, tzinfo=UTC),
                }
            papers.append(
                {
                    "id": paper_id,
                    "title": self.title(words),
                    "abstract": self.abstract(words),
                    "venue": f"{rng.choice(VENUES)} {year}" if rng.random() < 0.7 else "",
                    "year": year,
                    "published_on": date(year, month, day),
                    "created_at": datetime(year, month, day, 12, 0, tzinfo=UTC),
                    "institutions": rng.sample(INSTITUTIONS, rng.randint(0, 2)),
                    "arxiv_id": f"{yymm}.{per_month[yymm]:05d}",
                    "authors": rng.sample(range(1, author_count + 1), rng.randint(1, 6)),
                    "code": code,
                    "dataset": f"https://data.example.org/{paper_id}" if rng.random() < 0.1 else "",
                    "words": words,
                }
            )
        return papers

    def title(self, w):
        rng = self.rng
        pattern = rng.randrange(9)
        if pattern == 0:
            title = f"{w['name']}: {w['adj']} {w['method']} for {w['task']}"
        elif pattern == 1:
            title = f"{w['adj']} {w['methods']} for {w['task']}"
        elif pattern == 2:
            title = f"Towards {w['adj']} {w['task']} with {w['methods']}"
        elif pattern == 3:
            title = f"{w['method']} {w['technique']}"
        elif pattern == 4:
            title = f"On the {w['property']} of {w['methods']}"
        elif pattern == 5:
            title = f"Rethinking the {w['method']} for {w['task']}"
        elif pattern == 6:
            title = f"{w['adj']} {w['task']} {w['technique']}"
        elif pattern == 7:
            title = f"When {w['methods']} Meet {w['method2s']}"
        else:
            title = f"A {w['adj']} {w['method']} Is All You Need for {w['task']}"
        if rng.random() < 0.01:
            title = f"{rng.choice(RARE)}-Inspired {title}"
        return title

    def abstract(self, w):
        rng = self.rng
        # Drawn once an abstract: a sentence that comes back reads the same, and the fill is twice as fast.
        values = {
            **lowered(w),
            "dataset": rng.choice(DATASETS),
            "dataset2": rng.choice(DATASETS),
            "weakness": rng.choice(WEAKNESSES),
            "a": rng.randint(1, 9),
            "b": rng.randint(0, 9),
            "x": rng.randint(2, 12),
            "n": rng.randint(2, 90) * 1000,
        }
        target = rng.randint(80, 200)
        draw, size = rng.random, len(ABSTRACT_SENTENCES)
        sentences, count = [], 0
        while count < target:
            sentence = ABSTRACT_SENTENCES[int(draw() * size)].format_map(values)
            sentences.append(sentence)
            count += sentence.count(" ") + 1
        return " ".join(sentences)

    def recommenders(self):
        rng = self.rng
        for i in range(1, self.recommender_count + 1):
            display = rng.choice(ZH_NICKNAMES) if rng.random() < 0.3 else ""
            yield i, f"reader{i:05d}", display

    def writeup(self, w):
        """Markdown and its HTML: one or two paragraphs, Chinese or English, as readers write them."""
        rng = self.rng
        paragraphs = []
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.5:
                picks = [rng.choice(ZH_SENTENCES) for _ in range(rng.randint(3, 6))]
                text = "".join(s.format(t1=rng.choice(ZH_TERMS), t2=rng.choice(ZH_TERMS)) for s in picks)
            else:
                picks = [rng.choice(EN_WRITEUPS) for _ in range(rng.randint(2, 4))]
                text = " ".join(s.format(**lowered(w), dataset=rng.choice(DATASETS)) for s in picks)
            paragraphs.append(text)
        markdown = "\n\n".join(paragraphs)
        # What recommendations/markdown.py makes of plain paragraphs, without its cost per row.
        html_text = "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in paragraphs)
        return markdown, html_text

    def recommendations(self, papers, tags):
        """Recommendation rows (one per paper, a second for a tenth) and the entries of the issues."""
        rng = self.rng
        pairs = [(p, rng.randint(1, self.recommender_count)) for p in papers]
        first = {p["id"]: who for p, who in pairs}
        for p in rng.sample(papers, self.extra_recommendations):
            # One recommendation per (recommender, paper), as the database requires.
            who = rng.randint(1, self.recommender_count)
            while who == first[p["id"]]:
                who = rng.randint(1, self.recommender_count)
            pairs.append((p, who))
        in_issues = set(rng.sample(range(len(pairs)), min(len(pairs), self.issue_count * 20)))
        tag_ids = [tag[0] for tag in tags]
        task_tags = {tag[1]: tag[0] for tag in tags}
        rows, entries = [], []
        order = list(in_issues)
        rng.shuffle(order)
        entry_of = {index: (1 + k // 20, 1 + k % 20) for k, index in enumerate(order)}
        for index, (p, who) in enumerate(pairs):
            markdown, html_text = self.writeup(p["words"])
            published = index in in_issues
            issue_number = entry_of[index][0] if published else self.issue_count
            created = self.issue_date(issue_number) - timedelta(days=rng.randint(1, 30))
            status = "published" if published else "accepted"
            rows.append(
                (index + 1, p["id"], who, self.tag_of(p, tag_ids, task_tags), f"https://arxiv.org/abs/{p['arxiv_id']}")
                + (markdown, html_text, status, created, created, status if published else "")
            )
            if published:
                issue, position = entry_of[index]
                entries.append((issue, index + 1, position, self.snapshot(p)))
        entries.sort(key=lambda entry: (entry[0], entry[2]))
        return rows, entries

    def tag_of(self, paper, tag_ids, task_tags):
        drawn = self.rng.choice(tag_ids)  # drawn either way: the search fill stays what it was
        if self.topic_agreement and self.rng.random() < self.topic_agreement:
            return task_tags[paper["words"]["task"]]
        return drawn

    def issue_date(self, number):
        return datetime(2012, 1, 6, 4, 0, tzinfo=UTC) + timedelta(days=number)

    def issues(self):
        for number in range(1, self.issue_count + 1):
            published = self.issue_date(number)
            yield number, number, "published", published, published - timedelta(days=1)

    def snapshot(self, p):
        """The card as publishing freezes it (recommendations/reading/cards.py's ``paper_facts`` shape)."""
        code = p["code"]
        return {
            "version": 1,
            "paper_id": p["id"],
            "title": p["title"],
            "authors": [self.author_names[author - 1] for author in p["authors"]],
            "institutions": p["institutions"],
            "venue": p["venue"],
            "year": p["year"],
            "published_on": p["published_on"].isoformat(),
            "arxiv_id": p["arxiv_id"],
            "doi": "",
            "acl_id": "",
            "openreview_id": "",
            "primary_category": "",
            "identifier_label": f"arXiv:{p['arxiv_id']}",
            "landing_url": f"https://arxiv.org/abs/{p['arxiv_id']}",
            "metadata_status": "ok",
            "code": [
                {
                    "url": code["url"],
                    "label": f"{code['owner']}/{code['name']}",
                    "full_name": f"{code['owner']}/{code['name']}",
                    "stars": code["stars"],
                    "language": "Python",
                    "license": "MIT",
                    "archived": False,
                    "pushed_at": code["pushed_at"].isoformat(),
                }
            ]
            if code
            else [],
            "links": [{"kind": "dataset", "url": p["dataset"], "label": ""}] if p["dataset"] else [],
        }


if __name__ == "__main__":
    main()
