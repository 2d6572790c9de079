"""AppTest: user studies added on the Evidence page move the pooled numbers on every page, are
announced by a banner, stay in their own session, show labels as text, and go with one click."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

import tkidata
from tkidata.store import user_studies as us
from tkidata.wording import format_value

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REFERENCE = tkidata.Method.preset("reference")
ALL = tkidata.Filters()
HOSTILE = "<b>x</b> **bold** [link](http://evil.example)"
UPLOAD = (
    "study_label,drug,histology,line,design,n,responders,disease_control,ae3_Hypertension\n"
    f'"{HOSTILE}",anlotinib,lms,second,single_arm,40,30,36,12\n'
    '"=HYPERLINK(""http://evil.example"")",anlotinib,bone,first,rct_arm,20,15,18,\n'
    "Typo drug,anlotnib,sts,second,single_arm,30,3,20,\n"
).encode()


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def orr_text(ev: tkidata.Evidence) -> str:
    result = tkidata.pool_outcome(ev, "anlotinib", "orr", ALL, REFERENCE)
    return format_value(result.estimate[0])


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def anlotinib_orr(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "ORR")


def banner(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "user-supplied" in w.value]


def rendered_text(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "success", "error", "title", "text")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def chart_labels(arrow: bytes) -> list[str]:
    frame = dataframe_util.convert_arrow_bytes_to_pandas_df(arrow)
    return list(frame["label"].astype(str)) if "label" in frame.columns else []


def upload(at: AppTest, data: bytes = UPLOAD, name: str = "mine.csv") -> AppTest:
    key = next(u.key for u in at.file_uploader if u.key and u.key.startswith("whatif_upload_"))
    at.file_uploader(key=key).set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_upload_moves_every_page_and_one_click_restores(ev) -> None:
    at = open_page(AppTest.from_file(APP, default_timeout=60), "evidence")
    assert banner(at) == []
    upload(at)
    assert banner(at) == [
        "2 user-supplied studies included — not curated. Every pooled number, chart and export "
        "on every page includes them, marked “(user)”."
    ]
    problems = next(d.value for d in at.dataframe if "Why" in d.value.columns)
    assert problems.to_dict("records") == [
        {
            "Where": "row 4",
            "Study label": "Typo drug",
            "Why": "unknown drug 'anlotnib'; did you mean 'anlotinib'?",
        }
    ]
    assert any("mine.csv: 2 of 3 rows added, 1 problem." in t.value for t in at.text)

    parsed = us.read_upload(UPLOAD, "mine.csv", ev.vocab)
    moved = orr_text(us.with_user_studies(ev, parsed.studies))
    open_page(at, "compare")
    assert anlotinib_orr(at) == moved != orr_text(ev)
    assert len(banner(at)) == 1
    assert "incl. 2 user-supplied (not curated)" in [c.value for c in at.caption]

    open_page(at, "forest")
    labels = {
        label
        for chart in at.get("vega_lite_chart")
        for data in chart.proto.datasets
        for label in chart_labels(data.data.data)
    }
    assert f"{HOSTILE} (user)" in labels, "the forest plot marks the user study"
    assert len(banner(at)) == 1

    open_page(at, "safety")
    assert len(banner(at)) == 1

    at.button(key="whatif_banner_remove").click().run()
    assert not at.exception, at.exception
    assert banner(at) == []
    open_page(at, "compare")
    assert anlotinib_orr(at) == orr_text(ev)


def test_labels_are_shown_as_text_never_markdown() -> None:
    at = open_page(AppTest.from_file(APP, default_timeout=60), "evidence")
    upload(at)
    studies = next(
        d.value for d in at.dataframe if {"study_label", "enters_pools"} <= set(d.value.columns)
    )
    assert list(studies["study_label"]) == [HOSTILE, '=HYPERLINK("http://evil.example")']
    shown = rendered_text(at)
    assert "<b>x</b>" not in shown and "evil.example" not in shown


def test_a_second_session_does_not_see_the_first_ones_studies(ev) -> None:
    first = open_page(AppTest.from_file(APP, default_timeout=60), "evidence")
    upload(first)
    open_page(first, "compare")
    second = open_page(AppTest.from_file(APP, default_timeout=60), "compare")
    assert banner(second) == []
    assert anlotinib_orr(second) == orr_text(ev)
    assert anlotinib_orr(first) != anlotinib_orr(second)


def test_typed_and_pasted_rows_are_validated_row_by_row() -> None:
    at = open_page(AppTest.from_file(APP, default_timeout=60), "evidence")
    typed = {
        "study_label": "Typed trial",
        "drug": "regorafenib",
        "histology": "sts",
        "line": "second",
        "design": "rct_arm",
        "n": "50",
        "responders": "5",
    }
    at.session_state["whatif_editor_0"] = {
        "edited_rows": {},
        "added_rows": [typed, {**typed, "study_label": "Too many", "responders": "60"}],
        "deleted_rows": [],
    }
    at.button(key="whatif_add_rows").click().run()
    assert not at.exception, at.exception
    assert len(banner(at)) == 1 and banner(at)[0].startswith("1 user-supplied study")
    problems = next(d.value for d in at.dataframe if "Why" in d.value.columns)
    assert problems.to_dict("records") == [
        {"Where": "row 2", "Study label": "Too many", "Why": "responders (60) is more than n (50)"}
    ]
    editor = next(d for d in at.data_editor if d.key and d.key.startswith("whatif_editor_"))
    assert list(editor.value["study_label"]) == ["Too many"], "rejected rows stay to be fixed"

    paste = next(t for t in at.text_area if t.key and t.key.startswith("whatif_paste_"))
    paste.input(
        "study_label;drug;histology;line;design;n;pfs_median;pfs_ci_low;pfs_ci_high\n"
        "Pasted;pazopanib;osteosarcoma;later;single_arm;20;4.1;2.9;NR\n"
    )
    at.button(key="whatif_paste_add").click().run()
    assert not at.exception, at.exception
    assert banner(at)[0].startswith("2 user-supplied studies")
    at.button(key="whatif_remove_all").click().run()
    assert banner(at) == []
    assert any("No user studies in this session." in c.value for c in at.caption)
