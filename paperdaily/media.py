"""Serving uploaded figures and papers' thumbnails from MEDIA_ROOT, with DEBUG off too.

Gunicorn is the only web server in our deployment, so Django serves the pictures itself.
Only ``MEDIA_ROOT/figures/`` and ``MEDIA_ROOT/thumbnails/`` are reachable, and only PNG, JPEG
and WebP files, which ``recommendations.recommending.figures`` and ``papers.services.thumbnails``
wrote: re-encoded or drawn by us, under random names. The headers make the
browser take them as images and nothing else.
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
# The folders served, each only through its own URL pattern (paperdaily/urls.py).
FOLDERS = ("figures", "thumbnails")
# A figure's file never changes: a new upload gets a new random name.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def serve_figure(request, path):
    """Serve ``MEDIA_ROOT/<path>`` when ``path`` is a picture: ``figures|thumbnails/<...>.png|jpg|webp``."""
    full_path, content_type = _figure_file(path)
    stat = full_path.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        return HttpResponseNotModified()
    response = FileResponse(full_path.open("rb"), content_type=content_type)
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    # Should a file ever be opened as a document, it can run and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _figure_file(path):
    """The file and content type for ``path``, or ``Http404`` for anything else."""
    if "\\" in path or "\x00" in path:
        raise Http404
    parts = path.split("/")
    # No empty, "." or ".." segments, no hidden files: also rules out a leading "/".
    if parts[0] not in FOLDERS or len(parts) < 2 or any(not part or part.startswith(".") for part in parts):
        raise Http404
    content_type = CONTENT_TYPES.get(Path(parts[-1]).suffix.lower())
    if content_type is None:
        raise Http404
    root = (Path(settings.MEDIA_ROOT) / parts[0]).resolve()
    # resolve() follows symbolic links: one that leads out of its folder is refused too.
    full_path = (Path(settings.MEDIA_ROOT) / path).resolve()
    if not full_path.is_relative_to(root) or not full_path.is_file():
        raise Http404
    return full_path, content_type
