"""Offline: no page of the app, opened by a deep link or by navigation, requests anything from
another host than the app's own 127.0.0.1 server (fonts, icons, scripts, telemetry)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_page import open_page, screenshot, wait_rerun
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from ui.frame import PAGE_TABLE

pytestmark = pytest.mark.e2e

LOCAL_SCHEMES = ("data:", "blob:", "about:")


class Requests:
    """Every request a browser context makes, split into the app's own and any other."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.urls: list[str] = []

    def record(self, request: Request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        return [u for u in self.urls if not u.startswith((self.base + "/", *LOCAL_SCHEMES))]


@pytest.fixture
def recorded(browser: Browser) -> Iterator[tuple[BrowserContext, Requests]]:
    contexts: list[BrowserContext] = []

    def _new(base: str) -> tuple[BrowserContext, Requests]:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        log = Requests(base)
        context.on("request", log.record)
        contexts.append(context)
        return context, log

    yield _new  # type: ignore[misc]
    for context in contexts:
        context.close()


def test_no_request_leaves_127_0_0_1_on_any_page(fresh_app_url: str, recorded) -> None:
    # every page as the first request of its own browser session, the first one also the first
    # request to a fresh server; then every page reached through the navigation
    for i, (_, url_path, title, _) in enumerate(PAGE_TABLE):
        context, log = recorded(fresh_app_url)
        page: Page = context.new_page()
        open_page(page, f"{fresh_app_url}/{url_path}?histology=sts")
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
        page.wait_for_timeout(500)  # late requests: favicon, fonts
        assert log.urls, "the recorder saw no request"
        assert log.foreign() == [], f"{title} (deep link {i + 1}) requested {log.foreign()}"
    context, log = recorded(fresh_app_url)
    page = context.new_page()
    open_page(page, fresh_app_url)
    for _, _, title, _ in PAGE_TABLE:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        wait_rerun(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    page.wait_for_timeout(500)
    assert log.foreign() == [], f"navigation requested {log.foreign()}"
    icons = page.locator("link[rel*='icon']")
    assert icons.count() >= 1
    for i in range(icons.count()):
        href = icons.nth(i).get_attribute("href") or ""
        assert not href.startswith("http") or href.startswith(fresh_app_url), href
    screenshot(page, "offline-export-page")
