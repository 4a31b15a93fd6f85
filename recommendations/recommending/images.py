"""An uploaded image's bytes decoded within a memory budget and re-encoded without metadata.

The pixel limits per format, the decoding at a reduced scale, the colour conversion and the
clean re-encoding live here; recommendations/recommending/figures.py runs them on one thread
and stores the result. Pillow's errors become ``ValidationError``s with one sentence each.
"""

import io
import logging
import struct
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80
_FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}

# What one decoded pixel may cost at the worst while a figure is prepared, in bytes, measured
# with bench/figures.py. Pillow holds RGB and RGBA in 4 bytes a pixel; with alpha there is a
# premultiplied copy, then the resizer's intermediate (up to half the image). Pillow's WebP
# reader holds two canvases of its own and hands the pixels over as one more copy, 16 bytes
# in all before anything else happens. A JPEG counts after the decoder has scaled it down.
_BYTES_PER_PIXEL = {"png": 8, "jpeg": 8, "webp": 16}


# EXIF orientation: the transposition that turns the pixels upright.
_TRANSPOSITIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

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
DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, struct.error, EOFError)


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


def figure_max_pixels(fmt: str) -> int:
    """The most pixels a figure in ``fmt`` ("png", "jpeg" or "webp") may have.

    A PNG or WebP is decoded whole, so its limit is what the memory budget allows at that
    format's cost per pixel. A JPEG is decoded at 1/2, 1/4 or 1/8 scale when that is all
    the output needs, or when the budget requires it, so only the overall limit applies.
    """
    overall = settings.PAPERDAILY_FIGURE_MAX_PIXELS
    if fmt == "jpeg":
        return overall
    return min(overall, settings.PAPERDAILY_FIGURE_MAX_DECODE_BYTES // _BYTES_PER_PIXEL[fmt])


def reencode(data: bytes) -> PreparedFigure:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        # Pillow's WebP reader allocates its canvases as it opens the file: check the size first.
        size = _webp_canvas_size(data)
        if size is None:
            raise ValidationError(_("The image is damaged or incomplete."), code="damaged")
        _check_pixels("webp", size)
    fmt, img, orientation, icc = _decode_scaled(data)
    img = _to_srgb(img, icc)
    img = _output_mode(img, fmt)
    img = _upright(img, orientation)
    img = _without_metadata(img)

    stem = uuid.uuid4().hex
    image = _encode(img, fmt, lossless=fmt == "webp" and _webp_is_lossless(data))
    thumb = _resized(img, _fitted(img.size, settings.PAPERDAILY_THUMBNAIL_SIDE))
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


def _decode_scaled(data: bytes):
    """Decode the upload and scale it to fit ``PAPERDAILY_FIGURE_MAX_SIDE``, holding as few full-size copies as it can.

    Returns the format, the scaled pixels (a new image: the decoded one, and for WebP the
    decoder's canvases, are gone when this returns), the EXIF orientation and the ICC profile.
    """
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as src:
        # A JPEG carrying several pictures (MPO, from some cameras) is still a JPEG.
        fmt = "jpeg" if src.format in ("JPEG", "MPO") else src.format.lower()
        _check_pixels(fmt, src.size)
        max_side = settings.PAPERDAILY_FIGURE_MAX_SIDE
        if fmt == "jpeg":
            _draft(src, _fitted(src.size, max_side))
        # Scaled down on decoding for the budget's sake, a JPEG may be smaller than the output would be.
        target = _fitted(src.size, max_side)
        src.load()  # decodes everything now: a truncated file fails here
        # Only once loaded: a PNG's EXIF may follow its pixels, and reading it would load them
        # with any error swallowed.
        orientation, icc = _orientation(src), src.info.get("icc_profile")
        img = src
        for step in _before_resampling(src, resampled=src.size != target):
            converted = step(img)
            # Release each full-size copy as soon as the next exists.
            img.close()
            img = converted
        scaled = _resized(img, target)
        img.close()
    if scaled.mode in ("RGBa", "La"):
        scaled = scaled.convert(scaled.mode[:-1] + "A")
    return fmt, scaled, orientation, icc


def _check_pixels(fmt, size):
    width, height = size
    limit = figure_max_pixels(fmt)
    if width * height > limit:
        raise ValidationError(
            _("A %(format)s image may have at most %(limit)s pixels; this one has %(width)s × %(height)s."),
            code="too_many_pixels",
            params={
                "format": _FORMAT_NAMES[fmt],
                "limit": number_format(limit, force_grouping=True),
                "width": number_format(width, force_grouping=True),
                "height": number_format(height, force_grouping=True),
            },
        )


def _fitted(size, side):
    """``size`` scaled down to fit in a square of ``side``, keeping its proportions (never enlarged)."""
    width, height = size
    scale = side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _draft(img, target):
    """Have the JPEG decoder scale down by 1/2..1/8 on the way in: less memory, and the output needs no more.

    The scale is the largest that keeps ``target`` (the output size), raised where the
    decoded image would otherwise cost more than the memory budget allows.
    """
    width, height = img.size
    budget = settings.PAPERDAILY_FIGURE_MAX_DECODE_BYTES // _BYTES_PER_PIXEL["jpeg"]

    def decoded(scale):
        return -(-width // scale) * -(-height // scale)

    scale = 1
    for candidate in (2, 4, 8):
        if width // candidate < 1 or height // candidate < 1:
            break
        if (width // candidate >= target[0] and height // candidate >= target[1]) or decoded(scale) > budget:
            scale = candidate
    if decoded(scale) > budget:
        raise too_many_pixels()
    if scale > 1:
        img.draft(None, (width // scale, height // scale))


def _before_resampling(img, *, resampled):
    """The conversions that bring ``img`` to a mode Pillow resamples well, one full-size copy each.

    Palette and 1-bit images would be resampled by nearest neighbour, 16-bit grey is scaled
    to 8 bits (a plain convert would clip everything above 255 to white), and alpha is
    premultiplied so that transparent pixels do not bleed their colour into their neighbours
    (Pillow's own resize does that too, but while holding the original as well).
    """
    steps = []
    mode = img.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        mode = "L"
        steps += [lambda im: im.point(lambda value: value / 257), lambda im: im.convert("L")]
    elif mode in ("P", "PA", "1"):
        mode = "L" if mode == "1" else "RGBA" if img.has_transparency_data else "RGB"
        steps.append(lambda im, mode=mode: im.convert(mode))
    elif mode in ("L", "RGB") and img.has_transparency_data:
        # A colour key: blended by resampling, it would no longer match.
        mode += "A"
        steps.append(lambda im, mode=mode: im.convert(mode))
    if resampled and mode in ("RGBA", "LA"):
        steps.append(lambda im: im.convert(im.mode[:-1] + "a"))
    return steps


def _resized(img, size):
    """A new image of ``size``; Lanczos, after an integer reduction where the step is large (as ``thumbnail`` does)."""
    if img.size == size:
        return img.copy()
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _orientation(img):
    """The EXIF orientation (1 to 8), or None; a broken EXIF block is ignored."""
    try:
        return img.getexif().get(ExifTags.Base.Orientation)
    except DECODE_ERRORS:
        return None


def _upright(img, orientation):
    """Turn the pixels as the EXIF orientation says."""
    method = _TRANSPOSITIONS.get(orientation)
    return img.transpose(method) if method is not None else img


def _to_srgb(img, icc):
    """Convert to sRGB through the upload's ICC profile, if there is one that fits.

    The profile is dropped on output, and browsers take untagged images as sRGB. A
    profile that LittleCMS rejects is ignored rather than refused: the colours may be
    a little off, but the figure is still a figure.
    """
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    output_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"), outputMode=output_mode)
    except (ImageCms.PyCMSError, *DECODE_ERRORS):
        return img


def _output_mode(img, fmt):
    """Bring the pixels to a mode the output format stores: alpha kept for PNG and WebP."""
    # WebP stores colour only; JPEG has no alpha.
    grey = fmt != "webp" and img.mode in ("L", "LA")
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


def _webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """A WebP file's canvas size from its first chunk's header, or None when there is none to read."""
    fourcc = data[12:16]
    if fourcc == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if fourcc == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if fourcc == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    return None


def unidentified(data: bytes) -> ValidationError:
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


def too_large(max_bytes) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(limit)s."), code="too_large", params={"limit": filesizeformat(max_bytes)}
    )


def too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has more than %(limit)s pixels."),
        code="too_many_pixels",
        params={"limit": number_format(settings.PAPERDAILY_FIGURE_MAX_PIXELS, force_grouping=True)},
    )
