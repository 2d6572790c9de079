"""The selection filters shared by every view (histology, line, design, regimen, age)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

LINE_CHOICES = ("any", "first", "second", "later")
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
        ``any``, ``first``, ``second`` or ``later`` (third line or beyond). Arms whose line is not
        reported enter only under ``any``.
    include_mixed_line : bool
        Also include arms whose patients were in mixed lines (e.g. "first or second line").
    design : str
        ``all``; ``prospective`` (RCT arms and prospective single-arm trials); ``rct`` (RCT arms).
        Case reports never enter a pool.
    regimen : str
        ``monotherapy`` (default), ``maintenance``, ``combination`` or ``any``.
    age : str
        ``all``, ``adult`` or ``paediatric``. Arms of ``mixed`` age (adults and children together)
        enter only under ``all``: their results cannot be attributed to either age group.
    """

    histology: str = "all"
    line: str = "any"
    include_mixed_line: bool = True
    design: str = "all"
    regimen: str = "monotherapy"
    age: str = "all"

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
        line = "any line" if self.line == "any" else f"{self.line} line"
        mixed = "incl. mixed-line arms" if self.include_mixed_line else "excl. mixed-line arms"
        design = {"all": "all designs", "prospective": "prospective only", "rct": "RCT arms"}
        return (
            f"histology {self.histology}; {line} ({mixed}); {design[self.design]}; "
            f"regimen {self.regimen}; age {self.age}"
        )


def setting_reasons(record: Mapping[str, Any], f: Filters, *, noun: str = "arm") -> list[str]:
    """Why a study arm is left out by the regimen, design, line and age filters (empty = keep).

    One rule for curated arms and user-supplied studies alike: prospective = RCT arms and
    single-arm trials; mixed-line arms follow ``include_mixed_line``; an arm with no line reported
    enters only under ``line="any"``. ``noun`` names the record in the reasons ("arm", "study").
    """
    reasons = []
    if f.regimen != "any" and record["regimen"] != f.regimen:
        reasons.append(f"regimen {record['regimen']} (filter: {f.regimen})")
    if f.design == "prospective" and record["design"] not in PROSPECTIVE_DESIGNS:
        reasons.append(f"design {record['design']} (filter: prospective)")
    if f.design == "rct" and record["design"] != "rct_arm":
        reasons.append(f"design {record['design']} (filter: RCT arms)")
    line = record["line"] if isinstance(record["line"], str) else None
    if line == "mixed":
        if not f.include_mixed_line:
            reasons.append(f"mixed-line {noun} (filter excludes mixed lines)")
    elif f.line != "any" and line != f.line:
        reasons.append(f"line {line or 'not reported'} (filter: {f.line})")
    if f.age != "all" and record["age_group"] != f.age:
        reasons.append(f"age group {record['age_group']} (filter: {f.age})")
    return reasons
