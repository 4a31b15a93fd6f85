"""Papers, their authors, topics and code: what recommendations point at."""

from datetime import timedelta

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from paperdaily.lib.urls import cached_reverse
from papers.identifiers import CODE_HOSTS


def localized_name(name: str, name_zh: str) -> str:
    """The name a reader of the active language sees: the Chinese one when the interface is
    Chinese and an editor gave it, else the English one."""
    return name_zh if name_zh and (get_language() or "").startswith("zh") else name


class Area(models.Model):
    """A broad field that groups topic tags: NLP, CV, ML, ..."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(
        _("Chinese name"),
        max_length=100,
        blank=True,
        help_text=_("Shown instead of the name when the interface is Chinese."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.code

    @property
    def local_name(self):
        return localized_name(self.name, self.name_zh)


class TagQuerySet(models.QuerySet):
    def approved(self):
        """Topics readers and the recommend form see; proposals wait for an editor."""
        return self.filter(approved=True)

    def proposed(self):
        return self.filter(approved=False)


class Tag(models.Model):
    """A topic a recommendation is filed under; every tag belongs to one area.

    A recommender may propose a topic that does not exist yet: it is stored unapproved,
    the recommendation points at it, and an editor approves it (or files the
    recommendation under another topic) before accepting.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh = models.CharField(
        _("Chinese name"),
        max_length=100,
        blank=True,
        help_text=_("Shown instead of the name when the interface is Chinese, and found by search in either language."),
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    area = models.ForeignKey(Area, models.PROTECT, related_name="tags", verbose_name=_("area"))
    description = models.TextField(_("description"), blank=True)
    approved = models.BooleanField(
        _("approved"), default=True, help_text=_("Proposed topics stay hidden from readers until approved.")
    )

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            # "Graph Neural Networks" proposed twice in different cases is one topic.
            models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("papers:tag-detail", self.slug)

    @property
    def local_name(self):
        return localized_name(self.name, self.name_zh)


class Author(models.Model):
    name = models.CharField(_("name"), max_length=300)
    # Semantic Scholar's author id, when a fetch has told us; it tells namesakes apart.
    semantic_scholar_id = models.CharField(_("Semantic Scholar id"), max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(
                fields=["semantic_scholar_id"],
                condition=~Q(semantic_scholar_id=""),
                name="author_s2_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="author_name_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("papers:author-detail", self.pk)


class PaperQuerySet(models.QuerySet):
    def with_code(self):
        return self.filter(repository_links__isnull=False).distinct()

    def with_listing_details(self):
        """What a paper card shows: authors in order, code and other links."""
        return self.prefetch_related(*listing_prefetches())


def listing_prefetches(prefix=""):
    """Prefetches for a paper card; ``prefix`` reaches the paper through a relation
    (``"paper__"``) so that lists of recommendations can use them too."""
    return [
        models.Prefetch(
            f"{prefix}authorships",
            queryset=PaperAuthor.objects.select_related("author").order_by("position"),
        ),
        models.Prefetch(
            f"{prefix}repository_links",
            queryset=PaperRepository.objects.select_related("repository").order_by("position", "pk"),
        ),
        models.Prefetch(f"{prefix}links", queryset=PaperLink.objects.order_by("kind", "pk")),
    ]


class Paper(models.Model):
    class MetadataStatus(models.TextChoices):
        PENDING = "pending", _("pending")
        OK = "ok", _("complete")
        FAILED = "failed", _("failed")
        NEEDS_EDITOR = "needs_editor", _("needs an editor")

    title = models.CharField(_("title"), max_length=500, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    authors = models.ManyToManyField(Author, through="PaperAuthor", related_name="papers", verbose_name=_("authors"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    # Institutions as the paper lists them, in order; a list of strings.
    institutions = models.JSONField(_("institutions"), default=list, blank=True)

    # Identifiers: each unique when present. Parsing (papers/identifiers.py) stores them normalised:
    # arXiv without version, DOI in lower case.
    arxiv_id = models.CharField(_("arXiv id"), max_length=40, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    openreview_id = models.CharField(_("OpenReview id"), max_length=40, blank=True)
    acl_id = models.CharField(_("ACL Anthology id"), max_length=40, blank=True)

    abstract_url = models.URLField(_("abstract page"), max_length=500, blank=True)
    pdf_url = models.URLField(_("PDF"), max_length=500, blank=True)
    # What arXiv adds: the latest version we saw, the journal reference its authors gave, its category.
    arxiv_version = models.PositiveSmallIntegerField(_("arXiv version"), null=True, blank=True)
    journal_ref = models.CharField(_("journal reference"), max_length=300, blank=True)
    primary_category = models.CharField(_("primary category"), max_length=40, blank=True)
    semantic_scholar_id = models.CharField(_("Semantic Scholar id"), max_length=40, blank=True)

    # Each source's own record of the paper as last fetched, keyed by source name.
    raw_metadata = models.JSONField(_("raw metadata"), default=dict, blank=True, editable=False)
    # Fields an editor set by hand; a later fetch leaves them alone (see papers/services/).
    locked_fields = models.JSONField(_("fields kept as edited"), default=list, blank=True)

    metadata_status = models.CharField(
        _("metadata status"),
        max_length=16,
        choices=MetadataStatus.choices,
        default=MetadataStatus.PENDING,
    )
    metadata_error = models.TextField(_("last metadata error"), blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    # Tries of the current fetch begun since its last outcome (papers/tasks.py): counted on the
    # row because a try killed at its hard time limit leaves no queue message to count in.
    fetch_attempts = models.PositiveSmallIntegerField(_("fetch tries"), default=0, editable=False)
    # When the running try began; cleared when it records anything. Still set: that try never finished.
    fetch_started_at = models.DateTimeField(_("fetch try started at"), null=True, blank=True, editable=False)
    # A picture of the paper's first page, drawn by a worker from its arXiv PDF (papers/thumbnails.py):
    # a small WebP under a random name, or empty with the reason in ``thumbnail_error``.
    thumbnail = models.FileField(_("thumbnail"), upload_to="thumbnails/", max_length=200, blank=True, editable=False)
    thumbnail_width = models.PositiveSmallIntegerField(_("thumbnail width"), null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveSmallIntegerField(_("thumbnail height"), null=True, blank=True, editable=False)
    thumbnail_error = models.TextField(_("last thumbnail error"), blank=True, editable=False)
    thumbnail_tried_at = models.DateTimeField(_("thumbnail tried at"), null=True, blank=True, editable=False)
    # When a worker last stored the papers related to this one (recommendations/reading/related.py).
    related_computed_at = models.DateTimeField(_("related papers computed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What search reads (recommendations/reading/search.py): title (weight A), authors (B), abstract and the
    # write-ups readers may see (C). PostgreSQL triggers (migration 0004_search) recompute both
    # columns on every write that changes them: a paper's title or abstract, its authorships,
    # an author's name, a write-up, a recommendation's status, an issue entry, an issue's
    # status. Triggers, not Python, because ``QuerySet.update()``, bulk_create and the admin
    # bypass save() and signals. Only write-ups of published recommendations in published
    # issues enter (the rule of recommendations/visibility.py): search must not leak drafts.
    # Their GIN indexes live in that migration too, PostgreSQL only; on SQLite both stay empty
    # and search falls back to plain substring matching.
    search_vector = SearchVectorField(_("search vector"), null=True, editable=False)
    # The same text, plain, one part a line: title, authors, abstract, write-ups (Markdown
    # rendered, tags stripped, entities unescaped). Substring (Chinese) and trigram (typo)
    # matching and the result snippets read it.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    objects = PaperQuerySet.as_manager()

    # What a fetch fills in; an editor's hand edit of any of them is kept (``locked_fields``).
    # "authors" stands for the ordered author list.
    FETCHED_FIELDS = [
        "title",
        "authors",
        "abstract",
        "venue",
        "year",
        "published_on",
        "arxiv_id",
        "arxiv_version",
        "doi",
        "acl_id",
        "openreview_id",
        "journal_ref",
        "primary_category",
        "semantic_scholar_id",
        "abstract_url",
        "pdf_url",
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        constraints = [
            # One paper, many recommendations: the identifiers find the one row.
            models.UniqueConstraint(fields=["arxiv_id"], condition=~Q(arxiv_id=""), name="paper_arxiv_id_unique"),
            models.UniqueConstraint(fields=["doi"], condition=~Q(doi=""), name="paper_doi_unique"),
            models.UniqueConstraint(
                fields=["openreview_id"], condition=~Q(openreview_id=""), name="paper_openreview_id_unique"
            ),
            models.UniqueConstraint(fields=["acl_id"], condition=~Q(acl_id=""), name="paper_acl_id_unique"),
            models.CheckConstraint(
                condition=Q(metadata_status__in=["pending", "ok", "failed", "needs_editor"]),
                name="paper_metadata_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2200),
                name="paper_year_plausible",
            ),
        ]
        indexes = [
            # The beat sweeper looks for papers left "pending" since some time ago.
            models.Index(fields=["metadata_status", "updated_at"], name="paper_status_updated_idx"),
        ]

    def __str__(self):
        # Without a title, what identifies the paper: an editor scanning a list finds "arXiv:1808.01244".
        return (
            self.title
            or self.identifier_label
            or self.abstract_url
            or _("Paper #%(pk)s, not identified") % {"pk": self.pk}
        )

    def get_absolute_url(self):
        return cached_reverse("papers:paper-detail", self.pk)

    @property
    def has_title(self):
        return bool(self.title.strip())

    # A paper still "pending" this long after it was added is not being fetched: its fetch is
    # stuck or waiting (no worker, no network), and readers are not told it is under way.
    FETCH_UNDER_WAY_FOR = timedelta(days=1)

    @property
    def fetch_in_progress(self):
        """Whether the paper's first fetch is plausibly still running (for a reader's quiet note)."""
        return (
            self.metadata_status == self.MetadataStatus.PENDING
            and self.created_at is not None
            and self.created_at > timezone.now() - self.FETCH_UNDER_WAY_FOR
        )

    @property
    def identifier_label(self):
        """The paper's best-known identifier, as people write it."""
        if self.arxiv_id:
            return f"arXiv:{self.arxiv_id}"
        if self.doi:
            return f"doi:{self.doi}"
        if self.acl_id:
            return f"ACL {self.acl_id}"
        if self.openreview_id:
            return f"OpenReview {self.openreview_id}"
        return ""

    @property
    def landing_url(self):
        """Where the paper itself lives: its abstract page, never a PDF we serve."""
        if self.abstract_url:
            return self.abstract_url
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.acl_id:
            return f"https://aclanthology.org/{self.acl_id}/"
        if self.openreview_id:
            return f"https://openreview.net/forum?id={self.openreview_id}"
        return ""

    @property
    def thumbnail_facts(self):
        """The thumbnail as a card shows it (url, width, height), or None."""
        if not self.thumbnail or not self.thumbnail_width or not self.thumbnail_height:
            return None
        return {"url": self.thumbnail.url, "width": self.thumbnail_width, "height": self.thumbnail_height}

    @property
    def ordered_authors(self):
        """Authors in paper order; uses the prefetch of ``with_listing_details``."""
        return [authorship.author for authorship in self.authorships.all()]


class PaperAuthor(models.Model):
    paper = models.ForeignKey(Paper, models.CASCADE, related_name="authorships", verbose_name=_("paper"))
    author = models.ForeignKey(Author, models.PROTECT, related_name="authorships", verbose_name=_("author"))
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["paper", "position"]
        verbose_name = _("authorship")
        verbose_name_plural = _("authorships")
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="paper_author_position_unique"),
            models.UniqueConstraint(fields=["paper", "author"], name="paper_author_unique"),
        ]

    def __str__(self):
        return f"{self.position}. {self.author}"


class RepositoryQuerySet(models.QuerySet):
    def for_ref(self, ref):
        """The row a parsed code link names: one per host, kind and owner/name, ignoring case as the hosts do."""
        return self.filter(host=ref.host, kind=ref.kind, owner__iexact=ref.owner, name__iexact=ref.name)


class Repository(models.Model):
    """A code repository on one of the code hosts we read, or a Hugging Face model, dataset or Space.

    GitHub, GitLab and Hugging Face have public APIs: their facts are fetched (``FETCHED_HOSTS``).
    Gitee, Bitbucket and Codeberg repositories are kept as plain links, with nothing to fetch.
    """

    class Kind(models.TextChoices):
        REPOSITORY = "repository", _("repository")
        MODEL = "model", _("model")
        DATASET = "dataset", _("dataset")
        SPACE = "space", _("Space")

    class FetchStatus(models.TextChoices):
        PENDING = "pending", _("pending")
        OK = "ok", _("up to date")
        FAILED = "failed", _("failed")
        MISSING = "missing", _("missing (deleted or private)")

    url = models.URLField(_("URL"), max_length=300, unique=True)
    host = models.CharField(_("host"), max_length=100, default="github.com")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REPOSITORY)
    owner = models.CharField(_("owner"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    # Stars on GitHub and GitLab, likes on Hugging Face: how many people marked it.
    stars = models.PositiveIntegerField(_("stars or likes"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=60, blank=True)
    license = models.CharField(_("licence (SPDX id)"), max_length=60, blank=True)
    pushed_at = models.DateTimeField(_("last push"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)
    default_branch = models.CharField(_("default branch"), max_length=100, blank=True)
    # GitHub's numeric id survives renames: /repositories/<id> finds the repository under any name.
    github_id = models.BigIntegerField(_("GitHub id"), null=True, blank=True)
    # Sent back as If-None-Match: an unchanged repository answers 304, which GitHub does not count.
    etag = models.CharField(_("ETag"), max_length=200, blank=True, editable=False)
    raw_metadata = models.JSONField(_("raw metadata"), default=dict, blank=True, editable=False)
    locked_fields = models.JSONField(_("fields kept as edited"), default=list, blank=True)
    fetch_status = models.CharField(
        _("fetch status"), max_length=16, choices=FetchStatus.choices, default=FetchStatus.PENDING
    )
    fetch_error = models.TextField(_("last fetch error"), blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    # As on Paper: tries begun since the last outcome, and when the running one began.
    fetch_attempts = models.PositiveSmallIntegerField(_("fetch tries"), default=0, editable=False)
    fetch_started_at = models.DateTimeField(_("fetch try started at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # What a fetch fills in; an editor's hand edit of any of them is kept (``locked_fields``).
    FETCHED_FIELDS = ["description", "stars", "language", "license", "pushed_at", "archived", "default_branch"]
    # The hosts whose public API we ask, and the API's name (papers.sources.http); others are plain links.
    FETCHED_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "huggingface.co": "huggingface"}

    objects = RepositoryQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "name"]
        verbose_name = _("code repository")
        verbose_name_plural = _("code repositories")
        constraints = [
            # A Hugging Face model and dataset may share owner/name: the kind tells them apart.
            models.UniqueConstraint(
                fields=["host", "kind", "owner", "name"], name="repository_host_kind_owner_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["repository", "model", "dataset", "space"]), name="repository_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["github_id"], condition=Q(github_id__isnull=False), name="repository_github_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(fetch_status__in=["pending", "ok", "failed", "missing"]),
                name="repository_fetch_status_valid",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.owner}/{self.name}"

    @property
    def key(self):
        """As ``RepoRef.key``: what makes a code link name this row."""
        return (self.host, self.kind, self.owner.lower(), self.name.lower())

    @property
    def api(self):
        """The name of the API that knows this repository's facts, or "" for a plain link."""
        return self.FETCHED_HOSTS.get(self.host, "")

    @property
    def host_label(self):
        return CODE_HOSTS.get(self.host, self.host)

    @property
    def measure(self):
        """What ``stars`` counts here: Hugging Face has likes, the code hosts stars."""
        return "likes" if self.host == "huggingface.co" else "stars"


def _folder_of(path: str) -> str:
    """The folder a code link's path names, without its route and branch.

    GitHub, Gitee and Hugging Face write "tree/<branch>/<folder>", GitLab "-/tree/<branch>/<folder>",
    Bitbucket "src/<branch>/<folder>", Codeberg "src/branch/<branch>/<folder>".
    """
    segments = path.split("/")
    if segments[:1] == ["-"]:
        segments = segments[1:]
    if segments[:1] == ["src"] and segments[1:2] in (["branch"], ["tag"], ["commit"]):
        segments = segments[1:]
    return "/".join(segments[2:]) if len(segments) > 2 else ("/".join(segments) if len(segments) == 1 else "")


class PaperRepository(models.Model):
    """A paper's code: a repository, or a folder inside one (``path``)."""

    paper = models.ForeignKey(Paper, models.CASCADE, related_name="repository_links", verbose_name=_("paper"))
    repository = models.ForeignKey(
        Repository, models.PROTECT, related_name="paper_links", verbose_name=_("code repository")
    )
    # e.g. "tree/master/research/cvt_text" for code that lives inside a larger repository.
    path = models.CharField(_("path inside the repository"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["paper", "position", "pk"]
        verbose_name = _("code link")
        verbose_name_plural = _("code links")
        constraints = [
            models.UniqueConstraint(fields=["paper", "repository", "path"], name="paper_repository_unique"),
        ]

    def __str__(self):
        return self.url

    @property
    def url(self):
        return f"{self.repository.url}/{self.path}" if self.path else self.repository.url

    @property
    def label(self):
        """owner/name, and the folder inside it without the host's route: "tree/master/x" -> "x"."""
        folder = _folder_of(self.path)
        return f"{self.repository.full_name}/{folder}" if folder else self.repository.full_name


class PaperLink(models.Model):
    """Any other link of a paper: a dataset, a project page, a video."""

    class Kind(models.TextChoices):
        DATASET = "dataset", _("dataset")
        PROJECT = "project", _("project page")
        VIDEO = "video", _("video")
        OTHER = "other", _("other")

    paper = models.ForeignKey(Paper, models.CASCADE, related_name="links", verbose_name=_("paper"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    url = models.URLField(_("URL"), max_length=500)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["paper", "kind", "pk"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(fields=["paper", "kind", "url"], name="paper_link_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["dataset", "project", "video", "other"]), name="paper_link_kind_valid"
            ),
        ]

    def __str__(self):
        return self.label or self.url
