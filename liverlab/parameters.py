"""Simulation parameters as data with a source: ``Cited(value, unit, source)``.

Every number a simulator uses (``liverlab.cohorts``, ``liverlab.studies``) is a ``Cited``
field of a frozen dataclass, so a notebook can show the whole table of values, units and
sources, and a what-if run changes one with ``dataclasses.replace``.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["Cited", "generator_from_seed"]


@dataclass(frozen=True)
class Cited:
    """A parameter value with its unit and its source.

    Parameters
    ----------
    value : float
        The number (finite; booleans are refused).
    unit : str
        Unit of ``value``, e.g. ``"per year"``, ``"mg/dL"``, ``"proportion"``.
    source : str
        Where the number comes from: the publication and table, with the evidence status
        used in the course notes ([V] verified, [V2] secondary, [D] derived, with the
        arithmetic), or ``"course assumption: <why>"``.

    Examples
    --------
    >>> Cited(0.351, "proportion", "CANONIC: 35.1% female [V]").value
    0.351
    """

    value: float
    unit: str
    source: str

    def __post_init__(self):
        if isinstance(self.value, (bool, np.bool_)) or not isinstance(self.value, numbers.Real):
            raise TypeError(f"Cited.value must be a number; got {type(self.value).__name__} "
                            f"{self.value!r}.")
        if not math.isfinite(self.value):
            raise ValueError(f"Cited.value must be finite; got {self.value!r}.")
        for name in ("unit", "source"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"Cited.{name} must be a string; got "
                                f"{type(getattr(self, name)).__name__}.")
        if not self.source.strip():
            raise ValueError("Cited.source must say where the value comes from (a publication "
                             "and table, or 'course assumption: <why>'); got an empty string.")


def generator_from_seed(seed, *, what="simulation"):
    """A ``numpy.random.Generator`` from a required seed (an int >= 0, or a Generator itself).

    Simulators take a keyword-only ``seed`` with no default, so that a notebook cannot forget
    it and produce numbers nobody can reproduce; ``what`` names the thing being simulated in
    the error message.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int or a numpy.random.Generator; got "
                        f"{type(seed).__name__} {seed!r}. Pass e.g. seed=2024, so that the "
                        f"{what} can be reproduced.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed}.")
    return np.random.default_rng(int(seed))
