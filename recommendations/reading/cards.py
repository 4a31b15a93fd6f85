"""What a recommendation's card shows of its paper, live or as published.

Publishing an issue freezes its papers: the card's facts (title, authors, venue, code and
its stars) are stored on each entry as plain JSON (``IssueEntry.snapshot``), and the issue
page, its feeds, exports and newsletter read them from there. A later fetch changes the
paper, not the issue; where it changed something a reader cares about (the title, a
repository's stars or archived flag), the card says so beside the published value.

A draft's preview builds the same card from the live paper, so it shows exactly what
publishing will freeze.

Since version 2 a snapshot also holds the abstract, the PDF link and the thumbnail of the
paper's first page. A card frozen before (version 1) takes them from the paper as it is now:
an old issue gets the richer card without being published again. The picture is always the
paper's current thumbnail where it has one: a new drawing replaces the file of the old one.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from papers.identifiers import CODE_HOSTS
from papers.models import PaperLink, PaperRepository, listing_prefetches
from recommendations.models import Recommendation

LINK_KINDS = dict(PaperLink.Kind.choices)
# The name a chip gives each code host; an older snapshot without one was GitHub's.
CODE_HOST_LABELS = dict(CODE_HOSTS)
# The snapshot's shape; a card stored under an older version is read with the keys it has.
SNAPSHOT_VERSION = 2
# A card's abstract is shown behind a disclosure; past this many characters it is cut at a word.
ABSTRACT_MAX_CHARS = 2000
# What stands for the title of a paper nobody identified: the entry still has its write-up,
# topic and recommender; it says so plainly and promises nothing.
NO_DETAILS = _("Paper details not recorded")


def paper_facts(paper) -> dict:
    """The paper's facts as a card shows them: JSON-ready, from ``listing_prefetches``."""
    return {
        "version": SNAPSHOT_VERSION,
        "paper_id": paper.pk,
        "title": " ".join(paper.title.split()),
        "authors": [author.name for author in paper.ordered_authors],
        "institutions": list(paper.institutions or []),
        "venue": paper.venue,
        "year": paper.year,
        "published_on": paper.published_on.isoformat() if paper.published_on else None,
        **paper_extras(paper),
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
        "acl_id": paper.acl_id,
        "openreview_id": paper.openreview_id,
        "primary_category": paper.primary_category,
        "identifier_label": paper.identifier_label,
        "landing_url": paper.landing_url,
        "metadata_status": paper.metadata_status,
        "code": [
            {
                "url": link.url,
                "label": link.label,
                "full_name": link.repository.full_name,
                "host": link.repository.host,
                # What ``stars`` counts: stars on the code hosts, likes on Hugging Face.
                "measure": link.repository.measure,
                "stars": link.repository.stars,
                "language": link.repository.language,
                "license": link.repository.license,
                "archived": link.repository.archived,
                "pushed_at": link.repository.pushed_at.isoformat() if link.repository.pushed_at else None,
            }
            for link in paper.repository_links.all()
        ],
        "links": [{"kind": link.kind, "url": link.url, "label": link.label} for link in paper.links.all()],
    }


def paper_extras(paper) -> dict:
    """The facts snapshot version 2 added: also read from the live paper for a version 1 card."""
    return {
        "abstract": " ".join(paper.abstract.split()),
        "pdf_url": pdf_url(paper),
        "thumbnail": paper.thumbnail_facts,
    }


def pdf_url(paper) -> str:
    """A link to the paper's PDF where its publisher or arXiv keeps one (we never serve PDFs)."""
    if paper.pdf_url:
        return paper.pdf_url
    if paper.arxiv_id:
        return f"https://arxiv.org/pdf/{paper.arxiv_id}"
    return ""


@dataclass
class CodeChip:
    url: str
    label: str
    full_name: str
    stars: int | None
    archived: bool
    host: str = "github.com"
    measure: str = "stars"
    # Set on a published card when the repository's facts moved since publication.
    stars_now: int | None = None
    archived_now: bool = False


@dataclass
class LinkChip:
    kind: str
    url: str
    label: str

    @property
    def kind_label(self):
        return LINK_KINDS.get(self.kind, _("link"))


@dataclass
class Card:
    """The paper side of an entry card; ``frozen`` when it is read from a published issue."""

    paper_id: int
    title: str
    authors: list[str]
    institutions: list[str]
    venue: str
    year: int | None
    identifier_label: str
    landing_url: str
    code: list[CodeChip]
    links: list[LinkChip]
    facts: dict
    abstract: str = ""
    published_on: str | None = None
    from_arxiv: bool = False
    pdf_url: str = ""
    thumbnail: dict | None = None
    frozen: bool = False
    title_now: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def has_title(self):
        return bool(self.title)


def card_from_facts(facts: dict, *, now: dict | None = None, paper=None) -> Card:
    """A card from stored facts; ``now`` (the live facts) adds what changed since, and ``paper``
    (the live row) gives what an older snapshot lacks and the current thumbnail."""
    extras = {key: facts.get(key) for key in ("abstract", "pdf_url", "thumbnail")}
    if paper is not None:
        live = paper_extras(paper)
        extras = {key: value if key in facts else live[key] for key, value in extras.items()}
        extras["thumbnail"] = live["thumbnail"] or extras["thumbnail"]
    card = Card(
        paper_id=facts.get("paper_id"),
        title=facts.get("title", ""),
        authors=list(facts.get("authors", [])),
        institutions=list(facts.get("institutions", [])),
        venue=facts.get("venue", ""),
        year=facts.get("year"),
        identifier_label=facts.get("identifier_label", ""),
        landing_url=facts.get("landing_url", ""),
        code=[
            CodeChip(
                url=code["url"],
                label=code.get("label") or code.get("full_name", ""),
                full_name=code.get("full_name", ""),
                stars=code.get("stars"),
                archived=bool(code.get("archived")),
                host=code.get("host", "github.com"),
                measure=code.get("measure", "stars"),
            )
            for code in facts.get("code", [])
        ],
        links=[
            LinkChip(kind=link["kind"], url=link["url"], label=link.get("label", "")) for link in facts.get("links", [])
        ],
        facts=facts,
        abstract=extras["abstract"] or "",
        published_on=facts.get("published_on"),
        from_arxiv=bool(facts.get("arxiv_id")),
        pdf_url=extras["pdf_url"] or "",
        thumbnail=extras["thumbnail"] or None,
        frozen=now is not None,
    )
    if now is not None:
        _note_changes(card, now)
    return card


def _note_changes(card: Card, now: dict) -> None:
    if now.get("title") and now["title"] != card.title:
        # Also when published without a title: an editor has identified the paper since.
        card.title_now = now["title"]
    current = {code["url"]: code for code in now.get("code", [])}
    for chip in card.code:
        live = current.get(chip.url)
        if live is None:
            continue
        if live.get("stars") is not None and live["stars"] != chip.stars:
            chip.stars_now = live["stars"]
        if live.get("archived") and not chip.archived:
            chip.archived_now = True


def live_card(recommendation) -> Card:
    return card_from_facts(paper_facts(recommendation.paper))


def published_card(recommendation, entry) -> Card:
    """As published, with today's changes beside; a draft's entry (no snapshot yet) is shown live."""
    if not entry.snapshot:
        return live_card(recommendation)
    return card_from_facts(entry.snapshot, now=paper_facts(recommendation.paper), paper=recommendation.paper)


def with_cards(recommendations):
    """Give each recommendation its ``card``: frozen inside a published issue, live elsewhere."""
    recommendations = list(recommendations)
    for recommendation in recommendations:
        entry = getattr(recommendation, "issue_entry", None)  # the reverse one-to-one raises AttributeError when absent
        if entry is not None and entry.issue.is_published:
            recommendation.card = published_card(recommendation, entry)
        else:
            recommendation.card = live_card(recommendation)
    return recommendations


def issue_recommendations(issue):
    """The issue's recommendations in order, each with its card, in a constant number of queries."""
    recommendations = (
        Recommendation.objects.for_listing().filter(issue_entry__issue=issue).order_by("issue_entry__position")
    )
    return with_cards(recommendations)


# A paper's bulky columns, which no card reads.
_UNREAD_PAPER_COLUMNS = ("paper__raw_metadata", "paper__search_vector", "paper__search_text")


def _facts_today(paper_ids) -> dict[int, dict]:
    """What a published card compares with its snapshot (``_note_changes``): each paper's code
    and its stars and archived flag today; titles are added by the caller."""
    today = {pk: {"code": []} for pk in paper_ids}
    links = (
        PaperRepository.objects.filter(paper_id__in=paper_ids)
        .select_related("repository")
        .only("paper_id", "path", "repository__url", "repository__stars", "repository__archived")
        .order_by("position", "pk")
    )
    for link in links:
        today[link.paper_id]["code"].append(
            {"url": link.url, "stars": link.repository.stars, "archived": link.repository.archived}
        )
    return today


def issue_cards(issue):
    """The issue's recommendations in order, each with its card, for the issue page and home.

    A published issue's cards come from their snapshots: beside the recommendations (with
    recommender, topic, area, paper and figures) only today's stars and archived flags are
    read, not every author, link and repository of every paper as for live cards (a draft's,
    or an issue's published before cards were frozen). Exports and the API, which show more of
    each paper, use :func:`issue_recommendations`.
    """
    recommendations = list(
        Recommendation.objects.filter(issue_entry__issue=issue)
        .select_related("recommender", "tag__area", "paper", "issue_entry")
        .defer(*_UNREAD_PAPER_COLUMNS)
        .prefetch_related("figures")
        .order_by("issue_entry__position")
    )
    for recommendation in recommendations:
        recommendation.issue_entry.issue = issue
    if not issue.is_published or any(not each.issue_entry.snapshot for each in recommendations):
        prefetch_related_objects(recommendations, *listing_prefetches("paper__"))
        return with_cards(recommendations)
    today = _facts_today([recommendation.paper_id for recommendation in recommendations])
    for recommendation in recommendations:
        now = {**today[recommendation.paper_id], "title": " ".join(recommendation.paper.title.split())}
        recommendation.card = card_from_facts(recommendation.issue_entry.snapshot, now=now, paper=recommendation.paper)
    return recommendations


def card_context(recommendation, *, position=None) -> dict:
    """Everything ``includes/entry.html`` shows of a recommendation with its ``card``, as plain data.

    The card template reads this dict and nothing else, so the dict decides the card's HTML:
    equal dicts make equal cards (the card tag renders each distinct one once, see
    recommendations/templatetags/cards.py), and a dict lookup is the template engine's cheapest.
    """
    card = recommendation.card
    tag, recommender = recommendation.tag, recommendation.recommender
    figures = [_figure(figure) for figure in recommendation.figures.all()]
    return {
        "id": recommendation.pk,
        "position": position,
        "area_code": tag.area.code,
        "area_name": tag.area.local_name,
        "tag_name": tag.local_name,
        "tag_url": tag.get_absolute_url(),
        "paper_url": recommendation.paper.get_absolute_url(),
        # Published untitled and identified since: the title it has now is the one to show.
        "title": card.title or card.title_now,
        "title_now": card.title_now if card.title else "",
        "details_recorded": bool(card.title or card.title_now),
        # A live card (a draft's) whose paper is still being fetched says so; a published one cannot be.
        "details_pending": not card.frozen and card.facts.get("metadata_status") == "pending",
        "authors": card.authors[:6],
        "more_authors": len(card.authors) > 6,
        "institutions": card.institutions,
        "venue": card.venue,
        "submitted_link": "" if card.has_title else recommendation.submitted_link,
        "submitted_url": "" if card.has_title else (recommendation.submitted_url or ""),
        "writeup_html": recommendation.writeup_html,
        # The card's picture: the recommender's first figure, else the paper's first page; the
        # other figures stay in the write-up's flow.
        "picture": figures[0] if figures else _page_picture(card),
        "figures": figures[1:],
        **paper_summary(card),
        "landing_url": card.landing_url,
        "identifier_label": card.identifier_label,
        "frozen": card.frozen,
        "code": [
            {
                "url": chip.url,
                "label": chip.label,
                "host_label": CODE_HOST_LABELS.get(chip.host, chip.host),
                "likes": chip.measure == "likes",
                "stars": chip.stars,
                "stars_now": chip.stars_now,
                "archived": chip.archived,
                "archived_now": chip.archived_now,
            }
            for chip in card.code
        ],
        "links": [
            {"kind": link.kind, "url": link.url, "label": link.label, "kind_label": str(link.kind_label)}
            for link in card.links
        ],
        "recommender_handle": recommender.handle,
        "recommender_url": recommender.get_absolute_url(),
        # A deleted account's card is signed "Former member", in the reader's language.
        "former_member": recommender.is_former_member,
    }


def _figure(figure) -> dict:
    return {
        "kind": "figure",
        "url": figure.image.url,
        "caption": figure.caption,
        "width": figure.width,
        "height": figure.height,
    }


def _page_picture(card: Card) -> dict | None:
    if not card.thumbnail:
        return None
    return {"kind": "page", "caption": "", **card.thumbnail}


def short_abstract(text: str) -> str:
    """The abstract as a card shows it: whole, or cut at a word near ``ABSTRACT_MAX_CHARS``."""
    if len(text) <= ABSTRACT_MAX_CHARS:
        return text
    return text[:ABSTRACT_MAX_CHARS].rsplit(" ", 1)[0] + " …"


def paper_summary(card: Card) -> dict:
    """The facts every card of a paper shows, whichever page it is on: abstract, date, PDF."""
    return {
        "abstract": short_abstract(card.abstract),
        # The paper's own date: arXiv's first version, or its publication; not when we saw it.
        "date": _date(card.published_on),
        "date_is_arxiv": card.from_arxiv,
        "year": _year_unless_said(card.year, card.venue),
        "pdf_url": card.pdf_url,
    }


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def paper_card(paper) -> dict:
    """What a search result shows of a paper beside its title and authors, as plain data: the
    same facts as an entry's card (abstract, date, PDF, code with its stars, the first page).
    Reads ``repository_links`` (prefetched with their repositories by the caller)."""
    summary = {
        "abstract": short_abstract(" ".join(paper.abstract.split())),
        "date": paper.published_on,
        "date_is_arxiv": bool(paper.arxiv_id),
        "year": _year_unless_said(paper.year, paper.venue),
        "pdf_url": pdf_url(paper),
        "picture": None,
        "code": [
            {"url": link.url, "label": link.label, "stars": link.repository.stars, "archived": link.repository.archived}
            for link in paper.repository_links.all()
        ],
    }
    if thumbnail := paper.thumbnail_facts:
        summary["picture"] = {"kind": "page", "caption": "", **thumbnail}
    return summary


def _year_unless_said(year, venue):
    """The year, for a paper with no date, unless its venue already says it ("AAAI 2019")."""
    return None if year is None or str(year) in (venue or "") else year
