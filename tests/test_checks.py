"""liverlab.checks: right / not yet / not answered yet; never raises, never reveals."""

import numpy as np
import pandas as pd
import pytest

from liverlab import checks


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """Record answer keys into a temporary file, as `make solutions` does."""
    keys_path = tmp_path / "answer_keys.json"
    monkeypatch.setattr(checks, "KEYS_PATH", keys_path)

    def record(**answers):
        import json

        record_file = tmp_path / "record.jsonl"
        record_file.write_text("")
        monkeypatch.setenv(checks.RECORD_ENV, str(record_file))
        for exercise_id, (value, options) in answers.items():
            checks.check(exercise_id.replace("_", "."), value, **options)
        monkeypatch.delenv(checks.RECORD_ENV)
        entries = [json.loads(line) for line in record_file.read_text().splitlines()]
        keys_path.write_text(json.dumps({e["id"]: {"rule": e["rule"], "fingerprint": e["fingerprint"]}
                                         for e in entries}))

    return record


def feedback(capsys, exercise_id, value, **options):
    checks.check(exercise_id, value, **options)
    return capsys.readouterr().out


def test_placeholder_is_not_answered_yet(capsys):
    out = feedback(capsys, "1.1", ...)
    assert "not answered yet" in out and "Exercise 1.1" in out


@pytest.mark.parametrize("value", [[..., ...], (1.0, ...), {"bilirubin": ..., "inr": 1.2}])
def test_placeholder_inside_a_collection_is_not_answered_yet(capsys, value):
    assert "not answered yet" in feedback(capsys, "1.2", value)
    assert checks.answered("1.2", value) is False


def test_number_right_within_rounding_and_wrong_with_hint(keys, capsys):
    keys(**{"1_1": (17.4632, {})})
    assert "correct" in feedback(capsys, "1.1", 17.4632)
    assert "correct" in feedback(capsys, "1.1", 17.47)      # same to 3 significant figures
    assert "correct" in feedback(capsys, "1.1", np.float64(17.44))  # one unit of the last digit
    out = feedback(capsys, "1.1", 18.2, hint="cap creatinine at 4.0.")
    assert "not yet" in out and "cap creatinine at 4.0." in out
    assert "correct" not in out


def test_feedback_never_shows_the_expected_value(keys, capsys):
    keys(**{"1_1": (17.4632, {}), "1_2": ("within noise", {})})
    outputs = [feedback(capsys, "1.1", v) for v in (1.0, "17", None, [1, 2], ...)]
    outputs += [feedback(capsys, "1.2", v) for v in ("beyond noise", 3)]
    assert not any("17.5" in out or "17.46" in out or "within noise" in out for out in outputs)


def test_whole_numbers_compare_exactly(keys, capsys):
    keys(**{"1_3": (23, {}), "1_4": (np.float64(15.0), {})})
    assert "correct" in feedback(capsys, "1.3", 23)
    assert "correct" in feedback(capsys, "1.3", 23.0)
    assert "not yet" in feedback(capsys, "1.3", 24)
    assert "whole number" in feedback(capsys, "1.3", 23.4)
    assert "correct" in feedback(capsys, "1.4", np.int64(15))


def test_answers_near_zero_use_decimals(keys, capsys):
    keys(**{"4_1": (0.0213, {"decimals": 1})})
    assert "correct" in feedback(capsys, "4.1", -0.03)
    assert "correct" in feedback(capsys, "4.1", 0.0)
    assert "not yet" in feedback(capsys, "4.1", 0.4)


def test_text_ignores_case_and_spaces(keys, capsys):
    keys(**{"0_2": ("b", {}), "0_3": ("Beyond  noise", {})})
    assert "correct" in feedback(capsys, "0.2", " B ")
    assert "correct" in feedback(capsys, "0.3", "beyond noise")
    assert "not yet" in feedback(capsys, "0.2", "c")
    assert "not yet" in feedback(capsys, "0.2", 2)


def test_booleans(keys, capsys):
    keys(**{"1_5": (True, {})})
    assert "correct" in feedback(capsys, "1.5", np.bool_(True))
    assert "not yet" in feedback(capsys, "1.5", False)
    assert "not yet" in feedback(capsys, "1.5", 1)


def test_collections_in_order_and_sets_in_any_order(keys, capsys):
    keys(**{"2_1": ([6.0, 28.0, 40.0], {}), "2_2": ({"P03", "P07"}, {})})
    assert "correct" in feedback(capsys, "2.1", pd.Series([6, 28, 40], index=["a", "b", "c"]))
    assert "correct" in feedback(capsys, "2.1", np.array([6, 28, 40]))
    assert "not yet" in feedback(capsys, "2.1", [40, 28, 6])
    assert "expected 3 values" in feedback(capsys, "2.1", [6, 28])
    assert "correct" in feedback(capsys, "2.2", {"P07", "P03"})
    assert "correct" in feedback(capsys, "2.2", {"p07", "p03"})


def test_wrong_kinds_get_a_hint_not_an_exception(keys, capsys):
    keys(**{"1_1": (17.4632, {})})
    for value in (pd.DataFrame({"a": [1]}), object(), float("nan"), "17.46", None):
        out = feedback(capsys, "1.1", value)
        assert "not yet" in out
    assert "NaN" in feedback(capsys, "1.1", float("nan"))


def test_unknown_exercise_says_so(keys, capsys):
    keys(**{"1_1": (1.5, {})})
    assert "no answer key" in feedback(capsys, "9.9", 1.5)


def test_never_raises_even_on_a_broken_key_file(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "answer_keys.json"
    broken.write_text("{not json")
    monkeypatch.setattr(checks, "KEYS_PATH", broken)
    out = feedback(capsys, "1.1", 3.0)
    assert "could not be checked" in out


def test_answered_guards_later_cells(capsys):
    assert checks.answered("1.3", 5.0, "x") is True
    assert capsys.readouterr().out == ""
    assert checks.answered("1.3", 5.0, ...) is False
    assert "Exercise 1.3" in capsys.readouterr().out


def test_shipped_keys_are_fingerprints_not_answers():
    import json

    keys = json.loads(checks.KEYS_PATH.read_text())
    assert keys, "no answer keys shipped: run `make solutions`"
    for exercise_id, key in keys.items():
        assert set(key) == {"rule", "fingerprint"}, exercise_id
        assert len(key["fingerprint"]) == 64
