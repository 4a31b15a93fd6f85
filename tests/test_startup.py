"""The portal refuses to start with an unsafe or malformed environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start(**env):
    """Load the settings in a fresh interpreter with exactly this environment."""
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "paperdaily.settings"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_debug_off_without_a_secret_key():
    result = start(DEBUG="false", ALLOWED_HOSTS="example.org", DATABASE_URL="sqlite://:memory:")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_it_refuses_a_short_secret_key():
    result = start(DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="example.org", DATABASE_URL="sqlite://:memory:")
    assert result.returncode != 0
    assert "32+ characters" in result.stderr


@pytest.mark.parametrize("hosts", ["", "*"])
def test_it_refuses_debug_off_without_named_hosts(hosts):
    result = start(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS=hosts, DATABASE_URL="sqlite://:memory:")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_it_refuses_a_malformed_boolean():
    result = start(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize(("soft", "hard"), [("150", "150"), ("200", "150"), ("0", "150")])
def test_it_refuses_fetch_time_limits_celery_would_refuse(soft, hard, tmp_path):
    limits = {"PAPERDAILY_FETCH_SOFT_TIME_LIMIT": soft, "PAPERDAILY_FETCH_TIME_LIMIT": hard}
    result = start(DEBUG="true", PAPERDAILY_VAR_DIR=str(tmp_path), **limits)
    assert result.returncode != 0
    assert "PAPERDAILY_FETCH_SOFT_TIME_LIMIT must be above 0 and below PAPERDAILY_FETCH_TIME_LIMIT" in result.stderr


def test_it_starts_with_a_real_configuration():
    result = start(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org", DATABASE_URL="sqlite://:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_it_starts_on_the_embedded_default_with_debug_on(tmp_path):
    result = start(DEBUG="true", PAPERDAILY_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static").is_dir()
