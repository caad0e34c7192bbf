"""Tests for liverlab.studies: the simulated clinic case series and randomized trial.

The numbers asserted for seed 2024 are the illusion notebook 04 shows: with a treatment that
does nothing, a paired t-test among completers finds "significant improvement". Parameters
and their sources are in CaseSeriesParameters (research/evidence.md sections 1, 3 and 5).
"""

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from liverlab.scores import meld, meld_na
from liverlab.studies import (
    COMPONENTS,
    LAB_COLUMNS,
    MECHANISMS,
    OUTCOME_COLUMNS,
    RTM_PARTS,
    VISITS,
    CaseSeriesParameters,
    Cited,
    compare_arms,
    decompose_change,
    mean_change,
    plot_decomposition,
    plot_percent_change,
    simulate_case_series,
    simulate_randomized_trial,
)


@pytest.fixture(scope="module")
def series():
    return simulate_case_series(200, seed=2024)


@pytest.fixture(scope="module")
def trial():
    return simulate_randomized_trial(200, seed=2024)


def _at(frame, visit, column):
    return frame.loc[frame["visit"] == visit, column].to_numpy()


def _expected_columns(with_arm):
    head = ["patient_id"] + (["arm"] if with_arm else []) + [
        "aetiology", "alcohol_abstinence", "antiviral", "albumin_infusions", "diuretics",
        "visit", "visit_day", "alive", "transplanted", "dropped_out", "observed"]
    return (head + list(OUTCOME_COLUMNS) + [f"true_{c}" for c in OUTCOME_COLUMNS]
            + [f"{c}_from_{m}" for c in OUTCOME_COLUMNS for m in MECHANISMS])


# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

def test_parameter_table():
    params = CaseSeriesParameters()
    table = params.table()
    assert list(table.columns) == ["parameter", "value", "unit", "source"]
    assert table["parameter"].tolist() == [f.name for f in dataclasses.fields(params)]
    assert table["source"].str.strip().str.len().gt(0).all()
    settings = table[table["unit"] == "setting"]
    assert settings["parameter"].tolist() == ["enrolment_variable", "enrolment_direction"]
    assert settings["value"].isna().all()
    numeric = table[table["unit"] != "setting"]
    assert numeric["value"].notna().all()
    # Every number says whether it is data ([V], [V2], [D]) or a labelled course assumption.
    tagged = numeric["source"].str.contains(r"\[V\]|\[V2|\[D\]|course assumption", regex=True)
    assert tagged.all(), numeric.loc[~tagged, "parameter"].tolist()


def test_wiesner_and_eubivas_values():
    p = CaseSeriesParameters()
    # Wiesner 2003 three-month mortality by MELD stratum (evidence.md 1.3, [V]).
    assert [p.death_3mo_meld_le9.value, p.death_3mo_meld_10_19.value,
            p.death_3mo_meld_20_29.value, p.death_3mo_meld_30_39.value,
            p.death_3mo_meld_ge40.value] == [0.019, 0.060, 0.196, 0.526, 0.713]
    # Within-person CVs (evidence.md 3.1); bilirubin is a labelled course assumption.
    assert (p.cvi_albumin.value, p.cva_albumin.value, p.cvi_creatinine.value,
            p.cvi_alt.value, p.cvi_ast.value, p.cvi_sodium.value,
            p.cvi_prothrombin_time.value) == (0.025, 0.015, 0.044, 0.093, 0.095, 0.010, 0.032)
    assert p.cvi_bilirubin.source.startswith("course assumption")


def test_without_switches_mechanisms_off():
    p = CaseSeriesParameters().without("cointerventions", "deaths", "dropout")
    assert p.abstinence_uptake.value == p.antiviral_uptake.value == 0.0
    assert p.albumin_infusion_uptake.value == p.diuretic_uptake.value == 0.0
    assert p.death_3mo_meld_ge40.value == 0.0 and p.dropout_per_3_months.value == 0.0
    assert p.antiviral_alt_ratio.value == 0.5          # effect sizes are kept
    q = CaseSeriesParameters().without("measurement_error", "fluctuation", "natural_course")
    assert q.cvi_bilirubin.value == q.cva_albumin.value == q.spell_sd_bilirubin_log.value == 0
    assert q.drift_bilirubin_per_year.value == q.drift_sd_log_per_year.value == 0.0
    assert "without('fluctuation')" in q.spell_sd_ast_log.source
    with pytest.raises(ValueError, match=r"Unknown mechanism\(s\) \['rtm'\]"):
        CaseSeriesParameters().without("rtm")


@pytest.mark.parametrize("change, exc, message", [
    (dict(dropout_per_3_months=Cited(5, "probability", "typo")), ValueError,
     r"dropout_per_3_months must be a probability in \[0, 1\); got 5 \(probability\)\. Did "
     "you enter a percentage"),
    (dict(cvi_albumin=Cited(2.5, "%", "typo")), ValueError,
     "cvi_albumin must be a coefficient of variation as a fraction"),
    (dict(albumin_mean_g_dl=Cited(29.0, "g/L", "typo")), ValueError,
     "albumin_mean_g_dl must be a mean in g/dL between 1.5 and 5; got 29"),
    (dict(antiviral_alt_ratio=Cited(0.0, "ratio", "typo")), ValueError,
     "antiviral_alt_ratio must be a ratio"),
    (dict(death_3mo_meld_20_29=0.196), TypeError,
     r"death_3mo_meld_20_29 must be a Cited\(value, unit, source\)"),
    (dict(enrolment_variable="child_pugh"), ValueError, "enrolment_variable must be one of"),
    (dict(enrolment_variable=15), TypeError, "enrolment_variable must be a string"),
    (dict(enrolment_direction=">="), ValueError, "enrolment_direction must be 'above'"),
    (dict(enrolment_cutoff=Cited(150.0, "umol/L", "x")), ValueError,
     "enrolment_cutoff must be a plausible value of meld, between 6 and 40"),
    (dict(aetiology_alcohol=Cited(0.7, "p", "x")), ValueError,
     r"aetiology_alcohol \+ aetiology_hbv must be at most 1"),
    (dict(corr_bilirubin_inr=Cited(0.9, "r", "x"), corr_bilirubin_albumin=Cited(-0.9, "r", "x"),
          corr_inr_albumin=Cited(0.9, "r", "x")), ValueError,
     "do not form a valid correlation matrix"),
    (dict(spell_sd_albumin_g_dl=Cited(0.9, "g/dL", "x")), ValueError,
     r"The slow fluctuation \(spell_sd_\*\) of albumin is as large as its whole population"),
])
def test_parameter_errors(change, exc, message):
    with pytest.raises(exc, match=message):
        dataclasses.replace(CaseSeriesParameters(), **change)


@pytest.mark.parametrize("args, exc, message", [
    ((True, "u", "s"), TypeError, "Cited.value must be a number"),
    ((float("nan"), "u", "s"), ValueError, "Cited.value must be finite"),
    ((1.0, 3, "s"), TypeError, "Cited.unit must be a string"),
    ((1.0, "u", "  "), ValueError, "Cited.source must say where the value comes from"),
])
def test_cited_errors(args, exc, message):
    with pytest.raises(exc, match=message):
        Cited(*args)


# ---------------------------------------------------------------------------------------------
# The frame: columns, dtypes, missingness, consistency
# ---------------------------------------------------------------------------------------------

def test_columns_and_dtypes(series, trial):
    assert list(series.columns) == _expected_columns(with_arm=False)
    assert list(trial.columns) == _expected_columns(with_arm=True)
    assert series.shape == (800, 62)
    dtypes = series.dtypes.astype(str)
    assert dtypes["patient_id"] == dtypes["visit_day"] == "int64"
    assert dtypes[["alcohol_abstinence", "antiviral", "albumin_infusions", "diuretics",
                   "alive", "transplanted", "dropped_out", "observed"]].eq("bool").all()
    assert dtypes[list(series.columns[12:])].eq("float64").all()
    assert list(series["visit"].cat.categories) == list(VISITS) and series["visit"].cat.ordered
    assert list(series["aetiology"].cat.categories) == ["alcohol", "hbv", "other"]
    assert list(trial["arm"].cat.categories) == ["control", "treatment"]
    # One row per patient and visit, patient-major.
    assert series["patient_id"].tolist() == list(np.repeat(np.arange(1, 201), 4))
    assert series["visit"].astype(str).tolist() == list(VISITS) * 200
    assert series["visit_day"].tolist()[:4] == [-14, 0, 91, 182]
    assert series.attrs["n_screened"] >= 200


def test_dead_and_dropped_rows_have_no_labs(series):
    unobserved = ~series["observed"]
    assert unobserved.sum() > 0
    assert series.loc[unobserved, list(OUTCOME_COLUMNS)].isna().all().all()
    assert series.loc[~unobserved, list(OUTCOME_COLUMNS)].notna().all().all()
    assert (series["observed"] == (series["alive"] & ~series["transplanted"]
                                   & ~series["dropped_out"])).all()
    # Everyone is measured at screening and baseline.
    assert series.loc[series["visit"].isin(["screening", "baseline"]), "observed"].all()


def test_death_and_dropout_are_absorbing(series):
    alive = series["alive"].to_numpy().reshape(-1, 4)
    dropped = series["dropped_out"].to_numpy().reshape(-1, 4)
    assert (np.diff(alive.astype(int), axis=1) <= 0).all()
    assert (np.diff(dropped.astype(int), axis=1) >= 0).all()


@pytest.mark.filterwarnings("ignore::liverlab.scores.ImplausibleUnitWarning")  # simulated labs up to 60 mg/dL
def test_scores_are_computed_from_the_labs(series):
    seen = series[series["observed"]]
    np.testing.assert_array_equal(
        seen["meld"], meld(seen["bilirubin_mg_dl"], seen["inr"], seen["creatinine_mg_dl"]))
    np.testing.assert_array_equal(
        seen["meld_na"], meld_na(seen["bilirubin_mg_dl"], seen["inr"],
                                 seen["creatinine_mg_dl"], seen["sodium_mmol_l"]))
    np.testing.assert_array_equal(
        series["true_meld"], meld(series["true_bilirubin_mg_dl"], series["true_inr"],
                                  series["true_creatinine_mg_dl"]))


def test_enrolment_rule_is_applied_to_measured_screening_values(series):
    assert (_at(series, "screening", "meld") >= 15).all()
    params = dataclasses.replace(
        CaseSeriesParameters(), enrolment_variable="albumin_g_dl", enrolment_direction="below",
        enrolment_cutoff=Cited(3.0, "g/dL", "course assumption: albumin < 3.0 g/dL"))
    low_albumin = simulate_case_series(300, seed=5, params=params)
    assert (_at(low_albumin, "screening", "albumin_g_dl") < 3.0).all()
    # Regression to the mean on the selection variable: albumin rises after selection.
    before = _at(low_albumin, "screening", "albumin_g_dl")
    assert _at(low_albumin, "baseline", "albumin_g_dl").mean() > before.mean()


def test_contributions_start_at_baseline(series):
    early = series[series["visit"].isin(["screening", "baseline"])]
    contributions = [f"{c}_from_{m}" for c in OUTCOME_COLUMNS for m in MECHANISMS]
    assert (early[contributions] == 0).all().all()
    # Case series with true_effect = 0: the treatment contributes nothing anywhere.
    assert (series[[f"{c}_from_treatment" for c in OUTCOME_COLUMNS]] == 0).all().all()
    # Co-interventions only move patients who received one.
    none = ~series[["alcohol_abstinence", "antiviral", "albumin_infusions",
                    "diuretics"]].any(axis=1)
    assert (series.loc[none, [f"{c}_from_cointerventions" for c in LAB_COLUMNS]] == 0).all().all()


def test_albumin_infusions_raise_true_albumin(series):
    late = series[series["visit"] == "6 months"]
    infused = late.loc[late["albumin_infusions"], "albumin_g_dl_from_cointerventions"]
    assert (infused >= 0.5).all()        # 0.6 g/dL x (1 - exp(-182 / 14)), plus others


def test_without_noise_measured_equals_true_up_to_rounding():
    params = CaseSeriesParameters().without("measurement_error")
    frame = simulate_case_series(100, seed=9, params=params)
    seen = frame[frame["observed"]]
    np.testing.assert_allclose(seen["albumin_g_dl"], seen["true_albumin_g_dl"], atol=0.05 + 1e-9)
    np.testing.assert_allclose(seen["alt_u_l"], seen["true_alt_u_l"], atol=0.5 + 1e-9)


def test_same_seed_same_frame_different_seed_different():
    a = simulate_case_series(150, seed=42)
    pd.testing.assert_frame_equal(a, simulate_case_series(150, seed=42))
    pd.testing.assert_frame_equal(a, simulate_case_series(150, seed=np.random.default_rng(42)))
    assert not a.equals(simulate_case_series(150, seed=43))
    t = simulate_randomized_trial(150, seed=42)
    pd.testing.assert_frame_equal(t, simulate_randomized_trial(150, seed=42))


def test_trial_enrols_the_same_patients_as_the_case_series(series, trial):
    for column in ["bilirubin_mg_dl", "albumin_g_dl", "meld", "aetiology", "antiviral"]:
        np.testing.assert_array_equal(_at(series, "screening", column),
                                      _at(trial, "screening", column))
    arms = trial.drop_duplicates("patient_id")["arm"]
    assert arms.value_counts().to_dict() == {"treatment": 100, "control": 100}
    assert (trial.groupby("patient_id")["arm"].nunique() == 1).all()


def test_ten_thousand_patients_are_fast():
    start = time.perf_counter()
    frame = simulate_case_series(10_000, seed=1)
    elapsed = time.perf_counter() - start
    assert len(frame) == 40_000
    assert elapsed < 2.0        # about 0.3 s on the development machine


# ---------------------------------------------------------------------------------------------
# The illusion: no effect, yet "significant improvement" among completers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["screening", "baseline"])
def test_case_series_shows_improvement_without_any_effect(series, reference):
    completers = _at(series, "6 months", "observed")
    assert 100 < completers.sum() < 170
    improves_upwards = {"albumin_g_dl": True, "bilirubin_mg_dl": False, "alt_u_l": False,
                        "ast_u_l": False, "meld": False, "inr": False,
                        "prothrombin_time_s": False}
    for lab, upwards in improves_upwards.items():
        before = _at(series, reference, lab)[completers]
        after = _at(series, "6 months", lab)[completers]
        change = np.mean(after - before)
        assert (change > 0) == upwards, (lab, change)
        assert stats.ttest_rel(after, before).pvalue < 0.001, lab


def test_deaths_follow_meld(series):
    baseline = series[series["visit"] == "baseline"]
    dead = ~_at(series, "6 months", "alive")
    assert 0.15 < dead.mean() < 0.40
    assert baseline["true_meld"][dead].mean() > baseline["true_meld"][~dead].mean() + 2
    no_deaths = simulate_case_series(200, seed=2024,
                                     params=CaseSeriesParameters().without("deaths", "dropout"))
    assert no_deaths["observed"].all()


# ---------------------------------------------------------------------------------------------
# Decomposition
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome", OUTCOME_COLUMNS)
@pytest.mark.parametrize("reference, visit, paired", [
    ("baseline", "6 months", True), ("screening", "6 months", True),
    ("baseline", "3 months", True), ("baseline", "6 months", False)])
def test_decomposition_adds_up(series, outcome, reference, visit, paired):
    parts = decompose_change(series, outcome, reference=reference, visit=visit, paired=paired)
    assert parts["component"].tolist()[1:] == list(COMPONENTS)[1:]
    change = parts["change"].to_numpy()
    assert change[1:].sum() == pytest.approx(change[0], abs=1e-9)
    # The apparent change is what a completers analysis of the measured values finds.
    done = _at(series, visit, "observed")
    before, after = _at(series, reference, outcome), _at(series, visit, outcome)
    naive = (np.mean(after[done] - before[done]) if paired
             else np.mean(after[done]) - np.mean(before))
    assert change[0] == pytest.approx(naive, abs=1e-9)
    assert change[4] == 0.0                            # no treatment effect
    assert parts.attrs["n_enrolled"] == 200 and parts.attrs["n_completers"] == done.sum()


def test_decomposition_within_trial_arms(trial):
    for arm in ["treatment", "control"]:
        parts = decompose_change(trial, "meld", arm=arm)
        assert parts["change"].iloc[1:].sum() == pytest.approx(parts["change"].iloc[0], abs=1e-9)
        assert parts.attrs["n_enrolled"] == 100


def test_decomposition_components_mean_what_they_say(series):
    parts = decompose_change(series, "meld").set_index("component")["change"]
    assert parts["regression to the mean"] < -0.5          # selection in a bad spell
    assert parts["co-interventions"] < 0                     # antivirals, abstinence
    assert parts["natural course"] > 0                       # the disease progresses
    # Switch mechanisms off and their rows vanish.
    quiet = CaseSeriesParameters().without("fluctuation", "measurement_error", "cointerventions")
    frame = simulate_case_series(300, seed=4, params=quiet)
    rows = decompose_change(frame, "meld").set_index("component")["change"]
    assert rows["co-interventions"] == 0.0
    assert abs(rows["regression to the mean"]) < 0.1        # only lab rounding remains
    assert rows["measurement noise at follow-up"] == pytest.approx(0.0, abs=0.1)


def test_decomposition_recovers_a_true_effect():
    frame = simulate_case_series(500, seed=17, true_effect=0.5)
    parts = decompose_change(frame, "albumin_g_dl").set_index("component")["change"]
    # 0.5 population SDs of albumin (0.6 g/dL) at full effect, except where clipped at 5.5.
    assert parts["treatment"] == pytest.approx(0.30, abs=0.005)
    assert decompose_change(frame, "meld").set_index("component")["change"]["treatment"] < -2


# ---------------------------------------------------------------------------------------------
# The randomized trial
# ---------------------------------------------------------------------------------------------

def test_trial_with_no_effect_finds_none(trial):
    for reference in ["baseline", None]:
        result = compare_arms(trial, "meld", reference=reference).iloc[0]
        assert result["ci_low"] < 0 < result["ci_high"]
        assert abs(result["difference"]) < 1.5
        assert result["n_treatment"] + result["n_control"] == _at(trial, "6 months",
                                                                  "observed").sum()
    # ... while each arm, viewed alone, "improves" just like the case series.
    for arm in ["treatment", "control"]:
        assert decompose_change(trial, "meld", arm=arm)["change"].iloc[0] < -1


def test_trial_confidence_intervals_cover_zero_about_95_percent():
    covered = 0
    for seed in range(200):
        result = compare_arms(simulate_randomized_trial(120, seed=seed), "meld").iloc[0]
        covered += result["ci_low"] < 0 < result["ci_high"]
    # Binomial(200, 0.95): 99.9% of runs fall within 181..198 when the coverage is right.
    assert 181 <= covered <= 198


def test_trial_recovers_a_true_effect():
    trial = simulate_randomized_trial(2000, seed=3, true_effect=0.5)
    albumin = compare_arms(trial, "albumin_g_dl").iloc[0]
    assert albumin["ci_low"] < 0.30 < albumin["ci_high"]       # 0.5 x 0.6 g/dL
    assert albumin["ci_low"] > 0
    result = compare_arms(trial, "meld").iloc[0]
    assert result["ci_high"] < 0 and result["p_value"] < 1e-6
    control = decompose_change(trial, "meld", arm="control").set_index("component")["change"]
    assert control["treatment"] == 0.0


# ---------------------------------------------------------------------------------------------
# Errors: one test per message
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, message", [
    (lambda: simulate_case_series(200), TypeError, "seed"),
    (lambda: simulate_case_series(1, seed=1), ValueError, "n must be at least 2 patients"),
    (lambda: simulate_case_series(20.0, seed=1), TypeError, "n must be a whole number"),
    (lambda: simulate_case_series(20, seed=-3), ValueError, "seed must be a non-negative"),
    (lambda: simulate_case_series(20, seed="a"), TypeError, "seed must be an int or a numpy"),
    (lambda: simulate_case_series(20, seed=1, true_effect=5), ValueError,
     "true_effect must be between -3 and 3 population SDs"),
    (lambda: simulate_case_series(20, seed=1, true_effect="big"), TypeError,
     "true_effect must be a number"),
    (lambda: simulate_randomized_trial(20, seed=1, params={}), TypeError,
     "params must be a CaseSeriesParameters"),
])
def test_simulator_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_impossible_enrolment_rule():
    params = dataclasses.replace(
        CaseSeriesParameters(), enrolment_variable="albumin_g_dl", enrolment_direction="below",
        enrolment_cutoff=Cited(1.0, "g/dL", "what-if"))
    with pytest.raises(ValueError, match="Only 0 of .* screened candidates met the enrolment "
                                         "rule albumin_g_dl < 1"):
        simulate_case_series(2, seed=1, params=params)


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(outcome="child_pugh"), ValueError, "outcome must be one of"),
    (dict(reference="3 months"), ValueError, "reference must be 'screening' or 'baseline'"),
    (dict(visit="12 months"), ValueError, "visit must be '3 months' or '6 months'"),
    (dict(arm="treatment"), ValueError, "arm was given but frame has no 'arm' column"),
    (dict(paired="yes"), TypeError, "paired must be True or False"),
    (dict(split_rtm=1), TypeError, "split_rtm must be True or False"),
])
def test_decompose_errors(series, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        decompose_change(series, **kwargs)


def test_decompose_needs_the_simulator_frame(series, trial):
    with pytest.raises(TypeError, match="frame must be the DataFrame returned by"):
        decompose_change(series.to_dict())
    with pytest.raises(ValueError, match=r"frame lacks the column\(s\) \['true_meld'\]"):
        decompose_change(series.drop(columns="true_meld"))
    with pytest.raises(ValueError, match="arm must be 'treatment', 'control' or None"):
        decompose_change(trial, arm="placebo")


def test_compare_arms_errors(series, trial):
    with pytest.raises(ValueError, match="frame has no 'arm' column; compare_arms needs"):
        compare_arms(series)
    with pytest.raises(ValueError, match="confidence must be a number between 0 and 1"):
        compare_arms(trial, confidence=95)



def test_mean_change_is_the_completers_mean_with_a_t_interval():
    # A hand-made frame: three completers change by 1, 2 and 3 points, a fourth patient died.
    rows = []
    for pid, (before, after, observed) in enumerate([(20, 21, True), (20, 22, True), (20, 23, True),
                                                     (30, None, False)], start=1):
        rows += [{"patient_id": pid, "visit": "baseline", "observed": True, "meld": before},
                 {"patient_id": pid, "visit": "6 months", "observed": observed, "meld": after}]
    mean, low, high = mean_change(pd.DataFrame(rows))
    half_width = 4.302652729911275 * 1 / np.sqrt(3)  # t(0.975, 2 df) x SD 1 / sqrt(3)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half_width, 2.0 + half_width))


def test_mean_change_matches_the_trial_arms(trial):
    result = compare_arms(trial, "meld").iloc[0]
    assert mean_change(trial, arm="treatment")[0] == pytest.approx(result["mean_treatment"])
    assert mean_change(trial, arm="control")[0] == pytest.approx(result["mean_control"])


def test_mean_change_errors(series, trial):
    with pytest.raises(ValueError, match="reference must be 'screening' or 'baseline'; got None"):
        mean_change(series, reference=None)
    with pytest.raises(ValueError, match="confidence must be a number between 0 and 1"):
        mean_change(series, confidence=95)
    with pytest.raises(ValueError, match="arm was given but frame has no 'arm' column"):
        mean_change(series, arm="treatment")
    with pytest.raises(TypeError, match="frame must be the DataFrame"):
        mean_change(series["meld"])
    with pytest.raises(ValueError, match="Fewer than 2 completers"):
        mean_change(series.assign(observed=False))


def test_plot_percent_change_plots_each_mean_change_as_a_percentage(series):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    table = plot_percent_change(series, {"meld": "MELD", "albumin_g_dl": "albumin"}, ax=ax, title="t")
    assert list(table.index) == ["MELD", "albumin"]
    six = series["visit"] == "6 months"
    completers = series.loc[six, "observed"].to_numpy()
    for column, label in [("meld", "MELD"), ("albumin_g_dl", "albumin")]:
        base = _at(series, "baseline", column)[completers].mean()
        expected = [100 * x / base for x in mean_change(series, column)]
        assert table.loc[label].tolist() == pytest.approx(expected)
    assert table.loc["MELD", "change_pct"] < 0 < table.loc["albumin", "change_pct"]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["fell", "rose"]
    plt.close(fig)
    with pytest.raises(TypeError, match="labels must be a dict"):
        plot_percent_change(series, ["meld"])
    with pytest.raises(ValueError, match="labels is empty"):
        plot_percent_change(series, {})


def test_plot_decomposition_draws_one_labelled_bar_per_row(series):
    import matplotlib.pyplot as plt

    parts = decompose_change(series, "meld").set_index("component")["change"]
    ax = plot_decomposition(parts, xlabel="points", title="t")
    bars = ax.patches
    assert [b.get_width() for b in bars] == pytest.approx(parts.tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == list(parts.index)
    assert bars[0].get_facecolor()[:3] == (1.0, 1.0, 1.0)  # the apparent change is the white bar
    plt.close(ax.figure)
    with pytest.raises(TypeError, match="parts must be a numeric pandas Series"):
        plot_decomposition(parts.to_numpy(), xlabel="points")
    with pytest.raises(ValueError, match="at least one cause"):
        plot_decomposition(parts.iloc[:1], xlabel="points")

# ---------------------------------------------------------------------------------------------
# Transplant, informative drop-out, the split of regression to the mean (issue 11)
# ---------------------------------------------------------------------------------------------

def _listed(listed=1.0, informative=0.0):
    return dataclasses.replace(
        CaseSeriesParameters(),
        transplant_listed=Cited(listed, "proportion", "test"),
        dropout_log_hazard_ratio_per_meld_point=Cited(informative, "ln HR per point", "test"))


def test_defaults_switch_transplant_and_informative_dropout_off(series):
    params = CaseSeriesParameters()
    assert params.transplant_listed.value == 0.0
    assert params.dropout_log_hazard_ratio_per_meld_point.value == 0.0
    assert not series["transplanted"].any()
    # Hart 2016 anchor for MELD 20-29 (90-day transplant probability 30-67% by area, MELD 25-29)
    assert 0.3 <= params.transplant_3mo_meld_20_29.value <= 0.67
    assert "Hart" in params.transplant_3mo_meld_20_29.source
    off = _listed(0.7).without("transplant")
    assert off.transplant_listed.value == off.transplant_3mo_meld_30_39.value == 0.0


def test_spell_source_states_ricos_finding_and_the_assumption():
    source = CaseSeriesParameters().spell_sd_bilirubin_log.source
    assert source.startswith("course assumption")
    assert "same order as in health" in source
    assert "larger in disease than in health" not in source


def test_transplant_competes_with_death_and_follows_meld():
    plain = simulate_case_series(2000, seed=5)
    listed = simulate_case_series(2000, seed=5, params=_listed())
    six_plain = plain[plain["visit"] == "6 months"].reset_index(drop=True)
    six = listed[listed["visit"] == "6 months"].reset_index(drop=True)
    assert six["transplanted"].sum() > 200
    # Transplanted patients are alive, out of the study and unmeasured.
    assert six.loc[six["transplanted"], "alive"].all()
    assert not six.loc[six["transplanted"], "observed"].any()
    assert six.loc[six["transplanted"], "meld"].isna().all()
    # Competing risks: transplant takes patients who would have died, so fewer deaths.
    assert (~six["alive"]).sum() < (~six_plain["alive"]).sum()
    # Same seed, same patients: nobody who survived without transplant dies with it.
    assert not (~six["alive"] & six_plain["alive"]).any()
    # Higher true MELD, more transplants.
    base = listed[listed["visit"] == "baseline"].reset_index(drop=True)
    high = base["true_meld"] >= 25
    assert six.loc[high, "transplanted"].mean() > 2 * six.loc[~high, "transplanted"].mean()
    # Absorbing, and the decomposition still adds up exactly.
    tx = listed["transplanted"].to_numpy().reshape(-1, 4)
    assert (np.diff(tx.astype(int), axis=1) >= 0).all()
    parts = decompose_change(listed, "meld")
    assert parts["component"].iloc[5] == "attrition (death, transplant and drop-out)"
    assert parts["change"].iloc[1:].sum() == pytest.approx(parts["change"].iloc[0], abs=1e-12)


def test_informative_dropout_removes_the_patients_who_worsen():
    params = dataclasses.replace(_listed(0.0, 0.3),
                                 dropout_per_3_months=Cited(0.15, "probability", "test"))
    frame = simulate_case_series(3000, seed=11, params=params)
    base = frame[frame["visit"] == "baseline"].reset_index(drop=True)
    six = frame[frame["visit"] == "6 months"].reset_index(drop=True)
    worsening = six["true_meld"] - base["true_meld"]
    assert worsening[six["dropped_out"]].mean() > worsening[six["observed"]].mean() + 1
    # At random (b = 0), the same comparison shows no such gap.
    at_random = simulate_case_series(3000, seed=11, params=dataclasses.replace(
        params, dropout_log_hazard_ratio_per_meld_point=Cited(0.0, "ln HR", "test")))
    base0 = at_random[at_random["visit"] == "baseline"].reset_index(drop=True)
    six0 = at_random[at_random["visit"] == "6 months"].reset_index(drop=True)
    alive0 = six0["alive"]
    gap0 = ((six0["true_meld"] - base0["true_meld"])[six0["dropped_out"] & alive0].mean()
            - (six0["true_meld"] - base0["true_meld"])[six0["observed"]].mean())
    assert abs(gap0) < 1
    with pytest.raises(ValueError, match="dropout_log_hazard_ratio_per_meld_point must be a "
                                         "log hazard ratio per MELD point"):
        _listed(0.0, 2.0)


def test_split_rtm_adds_up_to_the_rtm_row(series):
    whole = decompose_change(series, "meld").set_index("component")["change"]
    split = decompose_change(series, "meld", split_rtm=True)
    assert split["component"].tolist()[1:3] == list(RTM_PARTS)
    assert len(split) == len(COMPONENTS) + 1
    parts = split.set_index("component")["change"]
    assert parts[list(RTM_PARTS)].sum() == pytest.approx(whole["regression to the mean"])
    assert parts.iloc[1:].sum() == pytest.approx(parts.iloc[0], abs=1e-12)
    # Without measurement error the second part is exactly zero (up to lab rounding: none).
    quiet = simulate_case_series(300, seed=3, params=CaseSeriesParameters().without(
        "measurement_error"))
    quiet_parts = decompose_change(quiet, "albumin_g_dl", split_rtm=True)
    assert abs(quiet_parts["change"].iloc[2]) < 0.01
