"""Crossref REST API: one work by its DOI (``GET /works/{doi}``).

Crossref holds the publisher's record of a DOI: authors in order, journal or proceedings, print
and online dates, sometimes an abstract, inside ``{"status": "ok", "message-type": "work",
"message": {...}}``. Titles may carry HTML-like markup (``<i>``, ``<sub>``) and abstracts are JATS
XML (``<jats:p>``, with no namespace declaration); both become plain text through the standard
library's tolerant ``html.parser``, which never resolves external entities and copes with the
unbalanced markup some publishers deposit. A field missing or of an unexpected type counts as
"not given"; only an answer that is not a work is refused.
"""

import json
from datetime import date
from html.parser import HTMLParser
from urllib.parse import quote

from django.conf import settings

from papers.sources.base import BadResponse, NotFound, PaperMetadata, RateLimited, load_json
from papers.sources.http import api_get

# arXiv registers its DOIs with DataCite, so Crossref answers 404 for all of them.
_ARXIV_DOI_PREFIX = "10.48550/"

# Crossref's preference for "when was this published": the print issue, then the first online version.
_DATE_FIELDS = ("published-print", "published-online", "published", "issued")

# JATS and HTML elements that hold a paragraph of their own; the rest (italic, sub, xref...) are inline.
_BLOCKS = {"p", "sec", "title", "list-item", "li", "div", "abstract", "trans-abstract"}
_SKIPPED = {"script", "style"}


def parse_work(data):
    """Turn a work (the envelope's ``message``, a dict) into ``PaperMetadata``."""
    if not isinstance(data, dict):
        raise BadResponse("Crossref answered with a message that is not a work")
    doi = _string(data.get("DOI")).lower()
    year, published = _publication_date(data)
    return PaperMetadata(
        source="crossref",
        title=_markup_text(_first(data.get("title"))),
        authors=_authors(data.get("author")),
        abstract=_jats_text(data.get("abstract")),
        doi=doi,
        venue=_venue(data),
        year=year,
        published=published,
        abstract_url=_doi_url(doi),
        pdf_url=_pdf_url(data.get("link")),
        raw=data,
    )


def fetch(doi):
    """Fetch the work registered under ``doi``; ``NotFound`` when Crossref does not know it."""
    doi = doi.strip()
    if not doi:
        raise ValueError("empty DOI")
    contact = settings.PAPERDAILY_CONTACT_EMAIL
    # The mailto puts us in Crossref's "polite" pool, which has twice the public pool's rate.
    response = api_get("crossref", _work_path(doi), params={"mailto": contact} if contact else None)
    if response.status != 200:
        raise _error(response, doi)
    paper = parse_work(_message(response.content))
    if not paper.doi:
        paper.doi = doi.lower()
        paper.abstract_url = _doi_url(paper.doi)
    return paper


def _work_path(doi):
    """``/works/<doi>``, the DOI percent-encoded but for its slashes, as Crossref's docs ask.

    ``;``, ``#``, ``?``, ``<`` or a space would end or bend the path. Dot-only parts are encoded
    too, or the URL would resolve to another path, and so is a trailing slash (Crossref 404s it raw).
    """
    parts = [quote(part, safe="") for part in doi.split("/")]
    parts = [part.replace(".", "%2E") if part in (".", "..") else part for part in parts]
    path = "/".join(parts)
    if path.endswith("/"):
        path = path[:-1] + "%2F"
    return "/works/" + path


def _message(content):
    envelope = load_json(content, label="Crossref")
    if not isinstance(envelope, dict):
        raise BadResponse("Crossref answered with something that is not an envelope")
    if envelope.get("status") != "ok" or envelope.get("message-type") != "work":
        kind = f"{_string(envelope.get('status')) or '?'}/{_string(envelope.get('message-type')) or '?'}"
        raise BadResponse(f"Crossref answered with a {kind} message instead of a work")
    return envelope.get("message")


def _error(response, doi):
    if response.status == 404:
        if doi.lower().startswith(_ARXIV_DOI_PREFIX):
            return NotFound(f"Crossref has no work {doi}: arXiv DOIs are registered with DataCite", status=404)
        return NotFound(f"Crossref has no work with the DOI {doi}", status=404)
    if response.status == 429:  # raised by the shared client first; never to pass as a bad answer
        return RateLimited("Crossref is rate limiting us", status=429)
    reason = _reason(response.content)
    detail = f": {reason}" if reason else ""
    return BadResponse(f"Crossref answered HTTP {response.status} for {doi}{detail}", status=response.status)


def _reason(content):
    """Crossref's own words for a refusal: a validation-failure message list, or the plain-text body."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return _text(content[:200].decode("utf-8", "replace"))
    messages = body.get("message") if isinstance(body, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return _text(messages[0].get("message"))[:200]
    return _text(messages)[:200]


def _string(value):
    return value.strip() if isinstance(value, str) else ""


def _text(value):
    return " ".join(value.split()) if isinstance(value, str) else ""


def _first(value):
    """The first non-empty string of one of Crossref's string lists (title, container-title...)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return next((item for item in value if isinstance(item, str) and item.strip()), "")
    return ""


def _authors(value):
    if not isinstance(value, list):
        return []
    names = []
    for author in value:
        if not isinstance(author, dict):
            continue
        # People have given and family names; organisations (a consortium, a university) only a name.
        name = _text(f"{_string(author.get('given'))} {_string(author.get('family'))}") or _text(author.get("name"))
        if name:
            names.append(name)
    return names


def _venue(data):
    """The journal or conference; other types (books, preprints...) have none, and a publisher is not one."""
    kind = data.get("type")
    container = _markup_text(_first(data.get("container-title")))
    if kind == "proceedings-article":
        event = data.get("event")
        return _markup_text(_string(event.get("name")) if isinstance(event, dict) else "") or container
    if kind == "journal-article":
        return container
    return ""


def _publication_date(data):
    """``(year, date)`` from the first date field that has a year; the date needs a day.

    When that field stops short of the day (a print issue gives its month or year), a later field
    with a full date that agrees with it supplies the day: both describe one publication.
    """
    fields = [_date_parts(data.get(name)) for name in _DATE_FIELDS]
    fields = [parts for parts in fields if parts]
    if not fields:
        return None, None
    chosen = fields[0]
    for parts in fields:
        if parts[: len(chosen)] == chosen and len(parts) >= 3:
            try:
                return chosen[0], date(*parts[:3])
            except ValueError:
                continue
    return chosen[0], None


def _date_parts(value):
    """Crossref's ``{"date-parts": [[2019, 7, 17]]}`` as a tuple of the leading known parts."""
    rows = value.get("date-parts") if isinstance(value, dict) else None
    row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], list) else []
    parts = []
    for part in row[:3]:
        if isinstance(part, str) and part.strip().isdigit():
            part = int(part)
        if not isinstance(part, int) or isinstance(part, bool) or part < 1:
            break
        parts.append(part)
    return tuple(parts)


def _doi_url(doi):
    return f"https://doi.org/{quote(doi, safe='/')}" if doi else ""


def _pdf_url(value):
    if not isinstance(value, list):
        return ""
    for link in value:
        if not isinstance(link, dict) or _string(link.get("content-type")).lower() != "application/pdf":
            continue
        url = _string(link.get("URL"))
        if url.lower().startswith(("https://", "http://")):
            return url
    return ""


class _PlainText(HTMLParser):
    """Collects the text of a markup fragment, one entry per block element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._parts = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        name = tag.rpartition(":")[2]  # jats:p and p alike
        if name in _SKIPPED:
            self._skipping += 1
        elif name in _BLOCKS:
            self._flush()
        elif name == "br":
            self._parts.append(" ")

    def handle_endtag(self, tag):
        name = tag.rpartition(":")[2]
        if name in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif name in _BLOCKS:
            self._flush(heading=name == "title")

    def handle_data(self, data):
        if not self._skipping:
            self._parts.append(data)

    def unknown_decl(self, data):
        if data.startswith("CDATA[") and not self._skipping:  # MathML and some abstracts wrap text in CDATA
            self._parts.append(data[len("CDATA[") :])

    def close(self):
        super().close()
        self._flush()

    def _flush(self, heading=False):
        text = _text("".join(self._parts))
        self._parts = []
        # The heading every JATS abstract starts with says nothing the field name does not.
        if text and not (heading and text.casefold().rstrip(".:") == "abstract"):
            self.blocks.append(text)


def _blocks(value):
    if not isinstance(value, str):
        return []
    parser = _PlainText()
    parser.feed(value)
    parser.close()
    return parser.blocks


def _markup_text(value):
    """A title or name without its markup: ``<i>Best</i> of H<sub>2</sub>O`` becomes ``Best of H2O``."""
    return " ".join(_blocks(value))


def _jats_text(value):
    """A JATS abstract as plain text, paragraphs separated by a blank line."""
    return "\n\n".join(_blocks(value))
