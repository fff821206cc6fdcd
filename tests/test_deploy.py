"""Production settings pass Django's deployment checks."""

from __future__ import annotations

import os
import re
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


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SPA_TESTING", "DJANGO_SETTINGS_MODULE", *UNSAFE}}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "y" * 20 + "production-secret-key-for-the-check-0123456789",
            "STATIC_ROOT": str(tmp_path / "static"),
            "DJANGO_SETTINGS_MODULE": "spa.settings",
        }
    )
    return env


def test_collectstatic_with_debug_off_writes_the_manifest(tmp_path):
    """Issue 12: a missing source map stopped collectstatic, so every page was a 500."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert (tmp_path / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist").is_dir()


def test_the_api_docs_load_only_our_own_assets_and_no_inline_script(client):
    """Issue 12: Swagger UI came from a CDN that the CSP (and no internet) blocks."""
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") for source in sources), sources
    assert "<script>" not in html  # 'self' only: the initialiser is a script file too
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
