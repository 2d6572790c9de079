"""The tiered answers of a grid of patients, recorded from the code before the selection and tiers
were made fast, must not change by a bit (``tests/fixtures/golden/tiers.json``).

Each patient (histology × line × design × preset, some direct-only) records, per drug, every
first-screen number (tier, tiers tried, k, N, study ids, estimate and CI as exact floats,
certainty and the unpooled reports), the grade ≥3 adverse-event table at its tier, and the whole
:func:`tkidata.tiered_compare` table. Regenerate only for a deliberate change of an answer:
``python tests/test_tkidata_golden.py``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

import tkidata
from tkidata.patient.tiers import TieredNumber, patient_summary, tiered_compare, unpooled_text

GOLDEN = Path(__file__).parent / "fixtures" / "golden" / "tiers.json"
LINES = ("any", "first", "second", "later")
DESIGNS = ("all", "prospective", "rct")
PRESETS = ("reference", "meta", "metafor")


def patients(ev: tkidata.Evidence) -> list[tuple[str, str, str, str, bool]]:
    """(histology, line, design, preset, direct_only): every population once at second line, and
    a fixed walk through the other lines, designs and presets."""
    grid = []
    for i, histology in enumerate(sorted(ev.vocab.populations)):
        grid.append((histology, "second", "all", "reference", False))
        grid.append(
            (
                histology,
                LINES[i % len(LINES)],
                DESIGNS[i % len(DESIGNS)],
                PRESETS[(i + 1) % len(PRESETS)],
                i % 5 == 0,
            )
        )
    return grid


def _value(x: object) -> object:
    """A JSON-safe, exact value: floats as their repr (NaN as "nan"), numpy scalars unwrapped."""
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()  # type: ignore[union-attr]
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, float):
        return repr(x)
    return x if isinstance(x, (str, int, bool)) else str(x)


def _number(number: TieredNumber) -> dict[str, object]:
    res = number.result
    return {
        "tier": number.tier,
        "tried": [list(t) for t in number.tried],
        "k": res.k if res else None,
        "n": res.n_patients if res else None,
        "n_unknown": list(res.n_unknown) if res else None,
        "study_ids": list(res.study_ids) if res else None,
        "estimate": [_value(v) for v in res.estimate] if res and res.estimate else None,
        "note": res.note if res else None,
        "certainty": [number.certainty.level, *number.certainty.reasons]
        if number.certainty
        else None,
        "unpooled": unpooled_text(number),
        "mixed": number.mixed_assessment,
    }


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{c: _value(v) for c, v in row.items()} for row in frame.to_dict("records")]


def snapshot(ev: tkidata.Evidence, patient: tuple[str, str, str, str, bool]) -> dict[str, object]:
    """The recorded answers for one patient."""
    histology, line, design, preset, direct = patient
    f = tkidata.Filters(histology=histology, line=line, design=design)
    m = tkidata.Method.preset(preset)
    summaries = patient_summary(ev, f, m, direct_only=direct)
    return {
        "patient": list(patient),
        "summary": {
            s.drug: {
                "numbers": {o: _number(n) for o, n in s.numbers.items()},
                "ae_tier": s.adverse_events.tier,
                "ae_tried": [list(t) for t in s.adverse_events.tried],
                "ae": _records(s.adverse_events.table),
            }
            for s in summaries
        },
        "compare": _records(tiered_compare(ev, f, m, direct_only=direct)),
    }


@pytest.fixture(scope="module")
def ev() -> tkidata.Evidence:
    return tkidata.load()


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, object]]:
    return {"|".join(map(str, g["patient"])): g for g in json.loads(GOLDEN.read_text())}


def test_the_grid_is_the_recorded_one(ev, golden) -> None:
    assert sorted("|".join(map(str, p)) for p in patients(ev)) == sorted(golden)


@pytest.mark.parametrize("index", range(54))
def test_tiered_answers_are_unchanged(ev, golden, index) -> None:
    patient = patients(ev)[index]
    assert snapshot(ev, patient) == golden["|".join(map(str, patient))]


if __name__ == "__main__":
    evidence = tkidata.load()
    grid = patients(evidence)
    GOLDEN.write_text(json.dumps([snapshot(evidence, p) for p in grid], indent=0) + "\n")
    sys.stdout.write(f"{len(grid)} patients recorded in {GOLDEN}\n")
