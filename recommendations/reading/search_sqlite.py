"""Search on SQLite, the embedded default: what recommendations/reading/search.py does on PostgreSQL,
with FTS5's trigram index (papers/sqlite_search.py) instead of tsvector and pg_trgm.

- A query is read as web search engines read it (and as websearch_to_tsquery does): quoted
  phrases, ``-exclude`` and ``or``; every other word is required.
- A word or phrase of three characters or more is looked up in the trigram index: it matches
  where it occurs as a substring, in any case, Chinese included. A shorter one (推荐, 检测, "3D")
  is below what trigrams can find: it is matched with LIKE over ``search_text``.
- FTS5 has no stemmer: an English word loses a common suffix first ("detection" looks for
  "detect", so "Detecting" is found, as PostgreSQL's English stemming finds it), and the English
  stop words PostgreSQL ignores ("of", "the") are ignored here too.
- Typos: when the words find less than a page, titles sharing trigrams with the query are read
  (a bounded number, best bm25 first) and kept when every query word is close to a word of the
  title (difflib's ratio): "CornerNte" finds "CornerNet: Detecting Objects as Paired Keypoints".

Relevance puts every exact match above every typo match, then weighs where the words are with
bm25 (title > authors > abstract and write-ups), as PostgreSQL's ts_rank_cd weighs its vector.
bm25 is read with the pool, in one pass over the index's matches, and the ranks go back as a
CASE: FTS5 would recompute its statistics for each paper in a correlated subquery (seconds for a
common word among a few thousand papers).
"""

import difflib
import re

from django.db import connection
from django.db.models import F, FloatField, Q
from django.db.models.expressions import RawSQL

from papers.models import Paper
from papers.sqlite_search import BM25_WEIGHTS, FTS_TABLE
from recommendations.reading import search as common

# A trigram index finds nothing shorter.
_TRIGRAM = 3
# Titles read by the typo pass, sharing the most trigrams with the query first.
_TYPO_CANDIDATES = 400
# Trigrams of the query looked up by the typo pass.
_TYPO_TRIGRAMS = 64
# How close (difflib's ratio) each query word must be to a word of the title: one swapped pair
# ("Netwroks", 0.875) or one missing letter passes; "pruning detection" finding only
# "Object Detection" does not.
TYPO_WORD_RATIO = 0.75

# The English stop words of PostgreSQL's "english" configuration that queries hold most often.
_STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in", "into", "is"}
    | {"it", "its", "of", "on", "or", "that", "the", "their", "these", "this", "to", "was", "were", "which", "with"}
)
# Common English suffixes, longest first; a stem keeps at least four letters.
_SUFFIXES = ("ations", "ation", "ings", "ions", "ing", "ion", "ies", "ers", "er", "es", "ed", "ly", "s")
_MIN_STEM = 4
# A phrase in quotes (its closing quote optional), or a run of non-spaces; either may start with "-".
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


def stem(word: str) -> str:
    """An English word without a common suffix ("detection" -> "detect"); other words as they are."""
    lower = word.lower()
    if not (lower.isascii() and lower.isalpha()):
        return lower
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= _MIN_STEM:
            return lower[: -len(suffix)]
    return lower


def _parse(text: str) -> list[list[tuple[bool, list[str]]]]:
    """The query as groups joined by "or", each a list of (excluded, terms) items.

    An item is a phrase or a word; its terms are what must occur together (a word such as
    "数据集，效果" is split on punctuation as query_terms splits it).
    """
    groups, items = [], []
    for match in _TOKEN.finditer(text):
        excluded, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word is not None:
            if word.lower() == "or":
                groups.append(items)
                items = []
                continue
            excluded = word.startswith("-") and len(word) > 1
            pieces = common.query_terms(word[1:] if excluded else word)
            terms = [stem(piece) for piece in pieces if piece.lower() not in _STOP_WORDS]
        else:
            words = common.query_terms(phrase)
            # Only the last word may lose its suffix: the phrase stays a substring of the text.
            terms = [" ".join([*(w.lower() for w in words[:-1]), stem(words[-1])])] if words else []
        if terms:
            items.append((excluded, terms))
    groups.append(items)
    return [group for group in groups if group]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _term_q(term: str) -> Q:
    if len(term) >= _TRIGRAM:
        fts = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts_phrase(term)])  # noqa: S608, S611
        return Q(pk__in=fts)
    return Q(search_text__icontains=term)


def _exact_q(groups) -> Q | None:
    matches = None
    for group in groups:
        required = Q()
        for excluded, terms in group[: common.SEARCH_MAX_TERMS]:
            both = Q(*(_term_q(term) for term in terms[: common.SEARCH_MAX_TERMS]))
            required &= ~both if excluded else both
        matches = required if matches is None else matches | required
    return matches


def marked_terms(text: str) -> list[str]:
    """What a result marks: the terms the query requires or offers, not those it excludes."""
    return list(
        dict.fromkeys(term for group in _parse(text) for excluded, terms in group if not excluded for term in terms)
    )


def _typo_words(text: str) -> list[str]:
    words = [word.lower() for word in _WORD.findall(text)]
    return list(dict.fromkeys(w for w in words if len(w) >= _TRIGRAM and w not in _STOP_WORDS))[
        : common.SEARCH_MAX_TERMS
    ]


def title_closeness(words: list[str], title: str) -> float:
    """How close a title is to the query words: the worst of each word's best ratio to a title word."""
    title_words = list(dict.fromkeys(word.lower() for word in _WORD.findall(title)))
    if not words or not title_words:
        return 0.0
    closeness = 1.0
    for word in words:
        matcher = difflib.SequenceMatcher(None, b=word)
        best = 0.0
        for candidate in title_words:
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
        closeness = min(closeness, best)
    return closeness


def _typo_matches(papers, text: str) -> dict[int, float]:
    """Papers whose title is close to the query, with their closeness (at least TYPO_WORD_RATIO)."""
    words = _typo_words(text)
    trigrams = list(dict.fromkeys(w[i : i + _TRIGRAM] for w in words for i in range(len(w) - _TRIGRAM + 1)))
    if not trigrams:
        return {}
    match = "title : (" + " OR ".join(_fts_phrase(t) for t in trigrams[:_TYPO_TRIGRAMS]) + ")"
    nearest = RawSQL(  # noqa: S611 (the query goes as a parameter)
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank LIMIT {_TYPO_CANDIDATES}",  # noqa: S608
        [match],
    )
    scores = {}
    for pk, title in papers.filter(pk__in=nearest).values_list("pk", "title")[:_TYPO_CANDIDATES]:
        closeness = title_closeness(words, title)
        if closeness >= TYPO_WORD_RATIO:
            scores[pk] = closeness
    best = sorted(scores, key=lambda pk: (-scores[pk], -pk))[: common.SEARCH_TYPO_POOL]
    return {pk: scores[pk] for pk in best}


def _pool(papers, terms: list[str]) -> dict[int, float]:
    """The newest SEARCH_RANK_POOL ``papers`` with their bm25 over the terms the query looks for,
    mapped from (0, inf) to (0, 1); 0 for a paper matched only by a short term.

    One query, with one pass over the index's matches: bm25 reads statistics of the whole index
    (how many rows hold each term), which a subquery per paper would compute again for each.
    """
    newest = papers.order_by("-pk").values(pool_id=F("pk"))[: common.SEARCH_RANK_POOL]
    long_terms = [term for term in terms if len(term) >= _TRIGRAM]
    if not long_terms:
        return {row["pool_id"]: 0.0 for row in newest}
    sql, params = newest.query.sql_with_params()
    weights = ", ".join(str(weight) for weight in BM25_WEIGHTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT pool.pool_id, coalesce(scores.score, 0.0) FROM ({sql}) AS pool
                  LEFT JOIN (SELECT rowid AS id, -bm25({FTS_TABLE}, {weights}) AS score
                               FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) AS scores ON scores.id = pool.pool_id""",  # noqa: S608
            [*params, " OR ".join(_fts_phrase(term) for term in long_terms)],
        )
        return {pk: max(score, 0.0) / (1.0 + max(score, 0.0)) for pk, score in cursor.fetchall()}


def _rank_sql(ranks: dict[int, float]):
    """The rank of each paper of the pool as SQL: a CASE of numbers this module computed (the
    pool holds at most SEARCH_RANK_POOL papers; parameters would be twice as many)."""
    whens = " ".join(f"WHEN {int(pk)} THEN {float(rank)!r}" for pk, rank in ranks.items())
    return RawSQL(f"CASE papers_paper.id {whens} ELSE 0.0 END", [], output_field=FloatField())  # noqa: S611


def search(papers, text: str):
    """Featured ``papers`` matching ``text``, most relevant first (annotation ``rank``)."""
    groups = _parse(text)
    exact = _exact_q(groups)
    pool = _pool(papers.filter(exact), marked_terms(text)) if exact is not None else {}
    fuzzy = (
        len(pool) < common.SEARCH_TYPOS_BELOW
        and len(text) >= _TRIGRAM
        and not common.has_cjk(text)
        and not common._WEBSEARCH_OPERATOR.search(text)
    )
    typos = _typo_matches(papers, text) if fuzzy else {}
    if not pool and not typos:
        return Paper.objects.none()
    ranks = {pk: 1.0 + score for pk, score in pool.items()}
    # A typo match ranks below every exact one: its closeness, halved.
    ranks.update({pk: closeness / 2 for pk, closeness in typos.items() if pk not in ranks})
    return (
        Paper.objects.filter(pk__in=list(ranks))
        .defer(*common._BULKY_FIELDS)
        .annotate(rank=_rank_sql(ranks))
        .order_by("-rank", *common._newest_first())
    )


def attach_snippets(papers: list[Paper], text: str) -> list[Paper]:
    """``title_html`` and ``snippet_html`` from each paper's search_text: one query for the page."""
    texts = dict(Paper.objects.filter(pk__in=[paper.pk for paper in papers]).values_list("pk", "search_text"))
    terms = marked_terms(text)
    cjk = common.has_cjk(text)
    fuzzy_words = [] if cjk else [word for word in _typo_words(text) if len(word) >= 4]
    for paper in papers:
        # The body of search_text: what follows the title and author lines.
        lines = texts.get(paper.pk, "").split("\n", 2)
        body = lines[2] if len(lines) == 3 else paper.abstract
        typo_only = getattr(paper, "rank", 1.0) < 1.0
        title_spans = common._term_spans(paper.title, terms, whole_words=True)
        if title_spans and not typo_only:
            paper.title_html = common._spans_html(paper.title, title_spans)
        elif cjk:
            paper.title_html = common._mark_terms(paper.title, terms)
        else:
            paper.title_html = common._mark_similar_words(paper.title, fuzzy_words)
        paper.snippet_html = common._window_snippet(body, terms, whole_words=True)
    return papers
