"""Risk of bias and guideline standing: loader rules, the API, the wording, the shipped data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tkidata
from tkidata.comparative.rob import overall_risk_of_bias, risk_of_bias, rob2_overall, trial_label
from tkidata.comparative.standing import guideline_standing
from tkidata.store.errors import DataValidationError
from tkidata.wording import NO_STANDING, standing_phrase

FIXTURES = Path(__file__).parent / "fixtures" / "tkidata"
ROB_HEADER = "trial,outcome,domain,judgement,basis,source,location,assessed_from"
GL_HEADER = (
    "drug,histology,excludes,line,line_reported,regimen,body,status,standing,detail,version,"
    "date_checked,source,location,source_level"
)
URL = "https://example.org/trial"


def _rob(trial: str, outcome: str, judgements: dict[str, str]) -> list[str]:
    return [
        f"{trial},{outcome},{domain},{j},basis of {domain},{URL},abstract,abstract"
        for domain, j in judgements.items()
    ]


LOW = dict.fromkeys(
    ("randomisation", "deviations", "missing_data", "measurement", "selective_reporting"), "low"
)
ROB_ROWS = [
    # TRIAL1 judged for every outcome at once
    *_rob("TRIAL1", "all", {**LOW, "measurement": "some_concerns", "overall": "some_concerns"}),
    # TRIAL2 (filed under its registration-free acronym) judged per outcome for one domain
    *_rob("TRIAL2", "all", {k: v for k, v in LOW.items() if k != "deviations"}),
    *_rob("TRIAL2", "hr_pfs", {"deviations": "low", "overall": "low"}),
    *_rob("TRIAL2", "hr_os", {"deviations": "high", "overall": "high"}),
]
GL_ROWS = [
    "anlotinib,sts,,second_later,after chemotherapy,monotherapy,NMPA,verified,approved,"
    f"approved for STS,2019-06,2026-12-06,{URL},¶1,secondary",
    "anlotinib,sts,,first,untreated,combination,NMPA,verified,approved,"
    f"first line with epirubicin,2025-06-30,2026-12-06,{URL},¶1,secondary",
    "anlotinib,synovial,,second_later,,monotherapy,CSCO,verified,CSCO category 2A,"
    f"recommended,2024,2026-12-06,{URL},Table 3,secondary",
    "anlotinib,all,,any,,monotherapy,ESMO,not_verified,,no page read states it,,2026-12-06,,,",
    "regorafenib,sts,lps,second_later,,monotherapy,NCCN,verified,"
    f'"NCCN category 2A, useful in certain circumstances",non-adipocytic,2.2025,2026-12-06,{URL},'
    "p. 12,full_text",
    "regorafenib,sts,,second_later,,monotherapy,FDA,not_verified,,looked for,,2026-12-06,,,",
]


def _data(tmp_path: Path, rob: list[str] | None = None, gl: list[str] | None = None) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", target)
    folder = target / "randomised"
    folder.mkdir()
    rows = ROB_ROWS if rob is None else rob
    (folder / "risk_of_bias.csv").write_text("\n".join([ROB_HEADER, *rows]) + "\n")
    rows = GL_ROWS if gl is None else gl
    (folder / "guidelines.csv").write_text("\n".join([GL_HEADER, *rows]) + "\n")
    return target


@pytest.fixture
def ev(tmp_path: Path) -> tkidata.Evidence:
    return tkidata.load(_data(tmp_path))


def _problems(tmp_path: Path, **tables: list[str]) -> str:
    with pytest.raises(DataValidationError) as info:
        tkidata.load(_data(tmp_path, **tables))
    return str(info.value)


# --- the overall rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "low"),
        ({"measurement": "some_concerns"}, "some_concerns"),
        ({"measurement": "some_concerns", "deviations": "some_concerns"}, "some_concerns"),
        (dict.fromkeys(("measurement", "deviations", "randomisation"), "some_concerns"), "high"),
        ({"missing_data": "high"}, "high"),
    ],
)
def test_overall_follows_the_stated_rule(changes: dict[str, str], expected: str) -> None:
    assert rob2_overall({**LOW, **changes}) == expected


# --- loader rules -------------------------------------------------------------------------------


def test_valid_tables_load_and_are_counted(ev: tkidata.Evidence) -> None:
    assert len(ev.risk_of_bias) == len(ROB_ROWS)
    assert len(ev.guidelines) == len(GL_ROWS)
    assert ev.version.counts["risk_of_bias"] == len(ROB_ROWS)
    assert ev.version.counts["guidelines"] == len(GL_ROWS)


def test_without_the_files_the_tables_are_empty_with_their_columns() -> None:
    ev = tkidata.load(FIXTURES / "valid")
    assert ev.risk_of_bias.empty and ev.guidelines.empty
    assert list(ev.risk_of_bias.columns) == ROB_HEADER.split(",")
    assert list(ev.guidelines.columns) == GL_HEADER.split(",")


def test_unknown_trial_is_rejected(tmp_path: Path) -> None:
    rows = [*ROB_ROWS, *_rob("GHOST", "all", {**LOW, "overall": "low"})]
    text = _problems(tmp_path, rob=rows)
    line = len(ROB_ROWS) + 2
    assert (
        f"randomised/risk_of_bias.csv:{line}: trial: 'GHOST' is not a randomised trial in "
        "studies.csv" in text
    )


def test_a_trial_may_be_named_by_its_registration(tmp_path: Path) -> None:
    rows = [r.replace("TRIAL1,", "NCT00000001,") for r in ROB_ROWS]
    ev = tkidata.load(_data(tmp_path, rob=rows))
    assert list(risk_of_bias(ev, "TRIAL1")["trial"].unique()) == ["NCT00000001"]


def test_single_arm_study_is_not_a_trial(tmp_path: Path) -> None:
    rows = [*ROB_ROWS, *_rob("asingle", "all", {**LOW, "overall": "low"})]
    assert "trial: 'asingle' is not a randomised trial" in _problems(tmp_path, rob=rows)


def test_bad_judgement_is_rejected(tmp_path: Path) -> None:
    rows = [ROB_ROWS[0].replace(",low,", ",probably low,"), *ROB_ROWS[1:]]
    text = _problems(tmp_path, rob=rows)
    assert "risk_of_bias.csv:2: judgement: 'probably low' is not allowed (one of: low, " in text


def test_overall_inconsistent_with_domains_is_rejected(tmp_path: Path) -> None:
    rows = [r.replace("overall,some_concerns", "overall,low") for r in ROB_ROWS]
    text = _problems(tmp_path, rob=rows)
    assert (
        "risk_of_bias.csv:7: judgement: TRIAL1 (all): overall 'low' disagrees with the domains "
        "(randomisation low, deviations low, missing_data low, measurement some_concerns, "
        "selective_reporting low): the rule gives 'some_concerns'" in text
    )


def test_overall_per_outcome_is_checked(tmp_path: Path) -> None:
    rows = [r.replace("hr_os,overall,high", "hr_os,overall,low") for r in ROB_ROWS]
    assert "TRIAL2 (hr_os): overall 'low' disagrees" in _problems(tmp_path, rob=rows)


def test_missing_domain_is_rejected(tmp_path: Path) -> None:
    rows = [r for r in ROB_ROWS if not r.startswith("TRIAL1,all,missing_data")]
    assert "domain: TRIAL1 (all): no judgement for missing_data" in _problems(tmp_path, rob=rows)


def test_domain_for_all_and_one_outcome_is_rejected(tmp_path: Path) -> None:
    rows = [*ROB_ROWS, "TRIAL1,hr_pfs,measurement,low,b,https://x.org,abstract,abstract"]
    assert "TRIAL1: domain measurement is judged for all outcomes and for one" in _problems(
        tmp_path, rob=rows
    )


def test_missing_source_in_risk_of_bias_is_rejected(tmp_path: Path) -> None:
    rows = [ROB_ROWS[0].replace(URL, ""), *ROB_ROWS[1:]]
    assert "risk_of_bias.csv:2: source: required value is empty" in _problems(tmp_path, rob=rows)


def test_duplicate_judgement_is_rejected(tmp_path: Path) -> None:
    rows = [*ROB_ROWS, ROB_ROWS[0]]
    assert "trial: duplicate fact: same trial, outcome, domain" in _problems(tmp_path, rob=rows)


def test_guideline_without_date_checked_is_rejected(tmp_path: Path) -> None:
    rows = [GL_ROWS[0].replace("2026-12-06", ""), *GL_ROWS[1:]]
    text = _problems(tmp_path, gl=rows)
    assert "guidelines.csv:2: date_checked: required value is empty" in text


def test_verified_guideline_without_source_is_rejected(tmp_path: Path) -> None:
    rows = [GL_ROWS[0].replace(f"{URL},¶1,secondary", ",¶1,"), *GL_ROWS[1:]]
    text = _problems(tmp_path, gl=rows)
    assert "guidelines.csv:2: source: a verified row names the page read" in text


def test_not_verified_guideline_with_a_standing_is_rejected(tmp_path: Path) -> None:
    bad = GL_ROWS[3].replace("not_verified,,", "not_verified,level I,")
    rows = [*GL_ROWS[:3], bad, *GL_ROWS[4:]]
    text = _problems(tmp_path, gl=rows)
    assert "guidelines.csv:5: standing: a not_verified row leaves standing empty" in text


def test_guideline_vocabulary_rules(tmp_path: Path) -> None:
    rows = [
        GL_ROWS[0].replace("anlotinib,sts,", "placebo,sts,"),
        GL_ROWS[1].replace("anlotinib,sts,,", "anlotinib,sts,osteosarcoma,"),
        GL_ROWS[2].replace("anlotinib,synovial,", "anlotinib,synovitis,"),
        *GL_ROWS[3:],
        "regorafenib,sts,,second_later,,monotherapy,FDA,verified,approved,x,2013,2026-12-06,"
        f"{URL},¶2,secondary",
    ]
    text = _problems(tmp_path, gl=rows)
    assert "guidelines.csv:2: drug: 'placebo' is not a compared drug" in text
    assert "guidelines.csv:3: excludes: 'osteosarcoma' is not a histology within sts" in text
    assert "guidelines.csv:4: histology: 'synovitis' is not all, sts, bone or a code" in text
    assert "guidelines.csv:7: status: 'not_verified' but a verified row states" in text


# --- API ----------------------------------------------------------------------------------------


def test_risk_of_bias_returns_the_trial_in_domain_order(ev: tkidata.Evidence) -> None:
    rob = risk_of_bias(ev, "TRIAL1")
    assert list(rob["domain"]) == [
        "randomisation",
        "deviations",
        "missing_data",
        "measurement",
        "selective_reporting",
        "overall",
    ]
    assert risk_of_bias(ev, "NCT00000001").equals(rob)  # the same trial by its registration
    assert risk_of_bias(ev, "TRIAL9").empty


def test_overall_risk_of_bias_per_outcome(ev: tkidata.Evidence) -> None:
    assert overall_risk_of_bias(ev, "TRIAL1", "hr_pfs") == "some_concerns"
    assert overall_risk_of_bias(ev, "TRIAL2", "hr_pfs") == "low"
    assert overall_risk_of_bias(ev, "TRIAL2", "hr_os") == "high"
    assert overall_risk_of_bias(ev, "TRIAL9", "hr_pfs") is None


def test_standing_for_a_subtype_takes_subtype_then_group_then_all(ev: tkidata.Evidence) -> None:
    rows = guideline_standing(ev, "anlotinib", "synovial", "second")
    assert list(zip(rows["body"], rows["match"], strict=True)) == [
        ("CSCO", "histology"),
        ("NMPA", "group"),
        ("ESMO", "all"),
    ]


def test_standing_line_matches_as_studies_do(ev: tkidata.Evidence) -> None:
    first = guideline_standing(ev, "anlotinib", "sts", "first")
    assert list(first["regimen"][first["body"] == "NMPA"]) == ["combination"]
    later = guideline_standing(ev, "anlotinib", "sts", "later")
    assert list(later["regimen"][later["body"] == "NMPA"]) == ["monotherapy"]
    assert len(guideline_standing(ev, "anlotinib", "sts", "any")) == 3


def test_standing_respects_excluded_subtypes(ev: tkidata.Evidence) -> None:
    assert list(guideline_standing(ev, "regorafenib", "lms", "second")["body"]) == ["NCCN", "FDA"]
    assert list(guideline_standing(ev, "regorafenib", "lps", "second")["body"]) == ["FDA"]
    assert guideline_standing(ev, "regorafenib", "osteosarcoma", "second").empty


def test_standing_for_no_histology_lists_every_row_of_the_drug(ev: tkidata.Evidence) -> None:
    rows = guideline_standing(ev, "anlotinib", "all", "any")
    assert len(rows) == 4
    assert rows.iloc[-1]["match"] == "all"


def test_standing_phrase(ev: tkidata.Evidence) -> None:
    phrase = standing_phrase(guideline_standing(ev, "anlotinib", "synovial", "second"))
    assert phrase == "NMPA approved; CSCO category 2A"
    first = standing_phrase(guideline_standing(ev, "anlotinib", "sts", "first"))
    assert first == "NMPA (in combination) approved"
    both = standing_phrase(guideline_standing(ev, "anlotinib", "sts", "any"))
    assert both == "NMPA (alone and in combination) approved"
    nccn = standing_phrase(guideline_standing(ev, "regorafenib", "lms", "second"))
    assert nccn == "NCCN category 2A"
    assert standing_phrase(guideline_standing(ev, "regorafenib", "lps", "second")) == NO_STANDING
    assert standing_phrase(guideline_standing(ev, "pazopanib", "lms", "second")) == NO_STANDING


# --- shipped data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> tkidata.Evidence:
    return tkidata.load()


def test_every_randomised_trial_has_an_overall_judgement(shipped: tkidata.Evidence) -> None:
    rct = shipped.studies[shipped.studies["design"] == "rct_arm"]
    trials = sorted({trial_label(row) for _, row in rct.iterrows()})
    unjudged = [t for t in trials if (risk_of_bias(shipped, t)["domain"] != "overall").all()]
    assert trials and not unjudged


def test_every_verified_standing_is_sourced_and_dated(shipped: tkidata.Evidence) -> None:
    gl = shipped.guidelines
    verified = gl[gl["status"] == "verified"]
    assert len(verified) > 0
    assert verified[["source", "version", "location", "date_checked"]].notna().all().all()
    assert set(gl["drug"]) == set(shipped.vocab.tki_drugs)


def test_every_drug_has_a_phrase_for_every_patient(shipped: tkidata.Evidence) -> None:
    for drug in shipped.vocab.tki_drugs:
        for histology in ("all", "sts", "bone", "lms", "osteosarcoma"):
            for line in ("any", "first", "second", "later"):
                phrase = standing_phrase(guideline_standing(shipped, drug, histology, line))
                assert phrase and "nan" not in phrase and "_" not in phrase


def test_shipped_standing_reads_as_the_pages_state(shipped: tkidata.Evidence) -> None:
    """Pazopanib's approvals exclude adipocytic sarcoma only where the source says so (FDA)."""
    lms = standing_phrase(guideline_standing(shipped, "pazopanib", "lms", "second"))
    assert lms.startswith("FDA/EMA approved")
    lps = guideline_standing(shipped, "pazopanib", "lps", "second")
    assert "FDA" not in set(lps.loc[lps["status"] == "verified", "body"])
    assert standing_phrase(guideline_standing(shipped, "apatinib", "osteosarcoma", "second")) == (
        NO_STANDING
    )
