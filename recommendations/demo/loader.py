"""Load the demo issue: PaperDaily #128 and everything its entries point at.

The data file holds the facts of a real issue of the column plus the project's own
write-ups. Loading is idempotent: every row is found by its natural key and only
what is missing is created, so that edits an editor has made since survive a rerun.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils.text import slugify

from papers.models import Area, Author, Paper, PaperAuthor, PaperLink, PaperRepository, Repository, Tag
from recommendations.models import Issue, IssueEntry, Recommendation, Recommender

DEMO_PATH = Path(__file__).with_name("paperdaily-128.json")

# Paper's identifier fields and the data file's key for each.
IDENTIFIER_KEYS = {"arxiv_id": "arxiv_id", "doi": "doi", "acl_id": "acl_anthology_id", "openreview_id": "openreview_id"}

REQUIRED_KEYS = {
    "document": {"areas", "issue", "entries"},
    "issue": {"number", "title", "published_at", "time_zone", "intro"},
    "entry": {"position", "recommender", "tag", "area", "portal_paper_id", "writeup"},
}

_VENUE_YEAR = re.compile(r"\b(19|20)\d\d\b")
# New-style arXiv ids (since April 2007) start with the submission's YYMM.
_NEW_ARXIV_ID = re.compile(r"^(\d\d)(0[1-9]|1[0-2])\.\d{4,5}$")


@dataclass(frozen=True)
class DemoLoadResult:
    issue: Issue
    entries: int
    created: int
    existing: int


def demo_load(*, path=None):
    """Create the demo issue and whatever of its papers, people and tags is missing."""
    document = json.loads(Path(path or DEMO_PATH).read_text(encoding="utf-8"))
    _check(document)
    with transaction.atomic():
        areas = {area["code"]: _area(area) for area in document["areas"]}
        names_zh = document.get("topic_names_zh", {})
        issue_created = not Issue.objects.filter(number=document["issue"]["number"]).exists()
        issue = _issue(document["issue"])
        created = new_papers = 0
        new_recommendations = []
        for entry in sorted(document["entries"], key=lambda entry: entry["position"]):
            tag = _tag(entry["tag"], areas[entry["area"]], names_zh.get(entry["tag"], ""))
            recommender = _recommender(entry["recommender"])
            paper, paper_created = _paper(entry)
            recommendation, recommendation_created = _recommendation(entry, paper, recommender, tag)
            new_papers += paper_created
            created += recommendation_created
            if recommendation_created:
                new_recommendations.append(recommendation.pk)
            _issue_entry(issue, recommendation, entry["position"])
        if new_papers:
            _reset_sequences()
        # Loading is not a change of the column's content: what it made was last changed when the
        # column published it (feeds say so in <updated>).
        if issue_created:
            Issue.objects.filter(pk=issue.pk).update(updated_at=issue.published_at)
        Recommendation.objects.filter(pk__in=new_recommendations).update(updated_at=issue.published_at)
    entries = len(document["entries"])
    return DemoLoadResult(issue=issue, entries=entries, created=created, existing=entries - created)


def _check(document):
    """Refuse a malformed file before anything is written."""
    for what, data in [("document", document), ("issue", document.get("issue", {}))]:
        if missing := REQUIRED_KEYS[what] - data.keys():
            raise ValueError(f"The {what} lacks {sorted(missing)}.")
    entries = document["entries"]
    area_codes = {area["code"] for area in document["areas"]}
    for entry in entries:
        if missing := REQUIRED_KEYS["entry"] - entry.keys():
            raise ValueError(f"Entry {entry.get('position', '?')} lacks {sorted(missing)}.")
        if entry["area"] not in area_codes:
            raise ValueError(f"Entry {entry['position']}: unknown area {entry['area']!r}.")
        if not (entry["writeup"] or "").strip():
            raise ValueError(f"Entry {entry['position']} has no write-up.")
    positions = sorted(entry["position"] for entry in entries)
    if positions != list(range(1, len(entries) + 1)):
        raise ValueError(f"Entry positions must run from 1 to {len(entries)}, not {positions}.")


def _issue(data):
    issue = Issue.objects.filter(number=data["number"]).first()
    if issue is None:
        issue = Issue(number=data["number"], title=data["title"], status=Issue.Status.PUBLISHED)
        issue.published_at = datetime.fromisoformat(data["published_at"]).replace(tzinfo=ZoneInfo(data["time_zone"]))
        issue.set_intro(data["intro"])
        issue.save()
    return issue


def _identifiers(entry):
    """The paper's identifiers as Paper fields, "" when absent, normalised as parsing stores them."""
    values = {field: (entry.get(key) or "").strip() for field, key in IDENTIFIER_KEYS.items()}
    values["doi"] = values["doi"].lower()
    return values


def _year(entry, identifiers):
    match = _VENUE_YEAR.search(entry.get("venue") or "")
    if match:
        return int(match.group())
    match = _NEW_ARXIV_ID.match(identifiers["arxiv_id"])
    return 2000 + int(match.group(1)) if match else None


def _paper(entry):
    """The entry's paper, found by identifier or portal id, else created under the portal id."""
    identifiers = _identifiers(entry)
    known = Q()
    for field, value in identifiers.items():
        if value:
            known |= Q(**{field: value})
    # Identifiers name the paper wherever it lives; an editor may have added it before the demo.
    paper = Paper.objects.filter(known).order_by("pk").first() if known else None
    if paper is not None:
        return paper, False
    paper = Paper.objects.filter(pk=entry["portal_paper_id"]).first()
    clashes = paper is not None and any(getattr(paper, field) for field, value in identifiers.items() if value)
    if paper is not None and not clashes:
        return paper, False
    status = Paper.MetadataStatus.PENDING if any(identifiers.values()) else Paper.MetadataStatus.NEEDS_EDITOR
    paper = Paper.objects.create(
        # Keeping the column's ids makes /papers/2749/ the paper the column called 2749; a
        # different paper already there (with other identifiers) keeps its id and ours gets a new one.
        pk=None if clashes else entry["portal_paper_id"],
        title=entry.get("title") or "",
        venue=entry.get("venue") or "",
        year=_year(entry, identifiers),
        institutions=list(entry.get("institutions") or []),
        metadata_status=status,
        **identifiers,
    )
    # Authors and links come only with a paper created here: an existing paper's are an editor's to keep.
    _add_authors(paper, entry.get("authors") or [])
    _add_links(paper, entry)
    return paper, True


def _add_authors(paper, names):
    for position, name in enumerate(names, start=1):
        author = Author.objects.filter(name=name).order_by("pk").first() or Author.objects.create(name=name)
        PaperAuthor.objects.create(paper=paper, author=author, position=position)


def _add_links(paper, entry):
    if entry.get("code_url"):
        repository, path = _repository(entry["code_url"])
        PaperRepository.objects.get_or_create(paper=paper, repository=repository, path=path)
    if entry.get("dataset_url"):
        PaperLink.objects.get_or_create(paper=paper, kind=PaperLink.Kind.DATASET, url=entry["dataset_url"])


def _repository(code_url):
    """The repository a code URL points into, and the path inside it ("" for its root)."""
    parts = urlsplit(code_url)
    host = parts.netloc.lower()
    owner, name, *rest = parts.path.strip("/").split("/")
    url = f"https://{host}/{owner}/{name}"
    # Owner and name are case-blind on GitHub; the URL and the triple are each unique.
    repository = Repository.objects.filter(
        Q(url__iexact=url) | Q(host=host, owner__iexact=owner, name__iexact=name)
    ).first()
    if repository is None:
        repository = Repository.objects.create(
            url=url,
            host=host,
            owner=owner,
            name=name,
            fetch_status=Repository.FetchStatus.PENDING,
        )
    return repository, "/".join(rest)


def _recommender(handle):
    # Handles are unique case-blind: "QAQ" and "qaq" are one person.
    recommender = Recommender.objects.filter(handle__iexact=handle).first()
    return recommender or Recommender.objects.create(handle=handle)


def _recommendation(entry, paper, recommender, tag):
    recommendation = Recommendation.objects.filter(recommender=recommender, paper=paper).first()
    if recommendation is not None:
        return recommendation, False
    recommendation = Recommendation(
        paper=paper,
        recommender=recommender,
        tag=tag,
        # The demo's recommenders "submitted" the paper's own page: arXiv, DOI, ACL Anthology, OpenReview.
        submitted_link=paper.landing_url,
        status=Recommendation.Status.PUBLISHED,
    )
    recommendation.set_writeup(entry["writeup"])
    recommendation.save()
    return recommendation, True


def _area(data):
    area = Area.objects.get_or_create(code=data["code"], defaults={"name": data["name"], "position": data["position"]})[
        0
    ]
    return _with_chinese_name(area, data.get("name_zh", ""))


def _tag(name, area, name_zh):
    slug = slugify(name)
    # Name and slug are each unique: an editor may have renamed either, so try both.
    tag = Tag.objects.filter(Q(slug=slug) | Q(name__iexact=name)).order_by("pk").first()
    return _with_chinese_name(tag or Tag.objects.create(name=name, slug=slug, area=area), name_zh)


def _with_chinese_name(row, name_zh):
    """Give a topic or area the demo's Chinese name where it has none; an editor's own is kept."""
    if name_zh and not row.name_zh:
        row.name_zh = name_zh
        row.save(update_fields=["name_zh"])
    return row


def _issue_entry(issue, recommendation, position):
    if IssueEntry.objects.filter(recommendation=recommendation).exists():
        return
    # An issue 128 an editor made with other content keeps its entries; ours go after them.
    if issue.entries.filter(position=position).exists():
        position = (issue.entries.aggregate(last=Max("position"))["last"] or 0) + 1
    IssueEntry.objects.create(issue=issue, recommendation=recommendation, position=position)


def _reset_sequences():
    """Move the id sequences past the ids given explicitly, so the next insert does not collide."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(apps.get_app_config("papers").get_models()))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
