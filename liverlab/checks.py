"""Self-checks for the exercises: right, not yet (with a hint), or not answered yet.

Every exercise in a notebook ends with a check cell::

    check("1.2", meld_score)

and the learner sees one line of feedback. ``check`` never raises and never prints
the expected answer. It compares a fingerprint (a salted SHA-256 hash) of the
learner's rounded answer with the fingerprint stored in ``answer_keys.json``.

Where the keys come from
------------------------
The keys are written by the build (``make solutions``), which executes each
solution notebook with the environment variable ``LIVERLAB_RECORD_ANSWERS`` set to
a file name: in that mode ``check`` records the fingerprint of the value the
solution itself computed. The keys therefore cannot drift from the solutions; a
test re-runs the solutions against the stored keys (nbval) and fails if they do.

How answers are compared
------------------------
- numbers: rounded to ``sig`` significant figures (default 3), or to ``decimals``
  decimal places when given (use this for answers near zero); an answer within
  about one unit of the last kept digit is accepted;
- whole numbers (counts, integer scores): exactly; ``23.0`` counts as ``23``;
- ``True``/``False``: exactly;
- text: ignoring case, surrounding spaces and repeated spaces;
- lists, tuples, arrays, Series: element by element, in order; sets: in any order.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["check", "answered", "KEYS_PATH"]

KEYS_PATH = Path(__file__).with_name("answer_keys.json")
VARIANT_KEYS = "answer_keys.json"  # a per-student variant folder carries its own keys (make variants)
RECORD_ENV = "LIVERLAB_RECORD_ANSWERS"

CORRECT = "✅ Exercise {id}: correct."
NOT_YET = "❌ Exercise {id}: not yet."
NOT_ANSWERED = "⏳ Exercise {id}: not answered yet: replace the ... with your code, then run this cell."
NEEDS = "⏳ This cell uses your answer to Exercise {id}: finish that exercise first, then run this cell again."


# ----------------------------------------------------------------------------------------
# Canonical text of an answer, and its fingerprint
# ----------------------------------------------------------------------------------------
def _format_number(x: float, sig: int | None, decimals: int | None) -> str:
    if decimals is not None:
        text = f"{round(x, decimals):.{decimals}f}"
    else:
        text = f"{x:.{sig}g}"
    if float(text) == 0:
        text = text.lstrip("-")  # -0.0 and 0.0 are the same answer
    return text


def _scalar_kind(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (numbers.Integral, np.integer)):
        return "int"
    if isinstance(value, (numbers.Real, np.floating)):
        return "number"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"an answer of type {type(value).__name__}")


def _canonical_scalars(value, kind: str, rule: dict, nudge: float = 0.0) -> str:
    """Canonical text of one scalar answer under the key's rule (``nudge`` for tolerance)."""
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError("expected True or False")
        return "bool:" + str(bool(value))
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError("expected a piece of text (a string in quotes)")
        return "text:" + " ".join(value.split()).casefold()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError("expected a number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError("your answer is NaN or infinite: look for a missing value or a division by zero")
    if kind == "int":
        if not x.is_integer():
            raise ValueError("expected a whole number")
        return f"int:{int(x)}"
    sig, decimals = rule.get("sig"), rule.get("decimals")
    if decimals is not None:
        x = x + nudge * 0.5 * 10 ** (-decimals)
    else:
        x = x * (1 + nudge * 0.5 * 10 ** (1 - sig))
    return "number:" + _format_number(x, sig, decimals)


def _as_items(value):
    """(shape, items) for a collection answer; items are plain Python scalars."""
    if isinstance(value, (set, frozenset)):
        return "set", list(value)
    if isinstance(value, (pd.Series, pd.Index)):
        return "list", value.tolist()
    if isinstance(value, np.ndarray):
        return "list", value.ravel().tolist()
    if isinstance(value, (list, tuple)):
        return "list", list(value)
    return None, None


def _fingerprint(exercise_id: str, canonical: str) -> str:
    return hashlib.sha256(f"liverlab|{exercise_id}|{canonical}".encode()).hexdigest()


def _canonical_answer(value, rule: dict, nudge: float = 0.0) -> str:
    shape = rule["shape"]
    if shape == "scalar":
        return _canonical_scalars(value, rule["kind"], rule, nudge)
    got_shape, items = _as_items(value)
    if got_shape is None:
        raise TypeError(f"expected a collection of {rule.get('length')} values (a list, array or Series)")
    if len(items) != rule["length"]:
        raise ValueError(f"expected {rule['length']} values, got {len(items)}")
    texts = [_canonical_scalars(v, rule["kind"], rule, nudge) for v in items]
    if shape == "set":
        texts = sorted(texts)
    return "[" + ", ".join(texts) + "]"


def make_rule(value, *, sig: int = 3, decimals: int | None = None) -> dict:
    """The comparison rule recorded for a solution's answer."""
    shape, items = _as_items(value)
    if shape is None:
        shape, items = "scalar", [value]
    if isinstance(value, (pd.DataFrame,)) or len(items) == 0:
        raise TypeError("an answer must be a single value or a non-empty list of values")
    kinds = {_scalar_kind(v) for v in items}
    if kinds == {"int", "number"}:
        kinds = {"number"}
    if kinds == {"number"} and all(float(v).is_integer() for v in items) and decimals is None:
        # A float answer that is a whole number (a score, a count) is compared exactly.
        kinds = {"int"}
    if len(kinds) != 1:
        raise TypeError(f"mixed kinds in one answer: {sorted(kinds)}")
    rule = {"shape": shape, "kind": kinds.pop()}
    if shape != "scalar":
        rule["length"] = len(items)
    if rule["kind"] == "number":
        rule.update({"decimals": decimals} if decimals is not None else {"sig": sig})
    return rule


# ----------------------------------------------------------------------------------------
# Keys: reading, and recording while the build executes the solutions
# ----------------------------------------------------------------------------------------
def _load_keys() -> dict:
    """The answer keys: a variant's own ``answer_keys.json`` beside the notebook, else the course's."""
    local = Path.cwd() / VARIANT_KEYS
    path = local if local.is_file() else KEYS_PATH
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _record(exercise_id: str, value, sig: int, decimals: int | None, hint: str | None) -> None:
    rule = make_rule(value, sig=sig, decimals=decimals)
    entry = {
        "id": exercise_id,
        "rule": rule,
        "fingerprint": _fingerprint(exercise_id, _canonical_answer(value, rule)),
        "value": _plain(value),
    }
    with open(os.environ[RECORD_ENV], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _plain(value):
    shape, items = _as_items(value)
    if shape is None:
        return value.item() if isinstance(value, np.generic) else value
    items = [v.item() if isinstance(v, np.generic) else v for v in items]
    return sorted(items, key=str) if shape == "set" else items


# ----------------------------------------------------------------------------------------
# The two functions a notebook calls
# ----------------------------------------------------------------------------------------
def check(exercise_id: str, value, *, sig: int = 3, decimals: int | None = None,
          hint: str | None = None) -> None:
    """Print whether ``value`` answers exercise ``exercise_id``; never raises.

    Parameters
    ----------
    exercise_id : str
        The exercise number as printed in the notebook, e.g. ``"1.2"``.
    value : number, bool, str, list, array or Series
        The learner's answer. ``...`` (the placeholder) means "not answered yet".
    sig, decimals : int, optional
        How the solution's answer is rounded when its key is recorded (``sig``
        significant figures by default, ``decimals`` places for answers near 0).
    hint : str, optional
        Shown with "not yet", to nudge without giving the answer away.
    """
    try:
        print(_check_message(str(exercise_id), value, sig=sig, decimals=decimals, hint=hint))
    except Exception as exc:  # a self-check must never crash a learner's notebook
        print(f"⚠️ Exercise {exercise_id}: this answer could not be checked ({type(exc).__name__}: "
              f"{exc}). Tell your instructor.")


def _check_message(exercise_id, value, *, sig, decimals, hint) -> str:
    if _has_placeholder(value):
        return NOT_ANSWERED.format(id=exercise_id)
    if os.environ.get(RECORD_ENV):
        _record(exercise_id, value, sig, decimals, hint)
        return CORRECT.format(id=exercise_id)
    key = _load_keys().get(exercise_id)
    if key is None:
        return (f"⚠️ Exercise {exercise_id}: no answer key found. Instructors: run `make solutions` "
                "to record the keys.")
    rule = key["rule"]
    try:
        candidates = {_canonical_answer(value, rule, nudge) for nudge in (0.0, -1.0, 1.0)}
    except (TypeError, ValueError) as exc:
        return f"{NOT_YET.format(id=exercise_id)} Hint: {exc}."
    if any(_fingerprint(exercise_id, c) == key["fingerprint"] for c in candidates):
        return CORRECT.format(id=exercise_id)
    message = NOT_YET.format(id=exercise_id)
    return f"{message} Hint: {hint}" if hint else f"{message} Check your steps and try again."


def _has_placeholder(value) -> bool:
    """True for ``...`` itself, or a list/tuple/set/dict with a ``...`` inside."""
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return any(_has_placeholder(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_placeholder(v) for v in value)
    return False


def answered(exercise_id: str, *values) -> bool:
    """True when every value is filled in; otherwise say which exercise to finish first.

    Use it to guard a later cell that builds on an exercise's result::

        if answered("1.3", cohort_meld):
            cohort_meld.plot.hist()
    """
    if any(_has_placeholder(v) for v in values):
        print(NEEDS.format(id=exercise_id))
        return False
    return True
