"""Figures uploaded with a recommendation: checked, cleaned, re-encoded and stored.

An upload is untrusted bytes. ``figure_prepare`` decides what it is by decoding it
(never by its name or content type), refuses anything but a PNG, JPEG or WebP image
of bounded size, and re-encodes the pixels into a fresh file: no EXIF (GPS, camera,
author), no XMP, no text chunks, no ICC profile, nothing appended after the image.
Colours are converted to sRGB first when the image carried a profile, so dropping it
does not shift them.

An animated PNG or WebP keeps its first frame only: a figure illustrates a paper on a
page and in a thumbnail, and a still is what both show.

Memory is bounded before anything is decoded: a PNG or WebP is decoded whole, so its pixel
limit is what ``PAPERDAILY_FIGURE_MAX_DECODE_BYTES`` allows at that format's worst cost per
pixel; a JPEG is decoded at the smallest scale the output needs (and the budget allows). The
decoded image is scaled to its output size first, each full-size copy released as soon as the
next exists, and everything else works on the small one.

Every way the bytes can be wrong ends as a ``ValidationError`` with one translated
sentence and a code: ``too_large``, ``empty``, ``not_image``, ``unsupported_format``,
``too_many_pixels`` or ``damaged``.
"""

import ctypes
import ctypes.util
import logging
import warnings
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from recommendations.models import Figure
from recommendations.recommending.images import (
    DECODE_ERRORS,
    PreparedFigure,
    reencode,
    too_large,
    too_many_pixels,
    unidentified,
)

logger = logging.getLogger(__name__)

# One thread of each process prepares every figure, one at a time. The memory bound holds per
# upload, and a threaded worker (gunicorn --threads) would otherwise add several uploads' worth
# together; the big buffers come from this thread's malloc arena each time, where a lock alone
# would leave them spread over one arena per request thread (three threads at once: 460 MB
# above rest, 365 MB with a lock, within one upload's bound with this thread). It also keeps
# catch_warnings, which changes process-wide state, from racing with itself.
_PREPARER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="figures")
# glibc's malloc_trim, where there is one (not on musl or macOS).
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None
_LIBC = _LIBC if _LIBC is not None and hasattr(_LIBC, "malloc_trim") else None


def figure_prepare(upload) -> PreparedFigure:
    """Check an uploaded figure and re-encode it without metadata, with a WebP thumbnail.

    ``upload`` is a Django ``UploadedFile`` or any file-like object with ``read`` (and
    ``size`` if known). Raises ``ValidationError`` for anything that is not a sound
    PNG, JPEG or WebP image within the size and pixel limits.
    """
    data = _read_bounded(upload)
    return _PREPARER.submit(_prepare_or_refuse, data, translation.get_language()).result()


def _prepare_or_refuse(data: bytes, language) -> PreparedFigure:
    with translation.override(language):
        try:
            with warnings.catch_warnings():
                # Pillow only warns between its own limit and twice that; here a bomb is an error.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return reencode(data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels() from None
        except MemoryError:
            # Within the pixel limit but still more than this worker can hold.
            raise ValidationError(_("The image is too large to process."), code="too_many_pixels") from None
        except UnidentifiedImageError:
            raise unidentified(data) from None
        except DECODE_ERRORS:
            logger.info("Figure refused as damaged", exc_info=True)
            raise ValidationError(_("The image is damaged or incomplete."), code="damaged") from None
        finally:
            _give_back_free_memory()


def _give_back_free_memory():
    """Hand the memory the figure freed back to the system (glibc keeps it otherwise).

    A figure's buffers are tens of MB in blocks that glibc keeps in this thread's heap once
    freed: the worker would stay that much larger until it restarts.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def figure_attach(*, recommendation, prepared: PreparedFigure, caption="", position=0) -> Figure:
    """Store a prepared figure's two files and the row that points at them."""
    figure = Figure(
        recommendation=recommendation,
        caption=caption,
        position=position,
        width=prepared.width,
        height=prepared.height,
    )
    figure.full_clean(exclude=["image", "thumbnail"])
    figure.image.save(prepared.image_name, prepared.image, save=False)
    figure.thumbnail.save(prepared.thumbnail_name, prepared.thumbnail, save=False)
    try:
        with transaction.atomic():
            figure.save()
    except BaseException:
        figure_delete_files(figure)
        raise
    return figure


def figure_delete_files(figure: Figure) -> None:
    """Remove a figure's image and thumbnail from storage; the row is the caller's.

    Call it once the row is gone for good (``transaction.on_commit``): a rolled-back
    transaction brings the row back, but not its files.
    """
    figure.image.delete(save=False)
    figure.thumbnail.delete(save=False)


def _read_bounded(upload) -> bytes:
    max_bytes = settings.PAPERDAILY_FIGURE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise too_large(max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    # One byte more than allowed, in case ``size`` was missing or wrong.
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data
