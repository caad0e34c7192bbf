"""Per-student variants: the same notebooks with different simulated data, each with its key.

``python -m tools.variants N [--notebooks 00 01 ...] [--out variants]``  (``make variants N=30``)

For variant k = 1..N:

1. copy each solution notebook and change every seed written as ``default_rng(<int>)`` or
   ``seed=<int>`` to ``<int> + 7919 * k`` (notebooks on real or committed data have no seed
   and stay the same);
2. execute the copy with answer recording on (as ``make solutions`` does);
3. write ``OUT/variant_KK/`` with the student notebooks generated from it, ``answer_keys.json``
   (the fingerprints that ``liverlab.checks.check`` reads from the notebook's folder, so the
   self-checks work for this variant) and ``answer_key.csv`` (exercise, answer) for the
   instructor.

Executing takes roughly the time of ``make solutions`` per variant; limit it with ``--notebooks``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

from tools import authoring

SEED_PATTERN = re.compile(r"(default_rng\(|seed=)(\d+)")
SEED_STEP = 7919


def with_seeds_shifted(source: str, variant: int) -> str:
    """Code with every literal seed moved to ``seed + 7919 * variant``."""
    return SEED_PATTERN.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + SEED_STEP * variant}", source)


def variant_solution(nb, variant: int):
    new = authoring.clean_solution(nb)
    for cell in new.cells:
        if cell.cell_type == "code":
            cell.source = with_seeds_shifted(cell.source, variant)
    return new


def build_variant(variant: int, out: Path, names: list[str] | None = None) -> Path:
    folder = out / f"variant_{variant:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    keys, rows = {}, []
    for path in authoring.solution_paths(names):
        executed, entries = authoring.run_recording(variant_solution(authoring.read(path), variant),
                                                    path.parent)
        authoring.write(authoring.student_version(executed, path.name[:2], variant), folder / path.name)
        for entry in entries:
            keys[entry["id"]] = entry["key"]
            value = entry["value"]
            rows.append((entry["id"], path.name,
                         value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)))
    (folder / "answer_keys.json").write_text(json.dumps(keys, indent=1) + "\n")
    with open(folder / "answer_key.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["exercise", "notebook", "answer"])
        writer.writerows(rows)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.variants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of variants")
    parser.add_argument("--notebooks", nargs="*", default=None, help="e.g. 00 01 (default: all)")
    parser.add_argument("--out", type=Path, default=authoring.ROOT / "variants")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    for variant in range(1, args.n + 1):
        folder = build_variant(variant, args.out, args.notebooks)
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
