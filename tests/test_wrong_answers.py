"""A learner's wrong answers never crash a later cell (issue 11: guards that hold).

Each student notebook is run with every answer filled in wrongly but with the right type
(tools.wrong_answers): the self-checks must say "not yet", and every later cell must cope.
"""

import re

import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import authoring
from tools.wrong_answers import _wrong, wrong_answer_version

SOLUTIONS = authoring.solution_paths()
FEEDBACK = re.compile(r"(✅|❌|⏳|⚠️) Exercise (\d+\.\d+): ([a-z ]+)")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name[:2])
def test_wrong_answers_never_make_a_later_cell_raise(path):
    nb = wrong_answer_version(authoring.read(path), path.name[:2])
    client = NotebookClient(nb, kernel_name="python3", timeout=300, record_timing=False,
                            resources={"metadata": {"path": str(authoring.NOTEBOOKS)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
        pytest.fail(f"{path.name}: a cell raised after wrong answers were filled in "
                    f"(guard it with `if answered(...)`):\n{message[:600]}\n...\n{message[-600:]}")
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    verdicts = {exercise: verdict for _, exercise, verdict in FEEDBACK.findall(text)}
    assert "no answer key" not in text
    not_yet = [e for e, v in verdicts.items() if v.startswith("not yet")]
    # Every exercise whose answer could be made wrong says so (an exercise whose whole answer is a
    # function body that returns early, or a fitted model, cannot be perturbed from outside).
    assert len(not_yet) >= max(1, len(verdicts) // 2), verdicts


def test_wrong_values_keep_their_type():
    import numpy as np
    import pandas as pd

    assert _wrong(True) is False and _wrong(3) == 4 and _wrong(0.5) == pytest.approx(0.685)
    assert _wrong("b") == "a" and _wrong("critical") == "not the answer"
    assert _wrong([1.0, 2.0]) == [1.0, 2.0 * 1.37] and _wrong((1, 2)) == (1, 3)
    assert _wrong({"P03", "P07"}) == {"P03", "not the answer"}
    series = _wrong(pd.Series([1.0, 2.0], index=["x", "y"]))
    assert list(series.index) == ["x", "y"] and series["y"] == pytest.approx(2.74)
    table = _wrong(pd.DataFrame({"n": [1, 2], "g": ["a", "b"]}))
    assert list(table["g"]) == ["a", "b"] and table["n"].tolist() == pytest.approx([1.37, 2.74])
    assert _wrong(lambda x: x * 2)(1.0) == pytest.approx(2.74)
    assert (_wrong(np.array([True, False])) == np.array([False, True])).all()
