"""Tests for liverlab.widgets: the explorers' callbacks are plain functions, tested here.

Known answers come from Barnett, van der Pols & Dobson (2005), equation (1), either through
``liverlab.rtm.expected_rtm`` or by hand with the standard normal density and distribution
function written out with ``math.erf`` (no scipy), so that the hand calculation does not share
code with the library.

Hand calculation used below (albumin example; mean 2.9, SD 0.6, test-retest r 0.7, enrolled
below 3.0 g/dL, one baseline measurement):
  sigma_b^2 = 0.7 * 0.36 = 0.252, sigma_w^2 = 0.3 * 0.36 = 0.108, sigma = 0.6
  z = (3.0 - 2.9) / 0.6 = 0.166667; phi(z) = 0.393440; Phi(z) = 0.566184
  C(z) = phi(z) / Phi(z) = 0.694897
  RTM = sigma_w^2 / sigma * C(z) = 0.18 * 0.694897 = 0.125082 (a rise: enrolled for low values)
  expected baseline mean of the enrolled = 2.9 - 0.6 * 0.694897 = 2.483062
"""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from liverlab.rtm import expected_rtm, formula_vs_simulation  # noqa: E402
from liverlab.widgets import (  # noqa: E402
    ALBUMIN_MEAN_G_DL,
    ALBUMIN_SD_G_DL,
    CLAIM_LABS,
    RtmExplorerPlot,
    claim_calculator,
    claim_calculator_figure,
    claim_calculator_preset,
    claim_calculator_text,
    claim_calculator_update,
    figure_png,
    rtm_explorer_alt,
    rtm_explorer_data,
    rtm_explorer_figure,
    formula_vs_simulation_figure,
    remedies_figure,
    two_visits_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def phi(z):
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def Phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def rtm_by_hand(mean, sd, r, cutoff, direction, m=1):
    """Barnett (2005) eq. (1) with sd_b^2 = r sd^2, sd_w^2 = (1 - r) sd^2; signed change."""
    var_b, var_w = r * sd ** 2, (1 - r) * sd ** 2 / m
    sigma = math.sqrt(var_b + var_w)
    z = (cutoff - mean) / sigma
    c = phi(z) / (1 - Phi(z)) if direction == "above" else phi(z) / Phi(z)
    size = var_w / sigma * c
    return -size if direction == "above" else size


# ---------------------------------------------------------------------------------------------
# RTM explorer: data
# ---------------------------------------------------------------------------------------------

def test_explorer_expected_change_is_barnett():
    data = rtm_explorer_data(0.7, 3.0, 1, seed=1)
    s = data["summary"]
    assert s["expected_change"] == pytest.approx(0.125082, abs=1e-6)   # hand calculation above
    assert s["expected_change"] == pytest.approx(
        expected_rtm(ALBUMIN_MEAN_G_DL, ALBUMIN_SD_G_DL * math.sqrt(0.7),
                     ALBUMIN_SD_G_DL * math.sqrt(0.3), 3.0, direction="below"), rel=1e-12)
    assert s["sd_between"] == pytest.approx(math.sqrt(0.252))
    assert s["sd_within"] == pytest.approx(math.sqrt(0.108))


@pytest.mark.parametrize("reliability, cutoff, m, direction", [
    (0.7, 3.0, 1, "below"), (0.4, 2.3, 1, "below"), (0.5, 2.5, 3, "below"),
    (0.6, 3.5, 1, "above"), (0.8, 3.2, 2, "above"),
])
def test_explorer_simulation_agrees_with_formula(reliability, cutoff, m, direction):
    s = rtm_explorer_data(reliability, cutoff, m, seed=11, direction=direction)["summary"]
    expected = rtm_by_hand(ALBUMIN_MEAN_G_DL, ALBUMIN_SD_G_DL, reliability, cutoff, direction, m)
    assert s["expected_change"] == pytest.approx(expected, rel=1e-9)
    # The simulated mean change is within 4 Monte Carlo standard errors of the formula.
    assert abs(s["simulated_change"] - expected) < 4 * s["simulated_change_se"]
    # Among everybody (enrolled or not) there is no change: RTM is made by the selection.
    assert abs(s["change_all"]) < 0.02


def test_explorer_hand_example_standard_normal():
    # mean 0, SD 1, r 0.5, enrolled below 0: z = 0, C = phi(0) / Phi(0) = 0.398942 / 0.5
    # RTM = 0.5 * 0.797885 = 0.398942.
    s = rtm_explorer_data(0.5, 0.0, 1, seed=3, mean=0.0, sd=1.0)["summary"]
    assert s["expected_change"] == pytest.approx(0.398942, abs=1e-6)


def test_explorer_frame_columns_and_selection_rule():
    data = rtm_explorer_data(0.6, 3.0, 2, seed=5, n=500)
    patients = data["patients"]
    assert list(patients.columns) == ["patient_id", "true_value", "baseline_mean", "follow_up",
                                      "change", "selected"]
    assert len(patients) == 500
    assert patients["patient_id"].tolist() == list(range(1, 501))
    assert patients["selected"].dtype == bool
    assert (patients["selected"] == (patients["baseline_mean"] < 3.0)).all()
    np.testing.assert_allclose(patients["change"],
                               patients["follow_up"] - patients["baseline_mean"])
    assert data["summary"]["n_selected"] == int(patients["selected"].sum())
    above = rtm_explorer_data(0.6, 3.0, 2, seed=5, n=500, direction="above")["patients"]
    assert (above["selected"] == (above["baseline_mean"] >= 3.0)).all()


def test_explorer_same_seed_same_data_and_draws_reused():
    a = rtm_explorer_data(0.6, 3.0, 1, seed=8, n=1000)
    b = rtm_explorer_data(0.6, 3.0, 1, seed=8, n=1000)
    pd.testing.assert_frame_equal(a["patients"], b["patients"])
    c = rtm_explorer_data(0.6, 3.0, 1, seed=9, n=1000)
    assert not np.allclose(a["patients"]["true_value"], c["patients"]["true_value"])
    # A slider move rescales the same draws: the patients' true values keep their order.
    d = rtm_explorer_data(0.3, 3.0, 1, seed=8, n=1000)
    assert (np.argsort(a["patients"]["true_value"].to_numpy())
            == np.argsort(d["patients"]["true_value"].to_numpy())).all()
    # The returned arrays are the caller's to change; the cached draws are not affected.
    a["patients"].loc[0, "true_value"] = 99.0
    assert rtm_explorer_data(0.6, 3.0, 1, seed=8, n=1000)["patients"].loc[0, "true_value"] != 99.0


def test_explorer_more_baselines_less_rtm():
    changes = [rtm_explorer_data(0.5, 2.5, m, seed=2)["summary"]["expected_change"]
               for m in (1, 2, 4)]
    assert changes[0] > changes[1] > changes[2] > 0


def test_explorer_nobody_enrolled_gives_nan_and_a_message():
    data = rtm_explorer_data(0.7, -5.0, 1, seed=1, n=100)
    s = data["summary"]
    assert s["n_selected"] == 0
    assert math.isnan(s["simulated_change"]) and math.isnan(s["baseline_mean_selected"])
    fig = rtm_explorer_figure(data)
    assert any("No simulated patient is enrolled" in t.get_text() for t in fig.texts)
    assert not fig.axes[0].child_axes[0].get_visible()      # no zoomed means to show


def test_explorer_one_enrolled_patient_is_not_called_none():
    """Title, box and alt text agree when a single patient is enrolled (the box says "1 of 100")."""
    lowest = rtm_explorer_data(0.7, 3.0, 1, seed=1, n=100)["patients"]["baseline_mean"].min()
    data = rtm_explorer_data(0.7, lowest + 1e-9, 1, seed=1, n=100)
    assert data["summary"]["n_selected"] == 1
    fig = rtm_explorer_figure(data)
    title = [t.get_text() for t in fig.texts if "enrolled" in t.get_text()][0]
    assert title.startswith("Only 1 simulated patient is enrolled") and "No simulated" not in title
    assert "Enrolled: 1 of 100" in fig.axes[0].texts[0].get_text()
    assert rtm_explorer_alt(data).startswith("Only 1 simulated patient is enrolled")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"reliability": 0.0}, ValueError, "reliability must lie strictly between 0 and 1; got 0"),
    ({"reliability": 1.0}, ValueError, "reliability must lie strictly between 0 and 1"),
    ({"reliability": 70}, ValueError, "Did you enter a percentage"),
    ({"reliability": True}, TypeError, "reliability must be a single number; got bool"),
    ({"reliability": "0.7"}, TypeError, "reliability must be a single number; got str"),
    ({"cutoff": float("inf")}, ValueError, "cutoff must be a finite number"),
    ({"n_baseline": 0}, ValueError, "n_baseline must be at least 1; got 0"),
    ({"n_baseline": 1.5}, TypeError, "n_baseline must be a whole number"),
    ({"seed": -1}, ValueError, "seed must be a non-negative int; got -1"),
    ({"seed": np.random.default_rng(1)}, TypeError, "cannot be used here"),
    ({"sd": 0.0}, ValueError, "sd must be greater than 0"),
    ({"direction": "up"}, ValueError, "direction must be 'above' or 'below'; got 'up'"),
    ({"n": 5}, ValueError, "n must be at least 10; got 5"),
])
def test_explorer_bad_inputs_raise(kwargs, error, message):
    args = {"reliability": 0.7, "cutoff": 3.0, "n_baseline": 1, "seed": 1}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        rtm_explorer_data(**args)


# ---------------------------------------------------------------------------------------------
# RTM explorer: figures
# ---------------------------------------------------------------------------------------------

def test_explorer_figure_has_labelled_axes_and_states_the_finding():
    open_before = plt.get_fignums()
    data = rtm_explorer_data(0.7, 3.0, 1, seed=2024)
    fig = rtm_explorer_figure(data)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == open_before          # no pyplot figure left behind
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Albumin at baseline (g/dL; mean of the baseline measurements)"
    assert ax.get_ylabel() == "Albumin at follow-up (g/dL)"
    title = [t.get_text() for t in fig.texts if "no treatment" in t.get_text()]
    assert title and "rose by 0.13 g/dL" in title[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "enrolled" in labels and "not enrolled" in labels and "no change" in labels
    box = [t.get_text() for t in ax.texts][0]
    assert "Barnett formula  +0.13 g/dL" in box
    # The drawn points: the first 1,000 patients, split by enrolment.
    lines = {line.get_label(): line for line in ax.get_lines()}
    shown = data["patients"].iloc[:1000]
    assert len(lines["enrolled"].get_xdata()) == int(shown["selected"].sum())
    assert len(lines["not enrolled"].get_xdata()) == int((~shown["selected"]).sum())


def test_explorer_inset_sets_the_three_means_apart():
    """On the main axes the simulated and the formula's follow-up means overlap; the inset puts
    the baseline, simulated and formula means at x = 0, 1, 2 on a zoomed scale."""
    data = rtm_explorer_data(0.7, 3.0, 1, seed=2024)
    s = data["summary"]
    for fig_or_png in ("figure", "blitted"):
        if fig_or_png == "figure":
            zoom = rtm_explorer_figure(data).axes[0].child_axes[0]
        else:
            plot = RtmExplorerPlot()
            plot.png(data)
            zoom = plot.figure.axes[0].child_axes[0]
        assert zoom.get_visible()
        points = {line.get_marker(): (line.get_xdata()[0], line.get_ydata()[0])
                  for line in zoom.get_lines() if line.get_marker() in ("o", "D", "X")}
        assert points["o"] == (0, pytest.approx(s["baseline_mean_selected"]))
        assert points["D"] == (1, pytest.approx(s["follow_up_mean_selected"]))
        assert points["X"] == (2, pytest.approx(s["baseline_mean_selected"] + s["expected_change"]))
        low, high = zoom.get_ylim()
        assert low < s["baseline_mean_selected"] and high > s["follow_up_mean_selected"]
        assert high - low < 0.3           # zoomed: the main axes span 2.9 +/- 3.2 x 0.6 g/dL
        assert [t.get_text() for t in zoom.get_xticklabels()] == ["baseline", "simulation", "formula"]


def test_explorer_figure_other_units_and_direction():
    data = rtm_explorer_data(0.6, 3.0, 2, seed=4, mean=1.0, sd=1.0, direction="above")
    fig = rtm_explorer_figure(data, measurement="log bilirubin", unit="ln mg/dL")
    assert fig.axes[0].get_xlabel().startswith("log bilirubin at baseline (ln mg/dL")
    assert any("fell by" in t.get_text() for t in fig.texts)


def test_explorer_figure_rejects_other_input():
    with pytest.raises(TypeError, match="data must be the dict returned by rtm_explorer_data"):
        rtm_explorer_figure(pd.DataFrame())


def test_explorer_plot_png_updates():
    plot = RtmExplorerPlot()
    first = plot.png(rtm_explorer_data(0.7, 3.0, 1, seed=2024))
    second = plot.png(rtm_explorer_data(0.3, 2.4, 3, seed=2024))
    assert first.startswith(PNG_SIGNATURE) and second.startswith(PNG_SIGNATURE)
    assert first != second
    assert plot.png(rtm_explorer_data(0.7, 3.0, 1, seed=2024)) == first   # same input, same image
    with pytest.raises(ValueError, match="this plot was set up for mean 2.9"):
        plot.png(rtm_explorer_data(0.7, 3.0, 1, seed=2024, mean=3.5))


# ---------------------------------------------------------------------------------------------
# Claim calculator
# ---------------------------------------------------------------------------------------------

def test_claim_calculator_hand_calculation():
    result = claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below")
    assert result["rtm_change"] == pytest.approx(0.125082, abs=1e-6)
    assert result["share_explained"] == pytest.approx(0.312704, abs=1e-6)  # 0.125082 / 0.4
    assert result["change_beyond_rtm"] == pytest.approx(0.4 - 0.125082, abs=1e-6)
    assert result["expected_baseline_mean"] == pytest.approx(2.483062, abs=1e-6)
    assert result["proportion_enrolled"] == pytest.approx(0.566184, abs=1e-6)
    assert result["same_direction"] is True
    assert result["sd_between"] == pytest.approx(math.sqrt(0.252))


def test_claim_calculator_barnett_paper_example():
    # Barnett 2005: mean 60, SD 15, enrolled at or below 40, test-retest r 0.5.
    # Table in research/evidence.md section 4.1: 13.5 (m = 1), 8.5 (m = 2), 6.3 (m = 3).
    for m, table in [(1, 13.5), (2, 8.5), (3, 6.3)]:
        result = claim_calculator(20.0, 15.0, 0.5, 40.0, 60.0, direction="below", n_baseline=m)
        assert round(result["rtm_change"], 1) == table
        assert result["rtm_change"] == pytest.approx(
            expected_rtm(60, 15 / math.sqrt(2), 15 / math.sqrt(2), 40, direction="below",
                         n_baseline=m), rel=1e-12)


def test_claim_calculator_high_values_fall():
    result = claim_calculator(-1.0, 1.0, 0.6, 1.5, 1.0, direction="above")
    expected = rtm_by_hand(1.0, 1.0, 0.6, 1.5, "above")
    assert result["rtm_change"] == pytest.approx(expected, rel=1e-9)
    assert result["rtm_change"] < 0 and result["same_direction"] is True
    assert result["expected_baseline_mean"] > 1.5


def test_claim_calculator_opposite_direction_and_zero():
    opposite = claim_calculator(-0.2, 0.6, 0.7, 3.0, 2.9, direction="below")
    assert opposite["same_direction"] is False and opposite["share_explained"] < 0
    assert "opposite direction" in claim_calculator_text(opposite)
    zero = claim_calculator(0.0, 0.6, 0.7, 3.0, 2.9, direction="below")
    assert math.isnan(zero["share_explained"])
    assert "no change was reported" in claim_calculator_text(zero)


def test_claim_calculator_text():
    text = claim_calculator_text(claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below"))
    assert text.splitlines()[0] == "Reported change: +0.40 g/dL."
    assert "predicts +0.13 g/dL: 31% of the reported change" in text
    assert "Left unexplained by regression to the mean: +0.27 g/dL" in text
    assert "57% of the population would be enrolled, with a mean baseline of 2.48 g/dL" in text
    whole = claim_calculator_text(claim_calculator(0.1, 0.6, 0.5, 3.0, 2.9, direction="below"))
    assert "at least the whole reported change" in whole
    assert "mg/dL" in claim_calculator_text(
        claim_calculator(-1.0, 1.0, 0.6, 1.5, 1.0, direction="above"), unit="mg/dL")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"test_retest_r": 1.0}, ValueError, "test_retest_r must lie strictly between 0 and 1"),
    ({"test_retest_r": -0.1}, ValueError, "test_retest_r must lie strictly between 0 and 1"),
    ({"baseline_sd": -0.6}, ValueError, "baseline_sd must be greater than 0"),
    ({"baseline_sd": "0.6"}, TypeError, "baseline_sd must be a single number; got str"),
    ({"reported_change": float("nan")}, ValueError, "reported_change must be a finite number"),
    ({"cutoff": None}, TypeError, "cutoff must be a single number; got NoneType"),
    ({"population_mean": float("inf")}, ValueError, "population_mean must be a finite"),
    ({"direction": "low"}, ValueError, "direction must be 'above' or 'below'; got 'low'"),
    ({"n_baseline": 0}, ValueError, "n_baseline must be at least 1"),
])
def test_claim_calculator_bad_inputs_raise(kwargs, error, message):
    args = {"reported_change": 0.4, "baseline_sd": 0.6, "test_retest_r": 0.7, "cutoff": 3.0,
            "population_mean": 2.9, "direction": "below"}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        claim_calculator(**args)


def test_claim_calculator_needs_direction():
    with pytest.raises(TypeError, match="direction"):
        claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9)


def test_claim_figure():
    open_before = plt.get_fignums()
    fig = claim_calculator_figure(claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below"))
    assert plt.get_fignums() == open_before
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Mean change in albumin, follow-up minus baseline (g/dL)"
    widths = sorted(round(p.get_width(), 3) for p in ax.patches)
    assert widths == [0.125, 0.275, 0.4]
    assert any("predicts 31% of the change" in t.get_text() for t in fig.texts)
    with pytest.raises(TypeError, match="result must be the dict returned by claim_calculator"):
        claim_calculator_text({"x": 1})


def test_figure_png():
    fig = claim_calculator_figure(claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below"))
    png = figure_png(fig)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 1000
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        figure_png(b"not a figure")


# ---------------------------------------------------------------------------------------------
# Claim calculator: units follow the chosen lab; the callback as a plain function (issue 11)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lab, unit", [("albumin (g/dL)", "g/dL"), ("albumin (g/L)", "g/L"),
                                       ("sodium (mmol/L)", "mmol/L")])
def test_claim_preset_labels_carry_the_lab_unit(lab, unit):
    preset = claim_calculator_preset(lab)
    assert preset["unit"] == unit
    assert set(preset["descriptions"].values()) == {
        f"change ({unit})", f"pop. SD ({unit})", f"cut-off ({unit})", f"pop. mean ({unit})"}
    assert preset["source"]
    # The starting values are consistent: the same share enrolled whatever the unit.
    result = claim_calculator(preset["reported_change"], preset["baseline_sd"], 0.7,
                              preset["cutoff"], preset["population_mean"],
                              direction=preset["direction"])
    assert 0 < result["proportion_enrolled"] < 1
    with pytest.raises(ValueError, match=r"lab must be one of \['albumin \(g/dL\)'"):
        claim_calculator_preset("bilirubin")


def test_claim_presets_in_g_dl_and_g_l_agree():
    per_dl = claim_calculator_preset("albumin (g/dL)")
    per_l = claim_calculator_preset("albumin (g/L)")
    for name in ("population_mean", "baseline_sd", "cutoff", "reported_change"):
        assert per_l[name] == pytest.approx(10 * per_dl[name])
    assert set(CLAIM_LABS) >= {"albumin (g/dL)", "albumin (g/L)"}


def test_claim_update_text_and_figure_use_the_lab_unit():
    text, png = claim_calculator_update("albumin (g/L)", 4.0, 6.0, 0.7, 30.0, 29.0, "below")
    assert "Reported change: +4.00 g/L." in text and "+1.25 g/L" in text
    assert "g/dL" not in text
    assert png.startswith(PNG_SIGNATURE)
    text_dl, _ = claim_calculator_update("albumin (g/dL)", 0.4, 0.6, 0.7, 3.0, 2.9, "below")
    assert "+0.13 g/dL" in text_dl and "g/L" not in text_dl.replace("g/dL", "")


def test_claim_update_reports_bad_inputs_instead_of_raising():
    text, png = claim_calculator_update("albumin (g/dL)", 0.4, -0.6, 0.7, 3.0, 2.9, "below")
    assert text.startswith("<pre>Cannot compute: baseline_sd must be greater than 0")
    assert png == b""
    text, png = claim_calculator_update("bilirubin", 0.4, 0.6, 0.7, 3.0, 2.9, "below")
    assert "Cannot compute: lab must be one of" in text and png == b""


def test_claim_glue_relabels_the_boxes_when_the_lab_changes():
    pytest.importorskip("ipywidgets")
    from liverlab.widgets import show_claim_calculator

    box = show_claim_calculator()
    controls = box.children[0]
    labels = [c.description for c in controls.children if hasattr(c, "description")]
    assert "cut-off (g/dL)" in labels
    controls.children[0].value = "albumin (g/L)"
    labels = {c.description: c.value for c in controls.children if hasattr(c, "value")}
    assert labels["cut-off (g/L)"] == 30.0 and labels["pop. mean (g/L)"] == 29.0
    assert "g/L" in box.children[1].value and "g/dL" not in box.children[1].value


# ---------------------------------------------------------------------------------------------
# Accessibility of the widgets (issue 21): labelled boxes, whole labels, a text for each image
# ---------------------------------------------------------------------------------------------
def _inputs(widget):
    """Every input widget (has a value and a description) inside a widget tree."""
    found = []
    for child in getattr(widget, "children", ()):
        if hasattr(child, "description") and hasattr(child, "value") and child.description:
            found.append(child)
        found += _inputs(child)
    return found


def test_every_input_of_both_widgets_has_a_whole_visible_label():
    pytest.importorskip("ipywidgets")
    from liverlab.widgets import show_claim_calculator, show_rtm_explorer

    for shown in (show_rtm_explorer(), show_claim_calculator()):
        inputs = _inputs(shown)
        assert len(inputs) >= 3
        # no slider: an ipywidgets 8 slider handle has no accessible name (its label is not tied to it)
        assert not any("Slider" in type(w).__name__ for w in inputs)
        assert all(w.style.description_width == "initial" for w in inputs), "labels never cut"
        assert "ll-widgets" in shown._dom_classes
    labels = [w.description for w in _inputs(show_rtm_explorer(unit="g/dL"))]
    assert labels == ["test-retest r", "cut-off (g/dL)", "baselines"]


def test_widget_images_carry_their_finding_as_alt_text():
    pytest.importorskip("ipywidgets")
    import base64

    from bs4 import BeautifulSoup

    from liverlab.widgets import show_claim_calculator, show_rtm_explorer

    def img(widget):
        tag = BeautifulSoup(widget.value, "html.parser").find("img")
        assert base64.b64decode(tag["src"].split(",", 1)[1]).startswith(PNG_SIGNATURE)
        return tag

    explorer = show_rtm_explorer(seed=2024)
    assert img(explorer.children[1])["alt"].startswith("With no treatment, the 11,302 enrolled patients")
    explorer.children[0].children[2].value = 4        # four baseline measurements: less RTM
    assert "4 baseline measurements" in img(explorer.children[1])["alt"]
    calculator = show_claim_calculator()
    assert img(calculator.children[2])["alt"] == (
        "Of a reported change of +0.40 g/dL, regression to the mean alone predicts +0.13 g/dL; "
        "+0.27 g/dL is not explained by it.")
    calculator.children[0].children[2].value = -0.6   # a negative SD: no chart, a sentence
    assert "cannot be computed" in calculator.children[2].value and "<img" not in calculator.children[2].value


def test_changing_the_lab_updates_the_calculator_once():
    pytest.importorskip("ipywidgets")
    from liverlab import widgets as module

    calls = []
    original = module.claim_calculator_update
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "claim_calculator_update",
                      lambda *args: calls.append(args) or original(*args))
        calculator = module.show_claim_calculator()
        calls.clear()
        calculator.children[0].children[0].value = "sodium (mmol/L)"
    assert len(calls) == 1 and calls[0][0] == "sodium (mmol/L)" and calls[0][4] == 130.0
    assert "mmol/L" in calculator.children[1].value


def test_kept_claim_figure_draws_what_a_new_one_draws():
    from liverlab.widgets import ClaimCalculatorPlot

    plot = ClaimCalculatorPlot()
    first = claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below")
    other = claim_calculator(-2.0, 5.0, 0.5, 145.0, 135.0, direction="above")
    plot.png(other)
    assert plot.png(first) == plot.png(first)
    widths = sorted(round(bar.get_width(), 3) for bar in plot._parts[2])
    assert widths == [0.125, 0.275, 0.4]
    assert plot._parts[4].get_text() == "Regression to the mean alone predicts 31% of the change"
    with pytest.raises(TypeError, match="result must be the dict returned by claim_calculator"):
        plot.png({"x": 1})


# ---------------------------------------------------------------------------------------------
# The static figures of notebook 05
# ---------------------------------------------------------------------------------------------

def test_two_visits_figure_draws_the_three_groups_means():
    open_before = plt.get_fignums()
    first = pd.Series([2.0, 2.4, 3.4, 3.8])
    second = pd.Series([2.4, 2.6, 3.2, 3.4])
    fig = two_visits_figure(first, second, first < 3.0, cutoff=3.0)
    assert isinstance(fig, Figure) and plt.get_fignums() == open_before
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["enrolled (first visit below 3.0 g/dL)", "not enrolled", "everybody"]
    assert ax.get_title() == "Enrolled for low albumin, patients 'improve' with no treatment"
    means = {bars.get_label(): list(bars.lines[0].get_ydata()) for bars in ax.containers}
    assert means[labels[0]] == pytest.approx([2.2, 2.5])
    assert means["not enrolled"] == pytest.approx([3.6, 3.3])
    assert means["everybody"] == pytest.approx([2.9, 2.9])
    with pytest.raises(TypeError, match="enrolled must be True/False"):
        two_visits_figure(first, second, first, cutoff=3.0)


def test_formula_vs_simulation_figure_one_line_and_markers_per_correlation():
    table = formula_vs_simulation(mean=2.9, sd=0.6, test_retest_r=[0.5, 0.9], cutoff=[2.5, 3.0],
                                  direction="below", n=2_000, seed=5)
    fig = formula_vs_simulation_figure(table, mean=2.9, sd=0.6)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    formula = lines["formula, r = 0.5"]
    assert formula.get_xdata()[[0, -1]] == pytest.approx([2.0, 3.8])
    assert formula.get_ydata()[0] == pytest.approx(rtm_by_hand(2.9, 0.6, 0.5, 2.0, "below"))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "simulation, r = 0.9" in labels and "formula, r = 0.9" in labels
    assert ax.get_xlabel() == "Enrolment cut-off: albumin below (g/dL)"
    with pytest.raises(TypeError, match="formula_vs_simulation"):
        formula_vs_simulation_figure(table.drop(columns="simulated"), mean=2.9, sd=0.6)


def test_remedies_figure_colours_and_hatches_follow_the_kinds():
    effects = pd.Series({"before-after": 0.13, "ANCOVA": 0.0, "3 baselines": 0.05})
    fig = remedies_figure(effects, kinds=["bias", "removes", "shrinks"])
    ax = fig.axes[0]
    bars = ax.patches[:3]                 # drawn bottom to top: the last entry first
    assert [bar.get_width() for bar in bars] == pytest.approx([0.05, 0.0, 0.13])
    assert [bar.get_hatch() or "" for bar in bars] == ["..", "", "//"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3 baselines", "ANCOVA", "before-after"]
    legend = ax.get_legend()              # the legend explains the colour and hatching codes
    assert [t.get_text() for t in legend.get_texts()] == ["keeps or adds bias", "shrinks the bias", "removes the bias"]
    assert [patch.get_hatch() or "" for patch in legend.get_patches()] == ["//", "..", ""]
    only_two = remedies_figure(effects, kinds=["bias", "removes", "removes"]).axes[0].get_legend()
    assert [t.get_text() for t in only_two.get_texts()] == ["keeps or adds bias", "removes the bias"]
    with pytest.raises(ValueError, match="kinds must give one of"):
        remedies_figure(effects, kinds=["bias", "removes"])
    with pytest.raises(ValueError, match="kinds must give one of"):
        remedies_figure(effects, kinds=["bias", "removes", "cures"])
