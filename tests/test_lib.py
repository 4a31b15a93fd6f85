"""paperdaily.lib: the small rules every feature shares (row ids, control characters, enqueueing by name)."""

import pathlib
import re

import pytest
from celery import current_app
from celery.exceptions import NotRegistered
from django.core.exceptions import ValidationError

from paperdaily.lib.ids import MAX_ID, row_ids, row_number
from paperdaily.lib.tasks import enqueue
from paperdaily.lib.text import control_characters_validator, has_controls, mark_controls, without_controls

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["1", "42", str(MAX_ID)])
def test_it_takes_plain_digits_within_range_as_a_row_number(value):
    assert row_number(value) == int(value)


@pytest.mark.parametrize("value", ["0", "-1", "+5", " 5", "5 ", "٥", "5_0", "1e3", "", str(MAX_ID + 1), "0x10"])
def test_it_refuses_anything_else_as_a_row_number(value):
    assert row_number(value) is None


def test_it_bounds_a_row_number_by_the_column_it_names():
    assert row_number("2147483648", maximum=2**31 - 1) is None
    assert row_number("2147483647", maximum=2**31 - 1) == 2**31 - 1


def test_it_keeps_only_the_form_values_that_can_be_row_ids():
    assert row_ids(["3", " 7 ", "x", "0", "-2", str(MAX_ID + 1)]) == [3, 7]


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"])
def test_it_refuses_control_and_bidi_characters_in_names(char):
    validate = control_characters_validator(allow_newlines=True)
    with pytest.raises(ValidationError):
        validate(f"Ada{char}Lovelace")
    assert mark_controls(f"a{char}b") == "a\ufffdb"


def test_it_allows_line_breaks_only_where_asked():
    assert not has_controls("one\ntwo\tthree\r\n", allow_newlines=True)
    assert has_controls("one\ntwo", allow_newlines=False)


def test_it_drops_controls_from_prose_but_keeps_its_bidi_marks_and_line_breaks():
    assert without_controls("a\x00b\r\nc\rd\x9f\u202be\u202c\tf") == "ab\nc\nd\u202be\u202c\tf"


def test_it_refuses_to_enqueue_a_task_name_nobody_registered():
    with pytest.raises(NotRegistered):
        enqueue("recommendations.no_such_task", 1)


def test_it_finds_a_registered_task_for_every_name_the_code_enqueues():
    names = set()
    for path in [*ROOT.glob("papers/**/*.py"), *ROOT.glob("recommendations/**/*.py")]:
        names |= set(re.findall(r'enqueue\(\s*"([\w.]+)"', path.read_text()))
    assert len(names) >= 8
    current_app.loader.import_default_modules()
    assert names - set(current_app.tasks) == set()


# --- paperdaily/lib/cache.py


def test_it_adds_to_a_counter_in_one_step_and_refuses_one_that_does_not_exist():
    from django.core.cache import cache

    cache.set("counter", 5)

    assert cache.incr("counter", 3) == 8
    assert cache.get("counter") == 8
    with pytest.raises(ValueError):
        cache.incr("no-such-counter")
    assert cache.get("no-such-counter") is None


def test_it_keeps_one_redis_client_for_every_operation():
    from django.core.cache import cache

    assert cache._cache.get_client("a") is cache._cache.get_client("b", write=True)


# --- paperdaily/lib/urls.py


def test_it_remembers_a_reverse_under_the_urlconf_and_prefix_it_was_made_for():
    from django.urls import set_script_prefix

    from paperdaily.lib.urls import cached_reverse

    assert cached_reverse("papers:paper-detail", 7) == "/papers/7/"
    set_script_prefix("/portal/")
    try:
        assert cached_reverse("papers:paper-detail", 7) == "/portal/papers/7/"
    finally:
        set_script_prefix("/")
    assert cached_reverse("papers:paper-detail", 7) == "/papers/7/"
