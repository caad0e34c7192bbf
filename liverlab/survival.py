"""The infusion clinic of notebook 03: its records, and the tables its survival analyses need.

- :func:`infusion_clinic` -- the decompensated patients of a simulated cohort, with their infusions;
- :func:`give_infusions` -- which offered infusions each patient took (infusions with no effect);
- :func:`split_at_exposure` -- long (start, stop] format for a time-varying Cox model;
- :func:`clinic_records` -- what the clinic's records show when some dying patients stop coming;
- :func:`hazard_ratio_with_ci` -- a covariate's hazard ratio and 95% CI from a lifelines summary;
- :func:`patients_across_follow_up` and :func:`draw_timelines` -- a few patients' timelines.

Educational use only.
"""

import numbers

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from liverlab.parameters import generator_from_seed
from liverlab.style import OKABE_ITO

__all__ = ["INFUSION_DAYS", "infusion_clinic", "give_infusions", "split_at_exposure",
           "clinic_records", "hazard_ratio_with_ci", "patients_across_follow_up", "draw_timelines"]

INFUSION_DAYS = np.arange(0, 169, 28)  # day 0, then every 4 weeks to day 168
TIMELINE_COLUMNS = ["patient_id", "days_followed", "died", "infusion_days",
                    "day_of_third_infusion", "three_plus"]


def _series(x, name):
    if not isinstance(x, pd.Series):
        raise TypeError(f"{name} must be a pandas Series (a column of the patients' table); "
                        f"got {type(x).__name__}.")
    return x


def _probability(p, name):
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{name} must be a probability between 0 and 1; got {p!r}.")
    return float(p)


def _days_followed(days_followed):
    days = _series(days_followed, "days_followed").astype(float)
    bad = days.isna() | (days <= 0)
    if bad.any():
        raise ValueError("days_followed must be positive days for every patient (no missing "
                         f"values); got {days[bad].head(3).tolist()}.")
    return days


def infusion_clinic(cohort, *, follow_up_days, seed, p_attend=0.3):
    """The clinic: the patients of ``cohort`` decompensated at enrolment, with their infusions.

    ``cohort`` is a table of :func:`liverlab.cohorts.simulate_cirrhosis_cohort`. Follow-up is cut
    at ``follow_up_days`` (``days_followed``), and ``died`` is True for a death within it. The
    infusions come from :func:`give_infusions` (``seed``, ``p_attend``) and have no effect;
    ``three_plus`` is True for three or more. One row per patient, index 0 to n - 1.

    >>> from liverlab.cohorts import simulate_cirrhosis_cohort
    >>> clinic = infusion_clinic(simulate_cirrhosis_cohort(200, seed=1), follow_up_days=365, seed=2)
    >>> list(clinic.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['patient_id', 'meld', 'days_followed', 'died', 'infusions', 'infusion_days',
     'day_of_third_infusion', 'three_plus']
    """
    needed = ["patient_id", "stage", "meld", "days_to_event", "event"]
    if not isinstance(cohort, pd.DataFrame) or any(c not in cohort.columns for c in needed):
        raise TypeError(f"cohort must be a table of simulate_cirrhosis_cohort, with the columns "
                        f"{needed}.")
    if (isinstance(follow_up_days, (bool, np.bool_)) or not isinstance(follow_up_days, numbers.Real)
            or follow_up_days <= 0):
        raise ValueError("follow_up_days must be a positive number of days; "
                         f"got {follow_up_days!r}.")
    decompensated = cohort[cohort["stage"] == "decompensated"]
    if decompensated.empty:
        raise ValueError("cohort has no patient decompensated at enrolment.")
    days = decompensated["days_to_event"]
    clinic = pd.DataFrame({
        "patient_id": decompensated["patient_id"],
        "meld": decompensated["meld"],
        "days_followed": days.clip(upper=follow_up_days),
        "died": (decompensated["event"] == "death") & (days <= follow_up_days),
    }).reset_index(drop=True)
    clinic = clinic.join(give_infusions(clinic["days_followed"], seed=seed, p_attend=p_attend))
    clinic["three_plus"] = clinic["infusions"] >= 3
    return clinic


def give_infusions(days_followed, *, seed, p_attend=0.3, infusion_days=INFUSION_DAYS):
    """The clinic's infusion record; the infusions have NO effect on survival.

    Everyone is infused on day 0 (``infusion_days[0]``); each later offered infusion is taken with
    probability ``p_attend``, whatever the patient's health, but only by a patient still alive and
    followed on that day (day < ``days_followed``). Returns one row per patient, on the index of
    ``days_followed``: ``infusions`` (count), ``infusion_days`` (tuple of days) and
    ``day_of_third_infusion`` (NaN for fewer than three).

    >>> give_infusions(pd.Series([10.0, 400.0]), seed=1, p_attend=1.0)
       infusions                   infusion_days  day_of_third_infusion
    0          1                            (0,)                    NaN
    1          7  (0, 28, 56, 84, 112, 140, 168)                   56.0
    """
    days = _days_followed(days_followed).to_numpy()
    p_attend = _probability(p_attend, "p_attend")
    offered = np.asarray(infusion_days)
    rng = generator_from_seed(seed, what="infusion record")
    takes = rng.random((len(days), len(offered))) < p_attend
    takes[:, 0] = True
    received = takes & (offered < days[:, None])
    count_so_far = received.cumsum(axis=1)
    day_of_third = offered[np.argmax(count_so_far >= 3, axis=1)]
    return pd.DataFrame({
        "infusions": count_so_far[:, -1],
        "infusion_days": [tuple(int(d) for d in offered[r]) for r in received],
        "day_of_third_infusion": np.where(count_so_far[:, -1] >= 3, day_of_third, np.nan),
    }, index=days_followed.index)


def split_at_exposure(patient_id, days_followed, died, day_exposed, *, exposure="exposed"):
    """Long format for a time-varying Cox model: one row per patient per period (start, stop].

    A period (start, stop] runs from just after ``start`` to ``stop`` inclusive, so an event on
    day ``stop`` belongs to it. A patient never exposed (``day_exposed`` NaN) has one row,
    unexposed, from 0 to ``days_followed``; a patient exposed on ``day_exposed`` has two:
    unexposed from 0 to that day, then exposed to ``days_followed``. ``died`` is True only on a
    patient's last row. Columns: ``patient_id``, ``start``, ``stop``, the exposure (named by
    ``exposure``), ``died``.

    >>> split_at_exposure(pd.Series([1, 2]), pd.Series([100.0, 50.0]), pd.Series([True, True]),
    ...                   pd.Series([30.0, np.nan]), exposure="treated")
       patient_id  start   stop  treated   died
    0           1    0.0   30.0    False  False
    1           1   30.0  100.0     True   True
    2           2    0.0   50.0    False   True
    """
    days = _days_followed(days_followed)
    inputs = [_series(x, name) for x, name in
              ((patient_id, "patient_id"), (died, "died"), (day_exposed, "day_exposed"))]
    if any(not x.index.equals(days.index) for x in inputs):
        raise ValueError("patient_id, days_followed, died and day_exposed must be columns of one "
                         "table (same index).")
    patient_id, died, day_exposed = inputs
    exposed = day_exposed.notna()
    bad = exposed & ((day_exposed <= 0) | (day_exposed >= days))
    if bad.any():
        raise ValueError("day_exposed must lie inside follow-up (0 < day_exposed < days_followed) "
                         f"or be NaN; patients {patient_id[bad].head(3).tolist()} break this.")
    died = died.astype(bool)
    before = pd.DataFrame({"patient_id": patient_id, "start": 0.0,
                           "stop": day_exposed.where(exposed, days),
                           exposure: False, "died": died & ~exposed})
    after = pd.DataFrame({"patient_id": patient_id, "start": day_exposed, "stop": days,
                          exposure: True, "died": died})[exposed]
    return (pd.concat([before, after]).sort_values(["patient_id", "start"], kind="stable")
            .reset_index(drop=True))


def clinic_records(days_followed, died, *, seed, p_stops_coming=0.5, max_days_before_death=91):
    """What the clinic's own records show when some dying patients stop coming.

    Each patient who dies stops coming with probability ``p_stops_coming``; the clinic last sees
    them on a day drawn uniformly from 1 to ``max_days_before_death`` days before death (not
    before day 0), never learns of the death, and records the patient as alive on that day
    (censored). Everyone else is recorded exactly. Returns one row per patient:
    ``days_recorded`` and ``death_recorded``.

    >>> clinic_records(pd.Series([200.0, 300.0]), pd.Series([True, False]), seed=1,
    ...                p_stops_coming=0.0)
       days_recorded  death_recorded
    0          200.0            True
    1          300.0           False
    """
    days = _days_followed(days_followed)
    died = _series(died, "died").astype(bool)
    p_stops_coming = _probability(p_stops_coming, "p_stops_coming")
    if (isinstance(max_days_before_death, (bool, np.bool_))
            or not isinstance(max_days_before_death, numbers.Integral)
            or max_days_before_death < 1):
        raise ValueError("max_days_before_death must be a whole number of days >= 1; "
                         f"got {max_days_before_death!r}.")
    rng = generator_from_seed(seed, what="clinic's records")
    stops_coming = died & (rng.random(len(died)) < p_stops_coming)
    last_seen = (days - rng.integers(1, max_days_before_death + 1, len(died))).clip(lower=0)
    return pd.DataFrame({"days_recorded": days.where(~stops_coming, last_seen),
                         "death_recorded": died & ~stops_coming})


def hazard_ratio_with_ci(summary, covariate):
    """[hazard ratio, lower, upper] of ``covariate`` from a lifelines model's ``.summary``."""
    if covariate not in summary.index:
        raise KeyError(f"{covariate!r} is not a covariate of this model; its covariates are "
                       f"{list(summary.index)}.")
    return summary.loc[covariate, ["exp(coef)", "exp(coef) lower 95%",
                                   "exp(coef) upper 95%"]].tolist()


def patients_across_follow_up(group, quantiles=(0.1, 0.4, 0.7, 0.95)):
    """The patients of ``group`` at these quantiles of ``days_followed`` (shortest first).

    Ties are broken by ``patient_id``.

    >>> patients_across_follow_up(pd.DataFrame({"patient_id": [1, 2, 3],
    ...                                         "days_followed": [30.0, 10.0, 20.0]}), (0, 1))
       patient_id  days_followed
    1           2           10.0
    0           1           30.0
    """
    if len(group) == 0:
        raise ValueError("group has no patients to choose from.")
    ordered = group.sort_values(["days_followed", "patient_id"])
    return ordered.iloc[[int(q * (len(ordered) - 1)) for q in quantiles]]


def draw_timelines(ax, patients):
    """One line per patient on ``ax``: follow-up, infusions (dots), death (X) or end of records (>).

    Patients with ``three_plus`` are drawn solid blue with a grey band for the wait until their
    third infusion (immortal time for the "3 or more" label), the others dashed orange; a legend
    explains the marks. ``patients`` needs the columns of ``TIMELINE_COLUMNS``.
    """
    missing = [c for c in TIMELINE_COLUMNS if c not in patients.columns]
    if missing:
        raise KeyError(f"draw_timelines needs the columns {TIMELINE_COLUMNS}; missing {missing}.")
    blue, orange = OKABE_ITO[:2]
    for row, (_, p) in enumerate(patients.iterrows()):
        colour, line = (blue, "-") if p["three_plus"] else (orange, "--")
        if p["three_plus"]:
            ax.plot([0, p["day_of_third_infusion"]], [row, row], color="grey", linewidth=9,
                    alpha=0.35, solid_capstyle="butt")
        ax.plot([0, p["days_followed"]], [row, row], color=colour, linestyle=line, linewidth=2)
        ax.scatter(p["infusion_days"], [row] * len(p["infusion_days"]), color=colour, s=25,
                   zorder=3)
        ax.scatter(p["days_followed"], row, marker="X" if p["died"] else ">", color="black",
                   s=50, zorder=3)
    ax.set_yticks(range(len(patients)), [f"patient {i}" for i in patients["patient_id"]])
    ax.legend(handles=[
        Line2D([], [], color=blue, label="3 or more infusions"),
        Line2D([], [], color=orange, linestyle="--", label="1 or 2 infusions"),
        Line2D([], [], color="grey", alpha=0.35, linewidth=9, label="waiting for the 3rd infusion"),
        Line2D([], [], color="black", marker="X", linestyle="", label="death"),
        Line2D([], [], color="black", marker=">", linestyle="", label="alive at end of records"),
    ], loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
