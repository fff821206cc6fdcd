"""Browser end-to-end tests: Playwright for Python driving Debian's Chromium.

Playwright's own browser download does not work here (no internet): the tests launch
``/usr/bin/chromium`` (``CHROMIUM`` overrides), and are skipped with the reason when it is missing.
Screenshots of the key pages are written to ``docs/screenshots/`` (shown in the README) when
``SPA_SCREENSHOTS=1``: ``SPA_SCREENSHOTS=1 .venv/bin/pytest tests/e2e`` refreshes them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the test itself still talks to the
# database synchronously (factories), which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Keep a screenshot of a key page for the README (with ``SPA_SCREENSHOTS=1``, so that a test
    run does not rewrite tracked files every time)."""
    if os.environ.get("SPA_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form button[type=submit], form input[type=submit]")


def sign_up(page, *, email: str, password: str, first_name: str, last_name: str, phone: str, born: str) -> None:
    """Create a client account through the sign-up page."""
    page.goto("/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.fill("input[name=first_name]", first_name)
    page.fill("input[name=last_name]", last_name)
    page.fill("input[name=phone]", phone)
    page.fill("input[name=date_of_birth]", born)
    with page.expect_navigation():
        page.click("main form [type=submit]")
