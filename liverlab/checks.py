"""Self-checks for the exercises: right, not yet (with a reason and a hint), or not answered yet.

Every exercise in a notebook ends with a check cell::

    check("1.2", meld_score, hint="...")

and the learner sees one line of feedback. ``check`` never raises and never prints
the expected answer. It compares fingerprints (salted SHA-256 hashes) of the
learner's rounded answer with the fingerprints stored in ``answer_keys.json``.

Where the keys come from
------------------------
The keys are written by the build (``make solutions``), which executes each
solution notebook with the environment variable ``LIVERLAB_RECORD_ANSWERS`` set to
a file name: in that mode ``check`` records the key of the value the solution
itself computed. The keys therefore cannot drift from the solutions.

Where the keys are read from
----------------------------
From the notebook's own folder (the kernel's working directory): its
``answer_keys.json``, or the course's ``notebooks/answer_keys.json`` in the nearest
folder above it. Never from the installed package, so a stale installation
cannot give a right answer "not yet". A missing key file is reported loudly.

How answers are compared
------------------------
- numbers: rounded to ``sig`` significant figures (default 3), or to ``decimals``
  decimal places (for answers near zero). An answer is right when its rounded value is
  the key's rounded value or one unit of the last kept digit either side (key 0.512
  accepts 0.511, 0.512 and 0.513);
- whole numbers (counts, integer scores): exactly; ``23.0`` counts as ``23``;
- ``True``/``False``: exactly; text: ignoring case, repeated spaces, and brackets or
  punctuation around it ("(b)", "B", " b ", "b)" are all "b"), and leading zeros of a number written
  as text ("03" is "3");
- lists, tuples, arrays, Series: element by element, in order (a Series labelled by the check's
  ``names`` by label); sets: in any order.

Diagnostic feedback
-------------------
When an answer is not right, the feedback says why without giving the answer: the
wrong kind of value ("expected a number; you gave a Series"), the wrong number of
values, which elements are wrong (named by ``names=``, "the 2nd value, `meld_na`", or by
a Series' own index label), and a common slip, for the whole answer or per element.
Slips are recorded with the key: fingerprints of each element of the true answer
transformed (1 − x, ×100, ÷100, sign, ×365.25, ÷365.25, log10 vs natural log, reciprocal,
log vs exp; × ``denominator`` for a count given for a fraction; the p-value of a chi-square
statistic given ``chi2_df``), so they cannot drift.
A slip message states the numeric relation ("your value is 100 times the answer") and offers
the likely causes as questions ("a percentage where a fraction is asked, or a unit 100 times too
small?"), never as a verdict: the check does not know what the quantity is.
A slip is named only when it can be told apart: at an element where it would be accepted
as the answer, or could match the same answer as another slip, it is not recorded, and an
answer matching two recorded slips gets neither. The same slip at every element of a list is
named once for all ("every value is 1 minus its answer") when no other slip fits every element,
also where one element alone is ambiguous; an interval [estimate, lower, upper] inverted or negated
is recognised with its limits swapped ([1/HR, 1/upper, 1/lower]).
A wrong number with fewer digits than the check compares (it equals itself rounded to ``sig`` − 1
significant figures, or ``decimals`` − 1 places) that is a rounding of the right value (some value
that rounds to it matches the key) gets a note: "This check compares 3 significant figures: if you
rounded your answer, give it unrounded." A wrong number that merely has few digits (a count, 0.35
for 0.302, a 0) gets none. A Series labelled by exactly the ``names=`` (in any order, e.g. after
``.sort_values()``) is compared label by label. 0 and 1 for True/False are not accepted: the
feedback says they are numbers. A choice (``choice=True``, and every True/False answer) is never
diagnosed: the feedback says how many are wrong, not which.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["check", "answered", "evaluate", "make_key", "find_keys", "Verdict", "PASSED"]

KEYS_NAME = "answer_keys.json"
RECORD_ENV = "LIVERLAB_RECORD_ANSWERS"

CORRECT = "✅ Exercise {id}: correct."
NOT_YET = "❌ Exercise {id}: not yet."
NOT_ANSWERED = "⏳ Exercise {id}: not answered yet: replace the ... with your code, then run this cell."
NEEDS = "⏳ This cell uses your answer to Exercise {id}: finish that exercise first, then run this cell again."
NEEDS_RIGHT = ("⏳ This cell uses your answer to Exercise {id}, which is not right yet: fix it, run its "
               "check cell, then run this cell again.")
NEEDS_CHECK = ("⏳ This cell uses your answer to Exercise {id}: run the check cell of Exercise {id} "
               "first, then run this cell again.")
NO_KEY_FILE = ("⚠️ Exercise {id}: no answer key file ({name}) was found in this notebook's folder or in a "
               "course folder above it, so this answer cannot be checked. Keep the notebook in the course's "
               "notebooks/ folder (or the folder it came in), or ask your instructor.")
NO_KEY = "⚠️ Exercise {id}: no answer key found. Instructors: run `make solutions` to record the keys."

# Exercise id -> did its most recent check in this kernel pass (True), fail (False),
# or could not be checked for want of a key ("nokey")? ``answered`` reads it.
PASSED: dict[str, object] = {}

# Common slips: name -> (transform of the true value, the numeric relation, its likely causes).
# A message states the relation (a fact, within rounding) and offers causes as questions, never as a
# verdict: the same slip may be a percentage for a fraction or a unit 100 times too small. "{the}" is
# "the" for a whole answer and "its" for one element of a list.
SLIPS: dict[str, tuple] = {
    "percent": (lambda v: v * 100, "100 times {the} answer",
                "a percentage where a fraction is asked, or a unit 100 times too small?"),
    "fraction": (lambda v: v / 100, "{the} answer divided by 100",
                 "a fraction where a percentage is asked, or a unit 100 times too large?"),
    "sign": (lambda v: -v, "{the} answer with the sign flipped",
             "check the order of a subtraction or which group is the reference"),
    "days": (lambda v: v * 365.25, "365.25 times {the} answer", "days where years are asked?"),
    "years": (lambda v: v / 365.25, "{the} answer divided by 365.25", "years where days are asked?"),
    "log10": (lambda v: v / math.log(10), "{the} answer divided by ln 10 (2.303)",
              "a base-10 logarithm (np.log10) where the natural logarithm (np.log) is asked?"),
    "ln": (lambda v: v * math.log(10), "{the} answer times ln 10 (2.303)",
           "a natural logarithm (np.log) where a base-10 logarithm (np.log10) is asked?"),
    "reciprocal": (lambda v: 1 / v, "the reciprocal (1/x) of {the} answer",
                   "check which group is the reference, or which way round a ratio goes"),
    "log": (lambda v: math.log(v), "the natural logarithm of {the} answer",
            "a value on the log scale (a coefficient, e.g. a log hazard ratio) where the ratio is asked (np.exp)?"),
    "exp": (lambda v: math.exp(v), "the exponential (np.exp) of {the} answer",
            "a ratio where the value on the log scale (the coefficient) is asked?"),
    "complement": (lambda v: 1 - v, "1 minus {the} answer",
                   "the complementary quantity (survival for mortality, an event for its absence, a ranking "
                   "the wrong way round), or a subtraction from 1 that is not needed?"),
}
# A count where a fraction is asked: recorded only when the check gives the denominator
# (``check(..., denominator=20000)``), since the key cannot hold the true value to compare ratios with.
COUNT_SLIP = "count"
COUNT_MESSAGE = ("{the} answer times the number it is a fraction of",
                 "a count where a fraction is asked (divide the count by that number)?")
# A p-value where a chi-square statistic is asked: recorded when the check gives the degrees of freedom
# (``check(..., chi2_df=1)``); the p-value is then exactly chi2.sf(statistic, df), as lifelines and scipy give it.
P_VALUE_SLIP = "p_value"
P_VALUE_MESSAGE = ("the p-value of {the} answer (a chi-square statistic)",
                   "the test's p-value where the statistic itself is asked?")
EXTRA_SLIPS = {COUNT_SLIP: COUNT_MESSAGE, P_VALUE_SLIP: P_VALUE_MESSAGE}
# Whole-list slips are stored in a key's "slips" under "all:<slip>" (the slip applied to every element)
# and, for an interval [estimate, lower, upper], "all:<slip>_swapped" (a reciprocal or a sign flip
# swaps the limits: [1/estimate, 1/upper, 1/lower]).
ALL = "all:"
SWAPPED = "_swapped"


# ----------------------------------------------------------------------------------------
# Canonical text of one value under a rule, and fingerprints
# ----------------------------------------------------------------------------------------
def _kind_of(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (numbers.Integral, np.integer)):
        return "int"
    if isinstance(value, (numbers.Real, np.floating)):
        return "number"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"an answer of type {type(value).__name__}")


def _is_test_result(value) -> bool:
    """A scipy/lifelines test result (it has a statistic and a p-value), given where a number is asked.
    Any error from the object's own attribute lookup (student code is hostile input) means no."""
    try:
        return hasattr(value, "pvalue") and hasattr(value, "statistic")
    except Exception:
        return False


def _how_to_pick(value) -> str:
    """How to take a number out of what the learner gave, when that is clear."""
    if isinstance(value, (pd.Series, pd.Index, np.ndarray)) and np.size(value) == 1:
        return " (take the one value out of it, e.g. with .item())"
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return " (take its one element, e.g. with [0])"
    if _is_test_result(value):
        return " (a test result: take the number asked for, e.g. its .pvalue or .statistic)"
    return ""


def _describe(value) -> str:
    """A short description of what the learner gave, for type messages (never the key)."""
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame with {value.shape[0]} rows and {value.shape[1]} columns"
    if isinstance(value, pd.Series):
        return f"a Series of {len(value)} value(s)"
    if isinstance(value, np.ndarray):
        return f"an array of {value.size} value(s)"
    if _is_test_result(value):
        return f"a test result ({type(value).__name__})"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"a {type(value).__name__} of {len(value)} value(s)"
    if isinstance(value, (bool, np.bool_)):
        return "True/False"
    if isinstance(value, str):
        return "a piece of text"
    if isinstance(value, (numbers.Real, np.number)):
        return "a number"
    if value is None:
        return "None (did a function forget to `return`?)"
    if callable(value):
        return "a function (did you forget to call it?)"
    return f"a {type(value).__name__}"


def _number_text(x: float, rule: dict) -> str:
    if rule.get("decimals") is not None:
        text = f"{round(x, rule['decimals']):.{rule['decimals']}f}"
    else:
        text = f"{x:.{rule['sig']}g}"
    return text.lstrip("-") if float(text) == 0 else text  # -0.0 and 0.0 are the same answer


def _unit(text: str, rule: dict) -> Decimal:
    """One unit of the last kept digit of a rounded number."""
    if rule.get("decimals") is not None:
        return Decimal(1).scaleb(-rule["decimals"])
    value = Decimal(text)
    if value == 0:
        return Decimal(0)
    return Decimal(1).scaleb(value.adjusted() - rule["sig"] + 1)


def _number_texts(x: float, rule: dict, tolerant: bool) -> set[str]:
    """The rounded text of x, and (tolerant) every key text within one unit of the key's last digit."""
    text = _number_text(x, rule)
    if not tolerant:
        return {text}
    texts = {text}
    rounded, unit = Decimal(text), _unit(text, rule)
    for step in (unit / 10, unit, unit * 10) if unit else ():
        base = (rounded / step).to_integral_value() * step  # the learner's value on this digit's grid
        for sign in (-1, 0, 1):
            candidate_text = _number_text(float(base + sign * step), rule)
            # keep a candidate key k only if the learner's rounded value is within one unit of k
            if abs(Decimal(candidate_text) - rounded) <= _unit(candidate_text, rule) * Decimal("1.000001"):
                texts.add(candidate_text)
    return texts


def _scalar_texts(value, rule: dict, tolerant: bool = True) -> set[str]:
    """Canonical texts of one scalar answer under the key's rule (several when tolerance applies)."""
    kind = rule["kind"]
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            if isinstance(value, (numbers.Real, np.number)) and value in (0, 1):
                raise TypeError("expected True or False, not 0 or 1 (0 and 1 are numbers): write True or False")
            raise TypeError(f"expected True or False; you gave {_describe(value)}")
        return {f"bool:{bool(value)}"}
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"expected a piece of text (in quotes); you gave {_describe(value)}")
        return {"text:" + _normal_text(value)}
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(f"expected a number; you gave {_describe(value)}{_how_to_pick(value)}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError("your answer is NaN or infinite: look for a missing value, a division by zero, or a step given "
                         "the wrong inputs")
    if kind == "int":
        if not x.is_integer():
            raise ValueError("expected a whole number (a count or a score), not one with decimals")
        return {f"int:{int(x)}"}
    return {"number:" + t for t in _number_texts(x, rule, tolerant)}


SURROUNDING = " \t\r\n()[]{}.,;:!?'\"`"


def _normal_text(text: str) -> str:
    """Text compared ignoring case, repeated spaces, brackets or punctuation around it, and leading zeros of a
    number written as text: "(B)." is "b", "03" is "3"."""
    text = " ".join(text.strip(SURROUNDING).split()).casefold()
    return str(int(text)) if re.fullmatch(r"[0-9]+", text) else text  # "01" is "1"


def _fingerprint(exercise_id: str, position: str, text: str) -> str:
    return hashlib.sha256(f"liverlab|{exercise_id}|{position}|{text}".encode()).hexdigest()


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


# ----------------------------------------------------------------------------------------
# Keys: made from a solution's value
# ----------------------------------------------------------------------------------------
def make_rule(value, *, sig: int = 3, decimals: int | None = None) -> dict:
    """The comparison rule recorded for a solution's answer."""
    shape, items = _as_items(value)
    if shape is None:
        shape, items = "scalar", [value]
    if isinstance(value, pd.DataFrame) or len(items) == 0:
        raise TypeError("an answer must be a single value or a non-empty list of values")
    kinds = {_kind_of(v) for v in items}
    if kinds == {"int", "number"}:
        kinds = {"number"}
    if kinds == {"number"} and all(float(v).is_integer() for v in items) and decimals is None:
        kinds = {"int"}  # a float answer that is a whole number (a score, a count) is compared exactly
    if len(kinds) != 1:
        raise TypeError(f"mixed kinds in one answer: {sorted(kinds)}")
    rule = {"shape": shape, "kind": kinds.pop()}
    if shape != "scalar":
        rule["length"] = len(items)
    if rule["kind"] == "number":
        rule.update({"decimals": decimals} if decimals is not None else {"sig": sig})
    return rule


def _items_of(value, rule: dict) -> list:
    return [value] if rule["shape"] == "scalar" else _as_items(value)[1]


def make_key(exercise_id: str, value, *, sig: int = 3, decimals: int | None = None,
             denominator=None, chi2_df=None) -> dict:
    """The key recorded for a solution's answer: its rule, per-element fingerprints and slips.

    ``denominator`` (a number, or a list with one entry per element, None where it does not apply)
    is what a fraction answer is a fraction of: the key then also recognises the count. ``chi2_df``
    (likewise) marks a chi-square statistic and its degrees of freedom: the key recognises its p-value.

    >>> key = make_key("9.1", 0.25)
    >>> evaluate("9.1", 0.2501, key).status, evaluate("9.1", 25, key).slip
    ('correct', 'percent')
    """
    rule = make_rule(value, sig=sig, decimals=decimals)
    items = _items_of(value, rule)
    positions = ["set" if rule["shape"] == "set" else str(i) for i in range(len(items))]
    fingerprints = [_fingerprint(exercise_id, p, next(iter(_scalar_texts(v, rule, tolerant=False))))
                    for p, v in zip(positions, items)]
    if rule["shape"] == "set":
        fingerprints.sort()
    key = {"rule": rule, "fingerprints": fingerprints}
    if rule["kind"] == "number":
        key["slips"] = _slip_fingerprints(exercise_id, items, positions, rule,
                                          list(zip(_per_element(denominator, items, "denominator"),
                                                   _per_element(chi2_df, items, "chi2_df"))))
    return key


def _per_element(option, items, name: str) -> list:
    """An option given once for the answer, or as a list with one entry per element."""
    if option is None:
        return [None] * len(items)
    given = list(option) if isinstance(option, (list, tuple)) else [option] * len(items)
    if len(given) != len(items):
        raise ValueError(f"{name} has {len(given)} entries for an answer of {len(items)} values")
    return given


def _transforms(extras) -> dict:
    """Slip name -> transform of one true value; the count and p-value slips only where the check
    gave the element's denominator or chi-square degrees of freedom."""
    denominator, chi2_df = extras
    transforms = {name: transform for name, (transform, *_) in SLIPS.items()}
    if denominator is not None:
        transforms[COUNT_SLIP] = lambda v: v * denominator
    if chi2_df is not None:
        from scipy import stats

        transforms[P_VALUE_SLIP] = lambda v: float(stats.chi2.sf(v, chi2_df))
    return transforms


def _near(a_text: str, b_text: str, rule: dict) -> bool:
    """Could one learner's answer match both keys? A key k accepts a rounded answer within one unit of
    k's last digit, so two keys can both accept one answer when those intervals overlap."""
    a, b = Decimal(a_text), Decimal(b_text)
    return abs(a - b) <= (_unit(a_text, rule) + _unit(b_text, rule)) * Decimal("1.000001")


def _slip_fingerprints(exercise_id, items, positions, rule, extras) -> dict:
    """Fingerprints of each slip, element by element: {slip: [fingerprint or None per element]}.

    A slip is left out at an element (None) where a learner who made it would be within tolerance of
    the true value (0 is its own sign flip, 1 its own reciprocal), or of another slip (for r near 0,
    1 - r and exp(-r) ...): feedback then never names a slip that may not have happened. For a set
    answer (no positions) a slip is kept only if it is clear at every element.
    """
    per_slip: dict[str, list] = {}
    for index, (v, extra) in enumerate(zip(items, extras)):
        true_text = _number_text(float(v), rule)
        exact = {}
        for name, transform in _transforms(extra).items():
            try:
                moved = transform(float(v))
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            if not math.isfinite(moved) or abs(moved) > 1e300:
                continue
            exact[name] = _number_text(moved, rule)
        clear = {}
        for name, text in exact.items():
            if _near(text, true_text, rule):
                continue
            if any(_near(text, other, rule) for other_name, other in exact.items() if other_name != name):
                continue
            clear[name] = _fingerprint(exercise_id, positions[index], "number:" + text)
        for name in sorted(exact.keys() | per_slip.keys()):
            per_slip.setdefault(name, [None] * index).append(clear.get(name))
    slips = {}
    for name, fingerprints in sorted(per_slip.items()):
        if all(f is None for f in fingerprints):
            continue
        if rule["shape"] == "set":
            if any(f is None for f in fingerprints):
                continue
            fingerprints = sorted(fingerprints)
        slips[name] = fingerprints
    slips.update(_whole_list_fingerprints(exercise_id, items, rule, extras))
    return slips


def _whole_list_fingerprints(exercise_id, items, rule, extras) -> dict:
    """{"all:<slip>": [fingerprint per element]}: each slip applied to every element of a list, and for an
    interval [estimate, lower, upper] a reciprocal or sign flip with its limits swapped ([1/est, 1/upper,
    1/lower]). Feedback names such a slip once for the whole list when every element matches it and no
    other slip fits every element; an element where it is ambiguous on its own is then still clear."""
    if rule["shape"] != "list" or len(items) < 2:
        return {}
    values = [float(v) for v in items]
    per_element = [_transforms(extra) for extra in extras]
    out = {}
    for name in sorted(set.intersection(*(set(t) for t in per_element))):
        moved = []
        for x, transforms in zip(values, per_element):
            try:
                m = transforms[name](x)
            except (ValueError, ZeroDivisionError, OverflowError):
                break
            if not math.isfinite(m) or abs(m) > 1e300:
                break
            moved.append(m)
        if len(moved) < len(values):
            continue
        variants = {name: moved}
        if name in ("reciprocal", "sign") and len(values) == 3 and values[1] <= values[0] <= values[2]:
            variants[name + SWAPPED] = [moved[0], moved[2], moved[1]]
        for variant, slipped in variants.items():
            texts = [_number_text(m, rule) for m in slipped]
            if all(_near(t, _number_text(x, rule), rule) for t, x in zip(texts, values)):
                continue  # accepted as the answer at every element: nothing to name
            out[ALL + variant] = [_fingerprint(exercise_id, str(i), "number:" + t) for i, t in enumerate(texts)]
    return out


# ----------------------------------------------------------------------------------------
# Comparing an answer with a key
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: ``status`` is "correct", "not yet" or "not answered".

    ``slip`` is the slip named for the answer (the one slip of every wrong element named), and
    ``slips`` the slip named for each wrong element, as (0-based position, slip name) pairs.
    """

    status: str
    message: str
    slip: str | None = None
    slips: tuple = ()

    @property
    def correct(self) -> bool:
        return self.status == "correct"


def _matches(exercise_id, position, value, rule, fingerprint) -> bool:
    return fingerprint is not None and any(
        _fingerprint(exercise_id, position, t) == fingerprint for t in _scalar_texts(value, rule))


def _wrong_elements(exercise_id: str, items: list, rule: dict, fingerprints: list) -> list[int]:
    """Indices (0-based) of the learner's elements that do not match the key."""
    if rule["shape"] == "set":
        remaining = list(fingerprints)
        wrong = []
        for i, v in enumerate(items):
            hit = next((f for f in remaining if _matches(exercise_id, "set", v, rule, f)), None)
            if hit is None:
                wrong.append(i)
            else:
                remaining.remove(hit)
        return wrong
    wrong = []
    for i, (v, f) in enumerate(zip(items, fingerprints)):
        try:
            if not _matches(exercise_id, str(i), v, rule, f):
                wrong.append(i)
        except (TypeError, ValueError) as exc:
            if rule["shape"] == "scalar":
                raise
            raise ElementError(i, exc) from exc
    return wrong


class ElementError(ValueError):
    """One element of a list answer has the wrong type or value: which one, and why."""

    def __init__(self, index: int, reason: Exception):
        super().__init__(str(reason))
        self.index = index


def _learner_items(value, rule: dict) -> list:
    """The learner's answer as a list of scalars shaped like the key, or a TypeError/ValueError saying why not."""
    if rule["shape"] == "scalar":
        if isinstance(value, (pd.Series, pd.Index, np.ndarray, list, tuple, set, frozenset)) and not isinstance(
                value, str):
            size = len(value) if not isinstance(value, np.ndarray) else value.size
            extra = (_how_to_pick(value) if size == 1 else
                     ": reduce it to the one number the exercise asks for (one element, or a summary such "
                     "as its mean)")
            raise TypeError(f"expected a single value; you gave {_describe(value)}{extra}")
        if isinstance(value, pd.DataFrame):
            raise TypeError(f"expected a single value; you gave {_describe(value)}")
        return [value]
    shape, items = _as_items(value)
    if shape is None:
        row = (" (its one row as a list: .iloc[0].tolist())" if isinstance(value, pd.DataFrame)
               and value.shape == (1, rule["length"]) else "")
        raise TypeError(f"expected {rule['length']} values (a list, array or Series); you gave {_describe(value)}{row}")
    if len(items) != rule["length"]:
        raise ValueError(f"expected {rule['length']} values; you gave {len(items)}")
    return items


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _element_name(index: int, value, names, n: int) -> str:
    """An element named by its meaning ("the 2nd value, `meld_na`"), or by a Series' own index label,
    never by a bare number that could be read as a 0-based pandas position."""
    if names is not None and len(names) > index:
        return f"the {_ordinal(index + 1)} value, `{names[index]}`"
    if isinstance(value, pd.Series):
        return f"the value labelled {value.index[index]!r} in your Series"
    return f"the {_ordinal(index + 1)} of {n} values"


def evaluate(exercise_id: str, value, key: dict, hint: str | None = None, *,
             names: list[str] | None = None, choice: bool = False) -> Verdict:
    """Compare an answer with a key (as ``make_key`` makes it); the message never shows the key.

    ``names`` says what each element of a list answer means (feedback names an element by it; a
    Series labelled by exactly these names is compared label by label, in any order);
    ``choice`` (automatic for True/False lists) makes feedback say how many elements are wrong, never which.
    The grader (``tools.grade``) uses this function too, so grading and self-checks agree.

    >>> key = make_key("9.2", [0.25, 0.5])
    >>> evaluate("9.2", [25, 50], key).message.split(": ")[1:3]
    ['not yet. Close', 'every value is 100 times its answer']
    """
    exercise_id = str(exercise_id)
    if _has_placeholder(value):
        return Verdict("not answered", NOT_ANSWERED.format(id=exercise_id))
    not_yet = NOT_YET.format(id=exercise_id)
    hint_text = f" Hint: {hint}" if hint else ""
    rule, fingerprints = key["rule"], key["fingerprints"]
    value = _in_order_of_names(value, names)
    try:
        items = _learner_items(value, rule)
        wrong = _wrong_elements(exercise_id, items, rule, fingerprints)
    except ElementError as exc:
        where = _element_name(exc.index, value, names, rule["length"])
        return Verdict("not yet", f"{not_yet} {where[0].upper()}{where[1:]}: {exc}.{hint_text}")
    except (TypeError, ValueError) as exc:
        return Verdict("not yet", f"{not_yet} {str(exc)[0].upper()}{str(exc)[1:]}.{hint_text}")
    if not wrong:
        return Verdict("correct", CORRECT.format(id=exercise_id))
    n = len(items)
    slips = key.get("slips", {})

    def not_yet_because(text: str, named=(), slip=None) -> Verdict:
        note = _rounding_note(exercise_id, items, wrong, rule, fingerprints, {i for i, _ in named})
        body = f" {_sentence(text)}" if text else ""
        if not (body or note or hint_text):
            body = " Check your steps and try again."
        return Verdict("not yet", f"{not_yet}{body}{note}{hint_text}", slip=slip, slips=tuple(named))

    if rule["shape"] == "set" and not choice:
        named = _named_slips(exercise_id, items, wrong, rule, slips)
        if named:
            return not_yet_because(f"Close: your values are {_slip_text(named[0][1], 'their')}", named,
                                   named[0][1])
    if choice or rule["kind"] == "bool" or rule["shape"] == "set":
        if n == 1:
            return Verdict("not yet", f"{not_yet}{hint_text or ' Think it through again.'}")
        what = ("values are not in the answer (order does not matter here)" if rule["shape"] == "set" else
                "answers are not right yet (this check does not say which)")
        if rule["shape"] != "set" and len(wrong) == 1:
            what = "answers is not right yet (this check does not say which)"
        return not_yet_because(f"{len(wrong)} of {n} {what}")
    if _in_each_others_places(exercise_id, items, wrong, rule, fingerprints):
        asked = f" ({', '.join(f'`{name}`' for name in names)})" if names is not None else ""
        return not_yet_because(f"Close: {len(wrong)} of your values are right but in each other's places: give "
                               f"them in the order asked{asked}")
    whole = _whole_list_slip(exercise_id, items, wrong, rule, slips)
    if whole is not None:
        slip, swapped = whole
        relation, causes = _slip_parts(slip, "its")
        limits = (", with the interval's lower and upper limits swapped (as a reciprocal or a sign flip swaps "
                  "them)" if swapped else "")
        named = [(0, slip)] if swapped else [(i, slip) for i in wrong]
        return not_yet_because(f"Close: every value is {relation}{limits}: {causes}", named, slip)
    named = _named_slips(exercise_id, items, wrong, rule, slips)
    kinds = {slip for _, slip in named}
    common = kinds.pop() if len(kinds) == 1 and len(named) == len(wrong) else None
    if n == 1 or (common is not None and len(wrong) == n):
        if common is not None:
            return not_yet_because(f"Close: your value is {_slip_text(common)}" if n == 1 else
                                   f"Close: every value is {_slip_text(common, 'its')}", named, common)
        return not_yet_because("", named)
    by_position = dict(named)
    parts = []
    for i in wrong:
        name = _element_name(i, value, names, n)
        comma = "," if names is not None and i < len(names) else ""  # "the 2nd value, `x`, is ..."
        parts.append(f"{name}{comma} is {_slip_text(by_position[i], 'its')}" if i in by_position else name)
    if len(wrong) == 1:
        name = _element_name(wrong[0], value, names, n)
        comma = "," if names is not None and wrong[0] < len(names) else ""  # "the 2nd value, `x`, is ..."
        where = f"{name[0].upper()}{name[1:]}{comma} is not right yet"
        where += f": it is {_slip_text(by_position[wrong[0]], 'its')}" if by_position else ""
    else:
        where = f"{len(wrong)} of {n} values are not right yet: {'; '.join(parts)}"
    return not_yet_because(where, named, common)


def _in_each_others_places(exercise_id, items, wrong, rule, fingerprints) -> bool:
    """Are the wrong elements the right values in another order (each one another wrong element's value)?"""
    if rule["shape"] != "list" or not 2 <= len(wrong) <= 6:
        return False
    fits = {i: {j for j in wrong if j != i and _matches(exercise_id, str(j), items[i], rule, fingerprints[j])}
            for i in wrong}
    return any(all(j in fits[i] for i, j in zip(wrong, order)) for order in itertools.permutations(wrong))


def _sentence(text: str) -> str:
    """Text ending a sentence: a full stop unless it already ends with "?" or "."."""
    return text if text.endswith(("?", ".")) else f"{text}."


def _slip_parts(name: str, the: str = "the") -> tuple[str, str]:
    """(numeric relation, possible causes) of a slip; ``the`` is "the" (a whole answer) or "its" (an element)."""
    relation, causes = EXTRA_SLIPS[name] if name in EXTRA_SLIPS else SLIPS[name][1:]
    return relation.format(the=the), causes


def _slip_text(name: str, the: str = "the") -> str:
    """ "100 times the answer: a percentage where a fraction is asked, or ...?" """
    relation, causes = _slip_parts(name, the)
    return f"{relation}: {causes}"


ROUNDED_NOTE = " This check compares {what}: if you rounded your answer, give it unrounded."


def _rounding_note(exercise_id, items, wrong, rule, fingerprints, named: set) -> str:
    """A note when a wrong number (with no named slip) has fewer digits than the check compares and is a
    rounding of the right value: some value that rounds to the learner's (at the learner's own last digit)
    matches the key. It tells the learner no more than that the answer is close, as a tolerance does.
    """
    if rule["kind"] != "number":
        return ""
    for i in wrong:
        if i in named or isinstance(items[i], (bool, np.bool_)) or not isinstance(items[i], (numbers.Real, np.number)):
            continue
        x = float(items[i])
        if not math.isfinite(x):
            continue
        if rule.get("decimals") is not None:
            places = rule["decimals"]
            short = places > 0 and round(x, places - 1) == x
            what = f"{places} decimal place{'s' if places != 1 else ''}"
        else:
            # zero has no significant figures to round away: a 0 comes from the method, not from rounding
            short = rule["sig"] > 1 and x != 0 and float(f"{x:.{rule['sig'] - 1}g}") == x
            what = f"{rule['sig']} significant figures"
        position, keys = ("set", set(fingerprints)) if rule["shape"] == "set" else (str(i), {fingerprints[i]})
        if short and _rounds_the_key(exercise_id, position, x, rule, keys):
            return ROUNDED_NOTE.format(what=what)
    return ""


def _rounds_the_key(exercise_id: str, position: str, x: float, rule: dict, keys: set) -> bool:
    """Does some value that rounds to x, at x's own last digit, give one of the key's fingerprints?"""
    given = Decimal(repr(x)).normalize()
    half = Decimal(1).scaleb(given.as_tuple().exponent) / 2
    low, high = given - half, given + half
    if rule.get("decimals") is not None:
        step = Decimal(1).scaleb(-rule["decimals"])
    else:  # the key's last digit, at the smaller magnitude in the interval
        smallest = min(abs(low), abs(high))
        if smallest == 0:
            return False
        step = Decimal(1).scaleb(smallest.adjusted() - rule["sig"] + 1)
    low, high = low - step, high + step  # a key digit whose own interval reaches into the learner's
    steps = int((high - low) / step)
    if steps > 20000:  # not a rounding the check could tell apart
        return False
    digits = len(given.as_tuple().digits)  # the learner's significant figures: 1 for 1.0, 2 for 0.35
    places = max(0, -given.as_tuple().exponent)  # and decimal places: 2 for 0.01

    def rounds_to_x(v: float) -> bool:  # as the learner rounded: 0.85 does not round to 1 at 1 figure
        return (round(v, places) if rule.get("decimals") is not None else float(f"{v:.{digits}g}")) == x

    for k in range(steps + 1):
        candidate = low + k * step
        if _fingerprint(exercise_id, position, "number:" + _number_text(float(candidate), rule)) not in keys:
            continue
        # some value that the key's digit stands for must round to the learner's answer
        if any(rounds_to_x(float(candidate + f * step)) for f in (Decimal("-0.499"), 0, Decimal("0.499"))):
            return True
    return False


def _in_order_of_names(value, names):
    """A Series labelled by exactly the ``names`` (in another order, e.g. after .sort_values()) put in
    the order of ``names``, so it is compared label by label rather than by position."""
    if not isinstance(value, pd.Series) or names is None or len(names) != len(value):
        return value
    try:
        labels = list(value.index)
        if labels == list(names) or not value.index.is_unique or len(set(names)) != len(names):
            return value
        if set(labels) != set(names):
            return value
        return value.reindex(list(names))
    except TypeError:  # unhashable labels or names: compare by position
        return value


def _whole_list_slip(exercise_id, items, wrong, rule, slips: dict):
    """(slip, swapped) when every element of a list matches one slip applied to the whole list (recorded
    as "all:<slip>", or "all:<slip>_swapped" for an interval) and no other slip fits; otherwise None."""
    if rule["shape"] != "list" or len(wrong) < 2:
        return None
    fits: dict[str, set] = {}
    for name, fps in slips.items():
        if not name.startswith(ALL) or len(fps) != len(items):
            continue
        variant = name[len(ALL):]
        family = variant[:-len(SWAPPED)] if variant.endswith(SWAPPED) else variant
        if family not in SLIPS and family not in EXTRA_SLIPS:
            continue
        if all(_matches(exercise_id, str(i), v, rule, f) for i, (v, f) in enumerate(zip(items, fps))):
            fits.setdefault(family, set()).add(variant.endswith(SWAPPED))
    if len(fits) != 1:
        return None
    family, variants = fits.popitem()
    return family, variants == {True}


def _named_slips(exercise_id, items, wrong, rule, slips: dict) -> list[tuple[int, str]]:
    """(position, slip) for each wrong element that matches exactly one recorded slip."""
    known = {name: fps for name, fps in slips.items() if name in SLIPS or name in EXTRA_SLIPS}
    if rule["shape"] == "set":  # no positions: a slip is named only for the whole answer
        hits = [name for name, fps in known.items() if not _wrong_elements(exercise_id, items, rule, fps)]
        return [(i, hits[0]) for i in wrong] if len(hits) == 1 else []
    named = []
    for i in wrong:
        hits = [name for name, fps in known.items()
                if i < len(fps) and _matches(exercise_id, str(i), items[i], rule, fps[i])]
        if len(hits) == 1:
            named.append((i, hits[0]))
    return named


# ----------------------------------------------------------------------------------------
# Finding the key file, and recording keys while the build executes the solutions
# ----------------------------------------------------------------------------------------
def find_keys(start: Path | None = None) -> Path | None:
    """The answer-key file for a notebook run in ``start`` (default: the working directory).

    Looks for ``answer_keys.json`` in the folder itself (a course's ``notebooks/``, a variant's
    folder, a student release), then for ``notebooks/answer_keys.json`` in each folder above it
    (the course root, when a solution runs in ``solutions/``). Never in the installed package.
    """
    here = Path.cwd() if start is None else Path(start)
    if (here / KEYS_NAME).is_file():
        return here / KEYS_NAME
    for folder in [here, *here.parents]:
        if (folder / "notebooks" / KEYS_NAME).is_file():
            return folder / "notebooks" / KEYS_NAME
    return None


def _load_keys() -> dict | None:
    path = find_keys()
    if path is None:
        return None
    # A variant's keys sit beside variant.json ({"variant": k}); a variant notebook sets the
    # environment variable LIVERLAB_VARIANT=k in its first cell. Keys of another variant (or of the
    # course, which has no variant.json) are refused, never used silently.
    marker = path.parent / "variant.json"
    keys_variant = str(json.loads(marker.read_text(encoding="utf-8"))["variant"]) if marker.is_file() else ""
    notebook_variant = os.environ.get("LIVERLAB_VARIANT", "")
    if keys_variant != notebook_variant:
        def name(v):
            return f"variant {v}" if v else "the course's own notebooks (no variant)"
        raise ValueError(f"the answer keys in {path.parent} are for {name(keys_variant)}, but this notebook "
                         f"is {name(notebook_variant)}; open the notebook from the folder it came in")
    return json.loads(path.read_text(encoding="utf-8"))


def _record(exercise_id: str, value, sig: int, decimals: int | None, denominator=None, chi2_df=None) -> None:
    entry = {"id": exercise_id, "key": make_key(exercise_id, value, sig=sig, decimals=decimals,
                                                denominator=denominator, chi2_df=chi2_df),
             "value": _plain(value)}
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
          hint: str | None = None, names: list[str] | None = None, choice: bool = False,
          denominator=None, chi2_df=None) -> None:
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
    names : list of str, optional
        For a list answer, what each element means (``["meld", "meld_na"]``): feedback
        names an element by its meaning, never by a bare position.
    choice : bool, optional
        The answer is a choice (multiple choice, or a list of True/False): feedback says
        how many are wrong, never which. Automatic for True/False answers.
    denominator : number or list, optional
        For a fraction answer, the number it is a fraction of (a list: one per element, None where
        it does not apply); the key then also recognises "a count instead of a fraction".
    chi2_df : int or list, optional
        For a chi-square statistic, its degrees of freedom (a list: one per element, None for the
        others); the key then also recognises "the p-value instead of the statistic".
    """
    exercise_id = str(exercise_id)
    try:
        message = _check_message(exercise_id, value, sig=sig, decimals=decimals, hint=hint, names=names,
                                 choice=choice, denominator=denominator, chi2_df=chi2_df)
    except Exception as exc:  # a self-check must never crash a learner's notebook
        PASSED[exercise_id] = False
        message = (f"⚠️ Exercise {exercise_id}: this answer could not be checked ({type(exc).__name__}: "
                   f"{exc}). Tell your instructor.")
    print(message)


def _check_message(exercise_id, value, *, sig, decimals, hint, names=None, choice=False, denominator=None,
                   chi2_df=None) -> str:
    if _has_placeholder(value):
        PASSED.pop(exercise_id, None)
        return NOT_ANSWERED.format(id=exercise_id)
    if os.environ.get(RECORD_ENV):
        _record(exercise_id, value, sig, decimals, denominator, chi2_df)
        PASSED[exercise_id] = True
        return CORRECT.format(id=exercise_id)
    keys = _load_keys()
    if keys is None:
        PASSED[exercise_id] = "nokey"
        return NO_KEY_FILE.format(id=exercise_id, name=KEYS_NAME)
    key = keys.get(exercise_id)
    if key is None:
        PASSED[exercise_id] = "nokey"
        return NO_KEY.format(id=exercise_id)
    if key.get("assessed"):  # an assessed release: the form of the answer only (see assessed_check)
        passed, message = assessed_check(exercise_id, value, key)
        PASSED[exercise_id] = passed
        return message
    verdict = evaluate(exercise_id, value, key, hint, names=names, choice=choice)
    PASSED[exercise_id] = verdict.correct
    return verdict.message


def _has_placeholder(value) -> bool:
    """True for ``...`` itself, or a list/tuple/set/dict with a ``...`` inside."""
    if value is Ellipsis:
        return True
    if isinstance(value, dict):
        return any(_has_placeholder(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_has_placeholder(v) for v in value)
    return False


def answered(exercise_id: str, *values, columns=None) -> bool:
    """True when a later cell may use the answer to an exercise; otherwise say what to do first.

    By default the exercise's check must have passed earlier in this kernel, so a wrong
    answer never reaches the cells that build on it::

        check("1.3", cohort_meld)
        ...
        if answered("1.3", cohort_meld):
            cohort_meld.plot.hist()

    With ``columns=[...]`` any table (DataFrame) that has those columns may go on, right or not.
    """
    exercise_id = str(exercise_id)
    if any(_has_placeholder(v) for v in values):
        print(NEEDS.format(id=exercise_id))
        return False
    if columns is not None:
        needed = list(columns)
        if all(isinstance(v, pd.DataFrame) and set(needed) <= set(v.columns) for v in values):
            return True
        print(f"⏳ This cell uses your table from Exercise {exercise_id}: it should be a DataFrame with the "
              f"columns {needed}. Fix it, then run this cell again.")
        return False
    status = PASSED.get(exercise_id)
    if status is True or status == "nokey":
        return True
    print((NEEDS_CHECK if status is None else NEEDS_RIGHT).format(id=exercise_id))
    return False


# ----------------------------------------------------------------------------------------
# Assessed releases (``make release ASSESSED="02 04"``, tools/release.py)
# ----------------------------------------------------------------------------------------
# In an assessed notebook the key file holds no fingerprint, only the form of the answer:
# {"assessed": true, "shape": "scalar" | "list" | "set", "kind": "number" | "int" | "bool" | "text",
#  "length": n (lists and sets)}. The check confirms the form and says the answer will be marked;
# it never says right or wrong (it cannot: the release holds no answer). The grader marks the answer.
ASSESSED_OK = ("📝 Exercise {id}: your answer has the expected form ({form}). It will be marked after the "
               "deadline; this check does not say whether it is right.")
ASSESSED_BAD_FORM = ("⚠️ Exercise {id}: {problem}. The exercise asks for {form}: fix the form of your answer "
                     "(it will be marked after the deadline), then run this cell again.")
_KIND_WORDS = {"number": ("a number", "numbers"), "int": ("a whole number", "whole numbers"),
               "bool": ("True or False", "True/False values"), "text": ("a piece of text", "pieces of text")}


def assessed_key(key: dict) -> dict:
    """The key entry of an assessed release: the form of the answer, nothing that identifies it.

    >>> assessed_key(make_key("9.1", [0.25, 0.5]))
    {'assessed': True, 'shape': 'list', 'kind': 'number', 'length': 2}
    """
    rule = key["rule"]
    entry = {"assessed": True, "shape": rule["shape"], "kind": rule["kind"]}
    if rule["shape"] != "scalar":
        entry["length"] = rule["length"]
    return entry


def assessed_form(key: dict) -> str:
    """The expected form in words: "a number", "3 numbers in order", "5 True/False values in any order"."""
    one, many = _KIND_WORDS[key["kind"]]
    if key["shape"] == "scalar":
        return one
    return f"{key['length']} {many}" + (" in any order" if key["shape"] == "set" else " in order")


def assessed_check(exercise_id: str, value, key: dict) -> tuple[bool, str]:
    """(form is right, message) for an answer in an assessed notebook; never right or wrong.

    >>> assessed_check("9.1", [0.3, "x"], assessed_key(make_key("9.1", [0.25, 0.5])))[0]
    False
    """
    rule = {"shape": key["shape"], "kind": key["kind"], "length": key.get("length"), "sig": 3}
    form = assessed_form(key)
    try:
        for item in _learner_items(value, rule):
            _scalar_texts(item, rule, tolerant=False)  # raises TypeError/ValueError on the wrong kind
    except (TypeError, ValueError) as exc:
        problem = f"{str(exc)[0].upper()}{str(exc)[1:]}"
        return False, ASSESSED_BAD_FORM.format(id=exercise_id, problem=problem, form=form)
    return True, ASSESSED_OK.format(id=exercise_id, form=form)


def rounded_text(value, rule: dict) -> str:
    """A number as a key of this rule rounds it (``sig`` significant figures or ``decimals`` places).

    >>> rounded_text(9.87654, {"kind": "number", "sig": 3})
    '9.88'
    """
    return _number_text(float(value), rule)
