"""Small builders shared by the recommend-form tests."""

import functools
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import make_recommender

WRITEUP = "Cross-view training lets a sequence model learn from unlabelled text; a clear, useful read."


def login_recommender(client, django_user_model, handle="reader"):
    """A signed-in person with a recommender profile; returns the recommender."""
    user = django_user_model.objects.create_user(username=handle, email=f"{handle}@example.org")
    recommender = make_recommender(handle, user=user)
    client.force_login(user)
    return recommender


def form_data(topic, **overrides):
    data = {
        "paper_link": "https://arxiv.org/abs/1809.08370",
        "code_links": "",
        "dataset_link": "",
        "tag": str(topic.pk),
        "proposed_topic": "",
        "proposed_area": "",
        "writeup": WRITEUP,
        "figure_caption": "",
        "website": "",
    }
    data.update(overrides)
    return data


def png_upload(name="figure.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@functools.cache
def huge_webp():
    """1.6 KB of lossless WebP that decodes to 16,000 x 2,490 pixels: 160 MB, and more than that to decode."""
    buffer = io.BytesIO()
    Image.new("RGB", (16_000, 2_490), "white").save(buffer, "WEBP", lossless=True)
    return buffer.getvalue()


def huge_webp_upload():
    return SimpleUploadedFile("figure.webp", huge_webp(), content_type="image/webp")
