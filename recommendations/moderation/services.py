"""The editor's side of a recommendation: accept, reject, and tell the recommender.

Every decision locks the recommendation's row, checks that the move is allowed, and only
then writes. Accepting is what joins the submitted code and dataset links to the paper's
own links (so that nobody can decorate a paper page without an editor's say). The e-mail
goes out from a task sent once the decision commits; ``notified_status`` makes it go once
per decision however often the task runs.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from paperdaily.lib.tasks import enqueue
from papers import services as paper_services
from papers.identifiers import LinkError, parse_repo_link
from papers.models import Paper, PaperLink, PaperRepository
from recommendations.models import IssueEntry, Recommendation

logger = logging.getLogger(__name__)

Status = Recommendation.Status

REVIEW_NOTE_MAX_LENGTH = Recommendation._meta.get_field("review_note").max_length


def recommendation_accept(*, recommendation_id: int, editor) -> Recommendation:
    """Accept a submitted (or earlier rejected) recommendation and give its links to the paper.

    Accepting one that is already accepted changes nothing. A recommendation filed under a
    proposed topic is refused until an editor approves the topic or picks another one.
    """
    with transaction.atomic():
        recommendation = _locked(recommendation_id)
        if recommendation.status == Status.ACCEPTED:
            return recommendation
        if recommendation.status == Status.PUBLISHED:
            raise ValidationError(_("This recommendation is already published."), code="published")
        if not recommendation.tag.approved:
            raise ValidationError(
                _("The topic '%(tag)s' is a proposal; approve it or choose another topic first.")
                % {"tag": recommendation.tag.name},
                code="proposed_tag",
            )

        _attach_links_to_paper(recommendation)
        recommendation.status = Status.ACCEPTED
        recommendation.reviewed_at = timezone.now()
        recommendation.reviewed_by = editor
        recommendation.save(update_fields=["status", "reviewed_at", "reviewed_by", "updated_at"])
        _enqueue_decision_email(recommendation.pk)
    return recommendation


def recommendation_reject(*, recommendation_id: int, editor, note: str) -> Recommendation:
    """Reject a recommendation with a note the recommender will read.

    Allowed while it waits for review or is accepted but not yet placed in an issue. Links an
    earlier acceptance gave the paper stay: the paper's page is the editors' to tidy.
    Rejecting one that is already rejected changes nothing (its first note stays).
    """
    note = _clean_note(note)
    with transaction.atomic():
        recommendation = _locked(recommendation_id)
        if recommendation.status == Status.REJECTED:
            return recommendation
        if recommendation.status == Status.PUBLISHED:
            raise ValidationError(_("A published recommendation cannot be rejected."), code="published")
        entry = IssueEntry.objects.filter(recommendation_id=recommendation.pk).select_related("issue").first()
        if entry is not None:
            raise ValidationError(
                _("This recommendation is in issue %(number)s; take it out of the issue before rejecting it.")
                % {"number": entry.issue.number},
                code="in_issue",
            )

        recommendation.status = Status.REJECTED
        recommendation.review_note = note
        recommendation.reviewed_at = timezone.now()
        recommendation.reviewed_by = editor
        recommendation.save(update_fields=["status", "review_note", "reviewed_at", "reviewed_by", "updated_at"])
        _enqueue_decision_email(recommendation.pk)
    return recommendation


def recommendations_accept(*, recommendation_ids, editor) -> tuple[list, list]:
    """Accept many at once; one refusal does not stop the others.

    Returns ``(accepted, refused)``: the accepted recommendations, and ``(recommendation,
    message)`` for each refused one. Ids that no longer exist are skipped.
    """
    return _decide_many(recommendation_ids, lambda pk: recommendation_accept(recommendation_id=pk, editor=editor))


def recommendations_reject(*, recommendation_ids, editor, note: str) -> tuple[list, list]:
    """Reject many at once with one note; as ``recommendations_accept``, refusals are reported, not raised."""
    note = _clean_note(note)
    return _decide_many(
        recommendation_ids, lambda pk: recommendation_reject(recommendation_id=pk, editor=editor, note=note)
    )


def _decide_many(recommendation_ids, decide):
    done, refused = [], []
    with transaction.atomic():
        # Rows are locked in one order (by id) so that two editors' bulk actions cannot deadlock.
        for recommendation in Recommendation.objects.filter(pk__in=recommendation_ids).order_by("pk"):
            try:
                # Each decision is its own savepoint: a refusal rolls back that one only.
                done.append(decide(recommendation.pk))
            except ValidationError as error:
                refused.append((recommendation, " ".join(error.messages)))
    return done, refused


def _locked(recommendation_id):
    return (
        Recommendation.objects.select_for_update(of=("self",)).select_related("tag", "paper").get(pk=recommendation_id)
    )


def _clean_note(note):
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Write a note for the recommender: it says why."), code="note_required")
    if len(note) > REVIEW_NOTE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note to %(max)d characters; it has %(length)d.")
            % {"max": REVIEW_NOTE_MAX_LENGTH, "length": len(note)},
            code="note_too_long",
        )
    return note


def _attach_links_to_paper(recommendation):
    """The submitted code and dataset links join the paper's own; each link once, however often this runs."""
    # Locked so that two recommendations of one paper accepted at once do not race for positions.
    paper = Paper.objects.select_for_update().get(pk=recommendation.paper_id)
    known = {repo.key: repo for repo in recommendation.repositories.all()}
    for link in recommendation.code_links or []:
        try:
            ref = parse_repo_link(link)
        except LinkError as error:
            # The form read it when it was submitted; a link the parser now refuses must not block a decision.
            logger.warning("recommendation %s: code link %r skipped: %s", recommendation.pk, link, error)
            continue
        repository = known.get(ref.key)
        if repository is None:
            repository, created = paper_services.repository_get_or_create(ref=ref)
            if created:
                paper_services.enqueue_repositories([repository.pk])
            recommendation.repositories.add(repository)
        if not PaperRepository.objects.filter(paper=paper, repository=repository, path=ref.path).exists():
            last = PaperRepository.objects.filter(paper=paper).aggregate(last=Max("position"))["last"]
            PaperRepository.objects.create(
                paper=paper, repository=repository, path=ref.path, position=0 if last is None else last + 1
            )
    if recommendation.dataset_link:
        PaperLink.objects.get_or_create(paper=paper, kind=PaperLink.Kind.DATASET, url=recommendation.dataset_link)


def _enqueue_decision_email(recommendation_id):
    enqueue("recommendations.notify_decision", recommendation_id)


# --- Telling the recommender


def recommendations_untold(*, older_than_seconds: int, within_days: int = 2):
    """Decisions whose e-mail never went out (the broker was down, or every try failed).

    Only recent ones: a recommender should not hear of a decision weeks late.
    """
    now = timezone.now()
    since, until = now - timedelta(days=within_days), now - timedelta(seconds=older_than_seconds)
    decided = Q(status__in=(Status.ACCEPTED, Status.REJECTED), reviewed_at__lt=until, reviewed_at__gte=since)
    published = Q(
        status=Status.PUBLISHED,
        issue_entry__issue__published_at__lt=until,
        issue_entry__issue__published_at__gte=since,
    )
    return (
        Recommendation.objects.filter(decided | published, recommender__user__email__gt="")
        .exclude(notified_status=F("status"))
        .order_by("reviewed_at")
    )


def recommendation_notify_decision(*, recommendation_id: int) -> bool:
    """E-mail the recommender the decision on their recommendation, once per decision.

    Sends when the recommendation is accepted or rejected, the recommender has not been
    told of that decision yet, and has an account with an e-mail address. Returns whether
    it sent. The row stays locked while the mail goes out, so two runs at once send one;
    a mail that fails leaves ``notified_status`` as it was, for the task to retry.
    """
    with transaction.atomic():
        recommendation = (
            Recommendation.objects.select_for_update(of=("self",))
            .select_related("paper", "recommender__user", "reviewed_by", "issue_entry__issue")
            .get(pk=recommendation_id)
        )
        status = recommendation.status
        if (
            status not in (Status.ACCEPTED, Status.REJECTED, Status.PUBLISHED)
            or recommendation.notified_status == status
        ):
            return False
        user = recommendation.recommender.user
        if user is None or not user.email:
            return False
        if status == Status.PUBLISHED and not _in_published_issue(recommendation):
            return False

        # Workers have no request to take a language from: mails go out in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _decision_email(recommendation)
        send_mail(subject, body, None, [user.email])
        recommendation.notified_status = status
        recommendation.save(update_fields=["notified_status"])
    logger.info("recommendation %s: told %s of %s", recommendation_id, user.email, status)
    return True


def _in_published_issue(recommendation):
    entry = getattr(recommendation, "issue_entry", None)  # the reverse one-to-one raises AttributeError when absent
    return entry is not None and entry.issue.is_published


def _decision_email(recommendation):
    site_url = settings.PAPERDAILY_SITE_URL.rstrip("/")
    paper_label = _paper_label(recommendation)
    context = {
        "recommendation": recommendation,
        "recommender": recommendation.recommender,
        "paper_label": paper_label,
        "paper_url": site_url + recommendation.paper.get_absolute_url(),
        "note": recommendation.review_note,
        "mine_url": site_url + reverse("recommendations:mine"),
        "site_url": site_url,
    }
    short_label = Truncator(" ".join(paper_label.split())).chars(80)
    if recommendation.status == Status.PUBLISHED:
        issue = recommendation.issue_entry.issue
        context["issue"] = issue
        context["issue_url"] = site_url + issue.get_absolute_url()
        context["rewards_url"] = site_url + reverse("recommendations:mine") + "#rewards"
        subject = _("Your recommendation of “%(paper)s” is in PaperDaily issue %(number)s") % {
            "paper": short_label,
            "number": issue.number,
        }
    elif recommendation.status == Status.ACCEPTED:
        subject = _("Your recommendation of “%(paper)s” was accepted") % {"paper": short_label}
    else:
        subject = _("Your recommendation of “%(paper)s” was not accepted") % {"paper": short_label}
    body = render_to_string(f"recommendations/emails/decision_{recommendation.status}.txt", context)
    # A header line: anything that looks like a line break would end it (or forge another header).
    return " ".join(subject.split()), body


def _paper_label(recommendation):
    """What the recommender will recognise: the fetched title, else the link they gave."""
    paper = recommendation.paper
    if paper.has_title:
        return paper.title.strip()
    return recommendation.submitted_link.strip() or paper.identifier_label or str(paper)
