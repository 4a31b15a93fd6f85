"""Semantic Scholar Graph API v1: a paper by identifier, many papers in one batch, or the best title match.

Semantic Scholar reaches papers the other sources cannot: ACL Anthology and OpenReview links, and
venue names for arXiv preprints that were later published. Its answers change shape over time
(``openAccessPdf`` was ``null``, then an object, now an object whose ``url`` may be ``""``;
``publicationVenue`` is an object, ``null``, or in some answers a bare venue id), so every field is
read defensively and a field in an unexpected shape counts as "not given".
"""

import json
import re
from datetime import date
from urllib.parse import quote

from papers.sources.base import BadRequest, BadResponse, NotFound, PaperMetadata, RateLimited, load_json
from papers.sources.http import api_get, api_post

# Always ask for explicit fields: without ``fields=`` the API answers with paperId and title only.
FIELDS = "title,authors,abstract,venue,publicationVenue,year,publicationDate,externalIds,journal,openAccessPdf,url"

# The batch endpoint takes at most 500 ids per request (API docs, "POST /paper/batch", Limitations).
BATCH_SIZE = 500

# Prefixes the API accepts in front of an identifier (API docs, "GET /paper/{paper_id}").
_KEY_PREFIXES = {"arxiv": "ARXIV", "doi": "DOI", "acl": "ACL"}

# DOIs under this prefix are arXiv's own (registered with DataCite); the arXiv id already says it.
_ARXIV_DOI_PREFIX = "10.48550/"

# Venue names that only say "preprint"; a real venue may still come from another field.
_PREPRINT_VENUES = {"arxiv", "arxiv.org", "corr"}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ARXIV_VERSION = re.compile(r"v\d+$")
# What a conference's short name looks like among its alternate names: "ECCV", "COLING", "NeurIPS".
_ACRONYM = re.compile(r"(?=(?:[a-z]*[A-Z]){2})[A-Z][A-Za-z]{1,9}")

# The batch endpoint answers 400 with this error, instead of a list of nulls, when it knows none of the ids.
_NO_VALID_IDS = "No valid paper ids given"


def paper_key(kind, value):
    """The identifier Semantic Scholar understands for a paper we know by ``kind`` and ``value``.

    ``("arxiv", "1808.01244")`` gives ``"ARXIV:1808.01244"``. OpenReview has no prefix of its own,
    so its forum URL is sent with ``URL:``; the API documents URLs from semanticscholar.org,
    arxiv.org, aclweb.org, acm.org and biorxiv.org only, so expect "not found" for most of them.
    """
    value = value.strip()
    if not value:
        raise ValueError(f"empty {kind} identifier")
    if kind == "arxiv":
        value = _ARXIV_VERSION.sub("", value)
    if kind in _KEY_PREFIXES:
        return f"{_KEY_PREFIXES[kind]}:{value}"
    if kind == "openreview":
        return f"URL:https://openreview.net/forum?id={value}"
    raise ValueError(f"Semantic Scholar cannot look up a {kind!r} identifier")


def parse_paper(data):
    """Turn one paper object (a dict, or the bytes of an answer) into ``PaperMetadata``."""
    if isinstance(data, bytes | str):
        data = _load_json(data)
    if not isinstance(data, dict) or not (data.get("paperId") or data.get("title")):
        raise BadResponse("Semantic Scholar answered with something that is not a paper")
    ids = data.get("externalIds") if isinstance(data.get("externalIds"), dict) else {}
    return PaperMetadata(
        source="semantic_scholar",
        title=_text(data.get("title")),
        authors=_authors(data.get("authors")),
        abstract=_text(data.get("abstract")),
        arxiv_id=_ARXIV_VERSION.sub("", _string(ids.get("ArXiv"))),
        doi=_doi(ids.get("DOI")),
        acl_id=_string(ids.get("ACL")),
        semantic_scholar_id=_string(data.get("paperId")),
        venue=_venue(data),
        year=_year(data.get("year")),
        published=_date(data.get("publicationDate")),
        pdf_url=_pdf_url(data.get("openAccessPdf")),
        raw=data,
    )


def fetch(key):
    """Fetch one paper by a ``paper_key``; ``NotFound`` when Semantic Scholar does not know it."""
    response = api_get("semantic_scholar", _paper_path(key), params={"fields": FIELDS})
    if response.status == 200:
        return parse_paper(response.content)
    raise _error(response, key)


def fetch_batch(keys):
    """Fetch many papers, 500 per request; the answer maps each known key to its paper.

    Unknown keys are simply absent: the API answers ``null`` in their place, or a 400
    "No valid paper ids given" when it knows none of the keys in a request.
    """
    keys = list(dict.fromkeys(keys))
    found = {}
    for start in range(0, len(keys), BATCH_SIZE):
        chunk = keys[start : start + BATCH_SIZE]
        response = api_post("semantic_scholar", "/paper/batch", params={"fields": FIELDS}, json={"ids": chunk})
        if response.status == 400 and _message(response) == _NO_VALID_IDS:
            continue
        if response.status != 200:
            raise _error(response, f"a batch of {len(chunk)} papers")
        papers = _load_json(response.content)
        if not isinstance(papers, list) or len(papers) != len(chunk):
            raise BadResponse("Semantic Scholar's batch answer does not line up with the ids asked for")
        for key, paper in zip(chunk, papers, strict=True):
            if isinstance(paper, dict):
                found[key] = parse_paper(paper)
    return found


def match_title(title):
    """The paper whose title best matches ``title``, or None when Semantic Scholar finds none.

    The caller decides whether the match is close enough: ``raw["matchScore"]`` holds the score.
    """
    title = " ".join(title.split())
    if not title:
        return None
    response = api_get("semantic_scholar", "/paper/search/match", params={"query": title, "fields": FIELDS})
    if response.status == 404:
        return None
    if response.status != 200:
        raise _error(response, f"the title {title!r}")
    answer = _load_json(response.content)
    matches = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(matches, list):
        raise BadResponse("Semantic Scholar's title match answer has no data list")
    return parse_paper(matches[0]) if matches else None


def _paper_path(key):
    """The path of one paper: ``/paper/<key>``, percent-encoded.

    DOIs keep their slashes (``DOI:10.18653/v1/N18-3011``, as documented). A ``URL:`` key has its
    slashes encoded too, or the shared client would read ``https://`` in the path as an absolute URL
    on another host and refuse it.
    """
    return "/paper/" + quote(key, safe=":" if key.startswith("URL:") else ":/")


def _error(response, what):
    message = _message(response)
    if response.status == 404:
        return NotFound(f"Semantic Scholar has no paper for {what}", status=404)
    if response.status == 400:
        return BadRequest(f"Semantic Scholar refused the request for {what}: {message}", status=400)
    if response.status == 429:
        # The shared client raises on 429 before we see it; kept so a 429 can never pass as a bad answer.
        return RateLimited("Semantic Scholar is rate limiting us", status=429)
    return BadResponse(f"Semantic Scholar answered HTTP {response.status} for {what}", status=response.status)


def _message(response):
    """The API's own error text: ``{"error": ...}`` (Graph API) or ``{"message": ...}`` (gateway)."""
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return response.content[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        return _string(body.get("error") or body.get("message"))
    return ""


def _load_json(content):
    return load_json(content, label="Semantic Scholar")


def _string(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _text(value):
    return " ".join(value.split()) if isinstance(value, str) else ""


def _authors(value):
    if not isinstance(value, list):
        return []
    names = (_text(author.get("name")) if isinstance(author, dict) else _text(author) for author in value)
    return [name for name in names if name]


def _doi(value):
    doi = _string(value).lower()
    return "" if doi.startswith(_ARXIV_DOI_PREFIX) else doi


def _venue(data):
    """The venue as the column writes it: "ECCV 2018" for a conference known by an acronym; else the
    name from publicationVenue, the venue string or the journal, preprint servers skipped."""
    acronym = _conference_acronym(data.get("publicationVenue"))
    year = _year(data.get("year"))
    if acronym and year:
        return f"{acronym} {year}"
    for candidate in (data.get("publicationVenue"), data.get("venue"), data.get("journal")):
        name = _text(candidate.get("name")) if isinstance(candidate, dict) else _text(candidate)
        # A bare string publicationVenue is the venue's id, not its name.
        if name and not _UUID.match(name) and name.lower() not in _PREPRINT_VENUES:
            return name
    return ""


def _conference_acronym(venue):
    """A conference's one short name among its alternate names ("ECCV", "EMNLP"), or "".

    Two candidates ("NeurIPS" and "NIPS") leave the choice to the full name: a wrong year's
    acronym would be worse than a long name.
    """
    if not isinstance(venue, dict) or venue.get("type") != "conference":
        return ""
    names = venue.get("alternate_names") if isinstance(venue.get("alternate_names"), list) else []
    acronyms = {
        name.strip()
        for name in names
        if isinstance(name, str) and _ACRONYM.fullmatch(name.strip()) and name.strip().lower() not in _PREPRINT_VENUES
    }
    return acronyms.pop() if len(acronyms) == 1 else ""


def _year(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _date(value):
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _pdf_url(value):
    url = _string(value.get("url")) if isinstance(value, dict) else _string(value)
    return url if url.startswith(("https://", "http://")) else ""
