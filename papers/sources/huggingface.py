"""Hugging Face Hub API: one model, dataset or Space (``GET /api/models/{id}``, ``/api/datasets/{id}``,
``/api/spaces/{id}``, where ``id`` is "owner/name").

Public repositories answer without a token. A repository that does not exist, or that is
private, answers 401 or 404 with ``{"error": "Repository Not Found ..."}``: both mean we
cannot see it. A gated repository answers 200 with ``"gated": "auto"`` or ``"manual"``; a
disabled one with ``"disabled": true`` (counted as archived: it can no longer be used). A renamed
repository answers a redirect to its new name, which we follow, through the shared client only (it
refuses any address off the API's host), at most twice.
Hugging Face has likes rather than stars, and ``lastModified`` for the last change.
"""

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from papers.sources.base import BadResponse, NotFound, RepositoryMetadata, load_json
from papers.sources.facts import as_datetime, as_int, as_string, error_message
from papers.sources.http import api_get

# Each kind of repository and the collection the API files it under.
COLLECTIONS = {"model": "models", "dataset": "datasets", "space": "spaces"}
_KIND_LABELS = {"model": "model", "dataset": "dataset", "space": "Space"}
MAX_REDIRECTS = 2
_REDIRECTS = {301, 302, 307, 308}


@dataclass
class HuggingfaceResult:
    status: str  # always "ok"
    metadata: RepositoryMetadata
    etag: str = ""


def parse_repo(data, *, kind: str = "model") -> RepositoryMetadata:
    """A model, dataset or Space object (a dict, or the bytes of an answer) as ``RepositoryMetadata``."""
    if isinstance(data, bytes | str):
        data = load_json(data, label="Hugging Face")
    if not isinstance(data, dict):
        raise BadResponse(f"Hugging Face answered with something that is not a {_KIND_LABELS[kind]}")
    repo_id = as_string(data.get("id")) or as_string(data.get("modelId"))
    if repo_id.count("/") != 1:
        raise BadResponse(f"Hugging Face's answer names no {_KIND_LABELS[kind]}")
    owner, name = repo_id.split("/")
    card = data.get("cardData") if isinstance(data.get("cardData"), dict) else {}
    prefix = "" if kind == "model" else f"{COLLECTIONS[kind]}/"
    return RepositoryMetadata(
        github_id=None,
        owner=owner,
        name=name,
        html_url=f"https://huggingface.co/{prefix}{repo_id}",
        description=as_string(data.get("description")) or as_string(card.get("pretty_name")),
        stars=as_int(data.get("likes")),
        language=as_string(data.get("library_name")) or as_string(data.get("sdk")),
        license=_license(card.get("license")) or None,
        pushed_at=as_datetime(data.get("lastModified")),
        archived=data.get("disabled") is True,
        raw=data,
    )


def fetch(kind: str, owner: str, name: str) -> HuggingfaceResult:
    """The public ``kind`` ("model", "dataset" or "space") ``owner/name``; NotFound when it cannot be seen."""
    if kind not in COLLECTIONS:
        raise BadResponse(f"Hugging Face has no kind of repository called {kind!r}")
    repo_id = f"{owner}/{name}"
    label = _KIND_LABELS[kind]
    response = api_get("huggingface", f"/{COLLECTIONS[kind]}/{quote(owner, safe='')}/{quote(name, safe='')}")
    for _ in range(MAX_REDIRECTS):
        if response.status not in _REDIRECTS:
            break
        response = api_get("huggingface", _redirect_target(response))
    if response.status in _REDIRECTS:
        raise BadResponse(f"Hugging Face redirected more than {MAX_REDIRECTS} times", status=response.status)
    if response.status in (401, 404):
        raise NotFound(f"Hugging Face has no public {label} {repo_id} (deleted, renamed or private)", status=404)
    if response.status != 200:
        detail = error_message(response.content, "error")
        raise BadResponse(f"Hugging Face answered HTTP {response.status} for {repo_id}{detail}", status=response.status)
    return HuggingfaceResult("ok", parse_repo(response.content, kind=kind))


def _redirect_target(response) -> str:
    """The absolute address a redirect names (the Hub writes paths relative to its host)."""
    location = response.headers.get("location", "")
    if not location:
        raise BadResponse(
            f"Hugging Face answered HTTP {response.status} without saying where to", status=response.status
        )
    try:
        return str(httpx.URL(response.url).join(location))
    except httpx.InvalidURL:
        raise BadResponse("Hugging Face redirected to an address that is not a URL", status=response.status) from None


def _license(value) -> str:
    # The card's licence is an id such as "apache-2.0", or occasionally a list of them.
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else ""
    return as_string(value)[:60]
