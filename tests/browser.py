"""A real headless browser for tests: Debian's Chromium driven by Playwright.

Never downloads a browser (``playwright install`` cannot work here); tests that need one
fail with a clear message when ``/usr/bin/chromium`` is missing (CI installs it).

    with chromium_page() as (page, watcher):
        page.goto(url)
        assert watcher.console_errors == [] and watcher.outside_requests == []
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

CHROMIUM = os.environ.get("PLANEGRAF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@dataclass
class PageWatcher:
    """What a page did: console errors, uncaught exceptions, dialogs and every request."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def outside_requests(self) -> list[str]:
        """Requests that leave the machine: anything but file:, data:, blob: and loopback."""
        outside = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("file", "data", "blob", "about"):
                continue
            if parsed.hostname in LOCAL_HOSTS:
                continue
            outside.append(url)
        return outside


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, closed after."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium); "
            ".ci/run does this"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page() -> Iterator[tuple[object, PageWatcher]]:
    """A fresh Playwright page in headless Chromium, with a watcher of what it does."""
    watcher = PageWatcher()
    with chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda m: watcher.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda e: watcher.page_errors.append(str(e)))
        page.on("request", lambda r: watcher.requests.append(r.url))

        def _dialog(dialog: object) -> None:
            watcher.dialogs.append(dialog.message)  # type: ignore[attr-defined]
            dialog.dismiss()  # type: ignore[attr-defined]

        page.on("dialog", _dialog)
        yield page, watcher
