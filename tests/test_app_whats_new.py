"""AppTest of the What's new page, the release footer and a shared link's release."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tkidata.living import releases as rel

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    return at.run()


def test_whats_new_lists_epaz_added_and_the_pazopanib_numbers_it_moved() -> None:
    at = run_page("whats_new")
    assert not at.exception, at.exception
    newest = rel.latest()
    assert any(f"data release {newest['version']}" in m.value for m in at.markdown)
    expanders = {e.label.split(":")[0]: e for e in at.expander}
    assert "Release 2.0 of 2026-12-01" in expanders, list(expanders)
    frames = [df.value for df in expanders["Release 2.0 of 2026-12-01"].dataframe]
    added = next(f for f in frames if "Citation" in f.columns)
    assert "epaz_pazo" in set(added["Study"])
    assert "EPAZ" in added.loc[added["Study"] == "epaz_pazo", "Citation"].iloc[0]
    moved = next(f for f in frames if "After" in f.columns)
    pazopanib = moved[moved["Drug"] == "Pazopanib"]
    assert len(pazopanib) > 0
    assert all(
        "k = " in b + a for b, a in zip(pazopanib["Before"], pazopanib["After"], strict=True)
    )
    orr = pazopanib[(pazopanib["Outcome"] == "Objective response rate (ORR)")]
    assert set(orr["Population"]) >= {"All sarcoma"}, orr
    searched = next(f for f in frames if "Searched up to" in f.columns)
    assert set(searched["Drug"]) == {"Anlotinib", "Apatinib", "Pazopanib", "Regorafenib"}


def test_every_page_footer_names_the_release_and_links_record_it() -> None:
    at = run_page("compare")
    assert not at.exception, at.exception
    label = rel.release_label(rel.latest())
    assert any(label in c.value for c in at.caption), [c.value for c in at.caption][-3:]
    assert at.query_params["release"] == rel.latest()["version"]


def test_an_old_link_says_the_data_changed_and_links_to_what_changed() -> None:
    at = run_page("compare", {"release": "1.0"})
    assert not at.exception, at.exception
    notes = [i.value for i in at.info]
    assert any("made with data release 1.0" in n for n in notes)
    assert at.query_params["release"] == rel.latest()["version"]
    since = run_page("whats_new", {"since": "1.0"})
    assert not since.exception, since.exception
    assert any(s.value == "Changed since release 1.0" for s in since.subheader)
