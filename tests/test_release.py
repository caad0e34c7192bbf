"""make release: the student distribution holds what students need and nothing an instructor keeps."""

import json

import nbformat
import pytest

from tools import authoring, release


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    # allow_stale: other notebooks may be mid-edit in a working tree; the check itself is tested below
    return release.release(tmp_path_factory.mktemp("rel") / "release", allow_stale=True)


def test_layout(built):
    names = {p.name for p in authoring.solution_paths()}
    assert {p.name for p in (built / "notebooks").glob("*.ipynb")} == names
    assert (built / "notebooks" / "answer_keys.json").read_text() == authoring.KEYS.read_text()
    for name in ("SHA256SUMS", "pbc.csv", "pbcseq.csv", "cirrhosis_cohort.csv", "README_pbc.md",
                 "r_reference/pbc_reference.json", "r_reference/cohort_reference.json"):
        assert (built / "data" / name).is_file(), name
    for name in ("README.md", "requirements-runtime.txt", "environment.yml", "pyproject.toml",
                 "liverlab/checks.py", "LICENSE", "RELEASE.json"):
        assert (built / name).is_file(), name
    if (authoring.ROOT / "GLOSSARY.md").exists():
        assert (built / "GLOSSARY.md").read_text() == (authoring.ROOT / "GLOSSARY.md").read_text()
    readme = (built / "README.md").read_text()
    assert "notebooks/00_start_here.ipynb" in readme and "pip install -r requirements-runtime.txt" in readme
    assert json.loads((built / "RELEASE.json").read_text())["notebooks"] == sorted(names)


def test_no_solutions_no_instructor_files_no_leaks(built):
    assert release.check(built) == []
    files = {p.relative_to(built).parts[0] for p in built.rglob("*")}
    assert not files & {"solutions", "tests", "tools", "INSTRUCTORS.md", "variants"}
    assert not list(built.rglob("answer_values.json")) and not list(built.rglob("answer_key.csv"))
    for path in (built / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["liverlab"]["notebook"] == path.name[:2]
        assert not any(authoring.INSTRUCTOR_TAG in authoring.tags(c) for c in nb.cells)
        assert authoring.BEGIN not in "\n".join(c.source for c in nb.cells)


def test_the_leak_check_finds_a_solution_line_an_instructor_file_and_outputs(built, tmp_path):
    import shutil

    copy = tmp_path / "release"
    shutil.copytree(built, copy)
    path = copy / "notebooks" / "00_start_here.ipynb"
    solution = authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb")
    secret = sorted(authoring.solution_lines(solution))[0]
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(secret))
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="x\n")]
    nbformat.write(nb, path)
    shutil.copy(authoring.ANSWER_VALUES, copy / "notebooks" / "answer_values.json")
    problems = "\n".join(release.check(copy))
    assert "solution line in the student notebook" in problems
    assert "answer_values.json: instructor file" in problems
    assert "has stored outputs" in problems


def test_stale_solutions_are_not_released(monkeypatch, tmp_path):
    record = tmp_path / "executed_sources.json"
    record.write_text("{}")
    monkeypatch.setattr(authoring, "EXECUTED", record)
    with pytest.raises(SystemExit, match="(?s)not in step.*make solutions NB=00"):
        release.release(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_a_release_is_never_deleted(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(SystemExit, match="not a release folder"):
        release.clear(tmp_path)
    assert (tmp_path / "precious.txt").exists()


def test_variants_are_copied_without_the_instructor_files(built, tmp_path):
    from tools import variants

    source = tmp_path / "variants" / "variant_01"
    source.mkdir(parents=True)
    for name in ("00_start_here.ipynb", "answer_keys.json"):
        (source / name).write_bytes((built / "notebooks" / name).read_bytes())
    (source / "variant.json").write_text('{"variant": 1}')
    for name in variants.INSTRUCTOR_FILES:
        (source / name).write_text("secret")
    (source / "README.md").write_text(variants.variant_readme(1, ["00_start_here.ipynb"], instructor=True))
    target = tmp_path / "out" / "variants"
    release.copy_variants(tmp_path / "variants", target)
    copied = {p.name for p in (target / "variant_01").iterdir()}
    assert copied == {"00_start_here.ipynb", "answer_keys.json", "variant.json", "README.md"}
    assert "instructor" not in (target / "variant_01" / "README.md").read_text().lower()


# ---- assessed releases: no graded answer in any form; variants that vary -------------------------------------
# Two variants of 02 and 04 (about 20 s), one assessed release of them, one practice release for comparison.
import contextlib
import csv
import hashlib
import io
import math
import re

from liverlab import checks, data
from tools import variants as variants_tool

ASSESSED = ["02", "04"]
ASSESSED_IDS = ("2.", "4.")
NOT_VARYING = {"4.7"}  # 4.7 matches problems to bias domains: a choice coded as numbers, the same for everybody


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    root = tmp_path_factory.mktemp("assessed")
    screen = io.StringIO()
    with contextlib.redirect_stdout(screen):
        assert variants_tool.main(["2", "--notebooks", *ASSESSED, "--out", str(root / "variants")]) == 0
    out = release.release(root / "release", root / "variants", allow_stale=True, assessed=ASSESSED,
                          allow_same=sorted(NOT_VARYING))
    practice = release.release(root / "practice", root / "variants", allow_stale=True)
    return {"root": root, "variants": root / "variants", "release": out, "practice": practice,
            "screen": screen.getvalue()}


def graded_values(variants_dir):
    """Every graded answer of 02 and 04: the course's and each variant's (the instructor's files)."""
    sources = [authoring.ANSWER_VALUES, *sorted(variants_dir.glob("variant_*/answer_values.json"))]
    answers = {}
    for source in sources:
        for exercise_id, value in json.loads(source.read_text()).items():
            if exercise_id.startswith(ASSESSED_IDS):
                answers.setdefault(exercise_id, []).append(value)
    return answers


# The attacker's brute force: the public fingerprint format, the practice salt and any salt written in the
# release's code, every 64-hex string of every file. Instead of enumerating every number (what an attacker does,
# 2-4 significant figures and 0-4 decimals), the test tries the true answers' own forms at those precisions:
# the enumeration finds an answer exactly when one of these forms matches.
SALT_IN_CODE = re.compile(r"""sha256\(\s*f?["']([^"'|{}]*)\|""")
HEX = re.compile(r"\b[0-9a-f]{64}\b")


def candidate_texts(x) -> set[str]:
    if isinstance(x, bool):
        return {f"bool:{x}"}
    if isinstance(x, str):
        return {"text:" + " ".join(x.split()).casefold(), "text:" + x}
    texts = {f"{x:.{k}g}" for k in (2, 3, 4)} | {f"{round(x, d):.{d}f}" for d in range(5)}
    found = {"number:" + (t.lstrip("-") if float(t) == 0 else t) for t in texts}
    if float(x).is_integer():
        found.add(f"int:{int(x)}")
    return found


def brute_force(folder, answers) -> set[str]:
    salts = {"liverlab"}
    prints = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".ipynb", ".py", ".md", ".txt", ".csv", ".yml"):
            text = path.read_text(encoding="utf-8", errors="replace")
            prints.update(HEX.findall(text))
            if path.suffix == ".py":
                salts.update(SALT_IN_CODE.findall(text))
    recovered = set()
    for exercise_id, values in answers.items():
        for value in values:
            items = value if isinstance(value, list) else [value]
            positions = [str(i) for i in range(len(items))] + ["set"]
            for salt in salts:
                for item in items:
                    for position in positions:
                        for text in candidate_texts(item):
                            digest = hashlib.sha256(f"{salt}|{exercise_id}|{position}|{text}".encode()).hexdigest()
                            if digest in prints:
                                recovered.add(exercise_id)
    return recovered


def test_brute_force_recovers_practice_answers_and_none_of_the_assessed(assessed):
    answers = graded_values(assessed["variants"])
    # the same brute force on a practice release recovers every graded answer: the self-checks are an oracle
    assert brute_force(assessed["practice"], answers) == set(answers)
    assert brute_force(assessed["release"], answers) == set()


NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?![\w]|\.\d)")  # a decimal number, not part of a version or a hash


def answer_forms(values: dict, sigs) -> set[tuple[str, str]]:
    """(precision, rounded form) of the non-whole numbers among 02's and 04's answers: at ``sigs`` significant
    figures and by the key's rule, each with 3+ significant digits (shorter forms occur everywhere by chance)."""
    keys = json.loads(authoring.KEYS.read_text())
    forms = set()
    for exercise_id, value in values.items():
        if not exercise_id.startswith(ASSESSED_IDS):
            continue
        rule = keys[exercise_id]["rule"]
        for x in value if isinstance(value, list) else [value]:
            if isinstance(x, bool) or not isinstance(x, (int, float)) or float(x).is_integer():
                continue
            texts = {(f"{k}g", f"{x:.{k}g}") for k in sigs}
            if rule.get("decimals") is not None:
                texts.add((f"{rule['decimals']}f", f"{x:.{rule['decimals']}f}"))
            forms |= {(how, t) for how, t in texts if authoring._significant_digits(t) >= 3}
    return forms


def found_in(text: str, forms: set) -> list[str]:
    """Numbers of ``text`` that round to one of the forms (as an attacker reads a file: every number, rounded)."""
    hits = []
    for token in set(NUMBER.findall(text)):
        x, digits = float(token), authoring._significant_digits(token)
        hits += [token for how, form in forms if digits >= authoring._significant_digits(form)
                 and format(x, "." + how) == form]
    return hits


def tied_to_the_assessed(relative) -> bool:
    """Files of an assessed notebook: itself, the keys, the R reference it reads, the datasheets."""
    name = relative.name
    return (name[:2] in ASSESSED and name.endswith(".ipynb")) or name == "answer_keys.json" \
        or name.startswith("README") or (name.endswith("_reference.json")
                                         and bool(release.reference_readers(name) & set(ASSESSED)))


def text_search(out, variants_dir) -> list:
    """Every text file but the raw data CSVs (thousands of lab values): the course's and each variant's answers
    at 4 significant figures anywhere, and at 3 and by their rule in the files of the assessed notebooks (the
    variant's own, for a variant). Whole numbers (counts, codes) and choices are left out: they occur everywhere."""
    course = json.loads(authoring.ANSWER_VALUES.read_text())
    per_variant = {p.parent.name: json.loads(p.read_text())
                   for p in sorted(variants_dir.glob("variant_*/answer_values.json"))}
    hits = []
    for path in sorted(out.rglob("*")):
        if not path.is_file() or (path.suffix == ".csv" and "data" in path.parts):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        relative = path.relative_to(out)
        for name, values in [("course", course), *per_variant.items()]:
            own = name == "course" and "variants" not in relative.parts or name in relative.parts
            forms = answer_forms(values, (3, 4) if own and tied_to_the_assessed(relative) else (4,))
            hits += [(str(relative), name, hit) for hit in found_in(text, forms)]
    return hits


def test_no_file_of_the_assessed_release_holds_a_graded_answer(assessed):
    assert text_search(assessed["release"], assessed["variants"]) == []
    # the same search finds the answers the practice release holds in R's reference values (issue 18)
    leaks = text_search(assessed["practice"], assessed["variants"])
    assert ("data/r_reference/cohort_reference.json", "course", "0.701459319767011") in leaks
    assert {hit[0] for hit in leaks} >= {"data/r_reference/cohort_reference.json",
                                         "variants/variant_01/data/r_reference/cohort_reference.json"}


def test_assessed_notebooks_ship_the_form_of_the_answer_only(assessed):
    out = assessed["release"]
    for keys_file in [out / "notebooks" / "answer_keys.json", *out.glob("variants/variant_*/answer_keys.json")]:
        keys = json.loads(keys_file.read_text())
        for exercise_id, key in keys.items():
            if exercise_id.startswith(ASSESSED_IDS):
                assert key["assessed"] is True and set(key) <= {"assessed", "shape", "kind", "length"}
            else:
                assert "fingerprints" in key
    assert json.loads((out / "notebooks" / "answer_keys.json").read_text())["2.2"] == {
        "assessed": True, "shape": "list", "kind": "number", "length": 3}
    for path in [*out.glob("notebooks/0[24]_*.ipynb"), *out.glob("variants/*/0[24]_*.ipynb")]:
        nb = nbformat.read(path, as_version=4)
        assert not any(release.MODEL_ANSWER_TAG in authoring.tags(c) for c in nb.cells), path
        assert "Model answer" not in "\n".join(c.source for c in nb.cells)
        assert authoring.ANSWER_PROMPT in "\n".join(c.source for c in nb.cells)
        assert nb.metadata["liverlab"]["assessed"] is True
    practice_03 = nbformat.read(out / "notebooks" / "03_survival_traps.ipynb", as_version=4)
    assert any(release.MODEL_ANSWER_TAG in authoring.tags(c) for c in practice_03.cells)
    reference = json.loads((out / "data" / "r_reference" / "cohort_reference.json").read_text())
    assert "withheld" in reference["provenance"]
    assert math.isnan(reference["kaplan_meier"]["decompensated"]["survival"]["estimate"][0])  # 2.1's answer
    assert release.check(out, release.graded_answers(ASSESSED, assessed["variants"])) == []
    # nor R's values in another unit (2.2 in days) or as a complement (2.6 as survival), at 3 significant figures
    answers = {f"{x:.3g}" for exercise_id, value in json.loads(authoring.ANSWER_VALUES.read_text()).items()
               if exercise_id.startswith("2.") for x in (value if isinstance(value, list) else [value])
               if isinstance(x, float) and not x.is_integer()}
    numbers = [float(t) for t in NUMBER.findall(
        json.dumps({k: v for k, v in reference.items() if k != "provenance"}))]
    assert len(numbers) > 200
    assert [x for x in numbers if {f"{x:.3g}", f"{x / 365.25:.3g}", f"{1 - x:.3g}"} & answers] == []
    assert "Assessed notebooks (02, 04)" in (out / "README.md").read_text()


def run_student(path):
    nb = nbformat.read(path, as_version=4)
    from nbclient import NotebookClient
    NotebookClient(nb, kernel_name="python3", timeout=300, extra_arguments=authoring.KERNEL_ARGS,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("where", ["notebooks/02_cirrhosis_survival.ipynb", "notebooks/04_before_after_studies.ipynb",
                                   "variants/variant_01/02_cirrhosis_survival.ipynb"])
def test_assessed_notebooks_run_top_to_bottom_in_the_release(assessed, where):
    text = run_student(assessed["release"] / where)  # raises if a cell fails
    assert text.count("not answered yet") == 8 and "correct" not in text


def test_variants_differ_in_every_numeric_graded_exercise(assessed):
    with open(assessed["variants"] / "varying.csv", newline="") as fh:
        rows = {row["exercise"]: row for row in csv.DictReader(fh)}
    numeric = {i for i, row in rows.items() if row["numeric"] == "yes"}
    assert numeric >= {"2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6"}
    assert {i for i in numeric if rows[i]["varies"] != "yes"} == NOT_VARYING
    # printed on screen: what does not vary (4.6's second element is 1 - 0.95**7, a formula)
    screen = assessed["screen"]
    assert "4.7 (04_before_after_studies.ipynb, a number or count): the same answer in every variant" in screen
    assert "4.6 (04_before_after_studies.ipynb): element(s) 2" in screen
    # 02's cohort is regenerated per variant, with the variant's checksum
    one, two = (assessed["variants"] / f"variant_0{k}" / "data" for k in (1, 2))
    assert (one / "cirrhosis_cohort.csv").read_bytes() != (two / "cirrhosis_cohort.csv").read_bytes()
    digest = hashlib.sha256((one / "cirrhosis_cohort.csv").read_bytes()).hexdigest()
    assert f"{digest}  cirrhosis_cohort.csv" in (one / "SHA256SUMS").read_text()
    assert len(data.load_cirrhosis_cohort(data_dir=one)) == 2000
    assert data.find_data_dir(assessed["release"] / "variants" / "variant_01") == \
        assessed["release"] / "variants" / "variant_01" / "data"


def test_a_tampered_variant_cohort_is_refused(assessed, tmp_path):
    import shutil

    shutil.copytree(assessed["variants"] / "variant_01" / "data", tmp_path / "data")
    with open(tmp_path / "data" / "cirrhosis_cohort.csv", "a") as fh:
        fh.write("2001,compensated,50.0,False,HCV,1.0,1.0,1.0,140,4.0,6,6,6,,10,censored\n")
    with pytest.raises(data.DataChecksumError):
        data.load_cirrhosis_cohort(data_dir=tmp_path / "data")
    # the real data are always checked against the committed digest, whatever a folder's SHA256SUMS says
    sums = tmp_path / "data" / "SHA256SUMS"
    sums.write_text(sums.read_text().replace(data.SHA256["pbc.csv"], "0" * 64))
    assert len(data.load_pbc(data_dir=tmp_path / "data")) == 418


def test_an_assessed_release_refuses_answers_that_do_not_vary(assessed, tmp_path):
    with pytest.raises(SystemExit, match=r"assessed exercise\(s\) 4.7: .*ALLOW_SAME=\"4.7\""):
        release.release(tmp_path / "a", assessed["variants"], allow_stale=True, assessed=["04"])
    with pytest.raises(SystemExit, match=r"2.1, 2.2, .*without VARIANTS"):
        release.release(tmp_path / "b", None, allow_stale=True, assessed=["02"])
    with pytest.raises(SystemExit, match="both ASSESSED and FEEDBACK"):
        release.release(tmp_path / "c", None, allow_stale=True, assessed=["02"], feedback=["2"])


def test_feedback_publishes_the_keys_and_model_answers_after_the_deadline(assessed, tmp_path):
    import shutil

    out = tmp_path / "release"
    shutil.copytree(assessed["release"], out)
    with pytest.raises(SystemExit, match=r"holds an assessed release of 02 04.*FEEDBACK=\"02 04\""):
        release.release(out, assessed["variants"], allow_stale=True)  # a plain release would publish the keys
    assert json.loads((out / release.MARKER).read_text())["assessed"] == ASSESSED  # untouched
    release.release(out, assessed["variants"], allow_stale=True, feedback=["02", "04"])
    assert (out / "notebooks" / "answer_keys.json").read_text() == authoring.KEYS.read_text()
    nb = nbformat.read(out / "notebooks" / "02_cirrhosis_survival.ipynb", as_version=4)
    assert any(release.MODEL_ANSWER_TAG in authoring.tags(c) for c in nb.cells)
    variant_keys = json.loads((out / "variants" / "variant_01" / "answer_keys.json").read_text())
    instructor_keys = json.loads((assessed["variants"] / "variant_01" / "answer_keys.json").read_text())
    assert variant_keys["2.1"] == instructor_keys["2.1"]
    assert "withheld" not in (out / "data" / "r_reference" / "cohort_reference.json").read_text()
    assert json.loads((out / release.MARKER).read_text())["feedback"] == ASSESSED


def test_an_assessed_check_confirms_the_form_and_never_the_answer(tmp_path, monkeypatch):
    key = checks.assessed_key(checks.make_key("9.2", [0.25, 0.5, 0.75]))
    assert key == {"assessed": True, "shape": "list", "kind": "number", "length": 3}
    (tmp_path / "answer_keys.json").write_text(json.dumps({"9.2": key, "9.3": checks.assessed_key(
        checks.make_key("9.3", True))}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIVERLAB_VARIANT", raising=False)
    monkeypatch.delenv(checks.RECORD_ENV, raising=False)
    for answer in ([0.25, 0.5, 0.75], [9.0, 9.0, 9.0]):  # right and wrong: the same message
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            checks.check("9.2", answer)
        assert printed.getvalue().startswith(
            "📝 Exercise 9.2: your answer has the expected form (3 numbers in order)")
        assert "will be marked" in printed.getvalue() and "correct" not in printed.getvalue()
        assert checks.answered("9.2", answer)  # later cells run once the form is right
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        checks.check("9.2", [0.25, 0.5])
        checks.check("9.3", "yes")
        assert not checks.answered("9.2", [0.25, 0.5])
    assert "Expected 3 values; you gave 2. The exercise asks for 3 numbers in order" in printed.getvalue()
    assert "Expected True or False; you gave a piece of text. The exercise asks for True or False" in printed.getvalue()


def test_an_absent_r_reference_file_is_a_note_not_an_error(tmp_path, capsys):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "SHA256SUMS").write_text("")
    assert data.load_r_reference("cohort", data_dir=tmp_path / "data") is None
    assert "comparison with R is skipped" in capsys.readouterr().out
