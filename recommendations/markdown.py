"""Markdown to safe HTML, for write-ups and issue introductions.

Two layers, so that a bug in one does not let a script through: markdown-it-py's
``js-default`` preset never passes raw HTML and refuses ``javascript:``-style links,
then nh3 (the Rust ammonia sanitiser) keeps only the tags, attributes and URL
schemes listed here. Headings are shifted down so that a write-up cannot outrank
the page's own headings.
"""

from urllib.parse import urljoin

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("js-default", {"breaks": True}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "mark", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Write-ups sit under an entry's <h3>: their own headings start at <h4>.
_HEADING_SHIFT = {f"h{level}": f"h{min(level + 3, 6)}" for level in range(1, 7)}


def _shift_headings(tokens):
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = _HEADING_SHIFT[token.tag]
    return tokens


def render_markdown(text):
    """Render user Markdown to HTML that is safe to mark as such in a template."""
    if not text:
        return ""
    # NUL and other C0 controls (but tab and newlines) have no place in prose.
    text = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r")
    tokens = _shift_headings(_markdown.parse(text))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return _clean(html)


def absolutize_links(html, *, base_url):
    """HTML from ``render_markdown`` with its relative links joined to ``base_url``, for reading
    away from the site (a feed, a newsletter); links within the page (``#...``) stay as they are.

    The sanitiser rewrites them as it cleans again with the same rules, so nothing is parsed by hand.
    """
    if not html:
        return ""
    return _clean(html, url_relative=lambda url: url if url.startswith("#") else urljoin(base_url, url))


def _clean(html, **options):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
        **options,
    )
