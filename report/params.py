"""The shared filters and method settings as plain values: names, allowed values, labels.

One :class:`Param` per setting of the app's URL (``?histology=lms&line=second``). The app's
sidebar (``ui.params``) and the command line (``python -m report``) read the same table, so a
link and a command take the same words and reject the same values. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import tkidata
from tkidata.analyses.method import PRESETS
from tkidata.store.vocab import histology_rows
from tkidata.wording import (
    AGE_LABELS,
    LINE_LABELS,
    MEAN_N_LABELS,
    PRESET_LABELS,
    REGIMEN_LABELS,
    STUDY_CI_LABELS,
    TAU2_LABELS,
    TEST_LABELS,
    TRANSFORM_LABELS,
    is_median,
)

#: histology groups in the words of a clinical question ("advanced bone sarcoma").
HISTOLOGY_PROSE = {
    "all": "advanced sarcoma",
    "sts": "advanced soft tissue sarcoma",
    "bone": "advanced bone sarcoma",
}


Outcome = tuple[str, int | None]
"""An outcome as views and exports name it: (outcome, timepoint in months or None)."""
#: outcomes a view, deck or bundle shows unless the user picks others.
DEFAULT_OUTCOMES: tuple[Outcome, ...] = (
    ("orr", None),
    ("dcr", None),
    ("pfs_median", None),
    ("pfs_rate", 6),
)


class ParamError(ValueError):
    """A setting given a value it does not accept; the message names both and the choices."""


STATE_PREFIX = "filter_"
CUSTOM = "custom"
"""The preset value of settings adjusted by hand (equal to no named preset)."""


@dataclass(frozen=True)
class Param:
    """One shared setting: URL name, accepted values (in display order), labels and default."""

    name: str
    label: str
    options: tuple[str, ...]
    labels: Mapping[str, str]
    default: str
    help: str = ""

    @property
    def key(self) -> str:
        """The key the app's widget for this setting stores its value under."""
        return STATE_PREFIX + self.name

    def format(self, value: str) -> str:
        """The label shown for a value."""
        return self.labels.get(value, value)


def _histology_param() -> Param:
    rows = histology_rows()  # the histology file alone, at import time
    group_words = {"sts": "Soft tissue", "bone": "Bone"}
    labels = {
        "all": "All histologies",
        "sts": "Soft tissue sarcoma (all)",
        "bone": "Bone sarcoma (all)",
    }
    codes = []
    for group in ("sts", "bone"):
        for row in rows:
            if row.get("group") == group:
                codes.append(row["code"])
                labels[row["code"]] = f"{group_words[group]} · {row['label']}"
    return Param(
        "histology",
        "Histology",
        ("all", "sts", "bone", *codes),
        labels,
        "all",
        "A mixed-histology study contributes only what it reports for this histology.",
    )


def _build_params() -> tuple[Param, ...]:
    return (
        _histology_param(),
        Param(
            "line",
            "Treatment line",
            ("any", "first", "second", "later"),
            {code: LINE_LABELS[code] for code in ("any", "first", "second", "later")},
            "any",
            "Studies that do not report the line enter only under 'Any line'.",
        ),
        Param(
            "mixed",
            "Include trials of a span of lines",
            ("yes", "no"),
            {"yes": "Yes", "no": "No"},
            "yes",
            "A trial of patients treated 'after at least one prior line' is evidence for a "
            "second-line patient. No: only trials of exactly this line.",
        ),
        Param(
            "direct",
            "Evidence shown",
            ("no", "yes"),
            {"no": "Most direct available", "yes": "Direct evidence only"},
            "no",
            "Most direct available: the subtype's own cohorts and subgroups first, else its "
            "histology group, else all sarcoma, each labelled. Direct only: the subtype's own "
            "evidence, nothing broader.",
        ),
        Param(
            "assess",
            "Assessments pooled",
            ("like", "mix"),
            {"like": "Like with like", "mix": "Allow mixing (flagged)"},
            "like",
            "Like with like: best overall response apart from response at a fixed week, "
            "Kaplan–Meier landmarks apart from crude or 12-week rates.",
        ),
        Param(
            "design",
            "Study design",
            ("all", "prospective", "rct"),
            {
                "all": "All designs",
                "prospective": "Prospective only (RCT + single-arm)",
                "rct": "RCT arms only",
            },
            "all",
            "Case reports never enter a pool.",
        ),
        Param(
            "regimen",
            "Regimen",
            ("monotherapy", "maintenance", "combination", "any"),
            REGIMEN_LABELS,
            "monotherapy",
        ),
        Param(
            "age",
            "Age group",
            ("all", "adult", "paediatric"),
            {code: AGE_LABELS[code] for code in ("all", "adult", "paediatric")},
            "all",
            "Studies mixing adults and children enter only under 'All ages'.",
        ),
        Param(
            "quoted",
            "Figures quoted by another paper",
            ("no", "yes"),
            {"no": "Leave out", "yes": "Include"},
            "no",
            "A few studies are known only from figures another paper quotes in its text (its "
            "discussion), never from a report of their own; they are left out of pools unless "
            "included here.",
        ),
        Param(
            "preset",
            "Method preset",
            (*PRESETS, CUSTOM),
            {**PRESET_LABELS, CUSTOM: "Adjusted by hand (see the settings below)"},
            "reference",
            "A preset sets every method setting; changing a setting by hand selects "
            "“Adjusted by hand”.",
        ),
        Param("transform", "Transformation", tuple(TRANSFORM_LABELS), TRANSFORM_LABELS, "PFT"),
        Param("tau2", "τ² estimator", tuple(TAU2_LABELS), TAU2_LABELS, "DL"),
        Param("ci", "Pooled CI", tuple(TEST_LABELS), TEST_LABELS, "z"),
        Param("study_ci", "Study CI", tuple(STUDY_CI_LABELS), STUDY_CI_LABELS, "wilson"),
        Param(
            "mean_n",
            "FT back-transform n",
            tuple(MEAN_N_LABELS),
            MEAN_N_LABELS,
            "harmonic",
            "Which mean study size the Freeman–Tukey back-transform uses.",
        ),
    )


PARAMS: tuple[Param, ...] = _build_params()
BY_NAME: dict[str, Param] = {p.name: p for p in PARAMS}
FILTER_PARAMS = (
    "histology",
    "line",
    "mixed",
    "direct",
    "assess",
    "design",
    "regimen",
    "age",
    "quoted",
)
SETTING_PARAMS = ("transform", "tau2", "ci", "study_ci", "mean_n")


def preset_settings(preset: str) -> dict[str, str]:
    """The individual method settings (URL values) of a preset (the reference's for custom)."""
    m = tkidata.Method.preset(preset if preset in PRESETS else "reference")
    return {
        "transform": "GLMM" if m.glmm else m.measure,
        "tau2": m.tau2,
        "ci": m.test,
        "study_ci": m.ci_method,
        "mean_n": m.mean_n,
    }


def defaults_for(values: Mapping[str, str]) -> dict[str, str]:
    """Default of every param given the preset in force (settings default to the preset's)."""
    defaults = {p.name: p.default for p in PARAMS}
    defaults.update(preset_settings(values.get("preset", defaults["preset"])))
    return defaults


def resolve(values: Mapping[str, str | None]) -> dict[str, str]:
    """Every param's value: the given ones checked, the rest from the defaults of the preset.

    Parameters
    ----------
    values
        URL name → value; ``None`` or a missing name means "not given".

    Returns
    -------
    dict
        A value for every name of :data:`PARAMS`.

    Raises
    ------
    ParamError
        For an unknown name or a value a param does not accept: the message names the param,
        the value and every allowed value.
    """
    given = {k: v for k, v in values.items() if v is not None}
    for name, value in given.items():
        if name not in BY_NAME:
            raise ParamError(f"unknown setting {name!r}: expected one of {', '.join(BY_NAME)}")
        param = BY_NAME[name]
        if value not in param.options:
            raise ParamError(
                f"{name} {value!r} is not allowed: expected one of {', '.join(param.options)}"
            )
    return {**defaults_for(given), **given}


def filters_from(values: Mapping[str, str]) -> tkidata.Filters:
    """The analysis layer's ``Filters`` from resolved values (:func:`resolve`)."""
    return tkidata.Filters(
        histology=values["histology"],
        line=values["line"],
        include_mixed_line=values["mixed"] == "yes",
        design=values["design"],
        regimen=values["regimen"],
        age=values["age"],
        mix_assessment=values["assess"] == "mix",
        include_quoted=values["quoted"] == "yes",
    )


def method_from(values: Mapping[str, str]) -> tkidata.Method:
    """The analysis layer's ``Method`` from resolved values (:func:`resolve`)."""
    glmm = values["transform"] == "GLMM"
    return tkidata.Method(
        glmm=glmm,
        measure="PLO" if glmm else values["transform"],
        tau2=values["tau2"],
        test=values["ci"],
        ci_method=values["study_ci"],
        mean_n=values["mean_n"],
    )


def describe_filters(f: tkidata.Filters) -> str:
    """The filters in force in the sidebar's words (``Bone sarcoma (all) · any line · ...``)."""
    parts = [BY_NAME["histology"].format(f.histology), BY_NAME["line"].format(f.line).lower()]
    if f.line != "any":
        parts.append(
            "incl. trials of a span of lines"
            if f.include_mixed_line
            else "only trials of exactly this line"
        )
    if f.mix_assessment:
        parts.append("assessments mixed")
    if f.include_quoted:
        parts.append("incl. figures quoted by another paper")
    parts += [
        BY_NAME["design"].format(f.design).lower(),
        BY_NAME["regimen"].format(f.regimen).lower(),
        BY_NAME["age"].format(f.age).lower(),
    ]
    return " · ".join(parts)


def histology_words(code: str) -> str:
    """A histology filter as prose: groups as ``advanced bone sarcoma``, subtypes by name."""
    if code in HISTOLOGY_PROSE:
        return HISTOLOGY_PROSE[code]
    label = BY_NAME["histology"].format(code)
    return "advanced " + label.split(" · ", 1)[-1].lower() if " · " in label else label


def method_for(outcome: str, m: tkidata.Method, *, k: int | None = None) -> str:
    """The part of ``m.describe()`` that applies to one outcome: inverse variance for medians.

    With ``k=1`` (a forest of one study) nothing is pooled: the words say so and name only
    how the study's interval was made (the method's study CI for a proportion, the study's own
    report for a median).
    """
    proportions, medians, level = m.describe().split("; ")
    if k == 1:
        if is_median(outcome):
            return f"Single study, not pooled: its median and {level} as reported"
        return f"Single study, not pooled: {STUDY_CI_LABELS[m.ci_method]} {level}"
    medians = medians[:1].upper() + medians[1:]
    return f"{medians}; {level}" if is_median(outcome) else f"{proportions}; {level}"
