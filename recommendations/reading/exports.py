"""An issue in other formats: Markdown and standalone HTML with inline styles (BibTeX: bibtex.py).

Every format reads the entries' cards (recommendations/reading/cards.py), so a published issue is
exported exactly as it was published: the title, authors and stars frozen then, not today's.
The feeds (recommendations/reading/feeds.py) build their items from the same ``ExportEntry`` and the
same entry template as the HTML export.

Every URL leaves as an absolute one (``site_url`` + path): an export is read away from the
site, in a newsletter, a feed reader or an editor, where a relative link leads nowhere.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import css_inline
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from recommendations.markdown import absolutize_links
from recommendations.reading.cards import NO_DETAILS, Card, CodeChip, LinkChip, issue_recommendations

# The card shows this many authors, then "et al."; the exports read like the card.
AUTHORS_SHOWN = 6


# --- What every format shows of one entry


@dataclass
class ExportFigure:
    url: str
    caption: str


@dataclass
class ExportEntry:
    """One recommendation with its card, every link made absolute."""

    position: int | None
    title: str  # "" for a paper nobody has identified yet
    paper_url: str
    authors: list[str]
    venue: str
    tag_name: str
    tag_url: str
    area_code: str
    landing_url: str
    identifier_label: str
    code: list[CodeChip]
    links: list[LinkChip]
    writeup: str  # the recommender's Markdown, as written
    writeup_html: SafeString  # sanitised when saved; links made absolute here
    figures: list[ExportFigure]
    recommender_handle: str
    recommender_url: str
    issue_title: str = ""
    issue_url: str = ""
    card: Card | None = field(default=None, repr=False)

    @property
    def authors_display(self):
        shown = ", ".join(self.authors[:AUTHORS_SHOWN])
        if len(self.authors) > AUTHORS_SHOWN:
            shown += ", " + _("et al.")
        return shown


def absolute_url(site_url: str, url: str) -> str:
    """``url`` as seen from ``site_url``: paths join the site, absolute URLs stay as they are."""
    return urljoin(site_url.rstrip("/") + "/", url)


# A start tag as an HTML serialiser writes it (html5ever behind css-inline): attribute values
# are quoted, and text never holds a bare "<", so this finds tags and nothing else.
_START_TAG = re.compile(r"""<[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>""")
_CLASS_ATTRIBUTE = re.compile(r"""\sclass\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""")


def absolutize_html(html: str, *, site_url: str) -> SafeString:
    """Sanitised HTML (a write-up, an intro) with its relative links made absolute."""
    # Safe: the sanitiser itself rewrites the links, cleaning the HTML again with the rules it was saved under.
    return mark_safe(absolutize_links(html, base_url=site_url.rstrip("/") + "/"))  # noqa: S308


def export_entries(recommendations, *, site_url: str) -> list[ExportEntry]:
    """Recommendations that carry their ``card`` (``with_cards``), as export entries."""
    entries = []
    for rec in recommendations:
        card = rec.card
        entry = getattr(rec, "issue_entry", None)  # the reverse one-to-one raises AttributeError when absent
        issue = entry.issue if entry is not None else None
        entries.append(
            ExportEntry(
                position=entry.position if entry is not None else None,
                title=card.title or card.title_now,
                paper_url=absolute_url(site_url, rec.paper.get_absolute_url()),
                authors=card.authors,
                venue=card.venue,
                tag_name=rec.tag.name,
                tag_url=absolute_url(site_url, rec.tag.get_absolute_url()),
                area_code=rec.tag.area.code,
                landing_url=card.landing_url,
                identifier_label=card.identifier_label,
                code=card.code,
                links=card.links,
                writeup=rec.writeup,
                writeup_html=absolutize_html(rec.writeup_html, site_url=site_url),
                figures=[
                    ExportFigure(url=absolute_url(site_url, figure.image.url), caption=figure.caption)
                    for figure in rec.figures.all()
                ],
                recommender_handle=rec.recommender.handle,
                recommender_url=absolute_url(site_url, rec.recommender.get_absolute_url()),
                issue_title=issue.display_title if issue is not None else "",
                issue_url=absolute_url(site_url, issue.get_absolute_url()) if issue is not None else "",
                card=card,
            )
        )
    return entries


def issue_context(issue, recommendations, *, site_url: str) -> dict:
    """What the issue templates (standalone HTML and feed item) show."""
    return {
        "issue": issue,
        "issue_url": absolute_url(site_url, issue.get_absolute_url()),
        "published_on": _issue_date(issue),
        "intro_html": absolutize_html(issue.intro_html, site_url=site_url),
        "entries": export_entries(recommendations, site_url=site_url),
        "language": get_language(),
    }


def _issue_date(issue):
    if issue.published_at is None:
        return ""
    return date_format(timezone.localtime(issue.published_at), "DATE_FORMAT")


# Characters that mean something inline in CommonMark (and "$" to Markdown editors with maths).
# Escaping them in titles and names keeps "[", "*" or "<" in a title from reshaping the document.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~!&$])")


def markdown_escape(text: str) -> str:
    """Plain text (a title, a name) made literal in Markdown, on one line."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def markdown_url(url: str) -> str:
    """A link destination that cannot end the link early."""
    replacements = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C"}
    return "".join(replacements.get(ch, ch) for ch in "".join(url.split()))


# A link to a path of the site, inline ("](/papers/1/)") or as a reference ("[1]: /papers/1/").
_MARKDOWN_SITE_PATH = re.compile(r"(\]\(\s*|^ {0,3}\[[^\]\n]+\]:[ \t]*)(/(?!/)[^\s)]*)", re.MULTILINE)


def markdown_absolutize(text: str, *, site_url: str) -> str:
    """The author's Markdown as written, but with links to the site's own pages made absolute."""
    return _MARKDOWN_SITE_PATH.sub(lambda match: match.group(1) + absolute_url(site_url, match.group(2)), text)


def _markdown_link(text: str, url: str) -> str:
    return f"[{markdown_escape(text)}]({markdown_url(url)})"


def issue_markdown(issue, *, site_url: str) -> str:
    """The issue as Markdown: facts escaped, each write-up as its recommender wrote it."""
    context = issue_context(issue, issue_recommendations(issue), site_url=site_url)
    entries = context["entries"]
    count = ngettext("%(counter)s paper", "%(counter)s papers", len(entries)) % {"counter": len(entries)}
    meta = [_("Issue %(number)s") % {"number": issue.number}]
    meta += [context["published_on"]] if context["published_on"] else [_("draft")]
    lines = [f"# {_markdown_link(issue.display_title, context['issue_url'])}", "", " · ".join([*meta, count]), ""]
    if issue.intro.strip():
        lines += [markdown_absolutize(issue.intro.strip(), site_url=site_url), ""]
    for entry in entries:
        lines += ["---", "", *_markdown_entry(entry, site_url=site_url), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_entry(entry: ExportEntry, *, site_url: str) -> list[str]:
    title = entry.title or str(NO_DETAILS)
    number = f"{entry.position}. " if entry.position else ""
    lines = [f"## {number}{_markdown_link(title, entry.paper_url)}", ""]
    facts = []
    if entry.authors:
        facts.append(f"- **{_('Authors')}:** {markdown_escape(entry.authors_display)}")
    if entry.venue:
        facts.append(f"- **{_('Venue')}:** {markdown_escape(entry.venue)}")
    topic = _markdown_link(f"#{entry.tag_name}", entry.tag_url)
    facts.append(f"- **{_('Topic')}:** {topic} ({markdown_escape(entry.area_code)})")
    if entry.landing_url:
        label = entry.identifier_label or entry.landing_url
        facts.append(f"- **{_('Paper')}:** {_markdown_link(label, entry.landing_url)}")
    for code in entry.code:
        line = f"- **{_('Code')}:** {_markdown_link(code.label, code.url)}"
        if code.stars is not None:
            line += f" ♥ {intcomma(code.stars)}" if code.measure == "likes" else f" ★ {intcomma(code.stars)}"
        if code.archived:
            line += f" ({_('archived')})"
        facts.append(line)
    for link in entry.links:
        facts.append(f"- **{link.kind_label.capitalize()}:** {_markdown_link(link.label or link.url, link.url)}")
    lines += [*facts, ""]
    if entry.writeup.strip():
        lines += [markdown_absolutize(entry.writeup.strip(), site_url=site_url), ""]
    for figure in entry.figures:
        lines += [f"![{markdown_escape(figure.caption)}]({markdown_url(figure.url)})", ""]
    recommender = _markdown_link(f"@{entry.recommender_handle}", entry.recommender_url)
    lines.append(f"{_('Recommended by')} {recommender}")
    return lines


# --- Standalone HTML, styled inline for newsletters and the WeChat editor


def issue_html(issue, *, site_url: str, footer_html: str = "") -> str:
    """A whole HTML document whose every style sits in a ``style`` attribute.

    Newsletter tools and the WeChat article editor drop ``<style>`` blocks and classes: the
    template is written with both, css-inline copies each rule onto the elements it matches,
    and the block and the classes then go. ``footer_html`` is trusted, already safe HTML.
    """
    context = issue_context(issue, issue_recommendations(issue), site_url=site_url)
    context["footer_html"] = mark_safe(footer_html)  # noqa: S308 - the caller's own markup, documented as safe
    html = render_to_string("exports/issue.html", context)
    inliner = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)
    return strip_classes(inliner.inline(html))


def strip_classes(html: str) -> str:
    """Drop every class attribute: once styles are inline they only add weight."""
    return _START_TAG.sub(lambda match: _CLASS_ATTRIBUTE.sub("", match.group(0)), html)
