"""A notebook as a learner with wrong answers would run it: for the test that no later cell then raises.

``wrong_answer_version(solution)`` is the student version of a solution notebook, except that each
solution block keeps its code and is followed by ``name = _wrong(name)`` for every name it assigns: a
wrong value of the right type (numbers × 1.37, whole numbers + 1, one list element changed, True/False
flipped, another text, table columns × 1.37, functions whose results are made wrong). The self-checks
then say "not yet", and every cell that builds on an answer must cope: guarded with ``answered()``,
it prints "finish Exercise N.M first" instead of raising or showing a wrong table.

``python -m tools.wrong_answers NN`` writes the version of notebook NN to ``_build/wrong/`` to look at.

``common_wrong_answers(value)`` lists the slips a learner commonly makes, applied to a true answer
(1 − x, −x, ×100, ÷100, ×365.25, ÷365.25, log10 for ln and back, 1/x, log, exp, a count for a
fraction, the p-value for a chi-square statistic), to one element at a time and to all of them;
``check_options(notebook)`` reads each check call's options (sig, decimals, names, choice, denominator,
chi2_df) from a solution notebook. Together with the values ``make solutions`` records they test that
feedback never accepts a slip or names one that did not happen (``tests/test_wrong_answers.py``),
without executing a notebook.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
from dataclasses import dataclass

import nbformat

from tools import authoring


def _wrong(value):
    """A wrong answer of the same type as ``value`` (runs inside the notebook's kernel)."""
    import types

    import numpy as np
    import pandas as pd

    if isinstance(value, (type, types.ModuleType)):
        return value
    if callable(value) and not hasattr(value, "fit") and not isinstance(value, (pd.Series, pd.DataFrame)):
        def wrong_function(*args, **kwargs):
            return _wrong(value(*args, **kwargs))
        return wrong_function
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, np.integer)):
        return value + 1
    if isinstance(value, (float, np.floating)):
        return value * 1.37 if value else 0.37
    if isinstance(value, str):
        return ("b" if value.strip().lower() == "a" else "a") if len(value.strip()) == 1 else "not the answer"
    if isinstance(value, (list, tuple)) and len(value) > 0:
        items = list(value)
        items[-1] = _wrong(items[-1])
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, (set, frozenset)) and value:
        items = sorted(value, key=str)
        return type(value)(items[:-1] + [_wrong(items[-1])])
    if isinstance(value, dict) and value:
        first = next(iter(value))
        return {**value, first: _wrong(value[first])}
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            return ~value
        if np.issubdtype(value.dtype, np.integer):
            return value + 1
        if np.issubdtype(value.dtype, np.number):
            return value * 1.37
        return value
    if isinstance(value, pd.Series):
        if value.dtype == bool:
            return ~value
        if pd.api.types.is_numeric_dtype(value):
            return value * 1.37
        return value
    if isinstance(value, pd.DataFrame):
        wrong = value.copy()
        for column in wrong.columns:
            if pd.api.types.is_numeric_dtype(wrong[column]) and not pd.api.types.is_bool_dtype(wrong[column]):
                wrong[column] = wrong[column] * 1.37
        return wrong
    return value


def _perturbed(code: str, indent: str) -> list[str]:
    """The solution block's code, then one line per assigned name making it wrong."""
    lines = code.splitlines()
    names = authoring.assigned_names(code) if code.strip() else []
    return lines + [f"{indent}{name} = _wrong({name})" for name in names]


def wrong_source(source: str, whole_cell: bool) -> str:
    if whole_cell:
        return "\n".join(_perturbed(source, ""))
    out, block, indent = [], None, ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == authoring.BEGIN:
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == authoring.END:
            out.extend(_perturbed("\n".join(block), indent) if block else [])
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return "\n".join(out)


PRELUDE = textwrap.dedent(inspect.getsource(_wrong))  # defined in the notebook's own kernel


def wrong_answer_version(solution: nbformat.NotebookNode, number: str | None = None) -> nbformat.NotebookNode:
    """The student notebook with every answer filled in wrongly (see the module docstring)."""
    nb = authoring.student_version(solution, number)
    by_id = {cell.get("id"): cell for cell in solution.cells}
    for cell in nb.cells:
        original = by_id.get(cell.get("id"))
        if cell.cell_type != "code" or original is None:
            continue
        whole = authoring.SOLUTION_TAG in authoring.tags(original)
        if whole or authoring.BEGIN in original.source:
            cell.source = wrong_source(original.source, whole)
    nb.cells.insert(0, nbformat.v4.new_code_cell(PRELUDE))
    nb.cells[0].id = "wrong-answers-prelude"
    return nb


# ----------------------------------------------------------------------------------------
# Common wrong answers computed from a true answer (for the feedback test; no kernel needed)
# ----------------------------------------------------------------------------------------
SLIP_TRANSFORMS = {
    "complement": lambda x, n: 1 - x,
    "sign": lambda x, n: -x,
    "percent": lambda x, n: x * 100,
    "fraction": lambda x, n: x / 100,
    "days": lambda x, n: x * 365.25,
    "years": lambda x, n: x / 365.25,
    "log10": lambda x, n: x / math.log(10),
    "ln": lambda x, n: x * math.log(10),
    "reciprocal": lambda x, n: 1 / x,
    "log": lambda x, n: math.log(x),
    "exp": lambda x, n: math.exp(x),
    "count": lambda x, n: x * n,
    "p_value": lambda x, df: _chi2_p(x, df),
}


def _chi2_p(statistic, df):
    from scipy import stats

    return float(stats.chi2.sf(statistic, df))


@dataclass(frozen=True)
class WrongAnswer:
    """A slip applied to a true answer: ``value`` (same shape), the ``slip`` and the positions changed."""

    slip: str
    value: object
    positions: tuple
    label: str


def _slipped(x: float, slip: str, denominator, chi2_df=None):
    extra = {"count": denominator, "p_value": chi2_df}.get(slip)
    if slip in ("count", "p_value") and not extra:
        return None
    try:
        moved = SLIP_TRANSFORMS[slip](float(x), extra)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return moved if math.isfinite(moved) and moved != x else None


def common_wrong_answers(value, denominator=None, chi2_df=None) -> list[WrongAnswer]:
    """Common slips applied to a numeric true answer (a number or a list of numbers).

    Each slip is applied to every element alone and to all elements at once; an interval
    [estimate, lower, upper] also gets the inverted ratio and the flipped sign with its limits
    swapped ([1/est, 1/upper, 1/lower]), as a learner who inverts a hazard ratio would report it.
    """
    scalar = not isinstance(value, list)
    items = [value] if scalar else list(value)
    def per_element(option):
        return list(option) if isinstance(option, (list, tuple)) else [option] * len(items)

    out = []
    for slip in SLIP_TRANSFORMS:
        moved = [_slipped(x, slip, n, df) for x, n, df in zip(items, per_element(denominator), per_element(chi2_df))]
        for i, m in enumerate(moved):
            if m is not None:
                one = items[:i] + [m] + items[i + 1:]
                out.append(WrongAnswer(slip, m if scalar else one, (i,), f"{slip} in element {i}"))
        changed = tuple(i for i, m in enumerate(moved) if m is not None)
        if len(items) > 1 and len(changed) > 1:
            every = [m if m is not None else x for x, m in zip(items, moved)]
            out.append(WrongAnswer(slip, every, changed, f"{slip} in every element"))
    if len(items) == 3 and items[1] <= items[0] <= items[2]:
        estimate, lower, upper = (float(x) for x in items)
        if lower > 0:
            out.append(WrongAnswer("reciprocal", [1 / estimate, 1 / upper, 1 / lower], (0,),
                                   "inverted ratio with its interval"))
        out.append(WrongAnswer("sign", [-estimate, -upper, -lower], (0,), "flipped sign with its interval"))
    return out


def check_options(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """Exercise id -> the literal options of its check call (sig, decimals, hint, names, choice, denominator,
    chi2_df)."""
    options = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "check(" not in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found = {}
                for keyword in node.keywords:
                    try:
                        found[keyword.arg] = ast.literal_eval(keyword.value)
                    except ValueError:
                        pass  # not a literal: left out
                options[str(node.args[0].value)] = found
    return options


def main(argv: list[str] | None = None) -> int:
    out = authoring.ROOT / "_build" / "wrong"
    out.mkdir(parents=True, exist_ok=True)
    for path in authoring.solution_paths(argv or sys.argv[1:]):
        target = out / path.name
        authoring.write(wrong_answer_version(authoring.read(path), path.name[:2]), target)
        print(f"wrote {target.relative_to(authoring.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
