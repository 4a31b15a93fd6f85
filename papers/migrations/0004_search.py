"""Full-text search: two columns on Paper, kept current by PostgreSQL triggers, and their indexes.

Why triggers: the text of a paper comes from five tables (the paper, its authorships, its
authors, its recommendations, the issues they are published in), and rows change through
save(), QuerySet.update(), bulk_create, the admin and raw SQL alike. A trigger sees all of them;
a signal or a save() override would miss the bulk paths.

What enters the index follows ``published_recommendations_q``: only write-ups of published
recommendations in published issues, so that search never finds words of a draft.

All of it is PostgreSQL-only: on SQLite (the embedded default of ``make run``) the columns are
added and stay empty, and papers/search.py falls back to substring matching.
"""

import django.contrib.postgres.search
from django.db import migrations, models

FORWARD_SQL = r"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Control characters never reach the index: ts_headline's markers (\x01, \x02) and the
-- placeholders papers/search.py swaps for "<" and ">" (private use area) must not occur in text.
CREATE OR REPLACE FUNCTION papers_search_clean(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(coalesce(t, ''), '[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F\uE000-\uF8FF]', ' ', 'g')
$$;

-- One line of text (a title, a name): search_text keeps title and authors on lines 1 and 2.
CREATE OR REPLACE FUNCTION papers_search_line(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(papers_search_clean(t), '\s+', ' ', 'g'))
$$;

-- A write-up's sanitised HTML (recommendations/markdown.py) as plain text: block tags become
-- spaces, other tags vanish, the entities the renderer and sanitiser write are unescaped.
CREATE OR REPLACE FUNCTION papers_search_html_text(html text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT btrim(papers_search_clean(
    replace(replace(replace(replace(replace(replace(replace(
      regexp_replace(
        regexp_replace(
          regexp_replace(coalesce(html, ''),
            '</?(p|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|thead|tbody|tr|th|td)\M[^>]*>', ' ', 'gi'),
          '<[^>]*>', '', 'g'),
        '\s+', ' ', 'g'),
      '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&#x27;', ''''), '&nbsp;', ' '), '&amp;', '&')
  ))
$$;

-- One paper's document: the weighted vector and the plain text (title, authors, abstract,
-- published write-ups; one part a line, the first two lines never wrap).
CREATE OR REPLACE FUNCTION papers_search_document(
  p_id bigint, p_title text, p_abstract text, OUT vector tsvector, OUT body text
) LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_title text := papers_search_line(p_title);
  v_abstract text := btrim(papers_search_clean(p_abstract));
  v_authors text;
  v_writeups text;
BEGIN
  SELECT coalesce(string_agg(papers_search_line(a.name), ', ' ORDER BY pa.position), '')
    INTO v_authors
    FROM papers_paperauthor pa JOIN papers_author a ON a.id = pa.author_id
   WHERE pa.paper_id = p_id;
  -- The rule of published_recommendations_q: a published recommendation in a published issue.
  SELECT coalesce(string_agg(papers_search_html_text(r.writeup_html), E'\n' ORDER BY i.number, e.position), '')
    INTO v_writeups
    FROM recommendations_recommendation r
    JOIN recommendations_issueentry e ON e.recommendation_id = r.id
    JOIN recommendations_issue i ON i.id = e.issue_id
   WHERE r.paper_id = p_id AND r.status = 'published' AND i.status = 'published';
  -- "<" and ">" go to the parser as spaces: it would take "<b>" for markup and skip it, and
  -- skip all of "<script>...</script>", but in these columns they are text someone typed.
  vector := setweight(to_tsvector('english', translate(v_title, '<>', '  ')), 'A')
         || setweight(to_tsvector('english', translate(v_authors, '<>', '  ')), 'B')
         || setweight(to_tsvector('english', translate(v_abstract, '<>', '  ')), 'C')
         || setweight(to_tsvector('english', translate(v_writeups, '<>', '  ')), 'C');
  body := v_title || E'\n' || v_authors || E'\n' || v_abstract || E'\n' || v_writeups;
END $$;

-- Recompute some papers. Writes only the two search columns, so the paper trigger below
-- (UPDATE OF title, abstract) does not fire again.
CREATE OR REPLACE FUNCTION papers_search_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE papers_paper p
     SET (search_vector, search_text) = (
       SELECT d.vector, d.body FROM papers_search_document(p.id, p.title, p.abstract) d)
   WHERE p.id = ANY(ids);
$$;

-- The paper itself: computed before the row is written (insert, or title/abstract changed).
CREATE OR REPLACE FUNCTION papers_paper_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT d.vector, d.body INTO NEW.search_vector, NEW.search_text
    FROM papers_search_document(NEW.id, NEW.title, NEW.abstract) d;
  RETURN NEW;
END $$;
CREATE TRIGGER papers_paper_search BEFORE INSERT OR UPDATE OF title, abstract ON papers_paper
  FOR EACH ROW EXECUTE FUNCTION papers_paper_search_trigger();

-- The other tables use statement triggers with transition tables: a bulk insert of a
-- thousand authorships recomputes each paper once, not once a row.
CREATE OR REPLACE FUNCTION papers_paperauthor_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM papers_search_refresh(ARRAY(SELECT DISTINCT paper_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM papers_search_refresh(ARRAY(SELECT DISTINCT paper_id FROM old_rows));
  ELSE
    PERFORM papers_search_refresh(ARRAY(SELECT paper_id FROM new_rows UNION SELECT paper_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER papers_paperauthor_search_ins AFTER INSERT ON papers_paperauthor
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_paperauthor_search_trigger();
CREATE TRIGGER papers_paperauthor_search_upd AFTER UPDATE ON papers_paperauthor
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION papers_paperauthor_search_trigger();
CREATE TRIGGER papers_paperauthor_search_del AFTER DELETE ON papers_paperauthor
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_paperauthor_search_trigger();

-- An author renamed: each of their papers.
CREATE OR REPLACE FUNCTION papers_author_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM papers_search_refresh(ARRAY(
    SELECT DISTINCT pa.paper_id
      FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN papers_paperauthor pa ON pa.author_id = n.id
     WHERE n.name IS DISTINCT FROM o.name));
  RETURN NULL;
END $$;
CREATE TRIGGER papers_author_search_upd AFTER UPDATE ON papers_author
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION papers_author_search_trigger();

-- A recommendation in an issue whose write-up, status or paper changed; or one deleted.
-- (A new recommendation is in no issue yet: the issue entry trigger takes it from there.)
CREATE OR REPLACE FUNCTION papers_recommendation_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM papers_search_refresh(ARRAY(SELECT DISTINCT paper_id FROM old_rows));
  ELSE
    PERFORM papers_search_refresh(ARRAY(
      SELECT x.paper_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.paper_id), (o.paper_id)) AS x(paper_id)
       WHERE (n.writeup_html, n.status, n.paper_id) IS DISTINCT FROM (o.writeup_html, o.status, o.paper_id)
         AND EXISTS (SELECT 1 FROM recommendations_issueentry e WHERE e.recommendation_id = n.id)));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER papers_recommendation_search_upd AFTER UPDATE ON recommendations_recommendation
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION papers_recommendation_search_trigger();
CREATE TRIGGER papers_recommendation_search_del AFTER DELETE ON recommendations_recommendation
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_recommendation_search_trigger();

-- A recommendation put into an issue, moved to another, or taken out.
CREATE OR REPLACE FUNCTION papers_issueentry_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM papers_search_refresh(ARRAY(
      SELECT DISTINCT r.paper_id FROM new_rows n JOIN recommendations_recommendation r ON r.id = n.recommendation_id));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM papers_search_refresh(ARRAY(
      SELECT DISTINCT r.paper_id FROM old_rows o JOIN recommendations_recommendation r ON r.id = o.recommendation_id));
  ELSE
    PERFORM papers_search_refresh(ARRAY(
      SELECT r.paper_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN recommendations_recommendation r ON r.id IN (n.recommendation_id, o.recommendation_id)
       WHERE (n.issue_id, n.recommendation_id) IS DISTINCT FROM (o.issue_id, o.recommendation_id)));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER papers_issueentry_search_ins AFTER INSERT ON recommendations_issueentry
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_issueentry_search_trigger();
CREATE TRIGGER papers_issueentry_search_upd AFTER UPDATE ON recommendations_issueentry
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION papers_issueentry_search_trigger();
CREATE TRIGGER papers_issueentry_search_del AFTER DELETE ON recommendations_issueentry
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION papers_issueentry_search_trigger();

-- An issue published or taken back: the write-ups of all its entries enter or leave.
CREATE OR REPLACE FUNCTION papers_issue_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM papers_search_refresh(ARRAY(
    SELECT DISTINCT r.paper_id
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      JOIN recommendations_issueentry e ON e.issue_id = n.id
      JOIN recommendations_recommendation r ON r.id = e.recommendation_id
     WHERE n.status IS DISTINCT FROM o.status));
  RETURN NULL;
END $$;
CREATE TRIGGER papers_issue_search_upd AFTER UPDATE ON recommendations_issue
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION papers_issue_search_trigger();

-- papers/search.py: "search_vector @@ query" (English words), "search_text ILIKE" (Chinese and
-- other unsegmented text), "title %> q" and "title % q" (typos; papers/related.py too).
CREATE INDEX papers_paper_search_vector_gin ON papers_paper USING gin (search_vector);
CREATE INDEX papers_paper_search_text_trgm ON papers_paper USING gin (search_text gin_trgm_ops);
CREATE INDEX papers_paper_title_trgm ON papers_paper USING gin (title gin_trgm_ops);

-- Backfill the papers that exist already.
SELECT papers_search_refresh(ARRAY(SELECT id FROM papers_paper));
"""

BACKWARD_SQL = r"""
DROP INDEX IF EXISTS papers_paper_title_trgm;
DROP INDEX IF EXISTS papers_paper_search_text_trgm;
DROP INDEX IF EXISTS papers_paper_search_vector_gin;
DROP TRIGGER IF EXISTS papers_issue_search_upd ON recommendations_issue;
DROP TRIGGER IF EXISTS papers_issueentry_search_ins ON recommendations_issueentry;
DROP TRIGGER IF EXISTS papers_issueentry_search_upd ON recommendations_issueentry;
DROP TRIGGER IF EXISTS papers_issueentry_search_del ON recommendations_issueentry;
DROP TRIGGER IF EXISTS papers_recommendation_search_upd ON recommendations_recommendation;
DROP TRIGGER IF EXISTS papers_recommendation_search_del ON recommendations_recommendation;
DROP TRIGGER IF EXISTS papers_author_search_upd ON papers_author;
DROP TRIGGER IF EXISTS papers_paperauthor_search_ins ON papers_paperauthor;
DROP TRIGGER IF EXISTS papers_paperauthor_search_upd ON papers_paperauthor;
DROP TRIGGER IF EXISTS papers_paperauthor_search_del ON papers_paperauthor;
DROP TRIGGER IF EXISTS papers_paper_search ON papers_paper;
DROP FUNCTION IF EXISTS papers_issue_search_trigger();
DROP FUNCTION IF EXISTS papers_issueentry_search_trigger();
DROP FUNCTION IF EXISTS papers_recommendation_search_trigger();
DROP FUNCTION IF EXISTS papers_author_search_trigger();
DROP FUNCTION IF EXISTS papers_paperauthor_search_trigger();
DROP FUNCTION IF EXISTS papers_paper_search_trigger();
DROP FUNCTION IF EXISTS papers_search_refresh(bigint[]);
DROP FUNCTION IF EXISTS papers_search_document(bigint, text, text);
DROP FUNCTION IF EXISTS papers_search_html_text(text);
DROP FUNCTION IF EXISTS papers_search_line(text);
DROP FUNCTION IF EXISTS papers_search_clean(text);
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A cursor without parameters: the SQL holds "%" operators that must not be interpolated.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0003_proposed_topics"),
        # The triggers read and sit on the recommendations tables as they are after it.
        ("recommendations", "0005_editors_publishing"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="search text"),
        ),
        migrations.AddField(
            model_name="paper",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, verbose_name="search vector"
            ),
        ),
        migrations.RunPython(_on_postgresql(FORWARD_SQL), _on_postgresql(BACKWARD_SQL), elidable=False),
    ]
