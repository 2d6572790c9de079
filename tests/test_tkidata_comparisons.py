"""Loader rules of the randomised comparisons (``comparisons.csv``).

Each rule is exercised on a copy of the valid fixture with one row made wrong, and must be
reported as ``file:line: column: problem`` (never a traceback).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

import tkidata
from report import charts
from tkidata import DataValidationError, Filters, wording

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", target)
    return target


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _add_study(data: Path, base: str, **cells: str) -> None:
    path = data / "alpha" / "studies.csv"
    rows = _rows(path)
    row = dict(next(r for r in rows if r["study_id"] == base))
    row.update(cells)
    _write(path, [*rows, row])


def _comparison(**cells: str) -> dict[str, str]:
    row = _rows(FIXTURES / "valid" / "beta" / "comparisons.csv")[0]
    row = {
        **row,
        "trial": "TRIAL1",
        "study_id": "arct_anl",
        "control_study_id": "arct_pbo",
        "experimental": "anlotinib",
        "source": "https://example.org/arct",
    }
    row.update(cells)
    return row


def _add_comparisons(data: Path, *rows: dict[str, str]) -> int:
    """Append rows to alpha/comparisons.csv; return the line of the first one added."""
    path = data / "alpha" / "comparisons.csv"
    existing = _rows(path)
    _write(path, [*existing, *rows])
    return len(existing) + 2


def _problems(data: Path) -> list[str]:
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    return str(info.value).splitlines()[1:]


def test_the_fixture_comparisons_load(data: Path) -> None:
    ev = tkidata.load(data)
    assert list(ev.comparisons["study_id"]) == ["arct_anl", "rrct_reg"]
    assert ev.comparisons["preferred"].all()


def test_an_unknown_control_arm_is_rejected(data: Path) -> None:
    line = _add_comparisons(data, _comparison(control_study_id="ghost_pbo", population="sts"))
    assert _problems(data) == [
        f"{data}/alpha/comparisons.csv:{line}: control_study_id: unknown study_id 'ghost_pbo'"
    ]


def test_a_control_arm_of_another_trial_is_rejected(data: Path) -> None:
    line = _add_comparisons(data, _comparison(control_study_id="rrct_pbo", population="sts"))
    assert _problems(data) == [
        f"{data}/alpha/comparisons.csv:{line}: control_study_id: 'rrct_pbo' is an arm of trial "
        "'TRIAL2', not 'TRIAL1'"
    ]


def test_a_non_placebo_control_anchored_at_placebo_is_rejected(data: Path) -> None:
    _add_study(data, "arct_pbo", study_id="arct_dtic", drug="dacarbazine", arm="dacarbazine")
    row = _comparison(control_study_id="arct_dtic", control="dacarbazine", population="sts")
    line = _add_comparisons(data, row)
    assert _problems(data) == [
        f"{data}/alpha/comparisons.csv:{line}: anchor: control arm 'arct_dtic' is dacarbazine, "
        "not placebo alone: anchor 'placebo' would label it 'vs placebo'"
    ]


def test_a_placebo_plus_chemotherapy_control_is_neither_placebo_nor_anchored_there(
    data: Path,
) -> None:
    _add_study(
        data,
        "arct_pbo",
        study_id="arct_pbo_epi",
        regimen="combination",
        partner_treatment="epirubicin",
    )
    row = _comparison(control_study_id="arct_pbo_epi", population="sts")
    line = _add_comparisons(data, row)
    where = f"{data}/alpha/comparisons.csv:{line}"
    assert _problems(data) == [
        f"{where}: anchor: control arm 'arct_pbo_epi' is placebo + epirubicin, not placebo "
        "alone: anchor 'placebo' would label it 'vs placebo'",
        f"{where}: control: control arm 'arct_pbo_epi' is not placebo alone (placebo): name "
        "its treatment",
    ]
    fixed = _comparison(
        control_study_id="arct_pbo_epi",
        control="placebo + epirubicin",
        anchor="placebo+epirubicin",
        population="sts",
    )
    path = data / "alpha" / "comparisons.csv"
    _write(path, [*_rows(path)[:-1], fixed])
    assert len(tkidata.load(data).comparisons) == 3


def test_a_line_subgroup_without_its_label_is_rejected(data: Path) -> None:
    row = _comparison(population="sts", location="Table 3 (1st line, HR column)")
    line = _add_comparisons(data, row)
    assert _problems(data) == [
        f"{data}/alpha/comparisons.csv:{line}: subgroup_line: location names a line subgroup "
        "('1st line') but subgroup_line is empty: label the subgroup's line"
    ]


def test_two_unlabelled_line_subgroups_of_one_report_are_a_duplicate(data: Path) -> None:
    first = _add_comparisons(
        data,
        _comparison(population="sts", hr="0.2", ci_low="", ci_high="", location="Table 3"),
        _comparison(population="sts", hr="0.3", ci_low="", ci_high="", location="Table 3"),
    )
    problems = _problems(data)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{data}/alpha/comparisons.csv:{first + 1}: trial: duplicate fact: same trial, study_id, "
        "population, subgroup_line"
    )


def test_a_subgroup_line_equal_to_the_arm_range_or_outside_it_is_rejected(data: Path) -> None:
    line = _add_comparisons(
        data,
        _comparison(population="sts", subgroup_line="second"),
        _comparison(population="sts", subgroup_line="first"),
    )
    where = f"{data}/alpha/comparisons.csv"
    assert _problems(data) == [
        f"{where}:{line}: subgroup_line: 'second' is the arm's whole line range, not a "
        "subgroup: leave it empty",
        f"{where}:{line + 1}: subgroup_line: 'first' lies outside the line range the arm "
        "enrolled (second)",
    ]


def test_two_preferred_reports_of_one_trial_are_rejected(data: Path) -> None:
    _add_study(data, "arct_anl", study_id="arct_update_anl", preferred="false")
    _add_study(data, "arct_pbo", study_id="arct_update_pbo", preferred="false")
    row = _comparison(study_id="arct_update_anl", control_study_id="arct_update_pbo", hr="0.45")
    line = _add_comparisons(data, row)
    problems = _problems(data)
    assert problems == [
        f"{data}/alpha/comparisons.csv:{line}: preferred: two reports of TRIAL1 are preferred "
        "for the same population, line, outcome and comparison (also line 2 of "
        f"{data}/alpha/comparisons.csv): prefer one"
    ]
    path = data / "alpha" / "comparisons.csv"
    _write(path, [*_rows(path)[:-1], {**row, "preferred": "false"}])
    assert len(tkidata.load(data).comparisons) == 3


def test_the_hr_must_lie_inside_its_ci(data: Path) -> None:
    line = _add_comparisons(
        data,
        _comparison(population="sts", hr="0.9", ci_low="0.3", ci_high="0.8"),
        _comparison(population="lms", hr="0.2", ci_low="0.3", ci_high="0.8"),
        _comparison(population="ups", hr="0.5", ci_low="0.3", ci_high=""),
    )
    where = f"{data}/alpha/comparisons.csv"
    assert _problems(data) == [
        f"{where}:{line}: ci_high: hr (0.9) exceeds ci_high (0.8)",
        f"{where}:{line + 1}: ci_low: ci_low (0.3) exceeds hr (0.2)",
        f"{where}:{line + 2}: ci_high: give both CI limits or neither",
    ]


def test_a_derived_ci_says_how(data: Path) -> None:
    line = _add_comparisons(data, _comparison(population="sts", ci_derived="true", note=""))
    assert _problems(data) == [
        f"{data}/alpha/comparisons.csv:{line}: note: ci_derived=true: give the formula and the "
        "stated values it used in note"
    ]


def test_the_experimental_node_starts_with_the_arm_drug_and_maintenance_is_its_own_setting(
    data: Path,
) -> None:
    line = _add_comparisons(
        data,
        _comparison(population="sts", experimental="pazopanib"),
        _comparison(population="lms", setting="maintenance"),
    )
    where = f"{data}/alpha/comparisons.csv"
    assert _problems(data) == [
        f"{where}:{line}: experimental: 'pazopanib' must start with the arm's drug 'anlotinib'",
        f"{where}:{line + 1}: setting: 'maintenance' but the arm's regimen is monotherapy",
    ]


def test_a_hazard_ratio_in_outcomes_csv_is_refused(data: Path) -> None:
    path = data / "alpha" / "outcomes.csv"
    rows = _rows(path)
    _write(path, [*rows, {**rows[0], "outcome": "hr_pfs", "events": "", "n": "", "assessment": ""}])
    problems = _problems(data)
    assert any(
        p.startswith(f"{data}/alpha/outcomes.csv:{len(rows) + 2}: outcome: 'hr_pfs' is not allowed")
        for p in problems
    ), problems


def test_the_shipped_comparisons_keep_one_preferred_report_per_comparison() -> None:
    ev = tkidata.load()
    comp = ev.comparisons[ev.comparisons["preferred"]]
    key = ["trial", "population", "subgroup_line", "outcome", "experimental", "anchor"]
    assert not comp.duplicated(key).any()
    assert not ev.outcomes["outcome"].isin(["hr_pfs", "hr_os"]).any()
    placebo = set(ev.studies.loc[ev.studies["drug"] == "placebo", "study_id"])
    not_placebo = ~ev.comparisons["control_study_id"].isin(placebo)
    assert (ev.comparisons.loc[not_placebo, "anchor"] != "placebo").all()


@pytest.mark.parametrize(
    ("experimental", "anchor", "setting", "expected"),
    [
        ("anlotinib", "placebo", "treatment", "vs placebo"),
        ("anlotinib", "dacarbazine", "treatment", "vs dacarbazine"),
        ("pazopanib", "doxorubicin", "treatment", "vs doxorubicin"),
        ("pazopanib+gemcitabine", "pazopanib", "treatment", "adding gemcitabine to pazopanib"),
        (
            "anlotinib+epirubicin",
            "placebo+epirubicin",
            "treatment",
            "adding anlotinib to epirubicin",
        ),
        ("regorafenib", "placebo", "maintenance", "maintenance vs placebo"),
    ],
)
def test_a_comparison_is_labelled_for_what_it_estimates(
    experimental: str, anchor: str, setting: str, expected: str
) -> None:
    assert wording.comparison_label(experimental, anchor, setting) == expected


def test_stated_p_values_and_line_subgroups_read_in_words() -> None:
    assert wording.format_stated_p("<0.0001") == "p < 0.0001"
    assert wording.format_stated_p("0.017") == "p = 0.017"
    assert wording.format_stated_p("=0.25") == "p = 0.25"
    assert wording.format_stated_p(float("nan")) == ""
    assert wording.subgroup_line_label("second_later") == "second line or later subgroup"
    assert wording.subgroup_line_label(None) == ""


def test_the_hazard_ratio_panel_labels_line_subgroups_and_never_calls_a_chemo_control_placebo() -> (
    None
):
    ev = tkidata.load()
    first = tkidata.hazard_ratios(ev, Filters(histology="asps", line="first"))
    assert set(first["subgroup_line"].dropna()) == {"first"}  # the later-line HR is not shown
    later = tkidata.hazard_ratios(ev, Filters(histology="asps", line="second"))
    assert set(later["subgroup_line"].dropna()) == {"second_later"}
    table = tkidata.hazard_ratios(ev, Filters(regimen="any"))
    addon = table[table["trial"] == "PAPAGEMO"]
    assert set(addon["comparison_label"]) == {"adding gemcitabine to pazopanib"}
    assert (table.loc[table["anchor"] != "placebo", "comparison_label"] != "vs placebo").all()
    shown = charts.hazard_ratio_table(first)
    derived = shown[shown["subgroup_line"] == "first"]
    assert derived["text"].iloc[0].endswith("CI derived from the stated p value")
    kawai = tkidata.hazard_ratios(ev, Filters())["study_id"]
    assert "kawai2016_pazo" not in set(kawai)  # a subgroup of PALETTE, never a second trial
