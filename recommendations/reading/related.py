"""Papers related to a paper: shared topics, shared recommenders, similar titles; stored by a worker.

One SQL query does it all in the database, so that the paper page costs the same whatever the
size of the archive: the candidates are the featured papers that share an approved topic or a
recommender with the paper through recommendations readers may see, plus (on PostgreSQL) those
whose title is close to its title (pg_trgm ``%``, served by the title trigram index of
migration papers/0004_search; at most SIMILAR_TITLE_CANDIDATES of them). Score: 3 a shared
topic + 2 a shared recommender + title similarity (0 to 1); ties go to the newest paper. A paper
whose details were never recorded (no title) is no one's related paper: a reader could not tell
what it is from a list.

That query's title search still grows with the archive (a hundred milliseconds at 100,000
papers with many alike titles), so pages do not run it: a worker stores each featured paper's
best ``STORED`` (``related_papers_store``) when its issue is published and, oldest first, every
night; the paper page and the API read them by key (``stored_related_papers``), keeping those
readers may still see. A paper no worker has reached yet gets them computed on the spot.
"""

import logging
import time

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from papers.models import Paper
from recommendations.models import Recommendation, RelatedPaper
from recommendations.visibility import PUBLISHED_RECOMMENDATIONS_SQL, featured_papers, published_recommendations_q

logger = logging.getLogger(__name__)

# A paper readers may see is the paper of a recommendation readers may see.
_PUBLISHED_JOIN = PUBLISHED_RECOMMENDATIONS_SQL

# The paper's approved topics and its recommenders, through recommendations readers may see.
_MY_TAGS = "SELECT m.tag_id FROM mine m JOIN papers_tag t ON t.id = m.tag_id WHERE t.approved"
_MY_RECOMMENDERS = "SELECT m.recommender_id FROM mine m"


def _among(column: str, subquery: str, *, postgresql: bool) -> str:
    """``column`` is one of the subquery's values. On PostgreSQL as ``= ANY(ARRAY(...))``: the array
    is computed once (an init plan) and each test is an index scan of the column, where ``IN``
    lets the planner misjudge the rows and scan whole tables. SQLite has no arrays."""
    return f"{column} = ANY(ARRAY({subquery}))" if postgresql else f"{column} IN ({subquery})"


# pg_trgm's default similarity threshold: the ``%`` operator's, so a "similar title" is one it found.
SIMILAR_TITLE = 0.3
# Papers sharing the most topics and recommenders that are scored with their title similarity.
SHARED_CANDIDATES = 50
# Titles close to the paper's that are looked at: the index finds them, and each costs a row read.
# Real titles rarely have this many neighbours; a templated archive could have thousands.
SIMILAR_TITLE_CANDIDATES = 100

# Every column of the paper but the bulky ones (raw metadata, search columns): a caller may show
# any fact of it (title, venue, identifiers, landing page) without another query per paper.
_SKIPPED = {"raw_metadata", "search_vector", "search_text"}
_COLUMNS = ", ".join(f"p.{field.column}" for field in Paper._meta.concrete_fields if field.name not in _SKIPPED)


def _sql(*, postgresql: bool) -> str:
    """The query for PostgreSQL (title similarity by pg_trgm, arrays) or, without, for SQLite."""
    if postgresql:
        close_titles = f"""
close_titles AS (
    SELECT p.id FROM papers_paper p, me
     WHERE me.title <> '' AND p.title %% me.title AND p.id <> me.id
       AND EXISTS (SELECT 1 {_PUBLISHED_JOIN} AND r.paper_id = p.id)
     LIMIT {SIMILAR_TITLE_CANDIDATES}
),"""  # noqa: S608 - module constants only
        also_close = "\n    UNION\n    SELECT id FROM close_titles"
        similarity = "CASE WHEN me.title <> '' THEN similarity(p.title, me.title) ELSE 0 END"
    else:
        close_titles = also_close = ""
        similarity = "0.0"
    my_tag = _among("r.tag_id", _MY_TAGS, postgresql=postgresql)
    my_recommender = _among("r.recommender_id", _MY_RECOMMENDERS, postgresql=postgresql)
    # Every step starts from the paper's own topics and recommenders (or the title index), through
    # the foreign-key indexes, and papers are read by primary key for the few best candidates only:
    # the cost follows the number of candidates, not the archive's size.
    # Built from this module's constants only; the paper's id and the limit go as parameters.
    return f"""
WITH me AS (SELECT id, title FROM papers_paper WHERE id = %(pk)s),
mine AS (SELECT r.tag_id, r.recommender_id {_PUBLISHED_JOIN} AND r.paper_id = %(pk)s),
shared AS (
    SELECT r.paper_id,
           COUNT(DISTINCT r.tag_id) FILTER (WHERE {my_tag}) AS shared_tags,
           COUNT(DISTINCT r.recommender_id) FILTER (WHERE {my_recommender}) AS shared_recommenders
      {_PUBLISHED_JOIN}
       AND r.paper_id <> %(pk)s
       AND ({my_tag} OR {my_recommender})
     GROUP BY r.paper_id
),
-- Title similarity adds less than 1 and a shared topic 3: only the best-sharing papers can win.
best_shared AS (
    SELECT paper_id AS id FROM shared
     ORDER BY 3 * shared_tags + 2 * shared_recommenders DESC, paper_id DESC
     LIMIT {SHARED_CANDIDATES}
),{close_titles}
candidates AS (
    SELECT id FROM best_shared{also_close}
)
SELECT {_COLUMNS},
       COALESCE(s.shared_tags, 0) AS shared_tags,
       COALESCE(s.shared_recommenders, 0) AS shared_recommenders,
       {similarity} AS similarity
  FROM candidates c
  JOIN papers_paper p ON p.id = c.id
  CROSS JOIN me
  LEFT JOIN shared s ON s.paper_id = c.id
 WHERE TRIM(p.title) <> ''
 ORDER BY 3 * COALESCE(s.shared_tags, 0) + 2 * COALESCE(s.shared_recommenders, 0) + {similarity} DESC,
          p.year DESC NULLS LAST, p.id DESC
 LIMIT %(limit)s
"""  # noqa: S608


def _uses_postgresql() -> bool:
    """Whether pg_trgm and the title trigram index are there (migration papers/0004_search)."""
    return connection.vendor == "postgresql"


def related_papers(paper: Paper, *, limit: int = 5) -> list[Paper]:
    """The ``limit`` featured papers most related to ``paper`` (never itself), best first.

    Each has ``shared_tags``, ``shared_recommenders`` (counts), ``similarity`` (title closeness,
    0 to 1) and ``similar_title`` (whether that closeness made it a candidate) set, and every
    column loaded but the raw metadata and the search columns.
    """
    if paper.pk is None or limit <= 0:
        return []
    sql = _sql(postgresql=_uses_postgresql())
    related = list(Paper.objects.raw(sql, {"pk": paper.pk, "limit": min(limit, 100)}))
    for other in related:
        other.similarity = float(other.similarity or 0.0)
        other.similar_title = other.similarity >= SIMILAR_TITLE
    return related


# Stored per paper: more than a page shows, so that one whose issue is taken back leaves a next one.
STORED = 10


def related_papers_store(*, paper_ids) -> int:
    """Compute and store the related papers of each of ``paper_ids``; returns how many papers."""
    done = 0
    for paper in Paper.objects.filter(pk__in=list(paper_ids)).only("pk", "title"):
        related = related_papers(paper, limit=STORED)
        with transaction.atomic():
            # The paper's row is updated first: it locks the row, so a second worker storing the
            # same paper at once waits here, then deletes what the first stored, instead of
            # colliding with it on (paper, rank).
            Paper.objects.filter(pk=paper.pk).update(related_computed_at=timezone.now())
            RelatedPaper.objects.filter(paper=paper).delete()
            RelatedPaper.objects.bulk_create(
                RelatedPaper(
                    paper=paper,
                    related=other,
                    rank=rank,
                    shared_tags=other.shared_tags,
                    shared_recommenders=other.shared_recommenders,
                    similarity=other.similarity,
                )
                for rank, other in enumerate(related, start=1)
            )
        done += 1
    return done


def related_papers_refresh(*, seconds: float, batch: int = 100) -> int:
    """Beat, nightly: store the related papers of featured papers, the never or longest ago
    computed first, for about ``seconds``; returns how many papers. What the time does not reach
    waits for the next night (at 100,000 papers one night does not reach them all)."""
    deadline, started = time.monotonic() + seconds, timezone.now()
    due = featured_papers().filter(Q(related_computed_at__isnull=True) | Q(related_computed_at__lt=started))
    due = due.order_by(F("related_computed_at").asc(nulls_first=True), "pk")
    done = 0
    while time.monotonic() < deadline:
        ids = list(due.values_list("pk", flat=True)[:batch])
        if not ids:
            break
        done += related_papers_store(paper_ids=ids)
    logger.info("related papers stored for %d papers", done)
    return done


def stored_related_papers(paper: Paper, *, limit: int = 5) -> list[Paper]:
    """The ``limit`` related papers a worker stored for ``paper`` that readers may see, best first,
    each with ``shared_tags``, ``shared_recommenders``, ``similarity`` and ``similar_title`` as
    :func:`related_papers` sets them; computed on the spot while no worker has stored them."""
    if paper.related_computed_at is None:
        return related_papers(paper, limit=limit)
    visible = Recommendation.objects.filter(published_recommendations_q(), paper=OuterRef("related_id"))
    links = (
        RelatedPaper.objects.filter(paper=paper)
        .filter(Exists(visible))
        .exclude(related__title__regex=r"^\s*$")
        .select_related("related")
        .defer(*(f"related__{name}" for name in _SKIPPED))
        .order_by("rank")[:limit]
    )
    related = []
    for link in links:
        other = link.related
        other.shared_tags, other.shared_recommenders = link.shared_tags, link.shared_recommenders
        other.similarity = link.similarity
        other.similar_title = link.similarity >= SIMILAR_TITLE
        related.append(other)
    return related
