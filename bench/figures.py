"""Benchmark: the memory one figure upload costs a worker, for the worst files accepted and refused.

Each file goes through ``recommendations.recommending.figures.figure_prepare`` in a process of its own
(so that one file's peak cannot hide behind another's), after Django is set up and a small
figure has been prepared once (lazy imports and codecs loaded): the peak resident size
(``VmHWM``, reset just before) minus the resident size just before is what the upload cost.
The target is 200 MB above the worker's resting size for any file, accepted or refused.

    .venv/bin/python bench/figures.py [--only NAME] [--keep DIR]

The files are built here with Pillow: the largest each format accepts (at its pixel limit,
in the costliest mode: alpha, palette with transparency, 16-bit grey, CMYK with a profile,
animation), and hostile ones: a 1.6 KB lossless WebP of 16,000 x 2,490 pixels, a PNG of
20,000 x 20,000 zeros, animated WebP and GIF with many big frames, a JPEG declaring
65,535 x 65,535 pixels, a thin 40-megapixel JPEG, and files cut in the middle of their pixels.

Each measuring process runs with its address space capped (``--address-space``, 4 GB) so
that a regression fails with a MemoryError instead of taking the machine down. Needs no
database. Prints a table: file, its size, accepted or refused, peak MB above rest, MB still
held above rest afterwards, seconds, the message; and PASS or FAIL against the target. Exits
0 either way: it is a measurement, not a test (``tests/recommendations/test_figures.py`` holds
the test).
"""

import argparse
import io
import json
import math
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MB = 200
ADDRESS_SPACE = 4_000_000_000

ENVIRONMENT = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "localhost",
    "LOG_LEVEL": "WARNING",
}


# --- Measuring, in a process of its own


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB to MB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(path, threads=1):
    """Prepare the figure at ``path`` in this process (in ``threads`` threads at once, as a
    threaded worker would) and print what it cost, as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperdaily.settings")
    django.setup()
    from django.core.exceptions import ValidationError
    from PIL import Image

    from recommendations.recommending.figures import figure_prepare

    warm = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(warm, "PNG")
    figure_prepare(io.BytesIO(warm.getvalue()))
    data = Path(path).read_bytes()
    # Writing 5 resets the peak (VmHWM) to the current resident size (Linux 4.0+).
    Path("/proc/self/clear_refs").write_text("5")
    rest = _status("VmRSS")
    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(threads) as pool:
            prepared = list(pool.map(lambda _: figure_prepare(io.BytesIO(data)), range(threads)))[0]
    except ValidationError as error:
        outcome = {"accepted": False, "message": error.messages[0]}
    except MemoryError:
        outcome = {"accepted": False, "message": "MemoryError (address space exhausted)"}
    else:
        outcome = {"accepted": True, "message": f"{prepared.format} {prepared.width} x {prepared.height}"}
    outcome.update(
        seconds=time.perf_counter() - started,
        rest_mb=rest,
        peak_mb=_status("VmHWM") - rest,
        after_mb=_status("VmRSS") - rest,
    )
    print(json.dumps(outcome))


def measure(path, *, threads=1, address_space=ADDRESS_SPACE):
    """What preparing the file at ``path`` costs, measured in a new process: a dict (see ``_child``)."""

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    env = {**ENVIRONMENT, **os.environ}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--child", str(path), "--threads", str(threads)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=cap,  # noqa: PLW1509 - no threads in this process when it forks
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"accepted": False, "message": f"process died ({result.returncode}): {tail[0]}", "peak_mb": math.nan}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- The files


def _encode(img, fmt, **options):
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def _figure(mode, size):
    """A busy picture (a Mandelbrot set, its bands flipped): encoders work hardest on such content."""
    from PIL import Image

    grey = Image.effect_mandelbrot(size, (-2, -1.5, 1, 1.5), 255)
    if mode in ("L", "P"):
        return grey.convert(mode)
    bands = [grey, grey.transpose(Image.Transpose.FLIP_TOP_BOTTOM), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    if mode == "RGBA":
        bands.append(grey.point(lambda value: 255 - value))
    return Image.merge(mode, bands)


def _largest(pixels, aspect=1.0):
    """The largest width x height of about ``aspect`` within ``pixels``."""
    width = int(math.sqrt(pixels * aspect))
    return width, pixels // width


def _limits():
    """Pixel limits per format, as the code under test states them (or the one limit of older code)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperdaily.settings")
    django.setup()
    from django.conf import settings

    from recommendations.recommending import figures

    if hasattr(figures, "figure_max_pixels"):
        return {fmt: figures.figure_max_pixels(fmt) for fmt in ("png", "jpeg", "webp")}
    return dict.fromkeys(("png", "jpeg", "webp"), settings.PAPERDAILY_FIGURE_MAX_PIXELS)


def build_files(directory, limits):
    """Write the files to measure into ``directory``; yield (name, path) as each is written."""
    from PIL import Image, ImageCms

    directory = Path(directory)

    def write(name, data):
        path = directory / name
        path.write_bytes(data)
        return name, path

    # Accepted, at each format's limit, in the costliest modes.
    size = _largest(limits["png"])
    yield write(f"png-rgba-{size[0]}x{size[1]}.png", _encode(_figure("RGBA", size), "PNG"))
    palette = _figure("P", size)
    yield write(f"png-palette-transparent-{size[0]}x{size[1]}.png", _encode(palette, "PNG", transparency=0))
    del palette
    yield write(f"png-grey16-{size[0]}x{size[1]}.png", _encode(Image.new("I;16", size, 40_000), "PNG"))
    thin = _largest(limits["png"], aspect=16)
    yield write(f"png-rgb-thin-{thin[0]}x{thin[1]}.png", _encode(_figure("RGB", thin), "PNG"))
    size = _largest(limits["webp"])
    rgba = _figure("RGBA", size)
    yield write(f"webp-lossless-rgba-{size[0]}x{size[1]}.webp", _encode(rgba, "WEBP", lossless=True))
    yield write(f"webp-lossy-rgba-{size[0]}x{size[1]}.webp", _encode(rgba, "WEBP", quality=85))
    frames = [Image.new("RGB", size, colour) for colour in ("red", "green", "blue")]
    yield write(
        f"webp-animated-3-frames-{size[0]}x{size[1]}.webp",
        _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True),
    )
    del rgba, frames
    # Under 4,800 pixels a side a JPEG is not scaled down for the output's sake (2,400 a side).
    for square in ((4000, 4000), (4799, 4799)):
        yield write(f"jpeg-rgb-{square[0]}x{square[1]}.jpg", _encode(_figure("RGB", square), "JPEG"))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees
    size = _largest(limits["jpeg"], aspect=4 / 3)
    cmyk = Image.new("CMYK", size, (0, 60, 120, 0))
    yield write(
        f"jpeg-cmyk-icc-rotated-{size[0]}x{size[1]}.jpg", _encode(cmyk, "JPEG", icc_profile=icc, exif=exif.tobytes())
    )
    del cmyk
    thin = (65_000, limits["jpeg"] // 65_000)
    yield write(f"jpeg-thin-{thin[0]}x{thin[1]}.jpg", _encode(Image.new("RGB", thin, "white"), "JPEG"))

    # Refused, or hostile.
    yield write(
        "webp-lossless-16000x2490.webp", _encode(Image.new("RGB", (16000, 2490), "white"), "WEBP", lossless=True)
    )
    frames = [Image.new("RGB", (16000, 2490), colour) for colour in ("red", "green", "blue", "white")]
    yield write(
        "webp-animated-4-frames-16000x2490.webp",
        _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True),
    )
    del frames
    yield write("png-zeros-20000x20000.png", _png_of_zeros(20_000, 20_000))
    yield write("png-declaring-65535x65535.png", _png_declaring(65_535, 65_535))
    yield write("jpeg-declaring-65535x65535.jpg", _jpeg_declaring(65_535, 65_535))
    gif_frames = [Image.new("P", (8000, 8000), i) for i in range(4)]
    yield write(
        "gif-animated-4-frames-8000x8000.gif",
        _encode(gif_frames[0], "GIF", save_all=True, append_images=gif_frames[1:]),
    )
    del gif_frames
    size = _largest(limits["png"])
    yield write(
        f"png-rgba-{size[0]}x{size[1]}-half-the-rows.png", _png_of_zeros(*size, colour_type=6, rows=size[1] // 2)
    )
    size = _largest(limits["webp"])
    data = _encode(_figure("RGBA", size), "WEBP", lossless=True)
    yield write(f"webp-lossless-{size[0]}x{size[1]}-truncated.webp", data[: len(data) * 3 // 4])


def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width, height, colour_type, data):
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


def _png_of_zeros(width, height, *, colour_type=0, rows=None):
    """A PNG of ``width`` x ``height`` zeros (grey, or RGBA with ``colour_type`` 6), compressed row by
    row (never held whole); with ``rows``, its data stops after that many rows."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width * (4 if colour_type == 6 else 1) + 1)  # filter byte, then the pixels
    parts = [compressor.compress(row) for _ in range(height if rows is None else rows)]
    parts.append(compressor.flush())
    return _png(width, height, colour_type, b"".join(parts))


def _png_declaring(width, height):
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with next to no data."""
    return _png(width, height, 2, zlib.compress(b"\x00" * 100))


def _jpeg_declaring(width, height):
    """A small JPEG whose frame header is patched to claim ``width`` x ``height``."""
    from PIL import Image

    data = bytearray(_encode(Image.new("RGB", (16, 16), "white"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


# --- Report


def _built_order(path):
    """Files from --keep in the order they were built (accepted first, then refused)."""
    return path.stat().st_mtime_ns


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help="prepare each file in this many threads at once")
    parser.add_argument("--only", help="measure only the files whose name contains this")
    parser.add_argument("--keep", help="write the files into this directory and keep them")
    parser.add_argument("--files", help="measure the files already in this directory (from --keep) instead")
    parser.add_argument("--address-space", type=int, default=ADDRESS_SPACE, help="bytes each measuring process may map")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.threads)
        return
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    limits = _limits()
    print("Pixel limits:", ", ".join(f"{fmt} {pixels:,}" for fmt, pixels in limits.items()))
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as scratch:
        directory = Path(args.keep or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        rows = []
        print(f"{'file':<46} {'bytes':>9}  {'outcome':<8} {'peak MB':>8} {'after':>6} {'s':>5}  message")
        files = build_files(directory, limits)
        if args.files:
            files = ((path.name, path) for path in sorted(Path(args.files).iterdir(), key=_built_order))
        for name, path in files:
            if args.only and args.only not in name:
                continue
            result = measure(path, threads=args.threads, address_space=args.address_space)
            rows.append(result)
            outcome = "accepted" if result["accepted"] else "refused"
            print(
                f"{name:<46} {path.stat().st_size:>9,}  {outcome:<8} {result['peak_mb']:>8.0f} "
                f"{result.get('after_mb', math.nan):>6.0f} "
                f"{result.get('seconds', math.nan):>5.1f}  {result['message']}",
                flush=True,
            )
    worst = max((row["peak_mb"] for row in rows), default=math.nan)
    verdict = "PASS" if worst < TARGET_MB else "FAIL"
    print(f"{verdict}: the costliest file took {worst:.0f} MB above rest (target: under {TARGET_MB} MB)")


if __name__ == "__main__":
    main()
