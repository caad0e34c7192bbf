"""The time estimate (tools/pacing.py): its calibration against timed walkthroughs, and the lint rules."""

import math

import nbformat
import pytest

from tools import pacing

# Issue 20: each timed walkthrough of a core path by a third-year medical student, with what pacing.pace() counted
# in the notebook at the commit it walked (kept here so that the calibration stays tested after the notebooks change).
# round: "pre-cut" (commit 7af0cfa), "post-cut" (200067d, a fresh walkthrough of each notebook), "second"/"third"
# (after further rounds of cuts), "last" (04 after its last cuts). One walkthrough is not here: 04 at ab58175 gave
# 73–108, just outside the band (64 against 0.9 × 73); tools/pacing.py says why it is left out.
WALKTHROUGHS = [  # round, notebook, commit, (low, high) minutes, (words, code cells, code lines read, code
    #               exercises, solution lines, written answers)
    ("pre-cut", "00", "7af0cfa", (20, 20), (1488, 4, 32, 2, 2, 1)),
    ("pre-cut", "01", "7af0cfa", (90, 100), (3123, 16, 115, 7, 15, 1)),
    ("pre-cut", "02", "7af0cfa", (90, 110), (3521, 18, 136, 6, 11, 2)),
    ("pre-cut", "03", "7af0cfa", (95, 110), (3348, 21, 192, 6, 23, 1)),
    ("pre-cut", "04", "7af0cfa", (85, 95), (4111, 19, 147, 6, 13, 1)),
    ("pre-cut", "05", "7af0cfa", (85, 100), (3556, 21, 173, 6, 12, 0)),
    ("post-cut", "00", "200067d", (20, 27), (1615, 4, 35, 3, 3, 1)),
    ("post-cut", "02", "200067d", (70, 95), (2611, 9, 104, 7, 13, 2)),
    ("post-cut", "03", "200067d", (65, 100), (1922, 8, 191, 6, 15, 1)),
    ("post-cut", "06", "200067d", (60, 100), (2674, 12, 142, 5, 11, 1)),
    ("post-cut", "07", "200067d", (55, 78), (3343, 3, 35, 5, 16, 2)),
    ("second", "01", "8016aa1", (55, 85), (2495, 7, 82, 7, 14, 0)),
    ("second", "03", "a36ea9c", (65, 100), (1980, 7, 108, 6, 12, 1)),
    ("second", "04", "248d6a1", (55, 83), (2949, 10, 91, 6, 11, 1)),
    ("second", "05", "bb041bf", (62, 110), (2656, 10, 110, 7, 10, 0)),
    ("second", "06", "9a8825b", (62, 94), (2786, 12, 82, 5, 9, 1)),
    ("third", "02", "f818743", (55, 94), (2301, 7, 108, 7, 11, 2)),
    ("third", "03", "db06b84", (60, 85), (2073, 7, 112, 6, 12, 1)),
    ("third", "04", "996298a", (63, 100), (2969, 10, 59, 6, 11, 2)),  # after 4.3 gained a written part
    ("third", "05", "76aaec1", (65, 95), (2579, 11, 113, 6, 8, 0)),
    ("third", "06", "588b189", (51, 77), (2178, 10, 67, 4, 7, 1)),
    ("last", "04", "08d82bb", (60, 95), (2899, 10, 60, 6, 11, 2)),
]


def walked(round_, name):
    """(minutes, counts) of one walkthrough in WALKTHROUGHS."""
    return next((minutes, counts) for r, n, _, minutes, counts in WALKTHROUGHS if (r, n) == (round_, name))


def core_pace(words, cells, code_lines, exercises, lines, written):
    return pacing.Pace(core_words=words, core_code_cells=cells, core_code_lines=code_lines,
                       core_exercises=exercises, core_solution_lines=lines, core_written=written)


@pytest.mark.parametrize("name, walked, counts", [(f"{n} {r} {c}", m, k) for r, n, c, m, k in WALKTHROUGHS])
def test_estimate_reproduces_the_walkthroughs_within_10_percent(name, walked, counts):
    low, high = walked
    estimate = core_pace(*counts).core_minutes
    assert 0.9 * low <= estimate <= 1.1 * high, (name, estimate, (low, high))


@pytest.mark.parametrize("name", [n for r, n, *_ in WALKTHROUGHS if r == "post-cut"])
def test_estimate_is_within_20_percent_of_each_fresh_walkthrough_midpoint(name):
    (low, high), counts = walked("post-cut", name)
    estimate = core_pace(*counts).core_minutes
    assert abs(estimate / ((low + high) / 2) - 1) <= 0.20, (name, estimate, (low, high))


def test_the_old_constants_would_fail_the_calibration():
    """The tests above can fail. The first constants (150 words/min, 5 min per exercise) put 01 at 72 min
    against 90–100; the second (2 min per code cell, code lines not counted) put 03 after its cuts at 62 min,
    25 % below its walkthrough's midpoint of 82.5, because the cuts had merged short cells into long ones."""
    (low, _), counts = walked("pre-cut", "01")
    p = core_pace(*counts)
    first = p.core_words / 150 + p.core_code_cells * 0.75 + p.core_exercises * 5 + p.core_written * 4
    assert first < 0.9 * low
    minutes, counts = walked("post-cut", "03")
    p = core_pace(*counts)
    second = (p.core_words / 250 + p.core_code_cells * 2 + p.core_exercises * 1 + p.core_solution_lines * 2
              + p.core_written * 2)
    assert abs(second / (sum(minutes) / 2) - 1) > 0.20
    # the third (1 min a cell, 0.12 a line read, 2 a solution line) put 05 after its third cut below 0.9 × 65
    (low, _), counts = walked("third", "05")
    p = core_pace(*counts)
    third = (p.core_words / 250 + p.core_code_cells * 1 + p.core_code_lines * 0.12 + p.core_exercises * 1
             + p.core_solution_lines * 2 + p.core_written * 2)
    assert math.ceil(third) < 0.9 * low


def md(source, *tags):
    return nbformat.v4.new_markdown_cell(source, metadata={"tags": list(tags)})


def code(source, *tags):
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)})


def notebook(core_minutes_stated=30, prose_words=250):
    words = " ".join(["word"] * prose_words)
    return nbformat.v4.new_notebook(cells=[
        md("# 09 · Fixture"),
        md(f"| | |\n|---|---|\n| **Time:** | about {core_minutes_stated} minutes (core path) |"),
        md(words),
        code("x = 1\nprint(x)"),
        md("### Exercise 9.1\nCompute it."),
        code("### BEGIN SOLUTION\n# a comment is not counted\ny = 2\n\nz = y + 1\n### END SOLUTION\ncheck('9.1', z)"),
        md("### 🔭 Going deeper (optional): More\n" + pacing.GOING_DEEPER_BOX + "\n" + words),
        code("w = 3"),
    ])


def test_pace_counts_solution_lines_and_splits_core_from_optional():
    p = pacing.pace(notebook())
    assert (p.core_code_cells, p.core_exercises, p.core_solution_lines, p.optional_code_cells) == (1, 1, 2, 1)
    assert p.core_words == 250 + 13  # the prose, plus the words of the title, card and exercise heading
    assert (p.core_code_lines, p.optional_code_lines) == (3, 1)  # x = 1, print(x), the check; w = 3
    # 263 words / 250 + 1 code cell × 0.5 + 3 code lines × 0.15 + 1 exercise × 1 + 2 lines × 2.5 = 8.002 → 9 min
    assert p.core_minutes == 9


def test_lint_fails_a_card_that_understates_and_a_core_path_over_75_minutes():
    assert not [p for p in pacing.problems(notebook(9)) if "minutes" in p or "min" in p]
    long = notebook(9, prose_words=250 * 20)  # 20 more minutes of reading: estimate 29
    assert any("shorter than the estimate" in p for p in pacing.problems(long))
    assert any("core path takes 80 min" in p for p in pacing.problems(notebook(80)))
