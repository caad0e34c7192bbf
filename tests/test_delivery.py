"""Delivering the course: stale outputs are caught cheaply, build errors are readable, the runtime
environment is the tested one, and the notebooks run from a non-editable install in another folder."""

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tools import authoring

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(?:\s*;\s*(.+))?$")


# ---- stale stored outputs: a hash of each code cell's source at `make solutions` time ------------
@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """Notebook 00's solution, student notebook, keys and source record in a temporary course."""
    for folder in ("solutions", "notebooks"):
        (tmp_path / folder).mkdir()
        shutil.copy(ROOT / folder / "00_start_here.ipynb", tmp_path / folder)
    for path in (authoring.KEYS, authoring.ANSWER_VALUES, authoring.EXECUTED):
        shutil.copy(path, tmp_path / path.parent.name / path.name)
    for name in ("SOLUTIONS", "NOTEBOOKS"):
        monkeypatch.setattr(authoring, name, tmp_path / name.lower())
    monkeypatch.setattr(authoring, "KEYS", tmp_path / "notebooks" / authoring.KEYS.name)
    monkeypatch.setattr(authoring, "ANSWER_VALUES", tmp_path / "solutions" / authoring.ANSWER_VALUES.name)
    monkeypatch.setattr(authoring, "EXECUTED", tmp_path / "solutions" / authoring.EXECUTED.name)
    return tmp_path


def stale(report):
    return [p for problems in report.values() for p in problems if "make solutions NB=" in p]


def test_every_solution_has_a_record_of_the_code_that_made_its_outputs():
    record = json.loads(authoring.EXECUTED.read_text())
    assert set(record) == {p.name for p in authoring.solution_paths()}


def test_a_changed_seed_is_reported_as_stale_in_well_under_5_s(course_copy):
    path = course_copy / "solutions" / "00_start_here.ipynb"
    assert not stale(authoring.lint(["00"]))
    nb = authoring.read(path)
    from tools import variants

    cell = next(c for c in nb.cells if c.cell_type == "code" and variants.SEED_PATTERN.search(c.source))
    cell.source = variants.with_seeds_shifted(cell.source, 1)  # the parameter cell's SEED = 2024
    authoring.write(nb, path)
    start = time.perf_counter()
    problems = stale(authoring.lint(["00"]))
    assert time.perf_counter() - start < 5
    assert problems == [f"stale outputs and answer keys: the code changed since they were made (first at "
                        f"cell {nb.cells.index(cell)}): run `make solutions NB=00`"]


def test_a_solution_never_executed_by_the_build_is_reported(course_copy):
    (course_copy / "solutions" / authoring.EXECUTED.name).write_text("{}")
    assert stale(authoring.lint(["00"])) == ["no record of the code that made the stored outputs: run "
                                             "`make solutions NB=00`"]


def test_make_lint_command_answers_in_under_5_s():
    # CPU time of the whole command (all notebooks), not wall time: robust on a busy machine
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "tools.authoring", "lint"], cwd=ROOT, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) < 5


# ---- `make solutions` errors: notebook and cell, no raw traceback, no kernel TCP warning ---------
def test_a_failing_cell_is_named_without_a_traceback(tmp_path, capfd):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · Broken"),
                                         nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("y = 2\nz = x / 0")])
    with pytest.raises(authoring.NotebookError) as info:
        authoring.run_recording(nb, tmp_path, "solutions/99_broken.ipynb")
    message = str(info.value)
    assert message.startswith("solutions/99_broken.ipynb, cell 2 (code cell 2, line 2), which starts `y = 2`")
    assert "ZeroDivisionError: division by zero" in message
    assert "Traceback" not in message and "\x1b[" not in message and "---->" not in message
    assert "running over TCP" not in capfd.readouterr().err


def test_make_solutions_prints_the_message_and_fails(monkeypatch, capsys):
    def broken(names):
        raise authoring.NotebookError("solutions/04_x.ipynb, cell 7 (code cell 3), which starts `a = 1`:\n"
                                      "    NameError: name 'b' is not defined")
    monkeypatch.setattr(authoring, "execute_solutions", broken)
    assert authoring.main(["solutions", "04"]) == 1
    err = capsys.readouterr().err
    assert "make solutions stopped: solutions/04_x.ipynb, cell 7" in err
    assert "run `make solutions NB=04` again" in err and "Traceback" not in err


# ---- the student (runtime) environment is the tested one ------------------------------------------
def pins(path: Path) -> dict[str, tuple[str, str | None]]:
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.split(" #")[0].strip())
        if match:
            found[(match.group(1).lower(), match.group(3))] = match.group(2)
    return found


def test_runtime_lock_is_the_lock_at_the_same_versions():
    runtime, lock = pins(ROOT / "requirements-runtime.txt"), pins(ROOT / "requirements-lock.txt")
    assert runtime, "requirements-runtime.txt is empty: run `make lock`"
    assert {key: lock.get(key) for key in runtime} == runtime, "run `make lock`"


def test_runtime_set_has_what_the_notebooks_import_and_no_test_tools():
    top = {name for name, _ in pins(ROOT / "requirements-runtime.in")}
    full = pins(ROOT / "requirements.in")
    assert {name: v for (name, _), v in pins(ROOT / "requirements-runtime.in").items()} == \
        {name: v for (name, _), v in full.items() if name in top}
    assert {"numpy", "pandas", "scipy", "matplotlib", "seaborn", "lifelines", "ipywidgets",
            "jupyterlab"} == top
    runtime = {name for name, _ in pins(ROOT / "requirements-runtime.txt")}
    assert {"ipykernel", "nbconvert"} <= runtime
    assert not {"pytest", "playwright", "hypothesis", "nbval", "pytest-xdist"} & runtime


def test_environment_yml_is_the_runtime_set():
    text = (ROOT / "environment.yml").read_text()
    conda = dict(re.findall(r"^\s+-\s+([A-Za-z0-9_.\-]+)=([0-9][^\s#]*)\s*$", text, re.M))
    names = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn"}
    runtime = {name: v for (name, _), v in pins(ROOT / "requirements-runtime.in").items()}
    conda.pop("python")
    assert {names.get(n, n): v for n, v in conda.items()}.items() <= runtime.items()
    assert "- -r requirements-runtime.txt" in text and "- -e ." in text
    for tool in ("pytest", "playwright", "hypothesis", "nbval"):
        assert tool not in text.split("dependencies:")[1], tool


# ---- the student release, installed NON-editable in a fresh venv and copied elsewhere -------------
# Slow part: running all eight student notebooks in the fresh environment (about 110 s of CPU; 2-5
# min of wall time on a busy 2-core machine); the environment itself takes about 11 s (uv, offline,
# from its cache). Skipped when uv is not available.
RUNNER = r'''
import json, sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
folder, names = Path(sys.argv[1]), sys.argv[2:]
results = {}
for name in names:
    path = Path(name) if Path(name).is_absolute() else folder / name
    nb = nbformat.read(path, as_version=4)
    error = None
    try:
        NotebookClient(nb, kernel_name="python3", timeout=600, extra_arguments=["--IPKernelApp.log_level=ERROR"],
                       resources={"metadata": {"path": str(folder)}}).execute()
    except Exception as exc:
        error = f"{type(exc).__name__}: {str(exc)[-500:]}"
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    results[path.name] = {"error": error, "text": text}
print(json.dumps(results))
'''


def find_uv():
    for candidate in (shutil.which("uv"), ROOT / ".tools" / "uv" / "bin" / "uv"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def installed_release(tmp_path_factory):
    """(python of a fresh venv with liverlab installed non-editable, a copied course folder)."""
    from tools import release

    uv = find_uv()
    if uv is None:
        pytest.skip("uv is not available (make env fetches it into .tools/)")
    base = tmp_path_factory.mktemp("delivery")
    built = release.release(base / "release", allow_stale=True)
    venv = base / "venv"
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("LIVERLAB_")}
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, env=env)
    env_venv = {**env, "VIRTUAL_ENV": str(venv)}
    for args in (["-r", str(built / "requirements-runtime.txt")], [str(built)]):
        done = subprocess.run([uv, "pip", "install", "-q", "--offline", "--no-deps", *args], env=env_venv,
                              capture_output=True, text=True)
        if done.returncode != 0:  # a cold uv cache needs PyPI once
            subprocess.run([uv, "pip", "install", "-q", "--no-deps", *args], env=env_venv, check=True)
    # Bytecode for the fresh venv, as `make env` writes it (tools/setup_env.sh): without it every kernel of
    # this test compiles the stack from source (about 12 s a kernel instead of 3.5 s).
    subprocess.run([str(venv / "bin" / "python"), "-m", "tools.warm_bytecode"], cwd=ROOT, env=env_venv,
                   check=True, capture_output=True)
    # The course folder elsewhere, without the library's source: only the installed copy can serve it.
    course = base / "elsewhere" / "course"
    shutil.copytree(built, course, ignore=shutil.ignore_patterns("liverlab", "pyproject.toml"))
    python = venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import liverlab; print(liverlab.__file__)"], cwd=course,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where and str(ROOT) not in where, where
    return python, course, env


def run_in(installed, folder, names):
    python, _, env = installed
    done = subprocess.run([str(python), "-c", RUNNER, str(folder), *map(str, names)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_right_answer_is_correct_with_the_keys_of_the_copied_folder(installed_release, tmp_path):
    _, course, _ = installed_release
    solution = authoring.clean_solution(authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb"))
    for cell in solution.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    authoring.write(solution, tmp_path / "00_solution.ipynb")
    result = run_in(installed_release, course / "notebooks", [tmp_path / "00_solution.ipynb"])["00_solution.ipynb"]
    assert result["error"] is None, result["error"]
    assert result["text"].count("correct.") == 3 and "not yet" not in result["text"]  # 0.1, 0.2, 0.3
    assert "no answer key" not in result["text"]


def test_every_student_notebook_runs_from_the_copied_release(installed_release):
    _, course, _ = installed_release
    names = sorted(p.name for p in (course / "notebooks").glob("*.ipynb"))
    assert len(names) == len(authoring.solution_paths())
    results = run_in(installed_release, course / "notebooks", names)
    for name, result in results.items():
        assert result["error"] is None, f"{name}: {result['error']}"
        assert "not answered yet" in result["text"], name
        assert "no answer key" not in result["text"] and "could not be checked" not in result["text"], name
        assert "No course data folder found" not in result["text"], name


# ---- the published site: student edition only, glossary included --------------------------------
def test_student_only_site_has_no_instructor_edition_and_a_glossary(tmp_path):
    from tools import book

    summary = book.build(tmp_path / "site", jobs=1, only=["00", "01"], execute_students=False,
                         student_only=True, log=lambda *a: None)
    out = summary["out"]
    assert not (out / "instructor").exists() and set(summary["editions"]) == {"student"}
    for page in out.rglob("*.html"):
        hrefs = [value for _, _, value in book.references(page.read_text(encoding="utf-8"))]
        assert not [h for h in hrefs if "instructor" in h], page
        assert not [h for h in hrefs if "GLOSSARY.md" in h], page
    assert book.link_problems(out) == []
    if (ROOT / "GLOSSARY.md").exists():
        page = (out / "student" / "00_start_here.html").read_text(encoding="utf-8")
        assert 'href="../glossary.html"' in page
        glossary = (out / "glossary.html").read_text(encoding="utf-8")
        assert 'href="student/01_meld_math.html"' in glossary
        assert "notebooks/05_regression_to_the_mean.ipynb" not in glossary  # not in this site: plain text


def test_default_site_still_links_both_editions(tmp_path):
    from tools import book

    out = book.build(tmp_path / "site", jobs=1, only=["00"], execute_students=False, log=lambda *a: None)["out"]
    page = (out / "student" / "00_start_here.html").read_text(encoding="utf-8")
    assert 'href="../instructor/00_start_here.html"' in page
    assert book.link_problems(out) == []
