"""Write the SYNTHETIC teaching cohort ``data/cirrhosis_cohort.csv`` and its datasheet.

    python -m tools.make_teaching_cohort                 # writes into data/
    python -m tools.make_teaching_cohort --out-dir DIR   # writes into DIR (tests use this)

Steps:

- simulate ``N_PATIENTS`` patients with ``liverlab.cohorts.simulate_cirrhosis_cohort`` and
  ``seed=SEED``, at the default ``CirrhosisParameters``;
- format every column with a fixed number of decimals (``FORMATS``), booleans as
  ``True``/``False``, a missing value as an empty field, ``\\n`` line ends, UTF-8, so that the
  same library gives the same bytes;
- write ``cirrhosis_cohort.csv`` and ``README_cirrhosis_cohort.md`` (the datasheet: columns,
  coding, counts computed from the file, the parameter table, the seed, the command and the
  file's SHA-256);
- print the line for ``data/SHA256SUMS``. The tool never edits ``SHA256SUMS``, which other
  data sets share: when the CSV changes on purpose, replace its line there by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

from liverlab.cohorts import (
    AETIOLOGIES,
    COHORT_COLUMNS,
    EVENTS,
    STAGES,
    CirrhosisParameters,
    simulate_cirrhosis_cohort,
)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
CSV_NAME = "cirrhosis_cohort.csv"
README_NAME = "README_cirrhosis_cohort.md"
N_PATIENTS = 2000
SEED = 20240611
COMMAND = "python -m tools.make_teaching_cohort"

# How each column is written: a format for numbers, None for text and booleans.
FORMATS = {
    "patient_id": "{:d}",
    "stage": None,
    "age_years": "{:.1f}",
    "female": None,
    "aetiology": None,
    "bilirubin_mg_dl": "{:.1f}",
    "inr": "{:.2f}",
    "creatinine_mg_dl": "{:.2f}",
    "sodium_mmol_l": "{:.0f}",
    "albumin_g_dl": "{:.1f}",
    "meld": "{:.0f}",
    "meld_na": "{:.0f}",
    "meld3": "{:.0f}",
    "days_to_decompensation": "{:.0f}",
    "days_to_event": "{:.0f}",
    "event": None,
}

COLUMN_DOCS = [
    ("patient_id", "patient number", "integer 1-2000"),
    ("stage", "stage at enrolment", "`compensated` or `decompensated` (ordered)"),
    ("age_years", "age at enrolment", "years, 1 decimal, 18-90"),
    ("female", "sex", "`True` woman, `False` man"),
    ("aetiology", "cause of cirrhosis", "`alcohol`, `HCV`, `HBV`, `MASLD`, `other`"),
    ("bilirubin_mg_dl", "total bilirubin at enrolment", "mg/dL, 1 decimal (x 17.1 = umol/L)"),
    ("inr", "international normalised ratio at enrolment", "no unit, 2 decimals"),
    ("creatinine_mg_dl", "serum creatinine at enrolment", "mg/dL, 2 decimals (x 88.4 = umol/L)"),
    ("sodium_mmol_l", "serum sodium at enrolment", "mmol/L (= mEq/L), whole numbers"),
    ("albumin_g_dl", "serum albumin at enrolment", "g/dL, 1 decimal (x 10 = g/L)"),
    ("meld", "MELD (OPTN 2002-2016), `liverlab.scores.meld`", "integer 6-40, no dialysis"),
    ("meld_na", "MELD-Na (OPTN 2016-2023), `liverlab.scores.meld_na`", "integer 6-40"),
    ("meld3", "MELD 3.0, `liverlab.scores.meld3` with `female` and `age_years`",
     "integer 6-40"),
    ("days_to_decompensation", "compensated patients: day of first decompensation",
     "whole days; empty if none during follow-up, and for every patient decompensated at "
     "enrolment"),
    ("days_to_event", "follow-up from enrolment to `event`", "whole days, >= 1"),
    ("event", "how follow-up ended", "`death`, `transplant`, or `censored` (alive at loss to "
     "follow-up or at the end of the study)"),
]


def format_csv(cohort: pd.DataFrame) -> bytes:
    """The cohort as CSV bytes with a fixed format per column (see ``FORMATS``)."""
    if list(cohort.columns) != list(COHORT_COLUMNS):
        raise ValueError(f"Expected the columns {list(COHORT_COLUMNS)}; got "
                         f"{list(cohort.columns)}.")
    fields = []
    for column in COHORT_COLUMNS:
        values = cohort[column]
        fmt = FORMATS[column]
        if fmt is None:
            text = values.astype(str)
        else:
            text = values.map(lambda x, fmt=fmt: "" if pd.isna(x) else fmt.format(x))
        fields.append(text.to_numpy())
    lines = [",".join(COHORT_COLUMNS)]
    lines += [",".join(row) for row in zip(*fields)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _markdown_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(out)


def datasheet(cohort: pd.DataFrame, digest: str, params: CirrhosisParameters, seed: int = SEED) -> str:
    """The datasheet (Markdown) of the cohort written with ``digest``."""
    n = len(cohort)
    by_stage = pd.crosstab(cohort["stage"], cohort["event"]).reindex(
        index=list(STAGES), columns=list(EVENTS), fill_value=0)
    event_rows = [(stage, *(int(by_stage.loc[stage, e]) for e in EVENTS),
                   int(by_stage.loc[stage].sum())) for stage in STAGES]
    event_rows.append(("all", *(int(by_stage[e].sum()) for e in EVENTS), n))
    compensated = cohort["stage"] == "compensated"
    decompensations = int(cohort["days_to_decompensation"].notna().sum())
    meld_rows = []
    for stage in STAGES:
        m = cohort.loc[cohort["stage"] == stage, "meld"]
        meld_rows.append((stage, f"{m.mean():.1f}", f"{m.std():.1f}", f"{m.median():.0f}",
                          f"{m.min():.0f}-{m.max():.0f}"))
    aetiology_counts = cohort["aetiology"].value_counts().reindex(list(AETIOLOGIES))
    table = params.table()
    param_rows = [(r.parameter, f"{r.value:g}", r.unit, r.source.replace("|", "/"))
                  for r in table.itertuples()]

    return f"""# Datasheet: synthetic cirrhosis cohort — `{CSV_NAME}`

> **SYNTHETIC DATA.** Every patient in this file was generated by a computer program. No row
> describes a real person, and the file must not be used for clinical decisions or presented
> as observed data. It exists so that the course notebooks can estimate survival curves and
> hazard ratios and then compare them with the values the generator was given.

| file | rows | columns | one row is |
| --- | --- | --- | --- |
| `{CSV_NAME}` | {n} | {len(COHORT_COLUMNS)} | a patient with cirrhosis, followed from enrolment |

## How it was made

- Generator: `liverlab.cohorts.simulate_cirrhosis_cohort({n}, seed={seed})` with the default
  `liverlab.cohorts.CirrhosisParameters()` (table below).
- Command: `{COMMAND}` (from the repository root; `--out-dir DIR` writes elsewhere).
  It writes this datasheet too; do not edit either file by hand.
- Formatting is fixed per column (decimals as in the table of columns, empty field = missing,
  `\\n` line ends, UTF-8), so the same library version gives the same bytes;
  `tests/test_cohorts.py` regenerates the file and compares it byte for byte.
- SHA-256 (`sha256sum` format, also in `data/SHA256SUMS`):

```
{digest}  {CSV_NAME}
```

Check it with `cd data && sha256sum --check --ignore-missing SHA256SUMS`.

## The model in one paragraph

At enrolment a patient is compensated or decompensated. Compensated patients decompensate
(faster with alcohol-related cirrhosis) or die at a low rate; decompensated patients die at a
rate that rises with MELD (log hazard ratio {params.log_hr_death_per_meld_point.value} per
MELD point) or, if listed, receive a transplant. Follow-up ends at death, transplant, loss to
follow-up or the close of the study. The labs are the patient's true values at enrolment; the
hazards use their MELD. Details, values and sources: the docstring of `liverlab.cohorts` and
the parameter table below.

## Columns

| column | meaning | unit / coding |
| --- | --- | --- |
{chr(10).join(f"| `{c}` | {m} | {u} |" for c, m, u in COLUMN_DOCS)}

Load with the codings restored:

```python
import pandas as pd
from liverlab.cohorts import AETIOLOGIES, EVENTS, STAGES

cohort = pd.read_csv("data/{CSV_NAME}", dtype={{
    "stage": pd.CategoricalDtype(STAGES, ordered=True),
    "aetiology": pd.CategoricalDtype(AETIOLOGIES),
    "event": pd.CategoricalDtype(EVENTS),
}})
```

Whole-number columns (`sodium_mmol_l`, `meld`, `meld_na`, `meld3`, and the days when no value
is missing) load as int64, where the simulator returns float64; the values are the same.

## What is in it

Events by stage at enrolment:

{_markdown_table(["stage", *EVENTS, "total"], event_rows)}

- {decompensations} of the {int(compensated.sum())} compensated patients decompensated during
  follow-up.
- Follow-up: median {cohort["days_to_event"].median():.0f} days, range
  {cohort["days_to_event"].min():.0f}-{cohort["days_to_event"].max():.0f}.
- Women: {int(cohort["female"].sum())} ({cohort["female"].mean():.1%}). Age: median
  {cohort["age_years"].median():.1f} years.
- Aetiology: {", ".join(f"{a} {int(k)}" for a, k in aetiology_counts.items())}.

MELD at enrolment:

{_markdown_table(["stage", "mean", "SD", "median", "range"], meld_rows)}

## Parameters (true values of the generator)

Status tags: [V] verified in the primary source, [V2] through a secondary source, [D] derived
(arithmetic shown), "course assumption" where no source was found (reason given).

{_markdown_table(["parameter", "value", "unit", "source"], param_rows)}

## Limits

- Not modelled: hepatocellular carcinoma, recompensation, the sub-stages of compensated and
  decompensated cirrhosis, MELD changing over time, transplant depending on MELD, effects of
  age and sex on any hazard, deaths after transplant.
- The MELD-mortality curve is log-linear by design (one slope per MELD point). Wiesner 2003's
  five strata are not exactly log-linear; simulated three-month mortality per stratum is
  within about 15% (relative) of theirs.
- Aetiology proportions are a course assumption; they matter only through the faster
  decompensation of alcohol-related cirrhosis.
"""


def write(out_dir: Path, seed: int = SEED) -> str:
    """Write the CSV and the datasheet into ``out_dir``; return the ``SHA256SUMS`` line.

    ``seed`` other than ``SEED``: a per-student variant's cohort (``tools.variants``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = CirrhosisParameters()
    cohort = simulate_cirrhosis_cohort(N_PATIENTS, seed=seed, params=params)
    content = format_csv(cohort)
    digest = hashlib.sha256(content).hexdigest()
    (out_dir / CSV_NAME).write_bytes(content)
    (out_dir / README_NAME).write_bytes(datasheet(cohort, digest, params, seed).encode("utf-8"))
    return f"{digest}  {CSV_NAME}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_teaching_cohort",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR,
                        help="folder for the CSV and its datasheet (default: data/)")
    args = parser.parse_args(argv)
    line = write(args.out_dir)
    print(f"wrote {args.out_dir / CSV_NAME} and {args.out_dir / README_NAME}")
    print(f"data/SHA256SUMS line: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
