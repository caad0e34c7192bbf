"""Shared test settings.

- The repository root is importable (for ``tools``); property tests are reproducible.
- **Order and distribution** (``make test`` runs ``pytest -n 2 --dist loadscope``): the suite is
  dominated by a few dozen notebook runs of 4-15 s each, so the order in which the two workers
  get them decides the wall time. :func:`pytest_collection_modifyitems` puts the student
  notebooks (whose executions the site tests reuse) first, then the rest longest first (rough
  costs in :data:`COST`), and
  :class:`CourseScheduling` hands them out in that order (xdist's default re-sorts scopes by
  their number of tests). Tests of the modules in :data:`SPREAD` share nothing expensive, so
  each of them is its own unit and the two workers can share them.
- **Executed student notebooks are reused**: nbval runs every ``notebooks/NN_*.ipynb`` top to
  bottom; the outputs it receives are saved (:class:`_StudentRunRecorder`) as an executed
  copy, which the course-website tests (``tests/test_book.py``, ``tests/test_browser.py``) render
  instead of executing the notebook a second time (:func:`executed_student_notebooks`).
"""

from __future__ import annotations

import copy
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Property tests: the same examples on every run (reproducible CI), no per-example deadline
# (a loaded 2-core machine must not turn a slow example into a failure), no example database.
from hypothesis import settings  # noqa: E402

settings.register_profile("course", derandomize=True, deadline=None, database=None)
settings.load_profile("course")

NOTEBOOKS = ROOT / "notebooks"

# ----------------------------------------------------------------------------------------------
# Order of the work and how it is split between the workers
# ----------------------------------------------------------------------------------------------
# Modules whose tests are independent, heavy notebook runs (no shared module fixture): under
# `--dist loadscope` each test is its own unit of work instead of the whole module being one.
SPREAD = {"tests/test_wrong_answers.py"}
# Modules that render executed student notebooks (consumers): after every student notebook.
CONSUMERS = {"tests/test_browser.py", "tests/test_book.py"}
# Rough seconds per unit of work on 2 busy cores (pytest --durations of `make test`, 3 December);
# only the order they give matters: the longest units start first, so that none is left
# running alone at the end (the tests of a module run on one worker, in one go).
COST = {
    "tests/test_delivery.py": 170, "tests/test_grade.py": 50, "tests/test_browser.py": 45,
    "tests/test_variants.py": 30, "tests/test_slides.py": 12, "tests/test_wrong_answers.py": 10,
    "tests/test_cohorts.py": 8, "tests/test_studies.py": 8, "tests/test_book.py": 8,
    "tests/test_worksheet.py": 6, "tests/test_pbc_against_r.py": 6,
    "tests/test_cohort_against_r.py": 6, "tests/test_widgets.py": 5, "tests/test_rtm.py": 5,
    "tests/test_scores.py": 5, "tests/test_integrity.py": 60,
}


def scope_of(nodeid: str) -> str:
    """The unit of work of a test: its module (or notebook), or itself in a SPREAD module."""
    path = nodeid.split("::", 1)[0]
    return nodeid if path in SPREAD else nodeid.rsplit("::", 1)[0]


def _rank(scope: str, size: int) -> tuple:
    """Student notebooks first (the site tests wait for them), then the longest units first."""
    path = scope.split("::", 1)[0]
    if path.startswith("notebooks/"):
        return (0, -size)
    if path.endswith(".ipynb"):
        return (1, -(8.0 + size / 10))         # solution notebooks: 4-15 s each
    return (1, -COST.get(path, size / 50))     # unit tests: about 20 ms each


def pytest_collection_modifyitems(session, config, items):
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(scope_of(item.nodeid), []).append(item)
    order = sorted(groups, key=lambda s: _rank(s, len(groups[s])))
    for scope in order:
        if scope in CONSUMERS:  # what needs no executed notebook first, while nbval finishes
            groups[scope].sort(key=lambda item: bool({"site", "site00"} & set(item.fixturenames)))
    items[:] = [item for scope in order for item in groups[scope]]


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pragma: no cover - xdist is in the lock
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:

    class CourseScheduling(LoadScopeScheduling):
        """loadscope, in the collection's order, with SPREAD modules split into single tests."""

        def __init__(self, config, log=None):
            super().__init__(config, log)
            config.option.loadscopereorder = False  # keep pytest_collection_modifyitems' order

        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    @pytest.hookimpl(optionalhook=True)  # a hook of xdist's: unknown under -p no:xdist
    def pytest_xdist_make_scheduler(config, log):
        if config.getvalue("dist") == "loadscope":
            return CourseScheduling(config, log)
        return None


# ----------------------------------------------------------------------------------------------
# Executed student notebooks, kept from their nbval run for the site tests
# ----------------------------------------------------------------------------------------------
def _run_folder(config) -> Path:
    """A folder shared by all the workers of this test run (pytest's base temporary folder)."""
    if hasattr(config, "workerinput"):  # an xdist worker: basetemp is <run basetemp>/popen-gwN
        return Path(config.option.basetemp).parent / "executed-notebooks"
    return config._tmp_path_factory.getbasetemp() / "executed-notebooks"


def _is_student_cell(item) -> bool:
    return (type(item).__name__ == "IPyNbCell"
            and Path(str(item.fspath)).parent == NOTEBOOKS)


class _StudentRunRecorder:
    """Keeps what nbval's kernel sent for each cell of a student notebook; after the last cell,
    writes the executed notebook. A plugin object, because a hook in this conftest would only
    see the items under tests/."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if _is_student_cell(item):
            notebook = item.parent
            state = notebook.__dict__.setdefault("_liverlab_run",
                                                 {"outputs": {}, "complete": True})
            if report.failed or report.skipped:
                state["complete"] = False
            if report.when == "call" and report.passed:
                state["outputs"][item.cell_num] = item.test_outputs or []
            last = sum(cell.cell_type == "code" for cell in notebook.nb.cells) - 1
            if (item.cell_num == last and report.when in ("call", "teardown")
                    and not state.get("saved")):
                state["saved"] = True
                _save_executed(item.config, notebook, state)
        return report


def pytest_configure(config):
    config.pluginmanager.register(_StudentRunRecorder(), "liverlab-student-runs")


def _save_executed(config, notebook, state) -> None:
    folder = _run_folder(config)
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(str(notebook.fspath)).name
    target = folder / name
    if not state["complete"]:
        (folder / f"{name}.failed").write_text("nbval did not run every cell\n")
        return
    import nbformat

    nb = copy.deepcopy(notebook.nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        cell.outputs = [nbformat.from_dict(dict(o)) for o in state["outputs"].get(number, [])]
        cell.execution_count = number + 1
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = number + 1
    partial = folder / f".{name}.{os.getpid()}"
    nbformat.write(nb, partial)
    partial.replace(target)  # atomic: a reader sees the whole notebook or nothing


@pytest.fixture(scope="session")
def nbval_student_runs(request):
    """``fetch(names)``: see :func:`executed_student_notebooks`."""
    return lambda names: executed_student_notebooks(request, names)


def executed_student_notebooks(request, names: list[str], timeout: float = 300) -> dict:
    """Executed copies of ``notebooks/<name>`` for each name: {name: notebook or None}.

    A notebook whose nbval run belongs to this session is waited for (the other worker may still
    be running it; the course order puts student notebooks first); None means "execute it
    yourself": nbval is not part of this run, did not run every cell, or did not finish in time.
    """
    import nbformat

    collected = {Path(str(item.fspath)).name for item in request.session.items
                 if _is_student_cell(item)}
    folder = _run_folder(request.config)
    deadline = time.monotonic() + timeout
    found = {}
    for name in names:
        found[name] = None
        if name not in collected:
            continue
        while time.monotonic() < deadline:
            if (folder / name).exists():
                found[name] = nbformat.read(folder / name, as_version=4)
                break
            if (folder / f"{name}.failed").exists():
                break
            time.sleep(0.25)
    return found
