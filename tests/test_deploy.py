"""Production settings pass Django's deployment checks."""

from __future__ import annotations

import json
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
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", *UNSAFE}},
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
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", *UNSAFE}}
    env.update({"DEBUG": "false", "DJANGO_SETTINGS_MODULE": "spa.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", *UNSAFE}}
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


_PROBE = """
import json, pathlib
made = []
pathlib.Path.mkdir = lambda self, *args, **kwargs: made.append(str(self))
from spa import settings
print(json.dumps({"debug": settings.DEBUG, "made": made, "apps": settings.INSTALLED_APPS,
                  "cache": settings.CACHES["default"], "broker": settings.CELERY_BROKER_URL}, default=str))
"""


def _settings_with(**variables: str) -> dict:
    """Import spa.settings in a fresh process with only ``variables`` set among the app's."""
    keep = {"PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_unless_asked_for_and_production_settings_make_no_folders():
    production = _settings_with(SECRET_KEY="x" * 50)
    assert production["debug"] is False
    assert production["made"] == []
    development = _settings_with(DEBUG="true")
    assert development["debug"] is True and development["made"]  # var/ and the broker's folders


def test_installed_apps_are_the_same_on_every_database():
    sqlite = _settings_with(DEBUG="true")
    postgres = _settings_with(DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/x")
    assert sqlite["apps"] == postgres["apps"]
    assert "django.contrib.postgres" in sqlite["apps"]


def test_cache_url_and_redis_url_work_together():
    both = _settings_with(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3", CACHE_URL="locmemcache://")
    assert both["broker"] == "redis://127.0.0.1:6379/3"
    assert both["cache"]["BACKEND"].endswith("LocMemCache")
    redis_only = _settings_with(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3")
    assert "Redis" in redis_only["cache"]["BACKEND"]
    assert redis_only["cache"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    neither = _settings_with(DEBUG="true")
    assert neither["cache"]["BACKEND"].endswith("LocMemCache") and neither["broker"] == "filesystem://"
