"""A published issue's papers as BibTeX: one entry per paper, unique ASCII keys, UTF-8 values.

Reads the entries' cards (recommendations/reading/cards.py), so the references are the papers as
they were published.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from recommendations.reading.cards import issue_recommendations

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_WORD = re.compile(r"[^\W_]+")
# Letters whose Unicode decomposition holds no ASCII base letter.
_ASCII_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)
_KEY_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "via", "by", "from", "at", "is"}
_NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
# Venue names, told apart by a few words: journals first, since "Transactions of the ACL"
# names a conference too. Anything else (or nothing) is @misc.
_PREPRINT_VENUE = re.compile(r"\b(arxiv|corr|preprint|biorxiv|medrxiv|ssrn)\b", re.IGNORECASE)
_JOURNAL_VENUE = re.compile(
    r"\b(journal|transactions|trans\.|letters|magazine|review|national academy|tpami|jmlr|tacl|tmlr|ijcv)\b"
    r"|^(nature|science)\b",
    re.IGNORECASE,
)
_CONFERENCE_VENUE = re.compile(
    r"\b(conference|proceedings|proc\.|symposium|workshop|findings|neurips|nips|icml|iclr|cvpr|iccv|eccv|wacv|bmvc"
    r"|acl|emnlp|naacl|eacl|aacl|coling|conll|lrec|aaai|ijcai|kdd|www|sigir|wsdm|cikm|recsys|icassp|interspeech"
    r"|uai|aistats|colt|miccai|icra|iros|corl|siggraph|icde|vldb|sigmod)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def issue_bibtex(issue) -> str:
    """One BibTeX entry per paper of the issue, in the issue's order, with unique ASCII keys.

    Values are UTF-8 (biber and bibtexparser read it as it is); LaTeX's special characters
    are escaped and capitals that must survive a bibliography style's lower-casing (acronyms,
    "CornerNet") are protected with braces.
    """
    recommendations = issue_recommendations(issue)
    note = _("Recommended in PaperDaily, issue %(number)s") % {"number": issue.number}
    blocks = [f"% PaperDaily, issue {issue.number}\n"]
    keys, seen = set(), set()
    for rec in recommendations:
        facts, paper_id = rec.card.facts, rec.card.paper_id or rec.paper_id
        if paper_id in seen:  # two people recommended the same paper: one reference
            continue
        seen.add(paper_id)
        if not (facts.get("title") or "").strip():
            # Nothing to cite: a comment says why the entry has no reference, rather than an empty @misc.
            blocks.append(_no_details_comment(rec))
            continue
        key = _unique_key(_bibtex_key(facts, paper_id), keys)
        blocks.append(_bibtex_entry(key, facts, note))
    return "\n".join(blocks)


def papers_bibtex(papers, *, header: str) -> str:
    """BibTeX for papers outside an issue (a reader's library): ``papers`` are
    ``(paper_id, facts, annote)``, facts as ``cards.paper_facts`` gives them; ``annote`` (the
    reader's note, or "") goes in the field reference managers import as a note."""
    blocks = [f"% {' '.join(header.replace('@', ' ').split())}\n"]
    keys = set()
    note = _("Saved in PaperDaily")
    for paper_id, facts, annote in papers:
        if not (facts.get("title") or "").strip():
            continue  # nothing to cite
        key = _unique_key(_bibtex_key(facts, paper_id), keys)
        blocks.append(_bibtex_entry(key, facts, note, annote=annote))
    return "\n".join(blocks)


def _no_details_comment(rec) -> str:
    entry = getattr(rec, "issue_entry", None)
    text = _("Entry %(position)s: paper details not recorded, so no reference.") % {
        "position": entry.position if entry is not None else "?"
    }
    # Outside an entry BibTeX reads "@" as the start of one: none may slip in through a translation.
    return "% " + " ".join(text.replace("@", " ").split()) + "\n"


def _bibtex_entry(key: str, facts: dict, note: str, *, annote: str = "") -> str:
    venue = " ".join((facts.get("venue") or "").split())
    arxiv_id = facts.get("arxiv_id") or ""
    kind = _entry_type(venue, facts)
    fields = []
    authors = [name for name in (_bibtex_name(author) for author in facts.get("authors", [])) if name]
    if authors:
        fields.append(("author", " and ".join(authors)))
    if (facts.get("title") or "").strip():
        fields.append(("title", _bibtex_text(facts["title"], protect_capitals=True)))
    if venue and kind == "article":
        fields.append(("journal", _bibtex_text(venue)))
    elif venue and kind == "inproceedings":
        fields.append(("booktitle", _bibtex_text(venue)))
    elif venue and not _PREPRINT_VENUE.search(venue):
        fields.append(("howpublished", _bibtex_text(venue)))
    year = _bibtex_year(facts, venue)
    if year:
        fields.append(("year", year))
    if facts.get("doi"):
        fields.append(("doi", _bibtex_verbatim(facts["doi"])))
    if arxiv_id:
        fields.append(("eprint", _bibtex_verbatim(arxiv_id)))
        fields.append(("archivePrefix", "arXiv"))
        # The card does not freeze the arXiv category; it is arXiv's filing, not a fact that moves.
        category = facts.get("primary_category") or ""
        if category:
            fields.append(("primaryClass", _bibtex_verbatim(category)))
    if facts.get("landing_url"):
        fields.append(("url", _bibtex_verbatim(facts["landing_url"])))
    fields.append(("note", _bibtex_text(note)))
    if annote.strip():
        fields.append(("annote", _bibtex_text(" ".join(annote.split()))))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@{kind}{{{key},\n{body}}}\n"


def venue_kind(venue: str) -> str:
    """ "preprint", "journal", "conference", or "" for a venue these words do not tell."""
    if venue and _PREPRINT_VENUE.search(venue):
        return "preprint"
    if venue and _JOURNAL_VENUE.search(venue):
        return "journal"
    if venue and _CONFERENCE_VENUE.search(venue):
        return "conference"
    return ""


def split_name(name: str):
    """``(von_last, suffix, first)`` of a name written "First von Last"; ``None`` for a one-word name."""
    return _name_parts(name)


def _entry_type(venue: str, facts: dict) -> str:
    if venue and _PREPRINT_VENUE.search(venue):
        return "misc"
    if venue and _JOURNAL_VENUE.search(venue):
        return "article"
    if venue and _CONFERENCE_VENUE.search(venue):
        return "inproceedings"
    return "misc"


def _bibtex_year(facts: dict, venue: str) -> str:
    if facts.get("year"):
        return str(facts["year"])
    if facts.get("published_on"):
        return facts["published_on"][:4]
    match = _YEAR.search(venue)
    return match.group(0) if match else ""


def _bibtex_text(text: str, *, protect_capitals: bool = False) -> str:
    """A field value: specials escaped, braces kept balanced, capitals protected if asked.

    A brace in the text becomes ``\\{``/``\\}`` when it has a partner (BibTeX counts braces,
    escaped or not, so pairs keep the value balanced) and ``\\textbraceleft{}`` when alone.
    """
    text = " ".join(text.split())
    paired, open_braces = set(), []
    for i, ch in enumerate(text):
        if ch == "{":
            open_braces.append(i)
        elif ch == "}" and open_braces:
            paired.update((open_braces.pop(), i))
    starts, ends = set(), set()
    if protect_capitals:
        for word in _WORD.finditer(text):
            # "CornerNet", "BERT", "iPhone": a capital after the first letter is part of the name.
            if any(ch.isupper() for ch in word.group()[1:]):
                starts.add(word.start())
                ends.add(word.end())
    out = []
    for i, ch in enumerate(text):
        if i in starts:
            out.append("{")
        if ch in "{}":
            out.append("\\" + ch if i in paired else (r"\textbraceleft{}" if ch == "{" else r"\textbraceright{}"))
        else:
            out.append(_LATEX_SPECIALS.get(ch, ch))
        if i + 1 in ends:
            out.append("}")
    return "".join(out)


def _bibtex_verbatim(value: str) -> str:
    """A DOI, URL or eprint: read verbatim by biblatex, so only braces and spaces are encoded."""
    replacements = {"{": "%7B", "}": "%7D", "\\": "%5C"}
    return "".join(replacements.get(ch, ch) for ch in "".join(value.split()))


def _name_parts(name: str):
    """``(von_last, suffix, first)`` of a name written "First von Last"; ``None`` for a one-word name."""
    words = name.split(" ")
    if len(words) == 1:
        return None
    suffix = words.pop() if len(words) > 2 and words[-1].lower() in _NAME_SUFFIXES else ""
    last = [words.pop()]
    while len(words) > 1 and words[-1][:1].islower():  # "van", "de la": part of the last name
        last.insert(0, words.pop())
    return " ".join(last), suffix, " ".join(words)


def _bibtex_name(name: str) -> str:
    """One author as "Last, First": BibTeX then never guesses which word is the family name."""
    name = " ".join(name.split())
    if not name:
        return ""
    if any(word.lower() == "and" for word in name.split(" ")):
        return "{" + _bibtex_text(name) + "}"  # an organisation: "and" would split it in two
    if "," in name:
        return _bibtex_text(name)  # written "Last, First" already
    parts = _name_parts(name)
    if parts is None:
        return _bibtex_text(name)
    last, suffix, first = parts
    return ", ".join(_bibtex_text(part) for part in (last, suffix, first) if part)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


def _bibtex_key(facts: dict, paper_id) -> str:
    """``law2018cornernet``: first author's family name, year, first word of the title.

    A family name with no Latin letters (王小明) gives ``paper<id>``: guessing a romanisation
    would make keys people cannot predict.
    """
    authors = [" ".join(name.split()) for name in facts.get("authors", []) if name.strip()]
    family = ""
    if authors:
        first = authors[0]
        if "," in first:
            family = first.split(",", 1)[0].split(" ")[-1]
        else:
            parts = _name_parts(first)
            family = parts[0].split(" ")[-1] if parts else first
    family = _ascii(family)
    if not family:
        return f"paper{paper_id}"
    word = next(
        (
            _ascii(match.group())
            for match in _WORD.finditer(facts.get("title") or "")
            if match.group().lower() not in _KEY_STOPWORDS and _ascii(match.group())
        ),
        "",
    )
    return f"{family}{_bibtex_year(facts, facts.get('venue') or '')}{word}"


def _unique_key(key: str, taken: set) -> str:
    """``key``, or ``key`` + a, b, ... z, aa, ab ... when taken; the result is added to ``taken``."""
    candidate, n = key, 0
    while candidate in taken:
        candidate = key + _letters(n)
        n += 1
    taken.add(candidate)
    return candidate


def _letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
