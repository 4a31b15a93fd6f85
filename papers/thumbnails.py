"""A paper's first page as a small WebP picture, drawn from its PDF in a child process.

A PDF from outside is hostile input for a large C library (PDFium): a page can declare any
size, an image inside it any number of pixels, a stream any compression ratio. So the drawing
never happens in a worker's own process. ``render_first_page`` writes the PDF to a private
temporary folder and runs ``python -m papers.thumbnails <pdf> <webp> <width> <memory>``,
which caps its own address space (``RLIMIT_AS``) before it loads PDFium, draws the first page
only, scaled to ``width`` pixels, and saves a WebP with Pillow. The parent waits a bounded
time, kills the child past it, and turns every way this can end into a ``ThumbnailError``
with one sentence saying why. Nothing the child does can take the worker's memory.

The child imports nothing from Django: it names what went wrong by a code, and the parent
says it in the reader's language.
"""

import json
import os
import resource
import subprocess  # noqa: S404 - runs our own module with the interpreter that runs us
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

# The picture's width in pixels; its height follows the page's proportions.
WIDTH = 320
# A page more than this many times as tall as it is wide (or wide as tall) is no paper's page.
MAX_ASPECT = 4.0
# A thumbnail bigger than this is not what we drew: refused.
MAX_OUTPUT_BYTES = 512 * 1024
WEBP_QUALITY = 70
PDF_MAGIC = b"%PDF-"

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Exit codes of the child, and the parent's reading of them.
_EXIT_OK, _EXIT_REFUSED, _EXIT_MEMORY = 0, 3, 4


class ThumbnailError(Exception):
    """The first page could not be drawn; the message says why, for an editor."""


class _Refused(Exception):
    """In the child: the PDF is unusable, for the reason ``code`` names (see ``_reasons``)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _reasons():
    return {
        "unreadable": _("the PDF could not be read"),
        "no_pages": _("the PDF has no pages"),
        "no_size": _("the PDF's first page has no size"),
        "not_page_shaped": _("the PDF's first page is not shaped like a page"),
        "not_drawn": _("the PDF's first page could not be drawn"),
    }


@dataclass
class Thumbnail:
    webp: bytes
    width: int
    height: int


def looks_like_pdf(content: bytes) -> bool:
    """PDF readers accept the header anywhere in the first kilobyte; so do we, and nowhere else."""
    return PDF_MAGIC in content[:1024]


def render_first_page(pdf: bytes, *, memory_bytes: int, timeout: float, width: int = WIDTH) -> Thumbnail:
    """Draw the first page of ``pdf`` as a WebP ``width`` pixels wide, in a child process
    limited to ``memory_bytes`` of address space and ``timeout`` seconds."""
    if not looks_like_pdf(pdf):
        raise ThumbnailError(_("the file is not a PDF"))
    with tempfile.TemporaryDirectory(prefix="paperdaily-thumb-") as folder:
        source, target = Path(folder) / "paper.pdf", Path(folder) / "page.webp"
        source.write_bytes(pdf)
        command = [sys.executable, "-m", "papers.thumbnails", str(source), str(target), str(width), str(memory_bytes)]
        try:
            finished = subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command,
                cwd=_PROJECT_ROOT,
                capture_output=True,
                timeout=timeout,
                env=_child_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ThumbnailError(
                _("drawing the first page took longer than %(seconds)s s") % {"seconds": f"{timeout:g}"}
            ) from None
        if finished.returncode == _EXIT_MEMORY or finished.returncode < 0:
            # A signal (SIGSEGV, SIGABRT) is how a C library fails when its allocations are refused.
            raise ThumbnailError(
                _("drawing the first page needed more than the %(megabytes)s MB allowed")
                % {"megabytes": memory_bytes // (1024 * 1024)}
            )
        if finished.returncode != _EXIT_OK:
            code = _child_answer(finished.stdout).get("error")
            raise ThumbnailError(_reasons().get(code, _("the PDF's first page could not be drawn")))
        answer = _child_answer(finished.stdout)
        try:
            size = target.stat().st_size
            drawn_width, drawn_height = int(answer["width"]), int(answer["height"])
        except (KeyError, TypeError, ValueError, OSError):
            raise ThumbnailError(_("the PDF's first page could not be drawn")) from None
        if size > MAX_OUTPUT_BYTES:
            raise ThumbnailError(_("the drawn page was larger than a thumbnail may be"))
        return Thumbnail(webp=target.read_bytes(), width=drawn_width, height=drawn_height)


def _child_environment():
    # The child needs the interpreter's own settings only: no secrets, no Django settings.
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "VIRTUAL_ENV", "PYTHONPATH")
    return {name: os.environ[name] for name in keep if name in os.environ}


def _child_answer(stdout: bytes) -> dict:
    """The child's last line of output, a JSON object; {} for anything else."""
    try:
        answer = json.loads(stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _draw(source: str, target: str, width: int) -> tuple[int, int]:
    """In the child: the first page, ``width`` pixels wide, saved as WebP; its size."""
    try:
        # Loaded after the memory cap is in force; a library that cannot be mapped within it fails here.
        import pypdfium2 as pdfium  # noqa: PLC0415
        from PIL import Image  # noqa: PLC0415
    except (ImportError, OSError):
        raise MemoryError from None
    try:
        document = pdfium.PdfDocument(source)
    except pdfium.PdfiumError:
        raise _Refused("unreadable") from None
    try:
        if len(document) < 1:
            raise _Refused("no_pages")
        page = document[0]
        page_width, page_height = page.get_size()
        if not (page_width > 0 and page_height > 0):
            raise _Refused("no_size")
        if max(page_width / page_height, page_height / page_width) > MAX_ASPECT:
            raise _Refused("not_page_shaped")
        scale = width / page_width
        try:
            bitmap = page.render(scale=scale, may_draw_forms=False)
        except pdfium.PdfiumError:
            raise _Refused("not_drawn") from None
        image = bitmap.to_pil().convert("RGB")
        # PDFium rounds the scaled size; keep within a pixel of what was asked.
        if image.width > width:
            image = image.resize((width, max(1, round(image.height * width / image.width))), Image.Resampling.LANCZOS)
        image.save(target, "WEBP", quality=WEBP_QUALITY, method=4)
        return image.width, image.height
    finally:
        document.close()


def main(argv: list[str]) -> int:
    source, target, width, memory = argv[0], argv[1], int(argv[2]), int(argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A core dump of a crashed renderer would write the hostile PDF's memory to disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        drawn_width, drawn_height = _draw(source, target, width)
    except MemoryError:
        return _EXIT_MEMORY
    except _Refused as error:
        print(json.dumps({"error": error.code}))
        return _EXIT_REFUSED
    print(json.dumps({"width": drawn_width, "height": drawn_height}))
    return _EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
