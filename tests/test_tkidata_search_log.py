"""The search log (searches.csv, records.csv), included-study lists and the PRISMA counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tkidata
from report.charts import prisma_chart, prisma_table
from report.charts.prisma_flow import REASON_WORDS
from tkidata.analyses.coverage import direct_arm_matrix, search_counts
from tkidata.store.codes import EXCLUSION_REASONS
from tkidata.store.errors import DataValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"
SEARCHES = "search_id,drug,corpus,query,date,results,note\n"
RECORDS = "record_id,drug,search_ids,title,url,decision,reason,study_ids,duplicate_of,depth,note\n"


def _with_log(tmp_path: Path, searches: str, records: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    (data / "alpha" / "searches.csv").write_text(SEARCHES + searches)
    (data / "alpha" / "records.csv").write_text(RECORDS + records)
    return data


def test_a_valid_log_loads_and_counts(tmp_path: Path) -> None:
    data = _with_log(
        tmp_path,
        "s1,anlotinib,pages,anlotinib sarcoma,2026-12-01,12,\n"
        "s2,anlotinib,pages,anlotinib osteosarcoma,2026-12-01,3,\n",
        "r1,anlotinib,s1;s2,A trial,https://x.org/1,included,,asingle,,abstract only,\n"
        "r2,anlotinib,s1,A mirror,,duplicate,,,r1,,\n"
        "r3,anlotinib,s1,A review,,excluded,review,,,,\n"
        "r4,anlotinib,s2,Another drug,,excluded,other_drug,,,,\n",
    )
    ev = tkidata.load(data)
    counts = search_counts(ev).set_index("drug")
    row = counts.loc["anlotinib"]
    assert (row["queries"], row["identified"], row["duplicates"]) == (2, 4, 1)
    assert (row["screened"], row["excluded"], row["included"]) == (3, 2, 1)
    assert row["exclusion_reasons"] == "review 1; other_drug 1"
    assert counts.loc["apatinib", "identified"] == 0
    table = prisma_table(search_counts(ev))
    anl = table[table["drug"] == "anlotinib"].set_index("stage")["count"]
    assert anl["Records identified"] == 4 and anl["Included"] == 1
    assert "review or meta-analysis 1; another drug 1" in set(table["reasons"])
    assert prisma_chart(search_counts(ev)).to_dict()["description"].startswith("PRISMA")


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            "r1,anlotinib,s9,T,,included,,asingle,,,\n",
            "search_ids: unknown search_id 's9'",
        ),
        ("r1,anlotinib,s1,T,,excluded,,,,,\n", "reason: an excluded record needs a reason"),
        ("r1,anlotinib,s1,T,,included,,,,,\n", "study_ids: a record decided included names"),
        ("r1,anlotinib,s1,T,,included,,ghost,,,\n", "study_ids: unknown study_id 'ghost'"),
        ("r1,anlotinib,s1,T,,duplicate,,,,,\n", "duplicate_of: a duplicate names the record"),
        ("r1,anlotinib,s1,T,,excluded,too_old,,,,\n", "reason: 'too_old' is not allowed"),
        ("r1,placebo,s1,T,,excluded,review,,,,\n", "drug: 'placebo' is not a compared drug"),
    ],
)
def test_bad_log_rows_are_rejected_with_file_row_and_column(
    tmp_path: Path, record: str, message: str
) -> None:
    data = _with_log(tmp_path, "s1,anlotinib,pages,q,2026-12-01,1,\n", record)
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    assert f"alpha/records.csv:2: {message}" in str(info.value)


def test_shipped_log_covers_every_arm_and_every_drug() -> None:
    ev = tkidata.load()
    counts = search_counts(ev).set_index("drug")
    for drug in ev.vocab.tki_drugs:
        assert counts.loc[drug, "queries"] >= 10, drug
        assert counts.loc[drug, "included"] > 0, drug
    logged = {s for cell in ev.records["study_ids"].dropna() for s in cell.split(";")}
    arms = ev.studies[ev.studies["drug"].isin(ev.vocab.tki_drugs)]
    assert set(arms["study_id"]) <= logged
    assert not any("is not a record of the" in str(w) for w in ev.warnings)


def test_direct_arm_matrix_counts_subtype_rows() -> None:
    ev = tkidata.load()
    matrix = direct_arm_matrix(ev)
    assert list(matrix.columns) == list(ev.vocab.tki_drugs)
    assert matrix.loc[("osteosarcoma", "orr")].sum() >= 2


def test_a_line_subgroup_outside_the_arms_range_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    with (data / "alpha" / "outcomes.csv").open("a") as fh:
        fh.write("asingle,all,orr,,bor,,second,1,5,,,,,,false,Table 3,,,\n")
    with pytest.raises(DataValidationError) as info:
        tkidata.load(data)
    assert "subgroup_line: 'second' lies outside the line range the arm enrolled" in str(info.value)


def test_a_line_without_the_sources_wording_is_a_warning(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    path = data / "alpha" / "studies.csv"
    path.write_text(path.read_text().replace(",first,untreated,", ",first,,", 1))
    ev = tkidata.load(data)
    assert any("line is set but line_reported is empty" in str(w) for w in ev.warnings)


AUDITED_RECORDS = {
    # record: (decision, reason, study_ids) after the issue 24 audit of exclusion reasons
    "anl_r056": ("excluded", "not_separable", None),  # 209 real-world: regimens mixed
    "anl_r058": ("included", None, "liu2021_lpd"),  # anlotinib + liposomal doxorubicin
    "anl_r059": ("included", None, "cjcm2019_anl"),  # anlotinib + chemotherapy, 27 STS
    "reg_r055": ("excluded", "not_separable", None),  # CanSaRCC: regorafenib + cabozantinib
    "anl_r063": ("included", None, "ccr2024_asps"),  # anlotinib + TQB2450 (anti-PD-L1), 29 ASPS
}


def test_audited_records_carry_their_true_decision_and_reason() -> None:
    ev = tkidata.load()
    records = ev.records.set_index("record_id")
    for record, (decision, reason, study_ids) in AUDITED_RECORDS.items():
        row = records.loc[record]
        got = tuple(None if isinstance(v, float) else v for v in row[["reason", "study_ids"]])
        assert (row["decision"], *got) == (decision, reason, study_ids), record


def test_every_exclusion_reason_has_words_on_the_prisma_chart() -> None:
    assert set(REASON_WORDS) == set(EXCLUSION_REASONS)
