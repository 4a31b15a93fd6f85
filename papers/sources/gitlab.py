"""GitLab REST API v4: one public project by its path (``GET /projects/{url-encoded path}``).

A project is named by its full path, group and subgroups included ("group/subgroup/project"),
sent as one path segment with its slashes encoded. Public projects answer without a token.
A missing or private project answers 404 (``{"message": "404 Project Not Found"}``). GitLab
names stars ``star_count`` and the last change ``last_activity_at``; it has no language or
licence in this answer, so those stay as they are.
"""

from dataclasses import dataclass
from urllib.parse import quote

from papers.sources.base import BadResponse, NotFound, RepositoryMetadata, load_json
from papers.sources.facts import as_datetime, as_int, as_string, error_message
from papers.sources.http import api_get


@dataclass
class GitlabResult:
    status: str  # always "ok": GitLab's project answer carries no ETag we could send back
    metadata: RepositoryMetadata
    etag: str = ""


def parse_project(data) -> RepositoryMetadata:
    """A project object (a dict, or the bytes of an answer) as ``RepositoryMetadata``."""
    if isinstance(data, bytes | str):
        data = load_json(data, label="GitLab")
    if not isinstance(data, dict):
        raise BadResponse("GitLab answered with something that is not a project")
    full_path = as_string(data.get("path_with_namespace"))
    if "/" not in full_path:
        raise BadResponse("GitLab's answer names no project")
    owner, name = full_path.rsplit("/", 1)
    return RepositoryMetadata(
        github_id=None,
        owner=owner,
        name=name,
        html_url=as_string(data.get("web_url")) or f"https://gitlab.com/{full_path}",
        description=as_string(data.get("description")),
        stars=as_int(data.get("star_count")),
        pushed_at=as_datetime(data.get("last_activity_at")),
        archived=data.get("archived") is True,
        default_branch=as_string(data.get("default_branch")),
        raw=data,
    )


def fetch(owner: str, name: str) -> GitlabResult:
    """The public project ``owner/name``; NotFound when GitLab has none (or it is private)."""
    full_path = f"{owner}/{name}"
    response = api_get("gitlab", f"/projects/{quote(full_path, safe='')}")
    if response.status == 404:
        raise NotFound(f"GitLab has no public project {full_path} (deleted, moved or private)", status=404)
    if response.status != 200:
        detail = error_message(response.content, "message")
        raise BadResponse(f"GitLab answered HTTP {response.status} for {full_path}{detail}", status=response.status)
    return GitlabResult("ok", parse_project(response.content))
