"""Production settings pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set by the browser tests' conftest for their own process; production never has it.
UNSAFE = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"SPA_TESTING", "DJANGO_SETTINGS_MODULE", *UNSAFE}},
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-0123456789",
        "ALLOWED_HOSTS": "book.example-spa.com",
        "SMTP_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
        "DJANGO_SETTINGS_MODULE": "spa.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"SPA_TESTING", "SECRET_KEY", *UNSAFE}}
    env.update({"DEBUG": "false", "DJANGO_SETTINGS_MODULE": "spa.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
