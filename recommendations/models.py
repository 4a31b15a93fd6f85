"""Recommenders, their recommendations, and the numbered issues built from them."""

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.urls import cached_reverse
from papers.models import Author, Paper, Repository, Tag, listing_prefetches
from recommendations import visibility
from recommendations.markdown import render_markdown
from recommendations.visibility import published_recommendations_q, sees_drafts

handle_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{2,30}\Z",
    _("A handle has 2 to 30 characters: letters, digits, '_' and '-'."),
)


# A deleted account's recommendations in issues stay under a handle of this prefix and this name
# (recommendations/privacy/services.py); pages show the name translated, never the old handle.
FORMER_MEMBER_PREFIX = "former-member-"
FORMER_MEMBER_NAME = "Former member"


class RecommenderQuerySet(models.QuerySet):
    def with_published_count(self):
        return self.annotate(
            published_count=models.Count("recommendations", filter=published_recommendations_q("recommendations__"))
        )


class Recommender(models.Model):
    """A community member who recommends papers; may or may not have a login."""

    handle = models.CharField(_("handle"), max_length=30, validators=[handle_validator])
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommender",
        verbose_name=_("user account"),
    )
    bio = models.TextField(_("bio"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RecommenderQuerySet.as_manager()

    class Meta:
        ordering = ["handle"]
        verbose_name = _("recommender")
        verbose_name_plural = _("recommenders")
        constraints = [
            # "QAQ" and "qaq" are one person to readers: compare handles case-blind.
            models.UniqueConstraint(Lower("handle"), name="recommender_handle_ci_unique"),
            models.CheckConstraint(
                condition=Q(handle__regex=r"^[A-Za-z0-9_-]{2,30}$"), name="recommender_handle_valid"
            ),
        ]

    def __str__(self):
        return self.handle

    def get_absolute_url(self):
        return cached_reverse("recommendations:recommender-detail", self.handle)

    @property
    def name(self):
        return self.display_name or self.handle

    @property
    def is_former_member(self):
        """Whether this is what remains of a deleted account (see ``FORMER_MEMBER_PREFIX``)."""
        return self.user_id is None and self.handle.lower().startswith(FORMER_MEMBER_PREFIX)


class RecommendationQuerySet(models.QuerySet):
    def published(self):
        """Recommendations readers may see: in an issue that is published."""
        return self.filter(published_recommendations_q())

    def visible_to(self, user):
        """Readers see published recommendations; editors also those of drafts, and those in no issue."""
        return self.all() if sees_drafts(user) else self.published()

    def pending_review(self):
        return self.filter(status=Recommendation.Status.SUBMITTED)

    def for_listing(self):
        """Everything a recommendation card shows, in a constant number of queries."""
        return self.select_related("recommender", "tag__area", "paper", "issue_entry__issue").prefetch_related(
            *listing_prefetches("paper__"), "figures"
        )


class Recommendation(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        PUBLISHED = visibility.PUBLISHED, _("published")

    paper = models.ForeignKey(Paper, models.PROTECT, related_name="recommendations", verbose_name=_("paper"))
    recommender = models.ForeignKey(
        Recommender, models.PROTECT, related_name="recommendations", verbose_name=_("recommender")
    )
    tag = models.ForeignKey(Tag, models.PROTECT, related_name="recommendations", verbose_name=_("tag"))
    # The paper link exactly as the recommender typed it, for the editor's reference.
    submitted_link = models.CharField(_("submitted link"), max_length=500, blank=True)
    # Code and dataset links as submitted. They join the paper's own links when the
    # recommendation is accepted, so that a spammer cannot decorate a paper page.
    code_links = models.JSONField(_("code links"), default=list, blank=True)
    repositories = models.ManyToManyField(
        Repository, blank=True, related_name="recommendations", verbose_name=_("code repositories")
    )
    dataset_link = models.URLField(_("dataset link"), max_length=500, blank=True)
    writeup = models.TextField(_("write-up (Markdown)"), max_length=5000)
    # Rendered from ``writeup`` and sanitised whenever it changes (see set_writeup).
    writeup_html = models.TextField(_("write-up (HTML)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    review_note = models.TextField(_("review note"), blank=True, max_length=2000)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # The decision the recommender was last e-mailed about: the e-mail task sends only
    # when this differs from ``status``, so running it twice sends one e-mail.
    notified_status = models.CharField(_("decision e-mailed"), max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.UniqueConstraint(fields=["recommender", "paper"], name="recommendation_once_per_paper"),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "accepted", "rejected", "published"]),
                name="recommendation_status_valid",
            ),
        ]
        indexes = [
            # The review queue (moderation/admin.py) lists by status, oldest first.
            models.Index(fields=["status", "created_at"], name="recommendation_queue_idx"),
        ]

    def __str__(self):
        paper = self.paper
        # An untitled, unidentified paper is named by the link its recommender gave.
        named = paper.title or paper.identifier_label or paper.abstract_url or self.submitted_link or paper
        return _("%(handle)s on %(paper)s") % {"handle": self.recommender, "paper": named}

    @property
    def submitted_url(self):
        """The submitted link when it is safe to put in an href (http or https), else ""."""
        link = self.submitted_link.strip()
        return link if link.lower().startswith(("http://", "https://")) else ""

    def set_writeup(self, markdown_text):
        """Store the Markdown and its sanitised HTML together, so they never disagree."""
        self.writeup = markdown_text
        self.writeup_html = render_markdown(markdown_text)


def figure_upload_to(instance, filename):
    return f"figures/{instance.recommendation_id}/{filename}"


class Figure(models.Model):
    """A model figure that illustrates a recommendation."""

    recommendation = models.ForeignKey(
        Recommendation, models.CASCADE, related_name="figures", verbose_name=_("recommendation")
    )
    image = models.ImageField(_("image"), upload_to=figure_upload_to, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=figure_upload_to, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["recommendation", "position", "pk"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")

    def __str__(self):
        return self.caption or self.image.name


class IssueQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Issue.Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=Issue.Status.DRAFT)

    def visible_to(self, user):
        """Readers see published issues; editors may also preview drafts."""
        return self.all() if sees_drafts(user) else self.published()

    def with_entry_count(self):
        # Meta.ordering is dropped from GROUP BY queries: order explicitly, newest first.
        return self.annotate(entry_count=models.Count("entries")).order_by("-number")


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = visibility.PUBLISHED, _("published")

    number = models.PositiveIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    intro = models.TextField(_("introduction (Markdown)"), blank=True, max_length=5000)
    intro_html = models.TextField(_("introduction (HTML)"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    # A draft with a publication time in the future is published by beat when the time comes.
    scheduled_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to publish by hand. A time in the future publishes the issue then."),
    )
    # Why the last scheduled publication was refused; cleared when the issue is published.
    schedule_error = models.TextField(_("scheduled publication refused"), blank=True, editable=False)
    # When an editor last pressed "Assemble": fetches finished after it count as done.
    assembly_started_at = models.DateTimeField(_("assembly started at"), null=True, blank=True, editable=False)
    read_count = models.PositiveIntegerField(_("reads"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        constraints = [
            models.CheckConstraint(condition=Q(number__gt=0), name="issue_number_positive"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="issue_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="issue_published_has_date",
            ),
        ]
        indexes = [
            # The home page and the archive list published issues newest first.
            models.Index(fields=["status", "-number"], name="issue_status_number_idx"),
            # Beat looks for drafts whose publication time has come.
            models.Index(
                fields=["scheduled_at"], condition=Q(status="draft", scheduled_at__isnull=False), name="issue_due_idx"
            ),
        ]

    def __str__(self):
        return _("Issue %(number)s") % {"number": self.number}

    def get_absolute_url(self):
        return cached_reverse("recommendations:issue-detail", self.number)

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def display_title(self):
        return self.title or str(self)

    def set_intro(self, markdown_text):
        self.intro = markdown_text
        self.intro_html = render_markdown(markdown_text)


class IssueEntry(models.Model):
    issue = models.ForeignKey(Issue, models.CASCADE, related_name="entries", verbose_name=_("issue"))
    recommendation = models.OneToOneField(
        Recommendation, models.PROTECT, related_name="issue_entry", verbose_name=_("recommendation")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    # The paper and its code as readers saw them when the issue was published (see
    # recommendations/reading/cards.py); empty while the issue is a draft.
    snapshot = models.JSONField(_("as published"), default=dict, blank=True, editable=False)
    publish_incomplete = models.BooleanField(
        _("publish with incomplete metadata"),
        default=False,
        help_text=_("Publish even though this paper's metadata is still pending or its fetch failed."),
    )

    class Meta:
        ordering = ["issue", "position"]
        verbose_name = _("issue entry")
        verbose_name_plural = _("issue entries")
        constraints = [
            # Deferred so that an editor can swap two positions in one save.
            models.UniqueConstraint(
                fields=["issue", "position"],
                name="issue_entry_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(condition=Q(position__gt=0), name="issue_entry_position_positive"),
        ]

    def __str__(self):
        return f"#{self.position} {self.recommendation}"


def _random_token():
    return secrets.token_urlsafe(32)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Who receives the newsletter: confirmed, and not unsubscribed since."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Subscriber(models.Model):
    """A reader who asked for each issue by e-mail (double opt-in: confirmed by a link)."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    # Proves the holder of the address in the confirm and unsubscribe links; never shown elsewhere.
    token = models.CharField(_("token"), max_length=64, unique=True, default=_random_token, editable=False)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    # When the confirmation e-mail last went out: a repeated sign-up does not mail again at once.
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True, editable=False)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        constraints = [
            # One row per address, whatever its case: subscribing twice is one subscription.
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class NewsletterDelivery(models.Model):
    """One issue to one subscriber: the record that makes each issue go out once per reader."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    issue = models.ForeignKey(Issue, models.CASCADE, related_name="deliveries", verbose_name=_("issue"))
    subscriber = models.ForeignKey(Subscriber, models.CASCADE, related_name="deliveries", verbose_name=_("subscriber"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["issue", "pk"]
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")
        constraints = [
            # The guarantee behind "each subscriber gets the issue once".
            models.UniqueConstraint(fields=["issue", "subscriber"], name="delivery_once_per_issue"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="delivery_status_valid"),
        ]
        indexes = [
            # The sending task takes the next pending deliveries of an issue.
            models.Index(fields=["issue", "status"], name="delivery_issue_status_idx"),
        ]

    def __str__(self):
        return f"{self.issue} → {self.subscriber}"


class RewardQuerySet(models.QuerySet):
    def claimable(self):
        return self.filter(claimed_at__isnull=True)

    def claimed(self):
        return self.filter(claimed_at__isnull=False)


class Reward(models.Model):
    """Earned by each recommendation published in an issue; a person may claim one, ever."""

    recommender = models.ForeignKey(Recommender, models.CASCADE, related_name="rewards", verbose_name=_("recommender"))
    recommendation = models.OneToOneField(
        Recommendation, models.CASCADE, related_name="reward", verbose_name=_("recommendation")
    )
    issue = models.ForeignKey(Issue, models.PROTECT, related_name="rewards", verbose_name=_("issue"))
    earned_at = models.DateTimeField(_("earned at"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    shipping_note = models.TextField(_("shipping note"), blank=True, max_length=1000)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sent by")
    )

    objects = RewardQuerySet.as_manager()

    class Meta:
        ordering = ["-earned_at", "-pk"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            # The column's rule: one reward per person, ever, however many they earn.
            models.UniqueConstraint(
                fields=["recommender"], condition=Q(claimed_at__isnull=False), name="reward_claimed_once_per_person"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(claimed_at__isnull=False), name="reward_sent_after_claim"
            ),
        ]

    def __str__(self):
        return _("Reward of %(handle)s for issue %(number)s") % {
            "handle": self.recommender,
            "number": self.issue.number,
        }


class RelatedPaper(models.Model):
    """One of the papers most related to ``paper``, as a worker last computed them (the paper page
    reads them by key instead of computing them: recommendations/reading/related.py)."""

    paper = models.ForeignKey(Paper, models.CASCADE, related_name="related_links", verbose_name=_("paper"))
    related = models.ForeignKey(Paper, models.CASCADE, related_name="+", verbose_name=_("related paper"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    shared_tags = models.PositiveSmallIntegerField(_("shared topics"), default=0)
    shared_recommenders = models.PositiveSmallIntegerField(_("shared recommenders"), default=0)
    similarity = models.FloatField(_("title similarity"), default=0.0)

    class Meta:
        verbose_name = _("related paper")
        verbose_name_plural = _("related papers")
        constraints = [
            # The page reads a paper's list by (paper, rank) through this constraint's index.
            models.UniqueConstraint(fields=["paper", "rank"], name="related_paper_rank_unique"),
            models.UniqueConstraint(fields=["paper", "related"], name="related_paper_once"),
        ]

    def __str__(self):
        return f"{self.paper_id} -> {self.related_id} ({self.rank})"


class Follow(models.Model):
    """A reader follows a topic, a recommender or an author (exactly one of them). Private: only
    its reader ever sees it."""

    class Kind(models.TextChoices):
        TOPIC = "topic", _("topic")
        RECOMMENDER = "recommender", _("recommender")
        AUTHOR = "author", _("author")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="follows", verbose_name=_("reader"))
    tag = models.ForeignKey(Tag, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("topic"))
    recommender = models.ForeignKey(
        Recommender, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("recommender")
    )
    author = models.ForeignKey(
        Author, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("author")
    )
    created_at = models.DateTimeField(_("followed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=Q(tag__isnull=False, recommender__isnull=True, author__isnull=True)
                | Q(tag__isnull=True, recommender__isnull=False, author__isnull=True)
                | Q(tag__isnull=True, recommender__isnull=True, author__isnull=False),
                name="follow_one_target",
            ),
            # A double click, or two tabs at once, makes one row.
            models.UniqueConstraint(fields=["user", "tag"], condition=Q(tag__isnull=False), name="follow_tag_once"),
            models.UniqueConstraint(
                fields=["user", "recommender"], condition=Q(recommender__isnull=False), name="follow_recommender_once"
            ),
            models.UniqueConstraint(
                fields=["user", "author"], condition=Q(author__isnull=False), name="follow_author_once"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.target}"

    @property
    def kind(self):
        if self.tag_id:
            return self.Kind.TOPIC
        return self.Kind.RECOMMENDER if self.recommender_id else self.Kind.AUTHOR

    @property
    def target(self):
        return self.tag or self.recommender or self.author


class LibraryItemQuerySet(models.QuerySet):
    def saved(self):
        return self.filter(state=LibraryItem.State.SAVED)

    def not_interested(self):
        return self.filter(state=LibraryItem.State.NOT_INTERESTED)


class LibraryItem(models.Model):
    """A paper a reader saved to their library (with a private note and a read mark), or marked
    "not interested". One row per reader and paper: marking a saved paper "not interested" keeps
    its note, should the reader save it again."""

    class State(models.TextChoices):
        SAVED = "saved", _("saved")
        NOT_INTERESTED = "not_interested", _("not interested")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="library", verbose_name=_("reader"))
    paper = models.ForeignKey(Paper, models.CASCADE, related_name="+", verbose_name=_("paper"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SAVED)
    note = models.TextField(_("private note"), blank=True, max_length=5000)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LibraryItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("library item")
        verbose_name_plural = _("library items")
        constraints = [
            # A double click, or two tabs at once, makes one row.
            models.UniqueConstraint(fields=["user", "paper"], name="library_item_once"),
        ]
        indexes = [
            # The library page and the trainer read one reader's rows by state, newest first.
            models.Index(fields=["user", "state", "-created_at"], name="library_user_state_idx"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.paper_id} ({self.state})"

    @property
    def is_read(self):
        return self.read_at is not None


class ReaderSettings(models.Model):
    """A reader's private settings: the secret of their personal feed, and their digest e-mail.

    Made the first time a reader needs one. Each token opens one thing only: ``feed_token``
    their personal feed, ``digest_token`` the one-click unsubscribe of their digest.
    """

    class Digest(models.TextChoices):
        OFF = "off", _("no digest")
        WEEKLY = "weekly", _("weekly")
        DAILY = "daily", _("daily")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reader_settings", verbose_name=_("reader")
    )
    feed_token = models.CharField(_("feed token"), max_length=64, unique=True, default=_random_token, editable=False)
    digest = models.CharField(_("digest e-mail"), max_length=8, choices=Digest.choices, default=Digest.OFF)
    digest_token = models.CharField(
        _("digest token"), max_length=64, unique=True, default=_random_token, editable=False
    )
    digest_since = models.DateTimeField(_("digest chosen at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reader settings")
        verbose_name_plural = _("reader settings")

    def __str__(self):
        return f"settings of {self.user_id}"


class ReaderModel(models.Model):
    """What the "for you" trainer learnt of one reader: the terms that weigh most, and when.

    Written by a worker only (never on a request). ``signals`` is a digest of the saved,
    not-interested and followed rows it was trained on, so that a task sent twice for the same
    signals trains once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="reader_model", verbose_name=_("reader")
    )
    signals = models.CharField(_("signals digest"), max_length=64, blank=True)
    positives = models.PositiveIntegerField(_("saved papers"), default=0)
    negatives = models.PositiveIntegerField(_("not interested"), default=0)
    terms = models.JSONField(_("weightiest terms"), default=list, blank=True)
    trained_at = models.DateTimeField(_("trained at"), null=True, blank=True)
    seconds = models.FloatField(_("training seconds"), default=0.0)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("reader model")
        verbose_name_plural = _("reader models")

    def __str__(self):
        return f"model of {self.user_id}"


class ForYouPick(models.Model):
    """One paper of a reader's "for you" list, ranked by their model, with why."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="for_you_picks", verbose_name=_("reader")
    )
    paper = models.ForeignKey(Paper, models.CASCADE, related_name="+", verbose_name=_("paper"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    reason = models.JSONField(_("reason"), default=dict, blank=True)

    class Meta:
        verbose_name = _("for-you pick")
        verbose_name_plural = _("for-you picks")
        constraints = [
            # The page reads a reader's list by (user, rank) through this constraint's index.
            models.UniqueConstraint(fields=["user", "rank"], name="for_you_pick_rank_unique"),
            models.UniqueConstraint(fields=["user", "paper"], name="for_you_pick_once"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.paper_id} ({self.rank})"


class DigestDelivery(models.Model):
    """One digest e-mail to one reader for one period ("2026-W49" or "2026-12-05"): the row is
    claimed while its message is sent, as a newsletter delivery is, so it goes out once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="digest_deliveries", verbose_name=_("reader")
    )
    period = models.CharField(_("period"), max_length=16)
    papers = models.JSONField(_("papers"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            # Once per reader per period, however often the period is queued.
            models.UniqueConstraint(fields=["user", "period"], name="digest_delivery_once"),
        ]
        indexes = [models.Index(fields=["status", "period"], name="digest_delivery_status_idx")]

    def __str__(self):
        return f"digest {self.period} to {self.user_id}: {self.status}"
