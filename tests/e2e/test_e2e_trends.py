"""Browser journeys of the living-evidence views: the Forest page's Cumulative and
Meta-regression tabs and the What's new page, at 1440×900 and 390×844 (no sideways panning,
charts drawn at full size), with screenshots."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from app_page import IDLE_TIMEOUT, ErrorLog, choose, open_page, screenshot
from page_checks import sideways_overflow
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tkidata.living import releases as rel

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def sized_tab(browser: Browser, errors: ErrorLog) -> Iterator[Callable[[dict], Page]]:
    """A watched tab of a given window size (its own context, closed after the test)."""
    contexts: list[BrowserContext] = []

    def _open(size: dict) -> Page:
        contexts.append(browser.new_context(viewport=size))
        page = errors.watch(contexts[-1].new_page())
        page.set_default_timeout(IDLE_TIMEOUT)
        return page

    yield _open
    for context in contexts:
        context.close()


def _visible_chart(page: Page) -> tuple[str, float]:
    """(accessible name, drawn width ÷ own width) of the one chart in view."""
    charts = page.locator("[data-testid='stVegaLiteChart']:visible")
    expect(charts).to_have_count(1)
    expect(charts.first.locator("svg").first).to_be_attached()
    return charts.first.evaluate(
        """e => {
            const svg = e.querySelector('svg');
            return [(e.getAttribute('aria-label') || ''),
                    svg.getBoundingClientRect().width / parseFloat(svg.getAttribute('width'))];
        }"""
    )


@pytest.mark.parametrize("size", tuple(SIZES))
def test_cumulative_and_metaregression_tabs(
    size: str, app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    page = sized_tab(SIZES[size])
    open_page(page, f"{app_url}/forest?drug=pazopanib&outcome=orr")
    page.get_by_role("tab", name="Cumulative", exact=True).click()
    name, scale = _visible_chart(page)
    assert name.startswith("Cumulative meta-analysis of Pazopanib"), name
    assert scale > 0.97, f"cumulative chart drawn at {scale:.0%} at {size}"
    page.locator("[data-testid='stVegaLiteChart']:visible").first.scroll_into_view_if_needed()
    screenshot(page, f"forest-cumulative-{size}")
    assert not (wide := sideways_overflow(page)), "\n".join(wide)

    page.get_by_role("tab", name="Meta-regression", exact=True).click()
    choose(page, "Moderator", "Study design")
    name, scale = _visible_chart(page)
    assert name.startswith("Meta-regression bubble plot of Pazopanib"), name
    assert scale > 0.97, f"bubble plot drawn at {scale:.0%} at {size}"
    expect(page.get_by_text("Predicted for the patient's profile")).to_be_visible()
    expect(page.get_by_text("Fewer than 10 studies").first).to_be_attached()
    page.locator("[data-testid='stVegaLiteChart']:visible").first.scroll_into_view_if_needed()
    screenshot(page, f"forest-metaregression-{size}")
    assert not (wide := sideways_overflow(page)), "\n".join(wide)


@pytest.mark.parametrize("size", tuple(SIZES))
def test_whats_new_and_an_old_link(
    size: str, app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    page = sized_tab(SIZES[size])
    open_page(page, f"{app_url}/compare?release=1.0")
    expect(page.get_by_text("This link was made with data release 1.0")).to_be_visible()
    footer = rel.release_label(rel.latest())
    expect(page.get_by_text(footer).first).to_be_attached()
    page.get_by_role("link", name="What changed since 1.0").click()
    expect(page.get_by_text("Changed since release 1.0")).to_be_visible(timeout=IDLE_TIMEOUT)
    screenshot(page, f"whats-new-since-{size}")
    assert not (wide := sideways_overflow(page)), "\n".join(wide)
