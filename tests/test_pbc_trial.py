"""Tests for liverlab.pbc_trial (notebook 06): visit windows, typical change and the figures' contents.

Expected values are hand computations written out in the comments, or counts from data/README_pbc.md.
"""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from liverlab import pbc_trial  # noqa: E402
from liverlab.data import load_pbc, load_pbcseq  # noqa: E402

# lifelines 0.30 add_at_risk_counts: int() of a one-element array (NumPy 1.25 deprecation), not ours
pytestmark = pytest.mark.filterwarnings("ignore:Conversion of an array with ndim:DeprecationWarning")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- visit_near

def test_visit_near_takes_the_closest_visit_inside_the_window():
    seq = pd.DataFrame({"id": [1, 1, 1, 2, 2, 3, 3, 3], "day": [0, 100, 190, 0, 400, 0, 160, 200],
                        "ast": [10, 11, 12, 20, 21, 30, 31, 32]})
    near = pbc_trial.visit_near(seq, 180, 90)
    # patient 1: 190 is 10 days off, 100 is 80; patient 2: 400 is outside ±90; patient 3: 160 and 200 both
    # 20 days off, the earlier counts
    assert near["day"].to_dict() == {1: 190, 3: 160}
    assert near.loc[3, "ast"] == 31
    assert "days_off" not in near.columns


def test_visit_near_window_edge_is_inclusive():
    seq = pd.DataFrame({"id": [1, 1], "day": [0, 270]})
    assert list(pbc_trial.visit_near(seq, 180, 90).index) == [1]
    assert pbc_trial.visit_near(seq, 180, 89.9).empty


def test_visit_near_on_pbcseq_one_row_per_patient_within_the_window():
    seq = load_pbcseq()
    one_year = pbc_trial.visit_near(seq, 365.25, 90)
    assert one_year.index.is_unique
    assert ((one_year["day"] - 365.25).abs() <= 90).all()
    # notebook 06 quotes 113 of 158 D-penicillamine and 128 of 154 placebo patients seen in the 1-year window
    assert one_year["treatment"].value_counts().to_dict() == {"placebo": 128, "D-penicillamine": 113}


@pytest.mark.parametrize("bad", [-1, float("nan")])
def test_visit_near_refuses_a_bad_window(bad):
    with pytest.raises(ValueError, match="window_days"):
        pbc_trial.visit_near(pd.DataFrame({"id": [1], "day": [0]}), 180, bad)


def test_visit_near_names_a_missing_column():
    with pytest.raises(ValueError, match="'day'"):
        pbc_trial.visit_near(pd.DataFrame({"id": [1], "days": [0]}), 180, 90)


# ---------------------------------------------------------------- typical_change

def test_typical_change_is_the_geometric_mean_change_with_a_t_interval():
    # ratios 2, 2, 0.5: mean log = ln 2 / 3 = 0.231049; geometric mean change = 2^(1/3) - 1 = 25.99 %
    # sd of (0.693147, 0.693147, -0.693147) = sqrt(1.281208 / 2) = 0.800377; t(0.975, 2) = 4.302653;
    # half width = 4.302653 * 0.800377 / sqrt(3) = 1.988247
    r = np.log([2.0, 2.0, 0.5])
    out = pbc_trial.typical_change(r)
    assert out["patients"] == 3
    assert out["change_%"] == pytest.approx(100 * (2 ** (1 / 3) - 1), rel=1e-12)
    assert out["lower_%"] == pytest.approx(100 * math.expm1(0.231049 - 1.988247), rel=1e-5)
    assert out["upper_%"] == pytest.approx(100 * math.expm1(0.231049 + 1.988247), rel=1e-5)


def test_typical_change_of_a_doubling_and_a_halving_is_zero():
    assert pbc_trial.typical_change(np.log([2.0, 0.5]))["change_%"] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("bad, match", [([0.1], "at least 2"), ([0.1, np.nan], "finite"),
                                        ([0.1, -np.inf], "finite"), (np.zeros((2, 2)), "at least 2")])
def test_typical_change_refuses_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        pbc_trial.typical_change(bad)


def test_typical_change_refuses_a_bad_level():
    with pytest.raises(ValueError, match="level"):
        pbc_trial.typical_change([0.1, 0.2], level=95)


# ---------------------------------------------------------------- figures

@pytest.fixture(scope="module")
def trial():
    pbc = load_pbc()
    return pbc[pbc["randomized"]]


def test_survival_by_arm_fits_one_curve_per_arm(trial):
    fig, fits = pbc_trial.plot_survival_by_arm(trial, title="t")
    assert [f.label for f in fits] == ["D-penicillamine", "placebo"]
    # data/README_pbc.md: 158 D-penicillamine and 154 placebo patients
    assert [int(f.event_table["at_risk"].iloc[0]) for f in fits] == [158, 154]
    assert fig.axes[0].get_title() == "t"


def test_survival_by_arm_names_an_unknown_arm(trial):
    with pytest.raises(ValueError, match="'Placebo'"):
        pbc_trial.plot_survival_by_arm(trial, arms=("D-penicillamine", "Placebo"))


def _changes():
    rows = []
    for arm in ["drug", "placebo"]:
        for lab in ["bilirubin", "AST"]:
            for when in pbc_trial.VISIT_MONTHS:
                rows.append({"arm": arm, "lab": lab, "when": when, "change_%": 5.0, "lower_%": 1.0, "upper_%": 9.0})
    return pd.DataFrame(rows)


def test_changes_by_arm_one_panel_per_lab_and_spare_panels_hidden():
    fig = pbc_trial.plot_changes_by_arm(_changes(), title="t")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["bilirubin", "AST"]


def test_changes_by_arm_draws_the_chosen_labs_in_order_on_a_2_by_2_grid():
    fig = pbc_trial.plot_changes_by_arm(_changes(), labs=["AST", "bilirubin"])
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["AST", "bilirubin"]


def test_changes_by_arm_names_an_unknown_lab():
    with pytest.raises(ValueError, match="no lab 'ALT'"):
        pbc_trial.plot_changes_by_arm(_changes(), labs=["AST", "ALT"])


def test_changes_refuse_unknown_visits_and_missing_columns():
    bad = _changes().replace({"when": {"1 year": "12 months"}})
    with pytest.raises(ValueError, match="12 months"):
        pbc_trial.plot_changes_by_arm(bad)
    with pytest.raises(ValueError, match="'upper_%'"):
        pbc_trial.plot_changes_by_arm(_changes().drop(columns="upper_%"))


def test_by_group_marks_each_group_median():
    values = pd.Series([1.0, 2.0, 4.0, 10.0, 20.0])
    groups = pd.Series(["a", "a", "a", "b", "b"])
    fig = pbc_trial.plot_by_group(values, groups, order=["a", "b"], xlabel="x")
    medians = [line.get_xdata()[0] for line in fig.axes[0].get_lines()]
    assert medians == [2.0, 15.0]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a\n(n = 3)", "b\n(n = 2)"]


@pytest.mark.parametrize("values, groups, order, match", [
    (pd.Series([1.0, 0.0]), pd.Series(["a", "a"]), ["a"], "positive"),
    (pd.Series([1.0, 2.0]), pd.Series(["a", "a"], index=[5, 6]), ["a"], "same index"),
    (pd.Series([1.0, 2.0]), pd.Series(["a", "a"]), ["a", "c"], "'c'"),
])
def test_by_group_refuses_bad_input(values, groups, order, match):
    with pytest.raises(ValueError, match=match):
        pbc_trial.plot_by_group(values, groups, order=order, xlabel="x")
