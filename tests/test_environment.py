"""The conda environment, the pip lock and the top-level pins name the same versions."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)(?:\s*;\s*(.+))?$")


def requirements_in() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"requirements.in: {line!r} is not pinned with =="
            pins[match.group(1).lower()] = match.group(2)
    return pins


def lock_for_python_311() -> dict[str, str]:
    """Versions the lock installs on Python 3.11 (the conda environment's Python)."""
    from packaging.markers import Marker

    env = {"python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux",
           "platform_system": "Linux", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "os_name": "posix",
           "platform_machine": "x86_64"}
    pins = {}
    for line in (ROOT / "requirements-lock.txt").read_text().splitlines():
        match = PIN.match(line.strip())
        if match and (match.group(3) is None or Marker(match.group(3)).evaluate(env)):
            pins[match.group(1).lower()] = match.group(2)
    return pins


def environment_yml(text: str | None = None) -> dict[str, str]:
    text = (ROOT / "environment.yml").read_text() if text is None else text
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.\-]+)=([0-9][^\s#]*)\s*$", line)
        if match and match.group(1) != "python":
            pins[match.group(1).lower()] = match.group(2)
    return pins


# conda-forge names of the runtime packages whose pip name differs (the lean builds)
CONDA_NAMES = {"matplotlib-base": "matplotlib", "seaborn-base": "seaborn"}


def conda_pins(text: str | None = None) -> dict[str, str]:
    return {CONDA_NAMES.get(name, name): version for name, version in environment_yml(text).items()}


def test_environment_yml_pins_the_same_versions_as_requirements_in():
    # environment.yml is the student (runtime) set: its conda pins are a subset of requirements.in
    # (the rest comes from requirements-runtime.txt through its pip section; tests/test_delivery.py)
    pins = conda_pins()
    assert pins and {name: requirements_in().get(name) for name in pins} == pins


def test_lock_installs_the_top_level_pins():
    lock = lock_for_python_311()
    drift = {name: (version, lock.get(name)) for name, version in requirements_in().items()
             if lock.get(name) != version}
    assert not drift, f"requirements-lock.txt drifted from requirements.in: {drift}; run `make lock`"


def test_stack_is_the_chosen_one():
    stack = {"jupyterlab", "pandas", "seaborn", "lifelines", "nbval", "ipywidgets"}
    assert stack <= set(requirements_in())
    assert requirements_in()["lifelines"].startswith("0.30.")


def test_lock_leaves_out_the_slow_import():
    # rfc3987-syntax adds ~2.8 s to every process importing nbformat; jsonschema works without it.
    assert "rfc3987-syntax" not in lock_for_python_311()


def test_drift_is_detected():
    drifted = (ROOT / "environment.yml").read_text().replace("numpy=2.2.6", "numpy=2.2.5")
    pins = conda_pins(drifted)
    assert {name: requirements_in().get(name) for name in pins} != pins


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)


def test_check_environment_finds_the_pins_from_the_notebook_folder(tmp_path, monkeypatch, capsys):
    """A student release ships requirements-runtime.in, not the package's neighbour requirements.in."""
    from liverlab import environment

    release = tmp_path / "release"
    (release / "notebooks").mkdir(parents=True)
    (release / "requirements-runtime.in").write_text("numpy==0.0.1\n")
    monkeypatch.chdir(release / "notebooks")
    assert environment.find_requirements() == release / "requirements-runtime.in"
    environment.check_environment(packages=("numpy",))
    out = capsys.readouterr().out
    assert "course tested with 0.0.1" in out and "Some versions differ" in out
    monkeypatch.chdir(tmp_path)
    environment.check_environment(packages=("numpy",))
    assert "no requirements.in found" in capsys.readouterr().out
