"""Hostile and everyday uploads of user studies: every file gives rows and row-level reasons,
never a traceback, and no valid row is lost to a bad one."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

import tkidata
from tkidata.store import user_studies as us

HEADER = "study_label,drug,histology,line,design,n,responders,disease_control,pfs_median"
GOOD = "Good trial,anlotinib,lms,second,single_arm,40,6,28,5.6"


@pytest.fixture(scope="module")
def vocab() -> tkidata.Vocab:
    return tkidata.load().vocab


def read(vocab: tkidata.Vocab, text: str, name: str = "mine.csv") -> us.ParsedStudies:
    return us.read_upload(text.encode("utf-8"), name, vocab)


def reasons(parsed: us.ParsedStudies) -> dict[int, str]:
    return {p.row: p.reason for p in parsed.problems}


@pytest.mark.parametrize("n", ["1e20", "1e308", "99999999999999999999999", "250000"])
def test_an_implausible_n_is_a_row_problem_and_the_good_row_stays(vocab, n: str) -> None:
    parsed = read(vocab, f"{HEADER}\n{GOOD}\nHuge,anlotinib,lms,second,single_arm,{n},1,2,\n")
    assert list(parsed.studies["study_label"]) == ["Good trial"]
    assert "n: " in reasons(parsed)[3] and "is more than 100,000 patients" in reasons(parsed)[3]


def test_a_median_of_1e308_months_is_refused(vocab) -> None:
    parsed = read(vocab, f"{HEADER}\n{GOOD}\nLong,anlotinib,lms,second,single_arm,40,1,2,1e308\n")
    assert list(parsed.studies["study_label"]) == ["Good trial"]
    assert "pfs_median: 1e308 months is more than 240 months" in reasons(parsed)[3]


def test_a_european_excel_csv_is_accepted(vocab) -> None:
    text = (
        HEADER.replace(",", ";")
        + ";pfs_ci_low;pfs_ci_high\r\n"
        + "Euro 2024;anlotinib;lms;second;single_arm;40;6;28;5,6;4,1;7,2\r\n"
    )
    parsed = us.read_upload(b"\xef\xbb\xbf" + text.encode("utf-8"), "euro.csv", vocab)
    assert parsed.problems == ()
    row = parsed.studies.iloc[0]
    assert row["study_label"] == "Euro 2024"
    assert (row["pfs_median"], row["pfs_ci_low"], row["pfs_ci_high"]) == (5.6, 4.1, 7.2)


def test_a_decimal_comma_in_a_comma_file_says_how_to_write_it(vocab) -> None:
    parsed = read(vocab, f'{HEADER}\nComma,anlotinib,lms,second,single_arm,40,6,28,"5,6"\n')
    assert (
        "pfs_median: '5,6' is not a number (write decimals with a point, 5.6)"
        in (reasons(parsed)[2])
    )


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_an_xlsx_upload_is_validated_row_by_row(vocab) -> None:
    header = HEADER.split(",")
    data = _workbook(
        [
            header,
            ["Sheet trial", "anlotinib", "lms", "second", "single_arm", 40, 6, 28, 5.6],
            ["Bad drug", "anlotnib", "sts", "second", "single_arm", 30, 3, 20, None],
            [None] * len(header),
            ["Formula", "apatinib", "bone", "", "retrospective", 20, "=1+1", 10, None],
        ]
    )
    parsed = us.read_upload(data, "extraction.xlsx", vocab)
    assert list(parsed.studies["study_label"]) == ["Sheet trial", "Formula"]
    row = parsed.studies.iloc[0]
    assert (row["n"], row["responders"], row["pfs_median"]) == (40, 6, 5.6)
    assert reasons(parsed) == {3: "unknown drug 'anlotnib'; did you mean 'anlotinib'?"}
    # a formula is never evaluated: only its cached result is read (none here: empty)
    assert parsed.studies["responders"].isna().iloc[1]
    assert parsed.rows_read == 3


def test_a_damaged_or_bomb_like_workbook_is_one_file_problem(vocab) -> None:
    parsed = us.read_upload(b"PK\x03\x04" + b"\x00" * 100, "book.xlsx", vocab)
    assert parsed.problems[0].row == 0 and "not a readable .xlsx workbook" in (
        parsed.problems[0].reason
    )
    header_only = us.read_upload(_workbook([HEADER.split(",")]), "empty.xlsx", vocab)
    assert "no rows: the file has a header row but no study rows" in (
        header_only.problems[0].reason
    )


def test_an_unterminated_quote_names_its_row_and_keeps_the_others(vocab) -> None:
    text = "\n".join(
        [
            HEADER,
            GOOD,
            '"Broken,anlotinib,lms,second,single_arm,30,3,20,',
            "After,apatinib,bone,first,rct_arm,20,2,10,",
            "Last,regorafenib,sts,second,rct_arm,50,5,30,",
        ]
    )
    parsed = read(vocab, text + "\n")
    assert list(parsed.studies["study_label"]) == ["Good trial", "After", "Last"]
    assert list(reasons(parsed)) == [3]
    assert parsed.problems[0].label == "Broken"
    assert reasons(parsed)[3].startswith("unterminated quote")


def test_a_quoted_label_may_span_lines(vocab) -> None:
    parsed = read(vocab, f'{HEADER}\n"Two\nlines",anlotinib,lms,second,single_arm,40,6,28,\n')
    assert parsed.problems == () and list(parsed.studies["study_label"]) == ["Two lines"]


def test_a_header_only_upload_says_there_are_no_rows(vocab) -> None:
    parsed = read(vocab, HEADER + "\r\n")
    assert [p.reason for p in parsed.problems] == [
        "no rows: the file has a header row but no study rows under it"
    ]


def test_a_hundred_thousand_columns_give_one_short_message(vocab) -> None:
    wide = ",".join(f"c{i}" for i in range(100_000))
    parsed = read(vocab, f"{wide}\n{','.join(['1'] * 100_000)}\n")
    assert len(parsed.problems) == 1
    assert parsed.problems[0].reason.startswith("too many columns: more than 200")
    assert len(parsed.problems[0].reason) < 200


def test_rows_after_a_two_line_label_keep_their_spreadsheet_numbers(vocab) -> None:
    # a quoted label over two lines is one spreadsheet row: the rows after it are numbered as the
    # spreadsheet shows them, whether the problem is a NUL byte, another control character
    # (which str.splitlines would take for a line break) or a bad value
    text = (
        f'{HEADER}\n"Two\nlines",anlotinib,lms,second,single_arm,40,6,28,\n'
        "Nul\x00label,anlotinib,lms,second,single_arm,9,1,2,\n"
        "Sep\x1erecord,anlotinib,lms,second,single_arm,9,1,2,\n"
        "Bad,aspirin,lms,second,single_arm,9,1,2,\n"
    )
    parsed = read(vocab, text)
    assert list(parsed.studies["study_label"]) == ["Two lines"]
    got = reasons(parsed)
    assert sorted(got) == [3, 4, 5]
    assert "study_label contains a control character (U+0000)" in got[3]
    assert "study_label contains a control character (U+001E)" in got[4]
    assert got[5].startswith("unknown drug 'aspirin'")


def test_a_broken_quote_after_a_two_line_label_names_its_spreadsheet_row(vocab) -> None:
    text = (
        f'{HEADER}\n"Two\nlines",anlotinib,lms,second,single_arm,40,6,28,\n'
        '"Broken,anlotinib,lms,second,single_arm,30,3,20,\n'
        "After,apatinib,bone,first,rct_arm,20,2,10,\n"
    )
    parsed = read(vocab, text)
    assert list(parsed.studies["study_label"]) == ["Two lines", "After"]
    assert list(reasons(parsed)) == [3]


def test_a_few_nul_bytes_in_a_short_file_are_the_rows_problem(vocab) -> None:
    # a file under 100 bytes with one NUL byte was refused whole as "not a CSV file"
    text = (
        "study_label,drug,histology,line,design,n,responders\nN\x00,anlotinib,lms,,single_arm,9,1\n"
    )
    assert len(text) < 100
    parsed = read(vocab, text)
    assert [(p.row, p.reason) for p in parsed.problems] == [
        (2, "study_label contains a control character (U+0000): remove it")
    ]


def test_a_binary_file_names_the_line_of_its_first_nul_byte(vocab) -> None:
    parsed = us.read_upload(b"a,b\n" + b"\x00" * 200, "data.csv", vocab)
    assert parsed.problems[0].row == 0
    assert "(binary data: NUL bytes from line 2)" in parsed.problems[0].reason


def test_a_nul_byte_rejects_its_row_only(vocab) -> None:
    parsed = read(vocab, f"{HEADER}\n{GOOD}\nNul\x00label,anlotinib,lms,second,single_arm,9,1,2,\n")
    assert list(parsed.studies["study_label"]) == ["Good trial"]
    assert "study_label contains a control character (U+0000)" in reasons(parsed)[3]


def test_utf16_text_is_refused_with_the_fix(vocab) -> None:
    data = f"{HEADER}\n{GOOD}\n".encode("utf-16")
    parsed = us.read_upload(data, "unicode.csv", vocab)
    assert "UTF-16" in parsed.problems[0].reason and "CSV UTF-8" in parsed.problems[0].reason


def test_many_problems_in_one_row_are_capped(vocab) -> None:
    header = HEADER + "," + ",".join(f"ae3_term{i}" for i in range(40))
    parsed = read(vocab, f"{header}\nX,aspirin,lung,tenth,cohort,-1,a,b,c{',9' * 40}\n")
    reason = parsed.problems[-1].reason
    assert "more problems in this row" in reason and len(reason) < 1_500


@settings(max_examples=150, deadline=None)
@given(
    body=st.lists(
        st.lists(
            st.sampled_from(
                ["", "anlotinib", "lms", "1e308", "-1", "NR", '"', "5,6", "=1+1", "\x00", "é"]
            )
            | st.text(max_size=8),
            max_size=12,
        ),
        max_size=8,
    ),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_any_upload_gives_rows_and_reasons_never_an_exception(vocab, body, sep) -> None:
    text = "\n".join([HEADER.replace(",", sep), *(sep.join(r) for r in body)])
    parsed = us.read_upload(text.encode("utf-8"), "fuzz.csv", vocab)
    assert len(parsed.studies) + len(parsed.problems) >= 1
    assert all(len(p.reason) < 5_000 for p in parsed.problems)


@settings(max_examples=100, deadline=None)
@given(blob=st.binary(max_size=600), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]))
def test_any_bytes_give_a_file_problem_or_rows(vocab, blob: bytes, name: str) -> None:
    parsed = us.read_upload(blob, name, vocab)
    assert len(parsed.studies) + len(parsed.problems) >= 1
