"""lifelines on data/pbc.csv against R's survival package on the same file.

Expected values: ``tests/r_reference/pbc_reference.json``, written by
``tests/r_reference/pbc_reference.R`` (run ``Rscript tests/r_reference/pbc_reference.R`` from the
repository root) with R version 4.2.2 Patched (2022-11-10 r83330) and survival 3.5-3, on
2026-12-03 (first 2026-11-24; the proportional-hazards block was added on 2026-12-03). The JSON is committed; these tests do not need R.

Sample: the 312 randomized patients (``trt`` 1 = D-penicillamine, 2 = placebo); event: death
(``status == 2``), transplant censored; time in days, 1 year = 365.25 days. The Cox model is
also fitted on all 418 patients with complete data (416: ``protime`` is missing for 2). The
Aalen-Johansen block treats transplant and death as competing events.

What matches, and how closely (maximum absolute difference measured with lifelines 0.30.0;
each test's tolerance is stated in it):

- Kaplan-Meier medians: identical. S(1, 5, 10 y): <= 3e-15. Log-log 95% CIs (lifelines'
  only transform, ``conf.type="log-log"`` in R): <= 3e-15; median CIs identical.
  R's default ``conf.type="log"`` differs from lifelines' limits by up to 0.023 (placebo,
  S(10 y) upper limit 0.595 vs 0.572), and for the D-penicillamine median it gives no upper
  limit at all where log-log gives 4191 days; rebuilt by hand from Greenwood's variance, the
  log CI matches R to <= 3e-15.
- Log-rank chi-square and p: <= 7e-15.
- Cox (Mayo model, Efron ties): with lifelines' default ``fit_options`` the coefficients are
  off by up to 1.9e-5 (312) and 1.6e-5 (416), because lifelines stops on a relative
  log-likelihood change of 1e-9; with ``fit_options={"precision": 1e-12}`` they agree to
  8e-11 and the SEs to 4e-12. Concordance (Harrell's C): <= 5e-16.
- Proportional hazards of the Mayo refit (312): R's ``cox.zph`` (survival >= 3.0, a score test
  for adding x * g(t)) gives p = 0.021 for log(protime) and 0.038 for edema (Kaplan-Meier time
  transform; global p = 0.061). lifelines' ``proportional_hazard_test`` implements the older
  approximation of Grambsch & Therneau (1994) and gives 0.057 and 0.12: it misses both. The
  model with separate coefficients for log(protime) and edema before and after 3 years
  (``survSplit`` in R; ``entry_col`` in lifelines) agrees to 2e-13 (coefficients).
- Aalen-Johansen: the pbc data have no tie between a transplant time and a death time, so
  lifelines does not jitter (it would, with a warning and NumPy's global seed, if they had).
  Cumulative incidence at 5 and 10 y: <= 6e-16; standard errors: <= 4e-17; the CIs match
  R's ``conf.type="log-log"`` to <= 1e-15, but lifelines 0.30.0 labels the *lower* limit
  ``..._upper_0.95`` and the upper limit ``..._lower_0.95``.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter, CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, proportional_hazard_test
from lifelines.utils import median_survival_times
from scipy.stats import norm

from liverlab.data import load_pbc

REFERENCE_PATH = Path(__file__).resolve().parent / "r_reference" / "pbc_reference.json"
REFERENCE = json.loads(REFERENCE_PATH.read_text())
DAYS_PER_YEAR = 365.25
ARMS = ["overall", "D-penicillamine", "placebo"]
COX_TERMS = ["age", "log(bili)", "log(albumin)", "log(protime)", "edema"]
PRECISE = {"precision": 1e-12}   # lifelines 0.30.0 fit_options keys: step_size, precision,
                                 # r_precision, max_steps


@pytest.fixture(scope="module")
def pbc():
    return load_pbc()


@pytest.fixture(scope="module")
def randomized(pbc):
    return pbc[pbc["randomized"]].reset_index(drop=True)


def value_at(frame, time):
    """Row of a right-continuous step function (indexed by time) in force at ``time``."""
    return frame[frame.index <= time].iloc[-1]


def arm_data(randomized, arm):
    return randomized if arm == "overall" else randomized[randomized["treatment"] == arm]


def km_fit(randomized, arm):
    data = arm_data(randomized, arm)
    return KaplanMeierFitter().fit(data["time"], data["died"])


def mayo_covariates(data):
    """The Mayo model's terms as columns named like R's coefficients; incomplete rows dropped."""
    return pd.DataFrame({
        "time": data["time"],
        "died": data["died"].astype(int),
        "age": data["age"],
        "log(bili)": np.log(data["bili"]),
        "log(albumin)": np.log(data["albumin"]),
        "log(protime)": np.log(data["protime"]),
        "edema": data["edema"],
    }).dropna()


def test_reference_provenance():
    provenance = REFERENCE["provenance"]
    assert provenance["r_version"] == "R version 4.2.2 Patched (2022-11-10 r83330)"
    assert provenance["survival_version"] == "3.5-3"
    assert provenance["script"] == "tests/r_reference/pbc_reference.R"
    assert provenance["days_per_year"] == DAYS_PER_YEAR


# ---- Kaplan-Meier ------------------------------------------------------------------------

@pytest.mark.parametrize("arm", ARMS)
def test_km_counts(randomized, arm):
    data = arm_data(randomized, arm)
    expected = REFERENCE["kaplan_meier"][arm]
    assert (len(data), int(data["died"].sum())) == (expected["n"], expected["deaths"])


@pytest.mark.parametrize("arm", ARMS)
def test_km_median(randomized, arm):
    # R: summary(survfit(Surv(time, status == 2) ~ trt, data = randomized))$table[, "median"]
    kmf = km_fit(randomized, arm)
    assert kmf.median_survival_time_ == pytest.approx(REFERENCE["kaplan_meier"][arm]["median_days"],
                                                      abs=1e-6)


@pytest.mark.parametrize("arm", ARMS)
def test_km_survival_at_1_5_10_years(randomized, arm):
    # R: summary(fit, times = c(1, 5, 10) * 365.25)$surv; measured max |diff| 2.3e-15.
    expected = REFERENCE["kaplan_meier"][arm]["survival"]
    kmf = km_fit(randomized, arm)
    days = np.array(expected["years"]) * DAYS_PER_YEAR
    np.testing.assert_allclose(kmf.survival_function_at_times(days), expected["estimate"],
                               rtol=0, atol=1e-6)
    at_risk = [value_at(kmf.event_table, t)["at_risk"] - value_at(kmf.event_table, t)["removed"]
               for t in days]
    assert at_risk == expected["n_risk"]


@pytest.mark.parametrize("arm", ARMS)
def test_km_loglog_ci_matches_r_loglog(randomized, arm):
    # R: survfit(..., conf.type = "log-log"); measured max |diff| 2.3e-15 (tolerance 1e-6).
    reference = REFERENCE["kaplan_meier"][arm]
    expected = reference["ci"]["log-log"]
    kmf = km_fit(randomized, arm)
    days = np.array(reference["survival"]["years"]) * DAYS_PER_YEAR
    limits = np.array([value_at(kmf.confidence_interval_, t).to_numpy() for t in days])
    np.testing.assert_allclose(limits[:, 0], expected["survival_lower"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(limits[:, 1], expected["survival_upper"], rtol=0, atol=1e-6)
    median_lower, median_upper = median_survival_times(kmf.confidence_interval_).iloc[0]
    assert (median_lower, median_upper) == (expected["median_lower"], expected["median_upper"])


@pytest.mark.parametrize("arm", ARMS)
def test_km_log_ci_by_hand_matches_r_default(randomized, arm):
    # lifelines has no conf.type="log" (R's default): rebuilt here from Greenwood's variance,
    # S(t) * exp(+-z * se(log S)), se(log S)^2 = sum d / (n (n - d)); measured max |diff| 3e-15.
    reference = REFERENCE["kaplan_meier"][arm]
    expected = reference["ci"]["log"]
    kmf = km_fit(randomized, arm)
    table = kmf.event_table
    n_at_risk, deaths = table["at_risk"], table["observed"]
    greenwood = (deaths / (n_at_risk * (n_at_risk - deaths))).cumsum()
    days = np.array(reference["survival"]["years"]) * DAYS_PER_YEAR
    survival = kmf.survival_function_at_times(days).to_numpy()
    se_log = np.sqrt([value_at(greenwood.to_frame(), t).iloc[0] for t in days])
    z = norm.ppf(0.975)
    np.testing.assert_allclose(survival * se_log, reference["survival"]["std_err"],
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(survival * np.exp(-z * se_log), expected["survival_lower"],
                               rtol=0, atol=1e-6)
    np.testing.assert_allclose(np.minimum(survival * np.exp(z * se_log), 1.0),
                               expected["survival_upper"], rtol=0, atol=1e-6)


def test_km_log_and_loglog_ci_differ_visibly():
    # Why the transform matters when comparing with R's printed output: R's two transforms
    # differ by up to 0.023 here, and the D-penicillamine median has no log upper limit.
    gaps = []
    for arm in ARMS:
        ci = REFERENCE["kaplan_meier"][arm]["ci"]
        for side in ["survival_lower", "survival_upper"]:
            gaps.extend(np.abs(np.subtract(ci["log"][side], ci["log-log"][side])))
    assert 0.02 < max(gaps) < 0.03
    d_pen = REFERENCE["kaplan_meier"]["D-penicillamine"]["ci"]
    assert d_pen["log"]["median_upper"] is None
    assert d_pen["log-log"]["median_upper"] == 4191


# ---- log-rank ----------------------------------------------------------------------------

def test_logrank_by_arm(randomized):
    # R: survdiff(Surv(time, status == 2) ~ trt); measured |diff| 5e-15 (chisq), 6e-15 (p).
    expected = REFERENCE["logrank"]
    d_pen = randomized[randomized["treatment"] == "D-penicillamine"]
    placebo = randomized[randomized["treatment"] == "placebo"]
    result = logrank_test(d_pen["time"], placebo["time"], d_pen["died"], placebo["died"])
    assert result.test_statistic == pytest.approx(expected["chisq"], abs=1e-6)
    assert result.p_value == pytest.approx(expected["p"], abs=1e-6)
    assert result.degrees_of_freedom == expected["df"]


# ---- Cox: the Mayo model -----------------------------------------------------------------

@pytest.fixture(scope="module", params=["randomized", "all_complete"])
def cox_case(request, pbc, randomized):
    data = randomized if request.param == "randomized" else pbc
    return mayo_covariates(data), REFERENCE["cox_mayo"][request.param]


def test_cox_sample_size(cox_case):
    covariates, expected = cox_case
    assert (len(covariates), int(covariates["died"].sum())) == (expected["n"], expected["deaths"])


def test_cox_coefficients_and_se(cox_case):
    # R: coxph(Surv(time, status == 2) ~ age + log(bili) + log(albumin) + log(protime) + edema)
    # measured max |diff|: coefficients 7.7e-11, SEs 3.2e-12, log-likelihood 1e-12.
    covariates, expected = cox_case
    cph = CoxPHFitter().fit(covariates, "time", "died", fit_options=PRECISE)
    np.testing.assert_allclose(cph.params_[COX_TERMS], [expected["coef"][t] for t in COX_TERMS],
                               rtol=0, atol=1e-5)
    np.testing.assert_allclose(cph.standard_errors_[COX_TERMS],
                               [expected["se"][t] for t in COX_TERMS], rtol=0, atol=1e-6)
    assert cph.log_likelihood_ == pytest.approx(expected["loglik"]["final"], abs=1e-6)
    assert cph.concordance_index_ == pytest.approx(expected["concordance"], abs=1e-9)


def test_cox_default_precision_is_looser(cox_case):
    # lifelines' default stop (relative log-likelihood change < 1e-9) leaves the coefficients
    # 1.6e-5 to 1.9e-5 from R's here: pass fit_options={"precision": 1e-12} to match R.
    covariates, expected = cox_case
    cph = CoxPHFitter().fit(covariates, "time", "died")
    gap = np.abs(cph.params_[COX_TERMS] - [expected["coef"][t] for t in COX_TERMS]).max()
    assert 1e-6 < gap < 1e-4


# ---- Proportional hazards of the Mayo refit ---------------------------------------------

MAYO_PH = REFERENCE["cox_mayo_ph"]


def mayo_by_window(randomized, cut_days):
    """One row per patient and window (before / after cut_days): start, stop, event, terms."""
    covariates = mayo_covariates(randomized)
    early = covariates.assign(start=0.0, stop=np.minimum(covariates["time"], cut_days),
                              event=np.where(covariates["time"] <= cut_days, covariates["died"], 0),
                              early=1)
    late = covariates[covariates["time"] > cut_days].assign(
        start=cut_days, stop=lambda d: d["time"], event=lambda d: d["died"], early=0)
    split = pd.concat([early, late], ignore_index=True)
    for term in ["log(protime)", "edema"]:
        split[f"{term} before 3 y"] = split[term] * split["early"]
        split[f"{term} after 3 y"] = split[term] * (1 - split["early"])
    return split[["start", "stop", "event"] + MAYO_PH["by_window"]["terms"]]


def test_cox_by_time_window_matches_r(randomized):
    # R: survSplit(..., cut = 3 * 365.25) then coxph(Surv(tstart, time, event) ~ age + log(bili)
    #    + log(albumin) + I(early * log(protime)) + I(late * log(protime)) + I(early * edema)
    #    + I(late * edema)); measured max |diff|: coefficients 2e-13, SEs 7e-11.
    expected = MAYO_PH["by_window"]
    split = mayo_by_window(randomized, expected["cut_years"] * DAYS_PER_YEAR)
    assert split.groupby("start")["event"].sum().tolist() == [expected["deaths"]["early"],
                                                                expected["deaths"]["late"]]
    cph = CoxPHFitter().fit(split, "stop", "event", entry_col="start", fit_options=PRECISE)
    np.testing.assert_allclose(cph.params_[expected["terms"]], expected["coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(cph.standard_errors_[expected["terms"]], expected["se"],
                               rtol=0, atol=1e-6)
    assert cph.log_likelihood_ == pytest.approx(expected["loglik"], abs=1e-6)


def test_lifelines_ph_test_misses_what_r_cox_zph_finds(randomized):
    # R >= 3.0: cox.zph(fit) is a score test; lifelines 0.30 uses the Grambsch-Therneau (1994)
    # approximation. On the Mayo refit they disagree about log(protime) and edema at 5%.
    covariates = mayo_covariates(randomized).drop(columns="time").assign(
        years=randomized["time"] / DAYS_PER_YEAR)
    cph = CoxPHFitter().fit(covariates, "years", "died", fit_options=PRECISE)
    lifelines_p = proportional_hazard_test(cph, covariates, time_transform="km").summary["p"]
    r_zph = MAYO_PH["cox_zph"]["km"]
    r_p = dict(zip(r_zph["terms"], r_zph["p"]))
    for term in ["log(protime)", "edema"]:
        assert r_p[term] < 0.05 < lifelines_p[term]
    assert r_p["GLOBAL"] == pytest.approx(0.061, abs=5e-4)


# ---- Aalen-Johansen ----------------------------------------------------------------------

def test_no_ties_between_transplant_and_death(pbc):
    # lifelines jitters tied times of different event types at random (with a warning and
    # np.random.seed); in pbc no transplant shares its day with a death, so it never does.
    events = pbc[pbc["status"] > 0]
    assert events.groupby("time")["status"].nunique().max() == 1


@pytest.mark.parametrize("state, code", [("transplant", 1), ("death", 2)])
def test_aalen_johansen_cumulative_incidence(randomized, state, code):
    # R: survfit(Surv(time, factor(status, 0:2, labels = c("censor", "transplant", "death")))
    #            ~ 1); measured max |diff|: estimate 5.6e-16, SE 4e-17, log-log CI 1e-15.
    expected = REFERENCE["aalen_johansen"]
    days = np.array(expected["years"]) * DAYS_PER_YEAR
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a jitter warning would mean random estimates
        ajf = AalenJohansenFitter().fit(randomized["time"], randomized["status"],
                                        event_of_interest=code)
    estimate = [value_at(ajf.cumulative_density_, t).iloc[0] for t in days]
    np.testing.assert_allclose(estimate, expected[state]["estimate"], rtol=0, atol=1e-10)
    std_err = np.sqrt([value_at(ajf.variance_.to_frame(), t).iloc[0] for t in days])
    np.testing.assert_allclose(std_err, expected[state]["std_err"], rtol=0, atol=1e-8)
    # lifelines 0.30.0 swaps the labels of its confidence limits: take min and max per row.
    limits = np.array([value_at(ajf.confidence_interval_, t).to_numpy() for t in days])
    named_upper = ajf.confidence_interval_.columns.str.contains("upper")
    assert (limits[:, named_upper] < limits[:, ~named_upper]).all()
    np.testing.assert_allclose(limits.min(axis=1), expected[state]["ci"]["log-log"]["lower"],
                               rtol=0, atol=1e-8)
    np.testing.assert_allclose(limits.max(axis=1), expected[state]["ci"]["log-log"]["upper"],
                               rtol=0, atol=1e-8)


def test_aalen_johansen_timeline_argument_pitfall(randomized):
    # Passing timeline= to AalenJohansenFitter.fit (lifelines 0.30.0) does not evaluate the
    # estimate at those times: the result stays indexed by event times and is NaN after the
    # first one. Fit without timeline= and read values off the step function (value_at).
    ajf = AalenJohansenFitter(calculate_variance=False).fit(
        randomized["time"], randomized["status"], event_of_interest=2,
        timeline=[1826.25, 3652.5])
    assert ajf.cumulative_density_.iloc[2:, 0].isna().all()
