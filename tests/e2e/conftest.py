"""Browser end-to-end tests: Playwright for Python driving Debian's Chromium.

Playwright's own browser download does not work here (no internet): the tests launch
``/usr/bin/chromium`` (``CHROMIUM`` overrides), and are skipped with the reason when it is missing.
Screenshots of the key pages are written to ``docs/screenshots/`` (shown in the README) when
``SPA_SCREENSHOTS=1``: ``SPA_SCREENSHOTS=1 .venv/bin/pytest tests/e2e`` refreshes them.

Accessibility is a test: every page a browser test lands on is checked with axe-core
(``vendor/axe.min.js``, from the npm package ``axe-core``, MPL-2.0), and the test fails on any
serious or critical violation, or on a Content Security Policy violation in the console. The page
fixture also counts the person's actions (taps, typing, choices), for journeys that promise a
number of steps.
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
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# What a person does: each call is one tap, one field typed or one choice.
ACTIONS = {"click", "tap", "fill", "check", "uncheck", "set_checked", "select_option", "press", "type"}
BLOCKING = {"serious", "critical"}
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


class AuditedPage:
    """A Playwright page that runs axe-core on each page it lands on, before the next thing the
    test does there (and at the end), and counts the person's actions.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so
    the real CSP stays on and its violations are caught as well.
    """

    def __init__(self, page) -> None:
        self._page = page
        self._loads = 0
        self._audited = 0
        self.actions = 0
        self.audited_urls: list[str] = []
        self.violations: list[str] = []
        page.on("load", self._loaded)
        page.on("console", self._console)

    def _loaded(self, _page) -> None:
        self._loads += 1

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self._page.url}: CSP: {message.text[:300]}")

    def audit(self) -> None:
        """Check the page now (also after an htmx swap, which is no page load)."""
        self._page.wait_for_load_state("load")
        if not self._page.evaluate("typeof window.axe !== 'undefined'"):
            self._page.evaluate(AXE.read_text())
        result = self._page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => "
            "({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
        )
        self.audited_urls.append(self._page.url)
        for item in result:
            if item["impact"] in BLOCKING:
                self.violations.append(
                    f"{self._page.url}: {item['impact']} {item['id']} ({item['help']}): {', '.join(item['nodes'])}"
                )
        self._audited = self._loads

    def _audit_if_new(self) -> None:
        if self._loads > self._audited and not self._page.is_closed():
            self.audit()

    def __getattr__(self, name: str):
        attr = getattr(self._page, name)
        if not callable(attr) or name.startswith(("on", "wait_for", "expect_", "is_")):
            return attr

        def call(*args: object, **kwargs: object) -> object:
            self._audit_if_new()
            if name in ACTIONS:
                self.actions += 1
            return attr(*args, **kwargs)

        return call

    def finish(self) -> None:
        self._audit_if_new()
        assert not self.violations, "Accessibility or CSP violations:\n" + "\n".join(self.violations)


def _audited_page(browser, live_server, viewport: dict[str, int], **options: object) -> Iterator[AuditedPage]:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, **options)
    raw = context.new_page()
    raw.set_default_timeout(10_000)
    page = AuditedPage(raw)
    yield page
    try:
        page.finish()
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[AuditedPage]:
    """A desktop browser (staff and owner work at 1366×900)."""
    yield from _audited_page(browser, live_server, DESKTOP)


@pytest.fixture
def phone(browser, live_server) -> Iterator[AuditedPage]:
    """A client's phone: 390×844, touch."""
    yield from _audited_page(browser, live_server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)


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
