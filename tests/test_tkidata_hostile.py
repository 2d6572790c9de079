"""Hostile data folders: every one is read completely or refused with a clear message.

Each test copies the valid fixture under ``tmp_path``, breaks it in one way a curator's machine
(or an attacker) could, and checks the loader's answer: a ``DataValidationError`` naming the
file, row and root problem (never a traceback, never silently less data), capped when the same
problem repeats.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tkidata
from tkidata.cli import main
from tkidata.store import schema
from tkidata.store.errors import MAX_LINES, MAX_REPEATS, DataValidationError
from tkidata.store.validate import BOUNDS, ESTIMATE_BOUNDS, schema_sides

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"
SCHEMA_MD = Path(tkidata.__file__).parent / "SCHEMA.md"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", target)
    return target


def _problems(folder: Path) -> str:
    with pytest.raises(DataValidationError) as info:
        tkidata.load(folder)
    return str(info.value)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _edit(path: Path, line: int, **cells: str) -> None:
    """Set cells of the record on ``line`` (header = line 1) of a fixture file."""
    rows = _rows(path)
    rows[line - 2].update(cells)
    _write(path, rows)


# --- tracebacks ---------------------------------------------------------------------------


def test_a_count_too_large_for_an_integer_is_a_problem_not_a_crash(data: Path) -> None:
    _edit(data / "beta" / "outcomes.csv", 2, n="99999999999999999999999")
    text = _problems(data)
    assert "beta/outcomes.csv:2: n: '99999999999999999999999' is far too large" in text


def test_a_count_above_its_plausible_maximum_names_the_bound(data: Path) -> None:
    _edit(data / "beta" / "outcomes.csv", 2, n="1000000")
    text = _problems(data)
    assert "beta/outcomes.csv:2: n: 1,000,000 is above the plausible maximum 100,000" in text
    assert "patients in one study arm" in text


def test_a_dangling_symlink_is_refused(data: Path) -> None:
    (data / "beta" / "studies.csv").unlink()
    os.symlink(data / "nowhere.csv", data / "beta" / "studies.csv")
    text = _problems(data)
    assert "beta/studies.csv:1: (file): is a link to a missing file" in text


def test_a_table_that_is_a_folder_is_refused(data: Path) -> None:
    (data / "beta" / "published.csv").mkdir()
    text = _problems(data)
    assert "beta/published.csv:1: (file): is a folder, not a file" in text


# --- silent data loss ----------------------------------------------------------------------


def test_an_upper_case_extension_is_refused_not_skipped(data: Path) -> None:
    (data / "alpha" / "adverse_events.csv").rename(data / "alpha" / "adverse_events.CSV")
    text = _problems(data)
    assert "alpha/adverse_events.CSV:1: (file): the extension must be lower-case .csv" in text
    assert "rename it to adverse_events.csv" in text


def test_a_batch_dragged_into_another_batch_is_refused(data: Path) -> None:
    shutil.move(data / "beta", data / "alpha" / "beta")
    text = _problems(data)
    assert "alpha/beta:1: (file): a folder inside batch 'alpha': batches are not nested" in text


def test_a_stray_file_in_the_data_folder_or_a_batch_is_refused(data: Path) -> None:
    (data / "studies.csv").write_text("study_id\n", encoding="utf-8")
    (data / "beta" / "outcomes.xlsx").write_bytes(b"PK\x03\x04")
    text = _problems(data)
    assert "data/studies.csv:1: (file): a file outside any batch folder" in text
    assert "beta/outcomes.xlsx:1: (file): unknown file" in text


def test_check_says_what_it_read_and_what_it_skipped(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "_drafts").mkdir()
    (data / "alpha" / "CURATION.md").write_text("notes\n", encoding="utf-8")
    assert main(["--data-dir", str(data), "check"]) == 0
    out = capsys.readouterr().out
    ev = tkidata.load(data)
    tables = ("studies", "outcomes", "adverse_events", "published", "comparisons")
    rows = sum(len(getattr(ev, t)) for t in tables)
    assert f"Read 8 files ({rows:,} data rows):" in out
    assert re.search(r"valid/alpha/studies\.csv \(\d+ rows\)|alpha/studies\.csv \(\d+ rows\)", out)
    assert "_drafts/ (folder name starts with _: not a batch)" in out


# --- accepted bad data -----------------------------------------------------------------------


def test_a_median_of_1e308_months_is_implausible(data: Path) -> None:
    rows = _rows(data / "alpha" / "outcomes.csv")
    line = next(i for i, r in enumerate(rows, start=2) if r["outcome"] == "pfs_median")
    _edit(data / "alpha" / "outcomes.csv", line, estimate="1e308", ci_high="")
    text = _problems(data)
    assert f"alpha/outcomes.csv:{line}: estimate: 1e+308 is above the plausible maximum 240" in text
    assert "months" in text


def test_a_hazard_ratio_of_zero_is_implausible(data: Path) -> None:
    rows = _rows(data / "beta" / "comparisons.csv")
    line = next(i for i, r in enumerate(rows, start=2) if r["outcome"] == "hr_pfs")
    _edit(data / "beta" / "comparisons.csv", line, hr="0", ci_low="0")
    text = _problems(data)
    assert f"comparisons.csv:{line}: hr: 0 is below the plausible minimum 0.01" in text
    assert "required value is empty" not in text


def test_a_nul_byte_in_a_note_is_refused(data: Path) -> None:
    _edit(data / "beta" / "studies.csv", 2, note="fine\x00hidden")
    text = _problems(data)
    assert "beta/studies.csv:2: note: contains a control character (U+0000 NUL)" in text
    assert "\x00" not in text


def test_every_numeric_column_has_a_documented_bound_matching_the_schema() -> None:
    documented = SCHEMA_MD.read_text(encoding="utf-8")
    for table, model in schema.MODELS.items():
        for column, col in model.to_schema().columns.items():
            if str(col.dtype) not in ("Int64", "Float64"):
                continue
            if column in ("estimate", "ci_low", "ci_high", "hr"):
                continue  # bounded by the kind of outcome: ESTIMATE_BOUNDS
            bound = BOUNDS[(table, column)]
            assert re.search(rf"\| {table} \| {column} \|", documented), (table, column)
            stats = {k: v for check in col.checks for k, v in check.statistics.items()}
            low, high = schema_sides(table, column)
            if "min_value" in stats:
                assert bound.low >= stats["min_value"], (table, column)
            if "max_value" in stats:
                assert bound.high == stats["max_value"], (table, column)
            assert low or high or bound.high < float("inf")
    for kind, bound in ESTIMATE_BOUNDS.items():
        assert re.search(rf"\| {kind} \|.*{bound.high:g}", documented), kind


# --- links and paths -------------------------------------------------------------------------


def test_a_link_leaving_the_data_folder_is_refused_without_echoing_its_target(
    data: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    (data / "beta" / "studies.csv").unlink()
    os.symlink(secret, data / "beta" / "studies.csv")
    text = _problems(data)
    assert "beta/studies.csv:1: (file): is a link to a location outside the data folder" in text
    assert "SECRET-LINE" not in text and str(secret) not in text


def test_a_link_inside_the_data_folder_is_followed(data: Path) -> None:
    shared = data / "_shared"
    shared.mkdir()
    shutil.move(data / "beta" / "outcomes.csv", shared / "outcomes.csv")
    os.symlink(shared / "outcomes.csv", data / "beta" / "outcomes.csv")
    assert len(tkidata.load(data).outcomes) == len(tkidata.load(FIXTURES / "valid").outcomes)


# --- messages that mislead or flood ------------------------------------------------------------


def test_a_missing_studies_column_is_reported_alone_not_as_unknown_ids(data: Path) -> None:
    rows = _rows(data / "alpha" / "studies.csv")
    _write(
        data / "alpha" / "studies.csv", [{k: v for k, v in r.items() if k != "drug"} for r in rows]
    )
    text = _problems(data)
    assert text.splitlines()[1].endswith("alpha/studies.csv:1: drug: missing column")
    assert "unknown study_id" not in text


def test_a_semicolon_separated_file_says_so(data: Path) -> None:
    path = data / "beta" / "studies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    text = _problems(data)
    assert "beta/studies.csv:1: (file): the columns are separated by semicolons (';')" in text
    assert "expected 1 fields" not in text


def test_an_encoding_error_names_its_line(data: Path) -> None:
    path = data / "beta" / "studies.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Fixture", b"Fixt\xe9re", 1)
    path.write_bytes(b"\n".join(lines))
    text = _problems(data)
    assert re.search(r"beta/studies\.csv:3: \(file\): not valid UTF-8 \(byte \d+, line 3\)", text)


def test_a_huge_broken_file_gives_a_capped_message(data: Path) -> None:
    path = data / "beta" / "outcomes.csv"
    header, first = path.read_text(encoding="utf-8").splitlines()[:2]
    bad = first.replace(",all,", ",lung,", 1)
    path.write_text("\n".join([header, *[bad] * 30_000]) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    text = str(info.value)
    assert len(info.value.problems) >= 30_000  # every problem is kept for tools
    assert len(text) < 20_000
    assert text.count("'lung' is not a population") == MAX_REPEATS
    assert re.search(r"population: … and 29,99\d more rows like this", text)


def test_thousands_of_unknown_columns_give_one_line(data: Path) -> None:
    path = data / "beta" / "studies.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = [f"junk{i}" for i in range(5_000)]
    lines[0] += "," + ",".join(extra)
    lines[1:] = [line + "," * len(extra) for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = _problems(data)
    assert (
        "beta/studies.csv:1: (header): 5,000 unknown columns ('junk0', 'junk1', 'junk2', …)" in text
    )
    assert len(text.splitlines()) <= MAX_LINES + 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blob=st.binary(max_size=400))
def test_any_bytes_as_a_table_give_problems_never_a_crash(data: Path, blob: bytes) -> None:
    (data / "beta" / "studies.csv").write_bytes(blob)
    try:
        tkidata.load(data)
    except DataValidationError as err:
        assert err.problems
