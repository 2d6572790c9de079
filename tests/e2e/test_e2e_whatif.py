"""Browser journey: user-supplied studies change this session's pools and no other session's."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from app_page import open_page, screenshot, wait_idle
from playwright.sync_api import Page, expect

import tkidata
from tkidata.store import user_studies
from tkidata.wording import format_value

pytestmark = pytest.mark.e2e

DRUG = "apatinib"
UPLOAD_NAME = "e2e_whatif.csv"
UPLOAD = (
    "study_label,drug,histology,line,design,n,responders,disease_control\r\n"
    f"E2E what-if trial,{DRUG},lms,second,single_arm,60,45,55\r\n"
).encode()


def expected_orr() -> str:
    """Apatinib's pooled ORR with the uploaded study, as the engine computes it (all filters)."""
    ev = tkidata.load()
    parsed = user_studies.read_upload(UPLOAD, UPLOAD_NAME, ev.vocab)
    assert not parsed.problems and len(parsed.studies) == 1
    f, m = tkidata.Filters(), tkidata.Method.preset("reference")
    table = tkidata.compare(user_studies.with_user_studies(ev, parsed.studies), f, m)
    hit = table[(table["drug"] == DRUG) & (table["outcome"] == "orr")]
    return format_value(float(hit["est"].iloc[0]))


def orr_shown(page: Page) -> str:
    """The ORR value in the apatinib column of Compare (its first pooled number)."""
    column = page.get_by_test_id("stColumn").filter(has=page.get_by_text("Apatinib", exact=True))
    return column.get_by_test_id("stMetricValue").first.inner_text()


def go_to(page: Page, title: str) -> None:
    """Navigate within the session (a reload would start a new Streamlit session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_idle(page)


def test_user_studies_stay_in_their_own_session(
    watched_page: Page, new_watched_page: Callable[[], Page], app_url: str
) -> None:
    first = watched_page
    open_page(first, f"{app_url}/compare")
    baseline = orr_shown(first)
    with_upload = expected_orr()
    assert with_upload != baseline, "the test study must move apatinib's pooled ORR"

    go_to(first, "Evidence")
    expect(first.get_by_text("No user studies in this session.")).to_be_visible()
    first.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": UPLOAD_NAME, "mimeType": "text/csv", "buffer": UPLOAD}]
    )
    wait_idle(first)
    expect(first.get_by_text(f"{UPLOAD_NAME}: 1 of 1 rows added, 0 problems.")).to_be_visible()
    banner = re.compile(r"^1 user-supplied study included")
    expect(first.get_by_text(banner)).to_be_visible()
    go_to(first, "Compare")
    expect(first.get_by_text(banner)).to_be_visible()
    assert orr_shown(first) == with_upload
    screenshot(first, "whatif-first-session")

    second = new_watched_page()
    open_page(second, f"{app_url}/compare")
    expect(second.get_by_text(banner)).to_have_count(0)
    assert orr_shown(second) == baseline
    go_to(second, "Evidence")
    expect(second.get_by_text("No user studies in this session.")).to_be_visible()
    screenshot(second, "whatif-second-session")
