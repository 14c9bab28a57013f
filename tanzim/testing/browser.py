"""Debian's Chromium (its headless shell) through Playwright, and the fixtures every app's browser
tests share.

The fixtures ``browser`` and ``new_page`` are made available to every test by ``tanzim/conftest.py``.
Playwright's sync API runs an event loop in the test's thread, so Django's async-safety guard is
lifted during a browser test; the live server runs in another thread and speaks plain HTTP, so
cookies are not marked secure. The browser tests walk the embedded system, whose demo SMS inbox
shows people their codes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Debian's build of Chromium's headless shell: the same engine as the full browser, without its
# windowing layer. Playwright's own headless default; the browser tests took 271 s against 174 s
# with the full browser's headless mode (87 tests, two processes, 5 December 2026).
CHROMIUM = "/usr/bin/chromium-headless-shell"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
# Generous: a page that generates a PDF on a loaded two-core machine may take its time; a wait
# only runs this long when a test is failing anyway.
TIMEOUT_MS = 60_000
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def persian(text: object) -> str:
    """``text`` with Persian digits, as a Persian page shows numbers."""
    return str(text).translate(PERSIAN_DIGITS)


def expect_persian_page(page: Page) -> None:
    """The page is Persian and laid out right to left."""
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def no_sideways_scroll(page: Page) -> None:
    """Nothing on the page is wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


class Chromium:
    """Playwright and one headless Chromium for a test process, started by its first browser test.

    Starting Playwright and Chromium costs about a second a test, so they are started once; each
    test still gets fresh browser contexts (its own cookies, storage and cache) and every context
    is closed when it ends. Playwright's sync API marks its event loop as running in the thread
    that started it, and Django refuses database work in a thread with a running loop (its
    async-safety guard), so the loop is marked running only while a browser test runs, and the
    other tests of the process keep the guard.
    """

    def __init__(self) -> None:
        self._playwright: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._browser: Browser | None = None

    @contextmanager
    def running(self) -> Iterator[Browser]:
        """The browser, for one test."""
        if self._playwright is None:
            self._playwright = sync_playwright().start()
            self._loop = asyncio.get_running_loop()
        else:
            asyncio._set_running_loop(self._loop)
        try:
            if self._browser is None or not self._browser.is_connected():
                self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield self._browser
        finally:
            try:
                if self._browser is not None and self._browser.is_connected():
                    for context in self._browser.contexts:
                        context.close()
                # Database work done while the loop runs has connections of its own (Django keeps
                # them per context then, not per thread); closed while they are still the ones
                # seen: one left open keeps PostgreSQL from dropping the test database.
                connections.close_all()
            finally:
                asyncio._set_running_loop(None)

    def stop(self) -> None:
        if self._playwright is None:
            return
        asyncio._set_running_loop(self._loop)
        try:
            if self._browser is not None and self._browser.is_connected():
                self._browser.close()
        finally:
            self._playwright.stop()
            self._playwright = None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    """The test process's Playwright and Chromium (use ``browser``: it hands them to one test)."""
    launched = Chromium()
    yield launched
    launched.stop()


def session_cookie(user: Any, url: str) -> dict[str, str]:
    """The cookie of a session signed in as ``user``, made server side (sign-in is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": url}


def open_context(
    browser: Browser, base_url: str, user: Any = None, device: dict[str, Any] | None = None, **options: Any
) -> BrowserContext:
    """A Persian browser context on ``device`` (a desktop by default), signed in as ``user`` if given."""
    context = browser.new_context(base_url=base_url, locale="fa-IR", **(device or DESKTOP), **options)
    context.set_default_timeout(TIMEOUT_MS)
    if user is not None:
        context.add_cookies([session_cookie(user, base_url)])  # type: ignore[list-item]
    return context


@pytest.fixture
def browser(
    chromium: Chromium, live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Browser]:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SHOW_OUTBOX_IN_UI = True
    settings.SITE_URL = live_server.url  # links in messages and documents point at this server
    with chromium.running() as launched:
        yield launched


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """``new_page(user=None, device=DESKTOP)``: a page in a fresh Persian context, closed after the test."""
    contexts: list[BrowserContext] = []

    def make(user: Any = None, device: dict[str, Any] | None = None) -> Page:
        context = open_context(browser, live_server.url, user, device, accept_downloads=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
