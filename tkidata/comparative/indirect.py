"""Anchored indirect comparisons of the drugs for one patient (network meta-analysis).

The trials of :func:`~tkidata.comparative.evidence.randomised_evidence` (one report per trial)
enter as log hazard-ratio contrasts, experimental vs control, with SE = (ln U − ln L) /
(2 × 1.959964) from the stated 95% CI; :func:`core.network.network_meta` fits each connected
component. Every pair of treatments of a component gets an HR with CI by an explicit
exponential back-transform of the log-scale contrast (Bucher 1997 in a star; Rücker 2012).
A hazard ratio without a usable CI, a maintenance comparison and a comparison that does not
share a control with any other trial are listed, never forced into the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from core.network import NetworkResult, network_components, network_meta
from tkidata.comparative.evidence import RandomisedEvidence, randomised_evidence
from tkidata.patient.filters import Filters
from tkidata.patient.selection import arm_record
from tkidata.store.loader import Evidence
from tkidata.wording import (
    NOT_CONNECTED,
    STAR_NETWORK,
    format_hazard_ratio,
    population_label,
    treatment_label,
)

Z95 = 1.959964
"""Normal quantile of a two-sided 95% interval (SE from a stated 95% CI)."""

CONTRAST_COLUMNS = (
    "component",
    "trial",
    "study_id",
    "drug",
    "treat1",
    "treat2",
    "hr",
    "ci_low",
    "ci_high",
    "te",
    "se",
)
LEAGUE_COLUMNS = (
    "component",
    "treat1",
    "treat2",
    "hr",
    "ci_low",
    "ci_high",
    "te",
    "se",
    "evidence",
    "via",
    "trials",
)
NOT_ANALYSED_COLUMNS = ("trial", "drug", "comparison_label", "reason")


@dataclass(frozen=True)
class NetworkComponent:
    """One connected network of treatments and its fit.

    Attributes
    ----------
    nodes : tuple of str
        Treatments (network nodes), sorted.
    trials : tuple of str
        Trials in the component.
    reference : str
        The treatment effects are expressed against (placebo when present).
    result : core.network.NetworkResult
        The fit (log hazard-ratio scale).
    star : bool
        True when no loop exists (every drug meets only its control): inconsistency cannot be
        tested.
    message : str
        The component in words, for captions.
    """

    nodes: tuple[str, ...]
    trials: tuple[str, ...]
    reference: str
    result: NetworkResult
    star: bool
    message: str


@dataclass(frozen=True, eq=False)
class IndirectComparisons:
    """The network analysis of the patient's randomised trials for one outcome.

    Attributes
    ----------
    outcome : str
        ``hr_pfs`` or ``hr_os``.
    model, tau2_method : str
        As passed to :func:`core.network.network_meta`.
    contrasts : pandas.DataFrame
        The analysed trials (one report each): ``CONTRAST_COLUMNS``.
    not_analysed : pandas.DataFrame
        Trials left out and why: ``NOT_ANALYSED_COLUMNS``.
    components : tuple of NetworkComponent
    league : pandas.DataFrame
        Every pair of treatments of each component: ``LEAGUE_COLUMNS``; ``hr`` is
        ``exp(te)`` of ``treat1`` relative to ``treat2``, ``evidence`` ``direct`` (the pair met
        in a trial) or ``indirect`` (only through ``via``).
    messages : tuple of str
        What the reader must know: star networks, disconnected controls.
    """

    outcome: str
    model: str
    tau2_method: str
    contrasts: pd.DataFrame
    not_analysed: pd.DataFrame
    components: tuple[NetworkComponent, ...]
    league: pd.DataFrame
    messages: tuple[str, ...]


def se_from_ci(lo: float, hi: float) -> float:
    """SE of a log hazard ratio from its 95% CI: (ln hi − ln lo) / (2 × 1.959964)."""
    return (math.log(hi) - math.log(lo)) / (2 * Z95)


def _contrasts(rows: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the patient's rows into analysable contrasts and the rest, with reasons."""
    kept, left = [], []
    for row in rows[rows["outcome"] == outcome].itertuples(index=False):
        reason = None
        if row.setting != "treatment":
            reason = f"{row.setting} setting: not comparable with treatment trials"
        elif not row.has_ci:
            reason = "hazard ratio without a usable CI: listed, not analysed"
        if reason:
            left.append(
                {
                    "trial": row.trial,
                    "drug": row.drug,
                    "comparison_label": row.comparison_label,
                    "reason": reason,
                }
            )
            continue
        kept.append(
            {
                "component": 0,
                "trial": row.trial,
                "study_id": row.study_id,
                "drug": row.drug,
                "treat1": row.experimental,
                "treat2": row.anchor,
                "hr": row.hr,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "te": math.log(row.hr),
                "se": se_from_ci(row.ci_low, row.ci_high),
            }
        )
    return (
        pd.DataFrame(kept, columns=list(CONTRAST_COLUMNS)),
        pd.DataFrame(left, columns=list(NOT_ANALYSED_COLUMNS)),
    )


def _reference(nodes: tuple[str, ...], part: pd.DataFrame) -> str:
    """Placebo when in the component, else the most frequent control."""
    if "placebo" in nodes:
        return "placebo"
    return str(part["treat2"].value_counts().idxmax())


def indirect_comparisons(
    ev: Evidence,
    f: Filters,
    *,
    outcome: str = "hr_pfs",
    model: str = "random",
    tau2_method: str = "REML",
    evidence: RandomisedEvidence | None = None,
) -> IndirectComparisons:
    """Every drug against its control and every pair of treatments, per connected network.

    Parameters
    ----------
    ev : Evidence
    f : Filters
        The patient (histology, line): the trials of :func:`randomised_evidence`.
    outcome : {"hr_pfs", "hr_os"}
    model, tau2_method : str
        Passed to :func:`core.network.network_meta` (random effects, REML by default; with one
        trial per comparison τ² cannot be estimated and the fit equals the common-effect one).
    evidence : RandomisedEvidence, optional
        Reuse an already computed :func:`randomised_evidence` for ``f``.

    Returns
    -------
    IndirectComparisons

    References
    ----------
    Bucher HC, Guyatt GH, Griffith LE, Walter SD. The results of direct and indirect treatment
    comparisons in meta-analysis of randomized controlled trials. J Clin Epidemiol
    1997;50:683-91. Rücker G. Network meta-analysis, electrical networks and graph theory. Res
    Synth Methods 2012;3:312-24.
    """
    re = evidence if evidence is not None else randomised_evidence(ev, f)
    contrasts, not_analysed = _contrasts(re.rows, outcome)
    components: list[NetworkComponent] = []
    league: list[dict[str, object]] = []
    messages: list[str] = []
    parts = network_components(list(contrasts["treat1"]), list(contrasts["treat2"]))
    for number, nodes in enumerate(parts, start=1):
        mask = contrasts["treat1"].isin(nodes)
        contrasts.loc[mask, "component"] = number
        part = contrasts[mask]
        reference = _reference(nodes, part)
        res = network_meta(
            list(part["trial"]),
            list(part["treat1"]),
            list(part["treat2"]),
            list(part["te"]),
            list(part["se"]),
            reference=reference,
            model=model,
            tau2_method=tau2_method,
        )
        edges = {(e.treat1, e.treat2) for e in res.geometry.edges}
        trials = tuple(dict.fromkeys(part["trial"]))
        star = res.inconsistency is None
        drugs = [n for n in nodes if n != reference]
        said = []
        if star and len(drugs) > 1:
            said.append(STAR_NETWORK.format(control=treatment_label(reference).lower()))
        if len(parts) > 1 and "placebo" not in nodes:
            control = treatment_label(reference).lower()
            said.append(NOT_CONNECTED.format(trials=", ".join(trials), control=control))
        text = "; ".join(said)
        messages += said
        components.append(NetworkComponent(tuple(nodes), trials, reference, res, star, text))
        for i, a in enumerate(res.treatments):
            for b in res.treatments[i + 1 :]:
                for t1, t2 in ((a, b), (b, a)):
                    entry = res.contrast(t1, t2)
                    hr, lo, hi = entry.transf(math.exp)
                    pair = tuple(sorted((t1, t2)))
                    direct = pair in edges
                    met = part[
                        part[["treat1", "treat2"]].apply(lambda r: tuple(sorted(r)), axis=1) == pair
                    ]
                    path = _path(res, t1, t2)
                    league.append(
                        {
                            "component": number,
                            "treat1": t1,
                            "treat2": t2,
                            "hr": hr,
                            "ci_low": lo,
                            "ci_high": hi,
                            "te": entry.te,
                            "se": entry.se,
                            "evidence": "direct" if direct else "indirect",
                            "via": "" if direct else " and ".join(path[1:-1]),
                            "trials": ";".join(dict.fromkeys(met["trial"]))
                            if direct
                            else ";".join(_path_trials(res, path)),
                        }
                    )
    return IndirectComparisons(
        outcome,
        model,
        tau2_method,
        contrasts,
        not_analysed,
        tuple(components),
        pd.DataFrame(league, columns=list(LEAGUE_COLUMNS)),
        tuple(messages),
    )


def _path(res: NetworkResult, a: str, b: str) -> list[str]:
    """The shortest chain of directly compared treatments from ``a`` to ``b`` (breadth first)."""
    neighbours: dict[str, list[str]] = {}
    for e in res.geometry.edges:
        neighbours.setdefault(e.treat1, []).append(e.treat2)
        neighbours.setdefault(e.treat2, []).append(e.treat1)
    previous: dict[str, str] = {a: a}
    queue = [a]
    while queue and b not in previous:
        node = queue.pop(0)
        for nxt in sorted(neighbours.get(node, [])):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    chain = [b]
    while chain[-1] != a:
        chain.append(previous[chain[-1]])
    return chain[::-1]


def _path_trials(res: NetworkResult, path: list[str]) -> list[str]:
    """The trials of the edges along a chain of treatments."""
    by_pair = {tuple(sorted((e.treat1, e.treat2))): e.studies for e in res.geometry.edges}
    found: list[str] = []
    for a, b in pairwise(path):
        found += by_pair[tuple(sorted((a, b)))]
    return list(dict.fromkeys(found))


def _controls_only(ic: IndirectComparisons) -> set[str]:
    """Nodes that are only ever a control (placebo, dacarbazine), never a trial's drug."""
    return set(ic.contrasts["treat2"]) - set(ic.contrasts["treat1"])


def drug_pairs(ic: IndirectComparisons) -> pd.DataFrame:
    """The league rows that compare two drugs' regimens (not a drug vs a control), once each."""
    controls = _controls_only(ic)
    league = ic.league
    keep = ~league["treat1"].isin(controls) & ~league["treat2"].isin(controls)
    return league[keep & (league["treat1"] < league["treat2"])].reset_index(drop=True)


def oriented_league(ic: IndirectComparisons) -> pd.DataFrame:
    """One row per pair: a drug before a control, otherwise in alphabetical order."""
    controls = _controls_only(ic)
    league = ic.league
    as_run = set(zip(ic.contrasts["treat1"], ic.contrasts["treat2"], strict=True))
    pairs = list(zip(league["treat1"], league["treat2"], strict=True))
    run = pd.Series([p in as_run for p in pairs], index=league.index)
    reverse = pd.Series([(b, a) in as_run for a, b in pairs], index=league.index)
    first_drug = ~league["treat1"].isin(controls) & league["treat2"].isin(controls)
    same_kind = league["treat1"].isin(controls) == league["treat2"].isin(controls)
    rule = first_drug | (same_kind & (league["treat1"] < league["treat2"]))
    keep = run | (~reverse & rule)
    return league[keep].reset_index(drop=True)


def league_table(ic: IndirectComparisons) -> pd.DataFrame:
    """The league, one row per pair (a drug before its control), in words."""
    rows = oriented_league(ic)
    return pd.DataFrame(
        {
            "Comparison": [
                f"{treatment_label(a)} vs {treatment_label(b).lower()}"
                for a, b in zip(rows["treat1"], rows["treat2"], strict=True)
            ],
            "Hazard ratio (95% CI)": [
                format_hazard_ratio(h, lo, hi)
                for h, lo, hi in zip(rows["hr"], rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "Evidence": [
                "direct (within trial)" if e == "direct" else f"indirect, through {v}"
                for e, v in zip(rows["evidence"], rows["via"], strict=True)
            ],
            "Trials": [t.replace(";", ", ") for t in rows["trials"]],
            "Network": rows["component"],
        }
    ).reset_index(drop=True)


def network_table(ic: IndirectComparisons) -> pd.DataFrame:
    """The network's edges for a graph: ``component, treat1, treat2, n_studies, trials``."""
    records = [
        {
            "component": number,
            "treat1": e.treat1,
            "treat2": e.treat2,
            "n_studies": e.n_studies,
            "trials": ";".join(e.studies),
        }
        for number, comp in enumerate(ic.components, start=1)
        for e in comp.result.geometry.edges
    ]
    return pd.DataFrame(records, columns=["component", "treat1", "treat2", "n_studies", "trials"])


HISTOLOGY_MATCHED_COLUMNS = (
    "subtype",
    "treat1",
    "treat2",
    "hr",
    "ci_low",
    "ci_high",
    "evidence",
    "trials",
    "note",
)


def histology_matched(
    ev: Evidence, f: Filters, *, outcome: str = "hr_pfs", model: str = "random"
) -> pd.DataFrame:
    """Anchored comparisons within one subtype, from subtype cohorts and subgroup HRs.

    For the patient's subtype (or, for a group or "all" patient, each subtype with randomised
    rows of two or more drugs), each subtype's own rows (one per trial) form a network; every
    pair of drugs sharing a control gets an HR with CI. Subtypes where a pair cannot be formed
    (a drug's subtype HR without a CI, or controls not connected) get one row saying why.

    Returns
    -------
    pandas.DataFrame
        ``HISTOLOGY_MATCHED_COLUMNS``.
    """
    codes = set(ev.vocab.histology["code"])
    if f.histology in codes:
        subtypes = [f.histology]
    else:
        subtypes = sorted(set(ev.comparisons["population"]) & codes)
    records: list[dict[str, object]] = []
    comp = ev.comparisons
    comp = comp[comp["preferred"].astype(bool) & (comp["outcome"] == outcome)]
    for code in subtypes:
        arms = comp.loc[comp["population"] == code, "study_id"]
        if len({arm_record(ev, s)["drug"] for s in arms} & set(ev.vocab.tki_drugs)) < 2:
            continue  # a subtype's direct rows are its own: fewer than two drugs, no pair
        sub = f.replace(histology=code)
        found = randomised_evidence(ev, sub)
        direct = found.rows[found.rows["tier"] == "direct"].reset_index(drop=True)
        rows = direct[direct["outcome"] == outcome]
        if rows["drug"].nunique() < 2:
            continue
        own = RandomisedEvidence(sub, direct, found.drugs)
        ic = indirect_comparisons(ev, sub, outcome=outcome, model=model, evidence=own)
        pairs = drug_pairs(ic)
        label = population_label(code)
        for p in pairs.itertuples(index=False):
            records.append(
                {
                    "subtype": label,
                    "treat1": p.treat1,
                    "treat2": p.treat2,
                    "hr": p.hr,
                    "ci_low": p.ci_low,
                    "ci_high": p.ci_high,
                    "evidence": p.evidence,
                    "trials": p.trials,
                    "note": f"through {p.via}" if p.via else "within one trial",
                }
            )
        if pairs.empty:
            why = "; ".join(
                f"{r.trial} ({r.drug}): {r.reason}" for r in ic.not_analysed.itertuples()
            )
            reasons = [why] if why else []
            reasons += list(ic.messages)
            records.append(
                {
                    "subtype": label,
                    "treat1": "",
                    "treat2": "",
                    "hr": math.nan,
                    "ci_low": math.nan,
                    "ci_high": math.nan,
                    "evidence": "not estimable",
                    "trials": ";".join(dict.fromkeys(rows["trial"])),
                    "note": "; ".join(reasons) or "no two drugs share a control",
                }
            )
    return pd.DataFrame(records, columns=list(HISTOLOGY_MATCHED_COLUMNS))
