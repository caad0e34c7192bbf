"""Tests for liverlab.survival (the infusion clinic of notebook 03)."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxTimeVaryingFitter

from liverlab.cohorts import simulate_cirrhosis_cohort
from liverlab.survival import (INFUSION_DAYS, clinic_records, draw_timelines, give_infusions,
                               hazard_ratio_with_ci, infusion_clinic, patients_across_follow_up,
                               split_at_exposure)


def test_infusions_only_while_followed_and_counted_consistently():
    days = pd.Series([1.0, 30.0, 57.0, 2000.0] * 50, index=range(100, 300))
    record = give_infusions(days, seed=5, p_attend=0.5)
    assert record.index.equals(days.index)
    assert all(r[0] == 0 for r in record["infusion_days"])                # everyone on day 0
    assert all(max(r) < d for r, d in zip(record["infusion_days"], days))  # none after follow-up
    assert (record["infusions"] == record["infusion_days"].map(len)).all()
    third = record["infusion_days"].map(lambda r: r[2] if len(r) >= 3 else np.nan)
    pd.testing.assert_series_equal(third.astype(float), record["day_of_third_infusion"],
                                   check_names=False)
    assert record.loc[days == 1.0, "infusions"].eq(1).all()                # died before day 28


def test_infusions_reproducible_and_every_offer_taken_at_p_one():
    days = pd.Series([500.0, 100.0])
    pd.testing.assert_frame_equal(give_infusions(days, seed=3), give_infusions(days, seed=3))
    record = give_infusions(days, seed=3, p_attend=1.0)
    assert record["infusion_days"].tolist() == [tuple(INFUSION_DAYS.tolist()), (0, 28, 56, 84)]
    assert record["day_of_third_infusion"].tolist() == [56.0, 56.0]


@pytest.mark.parametrize("p_attend", [1.5, -0.1, True])
def test_infusions_bad_probability(p_attend):
    with pytest.raises(ValueError, match="probability"):
        give_infusions(pd.Series([100.0]), seed=1, p_attend=p_attend)


def test_infusions_bad_days():
    with pytest.raises(ValueError, match="positive"):
        give_infusions(pd.Series([100.0, 0.0]), seed=1)
    with pytest.raises(TypeError, match="Series"):
        give_infusions([100.0], seed=1)


def test_clinic_keeps_the_decompensated_and_cuts_follow_up():
    cohort = simulate_cirrhosis_cohort(2000, seed=7)
    clinic = infusion_clinic(cohort, follow_up_days=365, seed=8)
    source = cohort[cohort["stage"] == "decompensated"].reset_index(drop=True)
    assert clinic["patient_id"].tolist() == source["patient_id"].tolist()
    assert clinic["days_followed"].max() <= 365
    expected_died = (source["event"] == "death") & (source["days_to_event"] <= 365)
    assert clinic["died"].tolist() == expected_died.tolist()
    pd.testing.assert_frame_equal(clinic[["infusions", "infusion_days", "day_of_third_infusion"]],
                                  give_infusions(clinic["days_followed"], seed=8))
    assert clinic["three_plus"].equals(clinic["infusions"] >= 3)


def test_clinic_bad_input():
    cohort = simulate_cirrhosis_cohort(100, seed=1)
    with pytest.raises(ValueError, match="follow_up_days"):
        infusion_clinic(cohort, follow_up_days=0, seed=1)
    with pytest.raises(TypeError, match="simulate_cirrhosis_cohort"):
        infusion_clinic(cohort.drop(columns="event"), follow_up_days=365, seed=1)


def test_split_keeps_person_time_and_deaths():
    days = pd.Series([100.0, 50.0, 80.0, 200.0])
    died = pd.Series([True, True, False, False])
    exposed = pd.Series([30.0, np.nan, 56.0, np.nan])
    long = split_at_exposure(pd.Series([1, 2, 3, 4]), days, died, exposed)
    assert (long["stop"] - long["start"]).sum() == days.sum()
    assert long["died"].sum() == died.sum()
    assert long.groupby("patient_id").size().tolist() == [2, 1, 2, 1]
    assert long[long["patient_id"] == 3].to_dict("list") == {
        "patient_id": [3, 3], "start": [0.0, 56.0], "stop": [56.0, 80.0],
        "exposed": [False, True], "died": [False, False]}


def test_split_fits_lifelines_time_varying_cox():
    rng = np.random.default_rng(0)
    n = 200
    days = pd.Series(rng.integers(60, 1000, n).astype(float))
    exposed = pd.Series(np.where(rng.random(n) < 0.5, 30.0, np.nan))
    long = split_at_exposure(pd.Series(range(n)), days, pd.Series(rng.random(n) < 0.7), exposed)
    fit = CoxTimeVaryingFitter().fit(long, id_col="patient_id", event_col="died",
                                     start_col="start", stop_col="stop")
    hr, lower, upper = hazard_ratio_with_ci(fit.summary, "exposed")
    assert lower < hr < upper
    assert hr == pytest.approx(np.exp(fit.summary.loc["exposed", "coef"]))


def test_split_rejects_exposure_outside_follow_up():
    with pytest.raises(ValueError, match="inside follow-up"):
        split_at_exposure(pd.Series([1]), pd.Series([50.0]), pd.Series([True]), pd.Series([50.0]))
    with pytest.raises(ValueError, match="same index"):
        split_at_exposure(pd.Series([1]), pd.Series([50.0]), pd.Series([True], index=[7]),
                          pd.Series([np.nan]))


def test_records_hide_only_deaths_and_only_before_death():
    days = pd.Series([100.0, 40.0, 500.0, 300.0] * 25)
    died = pd.Series([True, True, False, False] * 25)
    records = clinic_records(days, died, seed=2, p_stops_coming=1.0, max_days_before_death=91)
    assert not records["death_recorded"].any()                  # every death hidden
    gap = days - records["days_recorded"]
    assert gap[died].between(1, 91).all()                       # 1 to 91 days before death
    assert records["days_recorded"].min() == 0                  # clipped at day 0, never before
    pd.testing.assert_series_equal(records["days_recorded"][~died], days[~died], check_names=False)
    truth = clinic_records(days, died, seed=2, p_stops_coming=0.0)
    assert truth["death_recorded"].equals(died) and truth["days_recorded"].equals(days)


def test_records_bad_input():
    with pytest.raises(ValueError, match="probability"):
        clinic_records(pd.Series([10.0]), pd.Series([True]), seed=1, p_stops_coming=-0.1)
    with pytest.raises(ValueError, match="whole number"):
        clinic_records(pd.Series([10.0]), pd.Series([True]), seed=1, max_days_before_death=0)


def test_hazard_ratio_names_the_covariates_when_missing():
    summary = pd.DataFrame({"exp(coef)": [0.5], "exp(coef) lower 95%": [0.4],
                            "exp(coef) upper 95%": [0.6]}, index=["three_plus"])
    assert hazard_ratio_with_ci(summary, "three_plus") == [0.5, 0.4, 0.6]
    with pytest.raises(KeyError, match="three_plus"):
        hazard_ratio_with_ci(summary, "three_plus_so_far")


def test_patients_across_follow_up_picks_by_quantile():
    group = pd.DataFrame({"patient_id": range(1, 12),
                          "days_followed": [float(d) for d in range(110, 0, -10)]})
    chosen = patients_across_follow_up(group, quantiles=(0, 0.5, 1))
    assert chosen["days_followed"].tolist() == [10.0, 60.0, 110.0]
    with pytest.raises(ValueError, match="no patients"):
        patients_across_follow_up(group.iloc[:0])


def test_draw_timelines_one_line_per_patient_and_a_band_per_third_infusion():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    patients = pd.DataFrame({"patient_id": [1, 2], "days_followed": [40.0, 300.0],
                             "died": [True, False], "infusion_days": [(0, 28), (0, 28, 56)],
                             "day_of_third_infusion": [np.nan, 56.0], "three_plus": [False, True]})
    fig, ax = plt.subplots()
    draw_timelines(ax, patients)
    assert len(ax.lines) == 3                       # two follow-up lines and one grey band
    assert [t.get_text() for t in ax.get_yticklabels()] == ["patient 1", "patient 2"]
    assert len(ax.get_legend().get_texts()) == 5
    with pytest.raises(KeyError, match="three_plus"):
        draw_timelines(ax, patients.drop(columns="three_plus"))
    plt.close(fig)
