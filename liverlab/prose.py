"""Prose that quotes a result, written from the notebook's own variables.

A sentence that quotes a number the notebook computed (a mean change, a count, a seed) goes in a
code cell instead of a markdown cell::

    say("With seed {SEED}, the enrolled group's mean albumin rose by **{rise:.2f} g/dL** "
        "although nobody was treated.")

``say`` fills each ``{name}`` or ``{name:format}`` (Python's format syntax) from the notebook's
variables, or from keyword arguments, and shows the sentence as Markdown under the cell. A
per-student variant (another seed), an instructor's new parameter or a newer library version
therefore never leaves the text contradicting the numbers printed above it. Use it only for
numbers that depend on the data; fixed facts (a formula's coefficients, a trial's published
result) stay in markdown cells. A sentence that quotes a learner's answer goes under
``if answered("N.M", ...):`` like any cell that uses it. In a variant, the seed is shifted in the
code, so quote it from the variable that holds it (``SEED = 2024`` ... ``seed=SEED``) or say
"your data".
"""

from __future__ import annotations

import string
import sys

__all__ = ["say", "fill"]


def fill(template: str, namespace: dict | None = None, **values) -> str:
    """``template`` with each ``{name[:format]}`` filled from ``values``, then ``namespace``.

    >>> fill("{n} patients, mean change {change:+.1f} points", n=200, change=-0.04)
    '200 patients, mean change -0.0 points'
    >>> fill("{missing}")
    Traceback (most recent call last):
    ...
    NameError: the text quotes {missing}, but no variable 'missing' exists yet: run the cells above first
    """
    names = {**(namespace or {}), **values}
    for _, field, _, _ in string.Formatter().parse(template):
        if field is None:
            continue
        root = field.split(".")[0].split("[")[0]
        if root and root not in names:
            raise NameError(f"the text quotes {{{field}}}, but no variable {root!r} exists yet: run the "
                            "cells above first")
    return template.format_map(names)


def say(template: str, **values) -> None:
    """Show ``template`` as Markdown, filled from the calling notebook's variables (see ``fill``)."""
    caller = sys._getframe(1)
    text = fill(template, {**caller.f_globals, **caller.f_locals}, **values)
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython is part of every notebook environment
        print(text)
        return
    shell = get_ipython()
    if getattr(shell, "kernel", None) is None:  # plain Python, or terminal IPython: Markdown would print its repr
        print(text)
    else:
        display(Markdown(text))
