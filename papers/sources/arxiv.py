"""arXiv export API (``/api/query``): metadata for many papers by id, 100 to a request.

Answers are Atom feeds. Two generations of them are in the wild: the feeds arXiv served until
2025, which declare namespaces element by element and wrap long titles and abstracts over
several lines, and the feeds of the 2025 backend, which declare them once on ``<feed>``, put
each title and abstract on one line and order an entry's elements differently. Both are read by
namespace and element name, never by position. Errors come as a feed too: one entry titled
"Error" whose summary says what was wrong (HTTP 400 for a malformed id).

The body is parsed as bytes by defusedxml with DTDs refused outright: arXiv never sends one,
so a DOCTYPE means an entity bomb, an external entity or an HTML page, and none is read.
"""

import copy
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from papers.sources.base import BadRequest, BadResponse, PaperMetadata, TemporaryError
from papers.sources.http import api_get

# arXiv takes up to 100 comma-separated ids in one id_list (DESIGN.md, "External APIs").
BATCH_SIZE = 100

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"  # both generations use the 1.1 URI

# So that an entry kept as ``raw`` reads <arxiv:doi>, not <ns1:doi>; the prefix is arXiv's own.
ElementTree.register_namespace("arxiv", ARXIV)

# An entry's <id>: the abstract page of one version, http in every recorded feed, https accepted too.
# The id itself is held to arXiv's two shapes, since it goes into the URLs we build.
_ENTRY_ID = re.compile(
    r"https?://(?:export\.)?arxiv\.org/abs/"
    r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z-]+)?/[0-9]{7})(?:v(?P<version>[0-9]+))?"
)
_VERSION = re.compile(r"v[0-9]+$")
_ARXIV_LINK = re.compile(r"https?://(?:export\.)?arxiv\.org/")


def fetch(ids: list[str]) -> dict[str, PaperMetadata]:
    """The papers arXiv knows among ``ids``, keyed by their version-less id.

    Ids are asked for without version (arXiv then answers its latest), each once, 100 to a
    request. An id arXiv does not know is simply absent from the answer.
    """
    wanted = list(dict.fromkeys(_bare_id(value) for value in ids))
    found = {}
    for start in range(0, len(wanted), BATCH_SIZE):
        chunk = wanted[start : start + BATCH_SIZE]
        # max_results must be given: without it arXiv stops at 10 entries, whatever id_list holds.
        response = api_get("arxiv", params={"id_list": ",".join(chunk), "max_results": len(chunk)})
        if response.status == 200 and not response.content.strip():
            # Another glitch of arXiv's (seen in 2025): a 200 with no body at all. It passes on retry.
            raise TemporaryError(f"arXiv sent an empty answer for {len(chunk)} ids", status=200)
        if response.status not in (200, 400):
            raise BadResponse(f"arXiv answered HTTP {response.status} for {len(chunk)} ids", status=response.status)
        papers, total = _parse(response.content, status=response.status)  # BadRequest for the error feed
        if response.status == 400:
            raise BadResponse("arXiv answered HTTP 400 without its error feed", status=400)
        if total and not papers:
            # arXiv's known glitch: a feed that counts results but holds none. Asking again usually helps.
            raise TemporaryError(f"arXiv counted {total} results but sent none", status=response.status)
        found.update((paper.arxiv_id, paper) for paper in papers)
    return found


def parse_feed(content: bytes) -> list[PaperMetadata]:
    """Turn the bytes of an answer into one ``PaperMetadata`` per entry, in feed order.

    Raises ``BadRequest`` for arXiv's error feed and ``BadResponse`` for anything that is not
    a well-formed Atom feed.
    """
    return _parse(content)[0]


def _parse(content, *, status=None):
    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException as error:
        raise BadResponse(f"arXiv's answer was refused by the XML parser ({type(error).__name__})") from None
    except ElementTree.ParseError as error:
        raise BadResponse(f"arXiv's answer is not well-formed XML: {error}") from None
    if root.tag != f"{{{ATOM}}}feed":
        raise BadResponse("arXiv's answer is not an Atom feed")
    entries = root.findall(f"{{{ATOM}}}entry")
    for entry in entries:
        if _is_error(entry):
            message = _text(entry, "summary") or "no reason given"
            raise BadRequest(f"arXiv refused the request: {message}", status=status)
    papers = [paper for paper in map(_paper, entries) if paper is not None]
    return papers, _int(_text(root, "totalResults", OPENSEARCH))


def _paper(entry):
    """One entry as ``PaperMetadata``; None for an entry that names no arXiv paper."""
    match = _ENTRY_ID.fullmatch(_text(entry, "id"))
    title = _text(entry, "title")
    if match is None or not title:
        return None
    arxiv_id, version = match["id"], _int(match["version"])
    published = _date(_text(entry, "published"))
    primary = entry.find(f"{{{ARXIV}}}primary_category")
    doi = _text(entry, "doi", ARXIV).split()
    return PaperMetadata(
        source="arxiv",
        title=title,
        authors=[name for name in (_text(author, "name") for author in entry.findall(f"{{{ATOM}}}author")) if name],
        abstract=_text(entry, "summary"),
        arxiv_id=arxiv_id,
        arxiv_version=version,
        # arXiv keeps the DOI the authors typed; a few typed several, space-separated.
        doi=doi[0].lower() if doi else "",
        journal_ref=_text(entry, "journal_ref", ARXIV),
        year=published.year if published else None,
        published=published,
        primary_category=(primary.get("term") or "").strip() if primary is not None else "",
        abstract_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=_pdf_url(entry, arxiv_id, version),
        raw=_raw(entry),
    )


def _is_error(entry):
    # Its id is a link into arXiv's error pages ("https://arxiv.org/api/errors#..."), never an abstract page.
    return _text(entry, "title") == "Error" and _ENTRY_ID.fullmatch(_text(entry, "id")) is None


def _pdf_url(entry, arxiv_id, version):
    """arXiv's PDF link, always over https; built from the id when the entry has none."""
    for link in entry.findall(f"{{{ATOM}}}link"):
        href = (link.get("href") or "").strip()
        if link.get("title") == "pdf" and (match := _ARXIV_LINK.match(href)):
            return "https://arxiv.org/" + href[match.end() :]
    return f"https://arxiv.org/pdf/{arxiv_id}" + (f"v{version}" if version else "")


def _raw(entry):
    """The entry as XML text, Atom as its default namespace the way arXiv writes it.

    ElementTree would prefix every Atom element with "ns0:", and its ``default_namespace``
    option refuses the unqualified attributes (``href``, ``term``) every entry has.
    """
    entry = copy.deepcopy(entry)
    for element in entry.iter():
        if element.tag.startswith(f"{{{ATOM}}}"):
            element.tag = element.tag[len(ATOM) + 2 :]
    entry.set("xmlns", ATOM)
    entry.tail = None
    return ElementTree.tostring(entry, encoding="unicode")


def _bare_id(value):
    identifier = _VERSION.sub("", value.strip())
    if not identifier or "," in identifier or any(character.isspace() for character in identifier):
        raise ValueError(f"not an arXiv id: {value!r}")
    return identifier


def _text(element, name, namespace=ATOM):
    """The child's text with every run of whitespace made one space: arXiv wraps long values."""
    child = element.find(f"{{{namespace}}}{name}")
    return " ".join("".join(child.itertext()).split()) if child is not None else ""


def _date(value):
    """The UTC date of an Atom timestamp: "2018-08-03T17:40:02Z" or "2007-02-27T16:02:02-05:00"."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _int(value):
    # Short decimal strings only: int() refuses some isdigit() characters and numbers of over 4,300 digits.
    return int(value) if value and value.isdecimal() and len(value) < 10 else None
