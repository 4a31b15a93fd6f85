import importlib.util
import io
import random
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from recommendations.models import Figure
from recommendations.recommending.figures import figure_attach, figure_delete_files, figure_prepare
from tests.factories import make_recommendation
from tests.recommendations.helpers import huge_webp

SCRIPT = b"<script>alert(document.cookie)</script>"


def encode(img, fmt, **options):
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def upload(data, name="figure.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def prepare(data, name="figure.png"):
    return figure_prepare(upload(data, name))


def refusal(data, name="figure.png"):
    with pytest.raises(ValidationError) as caught:
        prepare(data, name)
    return caught.value


def reopen(content_file):
    img = Image.open(io.BytesIO(content_file.read()))
    content_file.seek(0)
    return img


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width, height):
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with next to no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + png_chunk(b"IEND", b"")
    )


def png_chunk_types(data):
    kinds, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kinds.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return kinds


def spy_exif():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "Spy 3000"
    exif[ExifTags.Base.Artist] = "Jane Doe"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    return exif


# --- Accepted formats


@pytest.mark.parametrize(
    ("fmt", "expected", "extension"),
    [("PNG", "png", ".png"), ("JPEG", "jpeg", ".jpg"), ("WEBP", "webp", ".webp")],
)
def test_it_accepts_and_re_encodes_png_jpeg_and_webp(fmt, expected, extension):
    original = encode(Image.new("RGB", (64, 48), (200, 30, 30)), fmt)

    prepared = prepare(original)

    assert prepared.format == expected
    assert (prepared.width, prepared.height) == (64, 48)
    assert prepared.image_name.endswith(extension)
    img = reopen(prepared.image)
    assert img.format == fmt
    assert img.size == (64, 48)
    assert img.convert("RGB").getpixel((10, 10)) == pytest.approx((200, 30, 30), abs=4)


def test_it_decides_the_format_by_the_bytes_not_the_name_or_content_type():
    png = encode(Image.new("RGB", (8, 8)), "PNG")

    prepared = figure_prepare(upload(png, name="figure.jpg", content_type="image/jpeg"))

    assert prepared.format == "png"
    assert prepared.image_name.endswith(".png")


def test_it_reads_a_temporary_uploaded_file():
    data = encode(Image.new("RGB", (8, 8)), "JPEG")
    with TemporaryUploadedFile("big.jpg", "image/jpeg", len(data), None) as uploaded:
        uploaded.write(data)

        prepared = figure_prepare(uploaded)

    assert prepared.format == "jpeg"


def test_it_gives_random_names_that_do_not_contain_the_uploaded_name():
    data = encode(Image.new("RGB", (8, 8)), "PNG")

    first = figure_prepare(upload(data, name="holiday-in-paris.png"))
    second = figure_prepare(upload(data, name="holiday-in-paris.png"))

    names = {first.image_name, first.thumbnail_name, second.image_name, second.thumbnail_name}
    assert len(names) == 4
    assert not any("holiday" in name or "paris" in name for name in names)
    assert first.image.name == first.image_name
    assert first.thumbnail.name == first.thumbnail_name


# --- Metadata


def test_it_strips_exif_xmp_and_comments_from_a_jpeg():
    original = encode(
        Image.new("RGB", (32, 32), "white"),
        "JPEG",
        exif=spy_exif(),
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        comment=b"secret-comment",
    )
    assert b"SpyCam" in original  # the test image does carry what must go

    prepared = prepare(original, "photo.jpg")

    for content in (prepared.image, prepared.thumbnail):
        data = content.read()
        assert b"Exif" not in data
        assert b"EXIF" not in data
        for secret in (b"SpyCam", b"Spy 3000", b"Jane Doe", b"secret-xmp", b"secret-comment", b"xmpmeta"):
            assert secret not in data
        img = Image.open(io.BytesIO(data))
        assert not img.getexif()
        assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "xmp" not in img.info
        assert "comment" not in img.info


def test_it_strips_text_xmp_exif_and_icc_chunks_from_a_png():
    info = PngInfo()
    info.add_text("Comment", "secret comment")
    info.add_text("Author", "Jane Doe")
    info.add_text("Software", "SpyPaint", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret-xmp</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(Image.new("RGB", (16, 16), "blue"), "PNG", pnginfo=info, exif=spy_exif(), icc_profile=icc)

    data = prepare(original).image.read()

    assert set(png_chunk_types(data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    for secret in (b"secret comment", b"Jane Doe", b"SpyPaint", b"secret-xmp", b"SpyCam"):
        assert secret not in data
    img = Image.open(io.BytesIO(data))
    assert not img.text
    assert not img.getexif()
    assert "icc_profile" not in img.info


def test_it_strips_exif_and_icc_from_a_webp():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(Image.new("RGB", (16, 16), "green"), "WEBP", exif=spy_exif(), icc_profile=icc)
    assert b"SpyCam" in original

    data = prepare(original, "figure.webp").image.read()

    assert b"SpyCam" not in data
    assert b"EXIF" not in data
    assert b"ICCP" not in data


def test_it_accepts_an_image_whose_icc_profile_is_garbage_and_drops_the_profile():
    original = encode(Image.new("RGB", (16, 16), "red"), "JPEG", icc_profile=b"not a colour profile at all")

    img = reopen(prepare(original, "figure.jpg").image)

    assert "icc_profile" not in img.info
    assert img.getpixel((8, 8)) == pytest.approx((254, 0, 0), abs=4)


def test_it_applies_the_exif_orientation():
    picture = Image.new("RGB", (20, 10), "white")
    picture.paste((255, 0, 0), (0, 0, 10, 10))  # left half red
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90° clockwise to view"
    original = encode(picture, "JPEG", exif=exif, quality=95)

    prepared = prepare(original, "photo.jpg")

    img = reopen(prepared.image)
    assert (prepared.width, prepared.height) == (10, 20)
    assert img.size == (10, 20)
    assert img.getpixel((5, 3)) == pytest.approx((255, 0, 0), abs=30)  # the left half is now on top
    assert not img.getexif()


# --- Refused uploads


@pytest.mark.parametrize(("fmt", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_it_refuses_other_image_formats(fmt, name):
    error = refusal(encode(Image.new("RGB", (8, 8)), fmt))

    assert error.code == "unsupported_format"
    assert name in error.messages[0]
    assert "PNG, JPEG or WebP" in error.messages[0]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "PDF"),
    ],
)
def test_it_refuses_svg_and_pdf_as_unsupported(data, name):
    error = refusal(data, "figure.png")

    assert error.code == "unsupported_format"
    assert name in error.messages[0]


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        random.Random(4).randbytes(4096),
        b"just some text\n",
        b"PK\x03\x04" + b"\x00" * 100,  # a zip
    ],
    ids=["html", "random-bytes", "text", "zip"],
)
def test_it_refuses_what_is_not_an_image(data):
    error = refusal(data, "figure.png")

    assert error.code == "not_image"
    assert error.messages == ["The file is not a PNG, JPEG or WebP image."]


def test_it_refuses_an_empty_file():
    assert refusal(b"").code == "empty"


def test_it_refuses_an_empty_file_like_object_without_a_size():
    with pytest.raises(ValidationError) as caught:
        figure_prepare(io.BytesIO(b""))

    assert caught.value.code == "empty"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_refuses_a_truncated_image(fmt):
    noise = Image.frombytes("RGB", (128, 128), random.Random(1).randbytes(128 * 128 * 3))
    data = encode(noise, fmt)

    error = refusal(data[: len(data) // 2])

    assert error.code == "damaged"
    assert error.messages == ["The image is damaged or incomplete."]


def test_it_refuses_a_png_cut_inside_its_header_as_damaged():
    data = encode(Image.new("RGB", (8, 8)), "PNG")

    assert refusal(data[:20]).code == "damaged"


def test_it_refuses_a_png_with_a_corrupt_data_stream():
    data = bytearray(encode(Image.frombytes("L", (64, 64), random.Random(2).randbytes(64 * 64)), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 10 : start + 60] = b"\xff" * 50

    assert refusal(bytes(data)).code == "damaged"


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "figure.png"), ("JPEG", "figure.jpg")])
def test_it_drops_what_a_polyglot_carries_after_the_image(fmt, name):
    polyglot = encode(Image.new("RGB", (16, 16), "white"), fmt) + SCRIPT

    prepared = prepare(polyglot, name)

    assert SCRIPT not in prepared.image.read()
    assert b"<script" not in prepared.thumbnail.read()


def test_it_refuses_an_upload_over_the_size_limit(settings):
    settings.PAPERDAILY_FIGURE_MAX_BYTES = 1000
    data = encode(Image.frombytes("L", (64, 64), random.Random(3).randbytes(64 * 64)), "PNG")
    assert len(data) > 1000

    error = refusal(data)

    assert error.code == "too_large"


def test_it_checks_the_size_before_reading_and_names_the_limit_in_mb():
    class Huge:
        name = "huge.png"
        size = 6 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("read before the size was checked")

    with pytest.raises(ValidationError) as caught:
        figure_prepare(Huge())

    assert caught.value.code == "too_large"
    assert "5.0" in caught.value.messages[0]
    assert "MB" in caught.value.messages[0]


def test_it_refuses_an_upload_that_understates_its_size(settings):
    settings.PAPERDAILY_FIGURE_MAX_BYTES = 1000
    lying = io.BytesIO(encode(Image.new("RGB", (8, 8)), "PNG") + b"\x00" * 2000)
    lying.size = 10

    with pytest.raises(ValidationError) as caught:
        figure_prepare(lying)

    assert caught.value.code == "too_large"


def test_it_refuses_an_image_over_the_pixel_limit(settings):
    settings.PAPERDAILY_FIGURE_MAX_PIXELS = 100

    error = refusal(encode(Image.new("RGB", (20, 20)), "PNG"))

    assert error.code == "too_many_pixels"
    assert "100" in error.messages[0]


@pytest.mark.parametrize(
    ("width", "height", "max_pixels"),
    [
        (50_000, 50_000, 40_000_000),  # beyond twice Pillow's own limit: Pillow raises
        (10_000, 10_000, 10**10),  # beyond Pillow's limit, under ours: Pillow's warning counts as refusal
        (8_000, 6_000, 40_000_000),  # under Pillow's limit, over ours
    ],
)
def test_it_refuses_a_decompression_bomb_before_decoding_it(settings, width, height, max_pixels):
    settings.PAPERDAILY_FIGURE_MAX_PIXELS = max_pixels

    error = refusal(png_declaring(width, height))

    assert error.code == "too_many_pixels"


def test_it_turns_running_out_of_memory_into_a_refusal(monkeypatch):
    def out_of_memory(self):
        raise MemoryError

    monkeypatch.setattr(ImageFile.ImageFile, "load", out_of_memory)

    assert refusal(encode(Image.new("RGB", (8, 8)), "PNG")).code == "too_many_pixels"


def test_it_refuses_in_the_language_of_the_request():
    with translation.override("zh-hans"):
        error = refusal(b"\x89PNG\r\n\x1a\nrubbish")

    assert error.messages == ["图片已损坏或不完整。"]


def test_its_messages_leak_nothing_of_pillow():
    data = encode(Image.new("RGB", (64, 64)), "PNG")

    for error in (refusal(data[: len(data) - 20]), refusal(b"\x89PNG\r\n\x1a\nrubbish"), refusal(b"rubbish")):
        message = error.messages[0]
        assert "truncated" not in message
        assert "PIL" not in message
        assert "cannot identify" not in message


def test_it_refuses_a_huge_webp_naming_the_format_its_size_and_the_limit():
    error = refusal(huge_webp(), "figure.webp")

    assert error.code == "too_many_pixels"
    assert "WebP" in error.messages[0]
    assert re.search(r"at most [0-9,]+ pixels", error.messages[0])
    assert "16,000 × 2,490" in error.messages[0]


@pytest.mark.parametrize(("fmt", "name", "cost"), [("PNG", "PNG", 8), ("WEBP", "WebP", 16)])
def test_it_gives_png_and_webp_the_pixel_limit_the_memory_budget_allows(settings, fmt, name, cost):
    settings.PAPERDAILY_FIGURE_MAX_DECODE_BYTES = 300 * cost

    assert prepare(encode(Image.new("RGB", (20, 15)), fmt)).format == fmt.lower()
    error = refusal(encode(Image.new("RGB", (20, 16)), fmt))

    assert error.code == "too_many_pixels"
    assert error.messages == [f"A {name} image may have at most 300 pixels; this one has 20 × 16."]


def test_it_decodes_a_jpeg_at_a_smaller_scale_when_the_memory_budget_requires_it(settings):
    settings.PAPERDAILY_FIGURE_MAX_DECODE_BYTES = 8 * 100 * 100
    original = encode(Image.new("RGB", (400, 300), "red"), "JPEG")

    prepared = prepare(original, "photo.jpg")

    assert (prepared.width, prepared.height) == (100, 75)


# --- Memory: what one upload costs a worker, measured in a process of its own

MEMORY_BUDGET_MB = 200  # above the worker's resting size, for any file, accepted or refused
BENCH = Path(__file__).resolve().parents[2] / "bench" / "figures.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_figures", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def animation(frame, count, fmt, **options):
    return encode(frame, fmt, save_all=True, append_images=[frame] * (count - 1), **options)


def largest(pixels, aspect=1.0):
    width = int((pixels * aspect) ** 0.5)
    return width, pixels // width


def measured(bench, tmp_path, data, threads=1):
    path = tmp_path / "upload"
    path.write_bytes(data)
    return bench.measure(path, threads=threads)


@pytest.mark.parametrize(
    "build",
    [
        lambda bench: huge_webp(),
        lambda bench: animation(Image.new("RGB", (16_000, 2_490), "white"), 4, "WEBP", lossless=True),
        lambda bench: bench._png_of_zeros(20_000, 20_000),
        lambda bench: bench._png_declaring(65_535, 65_535),
        lambda bench: bench._jpeg_declaring(65_535, 65_535),
        lambda bench: animation(Image.new("P", (6_000, 6_000), 1), 8, "GIF"),
    ],
    ids=[
        "webp-16000x2490",
        "animated-webp-4x16000x2490",
        "png-zeros-20000x20000",
        "png-65535x65535",
        "jpeg-65535x65535",
        "animated-gif-8x6000x6000",
    ],
)
def test_it_refuses_a_huge_image_for_less_than_the_memory_budget(bench, tmp_path, build):
    result = measured(bench, tmp_path, build(bench))

    assert not result["accepted"]
    assert "pixels" in result["message"] or "GIF" in result["message"]
    assert result["peak_mb"] < MEMORY_BUDGET_MB


@pytest.mark.parametrize(
    "build",
    [
        lambda bench, limit: encode(Image.new("RGBA", largest(limit("png")), (0, 0, 255, 128)), "PNG"),
        # WebP's encoder, which re-encodes a WebP, works hardest on busy content.
        lambda bench, limit: encode(bench._figure("RGBA", largest(limit("webp"))), "WEBP", lossless=True),
        lambda bench, limit: encode(bench._figure("RGBA", largest(limit("webp"))), "WEBP", quality=85),
        # The largest JPEG decoded at full scale: under 4,800 a side the output needs every pixel.
        lambda bench, limit: encode(bench._figure("RGB", (4000, 4000)), "JPEG"),
        lambda bench, limit: encode(Image.new("RGB", (65_000, limit("jpeg") // 65_000), "white"), "JPEG"),
    ],
    ids=["png-rgba", "webp-lossless-rgba", "webp-lossy-rgba", "jpeg-4000x4000", "jpeg-65000-wide"],
)
def test_it_prepares_the_largest_figure_of_each_format_within_the_memory_budget(bench, tmp_path, build):
    from recommendations.recommending.images import figure_max_pixels

    result = measured(bench, tmp_path, build(bench, figure_max_pixels))

    assert result["accepted"], result["message"]
    assert result["peak_mb"] < MEMORY_BUDGET_MB


def test_it_prepares_one_figure_at_a_time_in_a_threaded_worker(bench, tmp_path):
    from recommendations.recommending.images import figure_max_pixels

    data = encode(bench._figure("RGBA", largest(figure_max_pixels("webp"))), "WEBP", lossless=True)

    result = measured(bench, tmp_path, data, threads=3)

    assert result["accepted"], result["message"]
    assert result["peak_mb"] < MEMORY_BUDGET_MB


# --- Modes


def test_it_converts_a_cmyk_jpeg_to_rgb():
    original = encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "JPEG")

    img = reopen(prepare(original, "print.jpg").image)

    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert img.getpixel((8, 8)) == pytest.approx((255, 0, 0), abs=10)


def test_it_keeps_the_transparency_of_a_palette_png():
    palette = Image.new("P", (16, 16), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    palette.paste(1, (8, 0, 16, 16))
    original = encode(palette, "PNG", transparency=0)

    img = reopen(prepare(original).image)

    assert img.mode == "RGBA"
    assert img.getpixel((2, 2))[3] == 0
    assert img.getpixel((12, 2)) == (0, 0, 255, 255)


def test_it_scales_a_16_bit_grey_png_to_8_bits():
    original = encode(Image.new("I;16", (16, 16), 40_000), "PNG")

    img = reopen(prepare(original).image)

    assert img.mode == "L"
    assert img.getpixel((8, 8)) == pytest.approx(155, abs=1)


@pytest.mark.parametrize(("fmt", "mode"), [("PNG", "L"), ("JPEG", "L"), ("WEBP", "RGB")])
def test_it_keeps_a_grey_image_grey(fmt, mode):
    original = encode(Image.new("L", (16, 16), 100), fmt)

    img = reopen(prepare(original).image)

    assert img.mode == mode
    assert img.convert("L").getpixel((8, 8)) == pytest.approx(100, abs=3)


def test_it_keeps_the_alpha_of_a_grey_png():
    original = encode(Image.new("LA", (16, 16), (100, 50)), "PNG")

    img = reopen(prepare(original).image)

    assert img.mode == "LA"
    assert img.getpixel((8, 8)) == (100, 50)


@pytest.mark.parametrize("lossless", [True, False])
def test_it_keeps_the_alpha_of_a_webp_and_its_lossless_coding(lossless):
    original = encode(Image.new("RGBA", (16, 16), (0, 0, 255, 128)), "WEBP", lossless=lossless)

    prepared = prepare(original, "figure.webp")

    data = prepared.image.read()
    img = Image.open(io.BytesIO(data))
    assert img.mode == "RGBA"
    assert img.getpixel((8, 8))[3] == pytest.approx(128, abs=4)
    assert (b"VP8L" in data) is lossless


@pytest.mark.parametrize(("fmt", "options"), [("WEBP", {"lossless": True}), ("PNG", {})])
def test_it_keeps_the_first_frame_of_an_animation(fmt, options):
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue", "green")]
    original = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, **options)

    img = reopen(prepare(original).image)

    assert getattr(img, "n_frames", 1) == 1
    assert img.convert("RGB").getpixel((8, 8)) == (255, 0, 0)


def test_it_takes_a_multi_picture_jpeg_as_a_jpeg():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    original = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])

    prepared = prepare(original, "camera.jpg")

    assert prepared.format == "jpeg"
    img = reopen(prepared.image)
    assert img.format == "JPEG"
    assert img.getpixel((8, 8)) == pytest.approx((255, 0, 0), abs=10)


# --- Sizes


def test_it_scales_a_large_image_down_to_the_longest_side_allowed(settings):
    settings.PAPERDAILY_FIGURE_MAX_SIDE = 100

    prepared = prepare(encode(Image.new("RGB", (300, 150), "red"), "PNG"))

    assert (prepared.width, prepared.height) == (100, 50)
    assert reopen(prepared.image).size == (100, 50)


def test_it_scales_a_large_jpeg_down_to_the_longest_side_allowed(settings):
    settings.PAPERDAILY_FIGURE_MAX_SIDE = 100

    prepared = prepare(encode(Image.new("RGB", (150, 900), "red"), "JPEG"), "tall.jpg")

    assert reopen(prepared.image).size == (17, 100)


def test_it_makes_a_webp_thumbnail_within_the_thumbnail_side():
    prepared = prepare(encode(Image.new("RGBA", (1000, 500), (0, 128, 0, 200)), "PNG"))

    thumbnail = reopen(prepared.thumbnail)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (480, 240)
    assert thumbnail.mode == "RGBA"
    assert prepared.thumbnail_name.endswith(".webp")


def test_it_does_not_enlarge_a_small_image_for_its_thumbnail():
    prepared = prepare(encode(Image.new("RGB", (40, 30)), "JPEG"), "small.jpg")

    assert reopen(prepared.thumbnail).size == (40, 30)


# --- Storage


@pytest.mark.django_db
def test_it_stores_both_files_under_media_root_and_deletes_them(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    recommendation = make_recommendation()
    prepared = prepare(encode(Image.new("RGB", (64, 32), "red"), "PNG"))

    figure = figure_attach(recommendation=recommendation, prepared=prepared, caption="Overview", position=2)

    figure = Figure.objects.get(pk=figure.pk)
    assert figure.image.name == f"figures/{recommendation.pk}/{prepared.image_name}"
    assert figure.thumbnail.name == f"figures/{recommendation.pk}/{prepared.thumbnail_name}"
    assert (figure.width, figure.height, figure.caption, figure.position) == (64, 32, "Overview", 2)
    image_path, thumbnail_path = tmp_path / figure.image.name, tmp_path / figure.thumbnail.name
    with Image.open(image_path) as stored:
        assert stored.size == (64, 32)
    assert thumbnail_path.is_file()

    figure_delete_files(figure)

    assert not image_path.exists()
    assert not thumbnail_path.exists()


@pytest.mark.django_db
def test_it_refuses_a_caption_too_long_before_storing_anything(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    recommendation = make_recommendation()
    prepared = prepare(encode(Image.new("RGB", (8, 8)), "PNG"))

    with pytest.raises(ValidationError) as caught:
        figure_attach(recommendation=recommendation, prepared=prepared, caption="x" * 301)

    assert "caption" in caught.value.message_dict
    assert not Figure.objects.exists()
    assert not any(tmp_path.iterdir())
