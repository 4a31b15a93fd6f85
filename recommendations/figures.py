"""Figures uploaded with a recommendation: checked, cleaned, re-encoded and stored.

An upload is untrusted bytes. ``figure_prepare`` decides what it is by decoding it
(never by its name or content type), refuses anything but a PNG, JPEG or WebP image
of bounded size, and re-encodes the pixels into a fresh file: no EXIF (GPS, camera,
author), no XMP, no text chunks, no ICC profile, nothing appended after the image.
Colours are converted to sRGB first when the image carried a profile, so dropping it
does not shift them.

An animated PNG or WebP keeps its first frame only: a figure illustrates a paper on a
page and in a thumbnail, and a still is what both show.

Every way the bytes can be wrong ends as a ``ValidationError`` with one translated
sentence and a code: ``too_large``, ``empty``, ``not_image``, ``unsupported_format``,
``too_many_pixels`` or ``damaged``.
"""

import io
import logging
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .models import Figure

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80

# Formats people do send, recognised by their first bytes, so that the error can say
# "GIF files are not accepted" rather than "not an image". Never decoded.
_OTHER_FORMATS = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"\x00\x00\x01\x00", "ICO"),
)
_ACCEPTED_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")

# Everything Pillow raises on bytes it cannot make sense of (its own openers treat the
# last four as "not this format" too).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, struct.error, EOFError)


@dataclass(frozen=True)
class PreparedFigure:
    """A checked figure, re-encoded and ready to store under its random names."""

    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    format: str  # "png", "jpeg" or "webp": the upload's own format
    image_name: str
    thumbnail_name: str


def figure_prepare(upload) -> PreparedFigure:
    """Check an uploaded figure and re-encode it without metadata, with a WebP thumbnail.

    ``upload`` is a Django ``UploadedFile`` or any file-like object with ``read`` (and
    ``size`` if known). Raises ``ValidationError`` for anything that is not a sound
    PNG, JPEG or WebP image within the size and pixel limits.
    """
    data = _read_bounded(upload)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; here a bomb is an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _prepare(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except MemoryError:
        # Within the pixel limit but still more than this worker can hold.
        raise ValidationError(_("The image is too large to process."), code="too_many_pixels") from None
    except UnidentifiedImageError:
        raise _unidentified(data) from None
    except _DECODE_ERRORS:
        logger.info("Figure refused as damaged", exc_info=True)
        raise ValidationError(_("The image is damaged or incomplete."), code="damaged") from None


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
        raise _too_large(max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    # One byte more than allowed, in case ``size`` was missing or wrong.
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _prepare(data: bytes) -> PreparedFigure:
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as img:
        # A JPEG carrying several pictures (MPO, from some cameras) is still a JPEG.
        fmt = "jpeg" if img.format in ("JPEG", "MPO") else img.format.lower()
        width, height = img.size
        if width * height > settings.PAPERDAILY_FIGURE_MAX_PIXELS:
            raise _too_many_pixels()
        max_side = settings.PAPERDAILY_FIGURE_MAX_SIDE
        if fmt == "jpeg":
            # Let the JPEG decoder scale down by 1/2..1/8 on the way in: less memory, same result.
            img.draft(None, (max_side, max_side))
        img.load()  # decodes everything now: a truncated file fails here
        img = _upright(img)
        img = _to_srgb(img)
        img = _output_mode(img, fmt)
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        img = _without_metadata(img)

    stem = uuid.uuid4().hex
    image = _encode(img, fmt, lossless=fmt == "webp" and _webp_is_lossless(data))
    thumb = img.copy()
    thumb.thumbnail((settings.PAPERDAILY_THUMBNAIL_SIDE,) * 2, Image.Resampling.LANCZOS)
    thumbnail = _encode(thumb.convert("RGBA" if "A" in thumb.mode else "RGB"), "webp", quality=THUMBNAIL_QUALITY)
    image_name = f"{stem}.{EXTENSIONS[fmt]}"
    thumbnail_name = f"{stem}-thumb.webp"
    return PreparedFigure(
        image=ContentFile(image, name=image_name),
        thumbnail=ContentFile(thumbnail, name=thumbnail_name),
        width=img.width,
        height=img.height,
        format=fmt,
        image_name=image_name,
        thumbnail_name=thumbnail_name,
    )


def _upright(img):
    """Turn the pixels as the EXIF orientation says; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(img)
    except _DECODE_ERRORS:
        return img


def _to_srgb(img):
    """Convert to sRGB through the embedded ICC profile, if there is one that fits.

    The profile is dropped on output, and browsers take untagged images as sRGB. A
    profile that LittleCMS rejects is ignored rather than refused: the colours may be
    a little off, but the figure is still a figure.
    """
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    output_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, *_DECODE_ERRORS):
        return img


def _output_mode(img, fmt):
    """Bring the pixels to a mode the output format stores: alpha kept for PNG and WebP."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit grey: scale to 8 bits (a plain convert would clip everything above 255 to white).
        img = img.point(lambda value: value / 257)
    # WebP stores colour only; JPEG has no alpha.
    grey = fmt != "webp" and img.mode in ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N")
    alpha = fmt != "jpeg" and img.has_transparency_data
    target = ("L" if grey else "RGB") + ("A" if alpha else "")
    return img if img.mode == target else img.convert(target)


def _without_metadata(img):
    """A new image holding only the pixels: encoders copy ICC and other info from ``img.info``."""
    clean = Image.new(img.mode, img.size)
    clean.paste(img)
    return clean


def _encode(img, fmt, *, lossless=False, quality=None) -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        img.save(buffer, "JPEG", quality=quality or JPEG_QUALITY, optimize=True)
    elif fmt == "png":
        img.save(buffer, "PNG", optimize=True)
    elif lossless:
        img.save(buffer, "WEBP", lossless=True)
    else:
        img.save(buffer, "WEBP", quality=quality or WEBP_QUALITY)
    return buffer.getvalue()


def _webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP file's (first) image is stored lossless: a VP8L chunk, not VP8."""
    offset, end = 12, len(data)  # after "RIFF", the size, and "WEBP"
    while offset + 8 <= end:
        fourcc = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        if fourcc in (b"VP8L", b"VP8 "):
            return fourcc == b"VP8L"
        if fourcc == b"ANMF":
            # An animation frame: 16 bytes of position and timing, then the frame's own chunks.
            offset, end = offset + 24, min(end, offset + 8 + length)
            continue
        offset += 8 + length + (length & 1)
    return False


def _unidentified(data: bytes) -> ValidationError:
    if data.startswith(_ACCEPTED_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return ValidationError(_("The image is damaged or incomplete."), code="damaged")
    name = _other_format(data)
    if name:
        return ValidationError(
            _("%(format)s files are not accepted: upload a PNG, JPEG or WebP image."),
            code="unsupported_format",
            params={"format": name},
        )
    return ValidationError(_("The file is not a PNG, JPEG or WebP image."), code="not_image")


def _other_format(data: bytes) -> str | None:
    for signature, name in _OTHER_FORMATS:
        if data.startswith(signature):
            return name
    if data[4:8] == b"ftyp":
        return "AVIF" if data[8:12] in (b"avif", b"avis") else "HEIC"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "SVG"
    return None


def _too_large(max_bytes) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(limit)s."), code="too_large", params={"limit": filesizeformat(max_bytes)}
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has more than %(limit)s pixels."),
        code="too_many_pixels",
        params={"limit": number_format(settings.PAPERDAILY_FIGURE_MAX_PIXELS, force_grouping=True)},
    )
