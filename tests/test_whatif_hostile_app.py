"""AppTest: hostile and everyday uploads on the Evidence page never show a traceback; valid
rows are added and each rejected row is listed with its reason."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HEADER = "study_label;drug;histology;line;design;n;responders;disease_control;pfs_median"
EURO = (
    "\ufeff"
    + HEADER
    + "\r\nEuro 2024;anlotinib;lms;second;single_arm;40;6;28;5,6\r\n"
    + "Huge;anlotinib;lms;second;single_arm;1e308;1;2;\r\n"
    + "Forever;apatinib;bone;first;rct_arm;30;3;20;1e308\r\n"
).encode("utf-8")


def evidence_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/evidence.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mime: str) -> AppTest:
    key = next(u.key for u in at.file_uploader if u.key and u.key.startswith("whatif_upload_"))
    at.file_uploader(key=key).set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def problems(at: AppTest) -> list[dict[str, str]]:
    frames = [d.value for d in at.dataframe if "Why" in d.value.columns]
    return frames[0].to_dict("records") if frames else []


def test_a_european_csv_with_implausible_numbers_adds_the_good_row() -> None:
    at = upload(evidence_page(), "euro.csv", EURO, "text/csv")
    assert any("euro.csv: 1 of 3 rows added, 2 problems." in t.value for t in at.text)
    rows = problems(at)
    assert [r["Where"] for r in rows] == ["row 3", "row 4"]
    assert "n: 1e308 is more than 100,000 patients" in rows[0]["Why"]
    assert "pfs_median: 1e308 months is more than 240 months" in rows[1]["Why"]
    assert not any("Traceback" in str(e.value) for e in at.error)


def test_an_xlsx_upload_adds_its_rows() -> None:
    book = Workbook()
    for row in (
        HEADER.split(";"),
        ["Sheet trial", "regorafenib", "sts", "second", "rct_arm", 50, 5, 30, 4.2],
    ):
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at = upload(evidence_page(), "extraction.xlsx", buf.getvalue(), mime)
    assert any("extraction.xlsx: 1 of 1 rows added, 0 problems." in t.value for t in at.text)
    assert any("1 user-supplied study" in w.value for w in at.warning)


def test_a_header_only_or_broken_upload_says_why() -> None:
    at = upload(evidence_page(), "empty.csv", HEADER.encode() + b"\n", "text/csv")
    assert problems(at) == [
        {
            "Where": "file",
            "Study label": "",
            "Why": "no rows: the file has a header row but no study rows under it",
        }
    ]
    at = upload(at, "book.xlsx", b"PK\x03\x04broken", "application/octet-stream")
    assert "not a readable .xlsx workbook" in problems(at)[0]["Why"]
