"""The search index of the embedded default (SQLite): Paper.search_text and an FTS5 table, kept current by triggers.

What PostgreSQL does in migration papers/0004_search, SQLite does here with what it has:

- ``papers_paper.search_text`` holds the same plain text (title, authors, abstract, published
  write-ups; one part a line, the first two lines never wrap);
- ``papers_paper_fts`` is an FTS5 table (rowid = paper id) with the ``trigram`` tokenizer over
  three columns, weighed by bm25 as PostgreSQL weighs its vector: title, authors, and the body
  (abstract and write-ups). Trigrams find any substring of three characters or more, Chinese
  included, case-insensitively;
- row triggers on the same five tables as PostgreSQL's keep both current, with the same rule for
  write-ups (a published recommendation in a published issue). Every trigger "touches" the
  paper (``SET search_text = ''``); the paper's own trigger recomputes the text and the FTS row.

The triggers call three functions (``papers_search_clean``, ``papers_search_line``,
``papers_search_html_text``) that SQLite does not have: ``register_functions`` adds them to
every connection Django opens (see PapersConfig.ready). A write to these tables through another
client (the ``sqlite3`` shell) fails with "no such function" rather than leaving the index stale.

SQLite rebuilds a table to alter it (Django copies it into a new one, drops the old and renames
the new), and a trigger on another table that names the dropped one makes that rename fail. So
the triggers stand only outside ``migrate``: ``drop_triggers`` runs before a migrate that has
migrations to apply, ``install_index`` after every migrate (it puts back the triggers and then
recomputes every paper, rows written meanwhile included). Migration 0007_sqlite_search_index
creates the FTS table.
"""

import re
import sqlite3

from django.db import connection as default_connection

# The trigram tokenizer arrived in SQLite 3.34.0.
MINIMUM_SQLITE = (3, 34, 0)
FTS_TABLE = "papers_paper_fts"
# bm25 weights of the FTS columns (title, authors, body), as PostgreSQL's A, B and C weigh.
BM25_WEIGHTS = (10.0, 4.0, 1.0)

_CLEAN = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff]")
_BLOCK_TAG = re.compile(
    r"</?(p|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|thead|tbody|tr|th|td)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&nbsp;": " "}


def search_clean(text):
    """No control characters, nor the private use area (papers_search_clean in 0004_search)."""
    return _CLEAN.sub(" ", text or "")


def search_line(text):
    """One line: whitespace runs become one space (papers_search_line)."""
    return " ".join(search_clean(text).split())


def search_html_text(markup):
    """A sanitised write-up as plain text (papers_search_html_text): block tags become spaces,
    other tags vanish, the entities the renderer writes are unescaped."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", markup or ""))
    text = " ".join(text.split())
    for entity, character in _ENTITIES.items():
        text = text.replace(entity, character)
    return search_clean(text.replace("&amp;", "&")).strip()


def register_functions(sender=None, connection=None, **kwargs):
    """connection_created receiver: give a SQLite connection the functions the triggers call."""
    if connection is None or connection.vendor != "sqlite":
        return
    for name, function in (
        ("papers_search_clean", search_clean),
        ("papers_search_line", search_line),
        ("papers_search_html_text", search_html_text),
    ):
        connection.connection.create_function(name, 1, function, deterministic=True)


def check_sqlite():
    """Fail with a clear message where this SQLite cannot hold the index."""
    if sqlite3.sqlite_version_info < MINIMUM_SQLITE:
        raise RuntimeError(
            f"Search on the embedded database needs SQLite {'.'.join(map(str, MINIMUM_SQLITE))} or newer "
            f"(FTS5's trigram tokenizer); this Python has SQLite {sqlite3.sqlite_version}. "
            "Use a newer Python, or PostgreSQL through DATABASE_URL."
        )


# The paper's document, for the paper whose id, title and abstract are given as SQL expressions.
def _authors(paper_id):
    return f"""coalesce((SELECT group_concat(n, ', ') FROM (
        SELECT papers_search_line(a.name) AS n
          FROM papers_paperauthor pa JOIN papers_author a ON a.id = pa.author_id
         WHERE pa.paper_id = {paper_id} ORDER BY pa.position)), '')"""  # noqa: S608 (SQL of this module)


def _writeups(paper_id):
    # The rule of published_recommendations_q: a published recommendation in a published issue.
    return f"""coalesce((SELECT group_concat(t, char(10)) FROM (
        SELECT papers_search_html_text(r.writeup_html) AS t
          FROM recommendations_recommendation r
          JOIN recommendations_issueentry e ON e.recommendation_id = r.id
          JOIN recommendations_issue i ON i.id = e.issue_id
         WHERE r.paper_id = {paper_id} AND r.status = 'published' AND i.status = 'published'
         ORDER BY i.number, e.position)), '')"""  # noqa: S608 (SQL of this module)


def _body(paper_id, abstract):
    return f"trim(papers_search_clean({abstract})) || char(10) || {_writeups(paper_id)}"


def _touch(ids_sql):
    """Have the paper trigger recompute these papers."""
    return f"UPDATE papers_paper SET search_text = '' WHERE id IN ({ids_sql});"  # noqa: S608 (SQL of this module)


# name -> (table, event, WHEN condition or "", body). Row triggers: SQLite has no statement ones.
_TRIGGERS = {
    "papers_paper_search_upd": (
        "papers_paper",
        "AFTER UPDATE OF title, abstract, search_text",
        "",
        f"""UPDATE papers_paper SET search_text =
              papers_search_line(NEW.title) || char(10) || {_authors("NEW.id")} || char(10)
              || {_body("NEW.id", "NEW.abstract")}
            WHERE id = NEW.id;
            DELETE FROM {FTS_TABLE} WHERE rowid = NEW.id;
            INSERT INTO {FTS_TABLE} (rowid, title, authors, body)
            VALUES (NEW.id, papers_search_line(NEW.title), {_authors("NEW.id")}, {_body("NEW.id", "NEW.abstract")});""",  # noqa: S608
    ),
    "papers_paper_search_ins": ("papers_paper", "AFTER INSERT", "", _touch("NEW.id")),
    "papers_paper_search_del": ("papers_paper", "AFTER DELETE", "", f"DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;"),  # noqa: S608
    "papers_paperauthor_search_ins": ("papers_paperauthor", "AFTER INSERT", "", _touch("NEW.paper_id")),
    "papers_paperauthor_search_upd": ("papers_paperauthor", "AFTER UPDATE", "", _touch("NEW.paper_id, OLD.paper_id")),
    "papers_paperauthor_search_del": ("papers_paperauthor", "AFTER DELETE", "", _touch("OLD.paper_id")),
    # An author renamed: each of their papers.
    "papers_author_search_upd": (
        "papers_author",
        "AFTER UPDATE OF name",
        "NEW.name IS NOT OLD.name",
        _touch("SELECT paper_id FROM papers_paperauthor WHERE author_id = NEW.id"),
    ),
    # A recommendation in an issue whose write-up, status or paper changed; or one deleted.
    "papers_recommendation_search_upd": (
        "recommendations_recommendation",
        "AFTER UPDATE",
        "(NEW.writeup_html IS NOT OLD.writeup_html OR NEW.status IS NOT OLD.status OR NEW.paper_id IS NOT OLD.paper_id)"
        " AND EXISTS (SELECT 1 FROM recommendations_issueentry e WHERE e.recommendation_id = NEW.id)",
        _touch("NEW.paper_id, OLD.paper_id"),
    ),
    "papers_recommendation_search_del": (
        "recommendations_recommendation",
        "AFTER DELETE",
        "",
        _touch("OLD.paper_id"),
    ),
    # A recommendation put into an issue, moved to another, or taken out.
    "papers_issueentry_search_ins": (
        "recommendations_issueentry",
        "AFTER INSERT",
        "",
        _touch("SELECT paper_id FROM recommendations_recommendation WHERE id = NEW.recommendation_id"),
    ),
    "papers_issueentry_search_upd": (
        "recommendations_issueentry",
        "AFTER UPDATE",
        "NEW.issue_id IS NOT OLD.issue_id OR NEW.recommendation_id IS NOT OLD.recommendation_id",
        _touch(
            "SELECT paper_id FROM recommendations_recommendation"
            " WHERE id IN (NEW.recommendation_id, OLD.recommendation_id)"
        ),
    ),
    "papers_issueentry_search_del": (
        "recommendations_issueentry",
        "AFTER DELETE",
        "",
        _touch("SELECT paper_id FROM recommendations_recommendation WHERE id = OLD.recommendation_id"),
    ),
    # An issue published or taken back: the write-ups of all its entries enter or leave.
    "papers_issue_search_upd": (
        "recommendations_issue",
        "AFTER UPDATE OF status",
        "NEW.status IS NOT OLD.status",
        _touch(
            "SELECT r.paper_id FROM recommendations_issueentry e"
            " JOIN recommendations_recommendation r ON r.id = e.recommendation_id WHERE e.issue_id = NEW.id"
        ),
    ),
}


def _create_trigger_sql(name):
    table, event, when, body = _TRIGGERS[name]
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{condition} BEGIN {body} END"


def create_table(connection):
    """The FTS table (migration 0007_sqlite_search_index); the triggers come with install_index."""
    if connection.vendor != "sqlite":
        return
    check_sqlite()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, authors, body, tokenize='trigram')"
        )


def _schema_names(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    return {row[0] for row in cursor.fetchall()}


def install_index(connection=None):
    """Create the triggers where missing and, if any was, recompute every paper.

    Idempotent: a no-op on PostgreSQL, before migration 0007 (no FTS table), and on a SQLite
    database whose triggers are all there.
    """
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        existing = _schema_names(cursor)
        if FTS_TABLE not in existing:
            return
        missing = [name for name in _TRIGGERS if name not in existing]
        if not missing:
            return
        for name in missing:
            cursor.execute(_create_trigger_sql(name))
        # Rows written while the triggers were away are recomputed.
        cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 (SQL of this module)
        cursor.execute(_touch("SELECT id FROM papers_paper"))


def drop_triggers(connection=None):
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in _TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def uninstall_index(connection=None):
    """Undo migration 0007_sqlite_search_index: no triggers, no FTS table."""
    connection = connection or default_connection
    if connection.vendor != "sqlite":
        return
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def drop_triggers_before_migrate(sender=None, using="default", plan=None, **kwargs):
    """pre_migrate receiver: no triggers while migrations rebuild tables (see the module's docstring)."""
    from django.db import connections

    if plan:
        drop_triggers(connections[using])


def install_after_migrate(sender=None, using="default", **kwargs):
    """post_migrate receiver: the triggers back, and every paper recomputed if they were away."""
    from django.db import connections

    install_index(connections[using])
