import pytest
from django.core.exceptions import ImproperlyConfigured

from paperdaily.settings import env_bool, env_int, env_list, env_rate, env_str

NAME = "PAPERDAILY_TEST_SETTING"


@pytest.mark.parametrize("value", ["maybe", "2", "yes please", "tru", "none"])
def test_it_refuses_a_boolean_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv(NAME, value)

    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_bool(NAME, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" TRUE ", True), ("yes", True), ("on", True),
     ("0", False), ("false", False), ("No", False), ("off", False), ("", False)],
)  # fmt: skip
def test_it_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv(NAME, value)

    assert env_bool(NAME, not expected) is expected


def test_it_gives_the_default_for_a_missing_boolean(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)

    assert env_bool(NAME, True) is True


@pytest.mark.parametrize("value", ["twelve", "12a", "1.5", "", "0x10"])
def test_it_refuses_a_number_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv(NAME, value)

    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_int(NAME, 12)


def test_it_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv(NAME, "30")
    assert env_int(NAME, 12) == 30

    monkeypatch.delenv(NAME)
    assert env_int(NAME, 12) == 12


def test_it_refuses_a_missing_string_without_a_default(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)

    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_str(NAME)


def test_it_reads_comma_separated_lists(monkeypatch):
    monkeypatch.setenv(NAME, "localhost, example.org,,")

    assert env_list(NAME) == ["localhost", "example.org"]


@pytest.mark.parametrize("value", ["10/h", "30/5m", "1/s", "100000/d"])
def test_it_reads_rates(monkeypatch, value):
    monkeypatch.setenv(NAME, value)

    assert env_rate(NAME, "1/h") == value


@pytest.mark.parametrize("value", ["10 per hour", "10/x", "0/h", "/h", "10/", "h/10", "10/h "])
def test_it_refuses_a_rate_it_cannot_read(monkeypatch, value):
    monkeypatch.setenv(NAME, value)

    with pytest.raises(ImproperlyConfigured, match=NAME):
        env_rate(NAME, "1/h")
