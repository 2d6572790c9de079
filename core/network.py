"""Contrast-based frequentist network meta-analysis, validated against R metafor ``rma.mv``.

Input is netmeta's pairwise form: one row per pair of arms of a study (``study, treat1, treat2,
TE, seTE``; ``TE`` is treat1 relative to treat2 on the analysis scale, e.g. a log hazard ratio).
A multi-arm trial lists every pair of its arms; its arm variances are recovered from the pairwise
variances (Rücker 2012) and its contrasts are re-expressed against its first arm with the
covariance that shared arm implies.

Models (Salanti 2008; Rücker 2012; White et al. 2012):

* **common effect** — generalised least squares with the multi-arm covariance; identical to
  netmeta's common-effects model and to ``rma.mv(yi, V, mods = X - 1)``.
* **random effects** with one between-study variance τ² for every comparison and correlation ½
  between contrasts of one multi-arm trial (consistency, homogeneous variance): metafor's
  ``rma.mv(yi, V, mods = X - 1, random = ~ comparison | study, rho = 1/2)``. τ² by REML (the
  same restricted likelihood metafor maximises) or by the DerSimonian–Laird method generalised to
  networks by Jackson, White & Riley (2012), as netmeta computes it.

Inconsistency, where the network has loops of designs: the design-by-treatment decomposition of Q
(Krahn, Binder & König 2013; netmeta ``decomp.design``) and node-splitting by back-calculation
(SIDE; Dias et al. 2010; König, Krahn & Binder 2013; netmeta ``netsplit``).

Ranking: P-scores (Rücker & Schwarzer 2015).

Everything is on the analysis scale; exponentiating (a hazard-ratio scale) is the caller's
explicit step (``entry.transf(math.exp)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.distributions import chi2_sf, norm_isf, norm_sf

MODELS = ("common", "random")
TAU2_METHODS = ("REML", "DL")
# netmeta's tol.multiarm: largest allowed inconsistency of a multi-arm trial's contrasts.
TE_TOL = 1e-3
# Largest relative misfit of a pairwise variance to the recovered arm variances (trials with
# four or more arms, where the pairwise variances over-determine the arm variances).
VAR_RTOL = 1e-3
# netmeta's tol.direct: a comparison whose direct evidence proportion is this close to 1 has no
# indirect evidence to split off.
DIRECT_TOL = 5e-4
_REML_TOL = 1e-10
_REML_MAXITER = 500


class NetworkInputError(ValueError):
    """Contrasts that cannot form a network; ``row`` is the 0-based index of the offending row."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


class DisconnectedNetworkError(ValueError):
    """The treatments fall into several unconnected networks, named per component.

    ``components`` holds the (sorted) treatments of each component; fit each one separately.
    """

    def __init__(self, components: tuple[tuple[str, ...], ...]) -> None:
        parts = "; ".join(
            f"component {i}: {', '.join(c)}" for i, c in enumerate(components, start=1)
        )
        super().__init__(f"the network is disconnected into {len(components)} parts ({parts})")
        self.components = components


# ---- result objects ------------------------------------------------------------------------


def _num(x: float | None) -> float | None:
    """JSON-safe float: NaN and None become None."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _interval(fn: Callable[[float], float], te: float, lo: float, hi: float):
    return fn(te), fn(lo), fn(hi)


@dataclass(frozen=True)
class NetworkEffect:
    """One treatment against the reference: estimate, SE, CI and the z test of ``te = 0``."""

    treatment: str
    te: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p: float

    def transf(self, fn: Callable[[float], float]) -> tuple[float, float, float]:
        """``(fn(te), fn(ci_low), fn(ci_high))``, e.g. ``math.exp`` for a hazard ratio."""
        return _interval(fn, self.te, self.ci_low, self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "treatment": self.treatment,
            "TE": _num(self.te),
            "seTE": _num(self.se),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
        }


@dataclass(frozen=True)
class LeagueEntry:
    """``treat1`` relative to ``treat2`` (``te = d[treat1] - d[treat2]``) with SE and CI."""

    treat1: str
    treat2: str
    te: float
    se: float
    ci_low: float
    ci_high: float

    def transf(self, fn: Callable[[float], float]) -> tuple[float, float, float]:
        """``(fn(te), fn(ci_low), fn(ci_high))``, e.g. ``math.exp`` for a hazard ratio."""
        return _interval(fn, self.te, self.ci_low, self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "treat1": self.treat1,
            "treat2": self.treat2,
            "TE": _num(self.te),
            "seTE": _num(self.se),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
        }


@dataclass(frozen=True)
class GeometryNode:
    """A treatment and the number of studies with an arm of it."""

    treatment: str
    n_studies: int


@dataclass(frozen=True)
class GeometryEdge:
    """A directly compared pair (``treat1 < treat2``) and the studies comparing them."""

    treat1: str
    treat2: str
    n_studies: int
    studies: tuple[str, ...]


@dataclass(frozen=True)
class Geometry:
    """The network graph: nodes and edges, in sorted order."""

    nodes: tuple[GeometryNode, ...]
    edges: tuple[GeometryEdge, ...]


@dataclass(frozen=True)
class DesignQ:
    """Heterogeneity within one design (set of arms, e.g. ``"A:B:C"``) with ``df > 0``."""

    design: str
    q: float
    df: int
    p: float


@dataclass(frozen=True)
class NodeSplit:
    """Direct against indirect evidence for one comparison (``treat1`` relative to ``treat2``).

    ``direct`` pools the contrasts of the two as given (plus τ² in the random-effects model;
    netmeta's direct estimate); ``indirect`` is back-calculated from the
    network estimate, ``(te_net - prop_direct * te_direct) / (1 - prop_direct)`` with
    ``prop_direct = var_net / var_direct`` (SIDE; netmeta ``netsplit``). ``difference`` is
    direct minus indirect, tested by ``z``/``p``.
    """

    treat1: str
    treat2: str
    k_direct: int
    prop_direct: float
    network: LeagueEntry
    direct: LeagueEntry
    indirect: LeagueEntry
    difference: LeagueEntry
    z: float
    p: float

    def to_dict(self) -> dict[str, Any]:
        def part(e: LeagueEntry) -> dict[str, Any]:
            return {k: v for k, v in e.to_dict().items() if k not in ("treat1", "treat2")}

        return {
            "treat1": self.treat1,
            "treat2": self.treat2,
            "k_direct": self.k_direct,
            "prop_direct": _num(self.prop_direct),
            "network": part(self.network),
            "direct": part(self.direct),
            "indirect": part(self.indirect),
            "difference": part(self.difference),
            "z": _num(self.z),
            "p": _num(self.p),
        }


@dataclass(frozen=True)
class Inconsistency:
    """Design-by-treatment decomposition of Q and node-splitting (Krahn et al. 2013).

    ``q_within`` sums the heterogeneity within designs; ``q_between = Q - q_within`` is the
    inconsistency between designs (common-effect weights). ``q_between_random`` is the same
    between-designs statistic with τ² estimated (DL) in the full design-by-treatment interaction
    model (``tau2_within``), netmeta's ``Q.inc.random``.
    """

    q_within: float
    df_within: int
    p_within: float
    q_between: float
    df_between: int
    p_between: float
    tau2_within: float
    q_between_random: float
    p_between_random: float
    designs: tuple[DesignQ, ...]
    splits: tuple[NodeSplit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "q_within": _num(self.q_within),
            "df_within": self.df_within,
            "p_within": _num(self.p_within),
            "q_between": _num(self.q_between),
            "df_between": self.df_between,
            "p_between": _num(self.p_between),
            "tau2_within": _num(self.tau2_within),
            "q_between_random": _num(self.q_between_random),
            "p_between_random": _num(self.p_between_random),
            "designs": [
                {"design": d.design, "q": _num(d.q), "df": d.df, "p": _num(d.p)}
                for d in self.designs
            ],
            "node_split": [s.to_dict() for s in self.splits],
        }


@dataclass(frozen=True)
class NetworkResult:
    """A fitted network: effects against the reference, the league table and diagnostics.

    ``tau2`` is the between-study variance by ``tau2_method`` (reported under either model, like Q
    and I²; the common-effect estimates do not use it). It is NaN when ``df = 0`` (every
    comparison informed by one design: nothing to estimate it from). ``q``/``df``/``p``/``i2``
    (percent) are the common-effect heterogeneity statistics of the whole network.
    ``inconsistency`` is None when no loop of designs exists (a star, or loops only inside
    multi-arm trials): inconsistency is then not testable, which is not the same as absent.
    """

    treatments: tuple[str, ...]
    reference: str
    model: str
    tau2_method: str
    level: float
    n_studies: int
    n_contrasts: int
    tau2: float
    q: float
    df: int
    p: float
    i2: float
    effects: tuple[NetworkEffect, ...]
    league: tuple[LeagueEntry, ...]
    inconsistency: Inconsistency | None
    geometry: Geometry
    _theta: np.ndarray = field(repr=False, compare=False)
    _cov: np.ndarray = field(repr=False, compare=False)

    def contrast(self, a: str, b: str) -> LeagueEntry:
        """``a`` relative to ``b`` (``d[a] - d[b]``) with SE and CI at the fitted level."""
        idx = {t: i for i, t in enumerate(self.treatments)}
        for t in (a, b):
            if t not in idx:
                raise KeyError(f"{t!r} is not a treatment of the network")
        zcrit = float(norm_isf((1.0 - self.level) / 2.0))
        return _league_entry(self._theta, self._cov, idx[a], idx[b], self.treatments, zcrit)

    @property
    def pscores(self) -> tuple[tuple[str, float], ...]:
        """P-scores (Rücker & Schwarzer 2015), smaller effects better (e.g. log HR of an event).

        ``P_i`` is the mean over the other treatments ``j`` of ``Φ((d_j - d_i) / se_ij)``: the
        certainty that ``i`` is better than another treatment, averaged (netmeta ``netrank``).
        Ranks mislead when the intervals overlap: two treatments with nearly the same P-score, or
        P-scores far apart on overlapping intervals, are not shown to differ; read the league
        table, not the order. For outcomes where larger is better, fit ``-TE``.
        """
        n = len(self.treatments)
        th, cv = self._theta, self._cov
        d = np.diag(cv)
        diff = th[None, :] - th[:, None]  # d_j - d_i
        var = d[:, None] + d[None, :] - 2 * cv
        np.fill_diagonal(var, 1.0)
        prob = 1.0 - norm_sf(diff / np.sqrt(var))
        np.fill_diagonal(prob, 0.0)
        scores = prob.sum(axis=1) / (n - 1)
        return tuple((t, float(s)) for t, s in zip(self.treatments, scores, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """The CLI JSON object of ``python -m core network`` (DESIGN.md, "CLI contract")."""
        return {
            "studies": self.n_studies,
            "treatments": list(self.treatments),
            "reference": self.reference,
            "model": self.model,
            "tau2_method": self.tau2_method,
            "tau2": _num(self.tau2),
            "q": _num(self.q),
            "df": self.df,
            "p": _num(self.p),
            "i2": _num(self.i2),
            "effects": [e.to_dict() for e in self.effects],
            "league": [e.to_dict() for e in self.league],
            "inconsistency": None if self.inconsistency is None else self.inconsistency.to_dict(),
        }


# ---- input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Study:
    name: str
    arms: tuple[str, ...]  # arms[0] is the baseline of the study's contrasts
    y: np.ndarray  # arms[1:] relative to arms[0]
    arm_var: np.ndarray  # per arm (length k); for a two-arm trial v[0] = 0, v[1] = seTE²
    pairs: tuple[tuple[str, str, float, float], ...]  # (treat1, treat2, TE, seTE) as given

    @property
    def cov(self) -> np.ndarray:
        v = self.arm_var
        return np.diag(v[1:]) + v[0]


def _arm_solution(study: str, arms: tuple[str, ...], pairs, first_row: int):
    """Arm effects (``d[arms[0]] = 0``) and arm variances of a trial with three or more arms."""
    k = len(arms)
    pos = {a: i for i, a in enumerate(arms)}
    npair = len(pairs)
    inc = np.zeros((npair, k))
    te = np.empty(npair)
    var = np.empty(npair)
    for r, (t1, t2, y, se) in enumerate(pairs):
        inc[r, pos[t1]] = 1.0
        inc[r, pos[t2]] = -1.0
        te[r] = y
        var[r] = se * se
    # Rücker (2012): V_ij = v_i + v_j; three arms determine v exactly, more over-determine it.
    absinc = np.abs(inc)
    v = np.linalg.lstsq(absinc, var, rcond=None)[0]
    fitted = absinc @ v
    misfit = np.abs(fitted - var) / var
    worst = int(np.argmax(misfit))
    if misfit[worst] > VAR_RTOL:
        t1, t2 = pairs[worst][:2]
        raise NetworkInputError(
            f"study {study!r}: arm variances do not fit: the variances of its {npair} contrasts "
            f"cannot come from one set of {k} arms (seTE of {t1} vs {t2} is "
            f"{math.sqrt(var[worst]):.6g}, the arms imply {math.sqrt(max(fitted[worst], 0)):.6g})",
            first_row,
        )
    cov = np.diag(v[1:]) + v[0]
    try:
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise NetworkInputError(
            f"study {study!r}: arm variances do not fit: the variances of its contrasts imply "
            f"arm variances {', '.join(f'{a} {x:.4g}' for a, x in zip(arms, v, strict=True))}, "
            "which no set of arms can have",
            first_row,
        ) from None
    # Arm effects by netmeta's weighted least squares: Laplacian L = D' C^-1 D (D: contrasts
    # against arm 0), pair weights -L_ij, L d = B'W TE with d_0 = 0, i.e. d[1:] = C (B'W TE)[1:].
    prec = np.linalg.inv(cov)
    lap = np.empty((k, k))
    lap[1:, 1:] = prec
    lap[0, 1:] = lap[1:, 0] = -prec.sum(axis=0)
    lap[0, 0] = prec.sum()
    wpair = np.array([-lap[pos[t1], pos[t2]] for t1, t2, *_ in pairs])
    delta = np.zeros(k)
    delta[1:] = cov @ (inc.T @ (wpair * te))[1:]
    resid = te - inc @ delta
    worst = int(np.argmax(np.abs(resid)))
    if abs(resid[worst]) > TE_TOL:
        t1, t2 = pairs[worst][:2]
        raise NetworkInputError(
            f"study {study!r}: its contrasts are not consistent around its arms: TE of {t1} vs "
            f"{t2} is {te[worst]:.6g}, the study's other contrasts imply "
            f"{te[worst] - resid[worst]:.6g}",
            first_row,
        )
    return delta[1:], v


def _studies(study, treat1, treat2, te, se_te) -> list[_Study]:
    n = len(study)
    for name, seq in (("treat1", treat1), ("treat2", treat2), ("TE", te), ("seTE", se_te)):
        if len(seq) != n:
            raise NetworkInputError(f"{name} has {len(seq)} values, study has {n}")
    if n == 0:
        raise NetworkInputError("no contrasts")
    studies = [str(x).strip() for x in study]
    t1s = [str(x).strip() for x in treat1]
    t2s = [str(x).strip() for x in treat2]
    for col, vals in (("study", studies), ("treat1", t1s), ("treat2", t2s)):
        if not all(vals):
            raise NetworkInputError(f"{col}: missing value", vals.index(""))
    y_all = np.asarray(te, dtype=float)
    se_all = np.asarray(se_te, dtype=float)
    bad = ~np.isfinite(y_all)
    if bad.any():
        i = int(np.argmax(bad))
        raise NetworkInputError(f"TE: {y_all[i]} is not a finite number", i)
    bad = ~(np.isfinite(se_all) & (se_all > 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise NetworkInputError(f"seTE: {se_all[i]} is not a positive finite number", i)
    grouped: dict[str, list[int]] = {}
    for i, (s, t1, t2) in enumerate(zip(studies, t1s, t2s, strict=True)):
        if t1 == t2:
            message = f"study {s!r} has one arm: treat1 and treat2 are both {t1!r}"
            raise NetworkInputError(message, i)
        grouped.setdefault(s, []).append(i)
    y_list, se_list = y_all.tolist(), se_all.tolist()
    out = []
    for s, rows in grouped.items():
        arms: list[str] = []
        seen: dict[frozenset[str], int] = {}
        pairs = []
        for i in rows:
            t1, t2 = t1s[i], t2s[i]
            key = frozenset((t1, t2))
            if key in seen:
                raise NetworkInputError(f"study {s!r} lists {t1} vs {t2} twice", i)
            seen[key] = i
            arms.extend(t for t in (t1, t2) if t not in arms)
            pairs.append((t1, t2, y_list[i], se_list[i]))
        k = len(arms)
        if len(pairs) != k * (k - 1) // 2:
            missing = [
                f"{a} vs {b}"
                for j, a in enumerate(arms)
                for b in arms[j + 1 :]
                if frozenset((a, b)) not in seen
            ]
            raise NetworkInputError(
                f"study {s!r} has {k} arms ({', '.join(arms)}) but lists {len(pairs)} of their "
                f"{k * (k - 1) // 2} pairs (missing {', '.join(missing)}): a multi-arm trial "
                "lists every pair of its arms",
                rows[0],
            )
        if k == 2:
            t1, t2, y, se = pairs[0]
            # arms[0] is t1: the contrast arms[1] - arms[0] is -TE.
            y_arr = np.array([-y if arms[0] == t1 else y])
            v = np.array([0.0, se * se])
        else:
            y_arr, v = _arm_solution(s, tuple(arms), pairs, rows[0])
        out.append(_Study(s, tuple(arms), y_arr, v, tuple(pairs)))
    return out


def network_components(treat1: Sequence[str], treat2: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Connected components of the graph whose edges are the pairs ``(treat1[i], treat2[i])``.

    Each component's treatments are sorted; components are ordered by their first treatment.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(treat1, treat2, strict=True):
        a, b = str(a).strip(), str(b).strip()
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[str, list[str]] = {}
    for t in parent:
        groups.setdefault(find(t), []).append(t)
    return tuple(sorted(tuple(sorted(g)) for g in groups.values()))


# ---- linear algebra ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Design:
    """The contrasts whitened so that every model is a weighted least-squares fit.

    Within a study, ``V_s`` (multi-arm covariance) and ``M_s`` (random-effects structure: 1 on
    the diagonal, ½ off it) are diagonalised together: ``L' M_s L = I`` and ``L' V_s L = Λ``, so
    with ``ỹ = L'y`` and ``X̃ = L'X`` the model ``y ~ N(Xβ, V + τ² M)`` is the univariate
    meta-regression ``ỹ ~ N(X̃β, diag(λ + τ²))`` with the same likelihood up to a constant,
    the same GLS estimates and the same Q. Two-arm trials need no transformation.
    """

    y: np.ndarray  # whitened contrasts
    lam: np.ndarray  # their sampling variances λ
    x: np.ndarray  # consistency model, treatments other than the reference
    x_dbt: np.ndarray  # design-by-treatment interaction model
    design_of: np.ndarray  # design index of each (whitened) contrast
    designs: tuple[str, ...]


def _whitening(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(L, λ)`` with ``L' M L = I`` and ``L' cov L = diag(λ)`` for ``M = (I + J) / 2``."""
    n = cov.shape[0]
    j = np.full((n, n), 1.0 / n)
    # M = (I - J/n)/2 + (n + 1)/2 J/n: its inverse square root, spectrally
    m_isqrt = math.sqrt(2.0) * (np.eye(n) - j) + math.sqrt(2.0 / (n + 1)) * j
    lam, q = np.linalg.eigh(m_isqrt @ cov @ m_isqrt)
    return m_isqrt @ q, lam


def _build(studies: list[_Study], treatments: tuple[str, ...], reference: str) -> _Design:
    cols = {t: j for j, t in enumerate(t for t in treatments if t != reference)}
    m_total = sum(len(s.arms) - 1 for s in studies)
    y = np.empty(m_total)
    lam = np.empty(m_total)
    x = np.zeros((m_total, len(cols)))
    design_names: dict[tuple[str, ...], int] = {}
    dbt_cols: dict[tuple[int, str], int] = {}
    design_of = np.empty(m_total, dtype=int)
    dbt_entries: list[tuple[int, int, float]] = []
    multi = []
    r = 0
    for s in studies:
        k = len(s.arms)
        design = tuple(sorted(s.arms))
        di = design_names.setdefault(design, len(design_names))
        base = s.arms[0]
        design_of[r : r + k - 1] = di
        for j, arm in enumerate(s.arms[1:]):
            row = r + j
            if arm in cols:
                x[row, cols[arm]] += 1.0
            if base in cols:
                x[row, cols[base]] -= 1.0
            # design-by-treatment: each design its own parameters against its first sorted arm
            for t, sign in ((arm, 1.0), (base, -1.0)):
                if t != design[0]:
                    c = dbt_cols.setdefault((di, t), len(dbt_cols))
                    dbt_entries.append((row, c, sign))
        if k == 2:
            y[r] = s.y[0]
            lam[r] = s.arm_var[0] + s.arm_var[1]
        else:
            multi.append((slice(r, r + k - 1), s))
        r += k - 1
    x_dbt = np.zeros((m_total, len(dbt_cols)))
    for row, c, sign in dbt_entries:
        x_dbt[row, c] += sign
    for sl, s in multi:
        w, lam[sl] = _whitening(s.cov)
        y[sl] = w.T @ s.y
        x[sl] = w.T @ x[sl]
        x_dbt[sl] = w.T @ x_dbt[sl]
    names = tuple(":".join(d) for d in design_names)
    return _Design(y, lam, x, x_dbt, design_of, names)


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    cov: np.ndarray
    w: np.ndarray  # weights 1 / (λ + τ²)
    resid: np.ndarray
    q: float  # Σ w r²: the GLS residual quadratic form


def _wls(y: np.ndarray, x: np.ndarray, lam: np.ndarray, tau2: float) -> _Fit:
    """Weighted least squares of whitened contrasts with variances ``λ + τ²``."""
    w = 1.0 / (lam + tau2)
    xw = x.T * w
    cov = np.linalg.inv(xw @ x)
    beta = cov @ (xw @ y)
    resid = y - x @ beta
    return _Fit(beta, cov, w, resid, float(w @ (resid * resid)))


def _restricted_loglik(des: _Design, tau2: float, fit: _Fit | None = None) -> float:
    """metafor's REML log-likelihood of the consistency model at ``tau2``, up to a constant."""
    fit = fit or _wls(des.y, des.x, des.lam, tau2)
    logdet = np.linalg.slogdet(fit.cov)[1]
    return -0.5 * (float(np.sum(np.log(des.lam + tau2))) - logdet + fit.q)


def _p_matrix(x: np.ndarray, fit: _Fit) -> np.ndarray:
    """``P = W - W X (X'WX)^-1 X'W`` of a weighted least-squares fit."""
    wx = x * fit.w[:, None]
    return np.diag(fit.w) - wx @ fit.cov @ wx.T


def _tau2_dl(des: _Design, x: np.ndarray, fit: _Fit) -> float:
    """DerSimonian–Laird for networks (Jackson, White & Riley 2012), as netmeta.

    ``max(0, (Q - df) / tr(P M))`` from the common-effect ``fit`` of ``x``; on whitened
    contrasts ``M = I``, so ``tr(P M) = tr(P)``.
    """
    df = len(des.y) - x.shape[1]
    return max(0.0, (fit.q - df) / float(np.trace(_p_matrix(x, fit))))


def _tau2_reml(des: _Design, common: _Fit) -> float:
    """REML τ² by Newton–Raphson on ``[0, inf)`` (Harville 1977), step-halving if needed.

    Maximises the restricted likelihood that metafor's ``rma.mv(method = "REML")`` maximises.
    Newton steps use the observed information ``y'PPPy - tr(PP)/2`` (Fisher scoring's
    ``tr(PP)/2`` where the likelihood is not concave); a step that lowers the likelihood beyond
    rounding is halved (plain Fisher scoring can cycle, as metafor's ``rma.uni`` does on some
    data). The likelihood can have a maximum at τ² = 0 and another inside, so the search starts
    from the DL estimate and, if that ends at 0, again from the mean sampling variance; the
    higher maximum is returned.
    """
    best_tau2, best_ll = _reml_search(des, _tau2_dl(des, des.x, common))
    if best_tau2 == 0.0:
        tau2, ll = _reml_search(des, float(np.mean(des.lam)))
        if ll > best_ll:
            best_tau2, best_ll = tau2, ll
    if best_tau2 > 0.0 and _restricted_loglik(des, 0.0) > best_ll:
        return 0.0
    return best_tau2


def _reml_search(des: _Design, start: float) -> tuple[float, float]:
    """A local maximum of the restricted likelihood from ``start``: ``(τ², log-likelihood)``."""
    tau2 = start
    fit = _wls(des.y, des.x, des.lam, tau2)
    ll = _restricted_loglik(des, tau2, fit)
    for _ in range(_REML_MAXITER):
        pm = _p_matrix(des.x, fit)
        py = fit.w * fit.resid
        score = 0.5 * (float(py @ py) - float(np.trace(pm)))
        if tau2 == 0.0 and score <= 0.0:
            return 0.0, ll
        ppy = pm @ py
        fisher = 0.5 * float(np.sum(pm * pm))
        observed = float(py @ ppy) - fisher  # -d2l/dtau2^2 = y'PPPy - tr(PP)/2
        step = score / (observed if observed > 0.0 else fisher)
        if abs(step) <= _REML_TOL * max(tau2, 1e-6):
            return tau2, ll
        for _ in range(60):
            new = max(tau2 + step, 0.0)
            new_fit = _wls(des.y, des.x, des.lam, new)
            new_ll = _restricted_loglik(des, new, new_fit)
            if new_ll >= ll - 1e-12 * (1.0 + abs(ll)):
                break
            step /= 2.0
        tau2, fit, ll = new, new_fit, new_ll
    raise ArithmeticError("the REML estimate of tau^2 did not converge")


def _league_entry(theta, cov, i, j, treatments, zcrit) -> LeagueEntry:
    te = float(theta[i] - theta[j])
    var = float(cov[i, i] + cov[j, j] - 2.0 * cov[i, j])
    se = math.sqrt(max(var, 0.0))
    return LeagueEntry(treatments[i], treatments[j], te, se, te - zcrit * se, te + zcrit * se)


def _entry(t1: str, t2: str, te: float, var: float, zcrit: float) -> LeagueEntry:
    se = math.sqrt(var)
    return LeagueEntry(t1, t2, te, se, te - zcrit * se, te + zcrit * se)


# ---- inconsistency ---------------------------------------------------------------------------


def _direct(studies: list[_Study], tau2: float) -> dict[tuple[str, str], tuple[float, float, int]]:
    """Direct estimates per comparison ``(a, b)``, ``a < b``: ``(te of a vs b, var, k)``.

    As netmeta (``nma.ruecker``, ``metagen(TE, seTE.orig, tau.preset = tau)``): inverse-variance
    pooling of the contrasts as given, each with variance ``seTE² + τ²``; the contrasts of a
    multi-arm trial enter unadjusted, as netmeta's direct estimates and proportions do.
    """
    acc: dict[tuple[str, str], list[float]] = {}
    for s in studies:
        for t1, t2, te, se in s.pairs:
            a, b = (t1, t2) if t1 < t2 else (t2, t1)
            y = te if t1 < t2 else -te
            w = 1.0 / (se * se + tau2)
            entry = acc.setdefault((a, b), [0.0, 0.0, 0])
            entry[0] += w * y
            entry[1] += w
            entry[2] += 1
    return {key: (sw / w, 1.0 / w, int(n)) for key, (sw, w, n) in acc.items()}


def _inconsistency(
    des: _Design,
    studies: list[_Study],
    common: _Fit,
    df: int,
    theta: np.ndarray,
    cov: np.ndarray,
    tau2_model: float,
    treatments: tuple[str, ...],
    level: float,
) -> Inconsistency | None:
    n_par_dbt = des.x_dbt.shape[1]
    df_within = len(des.y) - n_par_dbt
    df_between = df - df_within
    if df_between <= 0:
        return None
    dbt = _wls(des.y, des.x_dbt, des.lam, 0.0)
    q_within = dbt.q
    q_between = max(common.q - q_within, 0.0)
    designs = []
    contrib = dbt.w * dbt.resid * dbt.resid  # whitening keeps each contrast in its design
    for di, name in enumerate(des.designs):
        rows = des.design_of == di
        dfd = int(rows.sum()) - (len(name.split(":")) - 1)
        if dfd > 0:
            qd = float(contrib[rows].sum())
            designs.append(DesignQ(name, qd, dfd, _chi2_p(qd, dfd)))
    tau2_within = _tau2_dl(des, des.x_dbt, dbt) if df_within > 0 else 0.0
    q_between_random = max(
        _wls(des.y, des.x, des.lam, tau2_within).q - _wls(des.y, des.x_dbt, des.lam, tau2_within).q,
        0.0,
    )
    zcrit = float(norm_isf((1.0 - level) / 2.0))
    idx = {t: i for i, t in enumerate(treatments)}
    splits = []
    for (a, b), (te_dir, var_dir, k_dir) in sorted(_direct(studies, tau2_model).items()):
        i, j = idx[a], idx[b]
        te_net = float(theta[i] - theta[j])
        var_net = float(cov[i, i] + cov[j, j] - 2.0 * cov[i, j])
        prop = var_net / var_dir
        if prop > 1.0 - DIRECT_TOL:
            continue
        var_ind = 1.0 / (1.0 / var_net - 1.0 / var_dir)
        te_ind = var_ind * (te_net / var_net - te_dir / var_dir)
        diff, var_diff = te_dir - te_ind, var_dir + var_ind
        z = diff / math.sqrt(var_diff)
        splits.append(
            NodeSplit(
                a,
                b,
                k_dir,
                prop,
                _entry(a, b, te_net, var_net, zcrit),
                _entry(a, b, te_dir, var_dir, zcrit),
                _entry(a, b, te_ind, var_ind, zcrit),
                _entry(a, b, diff, var_diff, zcrit),
                z,
                float(2.0 * norm_sf(abs(z))),
            )
        )
    return Inconsistency(
        q_within,
        df_within,
        _chi2_p(q_within, df_within),
        q_between,
        df_between,
        _chi2_p(q_between, df_between),
        tau2_within,
        q_between_random,
        _chi2_p(q_between_random, df_between),
        tuple(designs),
        tuple(splits),
    )


def _chi2_p(q: float, df: int) -> float:
    return float(chi2_sf(q, df)) if df > 0 else math.nan


def _geometry(studies: list[_Study], treatments: tuple[str, ...]) -> Geometry:
    count = dict.fromkeys(treatments, 0)
    edges: dict[tuple[str, str], list[str]] = {}
    for s in studies:
        for a in s.arms:
            count[a] += 1
        for i, a in enumerate(s.arms):
            for b in s.arms[i + 1 :]:
                edges.setdefault(tuple(sorted((a, b))), []).append(s.name)
    return Geometry(
        tuple(GeometryNode(t, count[t]) for t in treatments),
        tuple(
            GeometryEdge(a, b, len(names), tuple(names)) for (a, b), names in sorted(edges.items())
        ),
    )


# ---- entry point -----------------------------------------------------------------------------


def network_meta(
    study: Sequence[str],
    treat1: Sequence[str],
    treat2: Sequence[str],
    te: Sequence[float],
    se_te: Sequence[float],
    *,
    reference: str,
    model: str = "random",
    tau2_method: str = "REML",
    level: float = 0.95,
) -> NetworkResult:
    """Fit a contrast-based network meta-analysis (Salanti 2008; Rücker 2012).

    Parameters
    ----------
    study, treat1, treat2, te, se_te : sequences of equal length
        netmeta's pairwise form: ``te`` is ``treat1`` relative to ``treat2`` on the analysis
        scale with standard error ``se_te``; a multi-arm trial lists every pair of its arms.
    reference : str
        Treatment the ``effects`` are expressed against.
    model : {"common", "random"}
        Common effect (GLS), or random effects with one τ² for all comparisons and correlation ½
        within multi-arm trials (metafor ``rma.mv(..., random = ~ comparison | study, rho = 1/2)``).
    tau2_method : {"REML", "DL"}
        REML as metafor ``rma.mv``; DL generalised to networks (Jackson, White & Riley 2012).
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    NetworkResult

    Raises
    ------
    NetworkInputError
        Invalid contrasts (non-finite TE, seTE <= 0, one-arm study, incomplete or inconsistent
        multi-arm trial, arm variances that do not fit, unknown reference); ``.row`` locates it.
    DisconnectedNetworkError
        The treatments form several networks; ``.components`` names them.

    References
    ----------
    Rücker G. Network meta-analysis, electrical networks and graph theory. Res Synth Methods
    2012;3:312-24. Jackson D, White IR, Riley RD. Quantifying the impact of between-study
    heterogeneity in multivariate meta-analyses. Stat Med 2012;31:3805-20. Krahn U, Binder H,
    König J. A graphical tool for locating inconsistency in network meta-analyses. BMC Med Res
    Methodol 2013;13:35. Dias S et al. Checking consistency in mixed treatment comparison
    meta-analysis. Stat Med 2010;29:932-44. Rücker G, Schwarzer G. Ranking treatments in
    frequentist network meta-analysis works without resampling methods. BMC Med Res Methodol
    2015;15:58. Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat
    Softw 2010;36(3).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, not {model!r}")
    if tau2_method not in TAU2_METHODS:
        raise ValueError(f"tau2_method must be one of {TAU2_METHODS}, not {tau2_method!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), not {level}")
    studies = _studies(study, treat1, treat2, te, se_te)
    components = network_components(
        [s.arms[0] for s in studies for _ in s.arms[1:]],
        [a for s in studies for a in s.arms[1:]],
    )
    treatments = tuple(sorted(t for c in components for t in c))
    if reference not in treatments:
        raise NetworkInputError(
            f"reference {reference!r} is not a treatment of the network "
            f"(treatments: {', '.join(treatments)})"
        )
    if len(components) > 1:
        raise DisconnectedNetworkError(components)
    des = _build(studies, treatments, reference)
    n_obs, n_par = des.x.shape
    df = n_obs - n_par
    common = _wls(des.y, des.x, des.lam, 0.0)
    q = common.q if df > 0 else 0.0
    i2 = max(0.0, (q - df) / q) * 100.0 if df > 0 and q > 0 else (0.0 if df > 0 else math.nan)
    tau2 = math.nan  # nothing to estimate it from
    if df > 0:
        tau2 = _tau2_dl(des, des.x, common) if tau2_method == "DL" else _tau2_reml(des, common)
    tau2_use = 0.0 if model == "common" or math.isnan(tau2) else tau2
    fit = common if tau2_use == 0.0 else _wls(des.y, des.x, des.lam, tau2_use)
    ntr = len(treatments)
    ref = treatments.index(reference)
    others = [i for i in range(ntr) if i != ref]
    theta = np.zeros(ntr)
    theta[others] = fit.beta
    cov = np.zeros((ntr, ntr))
    cov[np.ix_(others, others)] = fit.cov
    zcrit = float(norm_isf((1.0 - level) / 2.0))
    effects = []
    for i in others:
        est, se = float(theta[i]), math.sqrt(float(cov[i, i]))
        z = est / se
        effects.append(
            NetworkEffect(
                treatments[i],
                est,
                se,
                est - zcrit * se,
                est + zcrit * se,
                z,
                float(2.0 * norm_sf(abs(z))),
            )
        )
    d = np.diag(cov)
    diff = theta[:, None] - theta[None, :]
    se_mat = np.sqrt(np.maximum(d[:, None] + d[None, :] - 2.0 * cov, 0.0))
    te_l, se_l = diff.tolist(), se_mat.tolist()
    league = [
        LeagueEntry(
            treatments[i],
            treatments[j],
            te_l[i][j],
            se_l[i][j],
            te_l[i][j] - zcrit * se_l[i][j],
            te_l[i][j] + zcrit * se_l[i][j],
        )
        for i in range(ntr)
        for j in range(ntr)
        if i != j
    ]
    inconsistency = _inconsistency(
        des, studies, common, df, theta, cov, tau2_use, treatments, level
    )
    return NetworkResult(
        treatments=treatments,
        reference=reference,
        model=model,
        tau2_method=tau2_method,
        level=level,
        n_studies=len(studies),
        n_contrasts=len(des.y),
        tau2=tau2,
        q=q,
        df=df,
        p=_chi2_p(q, df),
        i2=i2,
        effects=tuple(effects),
        league=tuple(league),
        inconsistency=inconsistency,
        geometry=_geometry(studies, treatments),
        _theta=theta,
        _cov=cov,
    )
