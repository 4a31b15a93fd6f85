"""Papers related to a paper: shared topics, shared recommenders, similar titles.

One SQL query does it all in the database, so that the paper page costs the same whatever the
size of the archive: the candidates are the featured papers that share an approved topic or a
recommender with the paper through recommendations readers may see, plus (on PostgreSQL) those
whose title is close to its title (pg_trgm ``%``, served by the title trigram index of
migration papers/0004_search). Score: 3 a shared topic + 2 a shared recommender + title
similarity (0 to 1); ties go to the newest paper.
"""

from django.db import connection

from .models import Paper

# The published rule of ``published_recommendations_q``, in SQL: a published recommendation in a
# published issue. A paper readers may see is one such recommendation's paper.
_VISIBLE = """
    SELECT r.paper_id, r.tag_id, r.recommender_id
      FROM recommendations_recommendation r
      JOIN recommendations_issueentry e ON e.recommendation_id = r.id
      JOIN recommendations_issue i ON i.id = e.issue_id
     WHERE r.status = 'published' AND i.status = 'published'
"""

# pg_trgm's default similarity threshold: the ``%`` operator's, so a "similar title" is one it found.
SIMILAR_TITLE = 0.3

# Every column of the paper but the bulky ones (raw metadata, search columns): a caller may show
# any fact of it (title, venue, identifiers, landing page) without another query per paper.
_SKIPPED = {"raw_metadata", "search_vector", "search_text"}
_COLUMNS = ", ".join(f"p.{field.column}" for field in Paper._meta.concrete_fields if field.name not in _SKIPPED)


def _sql(*, with_similarity: bool) -> str:
    if with_similarity:
        similar = """
    UNION
    SELECT p.id FROM papers_paper p, me
     WHERE me.title <> '' AND p.title %% me.title AND p.id <> me.id"""
        similarity = "CASE WHEN me.title <> '' THEN similarity(p.title, me.title) ELSE 0 END"
    else:
        similar = ""
        similarity = "0.0"
    # Built from this module's constants only; the paper's id and the limit go as parameters.
    return f"""
WITH visible AS ({_VISIBLE}),
me AS (SELECT id, title FROM papers_paper WHERE id = %(pk)s),
my_tags AS (
    SELECT DISTINCT v.tag_id FROM visible v JOIN papers_tag t ON t.id = v.tag_id
     WHERE v.paper_id = %(pk)s AND t.approved
),
my_recommenders AS (SELECT DISTINCT recommender_id FROM visible WHERE paper_id = %(pk)s),
shared AS (
    SELECT v.paper_id,
           COUNT(DISTINCT v.tag_id) FILTER (WHERE v.tag_id IN (SELECT tag_id FROM my_tags)) AS shared_tags,
           COUNT(DISTINCT v.recommender_id) FILTER (
               WHERE v.recommender_id IN (SELECT recommender_id FROM my_recommenders)
           ) AS shared_recommenders
      FROM visible v
     WHERE v.paper_id <> %(pk)s
       AND (v.tag_id IN (SELECT tag_id FROM my_tags)
            OR v.recommender_id IN (SELECT recommender_id FROM my_recommenders))
     GROUP BY v.paper_id
),
candidates AS (
    SELECT paper_id AS id FROM shared{similar}
),
scored AS (
    SELECT {_COLUMNS},
           COALESCE(s.shared_tags, 0) AS shared_tags,
           COALESCE(s.shared_recommenders, 0) AS shared_recommenders,
           {similarity} AS similarity
      FROM candidates c
      JOIN papers_paper p ON p.id = c.id
      CROSS JOIN me
      LEFT JOIN shared s ON s.paper_id = p.id
     WHERE p.id <> me.id AND p.id IN (SELECT paper_id FROM visible)
)
SELECT * FROM scored
 ORDER BY 3 * shared_tags + 2 * shared_recommenders + similarity DESC,
          year DESC NULLS LAST, id DESC
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
    sql = _sql(with_similarity=_uses_postgresql())
    related = list(Paper.objects.raw(sql, {"pk": paper.pk, "limit": min(limit, 100)}))
    for other in related:
        other.similarity = float(other.similarity or 0.0)
        other.similar_title = other.similarity >= SIMILAR_TITLE
    return related
