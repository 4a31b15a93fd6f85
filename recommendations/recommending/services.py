"""Recommending a paper: the rules, shared by the web form and the API.

Every input is checked before anything is written, and each check raises a
``ValidationError`` keyed by the input's name (``paper_link``, ``code_links``, ...), so
that a form can show it next to its field and the API can return it under the same key.
Writing happens in one transaction; the metadata fetch is enqueued when it commits.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from paperdaily.lib.text import without_controls
from papers.identifiers import (
    LinkError,
    PaperRef,
    RepoRef,
    parse_paper_link,
    parse_repo_link,
)
from papers.models import Area, Paper, Repository, Tag
from papers.services import enqueue_papers, enqueue_repositories, paper_get_or_create, repository_get_or_create
from recommendations.models import Issue, Recommendation, Recommender
from recommendations.recommending.figures import PreparedFigure, figure_attach, figure_delete_files, figure_prepare

# A proposed topic: words, digits and a little punctuation ("Vision-Language Models", "图神经网络").
_TOPIC_RE = re.compile(r"^\w[\w .,:+&/()'-]*\Z")
TOPIC_MIN, TOPIC_MAX = 2, 60
_url_validator = URLValidator(schemes=["http", "https"])

# What an empty required input is told, by the service, the form and the API alike: what the field takes.
PAPER_LINK_REQUIRED = gettext_lazy(
    "Paste the paper's link: an arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244."
)
PAPER_LINK_TOO_LONG = gettext_lazy(
    "This link is too long to be a paper's link. Paste an arXiv, DOI, OpenReview or ACL Anthology link, "
    "e.g. https://arxiv.org/abs/1808.01244."
)
CODE_LINKS_TOO_LONG = gettext_lazy(
    "This is more text than a few code links: paste one link a line, to repositories on GitHub, GitLab, "
    "Gitee, Bitbucket or Codeberg, or to models, datasets or Spaces on Hugging Face."
)
DATASET_LINK_INVALID = gettext_lazy(
    "Paste the dataset's web address, starting with https://, e.g. https://huggingface.co/datasets/owner/name."
)
WRITEUP_REQUIRED = gettext_lazy("Write a few lines on why this paper is worth reading.")


class AlreadyRecommended(ValidationError):
    """The recommender has recommended this paper before; ``existing`` is that recommendation."""

    def __init__(self, existing):
        super().__init__(
            {"paper_link": ValidationError(_("You have already recommended this paper."), code="duplicate")}
        )
        self.existing = existing


@dataclass
class Submitted:
    recommendation: Recommendation
    # Published issues that featured this paper before: the recommendation is still welcome.
    featured_in: list[Issue] = field(default_factory=list)


# --- Checking each input (pure, no writes)


def clean_paper_link(value: str) -> PaperRef:
    value = (value or "").strip()
    if not value:
        raise ValidationError(str(PAPER_LINK_REQUIRED), code="required")
    if len(value) > 500:
        raise ValidationError(str(PAPER_LINK_TOO_LONG), code="too_long")
    try:
        return parse_paper_link(value)
    except LinkError as error:
        raise ValidationError(str(error), code="link") from None


def clean_code_links(values) -> list[RepoRef]:
    """Up to PAPERDAILY_MAX_CODE_LINKS repository links; repeats of one repository count once."""
    values = [value.strip() for value in values if value and value.strip()]
    limit = settings.PAPERDAILY_MAX_CODE_LINKS
    if len(values) > limit:
        raise ValidationError(
            ngettext("Give at most %(limit)d code link.", "Give at most %(limit)d code links.", limit)
            % {"limit": limit},
            code="too_many",
        )
    refs, errors, seen = [], [], set()
    for value in values:
        try:
            ref = parse_repo_link(value[:500])
        except LinkError as error:
            errors.append(ValidationError(str(error), code="link"))
            continue
        key = (*ref.key, ref.path)
        if key not in seen:
            seen.add(key)
            refs.append(ref)
    if errors:
        raise ValidationError(errors)
    return refs


def clean_dataset_link(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    message = str(DATASET_LINK_INVALID)
    if len(value) > 500 or any(unicodedata.category(ch) in ("Cc", "Cf", "Zs") for ch in value):
        raise ValidationError(message, code="invalid")
    try:
        _url_validator(value)
    except ValidationError:
        raise ValidationError(message, code="invalid") from None
    parts = urlsplit(value)
    if parts.username or parts.password or "@" in parts.netloc:
        raise ValidationError(
            _("A dataset link cannot carry a user name or password; paste the dataset's public web address."),
            code="invalid",
        )
    return value


def clean_writeup(value: str) -> str:
    text = without_controls(value or "").strip()
    low, high = settings.PAPERDAILY_WRITEUP_MIN_CHARS, settings.PAPERDAILY_WRITEUP_MAX_CHARS
    if not text:
        raise ValidationError(str(WRITEUP_REQUIRED), code="required")
    if len(text) < low:
        raise ValidationError(
            _("Write at least %(low)d characters (you have %(count)d): say why the paper is worth reading.")
            % {"low": low, "count": len(text)},
            code="too_short",
        )
    if len(text) > high:
        raise ValidationError(
            _("Keep the write-up to %(high)d characters (you have %(count)d).") % {"high": high, "count": len(text)},
            code="too_long",
        )
    return text


def clean_topic(*, tag: Tag | None, proposed_topic: str = "", proposed_area: Area | None = None):
    """An approved tag, or the name and area of a topic to propose: ``(tag, name, area)``."""
    if tag is not None:
        if not tag.approved:
            raise ValidationError({"tag": ValidationError(_("Choose a topic from the list."), code="invalid")})
        return tag, "", None
    name = " ".join(without_controls(proposed_topic or "").split())
    errors = {}
    if not name:
        errors["proposed_topic"] = ValidationError(
            _("Name the topic you propose, or choose one from the list."), code="required"
        )
    elif not (TOPIC_MIN <= len(name) <= TOPIC_MAX) or not _TOPIC_RE.match(name):
        errors["proposed_topic"] = ValidationError(
            _("Name the topic in %(low)d to %(high)d characters: words, digits, spaces and common punctuation.")
            % {"low": TOPIC_MIN, "high": TOPIC_MAX},
            code="invalid",
        )
    if proposed_area is None:
        errors["proposed_area"] = ValidationError(_("Choose the area the topic belongs to."), code="required")
    if errors:
        raise ValidationError(errors)
    return None, name, proposed_area


def _checked(
    *,
    paper_link: str,
    writeup: str,
    tag: Tag | None = None,
    proposed_topic: str = "",
    proposed_area: Area | None = None,
    code_links=(),
    dataset_link: str = "",
    figure=None,
    figure_caption: str = "",
):
    """Run every check on a recommendation's inputs; raise all their errors at once, keyed by input name.

    These keyword arguments are the inputs of ``recommendation_submit`` and
    ``recommendation_update``: ``code_links`` is a list of repository links, ``figure`` an
    uploaded file or one a form has already prepared, ``tag`` an approved topic or None
    with ``proposed_topic`` and ``proposed_area`` naming a new one.
    """
    errors, cleaned = {}, {}
    checks = {
        "paper_link": lambda: clean_paper_link(paper_link),
        "code_links": lambda: clean_code_links(code_links),
        "dataset_link": lambda: clean_dataset_link(dataset_link),
        "writeup": lambda: clean_writeup(writeup),
    }
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except ValidationError as error:
            errors[name] = error.error_list
    try:
        cleaned["topic"] = clean_topic(tag=tag, proposed_topic=proposed_topic, proposed_area=proposed_area)
    except ValidationError as error:
        errors.update(error.error_dict)
    if figure is not None and not isinstance(figure, PreparedFigure):
        try:
            figure = figure_prepare(figure)
        except ValidationError as error:
            errors["figure"] = error.error_list
    cleaned["figure"] = figure
    caption = " ".join(without_controls(figure_caption or "").split())
    if len(caption) > 300:
        errors["figure_caption"] = [ValidationError(_("Keep the caption to 300 characters."), code="too_long")]
    cleaned["figure_caption"] = caption
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Writing


def _topic_tag(tag, name, area) -> Tag:
    """The approved tag, or the (possibly already proposed) tag of that name."""
    if tag is not None:
        return tag
    existing = Tag.objects.filter(name__iexact=name).first()
    if existing:
        return existing
    base = slugify(name)[:80] or "topic"
    slug, n = base, 1
    while Tag.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name, slug=slug, area=area, approved=False)
    except IntegrityError:
        return Tag.objects.get(name__iexact=name)


def _enqueue_fetches(paper: Paper, repositories: list[Repository]) -> None:
    if paper.metadata_status == Paper.MetadataStatus.PENDING:
        enqueue_papers([paper.pk], arxiv_ids={paper.pk} if paper.arxiv_id else frozenset())
    pending = [repo.pk for repo in repositories if repo.fetch_status == Repository.FetchStatus.PENDING]
    if pending:
        enqueue_repositories(pending)


def _featured_in(paper: Paper) -> list[Issue]:
    return list(Issue.objects.published().filter(entries__recommendation__paper=paper).order_by("-number").distinct())


def _check_pending_cap(recommender: Recommender) -> None:
    cap = settings.PAPERDAILY_MAX_PENDING_RECOMMENDATIONS
    if recommender.recommendations.pending_review().count() >= cap:
        raise ValidationError(
            ngettext(
                "You have %(cap)d recommendation waiting for an editor; you can send another once it is reviewed.",
                "You have %(cap)d recommendations waiting for an editor; you can send more once some are reviewed.",
                cap,
            )
            % {"cap": cap},
            code="pending_cap",
        )


def _apply(recommendation: Recommendation, cleaned: dict, *, paper_link: str) -> list[Repository]:
    """Write the cleaned inputs onto ``recommendation`` (saved) and return its repositories."""
    tag = _topic_tag(*cleaned["topic"])
    repositories = [repository_get_or_create(ref=ref)[0] for ref in cleaned["code_links"]]
    recommendation.tag = tag
    recommendation.submitted_link = paper_link.strip()[:500]
    recommendation.code_links = [f"{ref.url}/{ref.path}" if ref.path else ref.url for ref in cleaned["code_links"]]
    recommendation.dataset_link = cleaned["dataset_link"]
    recommendation.set_writeup(cleaned["writeup"])
    recommendation.save()
    recommendation.repositories.set(repositories)
    return repositories


def recommendation_submit(*, recommender: Recommender, **inputs) -> Submitted:
    """Save a new recommendation; the paper's details are fetched in the background.

    ``inputs`` are those ``_checked`` names (``paper_link``, ``writeup``, ``tag``, ...).
    Raises ``ValidationError`` keyed by input name, ``AlreadyRecommended`` for a repeat.
    """
    cleaned = _checked(**inputs)
    paper_link = inputs["paper_link"]
    with transaction.atomic():
        # One submission at a time per recommender: the cap and the repeat check hold.
        Recommender.objects.select_for_update().filter(pk=recommender.pk).first()
        _check_pending_cap(recommender)
        paper, _created = paper_get_or_create(ref=cleaned["paper_link"])
        existing = recommender.recommendations.filter(paper=paper).first()
        if existing:
            raise AlreadyRecommended(existing)
        recommendation = Recommendation(recommender=recommender, paper=paper)
        try:
            with transaction.atomic():
                repositories = _apply(recommendation, cleaned, paper_link=paper_link)
        except IntegrityError:
            raise AlreadyRecommended(recommender.recommendations.get(paper=paper)) from None
        if cleaned["figure"] is not None:
            figure_attach(recommendation=recommendation, prepared=cleaned["figure"], caption=cleaned["figure_caption"])
        transaction.on_commit(lambda: _enqueue_fetches(paper, repositories))
    return Submitted(recommendation=recommendation, featured_in=_featured_in(paper))


def _require_editable(recommendation: Recommendation) -> None:
    if recommendation.status != Recommendation.Status.SUBMITTED:
        raise ValidationError(
            _("An editor has already reviewed this recommendation, so it can no longer be changed."),
            code="reviewed",
        )


def recommendation_update(*, recommendation: Recommendation, remove_figure: bool = False, **inputs) -> Submitted:
    """Change a recommendation that no editor has reviewed yet; same inputs and rules as submitting."""
    cleaned = _checked(**inputs)
    paper_link = inputs["paper_link"]
    with transaction.atomic():
        locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
        _require_editable(locked)
        paper, _created = paper_get_or_create(ref=cleaned["paper_link"])
        existing = locked.recommender.recommendations.filter(paper=paper).exclude(pk=locked.pk).first()
        if existing:
            raise AlreadyRecommended(existing)
        old_tag = locked.tag
        locked.paper = paper
        try:
            with transaction.atomic():
                repositories = _apply(locked, cleaned, paper_link=paper_link)
        except IntegrityError:
            raise AlreadyRecommended(locked.recommender.recommendations.get(paper=paper)) from None
        old_figures = list(locked.figures.all())
        if cleaned["figure"] is not None or remove_figure:
            for old in old_figures:
                old.delete()
                transaction.on_commit(lambda old=old: figure_delete_files(old))
        elif old_figures and cleaned["figure_caption"] != old_figures[0].caption:
            old_figures[0].caption = cleaned["figure_caption"]
            old_figures[0].save(update_fields=["caption"])
        if cleaned["figure"] is not None:
            figure_attach(recommendation=locked, prepared=cleaned["figure"], caption=cleaned["figure_caption"])
        _forget_unused_proposal(old_tag)
        transaction.on_commit(lambda: _enqueue_fetches(paper, repositories))
    return Submitted(recommendation=locked, featured_in=_featured_in(paper))


def _forget_unused_proposal(tag: Tag) -> None:
    """A proposed topic nobody files under any more goes away with its last recommendation."""
    if not tag.approved and not tag.recommendations.exists():
        tag.delete()


def recommendation_withdraw(*, recommendation: Recommendation) -> None:
    """Take back a recommendation no editor has reviewed; it and its figures are deleted."""
    with transaction.atomic():
        locked = Recommendation.objects.select_for_update().select_related("tag").get(pk=recommendation.pk)
        _require_editable(locked)
        figures = list(locked.figures.all())
        tag = locked.tag
        locked.delete()
        _forget_unused_proposal(tag)
        for figure in figures:
            transaction.on_commit(lambda figure=figure: figure_delete_files(figure))
