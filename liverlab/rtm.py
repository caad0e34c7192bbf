"""Regression to the mean (RTM): the expected size of the effect, and a simulation to check it.

Select people because a measurement was high (or low), measure them again, and on average the
second value is closer to the population mean, with no treatment at all. Barnett, van der Pols
and Dobson (2005) give the expected size of that change for a normally distributed measurement:

- :func:`expected_rtm` -- the expected change from baseline to follow-up caused by RTM alone;
- :func:`simulate_rtm` -- one simulated population (true value, baseline, follow-up, selected)
  to check the formula, or to show the effect in a notebook;
- :func:`rtm_fraction_of_change` -- how much of an observed before-after change RTM alone
  would produce;
- :func:`formula_vs_simulation` -- the formula next to simulations, one row per setting.

The model
---------
Each person has a true value ``T ~ N(mean, sd_between^2)``. A measurement is ``T + e`` with
independent ``e ~ N(0, sd_within^2)`` (within-person variation: biological fluctuation plus
measurement error). Both parts regress. When the selected fluctuation is a transient illness (an
infection, a bleed), its settling is a real recovery of the patient, not a laboratory artefact,
but it is not caused by any treatment given in between: notebook 04 splits the two parts in a
simulated clinic (``liverlab.studies.decompose_change(..., split_rtm=True)``).
People are selected when the mean of ``n_baseline`` baseline measurements
is above (``direction="above"``) or below (``"below"``) ``cutoff``; one follow-up measurement
is taken later, with nothing changed in between.

Sign convention
---------------
Every function here reports the change **follow-up minus baseline**: negative when people
were selected for high values (they come down), positive when selected for low values (they
go up). The paper, and the authors' code, report the *size* of the effect as a positive
number; :func:`expected_rtm` gives the same number with the sign of the change.

Educational use only.
"""

import numbers

import numpy as np
import pandas as pd
from scipy import stats

from liverlab._inputs import as_float_array, broadcast, check_same_index, like_input, raise_bad
from liverlab.parameters import generator_from_seed

__all__ = ["expected_rtm", "simulate_rtm", "rtm_fraction_of_change", "formula_vs_simulation"]

DIRECTIONS = ("above", "below")


# Input validation helpers ------------------------------------------------------------------

def check_direction(direction):
    """``direction`` if it is "above" or "below", else a ValueError saying which to use."""
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'above' or 'below'; got {direction!r}. Use "
                         "'above' when people were selected because their baseline was high "
                         "(at or above the cutoff: bilirubin, ALT, MELD), 'below' when it was low "
                         "(albumin, sodium).")
    return direction


def _positive(x, name):
    values = as_float_array(x, name)
    bad = ~(values > 0) & ~np.isnan(values)
    if bad.any():
        raise_bad(ValueError, x, bad, values, name, "must be greater than 0 (a standard "
                  "deviation)", "A standard deviation of 0 or less is not meaningful here: "
                  "sd_within = 0 would mean no within-person variation (and so no regression "
                  "to the mean); sd_between = 0 would mean everyone has the same true value. "
                  "Pass standard deviations, not variances, in the unit of the measurement.")
    if np.isinf(values).any():
        raise_bad(ValueError, x, np.isinf(values), values, name, "must be finite",
                  "Pass a finite standard deviation.")
    return values


def _finite(x, name):
    values = as_float_array(x, name)
    if np.isinf(values).any():
        raise_bad(ValueError, x, np.isinf(values), values, name, "must be finite",
                  "Use NaN for a missing value.")
    return values


def _n_baseline(x):
    values = as_float_array(x, "n_baseline")
    bad = ~np.isnan(values) & ((values < 1) | (values != np.floor(values)) | np.isinf(values))
    if bad.any():
        raise_bad(ValueError, x, bad, values, "n_baseline",
                  "must be a whole number of baseline measurements, at least 1",
                  "n_baseline is how many baseline measurements were averaged before "
                  "selection (1 = a single measurement).")
    return values


def _inverse_mills(z, direction):
    """C(z): phi(z) / (1 - Phi(z)) for "above", phi(z) / Phi(z) for "below" (log scale, stable)."""
    if direction == "above":
        return np.exp(stats.norm.logpdf(z) - stats.norm.logsf(z))
    return np.exp(stats.norm.logpdf(z) - stats.norm.logcdf(z))


# Public functions ----------------------------------------------------------------------------

def expected_rtm(mean, sd_between, sd_within, cutoff, *, direction="above", n_baseline=1):
    """Expected change (follow-up minus baseline) caused by regression to the mean alone.

    Barnett, van der Pols & Dobson (2005), equations (1) and (2): people are selected because
    the mean of ``n_baseline`` baseline measurements is above (or below) ``cutoff``; with no
    real change, their follow-up measurement is on average closer to the population mean.

    Parameters
    ----------
    mean : float or array_like
        Population mean of the true value (mu), in the unit of the measurement.
    sd_between : float or array_like
        Between-person standard deviation of the true values (sigma_b), same unit; > 0.
    sd_within : float or array_like
        Within-person standard deviation of one measurement around the person's true value
        (sigma_w: biological fluctuation plus analytical error), same unit; > 0.
    cutoff : float or array_like
        Selection threshold (c) on the mean of the baseline measurements, same unit.
    direction : {"above", "below"}, keyword-only
        "above" (default): people were selected because their baseline mean was above the
        cutoff; "below": because it was below.
    n_baseline : int or array_like of int, keyword-only
        Number of baseline measurements averaged before selection (m); whole number >= 1.
        Default 1.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The expected change follow-up minus baseline among the selected people: **negative**
        for ``direction="above"``, **positive** for ``"below"``. Same kind and shape as the
        broadcast inputs (a float for scalars; a Series named ``"expected_rtm"`` keeps the
        index of a Series input), float dtype; NaN where an input is NaN.

    Raises
    ------
    ValueError
        ``sd_between`` or ``sd_within`` <= 0 or infinite; ``n_baseline`` not a whole number
        >= 1; ``direction`` not "above"/"below"; an infinite ``mean`` or ``cutoff``; inputs
        whose shapes cannot be broadcast.
    TypeError
        Text or booleans where numbers are expected.

    Notes
    -----
    With total variance of the baseline mean sigma^2 = sigma_b^2 + sigma_w^2 / m and
    z = (c - mu) / sigma, the size of the effect is

    .. math:: R = \\frac{\\sigma_w^2 / m}{\\sqrt{\\sigma_b^2 + \\sigma_w^2 / m}}\\, C(z),

    with C(z) = phi(z) / (1 - Phi(z)) when selecting above the cutoff and
    C(z) = phi(z) / Phi(z) when selecting below (phi, Phi: standard normal density and
    distribution function). This function returns -R for "above" and +R for "below".

    Why: sigma C(z) is how far the selected people's baseline mean lies from mu (the mean of a
    truncated normal), and a fraction (sigma_w^2 / m) / sigma^2 of that distance is
    within-person variation, which does not repeat at follow-up.

    The authors' SAS and R code (agbarnett/RTM, ``expected.rtm.R``) writes the "below" case as
    C(z') = phi(z') / (1 - Phi(z')) with z' = (mu - c) / sigma, which is the same number. That
    code only evaluates m = 1, where the two possible choices of sigma in z agree; here z uses
    the standard deviation of the baseline *mean*, which is right when the selection is made
    on that mean (checked by simulation in ``tests/test_rtm.py``).

    The formula assumes normality. With skewed data (bilirubin, ALT) it can underestimate the
    effect (Linden 2013, BMC Med Res Methodol 13:119).

    References
    ----------
    Barnett AG, van der Pols JC, Dobson AJ. Regression to the mean: what it is and how to deal
    with it. Int J Epidemiol 2005;34:215-20. doi:10.1093/ije/dyh299

    Examples
    --------
    The paper's setting: a population with mean 60 and SD 15, people enrolled only if they
    score 40 or below, test-retest correlation 0.5 (so sigma_b^2 = sigma_w^2 = 112.5):

    >>> round(expected_rtm(60, 112.5 ** 0.5, 112.5 ** 0.5, 40, direction="below"), 2)
    13.49

    Selecting on high values: the change is negative. Vectorised over the cutoff:

    >>> np.round(expected_rtm(14, 5, 2.5, [15, 18, 21]), 2)
    array([-1.02, -1.46, -1.93])

    Averaging two baseline measurements shrinks the effect:

    >>> round(expected_rtm(14, 5, 2.5, 18, n_baseline=2), 2)
    -0.78
    """
    # Input validation
    direction = check_direction(direction)
    check_same_index(mean, sd_between, sd_within, cutoff, n_baseline)
    mu, sd_b, sd_w, c, m = broadcast(
        mean=_finite(mean, "mean"), sd_between=_positive(sd_between, "sd_between"),
        sd_within=_positive(sd_within, "sd_within"), cutoff=_finite(cutoff, "cutoff"),
        n_baseline=_n_baseline(n_baseline))

    within_var = sd_w ** 2 / m                   # variance of the mean of m measurements' errors
    sigma = np.sqrt(sd_b ** 2 + within_var)      # SD of the baseline mean
    z = (c - mu) / sigma
    size = within_var / sigma * _inverse_mills(z, direction)
    change = -size if direction == "above" else size
    return like_input(change, mean, sd_between, sd_within, cutoff, n_baseline,
                      name="expected_rtm")


def rtm_fraction_of_change(observed_change, mean, sd_between, sd_within, cutoff, *,
                           direction="above", n_baseline=1):
    """Fraction of an observed before-after change that regression to the mean alone predicts.

    Parameters
    ----------
    observed_change : float or array_like
        The observed mean change, follow-up minus baseline, among the selected people (same
        unit as the measurement). Must not be 0.
    mean, sd_between, sd_within, cutoff, direction, n_baseline
        As in :func:`expected_rtm`.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        ``expected_rtm(...) / observed_change`` (a Series is named
        ``"rtm_fraction_of_change"``). 1 means RTM alone predicts the whole change; above 1,
        RTM predicts more than was seen; a negative value means the change went the other
        way from what RTM predicts.

    Raises
    ------
    ValueError
        ``observed_change`` equal to 0 or infinite, and everything :func:`expected_rtm`
        raises.

    Examples
    --------
    A clinic enrols patients with MELD >= 18 (population mean 14, SD 5, within-person SD 2.5)
    and reports a mean fall of 2.0 points at re-test; RTM alone predicts a fall of 1.46:

    >>> round(rtm_fraction_of_change(-2.0, 14, 5, 2.5, 18), 2)
    0.73
    """
    # Input validation
    change = _finite(observed_change, "observed_change")
    zero = change == 0
    if zero.any():
        raise_bad(ValueError, observed_change, zero, change, "observed_change",
                  "must not be 0", "A fraction of no change is undefined; compare "
                  "expected_rtm() with the observed change directly.")
    expected = expected_rtm(mean, sd_between, sd_within, cutoff, direction=direction,
                            n_baseline=n_baseline)
    check_same_index(observed_change, expected)
    ratio = np.asarray(expected, dtype=float) / change
    return like_input(ratio, observed_change, mean, sd_between, sd_within, cutoff, n_baseline,
                      name="rtm_fraction_of_change")


def _rng(seed):
    return generator_from_seed(seed, what="simulation")


def _scalar(x, name, *, positive=False):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a single number; got {type(x).__name__} {x!r}.")
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x!r}.")
    if positive and x <= 0:
        raise ValueError(f"{name} must be greater than 0 (a standard deviation); got {x!r}. "
                         "Pass standard deviations, not variances, in the unit of the "
                         "measurement.")
    return float(x)


def simulate_rtm(n, *, seed, mean, sd_between, sd_within, cutoff, direction="above",
                 n_baseline=1):
    """Simulate one population for regression to the mean: no treatment, no real change.

    Parameters
    ----------
    n : int
        Number of people in the population (all of them, before selection); >= 1.
    seed : int or numpy.random.Generator, keyword-only, required
        Seed (non-negative int) or generator; the same seed gives the same frame.
    mean, sd_between, sd_within, cutoff : float, keyword-only
        As in :func:`expected_rtm` (single numbers here).
    direction : {"above", "below"}, keyword-only
        Who is selected: baseline mean at or above ``cutoff`` ("above", default) or below it.
    n_baseline : int, keyword-only
        Number of baseline measurements averaged (default 1).

    Returns
    -------
    pandas.DataFrame
        One row per person, in this column order:

        - ``patient_id`` (int64): 1 to n;
        - ``true_value`` (float64): the person's true value T ~ N(mean, sd_between^2);
        - ``baseline_mean`` (float64): mean of ``n_baseline`` measurements T + e;
        - ``follow_up`` (float64): one later measurement T + e (new, independent e);
        - ``change`` (float64): ``follow_up - baseline_mean``;
        - ``selected`` (bool): True if ``baseline_mean >= cutoff`` ("above") or
          ``baseline_mean < cutoff`` ("below").

    Raises
    ------
    TypeError
        ``n`` not an int; ``seed`` neither an int nor a Generator; a parameter not a number.
    ValueError
        ``n`` < 1; a negative seed; a standard deviation <= 0; ``n_baseline`` not a whole
        number >= 1; an unknown ``direction``.

    Notes
    -----
    The mean ``change`` among the selected people estimates :func:`expected_rtm`; its Monte
    Carlo standard error is ``change[selected].std() / sqrt(selected.sum())``. Among all
    people (selected or not) the mean change is about 0: RTM is created by the selection.

    Examples
    --------
    >>> sim = simulate_rtm(200_000, seed=1, mean=14, sd_between=5, sd_within=2.5, cutoff=18)
    >>> list(sim.columns)
    ['patient_id', 'true_value', 'baseline_mean', 'follow_up', 'change', 'selected']
    >>> round(float(sim.loc[sim["selected"], "change"].mean()), 2)   # expected_rtm: -1.46
    -1.46
    """
    # Input validation
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be a whole number of people (int); got {type(n).__name__} "
                        f"{n!r}. Pass e.g. n=100_000.")
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n}.")
    rng = _rng(seed)
    direction = check_direction(direction)
    mu = _scalar(mean, "mean")
    sd_b = _scalar(sd_between, "sd_between", positive=True)
    sd_w = _scalar(sd_within, "sd_within", positive=True)
    c = _scalar(cutoff, "cutoff")
    if (isinstance(n_baseline, (bool, np.bool_)) or not isinstance(n_baseline, numbers.Integral)
            or n_baseline < 1):
        raise ValueError(f"n_baseline must be a whole number of baseline measurements, at "
                         f"least 1; got {n_baseline!r}.")
    n, m = int(n), int(n_baseline)

    true_value = rng.normal(mu, sd_b, n)
    # The mean of m independent errors is one normal draw with SD sd_w / sqrt(m).
    baseline_mean = true_value + rng.normal(0.0, sd_w / np.sqrt(m), n)
    follow_up = true_value + rng.normal(0.0, sd_w, n)
    selected = baseline_mean >= c if direction == "above" else baseline_mean < c
    return pd.DataFrame({
        "patient_id": np.arange(1, n + 1, dtype=np.int64),
        "true_value": true_value,
        "baseline_mean": baseline_mean,
        "follow_up": follow_up,
        "change": follow_up - baseline_mean,
        "selected": selected,
    })


def formula_vs_simulation(*, mean, sd, test_retest_r, cutoff, direction="above", n_baseline=1,
                          n=100_000, seed):
    """Barnett's formula next to a simulation, one row per combination of settings.

    The population's SD ``sd`` is split by the test-retest correlation r: between-person SD
    ``sd * sqrt(r)``, within-person SD ``sd * sqrt(1 - r)``. For each combination of
    ``test_retest_r``, ``cutoff`` and ``n_baseline`` (each a number or a list of them), one
    population of ``n`` untreated people is simulated with :func:`simulate_rtm`, with the same
    ``seed`` for every row (so the rows' simulation errors move together).

    Returns
    -------
    pandas.DataFrame
        Columns ``test_retest_r``, ``cutoff``, ``baselines``, ``enrolled`` (people selected),
        ``barnett_formula`` (:func:`expected_rtm`), ``simulated`` (the selected people's mean
        change) and ``monte_carlo_se`` (its standard error); changes are follow-up minus
        baseline, in the measurement's unit.

    Examples
    --------
    >>> table = formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=0.7, cutoff=3.0,
    ...                               direction="below", n=10_000, seed=1)
    >>> round(float(table.loc[0, "barnett_formula"]), 3)
    0.125
    """
    def as_list(x):
        return list(x) if isinstance(x, (list, tuple, range, np.ndarray, pd.Series)) else [x]

    sd = _scalar(sd, "sd", positive=True)
    rows = []
    for r in as_list(test_retest_r):
        if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) or not 0 < r < 1:
            raise ValueError(f"test_retest_r must be numbers strictly between 0 and 1; got {r!r}. "
                             "It is the correlation of two measurements of the same people "
                             "(0.7, not 70).")
        sd_b, sd_w = sd * np.sqrt(r), sd * np.sqrt(1 - r)
        for c in as_list(cutoff):
            for m in as_list(n_baseline):
                sim = simulate_rtm(n, seed=seed, mean=mean, sd_between=sd_b, sd_within=sd_w,
                                   cutoff=c, direction=direction, n_baseline=m)
                change = sim.loc[sim["selected"], "change"]
                rows.append({"test_retest_r": r, "cutoff": c, "baselines": m,
                             "enrolled": len(change),
                             "barnett_formula": float(expected_rtm(mean, sd_b, sd_w, c,
                                                                   direction=direction,
                                                                   n_baseline=m)),
                             "simulated": change.mean(), "monte_carlo_se": change.sem()})
    return pd.DataFrame(rows)
