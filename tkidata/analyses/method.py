"""Pooling method settings with named presets that reproduce reference software."""

from __future__ import annotations

from dataclasses import dataclass, replace

MEASURES = ("PFT", "PLO", "PRAW", "PAS", "PLN")
TAU2_METHODS = ("DL", "REML", "PM", "ML")
TESTS = ("z", "knha")
CI_METHODS = ("wilson", "exact")
MEAN_N = ("harmonic", "geometric", "arithmetic")

_MEASURE_WORDS = {
    "PFT": "Freeman–Tukey double arcsine",
    "PLO": "logit",
    "PRAW": "untransformed proportions",
    "PAS": "arcsine",
    "PLN": "log",
}
_TAU2_WORDS = {
    "DL": "DerSimonian–Laird",
    "REML": "REML",
    "PM": "Paule–Mandel",
    "ML": "maximum likelihood",
}
_TEST_WORDS = {"z": "Wald z CI", "knha": "Hartung–Knapp–Sidik–Jonkman CI"}
_CI_WORDS = {"wilson": "Wilson study CIs", "exact": "Clopper–Pearson study CIs"}

# the same settings in a few words, for slide footers and figure captions
_SHORT_MEASURE = {
    "PFT": "FT double arcsine",
    "PLO": "logit",
    "PRAW": "raw proportions",
    "PAS": "arcsine",
    "PLN": "log",
}
_SHORT_TAU2 = {"DL": "DerSimonian–Laird", "REML": "REML", "PM": "Paule–Mandel", "ML": "ML"}
_SHORT_TEST = {"z": "Wald z", "knha": "HKSJ"}
_SHORT_CI = {"wilson": "Wilson CIs", "exact": "Clopper–Pearson CIs"}

PRESETS: dict[str, dict[str, object]] = {
    "reference": {
        "glmm": False,
        "measure": "PFT",
        "tau2": "DL",
        "test": "z",
        "ci_method": "wilson",
        "mean_n": "harmonic",
    },
    "meta": {
        "glmm": True,
        "measure": "PLO",
        "tau2": "ML",
        "test": "z",
        "ci_method": "exact",
        "mean_n": "harmonic",
    },
    "metafor": {
        "glmm": False,
        "measure": "PLO",
        "tau2": "REML",
        "test": "knha",
        "ci_method": "wilson",
        "mean_n": "harmonic",
    },
}
"""reference = Stata ``metaprop_one, random ftt`` (the Li 2025 analysis); meta = R meta
``metaprop`` default (GLMM, Clopper–Pearson); metafor = ``rma(measure="PLO", method="REML",
test="knha")`` with Wilson study CIs."""


@dataclass(frozen=True)
class Method:
    """How proportions and medians are pooled. Frozen and hashable.

    Parameters
    ----------
    glmm : bool
        Binomial–normal GLMM on the logit scale by maximum likelihood (``core.pool_glmm``);
        ``measure``, ``tau2``, ``test`` and ``mean_n`` then do not apply to proportions.
    measure : str
        Transformation for the two-step model: PFT, PLO, PRAW, PAS or PLN.
    tau2 : str
        Between-study variance estimator: DL, REML, PM or ML (also used for pooled medians).
    test : str
        ``z`` (Wald) or ``knha`` (Hartung–Knapp–Sidik–Jonkman) pooled CI.
    ci_method : str
        Per-study CI: ``wilson`` or ``exact`` (Clopper–Pearson).
    mean_n : str
        n used in the Freeman–Tukey back-transform: harmonic, geometric or arithmetic mean.
    level : float
        Confidence level.
    """

    glmm: bool = False
    measure: str = "PFT"
    tau2: str = "DL"
    test: str = "z"
    ci_method: str = "wilson"
    mean_n: str = "harmonic"
    level: float = 0.95

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("measure", self.measure, MEASURES),
            ("tau2", self.tau2, TAU2_METHODS),
            ("test", self.test, TESTS),
            ("ci_method", self.ci_method, CI_METHODS),
            ("mean_n", self.mean_n, MEAN_N),
        ):
            if value not in allowed:
                raise ValueError(f"Method.{name}={value!r}: expected one of {allowed}")
        if not 0 < self.level < 1:
            raise ValueError(f"Method.level={self.level!r}: expected a value in (0, 1)")

    @classmethod
    def preset(cls, name: str) -> Method:
        """Return a named preset: ``reference``, ``meta`` or ``metafor``."""
        if name not in PRESETS:
            raise ValueError(f"unknown method preset {name!r}: expected one of {tuple(PRESETS)}")
        return cls(**PRESETS[name])

    @property
    def preset_name(self) -> str | None:
        """The preset these settings equal, or None if they were adjusted."""
        for name in PRESETS:
            if Method.preset(name) == self:
                return name
        return None

    def replace(self, **changes: object) -> Method:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def proportion_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``core.pool_proportions`` (or ``core.pool_glmm`` if glmm)."""
        if self.glmm:
            return {"level": self.level, "ci_method": self.ci_method}
        return {
            "measure": self.measure,
            "method": self.tau2,
            "test": self.test,
            "level": self.level,
            "ci_method": self.ci_method,
            "mean_n": self.mean_n,
        }

    def describe(self) -> str:
        """The settings in words, printed under every pooled number."""
        level = f"{self.level:.0%} CI"
        if self.glmm:
            parts = [
                "Binomial–normal GLMM (logit), maximum likelihood",
                "Wald z CI",
                _CI_WORDS[self.ci_method],
            ]
        else:
            parts = [
                _MEASURE_WORDS[self.measure],
                _TAU2_WORDS[self.tau2],
                _TEST_WORDS[self.test],
                _CI_WORDS[self.ci_method],
            ]
            if self.measure == "PFT":
                parts.append(f"back-transform at the {self.mean_n} mean n")
        medians = f"medians: inverse variance, {_TAU2_WORDS[self.tau2]}"
        return ", ".join(parts) + f"; {medians}; {level}"

    def short(self) -> str:
        """The settings in a few words, for a footer.

        ``Method.preset("reference").short()`` → ``"FT double arcsine, DerSimonian–Laird,
        Wald z, Wilson CIs"``.
        """
        if self.glmm:
            return f"logit GLMM (ML), {_SHORT_CI[self.ci_method]}"
        return ", ".join(
            (
                _SHORT_MEASURE[self.measure],
                _SHORT_TAU2[self.tau2],
                _SHORT_TEST[self.test],
                _SHORT_CI[self.ci_method],
            )
        )
