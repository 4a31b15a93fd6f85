"""Read the links people paste into refs: papers (arXiv, DOI, OpenReview, ACL Anthology) and
code (GitHub, GitLab, Gitee, Bitbucket, Codeberg, Hugging Face models, datasets and Spaces).

Parsing is pure: it never touches the network or the database. Only the exact hosts listed
in ``_HOSTS`` are read, so a link that merely mentions arxiv.org (in its path, in a
look-alike domain, behind credentials or a port) is refused rather than guessed at. Every
failure is a ``LinkError`` whose message can be shown as is next to a form field.
"""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from django.utils.translation import gettext as _

MAX_LINK_LENGTH = 2000
# Paper.doi, Paper.acl_id, Paper.abstract_url and PaperRepository.path: longer values could not be stored.
MAX_DOI_LENGTH = 200
MAX_ACL_ID_LENGTH = 40
MAX_PAPER_URL_LENGTH = 500
MAX_REPO_PATH_LENGTH = 300
# Repository.owner and .name: a GitLab group path longer than this could not be stored.
MAX_REPO_OWNER_LENGTH = 100


class LinkError(ValueError):
    """A link we cannot read; ``str(error)`` is one line to show next to the field.

    ``family`` says what the link looked like ("paper" or "repo") once its host was known,
    so that a field expecting the other family can say so.
    """

    def __init__(self, message, *, family=None, reason=None):
        super().__init__(message)
        self.family = family
        # For a link of no known family: the refusal alone, to which a field adds what it takes.
        self.reason = reason or message


@dataclass(frozen=True)
class PaperRef:
    kind: str  # "arxiv" | "doi" | "openreview" | "acl"
    value: str
    version: int | None = None

    @property
    def field(self) -> str:
        return _PAPER_FIELDS[self.kind]

    @property
    def url(self) -> str:
        if self.kind == "arxiv":
            return f"https://arxiv.org/abs/{self.value}"
        if self.kind == "doi":
            return f"https://doi.org/{quote(self.value, safe=_DOI_URL_SAFE)}"
        if self.kind == "openreview":
            return f"https://openreview.net/forum?id={self.value}"
        return f"https://aclanthology.org/{self.value}/"

    @property
    def label(self) -> str:
        prefix = {"arxiv": "arXiv:", "doi": "DOI ", "openreview": "OpenReview ", "acl": "ACL Anthology "}
        return f"{prefix[self.kind]}{self.value}"


# The code hosts a code link may name, in the order messages list them.
CODE_HOSTS = {
    "github.com": "GitHub",
    "gitlab.com": "GitLab",
    "gitee.com": "Gitee",
    "bitbucket.org": "Bitbucket",
    "codeberg.org": "Codeberg",
    "huggingface.co": "Hugging Face",
}
# What lives at a code link: a repository, or one of Hugging Face's three kinds of repository.
REPO_KINDS = ("repository", "model", "dataset", "space")
# The URL prefix of each Hugging Face kind (models have none).
_HF_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


@dataclass(frozen=True)
class RepoRef:
    """A code repository: ``owner`` may hold slashes on GitLab (group/subgroup), ``kind`` is
    "repository" everywhere but on Hugging Face (model, dataset or space)."""

    owner: str
    name: str
    path: str = ""
    host: str = "github.com"
    kind: str = "repository"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What makes two refs one repository: every host we read ignores case in names."""
        return (self.host, self.kind, self.owner.lower(), self.name.lower())

    @property
    def url(self) -> str:
        return repository_url(self.host, self.kind, self.owner, self.name)


def repository_url(host: str, kind: str, owner: str, name: str) -> str:
    """The canonical web address of a repository, as its host writes it."""
    return f"https://{host}/{_HF_PREFIX.get(kind, '')}{owner}/{name}"


_PAPER_FIELDS = {"arxiv": "arxiv_id", "doi": "doi", "openreview": "openreview_id", "acl": "acl_id"}

# Archives that had old-style ids (archive/YYMMNNN), the merged-away ones included.
_ARXIV_ARCHIVES = frozenset(
    "acc-phys adap-org alg-geom ao-sci astro-ph atom-ph bayes-an chao-dyn "  # noqa: SIM905
    "chem-ph cmp-lg comp-gas cond-mat cs dg-ga econ eess funct-an gr-qc hep-ex hep-lat hep-ph hep-th math "
    "math-ph mtrl-th nlin nucl-ex nucl-th patt-sol physics plasm-ph q-alg q-bio q-fin quant-ph solv-int stat "
    "supr-con".split()
)
# Paths on github.com that are GitHub's own pages, not accounts.
_GITHUB_RESERVED = frozenset(
    "about account apps blog codespaces collections contact copilot "  # noqa: SIM905
    "customer-stories dashboard discussions enterprise enterprises events explore features issues join login "
    "logout marketplace new notifications organizations orgs pricing pulls readme search security sessions "
    "settings signup site sponsors stars topics trending users watching".split()
)

# re.ASCII throughout: "\d" must not match Arabic-Indic digits, nor IGNORECASE fold the Kelvin sign into "k".
_A = re.ASCII
_AI = re.ASCII | re.IGNORECASE
_NEW_ARXIV_ID = re.compile(r"(?P<yymm>[0-9]{4})\.(?P<number>[0-9]{4,5})(?:v(?P<version>[1-9][0-9]{0,2}))?", _AI)
_OLD_ARXIV_ID = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]+(?:-[a-z]+)?)?/(?P<yymm>[0-9]{4})(?P<number>[0-9]{3})"
    r"(?:v(?P<version>[1-9][0-9]{0,2}))?",
    _AI,
)
_ARXIV_PREFIX = re.compile(r"arxiv(?::\s*|\s+)", _AI)
_BARE_ARXIV = re.compile(r"(?:[0-9]{4}\.[0-9]+|(?P<archive>[a-z-]+)(?:\.[a-z-]+)?/[0-9]+)(?:v[0-9]+)?", _AI)
_ARXIV_ARCHIVE_SEGMENT = re.compile(r"[a-z-]+(?:\.[a-z-]+)?", _AI)
_DOI_PREFIX = re.compile(r"doi(?::\s*|\s+)", _AI)
_BARE_DOI = re.compile(r"10\.[0-9]+(?:\.[0-9]+)*(?:/|%2f)", _AI)
_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]+)*/[\x21-\x7e]+", _A)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(?P<id>.+)", _AI)
_OPENREVIEW_ID = re.compile(r"[A-Za-z0-9_-]{6,40}", _A)
_OLD_ACL_ID = re.compile(r"[A-Z][0-9]{2}-[0-9]{4}", _AI)
_NEW_ACL_ID = re.compile(r"(?:19|20)[0-9]{2}\.[a-z0-9]+(?:-[a-z0-9]+)*\.[0-9]{1,4}", _AI)
_LEGACY_ACLWEB_PATH = re.compile(r"[A-Z]/[A-Z][0-9]{2}/(?P<id>[^/]+)", _AI)
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}", _A)
_GITHUB_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}", _A)
_GIT_SSH = re.compile(r"git@github\.com:(?P<owner>[^/]+)/(?P<name>[^/]+?)/?", _AI)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:", _A)
# Not ASCII-only: a no-break or ideographic space inside a link is as wrong as a plain one.
_SPACE_OR_BACKSLASH = re.compile(r"[\s\\]")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What may stay unescaped in a URL path (RFC 3986 pchar); anything else a user typed is %-encoded.
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
# DOI suffixes may hold "#", "?", "%" or "<": escaped in a doi.org link, while the usual characters stay readable.
_DOI_URL_SAFE = "/:;()[]._-~!$&'*+,=@"


def parse_link(text: str) -> PaperRef | RepoRef:
    """The paper or repository a pasted link, id or DOI names."""
    text = _clean(text)
    if match := _ARXIV_PREFIX.match(text):
        return _arxiv_ref(text[match.end() :])
    if match := _DOI_PREFIX.match(text):
        return _doi_ref(text[match.end() :])
    if _BARE_DOI.match(text):
        return _doi_ref(text)
    if _looks_like_arxiv_id(text):
        return _arxiv_ref(text)
    if match := _GIT_SSH.fullmatch(text):
        return _repo_ref(match["owner"], match["name"], [])
    return _parse_url(text)


def parse_paper_link(text: str) -> PaperRef:
    """A paper's ref; every refusal names the paper sources the field takes (or the one it tried)."""
    try:
        ref = parse_link(text)
    except LinkError as error:
        if error.family == "repo":
            raise _code_link_in_paper_field() from None
        if error.family is None:
            raise LinkError(f"{error.reason} {paper_field_takes()}") from None
        raise
    if isinstance(ref, RepoRef):
        raise _code_link_in_paper_field()
    return ref


def parse_repo_link(text: str) -> RepoRef:
    """A code ref; every refusal names the code hosts the field takes (or the one it tried)."""
    try:
        ref = parse_link(text)
    except LinkError as error:
        if error.family == "paper":
            raise _paper_link_in_code_field() from None
        if error.family is None:
            raise LinkError(f"{error.reason} {code_field_takes()}") from None
        raise
    if isinstance(ref, PaperRef):
        raise _paper_link_in_code_field()
    return ref


def paper_field_takes() -> str:
    """What a paper field takes, in the words of its help text."""
    return _("Paste an arXiv, DOI, OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244.")


def code_field_takes() -> str:
    """What a code field takes, in the words of its help text."""
    return _(
        "Paste a link to a repository on GitHub, GitLab, Gitee, Bitbucket or Codeberg, or to a model, "
        "dataset or Space on Hugging Face, e.g. https://github.com/owner/name."
    )


def normalise_arxiv_id(text: str) -> tuple[str, int | None]:
    """arXiv's own spelling of an id, and the version it named: "1808.01244v2" -> ("1808.01244", 2).

    Old-style ids lose their subject class ("math.GT/0309136" -> "math/0309136"): arXiv's
    API and abstract pages name the paper without it, and one paper must give one key.
    """
    text = text.strip()
    if match := _ARXIV_PREFIX.match(text):
        text = text[match.end() :]
    if match := _NEW_ARXIV_ID.fullmatch(text):
        yymm, number = int(match["yymm"]), match["number"]
        # Four-digit numbers ran from April 2007 to December 2014, five-digit ones since.
        if _month_valid(yymm) and yymm >= 704 and len(number) == (4 if yymm <= 1412 else 5):
            return f"{match['yymm']}.{number}", _version(match)
    elif match := _OLD_ARXIV_ID.fullmatch(text):
        archive, yymm = match["archive"].lower(), int(match["yymm"])
        # Old-style ids ran from July 1991 to March 2007; "91" sorts as 1991, "07" as 2007.
        chronological = yymm + (0 if yymm >= 9100 else 10000)
        if archive in _ARXIV_ARCHIVES and _month_valid(yymm) and 9107 <= chronological <= 10703:
            return f"{archive}/{match['yymm']}{match['number']}", _version(match)
    raise LinkError(
        _("This is not an arXiv id we can read; arXiv ids look like 1808.01244 or hep-th/9901001."),
        family="paper",
    )


def _looks_like_arxiv_id(text: str) -> bool:
    """Bare ids are read as arXiv's only when they have its shape, so that "owner/1234567" is not."""
    match = _BARE_ARXIV.fullmatch(text)
    return bool(match) and (match["archive"] is None or match["archive"].lower() in _ARXIV_ARCHIVES)


def _month_valid(yymm: int) -> bool:
    return 1 <= yymm % 100 <= 12


def _version(match: re.Match) -> int | None:
    return int(match["version"]) if match["version"] else None


# --- Checks before any parsing


def _clean(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise LinkError(_("Nothing was pasted."))
    text = text.strip()
    if len(text) > MAX_LINK_LENGTH:
        raise LinkError(_("This is too long to be a link."))
    # Control, format (right-to-left marks, zero-width spaces), private-use and unassigned characters
    # can make a link display as something other than what it is.
    if any(unicodedata.category(char).startswith("C") for char in text):
        raise LinkError(_("This link holds hidden characters; copy it again from the address bar."))
    return text


def _unreadable() -> LinkError:
    # parse_paper_link and parse_repo_link say what their field takes after the reason.
    return LinkError(
        _(
            "We cannot read this link; paste a paper's arXiv, DOI, OpenReview or ACL Anthology link, or a code "
            "link on GitHub, GitLab, Gitee, Bitbucket, Codeberg or Hugging Face."
        ),
        reason=_("We cannot read this link."),
    )


def _code_link_in_paper_field() -> LinkError:
    return LinkError(
        _(
            "This is a code link: put it in the code field, and here the paper's own arXiv, DOI, "
            "OpenReview or ACL Anthology link, e.g. https://arxiv.org/abs/1808.01244."
        ),
        family="repo",
    )


def _paper_link_in_code_field() -> LinkError:
    return LinkError(f"{_('This is a paper link, not a code link.')} {code_field_takes()}", family="paper")


# --- Links


def _parse_url(text: str) -> PaperRef | RepoRef:
    if _SPACE_OR_BACKSLASH.search(text):
        raise _unreadable()
    if text.startswith("//"):
        text = f"https:{text}"
    elif not _SCHEME.match(text):
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
    except ValueError:  # bad IPv6 brackets, netlocs that change under NFKC normalisation
        raise _unreadable() from None
    # No credentials, no port: "arxiv.org@evil.example" and "arxiv.org:8080" are someone else.
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or ":" in parts.netloc:
        raise _unreadable()
    # str.lower() turns some non-ASCII letters into ASCII ones (the Kelvin sign into "k").
    if not parts.netloc.isascii():
        raise _unreadable()
    reader = _HOSTS.get(parts.netloc.lower())
    if reader is None:
        raise _unreadable()
    return reader(parts)


def _arxiv_url(parts) -> PaperRef:
    segments = parts.path.split("/")[1:]
    view = segments[0].lower() if segments else ""
    if view not in ("abs", "pdf", "html") or len(segments) < 2 or not segments[1]:
        raise _not_an_arxiv_paper()
    rest = segments[1:]
    if len(rest) > 1 and _ARXIV_ARCHIVE_SEGMENT.fullmatch(rest[0]):
        identifier, rest = f"{rest[0]}/{rest[1]}", rest[2:]
    else:
        identifier, rest = rest[0], rest[1:]
    if view == "pdf" and identifier.lower().endswith(".pdf"):
        identifier = identifier[:-4]
    # An HTML paper has pages and figures below its id; abstracts and PDFs have nothing there.
    if view != "html" and rest not in ([], [""]):
        raise _not_an_arxiv_paper()
    return _arxiv_ref(identifier)


def _not_an_arxiv_paper() -> LinkError:
    return LinkError(
        _("This arXiv link names no paper; use its abstract page, such as https://arxiv.org/abs/1808.01244."),
        family="paper",
    )


def _arxiv_ref(text: str) -> PaperRef:
    identifier, version = normalise_arxiv_id(text)
    return PaperRef("arxiv", identifier, version)


def _doi_url(parts) -> PaperRef:
    if not parts.path.strip("/"):
        raise LinkError(_("This DOI link holds no DOI."), family="paper")
    return _doi_ref(parts.path[1:])


def _doi_ref(text: str) -> PaperRef:
    doi = _trim_sentence_punctuation(unquote(text))
    # The doi.org link percent-encodes some characters, three for one: it must fit as well.
    if not _DOI.fullmatch(doi) or len(doi) > MAX_DOI_LENGTH or len(PaperRef("doi", doi).url) > MAX_PAPER_URL_LENGTH:
        raise LinkError(
            _("This is not a DOI we can read; DOIs look like 10.1145/3209978.3209998."),
            family="paper",
        )
    # arXiv's DOIs are DataCite's, which know less than arXiv: the arXiv id is the better key.
    if match := _ARXIV_DOI.fullmatch(doi):
        return _arxiv_ref(match["id"])
    return PaperRef("doi", doi.lower())


def _trim_sentence_punctuation(text: str) -> str:
    """Drop what a sentence left after a DOI: "see 10.1000/182)." -> "10.1000/182"."""
    openers = {")": "(", "]": "[", "}": "{"}
    while text:
        last = text[-1]
        if last in ".,;:!?'\"" or (last in openers and text.count(last) > text.count(openers[last])):
            text = text[:-1]
        else:
            break
    return text


def _openreview_url(parts) -> PaperRef:
    identifiers = parse_qs(parts.query).get("id", [""])
    if parts.path.rstrip("/") not in ("/forum", "/pdf") or not _OPENREVIEW_ID.fullmatch(identifiers[0]):
        raise LinkError(
            _(
                "This OpenReview link names no paper; use its forum page, "
                "such as https://openreview.net/forum?id=r1lrAiA5Ym."
            ),
            family="paper",
        )
    return PaperRef("openreview", identifiers[0])


def _aclanthology_url(parts) -> PaperRef:
    return _acl_ref(parts.path.strip("/"))


def _aclweb_url(parts) -> PaperRef:
    path = parts.path.strip("/")
    if not path.startswith("anthology/"):
        raise _not_an_acl_paper()
    path = path.removeprefix("anthology/")
    # The old site filed papers by letter and volume: anthology/C/C18/C18-1183.pdf.
    if match := _LEGACY_ACLWEB_PATH.fullmatch(path):
        path = match["id"]
    return _acl_ref(path)


def _acl_ref(text: str) -> PaperRef:
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    if len(text) > MAX_ACL_ID_LENGTH:
        raise _not_an_acl_paper()
    if _OLD_ACL_ID.fullmatch(text):
        return PaperRef("acl", text.upper())
    if _NEW_ACL_ID.fullmatch(text):
        return PaperRef("acl", text.lower())
    raise _not_an_acl_paper()


def _not_an_acl_paper() -> LinkError:
    return LinkError(
        _("This ACL Anthology link names no paper; use its page, such as https://aclanthology.org/C18-1183/."),
        family="paper",
    )


def _github_url(parts) -> RepoRef:
    segments = _segments(parts)
    if segments and segments[0].lower() in _GITHUB_RESERVED:
        raise LinkError(
            _("This GitHub page is not a repository; link to one, such as https://github.com/owner/name."),
            family="repo",
        )
    if not segments:
        raise LinkError(
            _("This GitHub link names no repository; use one such as https://github.com/owner/name."),
            family="repo",
        )
    if len(segments) == 1:
        raise LinkError(
            _(
                "This links to a GitHub account; link to one of its repositories, such as https://github.com/owner/name."
            ),
            family="repo",
        )
    return _repo_ref(segments[0], segments[1], segments[2:])


def _gist_url(parts) -> RepoRef:
    raise LinkError(_("A gist is not a repository; link to the GitHub repository instead."), family="repo")


def _segments(parts) -> list[str]:
    return [segment for segment in parts.path.split("/") if segment]


def _escaped_path(rest: list[str]) -> str:
    return _LONE_PERCENT.sub("%25", quote("/".join(rest), safe=_PATH_SAFE))


def _safe_rest(rest: list[str]) -> bool:
    # A browser resolves "..": github.com/a/b/../../evil/x would show as a/b but open evil/x.
    return not any(unquote(segment) in (".", "..") for segment in rest)


def _repo_ref(owner: str, name: str, rest: list[str]) -> RepoRef:
    if name.lower().endswith(".git"):
        name = name[:-4]
    path = _escaped_path(rest)
    valid = (
        _GITHUB_OWNER.fullmatch(owner)
        and _GITHUB_REPO.fullmatch(name)
        and name not in (".", "..")
        and len(path) <= MAX_REPO_PATH_LENGTH
        and _safe_rest(rest)
    )
    if not valid:
        raise LinkError(
            _("This GitHub link names no repository we can read; use one such as https://github.com/owner/name."),
            family="repo",
        )
    return RepoRef(owner, name, path)


# --- Other code hosts. Each names its repositories owner/name (GitLab: group/subgroups/project);
# pages of the host's own (explore, settings, ...) and accounts alone are refused with an example.

# GitLab, Gitee, Codeberg: letters, digits, "_", "-", "." (not first); Bitbucket likewise.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", _A)
# Hugging Face: letters, digits, "-", "_", "."; neither "--" nor ".." inside; no "-" or "." at either end.
_HF_SEGMENT = re.compile(r"(?!.*(?:--|\.\.))[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?", _A)
# GitLab nests groups up to 20 deep; a project's path inside it comes after "/-/".
_GITLAB_MAX_DEPTH = 21
_GITLAB_RESERVED = frozenset(
    "-- admin api dashboard explore groups help jwt oauth profile projects public search sitemap "  # noqa: SIM905
    "snippets uploads users".split()
)
# Older GitLab links had no "/-/" before these: group/project/tree/main means group/project.
_GITLAB_LEGACY_ROUTES = frozenset(["tree", "blob", "raw", "commits", "commit", "issues", "merge_requests", "wikis"])
_GITEE_RESERVED = frozenset(
    "about api enterprises explore features gvp help login oauth organizations projects search signup".split()  # noqa: SIM905
)
_BITBUCKET_RESERVED = frozenset(
    "account blog dashboard product repo site snippets socialauth support workspace".split()  # noqa: SIM905
)
_CODEBERG_RESERVED = frozenset(
    "admin api assets explore issues login milestones notifications org pulls repo user".split()  # noqa: SIM905
)
_HF_RESERVED = frozenset(
    "api blog chat collections docs enterprise join learn login models notifications organizations "  # noqa: SIM905
    "papers posts pricing settings tasks".split()
)


def _host_example(host: str) -> str:
    return {
        "gitlab.com": "https://gitlab.com/group/project",
        "gitee.com": "https://gitee.com/owner/name",
        "bitbucket.org": "https://bitbucket.org/workspace/name",
        "codeberg.org": "https://codeberg.org/owner/name",
    }[host]


def _not_a_repository(host: str) -> LinkError:
    return LinkError(
        _("This %(host)s page is not a repository; link to one, such as %(example)s.")
        % {"host": CODE_HOSTS[host], "example": _host_example(host)},
        family="repo",
    )


def _plain_repo(host: str, owner_segments: list[str], name: str, rest: list[str]) -> RepoRef:
    """owner/name on a host that files repositories under accounts (or groups), checked."""
    if name.lower().endswith(".git"):
        name = name[:-4]
    owner = "/".join(owner_segments)
    path = _escaped_path(rest)
    valid = (
        owner_segments
        and all(_PLAIN_SEGMENT.fullmatch(segment) for segment in [*owner_segments, name])
        and len(owner) <= MAX_REPO_OWNER_LENGTH
        and len(path) <= MAX_REPO_PATH_LENGTH
        and _safe_rest(rest)
    )
    if not valid:
        raise LinkError(
            _("This %(host)s link names no repository we can read; use one such as %(example)s.")
            % {"host": CODE_HOSTS[host], "example": _host_example(host)},
            family="repo",
        )
    return RepoRef(owner, name, path, host=host)


def _owner_and_name(host: str, reserved: frozenset, parts) -> tuple[list[str], list[str]]:
    segments = _segments(parts)
    if not segments or segments[0].lower() in reserved:
        raise _not_a_repository(host)
    if len(segments) == 1:
        raise LinkError(
            _("This links to a %(host)s account; link to one of its repositories, such as %(example)s.")
            % {"host": CODE_HOSTS[host], "example": _host_example(host)},
            family="repo",
        )
    return segments


def _gitlab_url(parts) -> RepoRef:
    segments = _owner_and_name("gitlab.com", _GITLAB_RESERVED, parts)
    if "-" in segments:
        at = segments.index("-")
        project, rest = segments[:at], segments[at:]
    else:
        legacy = next((at for at, segment in enumerate(segments) if at >= 2 and segment in _GITLAB_LEGACY_ROUTES), None)
        project, rest = (segments, []) if legacy is None else (segments[:legacy], ["-", *segments[legacy:]])
    if rest == ["-"]:
        rest = []
    if len(project) < 2 or len(project) > _GITLAB_MAX_DEPTH:
        raise _not_a_repository("gitlab.com")
    return _plain_repo("gitlab.com", project[:-1], project[-1], rest)


def _gitee_url(parts) -> RepoRef:
    segments = _owner_and_name("gitee.com", _GITEE_RESERVED, parts)
    return _plain_repo("gitee.com", segments[:1], segments[1], segments[2:])


def _bitbucket_url(parts) -> RepoRef:
    segments = _owner_and_name("bitbucket.org", _BITBUCKET_RESERVED, parts)
    return _plain_repo("bitbucket.org", segments[:1], segments[1], segments[2:])


def _codeberg_url(parts) -> RepoRef:
    segments = _owner_and_name("codeberg.org", _CODEBERG_RESERVED, parts)
    return _plain_repo("codeberg.org", segments[:1], segments[1], segments[2:])


def _huggingface_url(parts) -> RepoRef:
    segments = _segments(parts)
    kind = "model"
    if segments and segments[0] in ("datasets", "spaces"):
        kind = "dataset" if segments[0] == "datasets" else "space"
        segments = segments[1:]
    elif segments and segments[0].lower() in _HF_RESERVED:
        raise _not_on_hugging_face()
    if len(segments) < 2:
        raise _not_on_hugging_face()
    owner, name, rest = segments[0], segments[1], segments[2:]
    path = _escaped_path(rest)
    valid = (
        _HF_SEGMENT.fullmatch(owner)
        and _HF_SEGMENT.fullmatch(name)
        and len(path) <= MAX_REPO_PATH_LENGTH
        and _safe_rest(rest)
    )
    if not valid:
        raise _not_on_hugging_face()
    return RepoRef(owner, name, path, host="huggingface.co", kind=kind)


def _not_on_hugging_face() -> LinkError:
    return LinkError(
        _(
            "This Hugging Face page is not a model, dataset or Space; link to one, such as "
            "https://huggingface.co/owner/model, https://huggingface.co/datasets/owner/name "
            "or https://huggingface.co/spaces/owner/name."
        ),
        family="repo",
    )


_HOSTS = {
    **dict.fromkeys(["arxiv.org", "www.arxiv.org", "export.arxiv.org"], _arxiv_url),
    **dict.fromkeys(["doi.org", "dx.doi.org", "www.doi.org"], _doi_url),
    **dict.fromkeys(["openreview.net", "www.openreview.net"], _openreview_url),
    **dict.fromkeys(["aclanthology.org", "www.aclanthology.org"], _aclanthology_url),
    **dict.fromkeys(["aclweb.org", "www.aclweb.org"], _aclweb_url),
    **dict.fromkeys(["github.com", "www.github.com"], _github_url),
    "gist.github.com": _gist_url,
    **dict.fromkeys(["gitlab.com", "www.gitlab.com"], _gitlab_url),
    **dict.fromkeys(["gitee.com", "www.gitee.com"], _gitee_url),
    **dict.fromkeys(["bitbucket.org", "www.bitbucket.org"], _bitbucket_url),
    **dict.fromkeys(["codeberg.org", "www.codeberg.org"], _codeberg_url),
    # hf.co is Hugging Face's short address for the same pages.
    **dict.fromkeys(["huggingface.co", "www.huggingface.co", "hf.co"], _huggingface_url),
}
