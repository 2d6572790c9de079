"""Every page, at desktop and phone size: no serious or critical axe-core violation (WCAG 2.2
AA), no raw code or "None" in its text, and at 390 px nothing makes the page pan sideways."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from app_page import IDLE_TIMEOUT, ErrorLog, open_page, screenshot
from page_checks import axe_violations, hidden_choices, raw_codes_in_text, sideways_overflow
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ui.frame import PAGE_TABLE

pytestmark = pytest.mark.e2e

PAGES = tuple(url for _, url, _, _ in PAGE_TABLE)
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def sized_tab(browser: Browser, errors: ErrorLog) -> Iterator[Callable[[dict], Page]]:
    """Open a watched tab of a given window size (its own context, closed after the test)."""
    contexts: list[BrowserContext] = []

    def _open(size: dict) -> Page:
        contexts.append(browser.new_context(viewport=size))
        page = errors.watch(contexts[-1].new_page())
        page.set_default_timeout(IDLE_TIMEOUT)
        return page

    yield _open
    for context in contexts:
        context.close()


def _settle(page: Page) -> None:
    """Charts render after the script finishes: wait until every chart has drawn its marks."""
    charts = page.get_by_test_id("stVegaLiteChart")
    for i in range(charts.count()):
        expect(charts.nth(i).locator("svg, canvas").first).to_be_attached()


@pytest.mark.parametrize("path", PAGES)
def test_page_passes_axe_and_shows_no_raw_code_at_desktop_size(
    path: str, app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    page = sized_tab(DESKTOP)
    open_page(page, f"{app_url}/{path}")
    _settle(page)
    screenshot(page, f"a11y-{path}-1440x900")
    assert not (found := axe_violations(page)), "axe-core:\n" + "\n".join(found)
    assert not (codes := raw_codes_in_text(page)), f"raw codes on /{path}: {codes}"


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_phone_and_passes_axe(
    path: str, app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    page = sized_tab(PHONE)
    open_page(page, f"{app_url}/{path}")
    _settle(page)
    screenshot(page, f"a11y-{path}-390x844")
    assert not (wide := sideways_overflow(page)), f"/{path} at 390 px:\n" + "\n".join(wide)
    # chosen options wrap inside their multiselect, which grows to show them (Evidence's drug
    # choices reached 474 px; wrapped without growing, they were hidden below its box)
    assert not (hidden := hidden_choices(page)), f"/{path} at 390 px: {hidden}"
    # a chart fits by being drawn narrow enough, not by being shrunk until its labels are unreadable
    shrunk = [(name, f"{scale:.0%}") for name, scale in _visible_charts_scale(page) if scale < 0.9]
    assert not shrunk, f"/{path} at 390 px: charts drawn below 90% of their size: {shrunk}"
    assert not (found := axe_violations(page)), "axe-core:\n" + "\n".join(found)


def test_charts_are_announced_by_what_they_show(
    app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    page = sized_tab(DESKTOP)
    open_page(page, f"{app_url}/compare")
    _settle(page)
    charts = page.locator("[data-testid='stVegaLiteChart'][role='graphics-document']")
    names = charts.evaluate_all("els => els.map(e => e.getAttribute('aria-label') || '')")
    assert names, "no chart has an accessible name"
    assert not [n for n in names if n.strip() == "Vega visualization"]
    assert any("Efficacy of the four TKIs" in n for n in names), [n[:60] for n in names]
    # marks are not announced one by one with their field names ("ci_lb: 7%")
    marks = page.get_by_test_id("stVegaLiteChart").locator("[aria-label*='ci_lb']")
    expect(marks).to_have_count(0)


def test_study_links_say_where_they_lead(app_url: str, sized_tab: Callable[[dict], Page]) -> None:
    page = sized_tab(DESKTOP)
    open_page(page, f"{app_url}/compare")
    texts = page.get_by_test_id("stPageLink").all_inner_texts()
    # the caveat's link and the footer's name the page they open; every other link names the
    # studies it lists
    pages = ("Randomised, head to head", "What's new in the data")
    for name in pages:
        assert any(text.endswith(name) for text in texts), (name, texts)
    links = [text for text in texts if not text.endswith(pages)]
    assert links and all(" behind " in text for text in links), [
        t for t in links if " behind " not in t
    ]
    assert len(set(links)) == len(links), "two links read the same"


def _visible_charts_scale(page: Page) -> list[tuple[str, float]]:
    """(accessible name, drawn width ÷ the chart's own width) of every chart in view."""
    return page.locator("[data-testid='stVegaLiteChart']:visible").evaluate_all(
        """els => els.map(e => {
            const svg = e.querySelector('svg');
            const own = parseFloat(svg.getAttribute('width'));
            return [(e.getAttribute('aria-label') || '').slice(0, 60),
                    svg.getBoundingClientRect().width / own];
        })"""
    )


@pytest.mark.parametrize(
    ("tab", "size"),
    [
        (tab, size)
        for tab in ("Forest plot", "Subgroups", "Leave-one-out")
        for size in ("phone", "desktop")
    ],
)
def test_forest_plots_are_drawn_at_full_size_on_a_phone_and_a_desktop(
    tab: str, size: str, app_url: str, sized_tab: Callable[[dict], Page]
) -> None:
    # 16 pazopanib studies: the full layout (study, design, n, plot, estimate, weight) is about
    # 870 px wide; scaled down to a phone its labels would be 5 px tall
    page = sized_tab(PHONE if size == "phone" else DESKTOP)
    open_page(page, f"{app_url}/forest?drug=pazopanib")
    _settle(page)
    page.get_by_role("tab", name=tab, exact=True).click()
    shown = _visible_charts_scale(page)
    assert len(shown) == 1, shown  # one layout at a time
    ((name, scale),) = shown
    assert name.startswith("Forest plot"), name
    assert scale > 0.97, f"{tab} drawn at {scale:.0%} of its size at {size} width"
    layout = "_layout_phone" if size == "phone" else "_layout_wide"
    assert page.locator(f"[class*='{layout}'] [data-testid='stVegaLiteChart']:visible").count() == 1
    screenshot(page, f"forest-{tab.lower().replace(' ', '-')}-{size}")
