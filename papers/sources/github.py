"""GitHub REST API: one repository by owner and name (``GET /repos/{owner}/{repo}``).

Requests are conditional when we hold an ETag: a 304 answer costs nothing against an
authenticated rate limit, and tells us nothing changed. A renamed or transferred repository
answers 301 with the address ``/repositories/{id}``; we follow it, but only through the shared
client, which refuses any address off the configured API host. Rate-limit answers (403 or 429
with ``x-ratelimit-remaining: 0``) never reach this module: the client raises ``RateLimited``.
"""

import json
from dataclasses import dataclass
from urllib.parse import quote

from papers.sources.base import BadResponse, NotFound, RepositoryMetadata, load_json
from papers.sources.facts import as_datetime, as_string
from papers.sources.http import api_get

# GitHub answers a renamed repository with one redirect; anything beyond two is a loop or a misconfiguration.
MAX_REDIRECTS = 2

_REDIRECTS = {301, 302, 307, 308}

# GitHub's licence for "a licence file we could not identify" (key "other").
_UNKNOWN_LICENSE = "NOASSERTION"


@dataclass
class GithubResult:
    """What a fetch learned: ``status`` is "ok" (with fresh metadata) or "not_modified" (keep what you have)."""

    status: str
    metadata: RepositoryMetadata | None
    etag: str = ""


def parse_repo(data):
    """Turn a repository object (a dict, or the bytes of an answer) into ``RepositoryMetadata``."""
    if isinstance(data, bytes | str):
        data = _load_json(data)
    if not isinstance(data, dict):
        raise BadResponse("GitHub answered with something that is not a repository")
    owner = data.get("owner")
    owner = as_string(owner.get("login")) if isinstance(owner, dict) else ""
    name = as_string(data.get("name"))
    if not (owner and name) and "/" in as_string(data.get("full_name")):
        owner, name = as_string(data.get("full_name")).split("/", 1)
    if not (owner and name):
        raise BadResponse("GitHub's answer names no repository")
    github_id = data.get("id")
    stars = data.get("stargazers_count")
    return RepositoryMetadata(
        github_id=github_id if _is_int(github_id) else None,
        owner=owner,
        name=name,
        html_url=as_string(data.get("html_url")) or f"https://github.com/{owner}/{name}",
        description=as_string(data.get("description")),
        stars=stars if _is_int(stars) else None,
        language=as_string(data.get("language")),
        license=_license(data.get("license")),
        pushed_at=as_datetime(data.get("pushed_at")),
        archived=data.get("archived") is True,
        default_branch=as_string(data.get("default_branch")),
        raw=data,
    )


def fetch(owner, name, *, etag="", github_id=None):
    """Fetch a repository, conditionally when ``etag`` is given.

    When we already know the repository's ``github_id`` and its name now answers 404, or answers
    with another repository (someone took over the old name), the repository is looked up by its
    id instead: a rename is still followed after GitHub has dropped its redirect.
    """
    full_name = f"{owner}/{name}"
    path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
    response = _get(path, {"If-None-Match": etag} if etag else None)
    if response.status == 304:
        return GithubResult("not_modified", None, response.headers.get("etag") or etag)
    if response.status == 200:
        result = _ok(response)
        if github_id is None or result.metadata.github_id in (None, github_id):
            return result
    elif response.status != 404:
        raise _error(response, full_name)
    elif github_id is None:
        raise _not_found(full_name)
    return _fetch_by_id(github_id, full_name)


def _fetch_by_id(github_id, full_name):
    response = _get(f"/repositories/{int(github_id)}", None)
    if response.status == 404:
        raise _not_found(full_name)
    if response.status != 200:
        raise _error(response, full_name)
    return _ok(response)


def _ok(response):
    return GithubResult("ok", parse_repo(response.content), response.headers.get("etag", ""))


def _not_found(full_name):
    return NotFound(f"GitHub has no repository {full_name} (deleted, renamed without redirect, or private)", status=404)


def _get(path_or_url, headers):
    """GET, following redirects ourselves so each hop goes through the client's host check."""
    response = api_get("github", path_or_url, headers=headers)
    for _ in range(MAX_REDIRECTS):
        if response.status not in _REDIRECTS:
            return response
        # The ETag belonged to the old address; ask the new one unconditionally so we learn the new name.
        response = api_get("github", _redirect_target(response))
    if response.status in _REDIRECTS:
        raise BadResponse(f"GitHub redirected more than {MAX_REDIRECTS} times", status=response.status)
    return response


def _redirect_target(response):
    target = response.headers.get("location", "")
    if not target:
        body = _load_json(response.content) if response.content else {}
        target = as_string(body.get("url")) if isinstance(body, dict) else ""
    if not target:
        raise BadResponse(f"GitHub answered HTTP {response.status} without saying where to", status=response.status)
    return target


def _error(response, full_name):
    message = ""
    try:
        body = json.loads(response.content)
        message = as_string(body.get("message")) if isinstance(body, dict) else ""
    except (ValueError, RecursionError):
        pass
    if response.status == 403:
        return BadResponse(f"GitHub refused access to {full_name}: {message or 'forbidden'}", status=403)
    detail = f": {message}" if message else ""
    return BadResponse(f"GitHub answered HTTP {response.status} for {full_name}{detail}", status=response.status)


def _load_json(content):
    return load_json(content, label="GitHub")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _license(value):
    spdx_id = as_string(value.get("spdx_id")) if isinstance(value, dict) else ""
    return spdx_id if spdx_id and spdx_id != _UNKNOWN_LICENSE else None
