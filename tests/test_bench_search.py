"""bench/search.py's fill, at a tiny scale: the benchmark measures what it claims to.

The fill commits for real (COPY, VACUUM), so this test runs with ``transaction=True``.
"""

import importlib.util
import random
from pathlib import Path

import pytest
from django.db import connection

from papers.models import Paper
from recommendations.models import Issue, IssueEntry, Recommendation
from recommendations.reading.search import paper_search
from recommendations.visibility import featured_papers

pytestmark = pytest.mark.django_db(transaction=True)

BENCH = Path(__file__).resolve().parent.parent / "bench" / "search.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_search", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gin_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef ILIKE '%% USING gin %%'")
        return {name for (name,) in cursor.fetchall()}


def test_it_fills_papers_issues_and_searchable_writeups(bench):
    indexes_before = gin_indexes()

    phases = bench.fill(papers=300, seed=1)

    assert [name for name, _seconds in phases][0] == "generate and COPY"
    assert Paper.objects.count() == 300
    assert Recommendation.objects.count() == 330
    assert Issue.objects.published().count() == 15
    assert IssueEntry.objects.count() == 300
    assert featured_papers().count() > 250
    # The triggers were off during the load: the set-based refresh filled every paper.
    assert not Paper.objects.filter(search_vector__isnull=True).exists()
    writeups = list(Recommendation.objects.values_list("writeup", flat=True))
    chinese = [text for text in writeups if any("\u4e00" <= ch <= "\u9fff" for ch in text)]
    assert 0.3 < len(chinese) / len(writeups) < 0.95
    assert paper_search(query="learning").exists()
    assert paper_search(query="推荐系统").exists()
    # The GIN indexes dropped for the load are back, as the migration made them.
    assert gin_indexes() == indexes_before
    assert {"papers_paper_search_vector_gin", "papers_paper_title_trgm"} <= indexes_before
    # New rows still get ids past the loaded ones.
    assert Paper.objects.create(title="After the fill").pk == 301


def test_it_counts_the_same_queries_on_every_paper_and_issue_page(bench, settings):
    # As in the bench's own process (no REDIS_URL): every page rendered, none from the page cache.
    settings.PAGE_CACHE_ENABLED = False
    bench.fill(papers=200, seed=2)

    counts = bench.page_query_counts(random.Random(2), count=5)

    assert set(counts) == {"paper page", "issue page"}
    for low, high in counts.values():
        assert 0 < low == high
