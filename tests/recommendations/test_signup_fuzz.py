"""Sign-up under generated input: whatever is posted, the answer is a page or a redirect, and
either one whole account (user + recommender, valid handle) is created or nothing at all."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from recommendations.models import Recommender

pytestmark = pytest.mark.django_db

User = get_user_model()

HANDLE = re.compile(r"^[A-Za-z0-9_-]{2,30}\Z")
# NUL, other C0 and C1 controls, DEL, bidi marks and overrides, zero-width characters, BOM.
NASTY = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff"
EMOJI = "😀🧠👩‍🔬🇨🇳"

nasty_char = st.sampled_from(NASTY + EMOJI)
valid_handle = st.from_regex(HANDLE, fullmatch=True)
strong_password = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=12, max_size=40)
huge = st.builds(lambda char, size: char * size, st.sampled_from("a\x00😀-" + NASTY), st.integers(1_000, 100_000))


def spoiled(strategy):
    """Values from ``strategy`` with nasty characters put in at the start, the middle or the end."""
    return st.builds(
        lambda value, char, where: value[: int(len(value) * where)] + char + value[int(len(value) * where) :],
        strategy,
        nasty_char,
        st.sampled_from([0, 0.5, 1]),
    )


def junk():
    return st.one_of(st.text(max_size=60), huge, spoiled(st.text(max_size=20)))


MISSING = object()
valid_email = st.builds(
    "{}@{}.{}".format,
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True),
    st.sampled_from(["org", "com", "cn", "io"]),
)
next_urls = st.sampled_from(["/issues/", "//evil.example/", "https://evil.example/", "/\x00", "\x01/x", "/" * 3000])
# What may replace each field's good value: wrong, nasty, huge, or nothing at all.
SPOILERS = {
    "handle": st.one_of(spoiled(valid_handle), st.emails(), junk(), st.just(MISSING)),
    "email": st.one_of(spoiled(valid_email), st.emails(), junk(), st.just(MISSING)),
    "password": st.one_of(st.sampled_from(["password", "12345678", "short"]), junk(), st.just(MISSING)),
    "password2": st.one_of(strong_password, junk(), st.just(MISSING)),
    "website": st.one_of(junk(), st.just("https://cheap.example"), st.just(MISSING)),
    "next": st.one_of(next_urls, junk(), st.just(MISSING)),
}


@st.composite
def signup_posts(draw):
    """A good sign-up, with none, one or several of its fields spoiled."""
    password = draw(strong_password)
    fields = {
        "handle": draw(valid_handle),
        "email": draw(valid_email),
        "password": password,
        "password2": password,
        "website": "",
        "next": draw(next_urls),
    }
    spoil = draw(st.one_of(st.just([]), st.lists(st.sampled_from(list(SPOILERS)), min_size=1, unique=True)))
    for name in spoil:
        fields[name] = draw(SPOILERS[name])
    return {name: value for name, value in fields.items() if value is not MISSING}


@pytest.fixture
def no_limits(settings):
    settings.PAPERDAILY_RATE_SIGNUP_IP = "100000/h"
    settings.PAPERDAILY_RATE_SIGNUP_EMAIL = "100000/h"
    settings.LOGIN_REDIRECT_URL = "home"


@hypothesis_settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=signup_posts())
def test_it_creates_one_whole_account_or_nothing_whatever_is_posted(no_limits, data):
    users_before = User.objects.count()
    # A known address makes nothing, yet gets the same answer (its owner is told by mail).
    email = data.get("email")
    known = isinstance(email, str) and "\x00" not in email and User.objects.filter(email__iexact=email.strip()).exists()
    recommenders_before = Recommender.objects.count()

    # A fresh client each time, as for strangers.
    response = Client().post("/accounts/signup/", data)

    assert response.status_code in (200, 302, 429)
    created = User.objects.count() - users_before
    assert created == Recommender.objects.count() - recommenders_before
    assert created == (1 if response.status_code == 302 and not known else 0)
    assert not User.objects.filter(recommender__isnull=True).exists()
    if created:
        user = User.objects.select_related("recommender").latest("pk")
        assert HANDLE.match(user.recommender.handle)
        assert user.username == user.recommender.handle == data["handle"].strip()
        assert not data.get("website")
        assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})
    event(f"answered {response.status_code}")
