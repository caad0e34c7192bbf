"""Before-after case series and randomized trials in decompensated cirrhosis, with known truth.

A clinic enrols patients with advanced cirrhosis, gives them a new treatment, and reports that
albumin rose and bilirubin, ALT, AST, INR and MELD fell. This module simulates such a clinic,
where every mechanism that moves the numbers is known, so that a notebook can take the
"improvement" apart:

- :class:`Cited`, a parameter value with its unit and source;
- :class:`CaseSeriesParameters`, every parameter in one frozen dataclass, range-checked, with
  :meth:`CaseSeriesParameters.table` for the notebook and
  :meth:`CaseSeriesParameters.without` to switch a mechanism off;
- :func:`simulate_case_series`, the uncontrolled before-after series (everyone treated);
- :func:`simulate_randomized_trial`, the same patients and mechanisms with a concurrent,
  1:1 randomized control arm;
- :func:`decompose_change`, the apparent change among completers split, exactly, into
  regression to the mean, natural course, co-interventions, treatment, attrition and
  follow-up measurement noise;
- :func:`compare_arms`, the randomized comparison (difference between arms, 95% CI).

The model
---------
Seven latent lab values per patient: ln bilirubin, ln(INR - 1), ln creatinine, ln ALT, ln AST
(log-normal labs) and albumin, sodium (normal). Visits: screening (day -14), baseline (day 0),
3 months (day 91), 6 months (day 182).

1. **Population.** Each patient's set point is drawn from a multivariate normal with the
   medians and spreads of the CANONIC cohort (hospitalised acute decompensation), sodium from
   a Brazilian acute-decompensation cohort and the US waitlist. Correlations between labs are
   course assumptions.
2. **Fluctuation ("bad spells").** On top of the set point the true state wanders: a
   stationary Ornstein-Uhlenbeck process per lab (correlated like the labs; SDs
   ``spell_sd_*``, 2.5 x the healthy within-person CV: a course assumption, see
   ``_SPELL``) whose correlation decays as
   exp(-days / ``spell_duration_days``). Patients come to the clinic when they are unwell:
   a share ``presentation_in_bad_spell`` of them is screened in the worse half of their
   fluctuation. Those screened in a bad spell improve afterwards by themselves.
3. **Measurement.** Each visit's measured value is true x exp(e), e ~ N(-s^2/2, s^2) with
   s^2 = ln(1 + CVI^2 + CVA^2) (biological day-to-day plus analytical variation; mean-
   preserving, so E[measured | true] = true). Prothrombin time (PT) is measured; the INR
   follows as (PT / MNPT)^ISI. Measured values are rounded as a laboratory reports them.
4. **Enrolment.** Candidates are screened until ``n`` qualify on their *measured* screening
   value (default MELD >= 15): selection on a noisy value taken in a bad spell. The baseline
   visit is a new measurement 14 days later, when the spell has only partly settled.
5. **From baseline on**, three mechanisms move the true labs, in this order:
   natural course (disease progression: a drift per year, with patient-to-patient spread),
   co-interventions started at enrolment (alcohol abstinence, antivirals for hepatitis B,
   albumin infusions, diuretics; each approaches its full effect as 1 - exp(-days / onset)),
   and the treatment under study (``true_effect``, reached linearly by 3 months).
6. **Attrition: death, transplant and drop-out.** The 3-month mortality of Wiesner 2003 for
   each stratum of *true* MELD is turned into a cumulative hazard, -ln(1 - p); H_death is the
   mean of the hazards at the start and end of a 3-month interval (so patients who worsen die
   more often). A share ``transplant_listed`` of the patients (0 by default: the clinic's
   patients are not on a waiting list) is listed for transplant and has a transplant hazard
   H_tx by true MELD stratum, built the same way. Death and transplant compete: an event
   happens with probability 1 - exp(-(H_death + H_tx)) and is a death with probability
   H_death / (H_death + H_tx); a transplanted patient leaves the study alive. A patient still
   in the study then drops out with probability 1 - (1 - q)^exp(b x dMELD), q =
   ``dropout_per_3_months`` and dMELD the change of true MELD from baseline to the end of the
   interval: with b = ``dropout_log_hazard_ratio_per_meld_point`` = 0 (default) drop-out is
   missing completely at random; b > 0 makes patients who worsen drop out more often
   (informative drop-out). Measured labs are missing (NaN) for the dead, the transplanted and
   the dropped out, as in a completers analysis. With the defaults the transplant and
   informative drop-out parts change nothing: the same seed gives the same frame as before
   they were added (their random numbers come from a child generator spawned from the seed).

True values and the decomposition
---------------------------------
``true_<outcome>`` is the value without measurement error. It is built as a chain of
counterfactuals: T0 (set point and fluctuation only), T1 = T0 + natural course,
T2 = T1 + co-interventions, T3 = T2 + treatment = ``true_<outcome>``, and

- ``<outcome>_from_natural_course`` = outcome(T1) - outcome(T0),
- ``<outcome>_from_cointerventions`` = outcome(T2) - outcome(T1),
- ``<outcome>_from_treatment`` = outcome(T3) - outcome(T2),

each 0 at screening and baseline. For MELD "outcome(.)" is :func:`liverlab.scores.meld` of the
labs, so rounding and the bounds are respected and the three contributions still add up exactly
(the order of the chain decides how an interaction is shared: MELD is not additive, so
splitting a change between mechanisms in a fixed order is a modelling choice, not a fact about
the patients). The measurement error is
``<outcome> - true_<outcome>``. True values and contributions are filled on every row, also
after death or drop-out: there they are the values the patient *would* have had, which a
simulation knows and a study never sees. :func:`decompose_change` uses them to split the
completers' apparent change exactly.

Not modelled: hepatocellular carcinoma, acute-on-chronic liver failure as a separate state,
what happens after a transplant, liver stiffness and ascites grade, adherence.

Every patient in these data is SYNTHETIC. Educational use only.
"""

import dataclasses
import math
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from liverlab.parameters import Cited, generator_from_seed
from liverlab.scores import meld, meld_na

__all__ = [
    "Cited",
    "CaseSeriesParameters",
    "simulate_case_series",
    "simulate_randomized_trial",
    "decompose_change",
    "compare_arms",
    "mean_change",
    "plot_percent_change",
    "plot_decomposition",
    "VISITS",
    "VISIT_DAYS",
    "LAB_COLUMNS",
    "OUTCOME_COLUMNS",
    "MECHANISMS",
    "COMPONENTS",
    "RTM_PARTS",
]

VISITS = ("screening", "baseline", "3 months", "6 months")
VISIT_DAYS_AFTER_BASELINE = (0, 91, 182)           # baseline, 3 months, 6 months
VISIT_DAYS = (-14,) + VISIT_DAYS_AFTER_BASELINE     # with the default screening lead time
LAB_COLUMNS = ("bilirubin_mg_dl", "albumin_g_dl", "inr", "prothrombin_time_s",
               "creatinine_mg_dl", "sodium_mmol_l", "alt_u_l", "ast_u_l")
OUTCOME_COLUMNS = LAB_COLUMNS + ("meld", "meld_na")
MECHANISMS = ("natural_course", "cointerventions", "treatment")
COMPONENTS = ("apparent change among completers", "regression to the mean", "natural course",
              "co-interventions", "treatment", "attrition (death, transplant and drop-out)",
              "measurement noise at follow-up")
# With decompose_change(..., split_rtm=True) the regression-to-the-mean row is split in two.
RTM_PARTS = ("regression to the mean: recovery from the bad spell",
             "regression to the mean: measurement error at the 'before' visit")
AETIOLOGIES = ("alcohol", "hbv", "other")
ARMS = ("control", "treatment")
ENROLMENT_VARIABLES = ("meld", "meld_na") + LAB_COLUMNS
SWITCHES = ("measurement_error", "fluctuation", "natural_course", "cointerventions", "deaths",
            "transplant", "dropout")
# Field-name prefixes switched off by CaseSeriesParameters.without ("cointerventions" switches
# off the fields ending in "_uptake").
_SWITCH_PREFIXES = {"measurement_error": ("cvi_", "cva_"), "fluctuation": ("spell_sd_",),
                    "natural_course": ("drift_",), "deaths": ("death_3mo",),
                    "transplant": ("transplant_",), "dropout": ("dropout_",)}

# Latent variables, in this order (log scale for L, natural scale for N):
# 0 ln bilirubin (L), 1 ln(INR - 1) (L), 2 ln creatinine (L), 3 albumin g/dL (N),
# 4 sodium mmol/L (N), 5 ln ALT (L), 6 ln AST (L).
_N_LATENT = 7
# Direction in which each latent variable "improves" (used for the treatment effect), and in
# which it worsens (used for the severity index of a bad spell).
_IMPROVES = np.array([-1.0, -1.0, 0.0, 1.0, 0.0, -1.0, -1.0])
_WORSE = np.array([1.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0])
# Limits the true and measured values are kept within (the scores' plausibility limits are wider).
_LIMITS = {"bilirubin_mg_dl": (0.1, 50.0), "inr": (0.8, 10.0), "creatinine_mg_dl": (0.2, 15.0),
           "albumin_g_dl": (1.0, 5.5), "sodium_mmol_l": (110.0, 165.0),
           "alt_u_l": (3.0, 5000.0), "ast_u_l": (3.0, 8000.0),
           "prothrombin_time_s": (8.0, 99.0)}
# Reporting precision of the laboratory.
_DECIMALS = {"bilirubin_mg_dl": 1, "albumin_g_dl": 1, "inr": 2, "prothrombin_time_s": 1,
             "creatinine_mg_dl": 2, "sodium_mmol_l": 0, "alt_u_l": 0, "ast_u_l": 0}
# MELD strata of Wiesner 2003: <= 9, 10-19, 20-29, 30-39, >= 40.
_MELD_STRATUM_EDGES = np.array([9.5, 19.5, 29.5, 39.5])

_CANONIC = "CANONIC (n = 831, hospitalised acute decompensation), PMC10359524 Table 1"


# Cited (value, unit, source) lives in liverlab.parameters, shared with liverlab.cohorts.


# Range checks: field -> (low, high, low inclusive, high inclusive, what, hint) --------------

def _range(low, high, what, hint, low_closed=True, high_closed=True):
    return (low, high, low_closed, high_closed, what, hint)


_PROB = _range(0.0, 1.0, "a probability between 0 and 1",
               "Did you enter a percentage (e.g. 6.0 instead of 0.060)?")
_PROB_LT1 = _range(0.0, 1.0, "a probability in [0, 1)",
                   "Did you enter a percentage (e.g. 5 instead of 0.05)?", high_closed=False)
_CV = _range(0.0, 1.0, "a coefficient of variation as a fraction, in [0, 1)",
             "Enter 0.044 for 4.4%.", high_closed=False)
_SDLOG = _range(0.0, 3.0, "a standard deviation on the log scale, in (0, 3]",
                "Use (ln Q3 - ln Q1) / 1.349 from a median and IQR.", low_closed=False)
_CORR = _range(-0.9, 0.9, "a correlation between -0.9 and 0.9", "Correlations are unitless.")
_RATIO = _range(0.2, 5.0, "a ratio (true value after / before) between 0.2 and 5",
                "1 means no effect; 0.75 means the true value falls by 25%.")
_ONSET = _range(1.0, 365.0, "a time constant in days between 1 and 365",
                "The effect reaches 63% of its full size after this many days.")
_SPELL_LOG = _range(0.0, 2.0, "a standard deviation on the log scale between 0 and 2",
                    "0.5 means spells move the true value by about 50% (SD); 0 switches it off.")
_LOG_DRIFT = _range(-1.0, 1.0, "a drift of the log value per year between -1 and 1",
                    "0.10 means the true value rises about 10% per year.")
_LOG_DRIFT_SD = _range(0.0, 1.0, "a standard deviation of the log drift per year in [0, 1]",
                       "0.10 means patients' yearly drifts differ by about 10% (SD).")

_RANGES = {
    "screening_days_before_baseline": _range(1.0, 90.0, "a number of days between 1 and 90",
                                             "Enter days, not weeks."),
    "enrolment_cutoff": None,   # checked against the enrolment variable, see __post_init__
    "bilirubin_median_mg_dl": _range(0.2, 30.0, "a median in mg/dL between 0.2 and 30",
                                     "Values above 30 look like umol/L; divide by 17.1."),
    "bilirubin_sdlog": _SDLOG,
    "inr_excess_median": _range(0.01, 5.0, "the median of INR - 1, between 0.01 and 5",
                                "Enter the median INR minus 1 (INR 1.48 -> 0.48)."),
    "inr_excess_sdlog": _SDLOG,
    "creatinine_median_mg_dl": _range(0.2, 10.0, "a median in mg/dL between 0.2 and 10",
                                      "Values above 10 look like umol/L; divide by 88.4."),
    "creatinine_sdlog": _SDLOG,
    "albumin_mean_g_dl": _range(1.5, 5.0, "a mean in g/dL between 1.5 and 5",
                                "Values above 5 look like g/L; divide by 10."),
    "albumin_sd_g_dl": _range(0.0, 1.5, "a standard deviation in g/dL, in (0, 1.5]",
                              "Values above 1.5 look like g/L.", low_closed=False),
    "sodium_mean_mmol_l": _range(120.0, 150.0, "a mean in mmol/L between 120 and 150",
                                 "Check the unit (mmol/L)."),
    "sodium_sd_mmol_l": _range(0.0, 15.0, "a standard deviation in mmol/L, in (0, 15]",
                               "Check the unit (mmol/L).", low_closed=False),
    "alt_median_u_l": _range(5.0, 1000.0, "a median in U/L between 5 and 1000",
                             "Values in ukat/L must be multiplied by 60."),
    "alt_sdlog": _SDLOG,
    "ast_median_u_l": _range(5.0, 1000.0, "a median in U/L between 5 and 1000",
                             "Values in ukat/L must be multiplied by 60."),
    "ast_sdlog": _SDLOG,
    "corr_bilirubin_inr": _CORR,
    "corr_bilirubin_albumin": _CORR,
    "corr_inr_albumin": _CORR,
    "corr_bilirubin_ast": _CORR,
    "corr_alt_ast": _CORR,
    "corr_creatinine_sodium": _CORR,
    "prothrombin_mnpt_s": _range(8.0, 20.0, "a mean normal prothrombin time in seconds "
                                 "between 8 and 20", "Normal PT is about 10-13 s."),
    "prothrombin_isi": _range(0.8, 3.0, "an ISI between 0.8 and 3",
                              "Modern thromboplastins have ISI close to 1."),
    "aetiology_alcohol": _PROB,
    "aetiology_hbv": _PROB,
    "cvi_bilirubin": _CV,
    "cvi_albumin": _CV,
    "cva_albumin": _CV,
    "cvi_creatinine": _CV,
    "cvi_sodium": _CV,
    "cvi_prothrombin_time": _CV,
    "cvi_alt": _CV,
    "cvi_ast": _CV,
    "cva_fraction_of_cvi": _range(0.0, 2.0, "a ratio CVA / CVI between 0 and 2",
                                  "The EFLM desirable specification is 0.5."),
    "spell_sd_bilirubin_log": _SPELL_LOG,
    "spell_sd_inr_excess_log": _SPELL_LOG,
    "spell_sd_creatinine_log": _SPELL_LOG,
    "spell_sd_albumin_g_dl": _range(0.0, 1.0, "a standard deviation in g/dL between 0 and 1",
                                    "Enter g/dL, not g/L; 0 switches it off."),
    "spell_sd_sodium_mmol_l": _range(0.0, 10.0, "a standard deviation in mmol/L between 0 and "
                                     "10", "Check the unit; 0 switches it off."),
    "spell_sd_alt_log": _SPELL_LOG,
    "spell_sd_ast_log": _SPELL_LOG,
    "presentation_in_bad_spell": _PROB,
    "spell_duration_days": _range(1.0, 365.0, "a correlation time in days between 1 and 365",
                                  "Enter days."),
    "drift_bilirubin_per_year": _LOG_DRIFT,
    "drift_inr_excess_per_year": _LOG_DRIFT,
    "drift_creatinine_per_year": _LOG_DRIFT,
    "drift_albumin_g_dl_per_year": _range(-1.0, 1.0, "a drift in g/dL per year between -1 and "
                                          "1", "Enter g/dL, not g/L."),
    "drift_sodium_mmol_l_per_year": _range(-10.0, 10.0, "a drift in mmol/L per year between "
                                           "-10 and 10", "Check the unit (mmol/L)."),
    "drift_sd_log_per_year": _LOG_DRIFT_SD,
    "drift_sd_albumin_g_dl_per_year": _range(0.0, 1.0, "a standard deviation in g/dL per year "
                                             "between 0 and 1", "Enter g/dL, not g/L."),
    "drift_sd_sodium_mmol_l_per_year": _range(0.0, 10.0, "a standard deviation in mmol/L per "
                                              "year between 0 and 10", "Check the unit."),
    "abstinence_uptake": _PROB,
    "abstinence_onset_days": _ONSET,
    "abstinence_bilirubin_ratio": _RATIO,
    "abstinence_inr_excess_ratio": _RATIO,
    "abstinence_albumin_g_dl": _range(-1.0, 2.0, "a change in g/dL between -1 and 2",
                                      "Enter g/dL, not g/L."),
    "abstinence_alt_ratio": _RATIO,
    "abstinence_ast_ratio": _RATIO,
    "antiviral_uptake": _PROB,
    "antiviral_onset_days": _ONSET,
    "antiviral_bilirubin_ratio": _RATIO,
    "antiviral_inr_excess_ratio": _RATIO,
    "antiviral_albumin_g_dl": _range(-1.0, 2.0, "a change in g/dL between -1 and 2",
                                     "Enter g/dL, not g/L."),
    "antiviral_alt_ratio": _RATIO,
    "antiviral_ast_ratio": _RATIO,
    "albumin_infusion_uptake": _PROB,
    "albumin_infusion_threshold_g_dl": _range(1.0, 5.5, "an albumin in g/dL between 1 and 5.5",
                                              "Enter g/dL, not g/L."),
    "albumin_infusion_onset_days": _ONSET,
    "albumin_infusion_g_dl": _range(-1.0, 2.0, "a change in g/dL between -1 and 2",
                                    "Enter g/dL, not g/L."),
    "diuretic_uptake": _PROB,
    "diuretic_onset_days": _ONSET,
    "diuretic_creatinine_ratio": _RATIO,
    "diuretic_sodium_mmol_l": _range(-15.0, 15.0, "a change in mmol/L between -15 and 15",
                                     "Check the unit (mmol/L)."),
    "diuretic_albumin_g_dl": _range(-1.0, 2.0, "a change in g/dL between -1 and 2",
                                    "Enter g/dL, not g/L."),
    "treatment_full_effect_days": _range(1.0, 182.0, "a number of days between 1 and 182",
                                         "Enter days."),
    "death_3mo_meld_le9": _PROB_LT1,
    "death_3mo_meld_10_19": _PROB_LT1,
    "death_3mo_meld_20_29": _PROB_LT1,
    "death_3mo_meld_30_39": _PROB_LT1,
    "death_3mo_meld_ge40": _PROB_LT1,
    "dropout_per_3_months": _PROB_LT1,
    "dropout_log_hazard_ratio_per_meld_point": _range(
        -1.0, 1.0, "a log hazard ratio per MELD point between -1 and 1",
        "0.14 = ln 2 / 5: the drop-out hazard doubles for every 5 points of worsening; 0 is "
        "drop-out at random."),
    "transplant_listed": _PROB,
    "transplant_3mo_meld_le9": _PROB_LT1,
    "transplant_3mo_meld_10_19": _PROB_LT1,
    "transplant_3mo_meld_20_29": _PROB_LT1,
    "transplant_3mo_meld_30_39": _PROB_LT1,
    "transplant_3mo_meld_ge40": _PROB_LT1,
}

# Plausible enrolment cut-offs per variable: (low, high, unit).
_CUTOFF_LIMITS = {"meld": (6.0, 40.0, "MELD points"), "meld_na": (6.0, 40.0, "MELD-Na points"),
                  "bilirubin_mg_dl": (0.1, 50.0, "mg/dL"), "albumin_g_dl": (1.0, 5.5, "g/dL"),
                  "inr": (0.8, 10.0, "INR"), "prothrombin_time_s": (8.0, 99.0, "s"),
                  "creatinine_mg_dl": (0.2, 15.0, "mg/dL"),
                  "sodium_mmol_l": (110.0, 165.0, "mmol/L"), "alt_u_l": (3.0, 5000.0, "U/L"),
                  "ast_u_l": (3.0, 8000.0, "U/L")}

_SPELL = (
    "course assumption: the multiplier {k} is not a measured value. Ricos et al. 2007 (Ann "
    "Clin Biochem 44:343, 66 quantities in 34 disease states) found within-person CV in "
    "disease of the same order as in health for most quantities [V]; stable renal-transplant "
    "patients had higher CVw than healthy people (PMC6807446) [V]. The larger swings assumed "
    "here stand for intercurrent events of decompensated cirrhosis (infection, bleed, alcohol "
    "relapse, flare), modelled as slow 'bad spells' with SD = {k} x the healthy "
    "CVI{extra} [D]. "
    "Together the spells and the measurement noise give a single MELD a within-person SD of "
    "about 2.5 points (unselected patients), between the REALISTIC control arm (90-day change "
    "SD ~1.9 [D from V] -> 1.35 per measurement) and Giannini's decompensated patients (change "
    "0 +- 4 over ~120 days [V, caveat] -> 2.8)")


@dataclass(frozen=True)
class CaseSeriesParameters:
    """Every parameter of :func:`simulate_case_series` and :func:`simulate_randomized_trial`.

    Each numeric field is a :class:`Cited` (value, unit, source); two string settings choose
    the enrolment rule. Sources carry the evidence status of the course notes
    (``research/evidence.md``): [V] verified in the primary source, [V2] via a secondary
    source, [D] derived (arithmetic shown), or "course assumption: why".

    Parameters
    ----------
    enrolment_variable : str
        Which *measured* screening value decides enrolment: ``"meld"`` (default),
        ``"meld_na"`` or a lab column such as ``"albumin_g_dl"``.
    enrolment_direction : {"above", "below"}
        ``"above"``: enrol if the value is >= the cutoff (MELD >= 15); ``"below"``: enrol if it
        is < the cutoff (albumin < 3.0 g/dL).
    enrolment_cutoff : Cited
        The cutoff, in the unit of ``enrolment_variable``.
    other fields : Cited
        See :meth:`table` for the full list with units and sources.

    Raises
    ------
    TypeError
        A numeric field that is not a :class:`Cited`; a setting that is not a string.
    ValueError
        A value outside its range (the message says which and suggests a fix); an unknown
        enrolment variable or direction; correlations that are not a valid correlation matrix;
        fluctuation larger than the population spread.

    Examples
    --------
    >>> params = CaseSeriesParameters()
    >>> params.enrolment_cutoff.value, params.enrolment_variable
    (15.0, 'meld')
    >>> albumin_rule = dataclasses.replace(
    ...     params, enrolment_variable="albumin_g_dl", enrolment_direction="below",
    ...     enrolment_cutoff=Cited(3.0, "g/dL", "course assumption: albumin < 3.0 g/dL"))
    >>> CaseSeriesParameters(dropout_per_3_months=Cited(5, "probability", "typo"))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: dropout_per_3_months must be a probability in [0, 1); got 5 (probability). ...
    """

    # Enrolment and visits ----------------------------------------------------------------
    enrolment_variable: str = "meld"
    enrolment_direction: str = "above"
    enrolment_cutoff: Cited = Cited(
        15.0, "MELD points", "course assumption: a clinic offering an experimental therapy "
        "to 'end-stage' patients; MELD 15 is about the CANONIC median, so about half of those "
        "screened qualify")
    screening_days_before_baseline: Cited = Cited(
        14.0, "days", "course assumption: eligibility labs two weeks before the first infusion")

    # Population (true set points) ---------------------------------------------------------
    bilirubin_median_mg_dl: Cited = Cited(3.0, "mg/dL", f"{_CANONIC}: median 3.0 [V]")
    bilirubin_sdlog: Cited = Cited(
        1.08, "SD of ln(mg/dL)", f"[D] (ln 6.88 - ln 1.6) / 1.349 from the IQR, {_CANONIC}")
    inr_excess_median: Cited = Cited(0.48, "INR - 1", f"{_CANONIC}: INR median 1.48 [V]")
    inr_excess_sdlog: Cited = Cited(
        0.78, "SD of ln(INR - 1)", f"[D] (ln 0.83 - ln 0.29) / 1.349 from the IQR, {_CANONIC}")
    creatinine_median_mg_dl: Cited = Cited(0.95, "mg/dL", f"{_CANONIC}: median 0.95 [V]")
    creatinine_sdlog: Cited = Cited(
        0.49, "SD of ln(mg/dL)", f"[D] (ln 1.4 - ln 0.72) / 1.349 from the IQR, {_CANONIC}")
    albumin_mean_g_dl: Cited = Cited(2.9, "g/dL", f"{_CANONIC}: median 2.9 [V]")
    albumin_sd_g_dl: Cited = Cited(
        0.6, "g/dL", f"[D] IQR (2.5-3.3) / 1.349 = 0.59, {_CANONIC}")
    sodium_mean_mmol_l: Cited = Cited(
        135.0, "mmol/L", "World J Hepatol 2016;8:739 Table 1, acute decompensation (n = 189): "
        "median 135 [V]")
    sodium_sd_mmol_l: Cited = Cited(
        5.0, "mmol/L", "[D] Biggins 2006 waitlist: median 137, 8% below 130 [V] -> "
        "(137 - 130) / 1.405 = 5.0")
    alt_median_u_l: Cited = Cited(35.0, "U/L", f"{_CANONIC}: median 35 [V]")
    alt_sdlog: Cited = Cited(
        0.68, "SD of ln(U/L)", f"[D] (ln 55 - ln 22) / 1.349 from the IQR, {_CANONIC}")
    ast_median_u_l: Cited = Cited(62.0, "U/L", f"{_CANONIC}: median 62 [V]")
    ast_sdlog: Cited = Cited(
        0.73, "SD of ln(U/L)", f"[D] (ln 101 - ln 37.5) / 1.349 from the IQR, {_CANONIC}")
    corr_bilirubin_inr: Cited = Cited(
        0.45, "correlation", "course assumption: evidence.md suggests 0.4-0.5 [U]")
    corr_bilirubin_albumin: Cited = Cited(
        -0.30, "correlation", "course assumption: evidence.md suggests about -0.3 [U]")
    corr_inr_albumin: Cited = Cited(
        -0.30, "correlation", "course assumption: both reflect synthetic function")
    corr_bilirubin_ast: Cited = Cited(
        0.30, "correlation", "course assumption: hepatocellular injury raises both")
    corr_alt_ast: Cited = Cited(
        0.80, "correlation", "course assumption: the two transaminases move together")
    corr_creatinine_sodium: Cited = Cited(
        -0.20, "correlation", "course assumption: hyponatraemia and renal dysfunction go "
        "together in decompensation")
    prothrombin_mnpt_s: Cited = Cited(
        12.0, "s", "course assumption: mean normal prothrombin time of the laboratory "
        "(normal about 10-13 s)")
    prothrombin_isi: Cited = Cited(
        1.0, "ISI", "course assumption: INR = (PT / MNPT)^ISI with ISI about 1 (evidence.md "
        "section 3.1 [D])")
    aetiology_alcohol: Cited = Cited(
        0.40, "proportion", "course assumption: REALISTIC had 37/81 alcohol-related [V]; the "
        "UC-MSC trials were hepatitis B populations [V]; a mixed clinic is assumed")
    aetiology_hbv: Cited = Cited(
        0.40, "proportion", "course assumption (see aetiology_alcohol); the rest is 'other'")

    # Measurement (independent at every visit) ----------------------------------------------
    cvi_bilirubin: Cited = Cited(
        0.20, "fraction (CV)", "course assumption: evidence.md gives ~20-25% without a "
        "retrieved source [U]; EuBIVAS (Aarsand 2018, Clin Chem) has a value that could not be "
        "retrieved; bilirubin is among the most variable analytes (Clin Chem 1979;25:1799 "
        "[V]). Lower end taken")
    cvi_albumin: Cited = Cited(
        0.025, "fraction (CV)", "EuBIVAS summary, Carobene 2022 CCLM 60:505, Table 2: 2.5% "
        "[V2]")
    cva_albumin: Cited = Cited(
        0.015, "fraction (CV)", "EuBIVAS summary, Carobene 2022 CCLM 60:505, Table 2: CVA "
        "1.50% [V2]")
    cvi_creatinine: Cited = Cited(
        0.044, "fraction (CV)", "EuBIVAS creatinine, Carobene 2017 Clin Chem 63:1527, "
        "enzymatic: 4.4% [V2]")
    cvi_sodium: Cited = Cited(
        0.010, "fraction (CV)", "NHANES, Lacher et al. Clin Chem: CVw 1.0%, includes "
        "analytical variation [V]")
    cvi_prothrombin_time: Cited = Cited(
        0.032, "fraction (CV)", "Zengi & Ucar 2023, Turk J Biochem: 3.2% (26 healthy adults) "
        "[V]")
    cvi_alt: Cited = Cited(0.093, "fraction (CV)", "EuBIVAS, 91 healthy adults: 9.3% [V]")
    cvi_ast: Cited = Cited(0.095, "fraction (CV)", "EuBIVAS, 91 healthy adults: 9.5% [V]")
    cva_fraction_of_cvi: Cited = Cited(
        0.5, "ratio CVA / CVI", "EFLM desirable specification CVA <= 0.5 CVI (Sandberg, "
        "CCLM 2024) [V2]; used for bilirubin, creatinine, PT, ALT and AST")

    # Slow fluctuation of the true state ("bad spells") ------------------------------------
    spell_sd_bilirubin_log: Cited = Cited(
        0.50, "SD of ln(mg/dL)", _SPELL.format(k="2.5", extra=" (bilirubin CVI 0.20: 0.50)"))
    spell_sd_inr_excess_log: Cited = Cited(
        0.25, "SD of ln(INR - 1)", _SPELL.format(
            k="2.5", extra=" (PT CVI 0.032 x ISI 1, on ln(INR - 1) at INR 1.48: x 1.48 / 0.48;"
            " 2.5 x 0.099 = 0.25)"))
    spell_sd_creatinine_log: Cited = Cited(
        0.11, "SD of ln(mg/dL)", _SPELL.format(k="2.5", extra=" (creatinine CVI 0.044: 0.11)"))
    spell_sd_albumin_g_dl: Cited = Cited(
        0.18, "g/dL", _SPELL.format(k="2.5", extra=" (albumin CVI 0.025 x 2.9 g/dL: 0.18)"))
    spell_sd_sodium_mmol_l: Cited = Cited(
        3.4, "mmol/L", _SPELL.format(k="2.5", extra=" (sodium CVw 0.010 x 135 mmol/L: 3.4)"))
    spell_sd_alt_log: Cited = Cited(
        0.23, "SD of ln(U/L)", _SPELL.format(k="2.5", extra=" (ALT CVI 0.093: 0.23)"))
    spell_sd_ast_log: Cited = Cited(
        0.24, "SD of ln(U/L)", _SPELL.format(k="2.5", extra=" (AST CVI 0.095: 0.24)"))
    presentation_in_bad_spell: Cited = Cited(
        1.0, "proportion", "course assumption: patients come to a clinic that advertises to "
        "'end-stage' patients when they are unwell; this share of them is screened in the worse "
        "half of their fluctuation (the rest at a random moment)")
    spell_duration_days: Cited = Cited(
        60.0, "days (correlation time)", "course assumption: a bad spell settles over weeks "
        "to a few months (e.g. ALT flares: LSM 16.8 -> 7.9 kPa by 3-6 months, Fung 2010 [V])")

    # Natural course (from baseline on) ----------------------------------------------------
    drift_bilirubin_per_year: Cited = Cited(
        0.05, "change of ln(bilirubin) per year", "course assumption: untreated decompensated "
        "cirrhosis worsens (D'Amico 2006 stages [V2]); no verified lab slope. With the other "
        "drifts true MELD rises by about 0.5 point per year on average")
    drift_inr_excess_per_year: Cited = Cited(
        0.05, "change of ln(INR - 1) per year", "course assumption (see "
        "drift_bilirubin_per_year)")
    drift_creatinine_per_year: Cited = Cited(
        0.025, "change of ln(creatinine) per year", "course assumption (see "
        "drift_bilirubin_per_year)")
    drift_albumin_g_dl_per_year: Cited = Cited(
        -0.05, "g/dL per year", "course assumption (see drift_bilirubin_per_year)")
    drift_sodium_mmol_l_per_year: Cited = Cited(
        -0.5, "mmol/L per year", "course assumption (see drift_bilirubin_per_year)")
    drift_sd_log_per_year: Cited = Cited(
        0.30, "SD of the log drift per year", "course assumption: patients progress at very "
        "different speeds, and those who worsen die (Giannini: MELD change 0 +- 4 in survivors "
        "vs +4 +- 2 in non-survivors over ~120 days [V, caveat]); applies to the five "
        "log-scale labs")
    drift_sd_albumin_g_dl_per_year: Cited = Cited(
        0.10, "g/dL per year", "course assumption (see drift_sd_log_per_year)")
    drift_sd_sodium_mmol_l_per_year: Cited = Cited(
        1.0, "mmol/L per year", "course assumption (see drift_sd_log_per_year)")

    # Co-interventions started at enrolment (both arms of a trial) --------------------------
    abstinence_uptake: Cited = Cited(
        0.5, "proportion of alcohol-related", "course assumption: enrolment and closer "
        "follow-up prompt half of the drinkers to stop")
    abstinence_onset_days: Cited = Cited(
        60.0, "days", "course assumption: liver tests improve over weeks to months of "
        "abstinence")
    abstinence_bilirubin_ratio: Cited = Cited(
        0.65, "ratio", "course assumption: illustrative size, no source retrieved")
    abstinence_inr_excess_ratio: Cited = Cited(
        0.85, "ratio", "course assumption: illustrative size, no source retrieved")
    abstinence_albumin_g_dl: Cited = Cited(
        0.2, "g/dL", "course assumption: illustrative size, no source retrieved")
    abstinence_alt_ratio: Cited = Cited(
        0.75, "ratio", "course assumption: illustrative size, no source retrieved")
    abstinence_ast_ratio: Cited = Cited(
        0.60, "ratio", "course assumption: AST falls more than ALT in alcohol-related disease; "
        "illustrative size")
    antiviral_uptake: Cited = Cited(
        0.6, "proportion of hepatitis B", "course assumption: the rest were already treated")
    antiviral_onset_days: Cited = Cited(
        120.0, "days", "course assumption: the entecavir effect builds over the first year")
    antiviral_bilirubin_ratio: Cited = Cited(
        0.70, "ratio", "course assumption: lab split chosen so that true MELD falls by about "
        "2.1 points at full effect (3.78 ln 0.70 + 11.2 ln((1 + 0.48 x 0.80) / 1.48) [D]); "
        "entecavir review: after 1 year mean MELD fell by >2 points "
        "[V] (core.ac.uk/works/138365589)")
    antiviral_inr_excess_ratio: Cited = Cited(
        0.80, "ratio", "course assumption (see antiviral_bilirubin_ratio)")
    antiviral_albumin_g_dl: Cited = Cited(
        0.3, "g/dL", "course assumption (see antiviral_bilirubin_ratio)")
    antiviral_alt_ratio: Cited = Cited(
        0.50, "ratio", "course assumption: viral suppression normalises ALT")
    antiviral_ast_ratio: Cited = Cited(
        0.60, "ratio", "course assumption (see antiviral_alt_ratio)")
    albumin_infusion_uptake: Cited = Cited(
        0.5, "proportion of eligible", "course assumption: half of the patients with low "
        "screening albumin get regular infusions")
    albumin_infusion_threshold_g_dl: Cited = Cited(
        3.0, "g/dL", "course assumption: infusions offered if measured screening albumin is "
        "below this")
    albumin_infusion_onset_days: Cited = Cited(
        14.0, "days", "course assumption: ANSWER regimen 40 g twice weekly for 2 weeks, then "
        "weekly (Caraceni 2018 Lancet [V])")
    albumin_infusion_g_dl: Cited = Cited(
        0.6, "g/dL", "course assumption: infusions raise serum albumin directly; size "
        "illustrative. A follow-up analysis of ANSWER (Caraceni et al., J Hepatol; seen only "
        "as a copy of its graphical abstract [V2]) used an on-treatment serum albumin of 4.0 "
        "g/dL at 1 month as survival threshold and reports that 20.7% of treated patients "
        "failed to normalise it; baseline levels not retrieved")
    diuretic_uptake: Cited = Cited(
        0.3, "proportion", "course assumption: diuretics started or intensified at enrolment "
        "for ascites")
    diuretic_onset_days: Cited = Cited(30.0, "days", "course assumption")
    diuretic_creatinine_ratio: Cited = Cited(
        1.10, "ratio", "course assumption: diuretics can raise creatinine (pre-renal); "
        "illustrative size")
    diuretic_sodium_mmol_l: Cited = Cited(
        -2.0, "mmol/L", "course assumption: diuretics can lower sodium; illustrative size")
    diuretic_albumin_g_dl: Cited = Cited(
        0.1, "g/dL", "course assumption: haemoconcentration as ascites and oedema resolve")

    # Treatment under study -----------------------------------------------------------------
    treatment_full_effect_days: Cited = Cited(
        91.0, "days", "course assumption: the treatment effect grows linearly to its full "
        "size at 3 months, then stays")

    # Deaths and drop-out -------------------------------------------------------------------
    death_3mo_meld_le9: Cited = Cited(
        0.019, "probability in 3 months", "Wiesner 2003 Gastroenterology 124:91, MELD <= 9 "
        "[V]")
    death_3mo_meld_10_19: Cited = Cited(
        0.060, "probability in 3 months", "Wiesner 2003, MELD 10-19 [V] (MSD Manual table)")
    death_3mo_meld_20_29: Cited = Cited(
        0.196, "probability in 3 months", "Wiesner 2003, MELD 20-29 [V] (MSD Manual table)")
    death_3mo_meld_30_39: Cited = Cited(
        0.526, "probability in 3 months", "Wiesner 2003, MELD 30-39 [V] (MSD Manual table)")
    death_3mo_meld_ge40: Cited = Cited(
        0.713, "probability in 3 months", "Wiesner 2003, MELD >= 40 [V]")
    dropout_per_3_months: Cited = Cited(
        0.05, "probability in 3 months", "course assumption: loss to follow-up of an "
        "open-label clinic series; no source")
    dropout_log_hazard_ratio_per_meld_point: Cited = Cited(
        0.0, "ln(hazard ratio) per MELD point of worsening", "course assumption: 0 = drop-out "
        "missing completely at random (default). Set > 0 for informative drop-out: patients "
        "whose true MELD rises since baseline (too sick to travel, admitted elsewhere, given "
        "up on the therapy) drop out more often; ln 2 / 5 = 0.14 doubles the hazard per 5 "
        "points")

    # Transplant (a competing reason to leave the study alive) -----------------------------
    transplant_listed: Cited = Cited(
        0.0, "proportion", "course assumption: 0 by default (patients seeking an experimental "
        "therapy abroad are mostly not on a waiting list); set e.g. 0.5 for a series of "
        "listed and unlisted patients")
    transplant_3mo_meld_le9: Cited = Cited(
        0.0, "probability in 3 months (if listed)", "course assumption: MELD allocation "
        "offers almost no deceased-donor livers at this score")
    transplant_3mo_meld_10_19: Cited = Cited(
        0.05, "probability in 3 months (if listed)", "course assumption: few offers below "
        "MELD 20; illustrative")
    transplant_3mo_meld_20_29: Cited = Cited(
        0.40, "probability in 3 months (if listed)", "course assumption anchored on Hart et "
        "al. 2016 Transplantation 100:2153 [V]: for US candidates with allocation MELD 25-29 "
        "the 90-day transplant probability was 30% and 67% at the 25th and 75th percentiles "
        "of donation service areas; lower for MELD 20-24")
    transplant_3mo_meld_30_39: Cited = Cited(
        0.65, "probability in 3 months (if listed)", "course assumption: higher priority "
        "than MELD 25-29 (Hart 2016 [V] for that band); illustrative")
    transplant_3mo_meld_ge40: Cited = Cited(
        0.75, "probability in 3 months (if listed)", "course assumption: highest priority; "
        "many die before an offer; illustrative")

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in ("enrolment_variable", "enrolment_direction"):
                if not isinstance(value, str):
                    raise TypeError(f"{field.name} must be a string; got "
                                    f"{type(value).__name__} {value!r}.")
                continue
            if not isinstance(value, Cited):
                raise TypeError(f"{field.name} must be a Cited(value, unit, source); got "
                                f"{type(value).__name__} {value!r}. Wrap the number, e.g. "
                                f"Cited({value!r}, 'unit', 'course assumption: why').")
            spec = _RANGES[field.name]
            if spec is None:
                continue
            low, high, low_closed, high_closed, what, hint = spec
            x = value.value
            ok = ((x >= low if low_closed else x > low) and (x <= high if high_closed
                                                            else x < high))
            if not ok:
                raise ValueError(f"{field.name} must be {what}; got {x:g} ({value.unit}). "
                                 f"{hint}")
        if self.enrolment_variable not in ENROLMENT_VARIABLES:
            raise ValueError(f"enrolment_variable must be one of {list(ENROLMENT_VARIABLES)}; "
                             f"got {self.enrolment_variable!r}.")
        if self.enrolment_direction not in ("above", "below"):
            raise ValueError(f"enrolment_direction must be 'above' (value >= cutoff) or "
                             f"'below' (value < cutoff); got {self.enrolment_direction!r}.")
        low, high, unit = _CUTOFF_LIMITS[self.enrolment_variable]
        if not low <= self.enrolment_cutoff.value <= high:
            raise ValueError(f"enrolment_cutoff must be a plausible value of "
                             f"{self.enrolment_variable}, between {low:g} and {high:g} {unit}; "
                             f"got {self.enrolment_cutoff.value:g}. Check the unit and that "
                             "enrolment_variable is the one you meant.")
        if self.aetiology_alcohol.value + self.aetiology_hbv.value > 1:
            raise ValueError(f"aetiology_alcohol + aetiology_hbv must be at most 1 (the rest is "
                             f"'other'); got {self.aetiology_alcohol.value:g} + "
                             f"{self.aetiology_hbv.value:g}.")
        if np.linalg.eigvalsh(self._correlation())[0] <= 1e-8:
            raise ValueError("The corr_* fields do not form a valid correlation matrix (it is "
                             "not positive definite). Make the correlations smaller in size "
                             "or consistent with each other.")
        spread, slow = self._population_sd(), self._spell_sd()
        too_big = slow >= spread
        if too_big.any():
            name = ["bilirubin", "INR - 1", "creatinine", "albumin", "sodium", "ALT",
                    "AST"][int(np.flatnonzero(too_big)[0])]
            raise ValueError(f"The slow fluctuation (spell_sd_*) of {name} is as large as its "
                             "whole population spread; lower it or widen the population SD.")

    # Derived quantities (used by the simulator) -------------------------------------------

    def _correlation(self):
        r = np.eye(_N_LATENT)
        pairs = {(0, 1): self.corr_bilirubin_inr, (0, 3): self.corr_bilirubin_albumin,
                 (1, 3): self.corr_inr_albumin, (0, 6): self.corr_bilirubin_ast,
                 (5, 6): self.corr_alt_ast, (2, 4): self.corr_creatinine_sodium}
        for (i, j), c in pairs.items():
            r[i, j] = r[j, i] = c.value
        return r

    def _population_mean(self):
        return np.array([math.log(self.bilirubin_median_mg_dl.value),
                         math.log(self.inr_excess_median.value),
                         math.log(self.creatinine_median_mg_dl.value),
                         self.albumin_mean_g_dl.value, self.sodium_mean_mmol_l.value,
                         math.log(self.alt_median_u_l.value), math.log(self.ast_median_u_l.value)])

    def _population_sd(self):
        """Total spread of the true state at any moment (set point and fluctuation)."""
        return np.array([self.bilirubin_sdlog.value, self.inr_excess_sdlog.value,
                         self.creatinine_sdlog.value, self.albumin_sd_g_dl.value,
                         self.sodium_sd_mmol_l.value, self.alt_sdlog.value,
                         self.ast_sdlog.value])

    def _spell_sd(self):
        """SD of the slow fluctuation on each latent scale."""
        return np.array([self.spell_sd_bilirubin_log.value, self.spell_sd_inr_excess_log.value,
                         self.spell_sd_creatinine_log.value, self.spell_sd_albumin_g_dl.value,
                         self.spell_sd_sodium_mmol_l.value, self.spell_sd_alt_log.value,
                         self.spell_sd_ast_log.value])

    def table(self):
        """The parameters as a DataFrame for the notebook: parameter, value, unit, source.

        Returns
        -------
        pandas.DataFrame
            One row per field, in the order of the class: ``parameter`` (str), ``value``
            (float; NaN for the two string settings), ``unit`` (str), ``source`` (str; for a
            setting, its value). A source starting with "course assumption" is not from
            data.

        Examples
        --------
        >>> table = CaseSeriesParameters().table()
        >>> table.loc[table["parameter"] == "death_3mo_meld_20_29", ["value", "unit"]]
            value                     unit
        80  0.196  probability in 3 months
        """
        rows = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Cited):
                rows.append((f.name, float(value.value), value.unit, value.source))
            else:
                rows.append((f.name, float("nan"), "setting", value))
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "source"])

    def without(self, *mechanisms):
        """A copy with one or more mechanisms switched off (value 0), for what-if runs.

        Parameters
        ----------
        *mechanisms : str
            Any of ``"measurement_error"`` (all CVI and CVA), ``"fluctuation"`` (the slow
            bad spells), ``"natural_course"`` (all drifts), ``"cointerventions"`` (all
            uptakes), ``"deaths"`` (all Wiesner probabilities), ``"dropout"``.

        Returns
        -------
        CaseSeriesParameters

        Raises
        ------
        ValueError
            An unknown mechanism name.

        Examples
        --------
        >>> p = CaseSeriesParameters().without("cointerventions", "deaths")
        >>> p.antiviral_uptake.value, p.death_3mo_meld_30_39.value
        (0.0, 0.0)
        """
        unknown = [m for m in mechanisms if m not in SWITCHES]
        if unknown:
            raise ValueError(f"Unknown mechanism(s) {unknown}; choose from {list(SWITCHES)}.")
        def switched(name, mechanism):
            if mechanism == "cointerventions":
                return name.endswith("_uptake")
            return name.startswith(_SWITCH_PREFIXES[mechanism])

        changes = {}
        for mechanism in mechanisms:
            for f in dataclasses.fields(self):
                if switched(f.name, mechanism):
                    changes[f.name] = Cited(0.0, getattr(self, f.name).unit,
                                            f"switched off: without({mechanism!r})")
        return dataclasses.replace(self, **changes)


# Input validation helpers ------------------------------------------------------------------

def _check_n(n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise TypeError(f"n must be a whole number of patients (int); got {type(n).__name__} "
                        f"{n!r}. Pass e.g. n=200.")
    if n < 2:
        raise ValueError(f"n must be at least 2 patients; got {n}.")
    return int(n)


def _rng(seed):
    return generator_from_seed(seed, what="study")


def _check_effect(true_effect):
    if isinstance(true_effect, (bool, np.bool_)) or not isinstance(true_effect, numbers.Real):
        raise TypeError(f"true_effect must be a number (population SDs); got "
                        f"{type(true_effect).__name__} {true_effect!r}.")
    if not math.isfinite(true_effect) or abs(true_effect) > 3:
        raise ValueError(f"true_effect must be between -3 and 3 population SDs; got "
                         f"{true_effect!r}. 0.2 is a small effect, 0.5 a large one (see the "
                         "Notes of simulate_case_series).")
    return float(true_effect)


def _check_params(params):
    if not isinstance(params, CaseSeriesParameters):
        raise TypeError(f"params must be a CaseSeriesParameters; got {type(params).__name__}. "
                        "Start from CaseSeriesParameters() and change fields with "
                        "dataclasses.replace(...).")
    return params


# The simulator -------------------------------------------------------------------------------

def _labs_from_latent(x, p):
    """Latent array (..., 7) -> dict of true lab values (natural scale, within limits)."""
    labs = {
        "bilirubin_mg_dl": np.exp(x[..., 0]),
        "inr": 1.0 + np.exp(x[..., 1]),
        "creatinine_mg_dl": np.exp(x[..., 2]),
        "albumin_g_dl": x[..., 3],
        "sodium_mmol_l": x[..., 4],
        "alt_u_l": np.exp(x[..., 5]),
        "ast_u_l": np.exp(x[..., 6]),
    }
    labs = {k: np.clip(v, *_LIMITS[k]) for k, v in labs.items()}
    labs["prothrombin_time_s"] = np.clip(
        p.prothrombin_mnpt_s.value * labs["inr"] ** (1.0 / p.prothrombin_isi.value),
        *_LIMITS["prothrombin_time_s"])
    return labs


def _measure(true, noise, p):
    """Measured labs from true labs and standard-normal noise (dict of arrays, same shape)."""
    fraction = p.cva_fraction_of_cvi.value
    cv = {"bilirubin_mg_dl": p.cvi_bilirubin.value * math.hypot(1, fraction),
          "albumin_g_dl": math.hypot(p.cvi_albumin.value, p.cva_albumin.value),
          "prothrombin_time_s": p.cvi_prothrombin_time.value * math.hypot(1, fraction),
          "creatinine_mg_dl": p.cvi_creatinine.value * math.hypot(1, fraction),
          "sodium_mmol_l": p.cvi_sodium.value,
          "alt_u_l": p.cvi_alt.value * math.hypot(1, fraction),
          "ast_u_l": p.cvi_ast.value * math.hypot(1, fraction)}
    measured = {}
    for lab, c in cv.items():
        s = math.sqrt(math.log1p(c * c))
        value = true[lab] * np.exp(s * noise[lab] - s * s / 2)   # mean-preserving
        measured[lab] = np.clip(np.round(value, _DECIMALS[lab]), *_LIMITS[lab])
    inr = (measured["prothrombin_time_s"] / p.prothrombin_mnpt_s.value) ** p.prothrombin_isi.value
    measured["inr"] = np.clip(np.round(inr, _DECIMALS["inr"]), *_LIMITS["inr"])
    return measured


def _scores(labs):
    """MELD and MELD-Na of a dict of lab arrays (any shape)."""
    shape = labs["bilirubin_mg_dl"].shape
    flat = {k: np.ravel(v) for k, v in labs.items()}
    m = meld(flat["bilirubin_mg_dl"], flat["inr"], flat["creatinine_mg_dl"])
    m_na = meld_na(flat["bilirubin_mg_dl"], flat["inr"], flat["creatinine_mg_dl"],
                   flat["sodium_mmol_l"])
    return np.reshape(m, shape), np.reshape(m_na, shape)


def _enrolment_value(measured, p):
    variable = p.enrolment_variable
    if variable in ("meld", "meld_na"):
        m, m_na = _scores(measured)
        return m if variable == "meld" else m_na
    return measured[variable]


_NOISE_LABS = ("bilirubin_mg_dl", "albumin_g_dl", "prothrombin_time_s", "creatinine_mg_dl",
               "sodium_mmol_l", "alt_u_l", "ast_u_l")


def _screen(n, rng, p, chol, mean, between_sd, slow_sd):
    """Screen candidates in batches until n qualify; return their set points, spell, noise."""
    kept, screened, rate = [], 0, 0.5
    need = n
    while need > 0:
        size = int(min(max(2.0 * need / rate, 200), 200_000))
        set_point = mean + (rng.standard_normal((size, _N_LATENT)) @ chol.T) * between_sd
        z = rng.standard_normal((size, _N_LATENT)) @ chol.T
        # Presentation: a share of the patients is screened in the worse half of their
        # fluctuation (sign flipped so that the severity index z . _WORSE is positive).
        unwell = rng.random(size) < p.presentation_in_bad_spell.value
        flip = unwell & (z @ _WORSE < 0)
        spell = np.where(flip[:, None], -z, z) * slow_sd
        noise = {lab: rng.standard_normal(size) for lab in _NOISE_LABS}
        measured = _measure(_labs_from_latent(set_point + spell, p), noise, p)
        value = _enrolment_value(measured, p)
        cut = p.enrolment_cutoff.value
        ok = value >= cut if p.enrolment_direction == "above" else value < cut
        idx = np.flatnonzero(ok)[:need]
        kept.append((set_point[idx], spell[idx], {k: v[idx] for k, v in noise.items()}))
        # The clinic stops screening once the last place is filled.
        screened += int(idx[-1]) + 1 if len(idx) == need else size
        need -= len(idx)
        rate = max(ok.mean(), 1e-3)
        if need > 0 and screened >= max(1_000_000, 1000 * n):
            got = n - need
            raise ValueError(
                f"Only {got} of {screened} screened candidates met the enrolment rule "
                f"{p.enrolment_variable} {'>=' if p.enrolment_direction == 'above' else '<'} "
                f"{p.enrolment_cutoff.value:g}; the cutoff is too extreme for this population. "
                "Choose a less extreme enrolment_cutoff.")
    set_point = np.concatenate([k[0] for k in kept])
    spell = np.concatenate([k[1] for k in kept])
    noise = {lab: np.concatenate([k[2][lab] for k in kept]) for lab in _NOISE_LABS}
    return set_point, spell, noise, screened


def _death_hazard(true_meld, p):
    """Cumulative hazard over 3 months, -ln(1 - p), for the Wiesner stratum of a true MELD."""
    probs = np.array([p.death_3mo_meld_le9.value, p.death_3mo_meld_10_19.value,
                      p.death_3mo_meld_20_29.value, p.death_3mo_meld_30_39.value,
                      p.death_3mo_meld_ge40.value])
    return -np.log1p(-probs)[np.searchsorted(_MELD_STRATUM_EDGES, true_meld)]


def _transplant_hazard(true_meld, p):
    """Transplant hazard over 3 months, -ln(1 - p), of a listed patient, by true MELD stratum."""
    probs = np.array([p.transplant_3mo_meld_le9.value, p.transplant_3mo_meld_10_19.value,
                      p.transplant_3mo_meld_20_29.value, p.transplant_3mo_meld_30_39.value,
                      p.transplant_3mo_meld_ge40.value])
    return -np.log1p(-probs)[np.searchsorted(_MELD_STRATUM_EDGES, true_meld)]


def _attrition(true_meld, u_death, u_drop, listed, p):
    """Who has died, been transplanted or dropped out by each visit; arrays of shape (n, 4).

    Death and transplant compete within each 3-month interval (one uniform decides whether an
    event happens and which); drop-out follows among those still in the study. A patient who
    dropped out can still die or be transplanted later (``alive`` is the truth). With no
    listed patients and b = 0 this is exactly the death/drop-out rule used before transplant
    and informative drop-out were added.
    """
    n = len(true_meld)
    h_death = _death_hazard(true_meld, p)                      # per 3 months, (n, 4)
    h_tx = _transplant_hazard(true_meld, p) * listed[:, None]
    q = p.dropout_per_3_months.value
    b = p.dropout_log_hazard_ratio_per_meld_point.value
    gone = np.zeros(n, bool)
    died = np.zeros((n, 4), bool)
    transplanted = np.zeros((n, 4), bool)
    dropped = np.zeros((n, 4), bool)
    for k, (start, end) in enumerate(((1, 2), (2, 3))):
        death = (h_death[:, start] + h_death[:, end]) / 2
        tx = (h_tx[:, start] + h_tx[:, end]) / 2
        total = death + tx
        p_event = -np.expm1(-total)
        death_share = np.divide(death, total, out=np.zeros_like(total), where=total > 0)
        event = ~gone & (u_death[:, k] < p_event)
        new_death = event & (u_death[:, k] < p_event * death_share)
        new_tx = event & ~new_death
        if b == 0:
            q_i = q
        else:
            worsening = true_meld[:, end] - true_meld[:, 1]
            q_i = -np.expm1(np.log1p(-q) * np.exp(b * worsening))
        new_drop = ~gone & ~event & ~dropped[:, start] & (u_drop[:, k] < q_i)
        died[:, end] = died[:, start] | new_death
        transplanted[:, end] = transplanted[:, start] | new_tx
        dropped[:, end] = dropped[:, start] | new_drop
        # Vital status stays known after drop-out (the truth a simulation has): a patient who
        # dropped out can still die or be transplanted later; only death and transplant end it.
        gone = gone | new_death | new_tx
    return died, transplanted, dropped


def _simulate(n, rng, true_effect, p, randomized):
    """Shared engine: returns the long DataFrame (see simulate_case_series)."""
    chol = np.linalg.cholesky(p._correlation())
    mean, total_sd, slow_sd = p._population_mean(), p._population_sd(), p._spell_sd()
    between_sd = np.sqrt(total_sd ** 2 - slow_sd ** 2)

    # Random numbers added later (transplant listing) come from a child generator, so that the
    # main stream, and with it every earlier result of a seed, is unchanged.
    extra_rng = rng.spawn(1)[0]

    # 1. Screening and enrolment (on measured screening values).
    set_point, spell_screen, noise_screen, n_screened = _screen(
        n, rng, p, chol, mean, between_sd, slow_sd)

    # 2. Everything else random, drawn in a fixed order for the n enrolled patients.
    lead = p.screening_days_before_baseline.value
    days = np.array([-lead, *VISIT_DAYS_AFTER_BASELINE], dtype=float)
    tau = p.spell_duration_days.value
    spell = np.empty((n, 4, _N_LATENT))
    spell[:, 0] = spell_screen
    for v in range(1, 4):
        rho = math.exp(-(days[v] - days[v - 1]) / tau)
        fresh = (rng.standard_normal((n, _N_LATENT)) @ chol.T) * slow_sd
        spell[:, v] = rho * spell[:, v - 1] + math.sqrt(1 - rho * rho) * fresh
    noise = {lab: np.column_stack([noise_screen[lab], rng.standard_normal((n, 3))])
             for lab in _NOISE_LABS}
    drift_mean = np.array([p.drift_bilirubin_per_year.value, p.drift_inr_excess_per_year.value,
                           p.drift_creatinine_per_year.value,
                           p.drift_albumin_g_dl_per_year.value,
                           p.drift_sodium_mmol_l_per_year.value, 0.0, 0.0])
    sd_log = p.drift_sd_log_per_year.value
    drift_sd = np.array([sd_log, sd_log, sd_log, p.drift_sd_albumin_g_dl_per_year.value,
                         p.drift_sd_sodium_mmol_l_per_year.value, sd_log, sd_log])
    slope = drift_mean + rng.standard_normal((n, _N_LATENT)) * drift_sd
    u_aetiology, u_abst, u_av, u_alb, u_diur = rng.random((5, n))
    u_death, u_drop = rng.random((2, n, 2))
    if randomized:
        arms = np.array(["treatment"] * (n // 2) + ["control"] * (n - n // 2))
        arm = rng.permutation(arms)
        treated = (arm == "treatment").astype(float)
    else:
        arm, treated = None, np.ones(n)

    # 3. Patient characteristics and co-interventions.
    alcohol = u_aetiology < p.aetiology_alcohol.value
    hbv = ~alcohol & (u_aetiology < p.aetiology_alcohol.value + p.aetiology_hbv.value)
    aetiology = np.where(alcohol, "alcohol", np.where(hbv, "hbv", "other"))
    measured_screen = _measure(_labs_from_latent(set_point + spell_screen, p),
                               {k: v[:, 0] for k, v in noise.items()}, p)
    abstinence = alcohol & (u_abst < p.abstinence_uptake.value)
    antiviral = hbv & (u_av < p.antiviral_uptake.value)
    albumin_infusions = ((measured_screen["albumin_g_dl"]
                          < p.albumin_infusion_threshold_g_dl.value)
                         & (u_alb < p.albumin_infusion_uptake.value))
    diuretics = u_diur < p.diuretic_uptake.value

    # 4. Latent chain T0 -> T1 -> T2 -> T3 at the four visits, shape (n, 4, 7).
    t = np.maximum(days, 0.0)                                   # mechanisms start at baseline
    t0 = set_point[:, None, :] + spell
    t1 = t0 + slope[:, None, :] * (t / 365.25)[None, :, None]

    def onset(days_constant):
        return (1.0 - np.exp(-t / days_constant))[None, :, None]

    log = np.log
    effects = [
        (abstinence, p.abstinence_onset_days.value,
         [log(p.abstinence_bilirubin_ratio.value), log(p.abstinence_inr_excess_ratio.value), 0,
          p.abstinence_albumin_g_dl.value, 0, log(p.abstinence_alt_ratio.value),
          log(p.abstinence_ast_ratio.value)]),
        (antiviral, p.antiviral_onset_days.value,
         [log(p.antiviral_bilirubin_ratio.value), log(p.antiviral_inr_excess_ratio.value), 0,
          p.antiviral_albumin_g_dl.value, 0, log(p.antiviral_alt_ratio.value),
          log(p.antiviral_ast_ratio.value)]),
        (albumin_infusions, p.albumin_infusion_onset_days.value,
         [0, 0, 0, p.albumin_infusion_g_dl.value, 0, 0, 0]),
        (diuretics, p.diuretic_onset_days.value,
         [0, 0, log(p.diuretic_creatinine_ratio.value), p.diuretic_albumin_g_dl.value,
          p.diuretic_sodium_mmol_l.value, 0, 0]),
    ]
    t2 = t1.copy()
    for who, days_constant, effect in effects:
        t2 += who[:, None, None] * onset(days_constant) * np.asarray(effect, float)[None, None]
    ramp = np.clip(t / p.treatment_full_effect_days.value, 0.0, 1.0)[None, :, None]
    t3 = t2 + (treated[:, None, None] * ramp * true_effect * _IMPROVES * total_sd)

    chain = [_labs_from_latent(x, p) for x in (t0, t1, t2, t3)]
    for labs in chain:
        labs["meld"], labs["meld_na"] = _scores(labs)
    true = chain[3]
    measured = _measure(true, noise, p)
    measured["meld"], measured["meld_na"] = _scores(measured)

    # 5. Attrition: deaths (Wiesner hazards of the true MELD, mean of interval start and end)
    # competing with transplant (listed patients only), then drop-out.
    listed = extra_rng.random(n) < p.transplant_listed.value
    died, transplanted, dropped = _attrition(true["meld"], u_death, u_drop, listed, p)
    alive = ~died
    observed = alive & ~transplanted & ~dropped

    # 6. The long frame, one row per patient-visit (patient-major).
    def per_visit(x):
        return np.repeat(x, 4)

    columns = {"patient_id": per_visit(np.arange(1, n + 1, dtype=np.int64))}
    if randomized:
        columns["arm"] = pd.Categorical(per_visit(arm), categories=ARMS)
    columns.update({
        "aetiology": pd.Categorical(per_visit(aetiology), categories=AETIOLOGIES),
        "alcohol_abstinence": per_visit(abstinence),
        "antiviral": per_visit(antiviral),
        "albumin_infusions": per_visit(albumin_infusions),
        "diuretics": per_visit(diuretics),
        "visit": pd.Categorical(np.tile(VISITS, n), categories=VISITS, ordered=True),
        "visit_day": np.tile(np.rint(days).astype(np.int64), n),
        "alive": alive.ravel(),
        "transplanted": transplanted.ravel(),
        "dropped_out": dropped.ravel(),
        "observed": observed.ravel(),
    })
    mask = observed.ravel()
    for outcome in OUTCOME_COLUMNS:
        columns[outcome] = np.where(mask, measured[outcome].ravel(), np.nan)
    for outcome in OUTCOME_COLUMNS:
        columns[f"true_{outcome}"] = true[outcome].ravel().astype(float)
    for outcome in OUTCOME_COLUMNS:
        for k, mechanism in enumerate(MECHANISMS):
            columns[f"{outcome}_from_{mechanism}"] = (
                chain[k + 1][outcome] - chain[k][outcome]).ravel().astype(float)
    frame = pd.DataFrame(columns)
    frame.attrs["n_screened"] = int(n_screened)
    return frame


_RETURNS_DOC = """
    pandas.DataFrame
        One row per patient and visit (4 n rows, ordered by patient, then visit), columns in
        this order:

        - ``patient_id`` (int64), 1 to n;{arm}
        - ``aetiology`` (category: "alcohol", "hbv", "other");
        - ``alcohol_abstinence``, ``antiviral``, ``albumin_infusions``, ``diuretics`` (bool):
          co-interventions started at enrolment (the same on every row of a patient);
        - ``visit`` (ordered category: "screening", "baseline", "3 months", "6 months") and
          ``visit_day`` (int64: -14, 0, 91, 182 days from baseline);
        - ``alive`` (bool): alive at that visit; ``transplanted`` (bool): transplanted before
          that visit (alive, but out of the study); ``dropped_out`` (bool): lost to follow-up
          before that visit; ``observed`` (bool): ``alive & ~transplanted & ~dropped_out``;
        - measured values (float64, **NaN when not observed**): ``bilirubin_mg_dl``,
          ``albumin_g_dl``, ``inr``, ``prothrombin_time_s``, ``creatinine_mg_dl``,
          ``sodium_mmol_l``, ``alt_u_l``, ``ast_u_l``, and ``meld``, ``meld_na`` computed from
          them with :mod:`liverlab.scores`;
        - ``true_<outcome>`` (float64) for the same ten outcomes: the value without
          measurement error;
        - ``<outcome>_from_natural_course``, ``<outcome>_from_cointerventions``,
          ``<outcome>_from_treatment`` (float64) for the ten outcomes: each mechanism's
          contribution to the true value (0 at screening and baseline).

        True values and contributions are also filled after death or drop-out (the values the
        patient would have had). ``frame.attrs["n_screened"]`` is the number of candidates
        screened to enrol n.
"""


def simulate_case_series(n, *, seed, true_effect=0.0, params=CaseSeriesParameters()):
    """Simulate an uncontrolled before-after case series: every enrolled patient is treated.

    Patients with decompensated cirrhosis are screened, enrolled if their measured screening
    value passes the enrolment rule (default MELD >= 15), measured again at baseline, treated,
    and followed up at 3 and 6 months while co-interventions, the natural course, deaths and
    drop-out do their work (see the module docstring for the model).

    Parameters
    ----------
    n : int
        Number of patients enrolled (>= 2); more are screened (``frame.attrs["n_screened"]``).
    seed : int or numpy.random.Generator, keyword-only, required
        Seed (non-negative int) or generator. The same seed gives the same frame; with the
        same seed and params, :func:`simulate_randomized_trial` enrols the same patients.
    true_effect : float, keyword-only
        The treatment's true effect, in population standard deviations of each lab (default
        0: the treatment does nothing). Positive values improve the labs: at full effect the
        treatment lowers ln bilirubin by ``true_effect`` x 1.08, ln(INR - 1) by x 0.78, ln ALT
        by x 0.68, ln AST by x 0.73, and raises albumin by ``true_effect`` x 0.6 g/dL
        (creatinine and sodium unchanged; the SDs are the ``*_sdlog`` and ``albumin_sd_g_dl``
        fields of ``params``), growing linearly to full size at 3 months. For the median
        patient (bilirubin 3.0 mg/dL, INR 1.48) 0.2 lowers true MELD by about 1.3 points
        (3.78 x 0.216 + 11.2 x ln(1.48 / 1.41)). Between -3 and 3.
    params : CaseSeriesParameters, keyword-only
        All other parameters (default :class:`CaseSeriesParameters`).

    Returns
    -------{returns}
    Raises
    ------
    TypeError
        ``n`` not an int; ``seed`` neither an int nor a Generator; ``true_effect`` not a number;
        ``params`` not a :class:`CaseSeriesParameters`.
    ValueError
        ``n`` < 2; a negative seed; ``true_effect`` outside -3 to 3; an enrolment rule that
        almost nobody meets.

    Notes
    -----
    With ``true_effect=0`` the completers' albumin rises and their bilirubin, ALT, AST, INR,
    PT and MELD fall: regression to the mean (selection on a noisy value taken in a bad spell)
    and co-interventions outweigh the natural worsening. Comparing everyone's "before" with the
    survivors' "after" (unpaired) adds survivor selection. :func:`decompose_change` gives the
    exact shares.

    Examples
    --------
    >>> series = simulate_case_series(200, seed=1)
    >>> series.shape
    (800, 62)
    >>> series.groupby("visit", observed=True)["observed"].sum().to_dict()
    {{'screening': 200, 'baseline': 200, '3 months': 157, '6 months': 124}}
    >>> completers = series.loc[series["visit"] == "6 months", "observed"].to_numpy()
    >>> before = series.loc[series["visit"] == "baseline", "albumin_g_dl"].to_numpy()
    >>> after = series.loc[series["visit"] == "6 months", "albumin_g_dl"].to_numpy()
    >>> round(float((after - before)[completers].mean()), 2)    # albumin "rises" by itself
    0.34
    """
    # Input validation
    n = _check_n(n)
    rng = _rng(seed)
    true_effect = _check_effect(true_effect)
    params = _check_params(params)
    return _simulate(n, rng, true_effect, params, randomized=False)


def simulate_randomized_trial(n, *, seed, true_effect=0.0, params=CaseSeriesParameters()):
    """Simulate the same study with a concurrent, 1:1 randomized control arm.

    The population, enrolment, co-interventions (in both arms), natural course, measurement,
    deaths and drop-out are those of :func:`simulate_case_series`; after enrolment a random
    half of the patients (n // 2) is allocated to "treatment" and the rest to "control". The
    treatment effect applies to the treatment arm only.

    Parameters
    ----------
    n : int
        Number of patients randomized (>= 2).
    seed : int or numpy.random.Generator, keyword-only, required
        As in :func:`simulate_case_series`; the same seed enrols the same patients as the case
        series (the allocation is drawn last).
    true_effect : float, keyword-only
        As in :func:`simulate_case_series` (population SDs; 0 by default).
    params : CaseSeriesParameters, keyword-only
        As in :func:`simulate_case_series`.

    Returns
    -------{returns}
    Raises
    ------
    TypeError, ValueError
        As in :func:`simulate_case_series`.

    Notes
    -----
    Regression to the mean, co-interventions, natural course and survivor selection act on
    both arms alike, so the difference between arms estimates the treatment effect; see
    :func:`compare_arms`.

    Examples
    --------
    >>> trial = simulate_randomized_trial(200, seed=1)
    >>> trial.drop_duplicates("patient_id")["arm"].value_counts().sort_index().to_dict()
    {{'control': 100, 'treatment': 100}}
    """
    # Input validation
    n = _check_n(n)
    rng = _rng(seed)
    true_effect = _check_effect(true_effect)
    params = _check_params(params)
    return _simulate(n, rng, true_effect, params, randomized=True)


simulate_case_series.__doc__ = simulate_case_series.__doc__.format(
    returns=_RETURNS_DOC.format(arm=""))
simulate_randomized_trial.__doc__ = simulate_randomized_trial.__doc__.format(
    returns=_RETURNS_DOC.format(
        arm='\n        - ``arm`` (category: "control", "treatment"), the same on every row of a '
            'patient;'))


# Analysis helpers -----------------------------------------------------------------------------

def _check_frame(frame, outcome, reference, visit, arm, needed):
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be the DataFrame returned by simulate_case_series or "
                        f"simulate_randomized_trial; got {type(frame).__name__}.")
    if outcome not in OUTCOME_COLUMNS:
        raise ValueError(f"outcome must be one of {list(OUTCOME_COLUMNS)}; got {outcome!r}.")
    if reference is not None and reference not in ("screening", "baseline"):
        raise ValueError(f"reference must be 'screening' or 'baseline'; got {reference!r}.")
    if visit not in ("3 months", "6 months"):
        raise ValueError(f"visit must be '3 months' or '6 months'; got {visit!r}.")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks the column(s) {missing}; pass the DataFrame returned by "
                         "simulate_case_series or simulate_randomized_trial (all columns).")
    if arm is not None:
        if "arm" not in frame.columns:
            raise ValueError("arm was given but frame has no 'arm' column (a case series has "
                             "one arm); use arm=None.")
        if arm not in ARMS:
            raise ValueError(f"arm must be 'treatment', 'control' or None; got {arm!r}.")


def _check_confidence(confidence):
    if (isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real)
            or not 0 < confidence < 1):
        raise ValueError(f"confidence must be a number between 0 and 1 (e.g. 0.95); got "
                         f"{confidence!r}.")


def _wide(frame, columns, visits, arm):
    """One row per patient: columns at the given visits, as {(column, visit): array}."""
    keep = np.ones(len(frame), bool) if arm is None else (frame["arm"] == arm).to_numpy()
    visit = np.asarray(frame["visit"], dtype=object)[keep]
    patient = frame["patient_id"].to_numpy()[keep]
    values = {c: frame[c].to_numpy()[keep] for c in dict.fromkeys(columns)}
    out, ids = {}, None
    for v in visits:
        rows = np.flatnonzero(visit == v)
        rows = rows[np.argsort(patient[rows], kind="stable")]
        if ids is None:
            ids = patient[rows]
        elif not np.array_equal(ids, patient[rows]):
            raise ValueError(f"frame does not have one '{v}' row per patient; pass the "
                             "complete DataFrame from the simulator.")
        for c, x in values.items():
            out[(c, v)] = x[rows].astype(bool if c == "observed" else float)
    return out


def decompose_change(frame, outcome="meld", *, reference="baseline", visit="6 months",
                     arm=None, paired=True, split_rtm=False):
    """Split the completers' apparent change into its causes.

    The rows add up to the apparent change exactly (an accounting identity), but how much lands in each
    row depends on the order in which the simulator applies its steps: one split, not the only one.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`simulate_case_series` or :func:`simulate_randomized_trial`.
    outcome : str
        One of :data:`OUTCOME_COLUMNS` (default ``"meld"``).
    reference : {"baseline", "screening"}, keyword-only
        The "before" visit (default baseline).
    visit : {"6 months", "3 months"}, keyword-only
        The "after" visit (default 6 months).
    arm : {None, "treatment", "control"}, keyword-only
        For a trial, decompose within one arm; None (default) uses every patient.
    paired : bool, keyword-only
        True (default): the apparent change is the completers' mean paired change,
        mean over completers of (after - before). False: the naive unpaired comparison many
        reports make, the completers' mean after minus the mean before of *everyone*
        enrolled; the difference lands in the attrition row.
    split_rtm : bool, keyword-only
        False (default): one "regression to the mean" row. True: that row is replaced by the
        two rows of :data:`RTM_PARTS`, which add up to it: the true change of the fluctuation
        (mostly patients recovering from the bad spell in which they were selected: a real
        change, not caused by the treatment) and minus the measurement error of the "before"
        value (not a change in the patient at all).

    Returns
    -------
    pandas.DataFrame
        One row per component, in the order of :data:`COMPONENTS` (with ``split_rtm=True``
        the second row is replaced by the two of :data:`RTM_PARTS`), columns ``component``
        (str; with ``paired=False`` the first is "apparent change (completers after, everyone
        enrolled before)"), ``change`` (float, unit of the outcome) and ``share`` (float:
        change / apparent change; NaN if the apparent change is 0; when components push in
        both directions a share is not a part of a whole: it can exceed 1 or be negative, so
        report the ``change`` column). The first row is the
        apparent change; the others add up to it (to floating-point precision).
        ``attrs`` holds ``n_enrolled`` and ``n_completers``.

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame; ``paired`` or ``split_rtm`` not a bool.
    ValueError
        An unknown outcome, reference, visit or arm; missing columns; no completers.

    Notes
    -----
    Let E be the enrolled patients (of the arm), C those observed at ``visit`` (completers),
    Y the measured and T the true value, c_k the mechanisms' contributions, r the reference
    and f the follow-up visit, T0 = T - sum_k c_k (set point plus fluctuation) and
    D = T_f - Y_r (the change each patient would show with a perfect follow-up measurement).
    With mean_S the mean over a set S:

    - apparent change = mean_C(Y_f - Y_r) (paired) or mean_C(Y_f) - mean_E(Y_r) (unpaired);
    - regression to the mean = mean_E(T0_f - T0_r - (Y_r - T_r)): the fluctuation and
      measurement error that the selection caught at the reference visit, undone; with
      ``split_rtm=True``, mean_E(T0_f - T0_r) (recovery from the bad spell, a true change)
      and mean_E(-(Y_r - T_r)) (measurement error) separately;
    - natural course, co-interventions, treatment = mean_E(c_k,f - c_k,r);
    - attrition = mean_C(D) - mean_E(D): who is still there to be measured (unpaired, plus
      mean_C(Y_r) - mean_E(Y_r): the dead and the dropped out leave the "after" mean only);
    - measurement noise at follow-up = mean_C(Y_f - T_f) (expected 0).

    Because D = (T0_f - T0_r - (Y_r - T_r)) + sum_k (c_k,f - c_k,r), the components add
    up to the apparent change exactly. Regression to the mean and the mechanisms are averaged
    over all enrolled patients (using the values the dead would have had), so that they do not
    depend on who died; that dependence is the attrition row.

    Examples
    --------
    >>> series = simulate_case_series(200, seed=1)    # not the course's seed: no exercise's answer here
    >>> parts = decompose_change(series, "meld")
    >>> parts.round(2)
                                        component  change  share
    0            apparent change among completers   -0.99   1.00
    1                      regression to the mean   -0.78   0.79
    2                              natural course    0.36  -0.36
    3                            co-interventions   -0.72   0.72
    4                                   treatment    0.00  -0.00
    5  attrition (death, transplant and drop-out)    0.13  -0.13
    6              measurement noise at follow-up    0.02  -0.02
    >>> round(abs(float(parts["change"].iloc[1:].sum() - parts["change"].iloc[0])), 12)
    0.0
    """
    # Input validation
    for name, flag in (("paired", paired), ("split_rtm", split_rtm)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False; got {type(flag).__name__} "
                            f"{flag!r}.")
    contribution = [f"{outcome}_from_{m}" for m in MECHANISMS]
    needed = ["patient_id", "visit", "observed", outcome, f"true_{outcome}", *contribution]
    _check_frame(frame, outcome, reference, visit, arm, needed)

    columns = [outcome, f"true_{outcome}", "observed", *contribution]
    w = _wide(frame, columns, (reference, visit), arm)
    y_r, y_f = w[(outcome, reference)], w[(outcome, visit)]
    t_r, t_f = w[(f"true_{outcome}", reference)], w[(f"true_{outcome}", visit)]
    c_r = np.array([w[(c, reference)] for c in contribution])
    c_f = np.array([w[(c, visit)] for c in contribution])
    completers = w[("observed", visit)]
    if len(y_r) == 0 or np.isnan(y_r).any():
        raise ValueError(f"Some patients have no measured {outcome} at {reference!r} (or there "
                         "are no patients); pass the frame from the simulator unchanged.")
    if not completers.any():
        raise ValueError(f"No patient was observed at {visit!r}; nothing to decompose.")

    t0_r, t0_f = t_r - c_r.sum(axis=0), t_f - c_f.sum(axis=0)
    rtm_i = t0_f - t0_r - (y_r - t_r)
    d = t_f - y_r
    attrition = float(np.mean(d[completers]) - np.mean(d))
    if paired:
        apparent = float(np.mean(y_f[completers] - y_r[completers]))
    else:
        apparent = float(np.mean(y_f[completers]) - np.mean(y_r))
        attrition += float(np.mean(y_r[completers]) - np.mean(y_r))
    parts = [
        apparent,
        float(np.mean(rtm_i)),
        *[float(np.mean(c_f[k] - c_r[k])) for k in range(len(MECHANISMS))],
        attrition,
        float(np.mean(y_f[completers] - t_f[completers])),
    ]
    labels = list(COMPONENTS)
    if not paired:
        labels[0] = "apparent change (completers after, everyone enrolled before)"
    if split_rtm:
        labels[1:2] = list(RTM_PARTS)
        parts[1:2] = [float(np.mean(t0_f - t0_r)), float(np.mean(-(y_r - t_r)))]
    result = pd.DataFrame({"component": labels, "change": parts})
    result["share"] = result["change"] / apparent if apparent != 0 else np.nan
    result.attrs["n_enrolled"] = int(len(y_r))
    result.attrs["n_completers"] = int(completers.sum())
    return result


def compare_arms(frame, outcome="meld", *, visit="6 months", reference="baseline",
                 confidence=0.95):
    """Randomized comparison among completers: treatment minus control, with a Welch CI.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`simulate_randomized_trial` (needs the ``arm`` column).
    outcome : str
        One of :data:`OUTCOME_COLUMNS` (default ``"meld"``).
    visit : {"6 months", "3 months"}, keyword-only
        Follow-up visit (default 6 months).
    reference : {"baseline", "screening", None}, keyword-only
        Compare the change from this visit (default baseline, which removes the
        between-patient spread); None compares the follow-up values themselves.
    confidence : float, keyword-only
        Confidence level of the interval, in (0, 1); default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row, columns ``outcome`` (str), ``n_treatment``, ``n_control`` (int: completers),
        ``mean_treatment``, ``mean_control``, ``difference`` (treatment - control),
        ``ci_low``, ``ci_high`` and ``p_value`` (two-sided Welch t-test), all float.

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame.
    ValueError
        No ``arm`` column; an unknown outcome, visit or reference; ``confidence`` outside
        (0, 1); fewer than 2 completers in an arm.

    Examples
    --------
    >>> trial = simulate_randomized_trial(400, seed=7)
    >>> result = compare_arms(trial, "meld")
    >>> bool(result["ci_low"].iloc[0] < 0 < result["ci_high"].iloc[0])
    True
    """
    # Input validation
    needed = ["patient_id", "visit", "observed", "arm", outcome]
    if isinstance(frame, pd.DataFrame) and "arm" not in frame.columns:
        raise ValueError("frame has no 'arm' column; compare_arms needs the DataFrame from "
                         "simulate_randomized_trial (a case series has no control arm).")
    _check_frame(frame, outcome, reference, visit, None, needed)
    _check_confidence(confidence)

    values = {}
    for arm in ("treatment", "control"):
        visits = (visit,) if reference is None else (reference, visit)
        w = _wide(frame, [outcome, "observed"], visits, arm)
        keep = w[("observed", visit)]
        y = w[(outcome, visit)][keep]
        if reference is not None:
            y = y - w[(outcome, reference)][keep]
        if len(y) < 2:
            raise ValueError(f"The {arm} arm has fewer than 2 completers at {visit!r}; a "
                             "comparison is not possible.")
        values[arm] = y
    test = stats.ttest_ind(values["treatment"], values["control"], equal_var=False)
    ci = test.confidence_interval(confidence_level=float(confidence))
    return pd.DataFrame({
        "outcome": [outcome],
        "n_treatment": [len(values["treatment"])],
        "n_control": [len(values["control"])],
        "mean_treatment": [float(values["treatment"].mean())],
        "mean_control": [float(values["control"].mean())],
        "difference": [float(values["treatment"].mean() - values["control"].mean())],
        "ci_low": [float(ci.low)],
        "ci_high": [float(ci.high)],
        "p_value": [float(test.pvalue)],
    })


def mean_change(frame, outcome="meld", *, arm=None, reference="baseline", visit="6 months",
                confidence=0.95):
    """The completers' mean change (visit minus reference) with its confidence interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`simulate_case_series` or :func:`simulate_randomized_trial`.
    outcome : str
        One of :data:`OUTCOME_COLUMNS` (default ``"meld"``).
    arm : {"treatment", "control", None}, keyword-only
        One arm of a trial, or None for a case series.
    reference : {"baseline", "screening"}, keyword-only
        The "before" visit (default baseline).
    visit : {"6 months", "3 months"}, keyword-only
        The "after" visit (default 6 months).
    confidence : float, keyword-only
        Confidence level of the interval, in (0, 1); default 0.95.

    Returns
    -------
    tuple of float
        ``(mean, ci_low, ci_high)``: the mean change among the patients observed at ``visit``
        (unit of the outcome) and its interval from the one-sample t distribution.

    Raises
    ------
    TypeError
        ``frame`` not a DataFrame.
    ValueError
        An unknown outcome, reference, visit or arm; missing columns; ``confidence`` outside
        (0, 1); fewer than 2 completers.

    Examples
    --------
    >>> mean, low, high = mean_change(simulate_case_series(200, seed=2024))
    >>> bool(low < mean < high < 0)
    True
    """
    needed = ["patient_id", "visit", "observed", outcome]
    _check_frame(frame, outcome, reference, visit, arm, needed)
    if reference is None:
        raise ValueError("reference must be 'screening' or 'baseline'; got None.")
    _check_confidence(confidence)
    w = _wide(frame, [outcome, "observed"], (reference, visit), arm)
    keep = w[("observed", visit)]
    change = w[(outcome, visit)][keep] - w[(outcome, reference)][keep]
    if len(change) < 2:
        raise ValueError(f"Fewer than 2 completers at {visit!r}; no interval is possible.")
    ci = stats.ttest_1samp(change, 0).confidence_interval(confidence_level=float(confidence))
    return float(change.mean()), float(ci.low), float(ci.high)


def plot_percent_change(frame, labels, *, ax=None, title=""):
    """Forest plot of each outcome's completers' mean change, as a % of their baseline mean, with its 95% CI.

    Triangles point up for a rise and down for a fall (shape as well as colour); a dashed line marks
    no change. The change is 6 months minus baseline among the patients observed at 6 months.

    Parameters
    ----------
    frame : pandas.DataFrame
        As returned by :func:`simulate_case_series`.
    labels : dict
        ``{outcome column: label on the plot}``, columns from :data:`OUTCOME_COLUMNS`; plotted top
        to bottom in this order.
    ax : matplotlib.axes.Axes, keyword-only
        Where to draw (default: a new 7 x 4 inch figure).
    title : str, keyword-only
        The axes' title.

    Returns
    -------
    pandas.DataFrame
        One row per outcome (index: the labels, in the order given), columns ``change_pct``,
        ``low`` and ``high`` (float, % of the completers' baseline mean).

    Raises
    ------
    TypeError
        ``labels`` not a dict; as :func:`mean_change` for ``frame``.
    ValueError
        ``labels`` empty; as :func:`mean_change` for an unknown outcome.
    """
    import matplotlib.pyplot as plt

    from liverlab import style

    if not isinstance(labels, dict):
        raise TypeError(f"labels must be a dict {{outcome column: label}}; got {type(labels).__name__}.")
    if not labels:
        raise ValueError("labels is empty: give at least one {outcome column: label}.")
    rows = {}
    for column, label in labels.items():
        mean, low, high = mean_change(frame, column)
        w = _wide(frame, [column, "observed"], ("baseline", "6 months"), None)
        scale = 100 / w[(column, "baseline")][w[("observed", "6 months")]].mean()
        rows[label] = (mean * scale, low * scale, high * scale)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["change_pct", "low", "high"])

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    shown = table.iloc[::-1]
    rose = shown["change_pct"] > 0
    for subset, marker, colour, name in [(shown[rose], "^", style.OKABE_ITO[2], "rose"),
                                         (shown[~rose], "v", style.OKABE_ITO[0], "fell")]:
        if len(subset):
            errors = np.vstack([subset["change_pct"] - subset["low"], subset["high"] - subset["change_pct"]])
            ax.errorbar(subset["change_pct"].to_numpy(), subset.index.to_numpy(), xerr=errors,
                        fmt=marker, color=colour, markersize=8, capsize=4, label=name)
    ax.axvline(0, color="black", linestyle="--", linewidth=1)
    right = max(table["high"].max(), 0)
    ax.set_xlim(right=right + 0.35 * (right - min(table["low"].min(), 0)))  # room for the legend
    ax.set(xlabel="Mean change from baseline to 6 months (% of the baseline mean)", ylabel="", title=title)
    ax.legend(title="completers' mean", loc="center right")
    return table


def plot_decomposition(parts, *, xlabel, title="", ax=None):
    """Horizontal bars of a decomposition: the apparent change (white, top) and each cause below it.

    Parameters
    ----------
    parts : pandas.Series
        One outcome's ``change`` column of :func:`decompose_change`, indexed by component (the
        first row is the apparent change).
    xlabel : str, keyword-only
        The x-axis label (say the unit).
    title : str, keyword-only
        The axes' title.
    ax : matplotlib.axes.Axes, keyword-only
        Where to draw (default: a new 7 x 3.6 inch figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Each bar is labelled on the y axis, so colour carries no meaning alone.

    Raises
    ------
    TypeError
        ``parts`` not a numeric pandas Series.
    ValueError
        ``parts`` with fewer than 2 rows or a missing value.
    """
    import itertools

    import matplotlib.pyplot as plt

    from liverlab import style

    if not isinstance(parts, pd.Series) or not pd.api.types.is_numeric_dtype(parts):
        raise TypeError("parts must be a numeric pandas Series, e.g. one outcome's column of "
                        "decompose_change(...).set_index('component')['change'].")
    if len(parts) < 2 or parts.isna().any():
        raise ValueError("parts needs the apparent change and at least one cause, with no missing value.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    # White for the apparent change, then colours of at least 3:1 contrast on white (see liverlab.style).
    causes = itertools.cycle([style.OKABE_ITO[0], style.OKABE_ITO[5], style.OKABE_ITO[2], "0.45",
                              style.OKABE_ITO[3], style.OKABE_ITO[7]])
    colours = ["white"] + [next(causes) for _ in range(len(parts) - 1)]
    ax.barh([str(name) for name in parts.index], parts.to_numpy(), edgecolor="black", color=colours)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=1)
    ax.set(xlabel=xlabel, ylabel="", title=title)
    return ax
