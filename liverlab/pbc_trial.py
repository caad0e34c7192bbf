"""The Mayo PBC trial of notebook 06: visit windows, typical lab changes and the notebook's figures.

- :func:`visit_near` -- each patient's visit closest to a target day, within a window;
- :func:`typical_change` -- the typical percent change (geometric mean of later ÷ before) with a 95% t-interval;
- :func:`plot_survival_by_arm` -- Kaplan-Meier survival by trial arm, with the numbers at risk (Figure 6.1);
- :func:`plot_changes_by_arm` -- both arms' typical changes, one panel per lab (Figures 6.2 and 6.3);
- :func:`plot_by_group` -- one value per patient, grouped, on a log scale, with each group's median (Figure 6.4).

The plotting functions draw and return the figure; the notebook shows it with ``style.show(alt=...)``.
Educational use only.
"""

import numpy as np
import pandas as pd
from scipy import stats

from liverlab import style

__all__ = ["VISIT_MONTHS", "visit_near", "typical_change", "plot_survival_by_arm", "plot_changes_by_arm",
           "plot_by_group"]

VISIT_MONTHS = {"6 months": 6, "1 year": 12, "2 years": 24}  # the visit labels of notebook 06, in months


def _frame(frame, name, columns):
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} has no column {missing[0]!r} (it has {list(frame.columns)[:12]}).")
    return frame


def visit_near(seq, target_days, window_days):
    """Each patient's visit closest to ``target_days``, if one lies within ±``window_days`` (one row per patient).

    ``seq`` has one row per visit with the columns ``id`` and ``day`` (days since enrolment), as
    ``data.load_pbcseq()``. Of two visits equally close, the earlier counts. The result is indexed by ``id``.

    >>> seq = pd.DataFrame({"id": [1, 1, 1, 2, 2], "day": [0, 170, 200, 0, 400]})
    >>> visit_near(seq, 182.6, 90)["day"].to_dict()
    {1: 170}
    """
    _frame(seq, "seq", ["id", "day"])
    if not np.isfinite(window_days) or window_days < 0:
        raise ValueError(f"window_days must be a number of days, 0 or more; got {window_days!r}.")
    near = seq.assign(days_off=(seq["day"] - target_days).abs())
    near = near[near["days_off"] <= window_days].sort_values(["id", "days_off", "day"])
    return near.drop_duplicates("id").set_index("id").drop(columns="days_off")


def typical_change(log_ratios, level=0.95):
    """Typical percent change from the patients' log ratios log(later / before), with a t-interval.

    The mean log ratio and its t-interval, turned back into percentages with 100 × (exp(x) − 1): the change of
    the geometric mean, which treats a doubling and a halving as equal and opposite. Returns a dict with
    ``patients``, ``change_%``, ``lower_%`` and ``upper_%``.

    >>> {k: round(v, 1) for k, v in typical_change(np.log([2.0, 0.5, 1.0])).items()}
    {'patients': 3, 'change_%': 0.0, 'lower_%': -82.1, 'upper_%': 459.5}
    """
    r = np.asarray(log_ratios, dtype=float)
    if r.ndim != 1 or len(r) < 2:
        raise ValueError(f"typical_change needs the log ratios of at least 2 patients; got {r.size}.")
    if not np.isfinite(r).all():
        raise ValueError("typical_change needs finite log ratios: drop missing values (and zeros) first.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95); got {level!r}.")
    half_width = stats.t.ppf((1 + level) / 2, len(r) - 1) * r.std(ddof=1) / np.sqrt(len(r))
    as_percent = lambda x: float(100 * np.expm1(x))  # noqa: E731
    return {"patients": len(r), "change_%": as_percent(r.mean()),
            "lower_%": as_percent(r.mean() - half_width), "upper_%": as_percent(r.mean() + half_width)}


def plot_survival_by_arm(trial, *, arms=("D-penicillamine", "placebo"), title=None):
    """Kaplan-Meier survival (``years``, ``died``) by ``treatment`` arm, 95% bands and numbers at risk.

    Returns ``(fig, fits)``: the figure and one fitted ``KaplanMeierFitter`` per arm (labelled with the arm).
    """
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    _frame(trial, "trial", ["treatment", "years", "died"])
    fig, ax = plt.subplots(figsize=(7.5, 5))
    fits = []
    for arm, linestyle, colour in zip(arms, style.LINESTYLES, style.OKABE_ITO):
        rows = trial[trial["treatment"] == arm]
        if rows.empty:
            raise ValueError(f"no patient of trial has treatment {arm!r}.")
        kmf = KaplanMeierFitter(label=arm).fit(rows["years"], rows["died"])
        kmf.plot_survival_function(ax=ax, color=colour, linestyle=linestyle, ci_alpha=0.15, linewidth=2)
        fits.append(kmf)
    ax.set(xlim=(0, 12.5), ylim=(0, 1.02), xticks=range(0, 13, 2), xlabel="Years since randomization",
           ylabel="Probability of survival", title=title)
    ax.legend(title="arm (95% CI bands)", loc="lower left")
    add_at_risk_counts(*fits, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    return fig, fits


def _error_bars(ax, rows, x, **style_kw):
    ax.errorbar(x, rows["change_%"], yerr=[rows["change_%"] - rows["lower_%"], rows["upper_%"] - rows["change_%"]],
                capsize=3, **style_kw)


CHANGE_COLUMNS = ["arm", "lab", "when", "change_%", "lower_%", "upper_%"]


def _changes(changes):
    _frame(changes, "changes", CHANGE_COLUMNS)
    unknown = sorted(set(changes["when"]) - set(VISIT_MONTHS))
    if unknown:
        raise ValueError(f"changes has visits {unknown}; expected labels among {list(VISIT_MONTHS)}.")
    return changes


def plot_changes_by_arm(changes, *, labs=None, title=None):
    """Both arms' typical changes from enrolment, one panel per lab, arms side by side at each visit.

    ``changes`` has one row per arm, lab and visit with the columns ``arm``, ``lab``, ``when`` (a label of
    ``VISIT_MONTHS``), ``change_%``, ``lower_%`` and ``upper_%``, for two arms; ``labs`` picks up to six labs, in panel
    order (default: all). Up to four labs are drawn 2 × 2, more 2 × 3. Returns the figure.
    """
    import matplotlib.pyplot as plt

    changes = _changes(changes)
    if labs is not None:
        unknown = [lab for lab in labs if lab not in set(changes["lab"])]
        if unknown:
            raise ValueError(f"changes has no lab {unknown[0]!r} (it has {list(changes['lab'].unique())}).")
        changes = changes[changes["lab"].isin(labs)]
    labs = list(labs) if labs is not None else list(changes["lab"].unique())
    arms = changes["arm"].unique()
    if not 0 < len(labs) <= 6 or len(arms) != 2:
        raise ValueError(f"plot_changes_by_arm draws 2 arms and 1 to 6 labs; got {len(arms)} arms, {len(labs)} labs.")
    columns = 2 if len(labs) <= 4 else 3
    fig, axes = plt.subplots(2, columns, figsize=(8 if columns == 2 else 10, 6.5), sharex=True)
    for ax, lab in zip(axes.flat, labs):
        for (arm, rows), colour, linestyle, marker, shift in zip(changes[changes["lab"] == lab].groupby("arm", sort=False),
                                                                   style.OKABE_ITO, ["-", "--"], "os", [-0.4, 0.4]):
            _error_bars(ax, rows, rows["when"].map(VISIT_MONTHS) + shift, color=colour, linestyle=linestyle,
                        marker=marker, linewidth=1.8, label=arm)
        ax.axhline(0, color="black", linewidth=1)
        ax.set(title=lab, xticks=[6, 12, 24])
    for ax in axes.flat[len(labs):]:
        ax.set_visible(False)
    for ax in axes[1]:
        ax.set_xlabel("Months since enrolment")
    for ax in axes[:, 0]:
        ax.set_ylabel("Typical change (%)")
    axes[0, 0].legend(loc="upper left", fontsize="small")
    fig.suptitle(title, fontweight="bold", fontsize="medium")
    fig.tight_layout()
    return fig


def plot_by_group(values, groups, *, order, xlabel, title=None, ticks=(0.3, 1, 3, 10, 30), seed=6):
    """One point per patient (``values``, log scale) in a row per group of ``groups``, with each group's median.

    ``values`` and ``groups`` are Series on the same index; ``order`` lists the groups from top to bottom; ``ticks``
    are the labelled values of the log axis. The points are jittered vertically (``seed``) so that equal values stay
    visible. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not (isinstance(values, pd.Series) and isinstance(groups, pd.Series) and values.index.equals(groups.index)):
        raise ValueError("values and groups must be pandas Series on the same index (one row per patient).")
    if (values <= 0).any():
        raise ValueError("values must be positive: they are drawn on a log scale.")
    missing = [g for g in order if not (groups == g).any()]
    if missing:
        raise ValueError(f"no patient is in group {missing[0]!r}; groups are {sorted(groups.unique())}.")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    rng = np.random.default_rng(seed)
    for i, (group, marker, colour) in enumerate(zip(order, "o^sDv", style.OKABE_ITO)):
        v = values[groups == group].dropna()
        ax.scatter(v, i + rng.uniform(-0.25, 0.25, len(v)), marker=marker, color=colour, alpha=0.55, s=22)
        ax.plot([v.median()] * 2, [i - 0.38, i + 0.38], color="black", linewidth=2.5)
    ax.set_xscale("log")
    ax.set_xticks(list(ticks), labels=[f"{t:g}" for t in ticks])
    ax.set(yticks=range(len(order)), yticklabels=[f"{g}\n(n = {(groups == g).sum()})" for g in order],
           xlabel=xlabel, title=title)
    ax.invert_yaxis()
    fig.tight_layout()
    return fig
