"""liverlab.prose: sentences that quote results are filled from the notebook's variables."""

import pytest

from liverlab.prose import fill, say


def test_fill_formats_from_values_and_namespace():
    assert fill("seed {seed}: {rise:.2f} g/dL", {"seed": 2024, "rise": 0.1234}) == "seed 2024: 0.12 g/dL"
    assert fill("{n} of {total}", {"n": 1, "total": 9}, n=3) == "3 of 9"      # keywords win
    assert fill("{table[0]} and {obj.real}", {"table": [5], "obj": 2}) == "5 and 2"


def test_fill_names_a_missing_variable():
    with pytest.raises(NameError, match=r"quotes \{rise\}.*run the cells above"):
        fill("{rise:.2f}", {})


def test_say_reads_the_callers_variables(capsys):
    rise = 0.126  # noqa: F841 - read by say() from this frame
    say("mean albumin rose by {rise:.2f} g/dL in {n} patients", n=200)
    assert capsys.readouterr().out.strip() == "mean albumin rose by 0.13 g/dL in 200 patients"
