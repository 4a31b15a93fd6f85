"""A published issue in other formats: Markdown, standalone HTML with inline styles, BibTeX.

(Placeholder signatures; the exports work replaces the bodies.)
"""


def issue_markdown(issue, *, site_url: str) -> str:
    return f"# {issue.display_title}\n"


def issue_html(issue, *, site_url: str, footer_html: str = "") -> str:
    return f"<!doctype html><html><body><h1>{issue.display_title}</h1>{footer_html}</body></html>"


def issue_bibtex(issue) -> str:
    return ""
