"""liverlab.checks: right / not yet / not answered yet; never raises, never reveals."""

import numpy as np
import pandas as pd
import pytest

from liverlab import checks


@pytest.fixture
def keys(tmp_path, monkeypatch):
    """Record answer keys into a temporary file, as `make solutions` does."""
    keys_path = tmp_path / "answer_keys.json"
    monkeypatch.chdir(tmp_path)  # a notebook reads the keys of its own folder
    checks.PASSED.clear()

    def record(**answers):
        import json

        record_file = tmp_path / "record.jsonl"
        record_file.write_text("")
        monkeypatch.setenv(checks.RECORD_ENV, str(record_file))
        for exercise_id, (value, options) in answers.items():
            checks.check(exercise_id.replace("_", "."), value, **options)
        monkeypatch.delenv(checks.RECORD_ENV)
        entries = [json.loads(line) for line in record_file.read_text().splitlines()]
        checks.PASSED.clear()  # recording marks every check passed; a learner's kernel starts empty
        keys_path.write_text(json.dumps({e["id"]: e["key"] for e in entries}))

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
    assert "expected 3 values" in feedback(capsys, "2.1", [6, 28]).lower()
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
    monkeypatch.chdir(tmp_path)
    out = feedback(capsys, "1.1", 3.0)
    assert "could not be checked" in out


def test_answered_needs_placeholders_filled_and_the_check_passed(keys, capsys):
    keys(**{"1_3": (5.0, {})})
    assert checks.answered("1.3", 5.0, ...) is False
    assert "finish that exercise first" in capsys.readouterr().out
    assert checks.answered("1.3", 5.0) is False  # filled in, but its check has not run yet
    assert "run the check cell of Exercise 1.3" in capsys.readouterr().out
    feedback(capsys, "1.3", 7.0)  # wrong
    assert checks.answered("1.3", 7.0) is False
    assert "not right yet" in capsys.readouterr().out
    feedback(capsys, "1.3", 5.0)  # right
    assert checks.answered("1.3", 5.0) is True
    assert capsys.readouterr().out == ""
    feedback(capsys, "1.3", ...)  # back to the placeholder: no longer passed
    assert checks.answered("1.3", 5.0) is False


def test_answered_with_columns_accepts_any_well_formed_table(capsys):
    table = pd.DataFrame({"a": [1.0], "b": [2.0]})
    assert checks.answered("4.2", table, columns=["a", "b"]) is True
    assert checks.answered("4.2", table, columns=["a", "c"]) is False
    assert "columns ['a', 'c']" in capsys.readouterr().out
    assert checks.answered("4.2", [1, 2], columns=["a"]) is False


# ----------------------------------------------------------------------------------------
# Tolerance: the key's rounding bin and one unit of its last kept digit either side
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, accepted, rejected", [
    (0.70146, [0.7015, 0.700, 0.701, 0.702, 0.70149], [0.698, 0.705, 0.703, 0.6994]),  # Exercise 2.1's case
    (0.8250, [0.824, 0.825, 0.826], [0.823, 0.827, 0.82]),  # leading digit 8
    (0.7864, [0.785, 0.786, 0.787], [0.784, 0.788]),        # leading digit 7
    (9.95, [9.94, 9.95, 9.96, 9.949], [9.93, 9.97, 10.0]),   # leading digit 9
    (9.99, [9.98, 9.99, 10.0], [9.97, 10.1]),                # a neighbour across the decade
    (0.995, [0.994, 0.996], [0.997, 1.0]),
    (100.4, [99.0, 99.8, 100, 101], [98.9, 102]),            # the key "100" has a unit of 1
    (0.6875, [0.687, 0.688, 0.689], [0.686, 0.690]),         # 0.6875 rounds to 0.688 (exactly half)
    (-0.70146, [-0.700, -0.702], [-0.698, 0.701]),
    (3.5, [3.49, 3.5, 3.51], [3.48, 3.52, 3.4]),
])
def test_tolerance_is_the_rounding_bin_and_its_two_neighbours(key, accepted, rejected):
    recorded = checks.make_key("2.1", key)
    for value in accepted:
        assert checks.evaluate("2.1", value, recorded).correct, value
    for value in rejected:
        assert not checks.evaluate("2.1", value, recorded).correct, value


def test_tolerance_with_decimals_for_answers_near_zero():
    recorded = checks.make_key("5.1", 0.012, decimals=3)
    assert [checks.evaluate("5.1", v, recorded).correct for v in (0.011, 0.012, 0.013, 0.0125, 0.014, 0.010)] == \
        [True, True, True, True, False, False]


def test_tolerance_applies_element_by_element():
    # Before: one factor for all elements let [0.655, 0.786] pass and failed neighbours of the key.
    recorded = checks.make_key("2.4", [0.6875, 0.8250])
    assert checks.evaluate("2.4", [0.687, 0.826], recorded).correct
    assert not checks.evaluate("2.4", [0.655, 0.786], recorded).correct


# ----------------------------------------------------------------------------------------
# Diagnostic feedback: which element, what kind, which slip; the hint always; never the answer
# ----------------------------------------------------------------------------------------
def test_feedback_names_the_wrong_element():
    recorded = checks.make_key("6.2", [0.42, 1.86, 3.1])
    assert "The 2nd of 3 values is not right yet." in checks.evaluate("6.2", [0.42, 2.5, 3.1], recorded).message
    message = checks.evaluate("6.2", [0.5, 2.5, 3.1], recorded).message
    assert "2 of 3 values are not right yet: the 1st of 3 values; the 2nd of 3 values." in message
    assert "expected 3 values; you gave 2" in checks.evaluate("6.2", [0.42, 1.86], recorded).message.lower()


def test_feedback_names_the_kind_and_always_adds_the_hint():
    recorded = checks.make_key("2.1", 0.70146)
    hint = "read the curve at 1 year"
    for value, words in [(pd.Series([0.70146, 0.6]), "expected a single value; you gave a Series of 2"),
                         (pd.Series([0.70146]), ".item()"),
                         ("0.70", "expected a number; you gave a piece of text"),
                         (None, "forget to `return`"),
                         (len, "forget to call it"),
                         (pd.DataFrame({"a": [1]}), "a DataFrame with 1 rows")]:
        message = checks.evaluate("2.1", value, recorded, hint=hint).message
        assert words.lower() in message.lower(), (value, message)
        assert message.endswith(f"Hint: {hint}"), message
    recorded_list = checks.make_key("2.6", [1.0, 2.0])
    assert "expected 2 values (a list, array or series); you gave a number" in \
        checks.evaluate("2.6", 1.0, recorded_list).message.lower()


@pytest.mark.parametrize("true, slip, wrong", [
    (0.70146, "percent", 70.146),            # a survival fraction given as a percentage
    (31.2, "fraction", 0.312),               # a percentage given as a fraction
    (-2.4, "sign", 2.4),                     # a change computed after-minus-before the wrong way round
    (1.92, "days", 1.92 * 365.25),           # a median survival in days where years were asked
    (700.5, "years", 700.5 / 365.25),
    (0.9445, "log10", 0.9445 / np.log(10)),  # ln(bilirubin) computed with np.log10
    (0.41, "ln", 0.41 * np.log(10)),
    (1.86, "reciprocal", 1 / 1.86),          # a hazard ratio with the reference group swapped
    (1.86, "log", np.log(1.86)),             # a Cox coefficient where the hazard ratio is asked
    (0.62, "exp", np.exp(0.62)),             # a hazard ratio where the coefficient is asked
])
def test_each_slip_is_named_without_the_answer(true, slip, wrong):
    recorded = checks.make_key("3.3", true)
    verdict = checks.evaluate("3.3", wrong, recorded, hint="the hint")
    assert verdict.status == "not yet" and verdict.slip == slip, verdict
    assert f"Close: your value is {checks._slip_text(slip)}" in verdict.message
    assert "Hint: the hint" in verdict.message
    assert f"{true:.3g}" not in verdict.message


def test_slips_apply_to_every_element_of_a_list_and_to_each_element():
    recorded = checks.make_key("4.1", [0.12, 0.34, 0.56])
    verdict = checks.evaluate("4.1", [12, 34, 56], recorded)
    assert verdict.slip == "percent" and "Close: every value is 100 times its answer" in verdict.message
    verdict = checks.evaluate("4.1", [12, 34, 0.56], recorded)  # two elements as percentages, one right
    assert verdict.slips == ((0, "percent"), (1, "percent"))
    assert "2 of 3 values are not right yet: the 1st of 3 values is 100 times its answer" in verdict.message
    named = checks.evaluate("4.1", [12, 34, 0.913], recorded, names=["a", "b", "c"]).message
    assert "the 1st value, `a`, is 100 times its answer: " in named
    verdict = checks.evaluate("4.1", [0.12, -0.34, 0.913], recorded)  # a sign slip in one, another wrong
    assert verdict.slips == ((1, "sign"),) and verdict.slip is None
    assert "the 2nd of 3 values is its answer with the sign flipped" in verdict.message
    assert verdict.message.endswith("; the 3rd of 3 values.")


def test_a_slip_that_looks_like_the_answer_is_not_recorded():
    # 0 and 1 are their own sign flip and reciprocal: "the sign is flipped" would be nonsense.
    assert "sign" not in checks.make_key("1.1", 0.0, decimals=2)["slips"]
    assert "reciprocal" not in checks.make_key("1.1", 1.0, decimals=2)["slips"]
    assert checks.make_key("1.1", 7)["rule"]["kind"] == "int" and "slips" not in checks.make_key("1.1", 7)


def rebuilt_key(exercise_id, value, rule):
    """The key `make solutions` records for a value, with this version of make_key."""
    if rule["shape"] == "set":
        value = set(value)
    rounding = {"decimals": rule["decimals"]} if rule.get("decimals") is not None else {"sig": rule.get("sig", 3)}
    return checks.make_key(exercise_id, value, **rounding)


def test_real_wrong_answers_from_the_course_notebooks_get_their_slip():
    """The course's own recorded answers: a fraction given as a percentage, a ratio inverted, years as days."""
    import json

    from tools import authoring

    values = json.loads(authoring.ANSWER_VALUES.read_text())
    shipped = json.loads(authoring.KEYS.read_text())
    keys = {k: rebuilt_key(k, values[k], key["rule"]) for k, key in shipped.items()}

    def as_answered(exercise_id, items):
        return items if isinstance(values[exercise_id], list) else items[0]

    numeric = {k: (v if isinstance(v, list) else [v]) for k, v in values.items()
               if keys[k]["rule"]["kind"] == "number" and "sig" in keys[k]["rule"]}
    fractions = [k for k, v in numeric.items() if all(0.05 < x < 0.95 for x in v)]
    ratios = [k for k, v in numeric.items() if all(x > 0 and abs(x - 1) > 0.1 for x in v)]
    assert len(fractions) >= 5 and len(ratios) >= 5, "the course has fraction and ratio answers"

    # a change computed the wrong way round (before minus after): Exercise 4.4's apparent MELD change
    changes = [k for k, v in values.items() if keys[k]["rule"]["kind"] == "number"
               and all(x < -0.1 for x in (v if isinstance(v, list) else [v]))]
    assert changes
    for exercise_id in changes:
        items = values[exercise_id] if isinstance(values[exercise_id], list) else [values[exercise_id]]
        wrong = as_answered(exercise_id, [-x for x in items])
        assert checks.evaluate(exercise_id, wrong, keys[exercise_id]).slip == "sign", exercise_id
    for exercise_id in fractions:
        wrong = as_answered(exercise_id, [x * 100 for x in numeric[exercise_id]])
        assert checks.evaluate(exercise_id, wrong, keys[exercise_id]).slip == "percent", exercise_id
    for exercise_id in ratios:
        right = as_answered(exercise_id, numeric[exercise_id])
        assert checks.evaluate(exercise_id, right, keys[exercise_id]).correct, exercise_id
        wrong = as_answered(exercise_id, [1 / x for x in numeric[exercise_id]])
        # a scalar: named unless 1/x is also (within tolerance) another slip, e.g. ln 10 · x
        kept = [i for i, f in enumerate(keys[exercise_id]["slips"].get("reciprocal", [])) if f is not None]
        if isinstance(values[exercise_id], list):  # the same slip on every element: named once, for all
            kept = list(range(len(values[exercise_id])))
        assert checks.evaluate(exercise_id, wrong, keys[exercise_id]).slips == tuple(
            (i, "reciprocal") for i in kept), exercise_id
        wrong = as_answered(exercise_id, [x * 365.25 for x in numeric[exercise_id]])
        kept = [i for i, f in enumerate(keys[exercise_id]["slips"].get("days", [])) if f is not None]
        if isinstance(values[exercise_id], list):  # the same slip on every element: named once, for all
            kept = list(range(len(values[exercise_id])))
        assert checks.evaluate(exercise_id, wrong, keys[exercise_id]).slips == tuple(
            (i, "days") for i in kept), exercise_id


# ----------------------------------------------------------------------------------------
# Where the keys are read from
# ----------------------------------------------------------------------------------------
def test_keys_come_from_the_notebook_folder_then_the_course_root(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "solutions").mkdir()
    (tmp_path / "notebooks" / "answer_keys.json").write_text("{}")
    assert checks.find_keys(tmp_path / "notebooks") == tmp_path / "notebooks" / "answer_keys.json"
    assert checks.find_keys(tmp_path / "solutions") == tmp_path / "notebooks" / "answer_keys.json"
    variant = tmp_path / "variants" / "variant_01"
    variant.mkdir(parents=True)
    (variant / "answer_keys.json").write_text("{}")
    assert checks.find_keys(variant) == variant / "answer_keys.json"


def test_a_missing_key_file_is_loud_not_silent(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = feedback(capsys, "1.1", 3.0)
    assert "no answer key file" in out and "cannot be checked" in out


def test_shipped_keys_are_fingerprints_not_answers():
    import json

    from tools import authoring

    keys = json.loads(authoring.KEYS.read_text())
    assert keys, "no answer keys shipped: run `make solutions`"
    for exercise_id, key in keys.items():
        assert set(key) <= {"rule", "fingerprints", "slips"}, exercise_id
        assert all(len(f) == 64 for f in key["fingerprints"])
        assert all(f is None or len(f) == 64 for fs in key.get("slips", {}).values() for f in fs)


def test_keys_of_another_variant_are_refused_loudly(tmp_path, monkeypatch, capsys):
    import json

    key = checks.make_key("1.1", 3.0)
    course, variant = tmp_path / "notebooks", tmp_path / "variant_02"
    for folder in (course, variant):
        folder.mkdir()
        (folder / "answer_keys.json").write_text(json.dumps({"1.1": key}))
    (variant / "variant.json").write_text(json.dumps({"variant": 2}))
    monkeypatch.delenv("LIVERLAB_VARIANT", raising=False)
    monkeypatch.chdir(course)
    assert "correct" in feedback(capsys, "1.1", 3.0)                    # course notebook, course keys
    monkeypatch.chdir(variant)
    out = feedback(capsys, "1.1", 3.0)                                  # course notebook, variant keys
    assert "could not be checked" in out and "for variant 2" in out and "correct." not in out
    monkeypatch.setenv("LIVERLAB_VARIANT", "2")
    assert "correct" in feedback(capsys, "1.1", 3.0)                    # variant 2 in its own folder
    monkeypatch.chdir(course)
    out = feedback(capsys, "1.1", 3.0)                                  # variant 2 with course keys
    assert "could not be checked" in out and "this notebook is variant 2" in out
    monkeypatch.setenv("LIVERLAB_VARIANT", "3")
    monkeypatch.chdir(variant)
    assert "could not be checked" in feedback(capsys, "1.1", 3.0)       # variant 3 with variant 2's keys


def test_exercise_6_4_accepts_welch_and_student_p_values():
    """Notebook 06 teaches both t-tests: its key must accept either p-value (0.000892 Student, 0.000879 Welch)."""
    import json

    from tools import authoring

    key = json.loads(authoring.KEYS.read_text())["6.4"]
    difference = json.loads(authoring.ANSWER_VALUES.read_text())["6.4"][0]
    assert checks.evaluate("6.4", [difference, 0.000892], key).correct
    assert checks.evaluate("6.4", [difference, 0.000879], key).correct
    assert not checks.evaluate("6.4", [difference, 0.0021], key).correct  # e.g. a Mann-Whitney p


# ----------------------------------------------------------------------------------------
# Issue 20: a slip is named only when it happened; elements named by meaning; choices never revealed
# ----------------------------------------------------------------------------------------
def test_one_minus_r_is_never_told_it_is_an_exponential():
    """Exercise 5.6 (r = 0.0406, 2 significant figures): 1 − r (0.959) was told "exponential of the answer".

    exp(r) = 1.04 rounds to "1.0", whose tolerance (0.9–1.1) covers 1 − r: the two slips cannot be told
    apart, so neither is recorded. With 3 significant figures they can, and 1 − r is named.
    """
    r = 0.04062586221094511
    recorded = checks.make_key("5.6", r, sig=2)
    assert "exp" not in recorded["slips"] and "complement" not in recorded["slips"]
    verdict = checks.evaluate("5.6", 1 - r, recorded)
    assert verdict.slip is None and "exponential" not in verdict.message and "log" not in verdict.message
    recorded = checks.make_key("5.6", r, sig=3)
    verdict = checks.evaluate("5.6", 1 - r, recorded)
    assert verdict.slip == "complement" and "1 minus the answer" in verdict.message


def test_slips_that_collide_are_not_recorded_and_not_named():
    # r = -0.02: 1 − r = 1.02 and exp(r) = 0.980 and exp(−r) ... 1 − r and exp(r)? 1.02 vs 0.98 (sig 2):
    # within one unit of each other's neighbours, so neither may be named for an answer near 1.
    key = checks.make_key("5.6", -0.02, sig=2)
    assert "complement" not in key["slips"] and "exp" not in key["slips"]
    assert checks.evaluate("5.6", 1.02, key).slip is None
    assert checks.evaluate("5.6", 0.98, key).slip is None
    # a ratio near 1 is its own reciprocal: no reciprocal slip, and the inverted ratio is right anyway
    key = checks.make_key("3.2", 1.0067, sig=2)
    assert "reciprocal" not in key["slips"]
    assert checks.evaluate("3.2", 1 / 1.0067, key).correct
    # a value matching two recorded slips (here ln at one element, reciprocal kept) names neither
    key = checks.make_key("3.5", [0.6875, 0.825], sig=2)
    assert key["slips"]["reciprocal"][0] is None and key["slips"]["ln"][0] is None
    assert checks.evaluate("3.5", [1 / 0.6875, 0.825], key).slips == ()


def test_a_count_for_a_fraction_is_named_when_the_check_gives_the_denominator():
    """Exercise 1.7: 2440 of 20,000 pairs moved by 3 points or more either way, the fraction 0.122."""
    key = checks.make_key("1.7", [0.122, 3.0], sig=2, denominator=[20000, None])
    names = ["prob_change_3_or_more", "reference_change_points"]
    verdict = checks.evaluate("1.7", [2440, 3.0], key, names=names)
    assert verdict.slips == ((0, "count"),)
    assert ("The 1st value, `prob_change_3_or_more`, is not right yet: it is its answer times the number it is a "
            "fraction of: a count where a fraction is asked") in verdict.message
    verdict = checks.evaluate("1.7", [0.122, -3.0], key, names=names)
    assert verdict.message.startswith("❌ Exercise 1.7: not yet. The 2nd value, `reference_change_points`, "
                                      "is not right yet: it is its answer with the sign flipped: check the "
                                      "order of a subtraction or which group is the reference.")
    assert "count" not in checks.make_key("1.7", [0.122, 3.0], sig=2)["slips"]
    with pytest.raises(ValueError, match="denominator has 1 entries"):
        checks.make_key("1.7", [0.122, 3.0], denominator=[20000])


def test_exercise_1_7_catches_a_count_of_one_direction_only():
    """Falls (0.0608) and rises (0.0612) of 3 points or more are equally common, so 1.7 asks for moves either
    way: a learner who counts only falls, or only rises (the subtraction the wrong way round), is not right,
    and no slip is named for it."""
    key = checks.make_key("1.7", [0.122, 3.0], sig=2, denominator=[20000, None])
    for one_direction in (0.0608, 0.0612):
        verdict = checks.evaluate("1.7", [one_direction, 3.0], key,
                                  names=["prob_change_3_or_more", "reference_change_points"])
        assert not verdict.correct and verdict.slips == ()
        assert "`prob_change_3_or_more`, is not right yet" in verdict.message


def test_percentage_and_days_inside_one_element():
    key = checks.make_key("3.1", [442.86, 0.1443])
    assert checks.evaluate("3.1", [442.86, 14.43], key).slips == ((1, "percent"),)
    assert checks.evaluate("3.1", [442.86 * 365.25, 0.1443], key).slips == ((0, "days"),)


def test_a_series_element_is_named_by_its_index_label_not_a_number():
    key = checks.make_key("2.9", [0.5, 0.25, 0.125])
    answer = pd.Series([0.5, 0.3, 0.125], index=["P01", "P02", "P03"])
    message = checks.evaluate("2.9", answer, key).message
    assert "The value labelled 'P02' in your Series is not right yet" in message and "2nd" not in message


def test_true_false_lists_say_how_many_are_wrong_never_which(keys, capsys):
    keys(**{"3_6": ([False, True, False, True, False], {}), "7_7": (["b", "c"], {})})
    message = feedback(capsys, "3.6", [False, True, True, True, False])
    assert "1 of 5 answers is not right yet (this check does not say which)" in message
    assert not any(word in message for word in ("3rd", "element", "value,", "labelled"))
    message = feedback(capsys, "3.6", [True, True, True, True, False])
    assert "2 of 5 answers are not right yet" in message and "1st" not in message
    message = feedback(capsys, "7.7", ["b", "d"], choice=True)
    assert "1 of 2 answers is not right yet" in message and "2nd" not in message


def test_choice_answers_ignore_case_brackets_and_punctuation(keys, capsys):
    keys(**{"2_8": ("(b)", {}), "2_9": ("b", {})})
    for given in ("(b)", "B", " b ", "b)", "b.", "[B]"):
        assert "correct" in feedback(capsys, "2.8", given), given
        assert "correct" in feedback(capsys, "2.9", given), given
    assert "not yet" in feedback(capsys, "2.9", "(c)")


def test_check_passes_names_choice_and_denominator_through(keys, capsys):
    keys(**{"1_7": ([0.122, 3.0], {"sig": 2, "denominator": [20000, None]})})
    out = feedback(capsys, "1.7", [2440, 3.0], names=["prob_change_3_or_more", "reference_change_points"])
    assert "`prob_change_3_or_more`" in out and "a count where a fraction is asked" in out
    out = feedback(capsys, "1.7", [2440, 3.0], choice=True)
    assert "1 of 2 answers is not right yet" in out and "count" not in out


def test_a_p_value_for_a_chi_square_statistic_is_named_when_the_check_gives_its_df():
    """Exercise 2.3: the log-rank chi-square (725.5, 1 df); its p-value is chi2.sf(725.5, 1)."""
    from scipy import stats

    key = checks.make_key("2.3", 725.521051638367, chi2_df=1)
    verdict = checks.evaluate("2.3", stats.chi2.sf(725.521051638367, 1), key)
    assert verdict.slip == "p_value" and "the test's p-value" in verdict.message
    assert "p_value" not in checks.make_key("2.3", 725.521051638367)["slips"]
    key = checks.make_key("6.1", [0.1017, 0.7498], chi2_df=[1, None])  # [chi-square, p]
    verdict = checks.evaluate("6.1", [0.7498, 0.7498], key, names=["logrank_chisq", "logrank_p"])
    assert verdict.slips == ((0, "p_value"),) and "`logrank_chisq`" in verdict.message


# ----------------------------------------------------------------------------------------
# Issue 20, second walkthrough: slip messages state the numeric relation and offer causes as
# questions; one slip on every element named once; rounded answers get a neutral note; a Series
# labelled by the names compared label by label; 0/1 for True/False explained
# ----------------------------------------------------------------------------------------
def test_slip_messages_state_the_relation_and_never_presume_the_quantity():
    # 5.3: an ANCOVA effect (decimals=3) with the reference group inverted: not "after − before"
    key = checks.make_key("5.3", 0.007353686852875378, decimals=3)
    message = checks.evaluate("5.3", -0.007353686852875378, key).message
    assert ("Close: your value is the answer with the sign flipped: check the order of a subtraction or which "
            "group is the reference.") in message and "after" not in message
    # 5.1: a change in albumin (g/dL) × 100: a unit slip is as likely as a percentage
    key = checks.make_key("5.1", [0.1279809696570603, -0.16529561296061288], sig=2)
    verdict = checks.evaluate("5.1", [12.798, -0.16529561296061288], key, names=["change_enrolled", "change_not"])
    assert verdict.slips == ((0, "percent"),)
    assert ("is 100 times its answer: a percentage where a fraction is asked, or a unit 100 times too small?"
            in verdict.message) and "asks for a fraction" not in verdict.message
    # 3.3: a hazard ratio, 1 minus it: no claim that it is a survival or a mortality
    key = checks.make_key("3.3", 0.9877061513663438 + 0.5)
    message = checks.evaluate("3.3", 1 - (0.9877061513663438 + 0.5), key).message
    assert message.startswith("❌ Exercise 3.3: not yet. Close: your value is 1 minus the answer: ")
    assert "check which of the two" not in message and message.endswith("?")
    for name in checks.SLIPS:  # every cause is offered as a question or a "check ..." suggestion
        causes = checks._slip_parts(name)[1]
        assert causes.endswith("?") or causes.startswith("check "), name


def test_the_same_slip_on_every_element_is_named_once_for_all():
    # 3.5 (sig 2): 1 − 0.6875 = 0.31 is also 0.6875 / ln 10 = 0.30 within tolerance, so on its own the
    # 1st value names nothing; the list as a whole is 1 − x at every element and nothing else.
    truth, records = 0.6875447387258412, 0.8250445797569553
    key = checks.make_key("3.5", [truth, records], sig=2)
    verdict = checks.evaluate("3.5", [1 - truth, 1 - records], key, names=["truth", "records"])
    assert verdict.slip == "complement" and verdict.slips == ((0, "complement"), (1, "complement"))
    assert "Close: every value is 1 minus its answer: " in verdict.message and "`" not in verdict.message
    # 3.3: the hazard ratio and its interval inverted: the limits swap places, [1/HR, 1/upper, 1/lower]
    hr, lower, upper = 0.9877061513663438, 0.8863482182780861, 1.1006548231598499
    key = checks.make_key("3.3", [hr, lower, upper], sig=3)
    names = ["hazard ratio", "lower 95% limit", "upper 95% limit"]
    verdict = checks.evaluate("3.3", [1 / hr, 1 / upper, 1 / lower], key, names=names)
    assert verdict.slip == "reciprocal" and verdict.slips == ((0, "reciprocal"),)
    assert ("Close: every value is the reciprocal (1/x) of its answer, with the interval's lower and upper "
            "limits swapped") in verdict.message
    assert checks.evaluate("3.3", [1 / hr, 1 / lower, 1 / upper], key, names=names).slip == "reciprocal"
    assert checks.evaluate("3.3", [-hr, -upper, -lower], key, names=names).slip == "sign"
    # a list that is a slip at one element only, or at none, is not named for the whole list
    assert "every value" not in checks.evaluate("3.3", [1 / hr, 0.95, 1.2], key, names=names).message
    assert checks.evaluate("3.3", [1 / hr, 1 / upper, 1.5], key, names=names).slip is None


def test_a_rounded_answer_gets_a_note_on_the_digits_compared():
    note = "This check compares 3 significant figures: if you rounded your answer, give it unrounded."
    key = checks.make_key("3.1", [442.86379192334016, 0.14426321910429019])
    assert note in checks.evaluate("3.1", [442.86379192334016, 0.14], key).message
    # far off: not a rounding of the right value, so no note (walkthroughs of 04 and 07: 7 for a count,
    # 0.35 for 0.302 and 3 for the rule of three's 0.0536 were told "if you rounded your answer")
    assert "rounded" not in checks.evaluate("3.1", [442.86379192334016, 0.11], key).message
    key46 = checks.make_key("4.6", [1.0, 0.30166])
    assert "rounded" not in checks.evaluate("4.6", [7, 0.30166], key46).message
    assert "rounded" not in checks.evaluate("4.6", [1, 0.35], key46).message
    assert note in checks.evaluate("4.6", [1, 0.3], key46).message  # 0.3 is 0.30166 rounded
    assert "rounded" not in checks.evaluate("7.2", 3, checks.make_key("7.2", 3 / 56)).message
    # walkthrough of 03: a survival curve's predict(1) = 1.0 for 0.85 is not a rounding; 12 for 12.4 is
    assert "rounded" not in checks.evaluate("3.5", 1.0, checks.make_key("3.5", 0.85, sig=2)).message
    assert note in checks.evaluate("9.3", 12, checks.make_key("9.3", 12.4)).message
    assert note in checks.evaluate("7.2", 0.05, checks.make_key("7.2", 3 / 56)).message
    assert "rounded" not in checks.evaluate("3.1", [442.86379192334016, 0.152], key).message
    assert "rounded" not in checks.evaluate("3.1", [442.86379192334016, 14.43], key).message  # a named slip
    key = checks.make_key("3.2", [0.6069692032281633, 1.0067187377998539])
    assert note in checks.evaluate("3.2", [0.61, 1.01], key).message
    key = checks.make_key("5.5", 0.0014652216770983995, sig=2)
    message = checks.evaluate("5.5", 0.001, key, hint="h").message
    assert message.endswith(" This check compares 2 significant figures: if you rounded your answer, give it "
                            "unrounded. Hint: h")
    key = checks.make_key("5.3", 0.007353686852875378, decimals=3)
    assert "compares 3 decimal places" in checks.evaluate("5.3", 0.01, key).message
    assert "rounded" not in checks.evaluate("5.3", 0.012, key).message


def test_a_series_labelled_by_the_names_is_compared_label_by_label():
    """Exercise 1.1: names=list(bounded.index), P01–P05; a learner's .sort_values() reorders the Series."""
    labels = ["P01", "P02", "P03", "P04", "P05"]
    key = checks.make_key("1.1", [6.0, 14.0, 26.0, 25.0, 40.0])
    answer = pd.Series([6.0, 14.0, 26.0, 25.0, 40.0], index=labels).sort_values()
    assert list(answer.index) == ["P01", "P02", "P04", "P03", "P05"]
    assert checks.evaluate("1.1", answer, key, names=labels).correct
    wrong = pd.Series([6.0, 14.0, 27.0, 25.0, 40.0], index=labels).sort_values()
    message = checks.evaluate("1.1", wrong, key, names=labels).message
    assert "The 3rd value, `P03`, is not right yet" in message
    assert not checks.evaluate("1.1", answer, key).correct  # without names: by position, as documented
    assert not checks.evaluate("1.1", answer.set_axis(["a", "b", "c", "d", "e"]), key, names=labels).correct


def test_zero_and_one_for_true_false_are_explained_not_called_a_number(keys, capsys):
    keys(**{"3_6": ([False, True, False, True, False], {"choice": True})})
    message = feedback(capsys, "3.6", [0, 1, 0, 1, 0], choice=True)
    assert "not yet" in message and "not 0 or 1 (0 and 1 are numbers): write True or False" in message
    assert "you gave a number" not in message
    assert "0 or 1" in feedback(capsys, "3.6", np.array([0, 1, 0, 1, 0]), choice=True)
    assert "not 0 or 1" not in feedback(capsys, "3.6", [2, 1, 0, 1, 0], choice=True)


def test_a_zero_gets_no_rounding_note():
    """Issue 20 (walkthrough of 02): 2.1 computed with d/n instead of 1 - d/n gives exactly 0.0 (the first
    row has no deaths); "if you rounded your answer" was the wrong diagnosis for it."""
    key = checks.make_key("2.1", 0.9745)
    message = checks.evaluate("2.1", 0.0, key).message
    assert message.startswith("❌") and "rounded" not in message
    key = checks.make_key("5.3", 0.003, decimals=3)  # with decimal places a 0.0 can be a rounded 0.003
    assert "compares 3 decimal places" in checks.evaluate("5.3", 0.0, key).message


def test_notebook_numbers_written_as_text_ignore_leading_zeros():
    """Issue 20 (walkthrough of 00): ["1", "3", "4"] for ["01", "03", "04"] was told all three were wrong."""
    key = checks.make_key("0.3", ["01", "03", "04"])
    for given in (["1", "3", "4"], ["01", "3", " 04 "], ["(01)", "03", "004"]):
        assert checks.evaluate("0.3", given, key, choice=True).correct, given
    verdict = checks.evaluate("0.3", ["1", "3", "5"], key, choice=True)
    assert not verdict.correct and "1 of 3" in verdict.message
    assert not checks.evaluate("0.3", ["10", "3", "4"], key, choice=True).correct


def test_the_complement_slip_names_a_concordance_the_wrong_way_round():
    """Issue 20 (walkthrough of 02): 2.5 without the minus sign gives 1 - C; the causes must include it."""
    key = checks.make_key("2.5", 0.7612)
    verdict = checks.evaluate("2.5", 1 - 0.7612, key)
    assert verdict.slip == "complement" and "a ranking the wrong way round" in verdict.message
    assert "concordance" not in verdict.message  # walkthroughs of 03 and 04: jargon where C is not taught


def test_a_wrong_type_inside_a_list_is_named_by_its_meaning():
    """Issue 20 (walkthrough of 04): "Expected a number; you gave a TtestResult" did not say which element."""
    from scipy import stats

    key = checks.make_key("4.2", [-1.77, 0.03])
    result = stats.ttest_rel([1, 2, 3, 4], [2, 2, 5, 3])
    message = checks.evaluate("4.2", [-1.77, result], key, names=["mean_change", "p_value"]).message
    assert message.startswith("❌ Exercise 4.2: not yet. The 2nd value, `p_value`: expected a number; you gave a "
                              "test result (TtestResult)") and ".pvalue" in message
    message = checks.evaluate("4.2", [pd.Series([-1.77]), 0.03], key, names=["mean_change", "p_value"]).message
    assert "The 1st value, `mean_change`: expected a number; you gave a Series of 1 value(s)" in message
    assert ".item()" in message
    message = checks.evaluate("4.2", [float("nan"), 0.03], key, names=["mean_change", "p_value"]).message
    assert "The 1st value, `mean_change`: your answer is NaN" in message


def test_right_values_in_each_others_places_are_named_as_an_order_slip():
    """Issue 20 (walkthrough of 02): 2.7 given (naive, Aalen-Johansen) for (Aalen-Johansen, naive) got only
    "2 of 2 values are not right yet"."""
    key = checks.make_key("2.7", [0.2145, 0.2761])
    names = ["aalen_johansen", "naive"]
    message = checks.evaluate("2.7", [0.2761, 0.2145], key, names=names).message
    assert message.startswith("❌ Exercise 2.7: not yet. Close: 2 of your values are right but in each other's "
                              "places: give them in the order asked (`aalen_johansen`, `naive`).")
    assert "each other's places" not in checks.evaluate("2.7", [0.2761, 0.3], key, names=names).message
    key = checks.make_key("9.9", [1.0, 2.0, 3.0])
    assert "2 of your values" in checks.evaluate("9.9", [1.0, 3.0, 2.0], key).message
    assert "each other's places" not in checks.evaluate("9.9", [2.0, 2.0, 3.0], key).message
    key = checks.make_key("7.4", [True, False, True])  # a choice list never says which, nor that they swapped
    assert "places" not in checks.evaluate("7.4", [False, True, True], key, choice=True).message


def test_a_one_row_table_for_a_list_says_how_to_take_the_row():
    """Walkthrough of 06: 6.2 given `.summary[[...]]` (one row, three columns) got no pointer to the values."""
    key = checks.make_key("6.2", [1.06, 0.75, 1.50])
    table = pd.DataFrame([[1.06, 0.75, 1.50]], columns=["exp(coef)", "lower", "upper"])
    message = checks.evaluate("6.2", table, key).message
    assert "you gave a DataFrame with 1 rows and 3 columns (its one row as a list: .iloc[0].tolist())" in message
    assert checks.evaluate("6.2", table.iloc[0].tolist(), key).correct


def test_a_hostile_answer_object_gets_a_type_message_not_a_crash():
    """Student code is hostile input: an object whose attribute lookup raises must not break the check."""
    class Hostile:
        def __getattr__(self, name):
            raise RuntimeError("boom")

    key = checks.make_key("4.2", [-1.77, 0.03])
    message = checks.evaluate("4.2", [-1.77, Hostile()], key, names=["mean_change", "p_value"]).message
    assert "The 2nd value, `p_value`: expected a number; you gave a Hostile" in message
    assert "Expected a number; you gave a Hostile." in checks.evaluate("4.2", Hostile(), checks.make_key("4.2", 1.5)).message
