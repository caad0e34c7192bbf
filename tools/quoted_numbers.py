"""Prose in step with the outputs: numbers that the text quotes from a notebook's results.

When ``make solutions`` executes a solution notebook, it records (``solutions/quoted_numbers.json``)
every number of 3+ significant digits in the notebook's markdown that a stored output shows, to the
precision the text gives (the text "0.81" quotes an output 0.8123; "1,164" quotes 1164). Those are the
numbers the text quotes from results. It keeps the numbers recorded before the run too, so a
change of seed or parameter that moves a result is caught: ``make lint`` reports every recorded
number that the text still says but no output shows any more, with "update the text, or write it
with ``liverlab.prose.say``".

Years (1900–2099) and numbers inside formulas (``$...$``), links and the References section are
left out: they are facts, not results.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

PROSE_NUMBER = re.compile(r"(?<![\w.,/])[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w]|,\d{3}|\.\d)")
LABEL_BEFORE = re.compile(r"(Exercises?|Figures?|Tables?|Sections?|§|notebooks?|cells?|version|MELD|"
                          r"[Pp]olicy|\d+\.\d+[–-])\s*$")
OUTPUT_NUMBER = re.compile(r"[−-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "").replace("−", "-"))
    except InvalidOperation:
        return None


def _significant(text: str) -> int:
    digits = text.replace(",", "").replace("−", "").replace("-", "").replace(".", "").lstrip("0")
    return len(digits)


def _prose_text(source: str) -> str:
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", source, flags=re.S)
    text = re.sub(r"\]\([^)]*\)|<[^>]+>|`[^`]*`|https?://\S+|doi:\S+|PMC\d+|PMID:? ?\d+", " ", text)
    return text


def prose_numbers(nb) -> list[tuple[str, str]]:
    """(cell id, number as written) for the candidate result numbers of each markdown cell."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or re.match(r"^#{1,3}\s+References", cell.source):
            continue
        prose = _prose_text(cell.source)
        for match in PROSE_NUMBER.finditer(prose):
            text = match.group(0)
            if LABEL_BEFORE.search(prose[:match.start()]):
                continue  # "Exercise 6.10", "Figure 2.1": a label, not a result
            value = _decimal(text)
            if value is None or _significant(text) < 3:
                continue
            if "." not in text and "," not in text and 1900 <= abs(value) <= 2099:
                continue  # a year
            found.append((cell.get("id", ""), text))
    return found


def output_numbers(nb) -> set[Decimal]:
    """Every number shown in the notebook's text outputs (prints, tables)."""
    values = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            data = output.get("data", {})
            texts.append(data.get("text/plain", ""))
            texts.append(re.sub(r"<[^>]+>", " ", data.get("text/html", "")))
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                for match in OUTPUT_NUMBER.finditer(text.replace(",", "")):
                    value = _decimal(match.group(0))
                    if value is not None and value.is_finite():
                        values.add(value)
    return values


def _shown(text: str, outputs: set[Decimal]) -> bool:
    """Does some output round to the number as the text writes it?"""
    value = _decimal(text)
    places = len(text.split(".")[1]) if "." in text else 0
    quantum = Decimal(1).scaleb(-places)
    for sign in (1, -1):  # prose often drops a sign ("fell by 1.77")
        target = value * sign
        if any(abs(o - target) <= quantum / 2 for o in outputs):
            return True
    return False


def quoted(nb) -> list[tuple[str, str]]:
    """The prose numbers that an output of this notebook shows."""
    outputs = output_numbers(nb)
    return [(cell_id, text) for cell_id, text in prose_numbers(nb) if _shown(text, outputs)]


def record(path: Path, name: str, before, after) -> None:
    """Store the numbers quoted before and after a run of ``make solutions`` (see the module docstring)."""
    import fcntl

    with open(path.with_suffix(".lock"), "w") as lock:  # parallel `make solutions` runs share the file
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {}
        kept = {tuple(pair) for pair in data.get(name, [])} | set(quoted(before)) | set(quoted(after))
        data[name] = sorted([list(pair) for pair in kept])
        path.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")


def problems(nb, name: str, path: Path) -> list[str]:
    """Recorded quoted numbers that the text still says but no output shows any more."""
    data = json.loads(path.read_text()) if path.exists() else {}
    outputs = output_numbers(nb)
    still_written = set(prose_numbers(nb))
    found = []
    for cell_id, text in data.get(name, []):
        if (cell_id, text) in still_written and not _shown(text, outputs):
            index = next((i for i, c in enumerate(nb.cells) if c.get("id") == cell_id), "?")
            found.append(f"cell {index} quotes {text}, which no output shows any more: update the text, or "
                         "write it from the variables with liverlab.prose.say")
    return found
