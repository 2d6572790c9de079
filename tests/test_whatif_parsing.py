"""User-supplied studies (what if): the upload format, row-by-row rejection with reasons, the
pooling rows and the engine's numbers, inert labels in exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pptx import Presentation

import tkidata
from core import pool_proportions
from report.deck import deck_bytes
from report.deck_inputs import build_deck_content
from report.tables import csv_bytes, xlsx_bytes
from report.view_tables import pooled_results_table
from tkidata.patient.filters import filter_reasons
from tkidata.store import user_studies as us

HEADER = "study_label,drug,histology,line,design,n,responders,disease_control"
REFERENCE = tkidata.Method.preset("reference")
ALL = tkidata.Filters()


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


def read(ev: tkidata.Evidence, text: str, name: str = "mine.csv") -> us.ParsedStudies:
    return us.read_upload(text.encode("utf-8"), name, ev.vocab)


def only_problem(parsed: us.ParsedStudies) -> us.RowProblem:
    assert len(parsed.problems) == 1, parsed.problems
    return parsed.problems[0]


def test_valid_rows_change_orr_exactly_as_the_engine_predicts(ev) -> None:
    parsed = read(
        ev,
        f"{HEADER}\nNew trial A,anlotinib,lms,second,single_arm,40,12,30\n"
        "New trial B,Anlotinib,bone,,rct_arm,25,3,\n"
        "Other drug,apatinib,sts,first,single_arm,30,9,20\n",
    )
    assert parsed.problems == () and len(parsed.studies) == 3
    before = tkidata.pool_outcome(ev, "anlotinib", "orr", ALL, REFERENCE)
    after = tkidata.pool_outcome(
        us.with_user_studies(ev, parsed.studies), "anlotinib", "orr", ALL, REFERENCE
    )
    curated = before.selection.rows
    expected = pool_proportions(
        [*map(int, curated["events"]), 12, 3],
        [*map(int, curated["n"]), 40, 25],
        **REFERENCE.proportion_kwargs(),
    )
    assert after.k == before.k + 2
    assert after.user_supplied == ("New trial A", "New trial B")
    assert after.estimate == pytest.approx(
        (expected.random.est, expected.random.ci_lb, expected.random.ci_ub), rel=1e-12
    )
    assert after.estimate != before.estimate
    assert {s.label for s in after.pool.studies} >= {"New trial A (user)", "New trial B (user)"}


def test_rows_follow_the_sidebar_filters(ev) -> None:
    parsed = read(
        ev,
        f"{HEADER}\nLMS second,anlotinib,lms,second,single_arm,40,12,30\n"
        "Bone retro,anlotinib,osteosarcoma,mixed,retrospective,20,2,10\n",
    )
    studies = parsed.studies
    mine = us.with_user_studies(ev, studies)

    def user_ids(f: tkidata.Filters) -> tuple[str, ...]:
        return tkidata.pool_outcome(mine, "anlotinib", "orr", f, REFERENCE).user_supplied

    assert user_ids(ALL) == ("LMS second", "Bone retro")
    assert user_ids(ALL.replace(histology="sts")) == ("LMS second",)
    assert user_ids(ALL.replace(histology="lms")) == ("LMS second",)
    assert user_ids(ALL.replace(histology="osteosarcoma")) == ("Bone retro",)
    assert user_ids(ALL.replace(design="prospective")) == ("LMS second",)
    assert user_ids(ALL.replace(line="second", include_mixed_line=False)) == ("LMS second",)
    assert user_ids(ALL.replace(line="first")) == ("Bone retro",)
    assert filter_reasons(studies.iloc[1], ALL.replace(design="rct")) == [
        "design retrospective (filter: RCT arms)"
    ]


def test_medians_and_grade3_adverse_events(ev) -> None:
    parsed = read(
        ev,
        "study_label,drug,histology,line,design,n,pfs_median,pfs_ci_low,pfs_ci_high,"
        "ae3_Hypertension,ae3_hand-foot skin reaction,ae3_Proteinuria\n"
        "PFS only,regorafenib,sts,second,single_arm,30,4.5,3.0,NR,6,2,\n",
    )
    assert parsed.problems == ()
    row = parsed.studies.iloc[0]
    assert bool(row["pfs_upper_not_reached"])
    assert us.ae_terms_of(parsed.studies) == (
        "Hypertension",
        "Palmar-plantar erythrodysesthesia syndrome",
        "Proteinuria",
    )
    mine = us.with_user_studies(ev, parsed.studies)
    pfs = tkidata.pool_outcome(mine, "regorafenib", "pfs_median", ALL, REFERENCE)
    assert "PFS only" in pfs.user_supplied and "PFS only" in pfs.study_ids
    user_ae = mine.adverse_events[mine.adverse_events["study_id"] == "PFS only"]
    assert sorted(user_ae["term"]) == ["Hypertension", "Palmar-plantar erythrodysesthesia syndrome"]
    ae = tkidata.pool_adverse_events(mine, "regorafenib", ALL, REFERENCE)
    hyper = ae[ae["term"] == "Hypertension"].iloc[0]
    assert hyper["user_supplied"] == "PFS only"
    assert "Proteinuria" not in set(ae[ae["user_supplied"] != ""]["term"])
    other = tkidata.pool_adverse_events(mine, "anlotinib", ALL, REFERENCE)
    assert set(other["user_supplied"]) <= {""}
    bone_only = ALL.replace(histology="bone")
    bone = tkidata.pool_adverse_events(mine, "regorafenib", bone_only, REFERENCE)
    assert set(bone["user_supplied"]) <= {""}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "X,anlotnib,lms,second,single_arm,40,5,10",
            "unknown drug 'anlotnib'; did you mean 'anlotinib'?",
        ),
        ("X,placebo,lms,second,single_arm,40,5,10", "comparator arms are not pooled"),
        ("X,anlotinib,lms,second,single_arm,40,45,50", "responders (45) is more than n (40)"),
        ("X,anlotinib,lms,second,single_arm,40,12,10", "disease control includes the responders"),
        ("X,anlotinib,lms,second,single_arm,-4,1,2", "n: -4 is negative"),
        ("X,anlotinib,lms,second,single_arm,40,-1,2", "responders: -1 is negative"),
        ("X,anlotinib,lms,second,single_arm,forty,1,2", "n: 'forty' is not a number"),
        ("X,anlotinib,lms,second,single_arm,40,25%,", "not a percentage"),
        ("X,anlotinib,lms,second,single_arm,40,2.5,", "responders: 2.5 is not a whole number"),
        ("X,anlotinib,lms,second,single_arm,0,0,0", "n must be at least 1"),
        ("X,anlotinib,leiomyo,second,single_arm,40,5,10", "unknown histology 'leiomyo'"),
        ("X,anlotinib,lms,2nd,single arm,40,5,10", None),
        ("X,anlotinib,lms,fourth,single_arm,40,5,10", "unknown line 'fourth'"),
        ("X,anlotinib,lms,second,case_report,1,1,1", "case reports are never pooled"),
        ("X,anlotinib,mixed,second,single_arm,40,5,10", "separate rows"),
        (",anlotinib,lms,second,single_arm,40,5,10", "study_label is empty"),
        ("X,,lms,second,single_arm,40,5,10", "drug is empty"),
        ("X,anlotinib,lms,second,single_arm,,5,10", "n is empty"),
        ("X,anlotinib,lms,second,single_arm,40,,", "no outcome"),
        ("a;b,anlotinib,lms,second,single_arm,40,5,10", "must not contain ';'"),
        (f"{us.TEMPLATE_LABEL},anlotinib,lms,second,single_arm,40,5,10", "template's example row"),
        ("X,anlotinib,lms,second,single_arm,40,5,10,7", "9 cells but the header has 8 columns"),
    ],
)
def test_each_bad_row_gives_its_reason_and_good_rows_are_kept(ev, row, expected) -> None:
    good = "Kept,apatinib,sts,first,single_arm,30,9,20"
    parsed = read(ev, f"{HEADER}\n{good}\n{row}\n")
    assert "Kept" in list(parsed.studies["study_label"])
    if expected is None:
        assert parsed.problems == () and len(parsed.studies) == 2
        return
    problem = only_problem(parsed)
    assert problem.row == 3 and problem.where == "row 3"
    assert expected in problem.reason, problem.reason
    assert len(parsed.studies) == 1


def test_pfs_ci_rules(ev) -> None:
    head = "study_label,drug,histology,line,design,n,pfs_median,pfs_ci_low,pfs_ci_high"
    cases = {
        "A,pazopanib,sts,second,rct_arm,50,4,5,8": "pfs_ci_low (5) is above pfs_median (4)",
        "B,pazopanib,sts,second,rct_arm,50,4,2,3": "pfs_ci_high (3) is below pfs_median (4)",
        "C,pazopanib,sts,second,rct_arm,50,4,2,": "give it, or NR",
        "D,pazopanib,sts,second,rct_arm,50,,2,5": "given without pfs_median",
        "E,pazopanib,sts,second,rct_arm,50,soon,2,5": "pfs_median: 'soon' is not a number",
    }
    parsed = read(ev, head + "\n" + "\n".join(cases) + "\nF,pazopanib,sts,second,rct_arm,50,4,,\n")
    assert list(parsed.studies["study_label"]) == ["F"]
    for problem, expected in zip(parsed.problems, cases.values(), strict=True):
        assert expected in problem.reason, problem


def test_unknown_ae_term_and_column_suggest_the_nearest(ev) -> None:
    parsed = read(
        ev,
        f"{HEADER},ae3_hypertensoin,responder\n"
        "Uses bad AE column,anlotinib,lms,second,single_arm,40,5,10,3,\n"
        "Bad column empty,anlotinib,lms,second,single_arm,40,5,10,,\n"
        "Uses unknown column,anlotinib,lms,second,single_arm,40,5,10,,4\n",
    )
    assert list(parsed.studies["study_label"]) == ["Bad column empty"]
    first, second = parsed.problems
    assert "unknown AE term 'hypertensoin'; did you mean 'Hypertension'?" in first.reason
    assert first.row == 2 and first.label == "Uses bad AE column"
    assert "unknown column 'responder'; did you mean 'responders'?" in second.reason


def test_synonym_columns_map_to_ctcae_terms(ev) -> None:
    parsed = read(
        ev,
        "Study Label,Drug,Histology,Line,Design,N,AE3_HFSR\n"
        "Synonym,apatinib,Leiomyosarcoma,later,retrospective,20,4\n",
    )
    assert parsed.problems == ()
    assert parsed.studies.loc[0, "histology"] == "lms"
    assert parsed.studies.loc[0, "ae3_Palmar-plantar erythrodysesthesia syndrome"] == 4


def test_missing_required_column_rejects_every_row(ev) -> None:
    parsed = read(ev, "study_label,drug,histology,line,n,responders\nA,anlotinib,lms,,40,5\n")
    assert parsed.studies.empty
    header, row = parsed.problems
    assert header.row == 1 and "missing column: design" in header.reason
    assert row.row == 2 and row.label == "A" and "missing column: design" in row.reason


def test_duplicate_labels_are_rejected_within_and_across_uploads(ev) -> None:
    text = f"{HEADER}\nSame,anlotinib,lms,second,single_arm,40,5,10\n"
    parsed = read(ev, text + "Same,apatinib,lms,second,single_arm,40,5,10\n")
    assert len(parsed.studies) == 1 and "already used" in only_problem(parsed).reason
    again = us.read_upload(text.encode(), "again.csv", ev.vocab, taken=("Same",))
    assert again.studies.empty and "already used" in only_problem(again).reason


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"x" * (us.MAX_BYTES + 1), "big.csv", "file too large: 1.0 MB (limit 1 MB, 500 rows)"),
        (b"PK\x03\x04rest-of-a-zip", "book.xlsx", "not a readable .xlsx workbook (damaged"),
        (b"PK\x03\x04rest-of-a-zip", "book.zip", "this looks like a spreadsheet workbook"),
        (b"\xd0\xcf\x11\xe0", "old.xls", "save it as Excel workbook (.xlsx) or CSV UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "picture.png", "not a CSV file ('picture.png')"),
        (
            f"{HEADER}\nMüller 2024,anlotinib,lms,second,single_arm,40,5,10\n".encode("latin-1"),
            "latin.csv",
            "wrong encoding: the file is not UTF-8",
        ),
        (b"", "empty.csv", "the first line must be the header row"),
        (
            (
                HEADER
                + "\n"
                + "\n".join(f"S{i},anlotinib,lms,,single_arm,9,1,2" for i in range(501))
            ).encode(),
            "long.csv",
            "too many rows: 501 (limit 500 rows",
        ),
    ],
)
def test_file_level_problems(ev, data, name, expected) -> None:
    parsed = us.read_upload(data, name, ev.vocab)
    assert parsed.studies.empty
    problem = only_problem(parsed)
    assert problem.row == 0 and problem.where == "file"
    assert expected in problem.reason, problem.reason


def test_semicolon_csv_with_bom_from_a_spreadsheet(ev) -> None:
    text = HEADER.replace(",", ";") + "\r\nEuro,anlotinib,lms,second,single_arm,40,5,10\r\n"
    data = (
        "\ufeff".encode()
        + text.replace(
            "Euro,anlotinib,lms,second,single_arm,40,5,10",
            "Euro;anlotinib;lms;second;single_arm;40;5;10",
        ).encode()
    )
    parsed = us.read_upload(data, "euro.csv", ev.vocab)
    assert parsed.problems == () and list(parsed.studies["study_label"]) == ["Euro"]


def test_template_has_one_fictitious_row_that_is_rejected_until_replaced(ev) -> None:
    template = us.template_csv()
    assert template.startswith("\ufeff".encode())
    parsed = us.read_upload(template, "user_studies_template.csv", ev.vocab)
    assert parsed.studies.empty and "template's example row" in only_problem(parsed).reason
    mine = template.decode("utf-8-sig").replace(us.TEMPLATE_LABEL, "My trial")
    used = read(ev, mine)
    assert used.problems == () and used.studies.loc[0, "responders"] == 6
    assert list(us.entry_frame().columns) == us.template_columns()


def test_typed_table_rows_are_numbered_from_one(ev) -> None:
    table = us.entry_frame()
    table.loc[0, ["study_label", "drug", "histology", "design", "n", "responders"]] = [
        "Typed",
        "pazopanib",
        "sts",
        "rct_arm",
        40.0,
        8,
    ]
    table.loc[1, ["study_label", "drug", "histology", "design", "n"]] = [
        "No outcome",
        "pazopanib",
        "sts",
        "rct_arm",
        "12",
    ]
    parsed = us.validate_table(table, ev.vocab)
    assert list(parsed.studies["study_label"]) == ["Typed"]
    problem = only_problem(parsed)
    assert problem.row == 2 and "no outcome" in problem.reason


def test_combine_aligns_adverse_event_columns(ev) -> None:
    a = read(
        ev,
        "study_label,drug,histology,line,design,n,ae3_Hypertension\nA,apatinib,sts,,single_arm,9,1\n",
    )
    b = read(
        ev,
        "study_label,drug,histology,line,design,n,ae3_Proteinuria\nB,apatinib,sts,,single_arm,9,2\n",
    )
    both = us.combine(a.studies, b.studies)
    assert list(both["study_label"]) == ["A", "B"]
    assert both["ae3_Hypertension"].isna().tolist() == [False, True]
    assert both["ae3_Proteinuria"].isna().tolist() == [True, False]


HOSTILE = ('=HYPERLINK("http://evil.example","click")', "<b>x</b><script>alert(1)</script>")


def test_hostile_labels_are_kept_verbatim_and_exported_inert(ev) -> None:
    rows = "\n".join(
        f'"{lab.replace(chr(34), chr(34) * 2)}",anlotinib,lms,second,single_arm,40,12,30'
        for lab in HOSTILE
    )
    parsed = read(ev, f"{HEADER}\n{rows}\n")
    assert tuple(parsed.studies["study_label"]) == HOSTILE
    mine = us.with_user_studies(ev, parsed.studies)
    compare = tkidata.compare(mine, ALL, REFERENCE)
    orr = compare[(compare["drug"] == "anlotinib") & (compare["outcome"] == "orr")].iloc[0]
    assert orr["user_supplied"] == ";".join(HOSTILE)
    table = pooled_results_table(compare)
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "<b>x</b><script>" in text
    workbook = load_workbook(io.BytesIO(xlsx_bytes(table, notes=["WHAT-IF"])))
    cells = [c.value for row in workbook["Table"].iter_rows() for c in row if c.value]
    assert any(str(v).startswith("'") and "=HYPERLINK" in str(v) for v in cells)
    assert not any(str(v).startswith("=") for v in cells)
    results = [tkidata.pool_outcome(mine, "anlotinib", "orr", ALL, REFERENCE)]
    ae = {d: tkidata.pool_adverse_events(ev, d, ALL, REFERENCE) for d in ev.vocab.tki_drugs}
    content = build_deck_content(
        studies=ev.studies,
        data_version=str(ev.version),
        filters=ALL,
        method=REFERENCE,
        compare=compare,
        ae_by_drug=ae,
        results=results,
        forest_drugs=["anlotinib"],
        outcomes=[("orr", None)],
        date="2025-01-01",
    )
    assert content.user_supplied == HOSTILE
    deck = Presentation(io.BytesIO(deck_bytes(content)))
    for slide in deck.slides:
        footer = next(s for s in slide.shapes if s.name == "Footer")
        assert footer.text_frame.text.startswith("WHAT-IF: includes user-supplied studies")
        assert all(label in footer.text_frame.text for label in HOSTILE)
