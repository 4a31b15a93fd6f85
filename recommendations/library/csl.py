"""Papers as CSL-JSON, the citation format Zotero, Mendeley and pandoc read.

From a paper's facts as ``cards.paper_facts`` gives them. The item types are CSL's: a preprint
for arXiv-only papers, a conference paper or a journal article when the venue says so.
"""

import re

from recommendations.reading.bibtex import split_name, venue_kind


def csl_item(paper_id: int, facts: dict, *, note: str = "", url: str = "") -> dict:
    venue = " ".join((facts.get("venue") or "").split())
    item = {"id": f"paperdaily-{paper_id}", "type": _item_type(venue, facts), "title": facts.get("title") or ""}
    authors = [_csl_name(name) for name in facts.get("authors", []) if name.strip()]
    if authors:
        item["author"] = authors
    if venue and venue_kind(venue) != "preprint":
        item["container-title"] = venue
    date = _date_parts(facts)
    if date:
        item["issued"] = {"date-parts": [date]}
    if facts.get("doi"):
        item["DOI"] = facts["doi"]
    if facts.get("arxiv_id"):
        item["number"] = f"arXiv:{facts['arxiv_id']}"
        item["publisher"] = "arXiv"
    if facts.get("landing_url") or url:
        item["URL"] = facts.get("landing_url") or url
    if facts.get("abstract"):
        item["abstract"] = facts["abstract"]
    if note.strip():
        item["note"] = note
    return item


def _item_type(venue, facts):
    kind = venue_kind(venue)
    if kind == "journal":
        return "article-journal"
    if kind == "conference":
        return "paper-conference"
    return "article" if facts.get("arxiv_id") else "document"


def _csl_name(name: str) -> dict:
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given}
    parts = split_name(name)
    if parts is None or re.search(r"\band\b", name, re.IGNORECASE):
        return {"literal": name}
    family, suffix, given = parts
    csl = {"family": family, "given": given}
    if suffix:
        csl["suffix"] = suffix
    return csl


def _date_parts(facts):
    published = facts.get("published_on") or ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        year, month, day = (int(part) for part in published.split("-"))
        return [year, month, day]
    if facts.get("year"):
        return [int(facts["year"])]
    return None
