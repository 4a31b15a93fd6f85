"""Full-text search over the papers readers may see: titles, authors, abstracts and published write-ups.

On PostgreSQL a paper matches when any of three indexed conditions holds (the query plan is a
BitmapOr of the three GIN indexes made by migration papers/0004_search):

- English words: ``search_vector @@ websearch_to_tsquery('english', q)``, so stemming, quoted
  phrases, ``-exclude`` and ``or`` work as on a web search engine;
- Chinese (or any text containing CJK characters, which the default parser does not segment):
  every whitespace-separated term occurs in ``search_text`` (``ILIKE``, trigram index);
- typos: the query is close to a run of words of the title (``title %> q``, pg_trgm's
  word similarity, e.g. "CornerNte" finds "CornerNet: Detecting Objects as Paired Keypoints"),
  or to the whole title (``title % q``).

Typo matching runs only when the words themselves find less than a page of papers.

Relevance (``rank``) puts every exact match above every typo match, then weighs where the
words are (title > authors > abstract and write-ups) and how close the title is. Only the newest
SEARCH_RANK_POOL matches are ranked (and counted), so that a word found in most papers costs
about what a rare one does; ``bench/search.py`` measures it on 100,000 papers.

On SQLite (the embedded default for a first run) the same queries find the same papers through
FTS5's trigram index, kept current by triggers as PostgreSQL's columns are (migration
papers/0007_sqlite_search_index): words and phrases of three characters or more as substrings
(Chinese included), shorter Chinese words with LIKE, English words without a common suffix in
place of stemming, and typos by a title similarity pass; see search_sqlite.py.
"""

import difflib
import re
import unicodedata

from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, Exists, ExpressionWrapper, F, FloatField, Lookup, OuterRef, Q, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from paperdaily.lib.text import CONTROL_CHARACTERS
from papers.models import Paper
from recommendations.models import Recommendation
from recommendations.visibility import featured_papers

# Longer queries are cut: nobody types more, and each term costs an index scan.
SEARCH_MAX_QUERY_LENGTH = 200
# Matches ranked by relevance: the newest this many (see _search_postgresql). Counts stop here too.
SEARCH_RANK_POOL = 2000
# Matches ranked when typo matching runs.
SEARCH_TYPO_POOL = 200
# Word similarity a query of several words needs to a run of words of a title (pg_trgm's default).
SEARCH_WORDS_SIMILARITY = 0.6
# Typo matches are looked for when the words find fewer papers than this (a page of results).
SEARCH_TYPOS_BELOW = 20
# Columns a result never shows; the ranking reads search_vector in the database, not in Python.
_BULKY_FIELDS = ("raw_metadata", "search_vector", "search_text")
# Substring terms of a Chinese query that are matched; the rest are ignored.
SEARCH_MAX_TERMS = 8
SEARCH_CONFIG = "english"
# Weights of ts_rank_cd for D, C, B, A: title A, authors B, abstract and write-ups C.
_RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# How much a title's closeness to the query adds to the rank; less than an exact match's 1.
_SIMILARITY_BONUS = 0.5

# Han, kana, hangul, CJK punctuation and full-width forms: text the English parser cannot split.
_CJK = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)
# Controls, lone surrogates and the private use area never reach the database (NUL would make
# psycopg2 raise); the private use area holds this module's own placeholders below.
_UNWANTED = re.compile(f"[{CONTROL_CHARACTERS}\\ud800-\\udfff\\ue000-\\uf8ff]")
# Marks ts_headline puts around a match: control characters, removed from indexed text.
_START, _STOP = "\x01", "\x02"
# ts_headline's parser would drop anything that looks like an HTML tag, such as a write-up's
# "<script>" shown as text: "<" and ">" go through it as private-use placeholders.
_LT, _GT = "\ue000", "\ue001"
_WEBSEARCH_OPERATOR = re.compile(r'"|(?:^|\s)-\S|(?:^|\s)or(?:\s|$)', re.IGNORECASE)

# What a snippet shows: about this many characters, the first match near its start.
_SNIPPET_LENGTH = 220
_SNIPPET_LEAD = 60
# A longer headline comes from text the English parser cannot split into words (Chinese, where a
# "word" is a whole clause): a window cut in Python reads better.
_HEADLINE_MAX_LENGTH = 600


class _ILike(Lookup):
    """``lhs ILIKE rhs``: the form the trigram index serves (Django's icontains wraps both in UPPER)."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def clean_query(query) -> str:
    """The query as searched: no control characters, NFKC-normalised, single spaces, at most
    SEARCH_MAX_QUERY_LENGTH characters."""
    text = _UNWANTED.sub(" ", str(query or "")[: SEARCH_MAX_QUERY_LENGTH * 4])
    # NFKC folds what Chinese input methods type in full width ("ＣｏｒｎｅｒＮｅｔ", "　") to plain letters.
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())[:SEARCH_MAX_QUERY_LENGTH].strip()


def query_terms(query: str) -> list[str]:
    """The words of a query for substring matching: split on spaces and punctuation (ASCII or
    Chinese), without websearch syntax (quotes, a leading "-", "or")."""
    words = []
    for chunk in query.split():
        pieces = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in chunk).split()
        words.extend(pieces)
    terms = [word for word in words if word.lower() != "or"]
    return list(dict.fromkeys(terms))[:SEARCH_MAX_TERMS]


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _like_pattern(term: str) -> str:
    # query_terms splits on punctuation, so no term holds a wildcard today; escaped all the same.
    return f"%{connection.ops.prep_for_like_query(term)}%"


def _uses_postgresql() -> bool:
    """Whether the database has the indexes, triggers and functions of migration papers/0004_search."""
    return connection.vendor == "postgresql"


def _newest_first():
    return [F("year").desc(nulls_last=True), "-pk"]


def paper_search(*, query: str, area: str = "", tag: str = "", year: int | None = None):
    """Featured papers matching ``query`` and the filters, most relevant first (annotation ``rank``).

    A blank query lists the filtered papers newest first, or none without a filter. ``area`` is
    an area code, ``tag`` an approved topic's slug; unknown ones simply match nothing.
    """
    text = clean_query(query)
    papers = featured_papers()
    filtered = False
    if area or tag:
        # A paper is on a topic through a recommendation readers can see, not a draft's.
        published = Recommendation.objects.published().filter(paper=OuterRef("pk"))
        if area:
            published = published.filter(tag__area__code=str(area)[:16])
        if tag:
            published = published.filter(tag__slug=str(tag)[:100], tag__approved=True)
        papers = papers.filter(Exists(published))
        filtered = True
    if year is not None:
        try:
            year = int(year)
        except (TypeError, ValueError):
            return Paper.objects.none()
        if not 0 <= year <= 32767:  # beyond the column: nothing, rather than a database error
            return Paper.objects.none()
        papers = papers.filter(year=year)
        filtered = True
    if not text:
        if not filtered:
            return Paper.objects.none()
        return papers.annotate(rank=Value(0.0, output_field=FloatField())).order_by(*_newest_first())
    if _uses_postgresql():
        return _search_postgresql(papers, text)
    from recommendations.reading import search_sqlite

    return search_sqlite.search(papers, text)


def _word_similarity_at_least(text, threshold):
    return GreaterThanOrEqual(TrigramWordSimilarity(Value(text), "title"), threshold)


def _newest_ids(papers, limit=None) -> list[int]:
    return list(papers.order_by("-pk").values_list("pk", flat=True)[: limit or SEARCH_RANK_POOL])


def _search_postgresql(papers, text):
    tsquery = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    exact = Q(search_vector=tsquery)
    if has_cjk(text):
        terms = query_terms(text)
        if terms:
            exact |= Q(*(_ILike(F("search_text"), _like_pattern(term)) for term in terms))
    # Ranking reads each match's stored vector: a word in most papers ("learning") would rank
    # the whole archive on every request. The newest SEARCH_RANK_POOL matches are ranked; the
    # planner finds them walking the primary key backwards for common words, by the GIN indexes
    # for rare ones. Their ids are read once, here, so that counting and paging do not search again.
    pool = _newest_ids(papers.filter(exact))
    # Typo matching compares the raw query with titles: skipped when the query uses websearch
    # operators (it would bring back a title that "-word" excluded) and for Chinese queries. It
    # reads many titles, so it runs only when the words themselves find less than a page: when a
    # reader needs it.
    fuzzy = (
        len(pool) < SEARCH_TYPOS_BELOW and len(text) >= 3 and not has_cjk(text) and not _WEBSEARCH_OPERATOR.search(text)
    )
    if fuzzy:
        # Close to a run of words of the title ("CornerNte"), or, for several words, to the whole
        # title when each has a typo ("Slimable Netwroks").
        typo = Q(TrigramWordSimilar(F("title"), text))
        if len(text.split()) > 1:
            # The connection's threshold (0.5, see DATABASES) forgives one swapped pair in a word;
            # for several words it would let one word stand for all ("pruning detection" finding
            # "Object Detection"), so they need pg_trgm's default 0.6.
            typo = Q(typo, _word_similarity_at_least(text, SEARCH_WORDS_SIMILARITY))
            typo |= Q(TrigramSimilar(F("title"), text))
        # Nobody reads hundreds of near misses: fewer are ranked, and found sooner.
        pool = _newest_ids(papers.filter(exact | typo), SEARCH_TYPO_POOL)
    # Without typo matching every paper in the pool matched the words exactly.
    matched = Case(When(exact, then=Value(1.0)), default=Value(0.0)) if fuzzy else Value(1.0)
    rank = (
        ExpressionWrapper(matched, output_field=FloatField())
        + SearchRank(F("search_vector"), tsquery, weights=_RANK_WEIGHTS, cover_density=True)
        + Value(_SIMILARITY_BONUS) * TrigramWordSimilarity(Value(text), "title")
    )
    return (
        Paper.objects.filter(pk__in=pool).defer(*_BULKY_FIELDS).annotate(rank=rank).order_by("-rank", *_newest_first())
    )


# Built from this module's constants only; the query and the ids go as parameters.
_HEADLINE_SQL = f"""
SELECT s.id,
       ts_headline(%s::regconfig, s.title, q, 'HighlightAll=true, StartSel={_START}, StopSel={_STOP}'),
       ts_headline(%s::regconfig, s.body, q,
                   'MaxFragments=2, MaxWords=35, MinWords=25, FragmentDelimiter=" … ", '
                   'StartSel={_START}, StopSel={_STOP}'),
       s.body
  FROM (SELECT id,
               translate(papers_search_line(title), '<>', '{_LT}{_GT}') AS title,
               -- The body of search_text: what follows the title and author lines.
               translate(regexp_replace(search_text, '^[^\\n]*\\n[^\\n]*\\n', ''), '<>', '{_LT}{_GT}') AS body
          FROM papers_paper
         WHERE id = ANY(%s)) AS s,
       websearch_to_tsquery(%s::regconfig, %s) AS q
"""  # noqa: S608


def attach_snippets(papers: list[Paper], query: str) -> list[Paper]:
    """Set ``title_html`` and ``snippet_html`` on each paper: escaped text with the matches in
    ``<mark>``. One query for the whole page on PostgreSQL (headlines of only these rows), none
    elsewhere."""
    text = clean_query(query)
    papers = list(papers)
    if not papers:
        return papers
    if not text:
        for paper in papers:
            paper.title_html = escape(paper.title)
            paper.snippet_html = _plain_snippet(paper.abstract)
        return papers
    if not _uses_postgresql():
        from recommendations.reading import search_sqlite

        return search_sqlite.attach_snippets(papers, text)
    terms = query_terms(text)

    with connection.cursor() as cursor:
        ids = [paper.pk for paper in papers]
        cursor.execute(_HEADLINE_SQL, [SEARCH_CONFIG, SEARCH_CONFIG, ids, SEARCH_CONFIG, text])
        headlines = {row[0]: row[1:] for row in cursor.fetchall()}
    fuzzy_words = [] if has_cjk(text) else [word for word in terms if len(word) >= 4]
    for paper in papers:
        title_headline, body_headline, body = headlines.get(paper.pk, ("", "", ""))
        title_headline, body_headline, body = (
            " ".join(_unplaceholder(part or "").split()) for part in (title_headline, body_headline, body)
        )
        typo_only = getattr(paper, "rank", 1.0) < 1.0
        if _START in title_headline and not typo_only:
            paper.title_html = _marked_html(title_headline)
        else:
            title = _plain(title_headline)
            if has_cjk(text):
                paper.title_html = _mark_terms(title, terms)
            else:
                paper.title_html = _mark_similar_words(title, fuzzy_words)
        if _START in body_headline and not typo_only and len(body_headline) <= _HEADLINE_MAX_LENGTH:
            paper.snippet_html = _headline_snippet(body_headline, body)
        else:
            # Chinese text (one "word" to the parser), a typo match, or a match only in the title.
            paper.snippet_html = _window_snippet(body, terms)
    return papers


def _unplaceholder(text: str) -> str:
    return text.replace(_LT, "<").replace(_GT, ">")


def _plain(text: str) -> str:
    return text.replace(_START, "").replace(_STOP, "")


def _headline_snippet(headline: str, body: str) -> SafeString:
    """A body headline with "…" where it starts after the body's start or ends before its end."""
    plain = _plain(headline)
    prefix = "" if body.startswith(plain[:40]) else "… "
    suffix = "" if body.endswith(plain[-40:]) else " …"
    return _join([prefix, _marked_html(headline), suffix])


def _join(parts) -> SafeString:
    """Concatenate, escaping whatever is not already safe HTML."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _marked_html(text: str) -> SafeString:
    """ts_headline output (markers around matches) as escaped HTML with <mark>."""
    parts = []
    # Split into plain, marked, plain, marked, ...; a stray marker is dropped as text.
    for index, part in enumerate(re.split(f"{_START}([^{_START}{_STOP}]*){_STOP}", text)):
        part = _plain(part)
        parts.append(format_html("<mark>{}</mark>", part) if index % 2 else part)
    return _join(parts)


def _spans_html(text: str, spans: list[tuple[int, int]]) -> SafeString:
    parts, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        parts.append(text[last:start])
        parts.append(format_html("<mark>{}</mark>", text[start:end]))
        last = end
    parts.append(text[last:])
    return _join(parts)


def _term_spans(text: str, terms: list[str], *, whole_words: bool = False) -> list[tuple[int, int]]:
    """Where the terms occur; with ``whole_words``, a match inside a Latin word grows to the whole
    word (the stem "network" marks "Networks"), as a headline marks words."""
    if not terms:
        return []
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    spans = [match.span() for match in pattern.finditer(text)]
    if whole_words:
        spans = [_grow_to_word(text, start, end) for start, end in spans]
    return spans


def _grow_to_word(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and _is_latin_letter(text[start - 1]) and _is_latin_letter(text[start]):
        start -= 1
    while end < len(text) and _is_latin_letter(text[end]) and _is_latin_letter(text[end - 1]):
        end += 1
    return start, end


def _is_latin_letter(character: str) -> bool:
    return character.isascii() and character.isalnum()


def _mark_terms(text: str, terms: list[str]) -> SafeString:
    return _spans_html(text, _term_spans(text, terms))


def _mark_similar_words(title: str, words: list[str]) -> SafeString:
    """Title words close to a query word: what a typo match found ("Netwroks" marks "Networks")."""
    spans = []
    for match in re.finditer(r"\w+", title):
        candidate = match.group().lower()
        if any(difflib.SequenceMatcher(None, candidate, word.lower()).ratio() >= 0.75 for word in words):
            spans.append(match.span())
    return _spans_html(title, spans)


def _plain_snippet(text: str) -> SafeString:
    text = " ".join(text.split())
    if len(text) > _SNIPPET_LENGTH:
        cut = text.rfind(" ", 0, _SNIPPET_LENGTH)
        text = text[: cut if cut > _SNIPPET_LENGTH // 2 else _SNIPPET_LENGTH] + " …"
    return escape(text)


def _window_snippet(text: str, terms: list[str], *, whole_words: bool = False) -> SafeString:
    """A window of ``text`` around the first occurrence of a term, every occurrence marked;
    the start of the text when no term occurs."""
    text = " ".join(text.split())
    spans = _term_spans(text, terms, whole_words=whole_words)
    if not spans:
        return _plain_snippet(text)
    start = max(0, spans[0][0] - _SNIPPET_LEAD)
    end = min(len(text), start + _SNIPPET_LENGTH)
    if start > 0 and not has_cjk(text[start : start + 1]):
        space = text.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    if end < len(text) and not has_cjk(text[end - 1 : end]):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space != -1 else end
    window = text[start:end]
    window_spans = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
    html = _spans_html(window, window_spans)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return _join([prefix, html, suffix])
