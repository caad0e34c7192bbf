"""Tests for liverlab.rtm.

Known answers come from the authors' own code for Barnett, van der Pols & Dobson 2005
(Int J Epidemiol 34:215-20): repository agbarnett/RTM, file expected.rtm.R (commit
cf3b527a763a56c7225e7bd3074a36a286e0cfb4), whose expressions were run in R (Rscript) for the
paper's example: population mean 60, total SD 15, cut-off 40, rho = 0.1 ... 0.9, m = 1.
The R expressions were

    zg <- (cut - mu) / sigma;  zl <- (mu - cut) / sigma
    czg <- dnorm(zg) / (1 - pnorm(zg));  czl <- dnorm(zl) / (1 - pnorm(zl))
    Rl <- (s2w / m) / sqrt(s2b + s2w / m) * czl     # "RTM effect (<cut-off)"
    Rg <- (s2w / m) / sqrt(s2b + s2w / m) * czg     # "RTM effect (>cut-off)"

with s2w = (1 - rho) sigma^2 and s2b = rho sigma^2. The paper's own printed numbers could not
be retrieved (only its first page and the code were available), so the vectors below are the
code's output, not a table of the paper.
"""

import math

import numpy as np
import pandas as pd
import pytest

from liverlab.rtm import (_inverse_mills, expected_rtm, formula_vs_simulation,
                          rtm_fraction_of_change, simulate_rtm)

# R: see the module docstring; printed with sprintf("%.10f").
RHO = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
R_BELOW = [24.2748207378, 21.5776184336, 18.8804161294, 16.1832138252, 13.4860115210,
           10.7888092168, 8.0916069126, 5.3944046084, 2.6972023042]
R_ABOVE = [2.4363593127, 2.1656527224, 1.8949461321, 1.6242395418, 1.3535329515,
           1.0828263612, 0.8121197709, 0.5414131806, 0.2707065903]
C_Z_PAPER = 1.7981348695     # R: dnorm(4/3) / (1 - pnorm(4/3))


def _sds(rho, sigma=15.0):
    return math.sqrt(rho) * sigma, math.sqrt(1 - rho) * sigma


# ---------------------------------------------------------------------------------------------
# Against the authors' code and the formula
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rho, below, above", list(zip(RHO, R_BELOW, R_ABOVE)))
def test_against_authors_code(rho, below, above):
    sd_b, sd_w = _sds(rho)
    assert expected_rtm(60, sd_b, sd_w, 40, direction="below") == pytest.approx(below, abs=1e-9)
    # The authors report a size; we return the change, negative when selecting above.
    assert expected_rtm(60, sd_b, sd_w, 40, direction="above") == pytest.approx(-above,
                                                                                abs=1e-9)


def test_inverse_mills_ratio_of_the_paper_example():
    z = (40 - 60) / 15
    assert _inverse_mills(np.array(z), "below") == pytest.approx(C_Z_PAPER, abs=1e-9)
    assert _inverse_mills(np.array(-z), "above") == pytest.approx(C_Z_PAPER, abs=1e-9)


def test_evidence_notes_table_for_several_baseline_measurements():
    # research/evidence.md section 4.1 (its own [D] arithmetic, checked there by a 4-million
    # subject simulation): rho = 0.5 gives 13.5, 8.5, 6.3 for m = 1, 2, 3 when z uses the SD
    # of the baseline mean.
    sd_b, sd_w = _sds(0.5)
    got = expected_rtm(60, sd_b, sd_w, 40, direction="below", n_baseline=[1, 2, 3])
    np.testing.assert_allclose(got, [13.5, 8.5, 6.3], atol=0.05)


def test_formula_written_out():
    mu, sd_b, sd_w, c, m = 14.0, 5.0, 2.5, 18.0, 2
    sigma = math.sqrt(sd_b ** 2 + sd_w ** 2 / m)
    z = (c - mu) / sigma
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    upper_tail = 0.5 * math.erfc(z / math.sqrt(2))
    expected = -(sd_w ** 2 / m) / sigma * phi / upper_tail
    assert expected_rtm(mu, sd_b, sd_w, c, n_baseline=m) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Against simulation
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("direction, cutoff, n_baseline", [
    ("above", 18.0, 1), ("below", 10.0, 1), ("above", 18.0, 3), ("below", 14.0, 2)])
def test_against_simulation(direction, cutoff, n_baseline):
    rng = np.random.default_rng(20050215)
    sim = simulate_rtm(1_000_000, seed=rng, mean=14.0, sd_between=5.0, sd_within=2.5,
                       cutoff=cutoff, direction=direction, n_baseline=n_baseline)
    change = sim.loc[sim["selected"], "change"]
    # Monte Carlo standard error of the mean change among the selected (>= 150,000 of them):
    # about 0.006-0.01 here. 4 SE keeps the false-alarm rate below 1 in 10,000.
    se = change.std() / math.sqrt(len(change))
    expected = expected_rtm(14.0, 5.0, 2.5, cutoff, direction=direction, n_baseline=n_baseline)
    assert abs(change.mean() - expected) < 4 * se
    assert se < 0.02


def test_no_selection_no_regression():
    rng = np.random.default_rng(8)
    sim = simulate_rtm(200_000, seed=rng, mean=0.0, sd_between=1.0, sd_within=1.0, cutoff=0.0)
    change = sim["change"]
    assert abs(change.mean()) < 4 * change.std() / math.sqrt(len(change))


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [0.0, 0.5, 3.0, 10.0])
def test_below_mirrors_above(d):
    above = expected_rtm(50, 4.0, 3.0, 50 + d, direction="above")
    below = expected_rtm(50, 4.0, 3.0, 50 - d, direction="below")
    assert below == pytest.approx(-above, rel=1e-12)
    assert above < 0 < below


def test_n_baseline_divides_the_within_variance():
    # At cutoff = mean, z = 0 for every m and C(0) = 2 phi(0), so R_m = (sd_w^2 / m) / sigma_m
    # x C(0) exactly.
    sd_b, sd_w = 3.0, 2.0
    m = np.array([1, 2, 4, 8])
    sigma = np.sqrt(sd_b ** 2 + sd_w ** 2 / m)
    expected = -(sd_w ** 2 / m) / sigma * 2 * math.exp(0) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(expected_rtm(0.0, sd_b, sd_w, 0.0, n_baseline=m), expected,
                               rtol=1e-12)
    # Larger m, smaller effect; when sd_between dominates, the effect falls as 1 / m.
    got = expected_rtm(0.0, 100.0, 1.0, 0.0, n_baseline=m)
    assert np.all(np.diff(np.abs(got)) < 0)
    np.testing.assert_allclose(got / got[0], 1 / m, rtol=1e-4)


def test_larger_within_sd_larger_effect():
    sizes = np.abs(expected_rtm(14, 5, [0.5, 1, 2, 4], 18))
    assert np.all(np.diff(sizes) > 0)


def test_extreme_cutoffs_stay_finite():
    far = expected_rtm(0.0, 1.0, 1.0, [40.0, -40.0], direction="above")
    assert np.all(np.isfinite(far))
    # Far above the mean, C(z) ~ z: the effect approaches (sd_w^2 / sigma) * z = c / 2.
    assert far[0] == pytest.approx(-40.0 / 2, rel=0.01)
    assert far[1] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Kinds and shapes
# ---------------------------------------------------------------------------------------------

def test_scalar_gives_float():
    assert isinstance(expected_rtm(14, 5, 2.5, 18), float)


def test_vectorised_over_cutoff():
    cutoffs = np.array([[15.0, 18.0], [21.0, 24.0]])
    got = expected_rtm(14, 5, 2.5, cutoffs)
    assert isinstance(got, np.ndarray) and got.shape == (2, 2)
    np.testing.assert_allclose(got.ravel(), [expected_rtm(14, 5, 2.5, c) for c in
                                             cutoffs.ravel()])


def test_series_keeps_index_and_nan_passes_through():
    cutoffs = pd.Series([18.0, np.nan, None], index=["a", "b", "c"], dtype=float)
    got = expected_rtm(14, 5, 2.5, cutoffs)
    assert isinstance(got, pd.Series) and got.name == "expected_rtm"
    assert list(got.index) == ["a", "b", "c"]
    assert got.isna().tolist() == [False, True, True]


def test_fraction_of_change():
    expected = expected_rtm(14, 5, 2.5, 18)
    assert rtm_fraction_of_change(-2.0, 14, 5, 2.5, 18) == pytest.approx(expected / -2.0)
    got = rtm_fraction_of_change(np.array([-2.0, 1.0]), 14, 5, 2.5, 18)
    np.testing.assert_allclose(got, [expected / -2.0, expected / 1.0])


def test_simulate_rtm_frame():
    sim = simulate_rtm(1000, seed=3, mean=1.0, sd_between=1.0, sd_within=0.5, cutoff=1.5)
    assert list(sim.columns) == ["patient_id", "true_value", "baseline_mean", "follow_up",
                                 "change", "selected"]
    assert sim.dtypes.astype(str).tolist() == ["int64", "float64", "float64", "float64",
                                               "float64", "bool"]
    assert sim["patient_id"].tolist() == list(range(1, 1001))
    np.testing.assert_allclose(sim["change"], sim["follow_up"] - sim["baseline_mean"])
    assert (sim.loc[sim["selected"], "baseline_mean"] >= 1.5).all()
    below = simulate_rtm(1000, seed=3, mean=1.0, sd_between=1.0, sd_within=0.5, cutoff=1.5,
                         direction="below")
    assert (below.loc[below["selected"], "baseline_mean"] < 1.5).all()


def test_simulate_rtm_seeds():
    kwargs = dict(mean=0.0, sd_between=1.0, sd_within=1.0, cutoff=1.0)
    a = simulate_rtm(500, seed=11, **kwargs)
    pd.testing.assert_frame_equal(a, simulate_rtm(500, seed=11, **kwargs))
    assert not a.equals(simulate_rtm(500, seed=12, **kwargs))
    pd.testing.assert_frame_equal(a, simulate_rtm(500, seed=np.random.default_rng(11), **kwargs))


# ---------------------------------------------------------------------------------------------
# Errors: one test per message
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, args", [
    ("sd_between", (14, 0.0, 2.5, 18)),
    ("sd_between", (14, -1.0, 2.5, 18)),
    ("sd_within", (14, 5, 0.0, 18)),
    ("sd_within", (14, 5, [1.0, -2.0], 18)),
])
def test_non_positive_sd(name, args):
    with pytest.raises(ValueError, match=f"{name} must be greater than 0 \\(a standard "
                                         "deviation\\)"):
        expected_rtm(*args)


def test_infinite_sd():
    with pytest.raises(ValueError, match="sd_within must be finite"):
        expected_rtm(14, 5, np.inf, 18)


@pytest.mark.parametrize("n_baseline", [0, -1, 1.5, [1, 0]])
def test_bad_n_baseline(n_baseline):
    with pytest.raises(ValueError, match="n_baseline must be a whole number of baseline "
                                         "measurements, at least 1"):
        expected_rtm(14, 5, 2.5, 18, n_baseline=n_baseline)


@pytest.mark.parametrize("direction", ["up", "ABOVE", None, ">"])
def test_unknown_direction(direction):
    with pytest.raises(ValueError, match="direction must be 'above' or 'below'"):
        expected_rtm(14, 5, 2.5, 18, direction=direction)


def test_infinite_cutoff_and_text():
    with pytest.raises(ValueError, match="cutoff must be finite"):
        expected_rtm(14, 5, 2.5, [18, np.inf])
    with pytest.raises(TypeError, match="mean must be a number"):
        expected_rtm("14", 5, 2.5, 18)


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="cannot be combined patient by patient"):
        expected_rtm([1, 2, 3], 5, 2.5, [18, 19])


def test_fraction_of_zero_change():
    with pytest.raises(ValueError, match="observed_change must not be 0"):
        rtm_fraction_of_change(0.0, 14, 5, 2.5, 18)


def test_simulate_rtm_needs_a_seed():
    with pytest.raises(TypeError, match="seed"):
        simulate_rtm(10, mean=0.0, sd_between=1.0, sd_within=1.0, cutoff=0.0)


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(n=0), ValueError, "n must be at least 1"),
    (dict(n=10.0), TypeError, "n must be a whole number of people"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
    (dict(seed="2024"), TypeError, "seed must be an int or a numpy.random.Generator"),
    (dict(sd_within=0.0), ValueError, "sd_within must be greater than 0"),
    (dict(sd_between=-1.0), ValueError, "sd_between must be greater than 0"),
    (dict(mean=np.nan), ValueError, "mean must be finite"),
    (dict(cutoff="high"), TypeError, "cutoff must be a single number"),
    (dict(direction="over"), ValueError, "direction must be 'above' or 'below'"),
    (dict(n_baseline=0), ValueError, "n_baseline must be a whole number"),
])
def test_simulate_rtm_errors(kwargs, exc, message):
    args = dict(n=10, seed=1, mean=0.0, sd_between=1.0, sd_within=1.0, cutoff=0.0)
    args.update(kwargs)
    n = args.pop("n")
    with pytest.raises(exc, match=message):
        simulate_rtm(n, **args)


# formula_vs_simulation: the table of notebook 05 (Figure 5.2 and section 4.3) ------------------

def test_formula_vs_simulation_rows_match_the_formula_and_a_direct_simulation():
    table = formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=[0.5, 0.9], cutoff=[2.5, 3.0],
                                  direction="below", n=20_000, seed=5)
    assert list(table.columns) == ["test_retest_r", "cutoff", "baselines", "enrolled",
                                   "barnett_formula", "simulated", "monte_carlo_se"]
    assert list(zip(table["test_retest_r"], table["cutoff"])) == [
        (0.5, 2.5), (0.5, 3.0), (0.9, 2.5), (0.9, 3.0)]
    row = table.iloc[1]                       # r = 0.5, cut-off 3.0: sd_b = sd_w = 0.6 * sqrt(0.5)
    sd_b = 0.6 * math.sqrt(0.5)
    formula = expected_rtm(2.9, sd_b, sd_b, 3.0, direction="below")
    assert row["barnett_formula"] == pytest.approx(formula)
    sim = simulate_rtm(20_000, seed=5, mean=2.9, sd_between=sd_b, sd_within=sd_b, cutoff=3.0,
                       direction="below")
    assert row["enrolled"] == sim["selected"].sum()
    assert row["simulated"] == pytest.approx(sim.loc[sim["selected"], "change"].mean())
    assert row["monte_carlo_se"] == pytest.approx(sim.loc[sim["selected"], "change"].sem())
    # Formula and simulation agree within 4 Monte Carlo standard errors in every row.
    gap = (table["simulated"] - table["barnett_formula"]).abs()
    assert (gap < 4 * table["monte_carlo_se"]).all()


def test_formula_vs_simulation_more_baselines_less_rtm():
    table = formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=0.7, cutoff=3.0,
                                  direction="below", n_baseline=range(1, 4), n=1_000, seed=13)
    assert list(table["baselines"]) == [1, 2, 3]
    assert table["barnett_formula"].is_monotonic_decreasing
    # Enrolment above a cut-off: the change is negative (high values come down).
    above = formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=0.7, cutoff=3.5, n=1_000, seed=1)
    assert above.loc[0, "barnett_formula"] < 0


@pytest.mark.parametrize("r", [0, 1, 70, -0.2, True, "0.7"])
def test_formula_vs_simulation_rejects_a_correlation_outside_0_1(r):
    with pytest.raises(ValueError, match="test_retest_r must be numbers strictly between 0 and 1"):
        formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=r, cutoff=3.0, n=100, seed=1)


def test_formula_vs_simulation_names_a_bad_sd():
    with pytest.raises(ValueError, match="sd must be greater than 0"):
        formula_vs_simulation(mean=2.9, sd=-0.6, test_retest_r=0.7, cutoff=3.0, n=100, seed=1)
