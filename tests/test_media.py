import pytest
from django.http import Http404
from django.utils.http import http_date

from paperdaily.media import serve_figure

PNG = b"\x89PNG\r\n\x1a\n pretend pixels"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "figures" / "7").mkdir(parents=True)
    (tmp_path / "figures" / "7" / "3f2a.png").write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(b"outside figures/")
    (tmp_path / "avatars").mkdir()
    (tmp_path / "avatars" / "me.png").write_bytes(b"not a figure")
    return tmp_path


def get(rf, path, **headers):
    return serve_figure(rf.get(f"/media/{path}", **headers), path)


def done(response):
    """Close the served file. Not ``response.close()``: that would signal request_finished,
    which checks the database connection, and these tests have none."""
    response.file_to_stream.close()


def test_it_serves_a_figure_with_headers_that_keep_it_an_image(rf, media_root):
    response = get(rf, "figures/7/3f2a.png")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(PNG))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "default-src 'none'"
    done(response)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a.png", "image/png"), ("a.jpg", "image/jpeg"), ("a.jpeg", "image/jpeg"), ("a.webp", "image/webp")],
)
def test_it_takes_the_content_type_from_the_extension(rf, media_root, name, content_type):
    (media_root / "figures" / "7" / name).write_bytes(b"bytes")

    response = get(rf, f"figures/7/{name}")

    assert response["Content-Type"] == content_type
    done(response)


def test_it_answers_a_head_request(rf, media_root):
    response = serve_figure(rf.head("/media/figures/7/3f2a.png"), "figures/7/3f2a.png")

    assert response.status_code == 200
    done(response)


def test_it_answers_not_modified_when_the_browser_has_the_file(rf, media_root):
    mtime = (media_root / "figures" / "7" / "3f2a.png").stat().st_mtime

    response = get(rf, "figures/7/3f2a.png", HTTP_IF_MODIFIED_SINCE=http_date(mtime + 10))

    assert response.status_code == 304


def test_it_refuses_to_write(rf, media_root):
    response = serve_figure(rf.post("/media/figures/7/3f2a.png"), "figures/7/3f2a.png")

    assert response.status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "figures/../secret.png",
        "figures/7/../../secret.png",
        "../secret.png",
        "figures/../../../etc/passwd.png",
        "/figures/7/3f2a.png",
        "figures//7/3f2a.png",
        "figures/./7/3f2a.png",
        "figures\\..\\secret.png",
        "figures/7/..\\..\\secret.png",
        "figures/7/3f2a.png\x00.png",
        "figures/7/\x00",
        "avatars/me.png",
        "secret.png",
        "figures",
        "figures/",
    ],
)
def test_it_refuses_paths_outside_figures(rf, media_root, path):
    with pytest.raises(Http404):
        get(rf, path)


def test_it_refuses_a_symbolic_link_that_leads_out_of_figures(rf, media_root):
    (media_root / "figures" / "7" / "link.png").symlink_to(media_root / "secret.png")

    with pytest.raises(Http404):
        get(rf, "figures/7/link.png")


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "figure.png.html", "figure.gif", "noextension", ".png"])
def test_it_refuses_other_extensions(rf, media_root, name):
    (media_root / "figures" / "7" / name).write_bytes(b"<script>alert(1)</script>")

    with pytest.raises(Http404):
        get(rf, f"figures/7/{name}")


def test_it_answers_not_found_for_a_missing_file(rf, media_root):
    with pytest.raises(Http404):
        get(rf, "figures/7/missing.png")


def test_it_answers_not_found_for_a_directory(rf, media_root):
    (media_root / "figures" / "7" / "folder.png").mkdir()

    with pytest.raises(Http404):
        get(rf, "figures/7/folder.png")


@pytest.mark.django_db
def test_it_is_routed_at_media_figures(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "figures" / "7").mkdir(parents=True)
    (tmp_path / "figures" / "7" / "ab12.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    response = client.get("/media/figures/7/ab12.webp")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    response.close()
    assert client.get("/media/figures/7/../../secret.png").status_code == 404
    assert client.get("/media/other/ab12.png").status_code == 404
