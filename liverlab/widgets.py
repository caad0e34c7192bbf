"""Interactive explorers for regression to the mean (notebook 05), built from plain functions.

Each explorer is split in two: pure functions of the slider values that return data, text or a
figure (unit-tested in ``tests/test_widgets.py``), and a few lines of ``ipywidgets`` glue that
only wire sliders to them (untested, by design: see notes/code_style.md, C8).

1. **RTM explorer**: simulated patients measured at baseline (the mean of ``n_baseline``
   measurements) and once at follow-up, with no treatment and no real change; patients are
   enrolled when their baseline is beyond a cut-off.

   - :func:`rtm_explorer_data` -- the simulated patients and a summary: the mean change among the
     enrolled, simulated and as predicted by Barnett's formula (:func:`liverlab.rtm.expected_rtm`);
   - :func:`rtm_explorer_figure` -- baseline against follow-up, with the two mean changes;
   - :class:`RtmExplorerPlot` -- the same figure kept between slider moves and redrawn by
     blitting (only what changed), as PNG bytes;
   - :func:`show_rtm_explorer` -- the sliders (glue).

2. **Claim calculator**: how much of a reported before-after change regression to the mean alone
   predicts, from the population mean and SD, the test-retest correlation and the enrolment
   cut-off.

   - :func:`claim_calculator` -- the numbers (a dict);
   - :func:`claim_calculator_text` -- the same in plain words;
   - :func:`claim_calculator_figure` -- a small bar chart (:func:`figure_png` renders it);
   - :data:`CLAIM_LABS` and :func:`claim_calculator_preset` -- the laboratory values the
     calculator offers, each with its unit and a cited starting population, so that every label
     and number follows the chosen lab and unit;
   - :func:`claim_calculator_update` -- what the calculator shows for one set of inputs (text
     and PNG): the whole callback, as a plain, tested function;
   - :func:`show_claim_calculator` -- the input boxes (glue).

3. **Static figures** of notebook 05: :func:`two_visits_figure` (Figure 5.1),
   :func:`formula_vs_simulation_figure` (Figure 5.2) and :func:`remedies_figure` (Figure 5.4).

Both glue functions put their results into ``HTML`` widgets (the figure as an ``<img>`` with
its finding as alt text) instead of the output area: updates do not flicker, and a notebook runner without a widget front end (nbclient
with ``store_widget_state=False``, as ``make solutions`` runs it) executes the cells cleanly.

Figures are built with matplotlib's object-oriented API (``matplotlib.figure.Figure``), not with
pyplot: a callback leaves no open pyplot figure behind, and a notebook shows a returned figure
exactly once. Call ``liverlab.style.use()`` first for the course fonts; the colours (Okabe-Ito)
and the markers and hatches that double them are set here.

The simulated patients of the explorer are drawn once per seed and reused: moving a slider only
rescales three cached arrays of standard normal draws. With the blitted figure, one update (data
and PNG) takes a few hundredths of a second; ``python -m tools.bench`` measures it against 0.1 s.

Educational use only: nothing here is a clinical calculator for patient care.
"""

from __future__ import annotations

import functools
import io
import math
import numbers

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from scipy import stats

from liverlab.rtm import DIRECTIONS, check_direction, expected_rtm
from liverlab.style import LINESTYLES, OKABE_ITO

__all__ = [
    "ALBUMIN_MEAN_G_DL",
    "ALBUMIN_SD_G_DL",
    "EXPLORER_N",
    "EXPLORER_N_PLOTTED",
    "rtm_explorer_data",
    "rtm_explorer_figure",
    "RtmExplorerPlot",
    "show_rtm_explorer",
    "claim_calculator",
    "claim_calculator_text",
    "claim_calculator_figure",
    "claim_calculator_alt",
    "ClaimCalculatorPlot",
    "rtm_explorer_alt",
    "figure_png",
    "CLAIM_LABS",
    "claim_calculator_preset",
    "claim_calculator_update",
    "show_claim_calculator",
    "two_visits_figure",
    "formula_vs_simulation_figure",
    "remedies_figure",
]

# Default population: serum albumin in hospitalised acute decompensation of cirrhosis.
# CANONIC (n = 831), PMC10359524 Table 1: median 2.9 g/dL, IQR 2.5-3.3 g/dL (research/evidence.md
# section 2.1). Used as the mean of a normal distribution with SD = IQR / 1.349 = 0.59, rounded.
ALBUMIN_MEAN_G_DL = 2.9
ALBUMIN_SD_G_DL = 0.6

# The labs the claim calculator offers: name -> unit, starting values and their source. The
# unit of every box, of the text and of the figure follows the chosen entry.
_CANONIC = "CANONIC (n = 831, acute decompensation), PMC10359524 Table 1"
CLAIM_LABS = {
    "albumin (g/dL)": {
        "measurement": "albumin", "unit": "g/dL", "population_mean": 2.9, "baseline_sd": 0.6,
        "cutoff": 3.0, "direction": "below", "reported_change": 0.4,
        "source": f"{_CANONIC}: median 2.9, IQR 2.5-3.3 g/dL (SD = IQR / 1.349 = 0.59); the "
                  "cut-off and the reported change are illustrative"},
    "albumin (g/L)": {
        "measurement": "albumin", "unit": "g/L", "population_mean": 29.0, "baseline_sd": 6.0,
        "cutoff": 30.0, "direction": "below", "reported_change": 4.0,
        "source": "the same in g/L, the unit of most European laboratories (1 g/dL = 10 g/L)"},
    "sodium (mmol/L)": {
        "measurement": "sodium", "unit": "mmol/L", "population_mean": 135.0, "baseline_sd": 5.0,
        "cutoff": 130.0, "direction": "below", "reported_change": 3.0,
        "source": "acute decompensation, World J Hepatol 2016;8:739 Table 1: median 135 mmol/L; "
                  "SD 5 derived from Biggins 2006 (8% of waitlist patients below 130); the "
                  "cut-off and the reported change are illustrative"},
}

EXPLORER_N = 20_000          # simulated patients behind the explorer's numbers
EXPLORER_N_PLOTTED = 1_000   # of which the first 1,000 are drawn (a readable, fast scatter)
_GREY = "#8C8C8C"


# ----------------------------------------------------------------------------------------------
# Input validation
# ----------------------------------------------------------------------------------------------
def _number(x, name):
    """One finite real number (not a bool), as a float."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a single number; got {type(x).__name__} {x!r}.")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {x!r}.")
    return value


def _correlation(x, name):
    value = _number(x, name)
    if not 0 < value < 1:
        raise ValueError(
            f"{name} must lie strictly between 0 and 1; got {value:g}. It is the correlation "
            "between two measurements of the same patients (the share of the variance that is "
            "between patients): 1 would mean no within-patient variation at all, and so no "
            "regression to the mean; 0 or less would mean the measurement carries no "
            "information about the patient. Did you enter a percentage?")
    return value


def _positive_sd(x, name):
    value = _number(x, name)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0 (a standard deviation); got {value:g}. "
                         "Pass the standard deviation, not the variance, in the unit of the "
                         "measurement.")
    return value


def _whole(x, name, minimum):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (int); got {type(x).__name__} {x!r}.")
    if x < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {x}.")
    return int(x)


def _seed(seed):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative int; got {type(seed).__name__} {seed!r}. "
                        "The explorer caches its random draws per seed, so a numpy Generator "
                        "cannot be used here; pass e.g. seed=2024.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed}.")
    return int(seed)


def _inverse_mills(z, direction):
    """phi(z) / (1 - Phi(z)) for "above", phi(z) / Phi(z) for "below" (log scale, stable)."""
    if direction == "above":
        return float(np.exp(stats.norm.logpdf(z) - stats.norm.logsf(z)))
    return float(np.exp(stats.norm.logpdf(z) - stats.norm.logcdf(z)))


def _signed(x, decimals):
    return f"{x:+.{decimals}f}"


# ----------------------------------------------------------------------------------------------
# 1. RTM explorer
# ----------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _standard_normals(seed, n):
    """Three rows of n standard normal draws (true value, baseline error, follow-up error).

    Cached and read-only, so that moving a slider only rescales the same draws: the cloud of
    patients changes smoothly and no new random numbers are needed.
    """
    draws = np.random.default_rng(seed).standard_normal((3, n))
    draws.flags.writeable = False
    return draws


def rtm_explorer_data(reliability, cutoff, n_baseline, *, seed, mean=ALBUMIN_MEAN_G_DL,
                      sd=ALBUMIN_SD_G_DL, direction="below", n=EXPLORER_N):
    """Simulated patients with no treatment, enrolled on their baseline: the explorer's data.

    Each patient has a true value ``T ~ N(mean, reliability * sd^2)``; a measurement is ``T + e``
    with ``e ~ N(0, (1 - reliability) * sd^2)``, so one measurement has standard deviation
    ``sd`` in the population and two measurements of the same patient correlate with
    ``reliability``. The baseline is the mean of ``n_baseline`` measurements; patients are
    enrolled when it is at or above (``direction="above"``) or below (``"below"``) the cutoff.
    One follow-up measurement follows; nothing changes in between.

    Parameters
    ----------
    reliability : float
        Test-retest correlation of one measurement, strictly between 0 and 1.
    cutoff : float
        Enrolment cut-off on the baseline, in the unit of the measurement.
    n_baseline : int
        Number of baseline measurements averaged before enrolment; >= 1.
    seed : int, keyword-only, required
        Non-negative seed. The draws are cached per ``(seed, n)`` and reused across calls.
    mean : float, keyword-only
        Population mean of the measurement; default 2.9 (albumin, g/dL; ``ALBUMIN_MEAN_G_DL``).
    sd : float, keyword-only
        Population standard deviation of one measurement, > 0; default 0.6 (``ALBUMIN_SD_G_DL``).
    direction : {"below", "above"}, keyword-only
        Enrol patients below the cut-off (default, as for low albumin) or at or above it.
    n : int, keyword-only
        Number of simulated patients, >= 10; default 20,000 (``EXPLORER_N``).

    Returns
    -------
    dict
        ``"patients"``: DataFrame, one row per simulated patient, columns ``patient_id``
        (int64, 1 to n), ``true_value``, ``baseline_mean``, ``follow_up``, ``change``
        (``follow_up - baseline_mean``; all float64) and ``selected`` (bool, enrolled).

        ``"summary"``: dict of floats and ints: the inputs (``reliability``, ``cutoff``,
        ``n_baseline``, ``mean``, ``sd``, ``direction``); ``sd_between`` and ``sd_within``
        (``sd * sqrt(reliability)``, ``sd * sqrt(1 - reliability)``); ``n_patients``,
        ``n_selected``; among the enrolled: ``baseline_mean_selected``,
        ``follow_up_mean_selected``, ``simulated_change`` (mean change) and
        ``simulated_change_se`` (its Monte Carlo standard error); ``expected_change``
        (Barnett's formula, :func:`liverlab.rtm.expected_rtm`); ``change_all`` (mean change
        among all patients, about 0). The enrolled-group values are NaN when fewer than two
        patients are enrolled.

    Raises
    ------
    TypeError
        A non-number where a number is expected; ``n_baseline``, ``n`` or ``seed`` not an int.
    ValueError
        ``reliability`` not strictly between 0 and 1; ``sd`` <= 0; ``n_baseline`` < 1;
        ``n`` < 10; a negative ``seed``; an unknown ``direction``; a non-finite number.

    Examples
    --------
    >>> data = rtm_explorer_data(0.7, 3.0, 1, seed=2024)
    >>> s = data["summary"]
    >>> round(s["expected_change"], 3), round(s["simulated_change"], 3)
    (0.125, 0.129)
    """
    # Input validation
    r = _correlation(reliability, "reliability")
    c = _number(cutoff, "cutoff")
    m = _whole(n_baseline, "n_baseline", 1)
    seed = _seed(seed)
    mu = _number(mean, "mean")
    sd = _positive_sd(sd, "sd")
    direction = check_direction(direction)
    n = _whole(n, "n", 10)

    sd_between, sd_within = sd * math.sqrt(r), sd * math.sqrt(1 - r)
    z = _standard_normals(seed, n)
    true_value = mu + sd_between * z[0]
    baseline_mean = true_value + sd_within / math.sqrt(m) * z[1]   # mean of m measurements
    follow_up = true_value + sd_within * z[2]
    change = follow_up - baseline_mean
    selected = baseline_mean >= c if direction == "above" else baseline_mean < c

    n_selected = int(selected.sum())
    if n_selected >= 2:
        chosen = change[selected]
        enrolled = (float(baseline_mean[selected].mean()), float(follow_up[selected].mean()),
                    float(chosen.mean()), float(chosen.std(ddof=1) / math.sqrt(n_selected)))
    else:
        enrolled = (math.nan,) * 4
    summary = {
        "reliability": r, "cutoff": c, "n_baseline": m, "mean": mu, "sd": sd,
        "direction": direction, "sd_between": sd_between, "sd_within": sd_within,
        "n_patients": n, "n_selected": n_selected,
        "baseline_mean_selected": enrolled[0], "follow_up_mean_selected": enrolled[1],
        "simulated_change": enrolled[2], "simulated_change_se": enrolled[3],
        "expected_change": float(expected_rtm(mu, sd_between, sd_within, c,
                                              direction=direction, n_baseline=m)),
        "change_all": float(change.mean()),
    }
    patients = pd.DataFrame({
        "patient_id": np.arange(1, n + 1, dtype=np.int64), "true_value": true_value,
        "baseline_mean": baseline_mean, "follow_up": follow_up, "change": change,
        "selected": selected,
    })
    return {"patients": patients, "summary": summary}


def _explorer_layout(mean, sd, measurement, unit, animated):
    """The explorer figure with empty data artists: (figure, axes, dict of the changing artists).

    Static parts (axes, ticks, labels, line of no change, legend) never change for a given
    ``mean`` and ``sd``; the artists returned in the dict are the ones :func:`_explorer_fill`
    updates. With ``animated=True`` they are left out of a normal draw, for blitting.
    """
    fig = Figure(figsize=(9.0, 4.6))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.08, right=0.64, bottom=0.13, top=0.88)
    limits = (mean - 3.2 * sd, mean + 3.2 * sd)
    changing = {
        "others": ax.plot([], [], linestyle="none", marker="o", markersize=3, color=_GREY,
                          alpha=0.45, label="not enrolled", animated=animated)[0],
        "enrolled": ax.plot([], [], linestyle="none", marker="^", markersize=3.5,
                            color=OKABE_ITO[0], alpha=0.6, label="enrolled",
                            animated=animated)[0],
        "cutoff": ax.axvline(mean, color=OKABE_ITO[5], linestyle=":", linewidth=2,
                             label="enrolment cut-off", animated=animated),
        "baseline": ax.plot([], [], marker="o", markersize=9, markerfacecolor="white",
                            markeredgecolor="black", markeredgewidth=1.5, linestyle="none",
                            label="enrolled, mean at baseline", animated=animated)[0],
        "simulated": ax.plot([], [], marker="D", markersize=10, color=OKABE_ITO[1],
                             markeredgecolor="black", linestyle="none",
                             label="enrolled, mean follow-up:\nsimulation",
                             animated=animated)[0],
        "formula": ax.plot([], [], marker="X", markersize=10, color="black",
                           markeredgecolor="white", linestyle="none",
                           label="enrolled, mean follow-up:\nBarnett formula",
                           animated=animated)[0],
        "box": ax.text(1.04, 0.0, "", transform=ax.transAxes, ha="left", va="bottom",
                       fontsize="small", animated=animated,
                       bbox={"facecolor": "white", "edgecolor": _GREY}),
        "title": fig.text(0.02, 0.95, "", fontweight="bold", fontsize="medium",
                          animated=animated),
    }
    # Inset: the three enrolled means side by side on a zoomed scale (on the main axes the two
    # follow-up means sit almost on top of each other). Redrawn whole on every update.
    zoom = ax.inset_axes([0.54, 0.1, 0.38, 0.26], animated=animated)
    changing["zoom"] = zoom
    changing["zoom_level"] = zoom.axhline(mean, color="black", linestyle="--", linewidth=1)
    changing["zoom_interval"] = zoom.plot([], [], color="black", linewidth=1.5)[0]
    for name in ("baseline", "simulated", "formula"):
        line = changing[name]
        changing[f"zoom_{name}"] = zoom.plot(
            [], [], linestyle="none", marker=line.get_marker(), markersize=line.get_markersize(),
            markerfacecolor=line.get_markerfacecolor(), markeredgecolor=line.get_markeredgecolor(),
            markeredgewidth=line.get_markeredgewidth())[0]
    zoom.set_xlim(-0.6, 2.6)
    zoom.set_xticks(range(3), ["baseline", "simulation", "formula"], fontsize="x-small")
    zoom.yaxis.tick_right()
    zoom.yaxis.set_major_locator(MaxNLocator(4))
    zoom.tick_params(axis="y", labelsize="x-small")
    zoom.set_title(f"Enrolled means, zoomed ({unit})", fontsize="xx-small")
    ax.plot(limits, limits, color="black", linestyle="--", linewidth=1, label="no change",
            zorder=1)
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.yaxis.set_major_locator(MaxNLocator(6))
    ax.set_xlabel(f"{measurement} at baseline ({unit}; mean of the baseline measurements)")
    ax.set_ylabel(f"{measurement} at follow-up ({unit})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small",
              markerscale=1.2)
    return fig, ax, changing


def _explorer_fill(changing, data, unit, n_plotted):
    """Put one result of :func:`rtm_explorer_data` into the changing artists."""
    s, patients = data["summary"], data["patients"]
    shown = patients.iloc[:n_plotted]
    base, follow = shown["baseline_mean"].to_numpy(), shown["follow_up"].to_numpy()
    enrolled = shown["selected"].to_numpy()
    changing["others"].set_data(base[~enrolled], follow[~enrolled])
    changing["enrolled"].set_data(base[enrolled], follow[enrolled])
    changing["cutoff"].set_xdata([s["cutoff"], s["cutoff"]])
    times = "1 measurement" if s["n_baseline"] == 1 else f"{s['n_baseline']} measurements"
    enrolled_text = (f"Enrolled: {s['n_selected']:,} of {s['n_patients']:,}\n"
                     f"(baseline = mean of {times})")
    if s["n_selected"] >= 2:
        x = s["baseline_mean_selected"]
        changing["baseline"].set_data([x], [x])
        changing["simulated"].set_data([x], [s["follow_up_mean_selected"]])
        changing["formula"].set_data([x], [x + s["expected_change"]])
        _zoom_fill(changing, s)
        changing["box"].set_text(
            f"{enrolled_text}\n"
            f"Mean change in the enrolled\n(follow-up minus baseline):\n"
            f"  Barnett formula  {s['expected_change']:+.2f} {unit}\n"
            f"  simulation  {s['simulated_change']:+.2f} \u00b1 "
            f"{1.96 * s['simulated_change_se']:.2f} {unit}\n"
            f"(\u00b1 95% Monte Carlo interval)")
        verb = "rose" if s["simulated_change"] > 0 else "fell"
        changing["title"].set_text(
            f"With no treatment, the enrolled patients' mean {verb} by "
            f"{abs(s['simulated_change']):.2f} {unit} (test-retest r {s['reliability']:.2f})")
    else:
        for name in ("baseline", "simulated", "formula"):
            changing[name].set_data([], [])
        changing["zoom"].set_visible(False)
        changing["box"].set_text(f"{enrolled_text}\nFewer than 2 patients enrolled")
        changing["title"].set_text(f"{_too_few(s['n_selected'])}: move the cut-off "
                                   "towards the mean")


def _too_few(n_selected):
    """The title's and the alt text's words when fewer than 2 patients are enrolled."""
    return ("No simulated patient is enrolled" if n_selected == 0
            else "Only 1 simulated patient is enrolled, too few for a mean change")


def _zoom_fill(changing, s):
    """The inset: baseline mean, simulated follow-up mean (95% Monte Carlo interval) and the
    formula's follow-up mean at x = 0, 1, 2, on a y scale that just holds them."""
    base = s["baseline_mean_selected"]
    simulated, formula = s["follow_up_mean_selected"], base + s["expected_change"]
    half = 1.96 * s["simulated_change_se"]
    changing["zoom_baseline"].set_data([0], [base])
    changing["zoom_simulated"].set_data([1], [simulated])
    changing["zoom_interval"].set_data([1, 1], [simulated - half, simulated + half])
    changing["zoom_formula"].set_data([2], [formula])
    changing["zoom_level"].set_ydata([base, base])
    low = min(base, simulated - half, formula)
    high = max(base, simulated + half, formula)
    pad = max(high - low, 0.1 * s["sd"]) * 0.2
    changing["zoom"].set_ylim(low - pad, high + pad)
    changing["zoom"].set_visible(True)


def _check_explorer_data(data):
    if not (isinstance(data, dict) and {"patients", "summary"} <= data.keys()):
        raise TypeError("data must be the dict returned by rtm_explorer_data(...); got "
                        f"{type(data).__name__}.")


def rtm_explorer_figure(data, *, measurement="Albumin", unit="g/dL",
                        n_plotted=EXPLORER_N_PLOTTED):
    """Baseline against follow-up for enrolled and other patients, with the mean change.

    Parameters
    ----------
    data : dict
        The result of :func:`rtm_explorer_data`.
    measurement, unit : str, keyword-only
        Name and unit of the measurement, for the labels (default albumin, g/dL).
    n_plotted : int, keyword-only
        How many patients (the first ones) to draw; the numbers use all of them.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: each patient's follow-up against baseline (enrolled: blue triangles; others:
        grey circles), the line of no change (dashed), the cut-off (dotted), and the enrolled
        patients' mean baseline (open circle, on the line of no change) and their mean
        follow-up, simulated (diamond) and from Barnett's formula (cross); an inset sets
        these three means side by side on a zoomed scale (the diamond with its 95% Monte
        Carlo interval), since on the main axes the diamond and the cross overlap. The
        legend and a box with the two mean changes sit to the right; the title states the
        simulated change.

    Raises
    ------
    TypeError
        ``data`` is not the dict returned by :func:`rtm_explorer_data`.
    """
    _check_explorer_data(data)
    n_plotted = _whole(n_plotted, "n_plotted", 1)
    s = data["summary"]
    fig, _, changing = _explorer_layout(s["mean"], s["sd"], measurement, unit, animated=False)
    _explorer_fill(changing, data, unit, n_plotted)
    return fig


class RtmExplorerPlot:
    """The explorer's figure, kept between slider moves and redrawn by blitting.

    A fresh matplotlib figure costs about 0.15 s to build and render here, mostly text layout.
    This class draws the static parts (axes, ticks, labels, legend) once, then on each update
    restores that background and draws only the artists that changed, and encodes the PNG with
    light compression: a few hundredths of a second.

    Parameters
    ----------
    mean, sd : float, keyword-only
        The population of :func:`rtm_explorer_data` (they fix the axis limits).
    measurement, unit : str, keyword-only
        For the labels.
    n_plotted : int, keyword-only
        How many patients to draw.

    Examples
    --------
    >>> plot = RtmExplorerPlot()
    >>> png = plot.png(rtm_explorer_data(0.7, 3.0, 1, seed=2024))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def __init__(self, *, mean=ALBUMIN_MEAN_G_DL, sd=ALBUMIN_SD_G_DL, measurement="Albumin",
                 unit="g/dL", n_plotted=EXPLORER_N_PLOTTED):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.mean, self.sd = _number(mean, "mean"), _positive_sd(sd, "sd")
        self.unit, self.n_plotted = unit, _whole(n_plotted, "n_plotted", 1)
        self.figure, self._axes, self._changing = _explorer_layout(
            self.mean, self.sd, measurement, unit, animated=True)
        self._canvas = FigureCanvasAgg(self.figure)
        self._canvas.draw()
        self._background = self._canvas.copy_from_bbox(self.figure.bbox)

    def png(self, data):
        """Draw one result of :func:`rtm_explorer_data`; return the figure as PNG bytes."""
        from PIL import Image

        _check_explorer_data(data)
        s = data["summary"]
        if not (math.isclose(s["mean"], self.mean) and math.isclose(s["sd"], self.sd)):
            raise ValueError(f"data were simulated with mean {s['mean']:g} and sd {s['sd']:g}, "
                             f"but this plot was set up for mean {self.mean:g} and sd "
                             f"{self.sd:g}: create RtmExplorerPlot(mean=..., sd=...) to match.")
        _explorer_fill(self._changing, data, self.unit, self.n_plotted)
        self._canvas.restore_region(self._background)
        for name in ("others", "enrolled", "cutoff", "baseline", "simulated", "formula", "zoom",
                     "box"):
            self._axes.draw_artist(self._changing[name])
        self.figure.draw_artist(self._changing["title"])
        width, height = self._canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1).convert("RGB")     # opaque figure: drop alpha
        out = io.BytesIO()
        image.save(out, format="png", compress_level=1)
        return out.getvalue()


def rtm_explorer_alt(data, *, unit="g/dL"):
    """The finding of one explorer figure in a sentence, for a screen reader (the image's text).

    Examples
    --------
    >>> print(rtm_explorer_alt(rtm_explorer_data(0.7, 3.0, 1, seed=2024)))
    With no treatment, the 11,302 enrolled patients (baseline below 3 g/dL, 1 baseline measurement, test-retest r 0.70) rose by 0.13 g/dL on average; Barnett's formula predicts +0.13 g/dL.
    """
    _check_explorer_data(data)
    s = data["summary"]
    times = "1 baseline measurement" if s["n_baseline"] == 1 else f"{s['n_baseline']} baseline measurements"
    setting = (f"baseline {s['direction']} {s['cutoff']:g} {unit}, {times}, "
               f"test-retest r {s['reliability']:.2f}")
    if s["n_selected"] < 2:
        return f"{_too_few(s['n_selected'])} ({setting}): move the cut-off towards the mean."
    verb = "rose" if s["simulated_change"] > 0 else "fell"
    return (f"With no treatment, the {s['n_selected']:,} enrolled patients ({setting}) {verb} by "
            f"{abs(s['simulated_change']):.2f} {unit} on average; Barnett's formula predicts "
            f"{s['expected_change']:+.2f} {unit}.")


# Keyboard focus on the course's widgets: a dark outline (>= 3:1), not a change of colour alone.
# Scoped to the course's own widgets by their class; shipped as an HTML widget with the controls.
# (!important: ipywidgets' own rule for a focused input, more specific, sets "outline: none".)
WIDGET_CSS = ("<style>.ll-widgets input:focus, .ll-widgets select:focus {"
              " outline: 3px solid #1a1a1a !important; outline-offset: 1px; }</style>")
_LABEL_STYLE = {"description_width": "initial"}       # the whole label, never "cut-off (g/…"


def _figure_html(png, alt):
    """A PNG as an <img> with its alt text, for an HTML widget (ipywidgets' Image has no alt)."""
    import base64
    import html

    if not png:
        return f"<p>{html.escape(alt)}</p>"
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _number_box(kind, value, minimum, maximum, step, description):
    """A labelled number box (a real <label for=...>, arrow keys step it) for a widget."""
    import ipywidgets as widgets

    box = getattr(widgets, kind)(value=value, min=minimum, max=maximum, step=step,
                                 description=description, style=_LABEL_STYLE)
    box.continuous_update = False
    return box


def show_rtm_explorer(*, seed=2024, mean=ALBUMIN_MEAN_G_DL, sd=ALBUMIN_SD_G_DL,
                      direction="below", measurement="Albumin", unit="g/dL"):
    """Boxes for the test-retest correlation, the cut-off and the number of baselines (glue).

    Number boxes rather than ipywidgets sliders: a slider handle of ipywidgets 8 has no
    accessible name (its label is not tied to it), a box has a real label; the arrow keys and
    the box's arrows step the value as a slider would.
    """
    import ipywidgets as widgets

    plot = RtmExplorerPlot(mean=mean, sd=sd, measurement=measurement, unit=unit)
    image = widgets.HTML()           # an <img> with alt text (an Image widget cannot carry one)
    step = round(sd / 10, 2) or 0.01
    boxes = {
        "reliability": _number_box("BoundedFloatText", 0.7, 0.1, 0.95, 0.05, "test-retest r"),
        "cutoff": _number_box("BoundedFloatText", round(mean + 0.1, 2), round(mean - 2 * sd, 2),
                              round(mean + 2 * sd, 2), step, f"cut-off ({unit})"),
        "n_baseline": _number_box("BoundedIntText", 1, 1, 6, 1, "baselines"),
    }

    def update(change=None):
        data = rtm_explorer_data(boxes["reliability"].value, boxes["cutoff"].value,
                                 boxes["n_baseline"].value, seed=seed, mean=mean, sd=sd,
                                 direction=direction)
        image.value = _figure_html(plot.png(data), rtm_explorer_alt(data, unit=unit))

    for box in boxes.values():
        box.observe(update, names="value")
    update()
    row = widgets.HBox(list(boxes.values()), layout=widgets.Layout(flex_flow="row wrap"))
    explorer = widgets.VBox([row, image, widgets.HTML(WIDGET_CSS)])
    explorer.add_class("ll-widgets")
    return explorer


# ----------------------------------------------------------------------------------------------
# 2. Claim calculator
# ----------------------------------------------------------------------------------------------
def claim_calculator(reported_change, baseline_sd, test_retest_r, cutoff, population_mean, *,
                     direction, n_baseline=1):
    """How much of a reported before-after change regression to the mean alone predicts.

    Patients were enrolled because their baseline (the mean of ``n_baseline`` measurements) was
    above or below ``cutoff``; the study reports the mean change, follow-up minus baseline.
    With no treatment at all, Barnett, van der Pols & Dobson's formula (2005) predicts the
    change that regression to the mean produces (:func:`liverlab.rtm.expected_rtm`).

    Parameters
    ----------
    reported_change : float
        The reported mean change, follow-up minus baseline (e.g. +0.4 for albumin rising by
        0.4 g/dL), in the unit of the measurement.
    baseline_sd : float
        Standard deviation of one measurement **in the population the patients were enrolled
        from** (not within the enrolled group, which selection narrows); > 0.
    test_retest_r : float
        Correlation between two measurements of the same patients over the study's interval,
        with no treatment; strictly between 0 and 1.
    cutoff : float
        The enrolment cut-off, same unit.
    population_mean : float
        Mean of the measurement in that population, same unit.
    direction : {"above", "below"}, keyword-only, required
        "below" if patients were enrolled for a low value (albumin below 3.0), "above" for a
        high one (bilirubin above 3). No default: it is a fact about the study.
    n_baseline : int, keyword-only
        Number of baseline measurements averaged before enrolment (default 1).

    Returns
    -------
    dict
        ``reported_change``; ``rtm_change`` (predicted change from regression to the mean alone,
        with its sign); ``change_beyond_rtm`` (reported minus predicted); ``share_explained``
        (predicted / reported; NaN when the reported change is 0; negative when the report goes
        the other way); ``same_direction`` (bool); ``expected_baseline_mean`` and
        ``proportion_enrolled`` (what these inputs imply for the enrolled group, to compare with
        the study's reported baseline); ``sd_between``, ``sd_within`` (``baseline_sd`` times
        ``sqrt(r)`` and ``sqrt(1 - r)``); and the inputs.

    Raises
    ------
    TypeError
        A non-number, or ``n_baseline`` not an int.
    ValueError
        ``baseline_sd`` <= 0; ``test_retest_r`` not strictly between 0 and 1; a non-finite
        number; ``n_baseline`` < 1; an unknown ``direction``.

    Examples
    --------
    An illustrative claim: albumin rose by 0.4 g/dL in patients enrolled for albumin below 3.0
    g/dL, in a population with mean 2.9 and SD 0.6 g/dL, test-retest correlation 0.7:

    >>> result = claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below")
    >>> round(result["rtm_change"], 3), round(result["share_explained"], 2)
    (0.125, 0.31)
    """
    # Input validation
    reported = _number(reported_change, "reported_change")
    sd = _positive_sd(baseline_sd, "baseline_sd")
    r = _correlation(test_retest_r, "test_retest_r")
    c = _number(cutoff, "cutoff")
    mu = _number(population_mean, "population_mean")
    direction = check_direction(direction)
    m = _whole(n_baseline, "n_baseline", 1)

    sd_between, sd_within = sd * math.sqrt(r), sd * math.sqrt(1 - r)
    rtm_change = float(expected_rtm(mu, sd_between, sd_within, c, direction=direction,
                                    n_baseline=m))
    sigma = math.sqrt(sd_between ** 2 + sd_within ** 2 / m)     # SD of the baseline mean
    z = (c - mu) / sigma
    shift = sigma * _inverse_mills(z, direction)                # truncated-normal mean shift
    if direction == "above":
        expected_baseline, proportion = mu + shift, float(stats.norm.sf(z))
    else:
        expected_baseline, proportion = mu - shift, float(stats.norm.cdf(z))
    return {
        "reported_change": reported,
        "rtm_change": rtm_change,
        "change_beyond_rtm": reported - rtm_change,
        "share_explained": rtm_change / reported if reported != 0 else math.nan,
        "same_direction": bool(reported * rtm_change > 0),
        "expected_baseline_mean": expected_baseline,
        "proportion_enrolled": proportion,
        "sd_between": sd_between, "sd_within": sd_within,
        "baseline_sd": sd, "test_retest_r": r, "cutoff": c, "population_mean": mu,
        "direction": direction, "n_baseline": m,
    }


def claim_calculator_text(result, *, unit="g/dL", decimals=2):
    """The claim calculator's result in plain words (a few lines of text).

    Parameters
    ----------
    result : dict
        The result of :func:`claim_calculator`.
    unit : str, keyword-only
        Unit of the measurement, for the text (default g/dL).
    decimals : int, keyword-only
        Decimal places for the changes (default 2).

    Returns
    -------
    str

    Examples
    --------
    >>> result = claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below")
    >>> print(claim_calculator_text(result))  # doctest: +NORMALIZE_WHITESPACE
    Reported change: +0.40 g/dL.
    Regression to the mean alone predicts +0.13 g/dL: 31% of the reported change.
    Left unexplained by regression to the mean: +0.27 g/dL. Not yet evidence of a treatment
    effect: co-interventions, natural recovery and patients missing at follow-up can produce
    it too; a concurrent control group is the test.
    Check your inputs: they imply that 57% of the population would be enrolled, with a mean
    baseline of 2.48 g/dL. If the study reports a very different baseline mean, revisit the
    population mean and SD.
    """
    if not isinstance(result, dict) or "rtm_change" not in result:
        raise TypeError("result must be the dict returned by claim_calculator(...); got "
                        f"{type(result).__name__}.")
    d = _whole(decimals, "decimals", 0)
    reported, rtm = result["reported_change"], result["rtm_change"]
    lines = [f"Reported change: {_signed(reported, d)} {unit}."]
    if reported == 0:
        lines.append(f"Regression to the mean alone predicts {_signed(rtm, d)} {unit}; no change "
                     "was reported, so there is nothing for it to explain.")
    elif not result["same_direction"]:
        lines.append(f"Regression to the mean alone predicts {_signed(rtm, d)} {unit}: the "
                     "opposite direction. It cannot explain this change (it would have hidden "
                     "part of it).")
    else:
        share = result["share_explained"]
        lines.append(f"Regression to the mean alone predicts {_signed(rtm, d)} {unit}: "
                     f"{share:.0%} of the reported change.")
        if share >= 1:
            lines.append("Regression to the mean alone predicts at least the whole reported "
                         "change.")
        else:
            lines.append(
                f"Left unexplained by regression to the mean: "
                f"{_signed(result['change_beyond_rtm'], d)} {unit}. Not yet evidence of a "
                "treatment effect: co-interventions, natural recovery and patients missing at "
                "follow-up can produce it too; a concurrent control group is the test.")
    share_enrolled = result["proportion_enrolled"]
    shown = "<1%" if 0 < share_enrolled < 0.005 else f"{share_enrolled:.0%}"
    lines.append(f"Check your inputs: they imply that {shown} of the "
                 "population would be enrolled, with a mean baseline of "
                 f"{result['expected_baseline_mean']:.{d}f} {unit}. If the study reports a very "
                 "different baseline mean, revisit the population mean and SD.")
    return "\n".join(lines)


_CLAIM_LABELS = ["reported change", "regression to\nthe mean alone",
                 "not explained by\nregression to\nthe mean"]


def _claim_layout():
    """The claim figure with zero-length bars: (figure, axes, bars, value labels, title)."""
    fig = Figure(figsize=(7.0, 3.2))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.25, right=0.95, bottom=0.17, top=0.86)
    bars = ax.barh([2, 1, 0], [0, 0, 0], color=[OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2]],
                   edgecolor="black")
    bars[1].set_hatch("//")
    bars[2].set_hatch("..")
    ax.set_yticks([2, 1, 0], _CLAIM_LABELS)
    ax.axvline(0, color="black", linewidth=1)
    values = [ax.annotate("", (0, y), va="center", fontsize="small", xytext=(4, 0),
                          textcoords="offset points") for y in (2, 1, 0)]
    title = fig.text(0.02, 0.94, "", fontsize="medium", fontweight="bold")
    return fig, ax, bars, values, title


def _claim_fill(parts, result, unit, measurement):
    """Put one result of :func:`claim_calculator` into the figure of :func:`_claim_layout`."""
    _, ax, bars, labels, title = parts
    values = [result["reported_change"], result["rtm_change"], result["change_beyond_rtm"]]
    for bar, label, value in zip(bars, labels, values):
        bar.set_width(value)
        label.set_text(f"{value:+.2f}")
        label.xy = (value, label.xy[1])
        label.set_horizontalalignment("left" if value >= 0 else "right")
        label.set_position((4 if value >= 0 else -4, 0))     # the offset, in points
    ax.set_xlabel(f"Mean change in {measurement}, follow-up minus baseline ({unit})")
    span = max(abs(v) for v in values) or 1.0
    ax.set_xlim(min(0, min(values)) - 0.3 * span, max(0, max(values)) + 0.3 * span)
    if result["same_direction"]:
        title.set_text(f"Regression to the mean alone predicts {result['share_explained']:.0%} "
                       "of the change")
    else:
        title.set_text("Regression to the mean does not predict a change in this direction")


def claim_calculator_figure(result, *, unit="g/dL", measurement="albumin"):
    """A small bar chart: the reported change, the part regression to the mean predicts, the rest.

    Parameters
    ----------
    result : dict
        The result of :func:`claim_calculator`.
    unit, measurement : str, keyword-only
        For the axis label (default albumin, g/dL).

    Returns
    -------
    matplotlib.figure.Figure
        Three horizontal bars (solid, hatched, dotted hatch), labelled with their values; the
        title gives the share of the reported change that regression to the mean predicts.
    """
    if not isinstance(result, dict) or "rtm_change" not in result:
        raise TypeError("result must be the dict returned by claim_calculator(...); got "
                        f"{type(result).__name__}.")
    parts = _claim_layout()
    _claim_fill(parts, result, unit, measurement)
    return parts[0]


class ClaimCalculatorPlot:
    """The claim calculator's figure, kept between updates: only bars, labels and limits change.

    Building a new figure for each update cost up to a few hundred ms on a busy machine (text
    layout); redrawing this one, with light PNG compression, takes a few hundredths of a second.

    Examples
    --------
    >>> plot = ClaimCalculatorPlot()
    >>> plot.png(claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below"))[:4] == b"\\x89PNG"
    True
    """

    def __init__(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self._parts = _claim_layout()
        self._canvas = FigureCanvasAgg(self._parts[0])

    def png(self, result, *, unit="g/dL", measurement="albumin"):
        """Draw one result of :func:`claim_calculator`; return the figure as PNG bytes."""
        from PIL import Image

        if not isinstance(result, dict) or "rtm_change" not in result:
            raise TypeError("result must be the dict returned by claim_calculator(...); got "
                            f"{type(result).__name__}.")
        _claim_fill(self._parts, result, unit, measurement)
        self._canvas.draw()
        width, height = self._canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self._canvas.buffer_rgba(), "raw",
                                 "RGBA", 0, 1).convert("RGB")
        out = io.BytesIO()
        image.save(out, format="png", compress_level=1)
        return out.getvalue()


@functools.lru_cache(maxsize=1)
def _claim_plot():
    return ClaimCalculatorPlot()


def claim_calculator_alt(result, *, unit="g/dL"):
    """The claim calculator's bar chart in a sentence, for a screen reader (the image's text).

    Examples
    --------
    >>> claim_calculator_alt(claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below"))
    'Of a reported change of +0.40 g/dL, regression to the mean alone predicts +0.13 g/dL; +0.27 g/dL is not explained by it.'
    """
    if not isinstance(result, dict) or "rtm_change" not in result:
        raise TypeError("result must be the dict returned by claim_calculator(...); got "
                        f"{type(result).__name__}.")
    return (f"Of a reported change of {result['reported_change']:+.2f} {unit}, regression to the "
            f"mean alone predicts {result['rtm_change']:+.2f} {unit}; "
            f"{result['change_beyond_rtm']:+.2f} {unit} is not explained by it.")


def figure_png(fig):
    """Render a matplotlib figure to PNG bytes, with light compression (fast), without pyplot.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    bytes
        The PNG file's content, at the figure's own size and resolution.

    Examples
    --------
    >>> result = claim_calculator(0.4, 0.6, 0.7, 3.0, 2.9, direction="below")
    >>> figure_png(claim_calculator_figure(result))[:4] == b"\\x89PNG"
    True
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {type(fig).__name__}.")
    out = io.BytesIO()
    fig.savefig(out, format="png", pil_kwargs={"compress_level": 1})
    return out.getvalue()


def claim_calculator_preset(lab):
    """The starting values, unit and labels of one lab in the claim calculator.

    Parameters
    ----------
    lab : str
        A key of :data:`CLAIM_LABS`, e.g. ``"albumin (g/dL)"`` or ``"albumin (g/L)"``.

    Returns
    -------
    dict
        ``measurement``, ``unit``, ``population_mean``, ``baseline_sd``, ``cutoff``,
        ``direction``, ``reported_change``, ``source``, and ``descriptions``: the label of each
        input box, with the lab's unit (``{"reported_change": "change (g/L)", ...}``).

    Raises
    ------
    ValueError
        An unknown lab (the message lists the known ones).

    Examples
    --------
    >>> claim_calculator_preset("albumin (g/L)")["descriptions"]["cutoff"]
    'cut-off (g/L)'
    """
    if lab not in CLAIM_LABS:
        raise ValueError(f"lab must be one of {list(CLAIM_LABS)}; got {lab!r}.")
    preset = dict(CLAIM_LABS[lab])
    unit = preset["unit"]
    preset["descriptions"] = {"reported_change": f"change ({unit})",
                              "baseline_sd": f"pop. SD ({unit})",
                              "cutoff": f"cut-off ({unit})",
                              "population_mean": f"pop. mean ({unit})"}
    return preset


def claim_calculator_update(lab, reported_change, baseline_sd, test_retest_r, cutoff,
                            population_mean, direction):
    """What the claim calculator shows for one set of inputs: (HTML text, PNG bytes).

    This is the whole callback of :func:`show_claim_calculator`, as a plain function: it never
    raises for a bad input, it reports it ("Cannot compute: ...") with an empty image. Units in
    the text and the figure are those of ``lab``.

    Parameters
    ----------
    lab : str
        A key of :data:`CLAIM_LABS`.
    reported_change, baseline_sd, test_retest_r, cutoff, population_mean, direction
        As in :func:`claim_calculator`, in the lab's unit.

    Returns
    -------
    tuple of (str, bytes)

    Examples
    --------
    >>> text, png = claim_calculator_update("albumin (g/L)", 4.0, 6.0, 0.7, 30.0, 29.0, "below")
    >>> "+1.25 g/L" in text, png[:4] == b"\\x89PNG"
    (True, True)
    """
    import html

    try:
        preset = claim_calculator_preset(lab)
        result = claim_calculator(reported_change, baseline_sd, test_retest_r, cutoff,
                                  population_mean, direction=direction)
    except (TypeError, ValueError) as error:
        return f"<pre>Cannot compute: {html.escape(str(error))}</pre>", b""
    unit = preset["unit"]
    text = ("<pre style='white-space: pre-wrap'>"
            f"{html.escape(claim_calculator_text(result, unit=unit))}</pre>")
    png = _claim_plot().png(result, unit=unit, measurement=preset["measurement"])
    return text, png


def show_claim_calculator(*, lab="albumin (g/dL)"):
    """Input boxes for the claim calculator: the text and bar chart update on change (glue).

    Choosing another lab puts its starting values into the boxes and its unit into every label,
    the text and the figure (:func:`claim_calculator_preset`), with one update, not one per box.
    The results go into an HTML and an Image widget (not into the output area), so that nothing
    flickers and a notebook runner without a widget front end executes the cell. Every box has
    a real label (``description``), shown whole.
    """
    import ipywidgets as widgets

    preset = claim_calculator_preset(lab)
    text = widgets.HTML()
    image = widgets.HTML()           # an <img> with alt text (an Image widget cannot carry one)
    lab_box = widgets.Dropdown(options=list(CLAIM_LABS), value=lab, description="lab",
                               style=_LABEL_STYLE)
    boxes = {name: widgets.FloatText(value=preset[name], description=label, style=_LABEL_STYLE)
             for name, label in preset["descriptions"].items()}
    r_box = _number_box("BoundedFloatText", 0.7, 0.05, 0.95, 0.05, "test-retest r")
    direction_box = widgets.Dropdown(options=list(DIRECTIONS), value=preset["direction"],
                                     description="enrolled", style=_LABEL_STYLE)
    changing_lab = []        # not empty while a new lab's values are put into the boxes

    def update(change=None):
        if changing_lab:
            return
        current = {name: box.value for name, box in boxes.items()}
        text.value, png = claim_calculator_update(
            lab_box.value, current["reported_change"], current["baseline_sd"], r_box.value,
            current["cutoff"], current["population_mean"], direction_box.value)
        try:
            result = claim_calculator(current["reported_change"], current["baseline_sd"],
                                      r_box.value, current["cutoff"], current["population_mean"],
                                      direction=direction_box.value)
            alt = claim_calculator_alt(result, unit=CLAIM_LABS[lab_box.value]["unit"])
        except (TypeError, ValueError):
            alt = "No chart: the inputs above cannot be computed."
        image.value = _figure_html(png, alt)

    def new_lab(change):
        chosen = claim_calculator_preset(change["new"])
        changing_lab.append(True)
        try:
            for name, box in boxes.items():
                box.description = chosen["descriptions"][name]
                box.value = chosen[name]
            direction_box.value = chosen["direction"]
        finally:
            changing_lab.clear()
        update()

    lab_box.observe(new_lab, names="value")
    for box in [*boxes.values(), r_box, direction_box]:
        box.observe(update, names="value")
    update()
    controls = widgets.VBox([lab_box, *boxes.values(), r_box, direction_box])
    calculator = widgets.VBox([controls, text, image, widgets.HTML(WIDGET_CSS)])
    calculator.add_class("ll-widgets")
    return calculator


# ----------------------------------------------------------------------------------------------
# The static figures of notebook 05 (sections 1, 2 and 4)
# ----------------------------------------------------------------------------------------------
def two_visits_figure(first, second, enrolled, *, cutoff, direction="below", measurement="albumin",
                      unit="g/dL"):
    """Mean of two visits (95% CI) for the enrolled patients, the others and everybody.

    Parameters
    ----------
    first, second : pandas.Series
        Each patient's value at the first and second visit (same index).
    enrolled : pandas.Series of bool
        True for the patients enrolled on their first value.
    cutoff : float, keyword-only; direction : {"above", "below"}, keyword-only
        The enrolment rule, for the legend.
    measurement, unit : str, keyword-only
        For the labels (default albumin, g/dL).

    Returns
    -------
    matplotlib.figure.Figure
        Three lines from the first to the second visit (colour, line style and marker differ),
        with 95% confidence intervals (mean ± 1.96 standard errors).
    """
    direction = check_direction(direction)
    visits = pd.DataFrame({"first": first, "second": second})
    enrolled = pd.Series(enrolled, index=visits.index)
    if enrolled.dtype != bool:
        raise TypeError("enrolled must be True/False for each patient; got dtype "
                        f"{enrolled.dtype}.")
    groups = {f"enrolled (first visit {direction} {cutoff} {unit})": enrolled,
              "not enrolled": ~enrolled, "everybody": pd.Series(True, index=visits.index)}
    fig = Figure(figsize=(8.5, 4))
    ax = fig.subplots()
    styles = zip(OKABE_ITO, LINESTYLES, "o^s")
    for (label, rows), (colour, linestyle, marker) in zip(groups.items(), styles):
        means = visits.loc[rows, ["first", "second"]].agg(["mean", "sem"])
        ax.errorbar([0, 1], means.loc["mean"], yerr=1.96 * means.loc["sem"], color=colour,
                    linestyle=linestyle, marker=marker, capsize=4, label=label)
    extreme = "low" if direction == "below" else "high"
    ax.set(xticks=[0, 1], xticklabels=["first visit", "second visit"], xlim=(-0.3, 1.3),
           xlabel="Visit (no treatment in between)", ylabel=f"Mean serum {measurement} ({unit})",
           title=f"Enrolled for {extreme} {measurement}, patients 'improve' with no treatment")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    return fig


def formula_vs_simulation_figure(table, *, mean, sd, direction="below", measurement="albumin",
                                 unit="g/dL"):
    """Barnett's formula over a range of cut-offs (lines) and the simulations (markers, 95% CI).

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`liverlab.rtm.formula_vs_simulation` (one baseline).
    mean, sd : float, keyword-only
        The population's mean and SD, as given to it; the lines run from mean - 1.5 SD to
        mean + 1.5 SD.
    direction : {"above", "below"}; measurement, unit : str, keyword-only
        The enrolment rule and the labels.

    Returns
    -------
    matplotlib.figure.Figure
        One line per test-retest correlation in ``table`` (colour and line style differ), with
        that correlation's simulations as markers (colour and marker differ).
    """
    direction = check_direction(direction)
    needed = {"test_retest_r", "cutoff", "simulated", "monte_carlo_se"}
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise TypeError("table must be the DataFrame returned by "
                        "liverlab.rtm.formula_vs_simulation(...).")
    cutoffs = np.linspace(mean - 1.5 * sd, mean + 1.5 * sd, 60)
    fig = Figure()
    ax = fig.subplots()
    for i, r in enumerate(table["test_retest_r"].unique()):
        sd_b, sd_w = sd * np.sqrt(r), sd * np.sqrt(1 - r)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(cutoffs, expected_rtm(mean, sd_b, sd_w, cutoffs, direction=direction), color=colour,
                linestyle=LINESTYLES[i % len(LINESTYLES)], label=f"formula, r = {r:g}")
        rows = table[table["test_retest_r"] == r]
        ax.errorbar(rows["cutoff"], rows["simulated"], yerr=1.96 * rows["monte_carlo_se"],
                    color=colour, marker="o^sD"[i % 4], markersize=7, linestyle="none",
                    label=f"simulation, r = {r:g}")
    change = "rise" if direction == "below" else "fall"
    ax.set(xlabel=f"Enrolment cut-off: {measurement} {direction} ({unit})",
           ylabel=f"Mean {change} in the enrolled ({unit})" if direction == "below"
           else f"Mean change in the enrolled ({unit})",
           title=f"The fake {change} grows as the test gets noisier and the cut-off more extreme")
    ax.legend(ncol=2, fontsize="small")
    return fig


# Okabe-Ito colour index and hatch of each kind of bar in remedies_figure
_REMEDY_STYLE = {"bias": (5, "//"), "shrinks": (2, ".."), "removes": (0, "")}
_REMEDY_LABEL = {"bias": "keeps or adds bias", "shrinks": "shrinks the bias", "removes": "removes the bias"}


def remedies_figure(effects, *, kinds, measurement="albumin", unit="g/dL"):
    """Horizontal bars: the apparent effect of an inert treatment under several designs.

    Parameters
    ----------
    effects : pandas.Series
        Apparent effect per design or analysis (index: its name), drawn top to bottom.
    kinds : sequence of {"bias", "shrinks", "removes"}, keyword-only
        What each design does to regression to the mean, one per bar: vermillion with "//"
        hatching, green with dots, or plain blue; a legend names the kinds drawn.
    measurement, unit : str, keyword-only
        For the axis label (default albumin, g/dL).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(effects, pd.Series):
        raise TypeError(f"effects must be a pandas Series; got {type(effects).__name__}.")
    kinds = list(kinds)
    if len(kinds) != len(effects) or not set(kinds) <= set(_REMEDY_STYLE):
        raise ValueError(f"kinds must give one of {sorted(_REMEDY_STYLE)} for each of the "
                         f"{len(effects)} bars; got {kinds!r}.")
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    bars = ax.barh(effects.index[::-1], effects.to_numpy()[::-1],
                   color=[OKABE_ITO[_REMEDY_STYLE[k][0]] for k in kinds[::-1]], edgecolor="black")
    for bar, kind in zip(bars, kinds[::-1]):
        bar.set_hatch(_REMEDY_STYLE[kind][1])
    ax.axvline(0, color="black", linewidth=1)
    ax.set(xlabel=f"Apparent effect of an inert infusion on {measurement} ({unit})",
           title="A control group, ANCOVA or a fresh baseline removes the fake effect")
    shown = [k for k in _REMEDY_STYLE if k in kinds]           # legend: one entry per kind drawn
    ax.legend(handles=[Patch(facecolor=OKABE_ITO[_REMEDY_STYLE[k][0]], hatch=_REMEDY_STYLE[k][1],
                             edgecolor="black", label=_REMEDY_LABEL[k]) for k in shown],
              loc="lower right", fontsize="small")
    return fig
