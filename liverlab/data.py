"""Loaders for the data sets in the course's ``data/`` folder.

``load_pbc`` and ``load_pbcseq`` read the Mayo Clinic primary biliary cholangitis (PBC) data
exactly as R's survival package distributes them (``survival::pbc`` and ``survival::pbcseq``,
exported once by ``tests/r_reference/export_pbc.R``; the datasheet is ``data/README_pbc.md``).
Each loader

1. finds the CSV in the course's ``data/`` folder (``find_data_dir``: the ``data/`` folder that
   holds ``SHA256SUMS`` in the working directory, i.e. the notebook's folder, or in the nearest
   folder above it; never beside the installed package), or in ``data_dir``,
2. checks its SHA-256 digest against the one recorded here (and in ``data/SHA256SUMS``), so a
   notebook never runs on a file that was edited by accident,
3. parses it without losing a bit (``float_precision="round_trip"``: pandas' default parser
   changes the last bit of 51 values in pbc.csv and 191 in pbcseq.csv),
4. returns a new DataFrame with the original columns (R's names and values) plus labelled
   columns (``treatment``, ``status_label``, ``edema_label``, ``died``, ``randomized``,
   ``years``) and the units in ``df.attrs["units"]``.

Nothing is cached: every call reads the file again and returns a fresh DataFrame.
"""

import hashlib
import io
import json
import os
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = [
    "DataChecksumError",
    "DATA_ENV",
    "find_data_dir",
    "DAYS_PER_YEAR",
    "SHA256",
    "load_pbc",
    "load_pbcseq",
    "load_cirrhosis_cohort",
    "r_reference",
    "load_r_reference",
]

# How the data folder is found (``find_data_dir``): the folder named by this environment variable,
# else a folder ``data/`` holding this marker file in the working directory or the nearest folder
# above it. The data travel with the notebooks (a clone, a student release, a hub folder), so an
# installed copy of liverlab never decides which data a notebook reads.
DATA_ENV = "LIVERLAB_DATA"
DATA_MARKER = "SHA256SUMS"

# Days per year used for every conversion of follow-up time (the Julian year, as in R code
# for these data and in tests/r_reference/pbc_reference.R).
DAYS_PER_YEAR = 365.25

# SHA-256 of the committed files, as printed by `sha256sum` (also in data/SHA256SUMS;
# tests/test_data.py checks that the two agree). Source: tests/r_reference/export_pbc.R run
# with R 4.2.2 and survival 3.5-3.
SHA256 = MappingProxyType({
    "pbc.csv": "e393d7d9c6eb89f25dc095ba44951b6988b2598a9c9825d268880a0c36f04cb2",
    "pbcseq.csv": "52704b66d4eaf0177628137922e85126481a2ebc4d45e80bc07565faa4f5cc11",
    "cirrhosis_cohort.csv": "c9a1a57e90c591fdf3d9f49e8eff856b34aa743d5f9a05fc800c15e3274bb84f",
})

# Synthetic files that a per-student variant regenerates with its own seed (``make variants``). For
# these, a data folder's own SHA256SUMS names the expected digest (a variant's folder records its
# regenerated cohort there); without a line there, the committed digest above is expected. The
# real data (pbc, pbcseq) are always checked against the committed digests.
REGENERATED_PER_VARIANT = frozenset({"cirrhosis_cohort.csv"})

# How each file was made, for the message shown when its checksum does not match.
REGENERATE = MappingProxyType({
    "pbc.csv": "re-export it with `Rscript tests/r_reference/export_pbc.R`",
    "pbcseq.csv": "re-export it with `Rscript tests/r_reference/export_pbc.R`",
    "cirrhosis_cohort.csv": "regenerate it with `python -m tools.make_teaching_cohort`",
})

SOURCE = ("R package survival 3.5-3 (R 4.2.2), data sets pbc and pbcseq; Mayo Clinic PBC trial "
          "1974-1984 (Fleming & Harrington 1991; Dickson et al. 1989; Murtaugh et al. 1994). "
          "See data/README_pbc.md.")

# Codes of the source, as documented in data/README_pbc.md.
STATUS_LABELS = ("censored", "transplant", "died")                 # status 0, 1, 2
TREATMENT_LABELS = ("D-penicillamine", "placebo")
# pbc: trt 1/2, NA = not randomized (R help page). pbcseq: trt 1/0, whatever its help page
# says: on the 312 ids in both tables, pbc's trt 1 is pbcseq's 1 and pbc's 2 is pbcseq's 0.
PBC_TRT_CODES = MappingProxyType({1: "D-penicillamine", 2: "placebo"})
PBCSEQ_TRT_CODES = MappingProxyType({1: "D-penicillamine", 0: "placebo"})
SEX_CODES = MappingProxyType({"f": "female", "m": "male"})
EDEMA_LABELS = ("none", "untreated or resolved", "despite diuretics")  # edema 0, 0.5, 1

# Columns read as int64 (never missing); every other numeric column is float64 (NaN = missing).
_INTEGER_COLUMNS = ("id", "time", "futime", "status", "day")

_UNITS_COMMON = {
    "id": "case number",
    "status": "code: 0 censored, 1 transplant, 2 died",
    "age": "years",
    "sex": "female / male",
    "ascites": "0 absent, 1 present",
    "hepato": "0 absent, 1 present",
    "spiders": "0 absent, 1 present",
    "edema": "score: 0, 0.5, 1",
    "bili": "mg/dL",
    "chol": "mg/dL",
    "albumin": "g/dL",
    "alk.phos": "U/L",
    "ast": "U/L",
    "platelet": "10^3 per mm^3 (= 10^9/L)",
    "protime": "seconds",
    "stage": "histologic stage 1-4",
    "treatment": "label: D-penicillamine, placebo",
    "randomized": "True / False",
    "status_label": "label: censored, transplant, died",
    "died": "True / False (status == 2)",
    "edema_label": "label: none < untreated or resolved < despite diuretics",
    "years": "years",
}
PBC_UNITS = MappingProxyType({
    **_UNITS_COMMON,
    "time": "days",
    "trt": "code: 1 D-penicillamine, 2 placebo, NaN not randomized",
    "copper": "ug/day",
    "trig": "mg/dL",
})
PBCSEQ_UNITS = MappingProxyType({
    **_UNITS_COMMON,
    "futime": "days",
    "trt": "code: 1 D-penicillamine, 0 placebo",
    "day": "days since enrolment",
    "visit_years": "years since enrolment",
})


class DataChecksumError(ValueError):
    """A data file's SHA-256 digest differs from the one recorded in ``liverlab.data.SHA256``."""


def load_pbc(*, data_dir=None):
    """Mayo Clinic PBC data (``survival::pbc``): 418 patients, one row each, baseline values.

    The first 312 rows (``id`` 1-312) are the patients of the randomized trial of
    D-penicillamine versus placebo (1974-1984); the other 106 were eligible, not randomized,
    and followed for survival with fewer measurements. Follow-up ends at death, liver
    transplant or the analysis date in July 1986.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Keyword-only. Folder holding ``pbc.csv``. Default: the course's ``data/`` folder
        (``find_data_dir()``). The file must be byte-identical to the committed one whatever
        the folder.

    Returns
    -------
    pandas.DataFrame
        418 rows, one per patient, in ``id`` order, with a RangeIndex. The original columns
        keep R's names; missing values are NaN. ``df.attrs["units"]`` maps each column to its
        unit or coding and ``df.attrs["source"]`` gives the provenance.

        Original columns (R's names, in R's order):

        - ``id`` (int64): case number, 1-418.
        - ``time`` (int64): days from registration to death, transplant or the end of
          follow-up (July 1986), whichever came first.
        - ``status`` (int64): state at ``time``: 0 censored (alive), 1 liver transplant,
          2 died.
        - ``trt`` (float64): 1 D-penicillamine, 2 placebo, NaN for the 106 not randomized.
          ``treatment`` holds the same information as labels.
        - ``age`` (float64): age at registration, years.
        - ``sex`` (category): "female" or "male" (R's factor "f"/"m", relabelled).
        - ``ascites``, ``hepato``, ``spiders`` (float64): 1 present, 0 absent, NaN missing
          (missing for all 106 not randomized): ascites, hepatomegaly (enlarged liver),
          spider angiomata (blood vessel malformations in the skin).
        - ``edema`` (float64): 0 no edema; 0.5 edema without diuretics, or resolved by
          them; 1 edema despite diuretic therapy. ``edema_label`` holds the labels.
        - ``bili`` (float64): serum bilirubin, mg/dL.
        - ``chol`` (float64): serum cholesterol, mg/dL.
        - ``albumin`` (float64): serum albumin, g/dL.
        - ``copper`` (float64): urine copper, ug/day.
        - ``alk.phos`` (float64): alkaline phosphatase, U/L.
        - ``ast`` (float64): aspartate aminotransferase (SGOT), U/L (the R help page writes
          U/ml; the values are on the U/L scale).
        - ``trig`` (float64): triglycerides, mg/dL.
        - ``platelet`` (float64): platelet count, 10^3 per mm^3 (= 10^9/L).
        - ``protime`` (float64): prothrombin time, seconds (missing for 2 patients).
        - ``stage`` (float64): histologic stage of disease, 1-4 (needs a biopsy; missing
          for 6).

        Added columns:

        - ``treatment`` (category, categories ["D-penicillamine", "placebo"]): NaN for the
          106 not randomized.
        - ``randomized`` (bool): True for the 312 trial patients.
        - ``status_label`` (category, categories ["censored", "transplant", "died"]).
        - ``died`` (bool): ``status == 2``, the event of the usual analyses (transplant
          counts as censored).
        - ``edema_label`` (ordered category, ["none" < "untreated or resolved" <
          "despite diuretics"]).
        - ``years`` (float64): ``time / 365.25``.

    Raises
    ------
    FileNotFoundError
        If no data folder is found or ``pbc.csv`` is missing (the message says what to do).
    DataChecksumError
        (a ``ValueError``) if ``pbc.csv`` differs from the committed file; the message says
        how to restore it with git.

    See Also
    --------
    load_pbcseq : the repeated laboratory visits of the 312 trial patients.

    Notes
    -----
    Column names contain a dot (``alk.phos``): use ``df["alk.phos"]``, not attribute access.
    The CSV is the R data set exactly (every double read back bit for bit); the datasheet
    ``data/README_pbc.md`` gives its provenance, counts and quirks.

    References
    ----------
    Fleming TR, Harrington DP. Counting Processes and Survival Analysis. Wiley, 1991
    (appendix D). Dickson ER, Grambsch PM, Fleming TR, Fisher LD, Langworthy A. Prognosis in
    primary biliary cirrhosis: model for decision making. Hepatology 1989;10:1-7.
    Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. Springer, 2000.

    Examples
    --------
    >>> pbc = load_pbc()
    >>> pbc.shape
    (418, 26)
    >>> pbc["treatment"].value_counts(dropna=False)
    treatment
    D-penicillamine    158
    placebo            154
    NaN                106
    Name: count, dtype: int64
    >>> pbc.attrs["units"]["bili"]
    'mg/dL'
    """
    raw = _read_checked_csv("pbc.csv", data_dir)
    df = _common_columns(raw, time_column="time", trt_codes=PBC_TRT_CODES, units=PBC_UNITS)
    df["randomized"] = raw["trt"].notna().to_numpy()
    return _order(df, raw, extra=("treatment", "randomized", "status_label", "died",
                                  "edema_label", "years"))


def load_pbcseq(*, data_dir=None):
    """Repeated visits of the 312 PBC trial patients (``survival::pbcseq``): 1945 rows.

    One row per patient visit (baseline, 6 months, 1 year, then yearly, plus extra visits),
    sorted by ``id`` and ``day``. Patient-level columns (``futime``, ``status``, ``trt``,
    ``age``, ``sex``) repeat on every row of a patient. The follow-up runs longer than in
    ``load_pbc`` for many patients (see Notes).

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Keyword-only. Folder holding ``pbcseq.csv``. Default: the course's ``data/`` folder
        (``find_data_dir()``).

    Returns
    -------
    pandas.DataFrame
        1945 rows, RangeIndex. ``df.attrs["units"]`` maps each column to its unit or coding.

        Original columns (R's names, in R's order):

        - ``id`` (int64): case number, 1-312, the same patients as ``id`` 1-312 of
          ``load_pbc``.
        - ``futime`` (int64): days from enrolment to death, transplant or the end of
          follow-up.
        - ``status`` (int64): state at ``futime``: 0 censored, 1 transplant, 2 died.
        - ``trt`` (float64): **1 D-penicillamine, 0 placebo** (not 1/2 as in ``pbc`` and
          in the R help page; checked on the 312 shared ids). Prefer ``treatment``.
        - ``age`` (float64): age at enrolment, years.
        - ``sex`` (category): "female" or "male".
        - ``day`` (int64): days from enrolment to this visit; the measurements below are
          from this visit.
        - ``ascites``, ``hepato``, ``spiders`` (float64): 1 present, 0 absent, NaN missing.
        - ``edema`` (float64): 0, 0.5 or 1, coded as in ``load_pbc``.
        - ``bili`` (float64): serum bilirubin, mg/dL.
        - ``chol`` (float64): serum cholesterol, mg/dL (often missing at extra visits).
        - ``albumin`` (float64): serum albumin, g/dL (the R help page writes mg/dl).
        - ``alk.phos`` (float64): alkaline phosphatase, U/L.
        - ``ast`` (float64): aspartate aminotransferase (SGOT), U/L.
        - ``platelet`` (float64): platelet count, 10^3 per mm^3 (= 10^9/L).
        - ``protime`` (float64): prothrombin time, seconds.
        - ``stage`` (float64): histologic stage, 1-4.

        Added columns:

        - ``treatment`` (category, ["D-penicillamine", "placebo"]): from ``trt``.
        - ``randomized`` (bool): True on every row (all are trial patients).
        - ``status_label`` (category, ["censored", "transplant", "died"]).
        - ``died`` (bool): ``status == 2``.
        - ``edema_label`` (ordered category, as in ``load_pbc``).
        - ``years`` (float64): ``futime / 365.25``.
        - ``visit_years`` (float64): ``day / 365.25``.

    Raises
    ------
    FileNotFoundError
        If the data folder or ``pbcseq.csv`` is missing.
    DataChecksumError
        (a ``ValueError``) if ``pbcseq.csv`` differs from the committed file.

    See Also
    --------
    load_pbc : one row per patient, all 418 patients, baseline values.

    Notes
    -----
    ``pbcseq`` was assembled later than ``pbc``. Of the 312 patients, 182 have a different
    follow-up time (177 longer, most by 669-671 days; 5 shorter, by 1-61 days) and 25 have a
    different status (censored in ``pbc``; 10 transplanted and 15 died in ``pbcseq``). Two
    baseline values differ (``id`` 81 bilirubin 14.4 in ``pbc``, 2.0 here; ``id`` 107
    prothrombin time 17.1 in ``pbc``, 10.7 here). Do not mix the two tables' follow-up in one
    analysis. The last visit before death or transplant often lacks many labs (extra
    visits did not get the full protocol battery), so missingness can be informative.

    References
    ----------
    Murtaugh PA, Dickson ER, Van Dam GM, Malinchoc M, Grambsch PM, Langworthy AL, Gips CH.
    Primary biliary cirrhosis: prediction of short-term survival based on repeated patient
    visits. Hepatology 1994;20:126-134.

    Examples
    --------
    >>> seq = load_pbcseq()
    >>> seq.shape
    (1945, 26)
    >>> seq.groupby("id")["treatment"].first().value_counts()
    treatment
    D-penicillamine    158
    placebo            154
    Name: count, dtype: int64
    """
    raw = _read_checked_csv("pbcseq.csv", data_dir)
    df = _common_columns(raw, time_column="futime", trt_codes=PBCSEQ_TRT_CODES,
                         units=PBCSEQ_UNITS)
    df["randomized"] = np.ones(len(raw), dtype=bool)
    df["visit_years"] = raw["day"] / DAYS_PER_YEAR
    return _order(df, raw, extra=("treatment", "randomized", "status_label", "died",
                                  "edema_label", "years", "visit_years"))


def load_cirrhosis_cohort(*, data_dir=None):
    """The course's synthetic teaching cohort: 2,000 patients with cirrhosis, one row each.

    Made by ``liverlab.cohorts.simulate_cirrhosis_cohort`` with a fixed seed
    (``python -m tools.make_teaching_cohort``); columns, units, coding and the seed are in
    ``data/README_cirrhosis_cohort.md``. A per-student variant (``make variants``) has its own
    ``data/`` folder with the cohort regenerated from its own seed, checked against the digest in
    that folder's ``SHA256SUMS``. SYNTHETIC: no real patient is in it. The checksum
    is verified before the file is parsed.

    Returns
    -------
    pandas.DataFrame
        As in the CSV, with ``stage`` (ordered), ``aetiology`` and ``event`` as categoricals in the
        codings of ``liverlab.cohorts``, ``female``
        as bool and ``days_to_decompensation`` as float (NaN when it did not happen).

    Examples
    --------
    >>> cohort = load_cirrhosis_cohort()
    >>> cohort.shape
    (2000, 16)
    >>> list(cohort["event"].cat.categories)
    ['death', 'transplant', 'censored']
    """
    content = _checked_bytes("cirrhosis_cohort.csv", data_dir)
    df = pd.read_csv(io.BytesIO(content), float_precision="round_trip")
    from liverlab.cohorts import AETIOLOGIES, EVENTS, STAGES  # the simulator's own codings

    df["stage"] = pd.Categorical(df["stage"], categories=STAGES, ordered=True)
    df["aetiology"] = pd.Categorical(df["aetiology"], categories=AETIOLOGIES)
    df["event"] = pd.Categorical(df["event"], categories=EVENTS)
    df["female"] = df["female"].astype(bool)
    df["days_to_decompensation"] = df["days_to_decompensation"].astype("float64")
    return df


def r_reference(name, *, data_dir=None):
    """Reference values computed with R's survival package, for side-by-side comparisons.

    Reads ``<name>_reference.json`` (written by the R scripts in the repository's
    ``tests/r_reference/``, which record the R and survival versions) from ``r_reference/`` in the
    data folder (where a student release puts it), else from ``tests/r_reference/`` beside the
    data folder (a clone of the repository). ``name`` is ``"pbc"`` or ``"cohort"``.

    Examples
    --------
    >>> r_reference("pbc")["provenance"]["survival_version"]
    '3.5-3'
    """
    folder = find_data_dir() if data_dir is None else Path(data_dir)
    candidates = [folder / "r_reference" / f"{name}_reference.json",
                  folder.parent / "tests" / "r_reference" / f"{name}_reference.json"]
    for path in candidates:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"No R reference values named {name!r} (looked for "
                            f"{' and '.join(map(str, candidates))}); the names are 'pbc' and "
                            "'cohort'.")


def load_r_reference(name, *, data_dir=None):
    """R's reference values like ``r_reference``, or None (with a printed note) when they are withheld.

    An assessed release withholds R's values that equal graded answers (``make release ASSESSED=...``),
    and may leave a reference file out; a notebook cell that compares with R calls this and skips
    the comparison when it returns None. A withheld value inside a file is NaN (``provenance["withheld"]``
    says how many).

    Examples
    --------
    >>> load_r_reference("cohort")["provenance"]["survival_version"]
    '3.5-3'
    """
    try:
        return r_reference(name, data_dir=data_dir)
    except FileNotFoundError:
        print(f"ℹ️ R's reference values ({name}) are not in this copy of the course (an assessed release "
              "withholds them until the marks are out), so the comparison with R is skipped.")
        return None


def find_data_dir(start=None):
    """The course's data folder, found from the working directory (the notebook's folder).

    In order: the folder named by the environment variable ``LIVERLAB_DATA``; ``start`` (default:
    the working directory) itself if it is a ``data/`` folder holding ``SHA256SUMS``; the folder
    ``data/`` holding ``SHA256SUMS`` in ``start`` or in the nearest folder above it (the course
    root of a clone, of a student release or of a hub copy, when a notebook runs in
    ``notebooks/``). Never the folder beside the installed ``liverlab`` package.

    Raises
    ------
    FileNotFoundError
        If there is no such folder; the message says what to do.

    Examples
    --------
    >>> (find_data_dir() / "SHA256SUMS").is_file()
    True
    """
    named = os.environ.get(DATA_ENV)
    if named:
        return Path(named)
    here = Path.cwd() if start is None else Path(start)
    if here.name == "data" and (here / DATA_MARKER).is_file():
        return here
    for folder in [here, *here.parents]:
        if (folder / "data" / DATA_MARKER).is_file():
            return folder / "data"
    raise FileNotFoundError(
        f"No course data folder found: liverlab looks for a folder data/ holding {DATA_MARKER} in "
        f"the working directory ({here}) and in each folder above it. Keep the course folder "
        "together (notebooks/ beside data/, as in the repository or the student release) and "
        "open the notebook from there; or set the environment variable "
        f"{DATA_ENV}=/path/to/data; or pass data_dir= the folder that holds the files.")


def _checked_bytes(filename, data_dir):
    """The bytes of ``filename`` in the data folder, after checking its SHA-256 digest."""
    folder = find_data_dir() if data_dir is None else Path(data_dir)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The data folder {folder} does not exist. liverlab's loaders read the CSV files "
            "in the course's data/ folder (found from the notebook's folder, see "
            "liverlab.data.find_data_dir): work from the course folder (a clone of the "
            "repository or the student release), or pass data_dir= the folder that holds the "
            "files.")
    path = folder / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{filename} is missing from the data folder {folder}. Restore the committed copy "
            f"with `git checkout -- data/{filename}` (run in the repository), or copy the data/ "
            "folder again from the course folder you were given.")
    content = path.read_bytes()
    _check_sha256(content, filename, path, _listed_digest(folder, filename))
    return content


def _listed_digest(folder, filename):
    """The digest a variant's data folder records for a regenerated file (None: use the committed one)."""
    sums = Path(folder) / DATA_MARKER
    if filename not in REGENERATED_PER_VARIANT or not sums.is_file():
        return None
    for line in sums.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == filename:
            return parts[0].lower()
    return None


def _read_checked_csv(filename, data_dir):
    """Read ``filename`` from the data folder after checking its SHA-256 digest."""
    content = _checked_bytes(filename, data_dir)
    return pd.read_csv(io.BytesIO(content), float_precision="round_trip",
                       dtype={name: "int64" for name in _INTEGER_COLUMNS}
                       | {"sex": "string"})


def _check_sha256(content, filename, path, expected=None):
    """Raise DataChecksumError unless ``content`` is the committed file (or has the ``expected`` digest).

    A checkout that turned the line endings into CRLF (git's core.autocrlf on Windows) holds
    the same values, so it is accepted when its LF version has the recorded digest.
    """
    expected = expected or SHA256[filename]
    digest = hashlib.sha256(content).hexdigest()
    if digest == expected:
        return
    if hashlib.sha256(content.replace(b"\r\n", b"\n")).hexdigest() == expected:
        return
    raise DataChecksumError(
        f"{path} has been changed: its SHA-256 is {digest}, but the committed file has "
        f"{expected} (recorded in liverlab/data.py and data/SHA256SUMS). "
        f"Restore the committed file with `git checkout -- data/{filename}` (or "
        f"`git restore data/{filename}`). If the change was intended, {REGENERATE[filename]} "
        "and update both checksum records.")


def _common_columns(raw, *, time_column, trt_codes, units):
    """Type the original columns and add the labelled ones shared by pbc and pbcseq."""
    df = raw.copy()
    for name in df.columns:
        if name not in _INTEGER_COLUMNS and name != "sex":
            df[name] = df[name].astype("float64")
    df["sex"] = pd.Categorical(df["sex"].map(dict(SEX_CODES), na_action="ignore"),
                               categories=list(SEX_CODES.values()))
    df["treatment"] = pd.Categorical(df["trt"].map(dict(trt_codes)), categories=TREATMENT_LABELS)
    df["status_label"] = pd.Categorical.from_codes(df["status"].to_numpy(),
                                                   categories=STATUS_LABELS)
    df["died"] = (df["status"] == 2).to_numpy()
    df["edema_label"] = pd.Categorical.from_codes(
        (df["edema"] * 2).astype("int64").to_numpy(), categories=EDEMA_LABELS, ordered=True)
    df["years"] = df[time_column] / DAYS_PER_YEAR
    df.attrs = {"units": dict(units), "source": SOURCE}
    return df


def _order(df, raw, *, extra):
    """Original columns in R's order, then the added ones."""
    return df[list(raw.columns) + list(extra)]
