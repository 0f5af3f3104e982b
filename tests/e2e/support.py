"""Helpers for the browser tests: signed-in pages without going through the sign-in form,
sizes, and reading what the browser reported."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@contextmanager
def open_page(browser: Browser, live_server, user=None, *, viewport=DESKTOP, **options):
    """A page in its own browser context, signed in as `user` when given. Console errors
    and htmx error events are collected on `page.problems`."""
    context = browser.new_context(viewport=viewport, **options)
    try:
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        page = context.new_page()
        page.problems = []
        page.on(
            "console",
            lambda message: page.problems.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        yield page
    finally:
        context.close()


# Recorded in the page: htmx reports these as events, not console errors.
WATCH_HTMX_ERRORS = """
window.__htmxErrors = [];
["htmx:oobErrorNoTarget", "htmx:targetError", "htmx:responseError", "htmx:swapError",
 "htmx:sendError"].forEach(function (name) {
  document.addEventListener(name, function () { window.__htmxErrors.push(name); });
});
"""


def watch_htmx_errors(page: Page) -> None:
    page.add_init_script(WATCH_HTMX_ERRORS)


def htmx_errors(page: Page) -> list[str]:
    return page.evaluate("window.__htmxErrors || []")
