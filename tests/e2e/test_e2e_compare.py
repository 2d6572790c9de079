"""Browser journeys on Compare: four drug columns, a filter change, a pooled number's studies."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from app_page import choose, open_page, screenshot, wait_idle
from playwright.sync_api import Locator, Page, expect

from report.colors import TKI_DRUGS, drug_label

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"\d")


def drug_column(page: Page, drug: str) -> Locator:
    """The detailed Compare column of one drug (the column whose header is the drug's name and
    which holds metrics; the first-screen cards above hold no metric widgets)."""
    return (
        page.get_by_test_id("stColumn")
        .filter(has=page.get_by_text(drug_label(drug), exact=True))
        .filter(has=page.get_by_test_id("stMetricValue"))
    )


def pooled_values(page: Page) -> dict[str, list[str]]:
    """Drug → the metric values shown in its column, top to bottom."""
    return {
        drug: drug_column(page, drug).get_by_test_id("stMetricValue").all_inner_texts()
        for drug in TKI_DRUGS
    }


def test_compare_shows_four_drug_columns_with_numbers(watched_page: Page, app_url: str) -> None:
    page = watched_page
    open_page(page, f"{app_url}/compare")
    expect(page.get_by_role("heading", name=re.compile("what response"))).to_be_visible()
    for drug in TKI_DRUGS:
        column = drug_column(page, drug)
        expect(column).to_have_count(1)
        expect(column.get_by_test_id("stMetricValue").first).to_have_text(NUMBER)
    values = pooled_values(page)
    assert all(sum(bool(NUMBER.search(v)) for v in vals) >= 2 for vals in values.values()), values
    screenshot(page, "compare-four-columns")


def test_histology_bone_changes_the_numbers(watched_page: Page, app_url: str) -> None:
    page = watched_page
    open_page(page, f"{app_url}/compare")
    before = pooled_values(page)
    choose(page, "Histology", "Bone sarcoma (all)")
    expect(page.get_by_text(re.compile(r"^Bone sarcoma \(all\) · any line"))).to_be_visible()
    after = pooled_values(page)
    assert set(after) == set(TKI_DRUGS)
    assert after != before, "the pooled numbers did not change with histology = bone"
    screenshot(page, "compare-histology-bone")


def test_filter_change_is_written_to_the_url(watched_page: Page, app_url: str) -> None:
    page = watched_page
    open_page(page, f"{app_url}/safety")
    assert "histology=" not in page.url
    choose(page, "Histology", "Bone sarcoma (all)")
    expect(page).to_have_url(re.compile(r"/safety\?(.*&)?histology=bone(&|$)"))
    shared = page.url
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("combobox", name="Histology")).to_have_value("Bone sarcoma (all)")
    assert page.url == shared
    screenshot(page, "url-write-back")


def test_pooled_number_opens_its_studies_in_evidence(watched_page: Page, app_url: str) -> None:
    page = watched_page
    open_page(page, f"{app_url}/compare?histology=bone")
    link = drug_column(page, "apatinib").get_by_role(
        "link", name=re.compile(r"^The (\d+ studies|study) behind Apatinib")
    )
    first = link.first
    label = first.inner_text()
    k = 1 if label.startswith("The study") else int(re.search(r"\d+", label).group())
    first.click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/evidence\?"))
    expect(page.get_by_role("heading", name="Evidence", exact=True)).to_be_visible()
    studies = parse_qs(urlparse(page.url).query)["studies"][0].split(",")
    assert len(studies) == k
    expect(
        page.get_by_text(f"Showing the {k} studies behind the number you opened.")
    ).to_be_visible()
    assert "histology=bone" in page.url, "the sidebar filters were lost on the way to Evidence"
    expect(page.get_by_role("combobox", name="Histology")).to_have_value("Bone sarcoma (all)")
    screenshot(page, "pooled-number-studies")
