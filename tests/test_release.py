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
