"""A claim a notebook's text makes about a measured quantity, and how it is judged over seeds.

    Claim("08b", "plain_err", "test error above 0.6", Between(0.6, 1.0))
    Claim("08b", "full_scale_overflows", "overflows on most seeds", Count(at_least=0.75))

``key`` names an entry of the notebook module's ``measure(seed)`` record; ``wording`` is the
sentence's words, as they appear in the notebook (a test checks that they do).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Between:
    """Every seed's value lies in [low, high] (a range the text states for every seed)."""

    low: float = -np.inf
    high: float = np.inf

    def holds(self, values):
        v = np.asarray(values, dtype=float)
        return bool(np.all((v >= self.low) & (v <= self.high)))

    def summary(self, values):
        v = np.asarray(values, dtype=float)
        return f"{np.min(v):.3g} to {np.max(v):.3g}"


@dataclass(frozen=True)
class Count:
    """A yes/no outcome that must be true on at least a fraction ``at_least`` of the seeds
    ("on most seeds": 0.5 < at_least < 1; "on every seed": 1.0)."""

    at_least: float = 1.0

    def holds(self, values):
        return sum(bool(v) for v in values) >= self.at_least * len(values)

    def summary(self, values):
        return f"{sum(bool(v) for v in values)} of {len(values)}"


@dataclass(frozen=True)
class Mean:
    """The mean over the seeds lies in [low, high] (a statement about the average, such as a
    verdict against a paper that reports one number per model)."""

    low: float = -np.inf
    high: float = np.inf

    def holds(self, values):
        return bool(self.low <= np.mean(np.asarray(values, dtype=float)) <= self.high)

    def summary(self, values):
        v = np.asarray(values, dtype=float)
        return f"mean {np.mean(v):.3g} ({np.min(v):.3g} to {np.max(v):.3g})"


@dataclass(frozen=True)
class Claim:
    """notebook: its short name ("08b"); key: the record entry judged; wording: the sentence's
    words (short); judge: Between, Count or Mean; quotes: the keys of the notebook's ``measured``
    dict whose quoted values (``≈ 1.6<!--key-->``, from the notebook's own seeds) this claim
    covers, when they are not ``key`` itself or ``key`` + ``_min``/``_max``."""

    notebook: str
    key: str
    wording: str
    judge: object
    quotes: tuple = ()

    def holds(self, records):
        """True when the judge accepts this claim's values over ``records`` (one dict per seed)."""
        return self.judge.holds([r[self.key] for r in records])

    def summary(self, records):
        return self.judge.summary([r[self.key] for r in records])
