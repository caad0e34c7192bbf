"""Shared input handling for the public ``liverlab`` functions (private module).

Every score function follows the same steps, and this module holds the shared ones:

1. ``as_float_array`` turns what a learner passes in (a number, ``None``, a list, a NumPy array,
   a pandas Series, possibly with ``None``/``pd.NA`` inside) into a float array, with NaN for a
   missing value. Booleans and text are refused with a message that says what to pass instead.
2. ``check_lab`` adds the plausibility limits of one laboratory value (impossible values and
   values that look like the wrong unit raise ``ValueError`` and say how to fix them).
3. ``check_flag`` does the same for yes/no facts such as ``female`` or ``dialysis``.
4. ``check_same_index`` refuses two Series with different indexes (pandas would align them
   silently and pair the wrong patients); ``broadcast`` combines the arrays and names the
   arguments whose shapes do not fit.
5. ``like_input`` shapes the result like the input: a float if every input was a scalar, a
   named Series with the input's index if any input was a Series, else an ndarray.
6. ``warn_bad`` issues a warning (not an error) about values that are possible but suspicious,
   such as a bilirubin typical of µmol/L entered as mg/dL, pointing at the caller's own line.

All checks are vectorised (no Python loop over rows) for float input; object arrays, which
only arise when a value is ``None``/``pd.NA`` or text, take a slower but still bulk path.
"""

import numbers
import os
import sys
import warnings

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype, is_bool_dtype, is_numeric_dtype

__all__ = [
    "as_float_array",
    "check_lab",
    "check_flag",
    "check_same_index",
    "broadcast",
    "like_input",
    "locate",
    "raise_bad",
    "warn_bad",
]

# infer_dtype(..., skipna=True) answers that mean "only numbers (and missing values)".
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "decimal", "empty"}


def _is_number(value):
    """True for a real number that is not a bool (bool is a subclass of int in Python)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_missing_scalar(value):
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def locate(x, bad):
    """Describe the bad entries of ``x``: ``(count, first value index, "where" text)``.

    ``bad`` is a boolean array shaped like the converted input. The "where" text names the
    index label for a Series, the position for a list or array, and is empty for a scalar.
    """
    bad = np.asarray(bad)
    count = int(bad.sum())
    first = int(np.flatnonzero(bad.ravel())[0])
    if isinstance(x, pd.Series):
        where = f"at index label {x.index[first]!r}"
    elif bad.ndim == 0:
        where = ""
    elif bad.ndim == 1:
        where = f"at position {first}"
    else:
        where = f"at position {tuple(int(i) for i in np.unravel_index(first, bad.shape))}"
    return count, first, where


def raise_bad(exc_type, x, bad, values, name, problem, fix, unit=""):
    """Raise ``exc_type`` naming the argument, the bad value(s), where they are, and the fix."""
    count, first, where = locate(x, bad)
    value = np.asarray(values, dtype=object).ravel()[first]
    shown = f"{value:g}" if _is_number(value) else repr(value)
    shown = f"{shown} {unit}".rstrip()
    if np.ndim(bad) == 0:
        message = f"{name} {problem}; got {shown}. {fix}"
    else:
        message = (f"{name} {problem}; found {count} such value(s), the first ({shown}) "
                   f"{where}. {fix}")
    raise exc_type(message)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _outside_caller():
    """``(stacklevel, through_library)`` for a warning issued by the caller of this function.

    ``stacklevel`` points ``warnings.warn`` (called in that function) at the first frame outside
    the ``liverlab`` package, so that the warning names the learner's own line whatever the
    depth of the call inside the library. ``through_library`` is True when another ``liverlab``
    module than ``scores`` and ``_inputs`` is on the way (a simulator calling a score).
    """
    frame = sys._getframe(2)            # the caller of the function that called us
    level = 2                           # stacklevel of that frame, seen from warnings.warn
    through_library = False
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        module = os.path.basename(frame.f_code.co_filename)
        through_library |= module not in ("scores.py", "_inputs.py")
        frame = frame.f_back
        level += 1
    return level, through_library


def warn_bad(category, x, bad, values, message):
    """Warn (``category``) about the suspicious entries ``bad`` of ``x``; never raises.

    ``message(count, first_value, where)`` builds the text from the number of suspicious
    values, the first of them and where it is (as in :func:`raise_bad`). The warning points at
    the first line outside ``liverlab``. It is not issued when the score was called by another
    ``liverlab`` module (the simulators generate values in the right unit by construction),
    so that a simulated cohort never warns about itself.
    """
    level, through_library = _outside_caller()
    if through_library:
        return
    count, first, where = locate(x, bad)
    first_value = float(np.asarray(values, dtype=float).ravel()[first])
    warnings.warn(message(count, first_value, where), category, stacklevel=level)


def as_float_array(x, name, unit=""):
    """Convert ``x`` to a float ndarray (0-d for a scalar), with NaN for every missing value.

    Missing means ``None``, ``NaN``, ``pd.NA`` or ``NaT``, also inside a list, an object array or
    a nullable pandas column. Booleans and text raise ``TypeError``.
    """
    what = f"a number in {unit}" if unit else "a number"
    if isinstance(x, pd.DataFrame):
        raise TypeError(f"{name} must be one value per patient (a Series, array or number); "
                        f"got a DataFrame. Pass one column, e.g. df['{name}'].")
    if isinstance(x, (pd.Series, pd.Index)):
        if is_bool_dtype(x.dtype):
            raise TypeError(f"{name} must be {what}; got a boolean Series. A yes/no fact "
                            "cannot stand in for a measured value: pass the measurement.")
        if is_numeric_dtype(x.dtype):
            return x.to_numpy(dtype=float, na_value=np.nan)
        values = x.to_numpy(dtype=object)
    else:
        if _is_missing_scalar(x):
            return np.array(np.nan)
        if isinstance(x, (bool, np.bool_)):
            raise TypeError(f"{name} must be {what}; got the boolean {x!r}. A yes/no fact "
                            "cannot stand in for a measured value: pass the measurement.")
        if isinstance(x, (str, bytes)):
            raise TypeError(f"{name} must be {what}; got the text {x!r}. Convert text to a "
                            "number first, e.g. float(...) or pd.to_numeric(...).")
        if _is_number(x):
            return np.array(float(x))
        values = np.asarray(x)
        if values.ndim == 0 and values.dtype.kind not in "iufb":
            raise TypeError(f"{name} must be {what}; got {type(x).__name__} {x!r}.")
        if values.dtype.kind == "b":
            raise TypeError(f"{name} must be {what}; got boolean values. A yes/no fact "
                            "cannot stand in for a measured value: pass the measurement.")
        if values.dtype.kind in "iuf":
            return values.astype(float, copy=False)
        if values.dtype.kind not in "USO":
            raise TypeError(f"{name} must be {what}; got an array of dtype {values.dtype}.")
        if isinstance(x, (list, tuple)):
            # np.asarray([1.5, "high"]) turns 1.5 into the text "1.5"; keep the originals.
            values = np.array(x, dtype=object)
        values = values.astype(object)

    # Object values: numbers mixed with None / pd.NA, or text.
    missing = pd.isna(values)
    if infer_dtype(values.ravel(), skipna=True) not in _NUMERIC_KINDS:
        is_number = np.frompyfunc(_is_number, 1, 1)(values).astype(bool)
        bad = ~(is_number | missing)
        in_unit = f" in {unit}" if unit else ""
        raise_bad(TypeError, x, bad, values, name, f"must contain only numbers{in_unit}",
                  "Convert text with pd.to_numeric(..., errors='coerce') if it marks a "
                  "missing value, or correct the entry; booleans are not lab values.")
    return np.where(missing, np.nan, values).astype(float)


def check_lab(x, name, unit, *, low_impossible=None, high_impossible=None, si_hint=None,
              low_hint=None, must_be_positive=True):
    """Convert one laboratory value (or fact such as age) and apply its plausibility limits.

    Parameters
    ----------
    x : scalar, list, ndarray or Series
        The values as passed by the caller.
    name, unit : str
        The argument name and its unit, used in every message.
    low_impossible, high_impossible : float, optional
        Values below / above these limits raise ``ValueError``.
    si_hint, low_hint : str, optional
        The fix to suggest for a value above / below the limits (e.g. a unit conversion).
    must_be_positive : bool
        If True, zero and negative values raise ``ValueError`` (a lab value is never <= 0).

    Returns
    -------
    numpy.ndarray
        Float values (0-d for a scalar), NaN where missing.
    """
    values = as_float_array(x, name, unit)
    # Comparisons with NaN are False, so missing values pass every check below.
    if np.isinf(values).any():
        raise_bad(ValueError, x, np.isinf(values), values, name,
                  "must be finite (use NaN for a missing value)",
                  "Replace the infinite value by the measurement or by NaN.", unit)
    if must_be_positive and (values <= 0).any():
        raise_bad(ValueError, x, values <= 0, values, name,
                  f"must be greater than 0 {unit}".rstrip(),
                  "Zero or a negative value is impossible: check for a missing value coded "
                  "as 0 or -1 (use NaN instead) or a sign error.", unit)
    if low_impossible is not None and (values < low_impossible).any():
        raise_bad(ValueError, x, values < low_impossible, values, name,
                  f"must be at least {low_impossible:g} {unit}".rstrip(),
                  low_hint or "Lower values are impossible; check the unit and that the "
                  "right column was passed.", unit)
    if high_impossible is not None and (values > high_impossible).any():
        raise_bad(ValueError, x, values > high_impossible, values, name,
                  f"must be at most {high_impossible:g} {unit}".rstrip(),
                  si_hint or "Higher values are not seen in patients; check the unit and "
                  "that the right column was passed.", unit)
    return values


def check_flag(x, name, *, meaning, example):
    """Convert a yes/no fact (``True``/``False``, or an array/Series of them) to 1.0/0.0.

    A missing entry inside an array or Series (``None``, ``pd.NA``) becomes NaN, so the score of
    that patient is NaN. A scalar must be ``True`` or ``False``. Numbers and text codes
    (``1``, ``"F"``) raise ``TypeError``: public MELD code has inverted sex codes, so the caller
    must state the fact explicitly. ``meaning`` (what True means) and ``example`` (a conversion
    such as ``"female = df['sex'] == 'F'"``) go into the message.
    """
    fix = f"Pass True or False ({meaning}); convert codes explicitly, e.g. {example}."
    if isinstance(x, pd.DataFrame):
        raise TypeError(f"{name} must be True/False or a boolean Series; got a DataFrame.")
    if isinstance(x, (pd.Series, pd.Index)):
        if is_bool_dtype(x.dtype):
            return x.to_numpy(dtype=float, na_value=np.nan)
        values = x.to_numpy(dtype=object)
    elif isinstance(x, (bool, np.bool_)):
        return np.array(float(x))
    elif np.ndim(x) == 0:
        raise TypeError(f"{name} must be True or False; got {type(x).__name__} {x!r}. {fix}")
    else:
        values = np.asarray(x)
        if values.dtype.kind == "b":
            return values.astype(float)
        values = values.astype(object)
    missing = pd.isna(values)
    if infer_dtype(values.ravel(), skipna=True) not in {"boolean", "empty"}:
        is_bool = np.frompyfunc(lambda v: isinstance(v, (bool, np.bool_)), 1, 1)(values)
        bad = ~(is_bool.astype(bool) | missing)
        raise_bad(TypeError, x, bad, values, name, "must contain only True or False", fix)
    return np.where(missing, np.nan, values).astype(float)


def check_same_index(*inputs):
    """Raise ``ValueError`` if two of the Series among ``inputs`` have different indexes."""
    series = [x for x in inputs if isinstance(x, pd.Series)]
    for other in series[1:]:
        if not other.index.equals(series[0].index):
            raise ValueError(
                "The Series passed in have different indexes; pandas would align them silently "
                "and pair the wrong patients. Use the columns of one DataFrame, or pass "
                ".to_numpy() arrays in the same order.")


def broadcast(**named):
    """Broadcast the named float arrays together; name the arguments if their shapes clash."""
    try:
        return np.broadcast_arrays(*named.values())
    except ValueError as exc:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in named.items())
        raise ValueError(f"The inputs cannot be combined patient by patient; their shapes are "
                         f"{shapes}. Pass one value per patient in each argument (or a single "
                         "value for all).") from exc


def like_input(result, *inputs, name):
    """Return ``result`` in the kind of the inputs (float/object scalar, Series or ndarray).

    A float (or, for an object result, the element itself) if every input was a scalar; a Series
    with the common index and ``name`` if any input was a Series; otherwise the ndarray.
    """
    result = np.asarray(result)
    series = [x for x in inputs if isinstance(x, pd.Series)]
    if series:
        check_same_index(*series)
        index = series[0].index
        if result.shape != (len(index),):
            raise ValueError(f"A Series of length {len(index)} cannot be combined with an input "
                             f"that gives the result the shape {result.shape}. Pass 1-D values.")
        return pd.Series(result, index=index, name=name)
    if all(np.ndim(x) == 0 for x in inputs):
        return result.item() if result.dtype == object else float(result)
    return result
