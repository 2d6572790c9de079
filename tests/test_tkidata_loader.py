"""Loader and validator: every rule rejects a crafted bad file with a file:row: column message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import tkidata
from tkidata.store.errors import DataValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load(FIXTURES / "valid")


def test_valid_fixture_loads_with_counts_and_version(ev: tkidata.Evidence) -> None:
    assert ev.batches == ("alpha", "beta")
    assert ev.version.counts == {
        "studies": 11,
        "outcomes": 19,
        "adverse_events": 5,
        "published": 3,
        "searches": 0,
        "records": 0,
        "included_studies": 0,
        "comparisons": 2,
        "risk_of_bias": 0,
        "guidelines": 0,
        "batches": 2,
    }
    assert len(ev.version.sha256) == 64
    assert len(ev.version.date) == 10 and ev.version.date[4] == "-"
    assert list(ev.studies.columns)[:3] == ["study_id", "drug", "trial"]


def test_empty_cell_is_missing_never_zero(ev: tkidata.Evidence) -> None:
    row = ev.adverse_events[ev.adverse_events["study_id"] == "asingle"].iloc[0]
    assert pd.isna(row["events"])
    assert row["pct"] == pytest.approx(0.05)
    stated_zero = ev.adverse_events[ev.adverse_events["term"] == "Diarrhea"].iloc[0]
    assert stated_zero["events"] == 0
    assert pd.isna(ev.studies.set_index("study_id").at["anoline", "doi"])
    assert str(ev.outcomes["events"].dtype) == "Int64"


def test_disagreeing_stated_orr_is_a_warning_not_an_error(ev: tkidata.Evidence) -> None:
    texts = [str(w) for w in ev.warnings]
    assert texts == [
        "tests/fixtures/tkidata/valid/alpha/outcomes.csv:10: estimate: stated proportion 0.12 "
        "disagrees with events/n = 6/60 = 0.1000 by more than rounding"
    ]


def test_every_rule_reports_file_row_column_and_all_problems_are_collected() -> None:
    expected = (FIXTURES / "bad_rows_expected.txt").read_text().splitlines()
    with pytest.raises(DataValidationError) as info:
        tkidata.load(FIXTURES / "bad_rows")
    got = str(info.value).splitlines()
    assert got[0] == f"{len(expected)} data validation problems"
    assert got[1:] == expected
    messages = "\n".join(expected)
    for fragment in (
        "studies.csv:3: drug: 'aspirin' not in vocab/drugs.csv",
        "studies.csv:4: year: '20x0' is not an integer",
        "studies.csv:10: overlaps_with: 's_ok' does not list 's_oneway' back",
        "studies.csv:11: preferred: overlaps with 's_p2' and both are preferred=true",
        "two/studies.csv:2: study_id: 's_ok' is not unique",
        "outcomes.csv:2: events: events (12) exceed n (10)",
        "outcomes.csv:3: n: must be > 0 (got 0)",
        "outcomes.csv:4: estimate: proportions are fractions in [0, 1]",
        "outcomes.csv:5: ci_low: ci_low (6.0) exceeds estimate (5.0)",
        "outcomes.csv:6: study_id: unknown study_id 's_ghost'",
        "outcomes.csv:7: timepoint_months: required for os_rate",
        "outcomes.csv:8: timepoint_months: must be empty for orr",
        "outcomes.csv:9: outcome: 'hr_pfs' is not allowed",
        "outcomes.csv:10: outcome: 'hr_os' is not allowed",
        "outcomes.csv:12: study_id: duplicate fact",
        "adverse_events.csv:2: term: 'Headache pain' not in vocab/ae_terms.csv",
        "adverse_events.csv:3: events: give events or pct",
        "three/adverse_events.csv:1: location: missing column",
        "three/adverse_events.csv:1: comment: unknown column",
    ):
        assert fragment in messages
    assert "outcomes.csv:15" not in messages  # the disagreeing stated ORR only warns


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad_quoting", "bad_quoting/b/studies.csv:2: (file): malformed CSV"),
        ("bad_encoding", "bad_encoding/b/studies.csv:2: (file): not valid UTF-8 (byte 30, line 2)"),
    ],
)
def test_malformed_csv_stops_with_the_file_named(case: str, expected: str) -> None:
    with pytest.raises(DataValidationError) as info:
        tkidata.load(FIXTURES / case)
    assert expected in str(info.value)
    assert len(info.value.problems) == 1


def _copy_valid(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", target)
    return target


def test_wrong_field_count_and_unknown_file_are_reported(tmp_path: Path) -> None:
    data = _copy_valid(tmp_path)
    with (data / "beta" / "studies.csv").open("a") as fh:
        fh.write("too,few,fields\n")
    (data / "beta" / "notes.csv").write_text("a,b\n")
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    text = str(info.value)
    assert "beta/studies.csv:5: (row): expected 33 fields, found 3" in text
    assert "beta/notes.csv:1: (file): unknown table file" in text


def test_bad_vocabulary_is_rejected(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab"
    shutil.copytree(Path(tkidata.__file__).parent / "vocab", vocab)
    with (vocab / "ae_synonyms.csv").open("a") as fh:
        fh.write("hfs,Hypertension\n")
    with pytest.raises(DataValidationError) as info:
        tkidata.load(FIXTURES / "valid", vocab_dir=vocab)
    assert "ae_synonyms.csv" in str(info.value)
    assert "'hfs' is defined twice with different values" in str(info.value)


def test_identical_vocab_rows_appended_twice_are_tolerated(tmp_path: Path) -> None:
    vocab = tmp_path / "vocab"
    shutil.copytree(Path(tkidata.__file__).parent / "vocab", vocab)
    with (vocab / "ae_terms.csv").open("a") as fh:
        fh.write("Hypertension,Vascular disorders\n")
    ev = tkidata.load(FIXTURES / "valid", vocab_dir=vocab)
    assert (ev.vocab.ae_terms["term"] == "Hypertension").sum() == 1


def test_version_hash_changes_with_the_data(tmp_path: Path, ev: tkidata.Evidence) -> None:
    data = _copy_valid(tmp_path)
    first = tkidata.load(data).version.sha256
    with (data / "beta" / "outcomes.csv").open("a") as fh:
        fh.write("psingle,all,dcr,,bor,,,20,50,,,,,,false,Table 2,,,\n")
    second = tkidata.load(data)
    assert second.version.sha256 != first
    assert second.version.counts["outcomes"] == ev.version.counts["outcomes"] + 1


def test_overlapping_reports_in_one_study_set_are_rejected(tmp_path: Path) -> None:
    data = _copy_valid(tmp_path)
    path = next(data.glob("*/studies.csv"))
    for candidate in data.glob("*/studies.csv"):
        if "amixed," in candidate.read_text():
            path = candidate
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["study_id"] == "amixed", "included_in"] = "li2025"
    frame.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    assert "overlaps with 'amixed_dup' and both are in study set li2025" in str(info.value)


def test_a_median_and_rates_of_one_analysis_with_different_n_is_a_warning(tmp_path: Path) -> None:
    # epaz_pazo carried the ITT n = 81 on its per-protocol median PFS (rates: n = 74).
    data = _copy_valid(tmp_path)
    with (data / "beta" / "outcomes.csv").open("a") as fh:
        fh.write("psingle,all,pfs_median,,,,,,50,,4.4,3.0,6.0,,false,Table 2,,,\n")
        fh.write("psingle,all,pfs_rate,6,km,,,,45,,0.3,,,,false,Table 2,,,\n")
    texts = [str(w) for w in tkidata.load(data).warnings]
    assert any(
        "n: pfs_median n = 50 but this arm's pfs_rate rows have n = 45" in t for t in texts
    ), texts


def _frames(ev: tkidata.Evidence) -> dict[str, pd.DataFrame]:
    return {
        "studies": ev.studies,
        "outcomes": ev.outcomes,
        "adverse_events": ev.adverse_events,
        "published": ev.published,
    }


def test_validated_evidence_is_kept_and_served_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tkidata.store.loader, "CACHE_DIR", tmp_path / "cache")
    data = _copy_valid(tmp_path)
    validated = tkidata.load(data)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    monkeypatch.setattr(tkidata.store.loader, "_validated", _never_validate)
    kept = tkidata.load(data)
    for name, frame in _frames(validated).items():
        pd.testing.assert_frame_equal(_frames(kept)[name], frame, check_exact=True)
    assert kept.version.sha256 == validated.version.sha256
    assert kept.warnings == validated.warnings and kept.read == validated.read


def _never_validate(data: Path, vocab: Path) -> tkidata.Evidence:
    raise AssertionError("the kept evidence should have been served")


def test_an_edit_is_validated_afresh_and_bad_data_is_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tkidata.store.loader, "CACHE_DIR", tmp_path / "cache")
    data = _copy_valid(tmp_path)
    tkidata.load(data)
    with (data / "beta" / "outcomes.csv").open("a") as fh:
        fh.write("psingle,all,dcr,,bor,,,20,10,,,,,,,false,Table 2,,,\n")
    for _ in range(2):  # events > n: refused each time, from the files
        with pytest.raises(DataValidationError, match=r"outcomes\.csv"):
            tkidata.load(data)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1


def test_the_histology_file_read_alone_is_the_checked_vocabulary() -> None:
    """Menus and labels made at import time read histology.csv alone (a millisecond); they
    hold the same codes, labels and groups, in the same order, as the checked vocabulary."""
    from tkidata.store.vocab import histology_rows, load_vocab

    checked = load_vocab().histology[["code", "label", "group"]].to_dict("records")
    assert [{k: r[k] for k in ("code", "label", "group")} for r in histology_rows()] == checked
