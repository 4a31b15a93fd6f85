"""papers/thumbnails.py: a PDF's first page drawn in a child process, whatever the PDF holds."""

import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from papers import thumbnails
from papers.thumbnails import ThumbnailError, render_first_page
from tests.hostile import run_measured
from tests.pdfs import page_pdf
from tests.replay import DATA_DIR

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = (DATA_DIR / "arxiv" / "pdf-1808.01244v2.pdf").read_bytes()
MEMORY = 768 * 1024 * 1024


def draw(pdf, **limits):
    return render_first_page(pdf, memory_bytes=limits.get("memory_bytes", MEMORY), timeout=limits.get("timeout", 30))


def decoded(thumbnail, tmp_path):
    path = tmp_path / "page.webp"
    path.write_bytes(thumbnail.webp)
    return Image.open(path)


def test_it_draws_the_first_page_as_a_small_webp(tmp_path):
    thumbnail = draw(FIXTURE)

    image = decoded(thumbnail, tmp_path)
    assert image.format == "WEBP"
    assert (image.width, image.height) == (thumbnail.width, thumbnail.height) == (320, 415)
    assert len(thumbnail.webp) < 20_000
    # The page is drawn, not left blank: the title bar is dark, the margin white.
    grey = image.convert("L")
    assert grey.getpixel((160, 36)) < 100
    assert grey.getpixel((5, 5)) > 240


def test_it_draws_a_page_of_text():
    assert draw(page_pdf()).width == 320


def test_it_refuses_what_is_not_a_pdf():
    with pytest.raises(ThumbnailError, match="not a PDF"):
        draw(b"<!doctype html><title>Just a moment...</title>")


def test_it_refuses_a_pdf_cut_short():
    with pytest.raises(ThumbnailError, match="could not be read"):
        draw(FIXTURE[:600])


def test_it_refuses_a_page_no_paper_has():
    with pytest.raises(ThumbnailError, match="not shaped like a page"):
        draw(page_pdf(width=10, height=14_400))


def test_it_draws_the_largest_page_a_pdf_may_declare_at_thumbnail_size():
    thumbnail = draw(page_pdf(width=14_400, height=14_400))

    assert (thumbnail.width, thumbnail.height) == (320, 320)


def test_it_stops_a_drawing_that_passes_its_memory_cap():
    with pytest.raises(ThumbnailError, match="more than the 40 MB allowed"):
        draw(FIXTURE, memory_bytes=40 * 1024 * 1024)


def test_it_stops_a_drawing_that_passes_its_time():
    with pytest.raises(ThumbnailError, match="took longer than 0.05 s"):
        draw(FIXTURE, timeout=0.05)


def test_a_decompression_bomb_stays_within_the_childs_memory_cap(tmp_path):
    # 20,000 × 20,000 RGB pixels: 1.2 GB once unpacked, 1.2 MB as sent.
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(page_pdf(image=(20_000, 20_000)))
    out = tmp_path / "page.webp"
    cap = 400 * 1024 * 1024

    measured = run_measured(
        [sys.executable, str(ROOT / "papers" / "thumbnails.py"), str(bomb), str(out), "320", str(cap)],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        timeout=60,
    )

    # Drawn at thumbnail size, or refused for memory: never more than the cap, never a crash of ours.
    assert measured.returncode in (0, 4), measured.stderr
    assert measured.peak_mb < cap / (1024 * 1024)


def test_a_drawing_too_large_for_a_thumbnail_is_refused(monkeypatch):
    monkeypatch.setattr(thumbnails, "MAX_OUTPUT_BYTES", 100)

    with pytest.raises(ThumbnailError, match="larger than a thumbnail"):
        draw(FIXTURE)
