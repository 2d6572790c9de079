"""The selection filters shared by every view (histology, line, design, regimen, age)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tkidata.store.codes import LINE_RANGES

LINE_CHOICES = ("any", "first", "second", "later")
PATIENT_LINES = {"first": 1, "second": 2, "later": 3}
"""A patient's line as a number (3 = third or later)."""
LINE_WORDS = {
    "first": "first line",
    "second": "second line",
    "later": "third line or later",
    "first_second": "first or second line",
    "second_later": "second line or later",
    "any": "any line",
}
"""Line-range codes in words."""


def line_contains(line: object, patient_line: str) -> bool:
    """True when an arm's enrolled line range contains the patient's line.

    ``line`` is a range code of :data:`tkidata.store.codes.LINES` (``second_later`` = after at
    least one prior line); ``patient_line`` is ``first``, ``second`` or ``later``. A missing
    line never matches a particular line.
    """
    if not isinstance(line, str) or line not in LINE_RANGES:
        return False
    low, high = LINE_RANGES[line]
    return low <= PATIENT_LINES[patient_line] <= high


def line_is_exact(line: object) -> bool:
    """True when the range is a single line (``first``, ``second`` or ``later``)."""
    return isinstance(line, str) and line in PATIENT_LINES


DESIGN_CHOICES = ("all", "prospective", "rct")
REGIMEN_CHOICES = ("monotherapy", "maintenance", "combination", "any")
AGE_CHOICES = ("all", "adult", "paediatric")
PROSPECTIVE_DESIGNS = ("rct_arm", "single_arm")


@dataclass(frozen=True)
class Filters:
    """Which study arms enter a pool. Frozen and hashable (usable as a cache key).

    Parameters
    ----------
    histology : str
        ``all``; ``sts`` or ``bone`` (arms of that group plus what mixed arms report for it); or a
        histology code from ``vocab/histology.csv`` (rows for that subtype, or the ``all`` rows of
        arms that enrolled only that subtype).
    line : str
        The patient's line: ``any``, ``first``, ``second`` or ``later`` (third line or beyond). An
        arm matches when the range of lines it enrolled contains it (a "second line or later"
        trial is evidence for a second-line patient). Arms whose line is not reported enter
        only under ``any``.
    include_mixed_line : bool
        Also include arms that enrolled a span of lines containing the patient's line (e.g.
        "first or second line"); ``False`` keeps only arms of exactly that line.
    enrolled : str
        Internal rule of the evidence tiers (:mod:`tkidata.patient.tiers`): a histology code or
        group;
        when set, only arms that may have enrolled it enter (the arm's group is that histology's
        group or mixed, and its listed subtypes, if any, include the code). Empty: no rule.
    mix_assessment : bool
        Pool rows of different assessments together (best overall response with response at a
        fixed week; Kaplan-Meier landmarks with crude or visit-based proportions). Off by
        default: like is pooled with like, and a mixed pool is flagged.
    design : str
        ``all``; ``prospective`` (RCT arms and prospective single-arm trials); ``rct`` (RCT arms).
        Case reports never enter a pool.
    regimen : str
        ``monotherapy`` (default), ``maintenance``, ``combination`` or ``any``.
    age : str
        ``all``, ``adult`` or ``paediatric``. Arms of ``mixed`` age (adults and children together)
        enter only under ``all``: their results cannot be attributed to either age group.
    include_quoted : bool
        Also pool arms known only from figures another paper quotes in its text
        (``extraction_level=quoted``, e.g. a meta-analysis discussion citing a study it did not
        include). Off by default: such a number was never read in a report of the study, so it
        is listed in ``Selection.excluded`` instead.
    """

    histology: str = "all"
    line: str = "any"
    include_mixed_line: bool = True
    design: str = "all"
    regimen: str = "monotherapy"
    age: str = "all"
    mix_assessment: bool = False
    enrolled: str = ""
    include_quoted: bool = False

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("line", self.line, LINE_CHOICES),
            ("design", self.design, DESIGN_CHOICES),
            ("regimen", self.regimen, REGIMEN_CHOICES),
            ("age", self.age, AGE_CHOICES),
        ):
            if value not in allowed:
                raise ValueError(f"Filters.{name}={value!r}: expected one of {allowed}")
        if not isinstance(self.histology, str) or not self.histology:
            raise ValueError("Filters.histology must be a population code such as 'all'")

    def replace(self, **changes: object) -> Filters:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def describe(self) -> str:
        """The filters in words, for footnotes."""
        line = "any line" if self.line == "any" else LINE_WORDS[self.line]
        mixed = "incl. arms of a span of lines" if self.include_mixed_line else "exact line only"
        design = {"all": "all designs", "prospective": "prospective only", "rct": "RCT arms"}
        return (
            f"histology {self.histology}; {line} ({mixed}); {design[self.design]}; "
            f"regimen {self.regimen}; age {self.age}"
        )


def setting_reasons(record: Mapping[str, Any], f: Filters, *, noun: str = "arm") -> list[str]:
    """Why a study arm is left out by the regimen, design, line and age filters (empty = keep).

    One rule for curated arms and user-supplied studies alike: prospective = RCT arms and
    single-arm trials; an arm matches a patient's line when its enrolled range contains it (spans
    only with ``include_mixed_line``); an arm with no line reported enters only under
    ``line="any"``. ``noun`` names the record in the reasons ("arm", "study").
    """
    reasons = []
    if f.regimen != "any" and record["regimen"] != f.regimen:
        reasons.append(f"regimen {record['regimen']} (filter: {f.regimen})")
    if f.design == "prospective" and record["design"] not in PROSPECTIVE_DESIGNS:
        reasons.append(f"design {record['design']} (filter: prospective)")
    if f.design == "rct" and record["design"] != "rct_arm":
        reasons.append(f"design {record['design']} (filter: RCT arms)")
    line = record["line"] if isinstance(record["line"], str) else None
    if f.line != "any":
        wanted = LINE_WORDS[f.line]
        if line is None:
            reasons.append(f"line not reported (patient: {wanted})")
        elif not line_contains(line, f.line):
            reasons.append(f"enrolled {LINE_WORDS.get(line, line)} (patient: {wanted})")
        elif not f.include_mixed_line and not line_is_exact(line):
            reasons.append(f"enrolled {LINE_WORDS[line]} (filter: exactly {wanted})")
    elif not f.include_mixed_line and line is not None and not line_is_exact(line):
        reasons.append(f"{noun} enrolled {LINE_WORDS.get(line, line)} (filter: single-line arms)")
    if f.age != "all" and record["age_group"] != f.age:
        reasons.append(f"age group {record['age_group']} (filter: {f.age})")
    return reasons


def filter_reasons(study: Mapping[str, Any], f: Filters, *, histology: bool = True) -> list[str]:
    """Why a user-supplied study is left out under the filters (empty = it enters), in words for the
    table of the session's studies.

    The curated arms' rules for regimen, design, line and age (:func:`setting_reasons`) and, when
    ``histology`` is True, histology (a group filter keeps that group's studies; a subtype filter
    keeps studies of that subtype).
    """
    reasons = []
    if histology and f.histology != "all":
        group_filter = f.histology in ("sts", "bone")
        ok = (
            study["histology_group"] == f.histology
            if group_filter
            else (study["histology"] == f.histology)
        )
        if not ok:
            reasons.append(f"histology {study['histology']} (filter: {f.histology})")
    reasons += setting_reasons(study, f, noun="study")
    return reasons
