"""Django's deployment checklist passes with the production settings the README gives."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# README, "Production settings": TLS at a proxy in front, secure cookies, HTTPS only, HSTS.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "q7Vt2mXc9LpR4sWz8Kd1NbH6yJf3Ga0Ue5Ti9Ox2Ye7Rw4Sv1Qn",
    "ALLOWED_HOSTS": "paperdaily.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://paperdaily.example.org",
    "BEHIND_TLS_PROXY": "true",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    # Never contacted: the checks run without the database or Redis.
    "DATABASE_URL": "postgres://paperdaily:secret@127.0.0.1:1/paperdaily",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def run_deploy_check(tmp_path, **overrides):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PAPERDAILY_VAR_DIR": str(tmp_path / "var")}
    env.update(PRODUCTION, **overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deployment_checklist_with_the_production_settings(tmp_path):
    result = run_deploy_check(tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS:" not in output


def test_it_warns_when_hsts_leaves_out_subdomains_and_preloading(tmp_path):
    result = run_deploy_check(tmp_path, SECURE_HSTS_INCLUDE_SUBDOMAINS="false", SECURE_HSTS_PRELOAD="false")

    assert result.returncode == 1
    assert "security.W005" in result.stderr
    assert "security.W021" in result.stderr
