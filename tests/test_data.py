"""Tests for liverlab.data: checksums, shapes, codings, dtypes and error messages.

Expected counts come from R 4.2.2 with survival 3.5-3 (``nrow(pbc)``, ``table(pbc$trt,
useNA="a")``, ...; see data/README_pbc.md), and the pbcseq trt coding from comparing the 312
ids shared by the two tables.
"""

import csv
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from liverlab import data
from liverlab.data import DataChecksumError, load_pbc, load_pbcseq

PBC_COLUMNS = ["id", "time", "status", "trt", "age", "sex", "ascites", "hepato", "spiders",
               "edema", "bili", "chol", "albumin", "copper", "alk.phos", "ast", "trig",
               "platelet", "protime", "stage"]
PBCSEQ_COLUMNS = ["id", "futime", "status", "trt", "age", "sex", "day", "ascites", "hepato",
                  "spiders", "edema", "bili", "chol", "albumin", "alk.phos", "ast", "platelet",
                  "protime", "stage"]
ADDED = ["treatment", "randomized", "status_label", "died", "edema_label", "years"]
LOADERS = [(load_pbc, "pbc.csv"), (load_pbcseq, "pbcseq.csv")]
DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the repository's data folder


@pytest.fixture(scope="module")
def pbc():
    return load_pbc()


@pytest.fixture(scope="module")
def pbcseq():
    return load_pbcseq()


# ---- checksums --------------------------------------------------------------------------

@pytest.mark.parametrize("filename", ["pbc.csv", "pbcseq.csv"])
def test_committed_files_have_recorded_checksum(filename):
    digest = hashlib.sha256((DATA_DIR / filename).read_bytes()).hexdigest()
    assert digest == data.SHA256[filename]


def test_sha256sums_file_agrees_with_module():
    # data/SHA256SUMS is shared with other data sets: check only the lines for these files.
    recorded = {}
    for line in (DATA_DIR / "SHA256SUMS").read_text().splitlines():
        digest, _, name = line.partition("  ")
        recorded[name.strip()] = digest
    assert {name: recorded.get(name) for name in data.SHA256} == dict(data.SHA256)


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_tampered_copy_raises(tmp_path, loader, filename):
    original = (DATA_DIR / filename).read_text()
    # One digit of the first data row changed: still a valid CSV, but not the R data.
    header, first, rest = original.split("\n", 2)
    tampered = first.replace(",", ",9", 1)
    (tmp_path / filename).write_text("\n".join([header, tampered, rest]))
    with pytest.raises(DataChecksumError, match=rf"has been changed.*git checkout -- "
                                                rf"data/{filename}"):
        loader(data_dir=tmp_path)


def test_checksum_error_is_a_value_error():
    assert issubclass(DataChecksumError, ValueError)


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_untouched_copy_in_other_folder_loads(tmp_path, loader, filename):
    shutil.copy(DATA_DIR / filename, tmp_path / filename)
    pd.testing.assert_frame_equal(loader(data_dir=tmp_path), loader())


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_crlf_checkout_is_accepted(tmp_path, loader, filename):
    # git's core.autocrlf (Windows) rewrites line endings; the values are unchanged.
    content = (DATA_DIR / filename).read_bytes().replace(b"\n", b"\r\n")
    (tmp_path / filename).write_bytes(content)
    pd.testing.assert_frame_equal(loader(data_dir=str(tmp_path)), loader())


# ---- missing files and folders ----------------------------------------------------------

@pytest.mark.parametrize("loader, filename", LOADERS)
def test_missing_file_raises(tmp_path, loader, filename):
    with pytest.raises(FileNotFoundError, match=rf"{filename} is missing from the data folder"
                                                rf".*git checkout -- data/{filename}"):
        loader(data_dir=tmp_path)


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_missing_folder_raises(tmp_path, loader, filename):
    with pytest.raises(FileNotFoundError, match=r"data folder .*nowhere does not exist.*course "
                                                r"folder.*data_dir="):
        loader(data_dir=tmp_path / "nowhere")


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_data_dir_is_keyword_only(loader, filename):
    with pytest.raises(TypeError):
        loader(DATA_DIR)


def test_each_call_returns_a_fresh_frame():
    first = load_pbc()
    first.loc[0, "bili"] = -1.0
    first.attrs["units"]["bili"] = "changed"
    second = load_pbc()
    assert second.loc[0, "bili"] == 14.5
    assert second.attrs["units"]["bili"] == "mg/dL"


# ---- shapes, columns, dtypes ------------------------------------------------------------

def test_pbc_shape_and_columns(pbc):
    assert pbc.shape == (418, 26)
    assert list(pbc.columns) == PBC_COLUMNS + ADDED
    assert pbc.index.equals(pd.RangeIndex(418))
    assert pbc["id"].tolist() == list(range(1, 419))


def test_pbcseq_shape_and_columns(pbcseq):
    assert pbcseq.shape == (1945, 26)
    assert list(pbcseq.columns) == PBCSEQ_COLUMNS + ADDED + ["visit_years"]
    assert pbcseq["id"].nunique() == 312
    assert set(pbcseq["id"]) == set(range(1, 313))
    assert pbcseq.groupby("id")["day"].first().eq(0).all()        # every patient has day 0
    assert pbcseq[["id", "day"]].apply(tuple, axis=1).is_monotonic_increasing
    assert (pbcseq["day"] <= pbcseq["futime"]).all()


@pytest.mark.parametrize("fixture", ["pbc", "pbcseq"])
def test_dtypes(fixture, request):
    df = request.getfixturevalue(fixture)
    integer_columns = {"id", "time", "futime", "status", "day"}
    for name in df.columns:
        if name in integer_columns:
            assert df[name].dtype == np.int64, name
        elif name in {"sex", "treatment", "status_label", "edema_label"}:
            assert isinstance(df[name].dtype, pd.CategoricalDtype), name
        elif name in {"randomized", "died"}:
            assert df[name].dtype == bool, name
        else:
            assert df[name].dtype == np.float64, name


@pytest.mark.parametrize("fixture", ["pbc", "pbcseq"])
def test_categories(fixture, request):
    df = request.getfixturevalue(fixture)
    assert list(df["sex"].cat.categories) == ["female", "male"]
    assert list(df["treatment"].cat.categories) == ["D-penicillamine", "placebo"]
    assert list(df["status_label"].cat.categories) == ["censored", "transplant", "died"]
    assert list(df["edema_label"].cat.categories) == ["none", "untreated or resolved",
                                                      "despite diuretics"]
    assert df["edema_label"].cat.ordered
    assert not df["sex"].isna().any() and not df["status_label"].isna().any()


@pytest.mark.parametrize("fixture", ["pbc", "pbcseq"])
def test_units_cover_every_column(fixture, request):
    df = request.getfixturevalue(fixture)
    assert set(df.attrs["units"]) == set(df.columns)
    assert df.attrs["units"]["bili"] == "mg/dL"
    assert df.attrs["units"]["albumin"] == "g/dL"
    assert df.attrs["units"]["protime"] == "seconds"
    assert "survival 3.5-3" in df.attrs["source"]


@pytest.mark.parametrize("loader, filename", LOADERS)
def test_values_are_the_csv_text_bit_for_bit(loader, filename):
    # Python's float() rounds correctly; pandas' default parser does not always (it changes
    # the last bit of 51 values in pbc.csv), so the loader must use round_trip parsing.
    with open(DATA_DIR / filename, newline="") as handle:
        rows = list(csv.DictReader(handle))
    df = loader()
    for name in rows[0]:
        if name == "sex":
            expected_sex = [{"f": "female", "m": "male"}[row[name]] for row in rows]
            assert df[name].astype(str).tolist() == expected_sex
            continue
        expected = np.array([float(row[name]) if row[name] else np.nan for row in rows])
        np.testing.assert_array_equal(df[name].to_numpy(dtype=float), expected, err_msg=name)


# ---- codings and counts (R: table(...) on survival::pbc / pbcseq) --------------------------

def test_pbc_randomized_and_treatment(pbc):
    assert pbc["randomized"].sum() == 312
    assert pbc["randomized"].equals(pbc["id"] <= 312)
    assert pbc["trt"].value_counts().to_dict() == {1.0: 158, 2.0: 154}
    assert pbc["trt"].isna().sum() == 106
    pairs = pbc.groupby(["trt", "treatment"], observed=True).size()
    assert pairs.to_dict() == {(1.0, "D-penicillamine"): 158, (2.0, "placebo"): 154}
    assert pbc["treatment"].isna().equals(pbc["trt"].isna())


def test_pbc_status_sex_edema(pbc):
    assert pbc["status"].value_counts().to_dict() == {0: 232, 2: 161, 1: 25}
    assert pbc["status_label"].value_counts().to_dict() == {"censored": 232, "died": 161,
                                                            "transplant": 25}
    assert pbc["died"].equals(pbc["status"] == 2)
    assert pbc["sex"].value_counts().to_dict() == {"female": 374, "male": 44}
    assert pbc.groupby("edema", observed=True)["edema_label"].unique().map(list).to_dict() == {
        0.0: ["none"], 0.5: ["untreated or resolved"], 1.0: ["despite diuretics"]}
    assert pbc["edema"].value_counts().to_dict() == {0.0: 354, 0.5: 44, 1.0: 20}


def test_pbc_missing_values(pbc):
    # R: colSums(is.na(pbc)); the non-randomized lack the trial-only measurements.
    missing = pbc.isna().sum()
    assert missing[missing > 0].to_dict() == {
        "trt": 106, "ascites": 106, "hepato": 106, "spiders": 106, "chol": 134, "copper": 108,
        "alk.phos": 106, "ast": 106, "trig": 136, "platelet": 11, "protime": 2, "stage": 6,
        "treatment": 106}


def test_years(pbc, pbcseq):
    np.testing.assert_array_equal(pbc["years"], pbc["time"] / 365.25)
    np.testing.assert_array_equal(pbcseq["years"], pbcseq["futime"] / 365.25)
    np.testing.assert_array_equal(pbcseq["visit_years"], pbcseq["day"] / 365.25)


def test_pbcseq_trt_coding_verified_against_pbc(pbc, pbcseq):
    # pbcseq codes trt 1 = D-penicillamine, 0 = placebo (its R help page says 1/2).
    first_visit = pbcseq.groupby("id").first()
    merged = pbc.set_index("id").join(first_visit[["trt", "treatment"]], rsuffix="_seq",
                                      how="inner")
    assert len(merged) == 312
    assert pd.crosstab(merged["trt"], merged["trt_seq"]).to_dict() == {
        0.0: {1.0: 0, 2.0: 154}, 1.0: {1.0: 158, 2.0: 0}}
    assert (merged["treatment"] == merged["treatment_seq"]).all()
    assert pbcseq["randomized"].all()


def test_pbcseq_follow_up_differs_from_pbc(pbc, pbcseq):
    # Counts reported in data/README_pbc.md.
    first_visit = pbcseq.groupby("id").first()
    merged = pbc.set_index("id").join(first_visit, rsuffix="_seq", how="inner")
    extra = merged["futime"] - merged["time"]
    assert (extra != 0).sum() == 182
    assert (extra > 0).sum() == 177
    assert (extra < 0).sum() == 5
    assert sorted(extra[extra < 0]) == [-61, -29, -2, -2, -1]
    assert ((extra >= 669) & (extra <= 671)).sum() == 127
    censored = merged["status"] == 0
    assert ((extra > 0) & censored).sum() == 167
    later_event = extra[(extra > 0) & ~censored]
    assert later_event.to_dict() == {5: 1, 18: 1, 92: 1, 95: 7, 97: 9, 144: 2, 164: 12, 167: 2,
                                     247: 208, 263: 2}
    status = pd.crosstab(merged["status"], merged["status_seq"])
    assert status.to_dict() == {0: {0: 143, 1: 0, 2: 0}, 1: {0: 10, 1: 19, 2: 0},
                                2: {0: 15, 1: 0, 2: 125}}
    changed = merged.index[merged["status"] != merged["status_seq"]]
    assert (extra[changed] > 0).sum() == 24 and extra[238] == 0 and 238 in changed
    assert (merged["age"] == merged["age_seq"]).all()
    assert (merged["sex"] == merged["sex_seq"]).all()
    assert merged.index[merged["bili"] != merged["bili_seq"]].tolist() == [81]
    assert merged.index[merged["protime"] != merged["protime_seq"]].tolist() == [107]


def test_pbcseq_implausible_albumin_kept(pbcseq):
    high = pbcseq.loc[pbcseq["albumin"] > 5, ["id", "day", "albumin"]]
    assert high.values.tolist() == [[150, 188, 8.01], [153, 372, 6.82]]


def test_pbcseq_visits(pbcseq):
    visits = pbcseq.groupby("id").size()
    assert (visits.min(), visits.max(), visits.median()) == (1, 16, 5.0)
    assert pbcseq.groupby("id")[["futime", "status", "trt", "age"]].nunique().eq(1).all().all()


# --- the synthetic teaching cohort ------------------------------------------------------------
def test_cirrhosis_cohort_loads_typed():
    from liverlab.data import load_cirrhosis_cohort

    cohort = load_cirrhosis_cohort()
    assert cohort.shape == (2000, 16)
    assert cohort["female"].dtype == bool
    assert set(cohort["event"].cat.categories) == {"censored", "death", "transplant"}
    assert set(cohort["stage"].cat.categories) == {"compensated", "decompensated"}
    assert cohort["days_to_decompensation"].isna().any()


def test_cirrhosis_cohort_tampered_copy_raises_with_the_regeneration_hint(tmp_path):
    import shutil

    from liverlab.data import DataChecksumError, load_cirrhosis_cohort

    shutil.copy(DATA_DIR / "cirrhosis_cohort.csv", tmp_path / "cirrhosis_cohort.csv")
    with open(tmp_path / "cirrhosis_cohort.csv", "a") as fh:
        fh.write("2001,compensated,50.0,False,HCV,1.0,1.0,1.0,140,4.0,6,6,6,,10,censored\n")
    with pytest.raises(DataChecksumError, match="python -m tools.make_teaching_cohort"):
        load_cirrhosis_cohort(data_dir=tmp_path)


# ---- where the data folder is found: from the working directory, never the package ----------

def course_copy(tmp_path):
    """A course folder elsewhere: notebooks/ beside a copy of data/."""
    shutil.copytree(DATA_DIR, tmp_path / "course" / "data")
    (tmp_path / "course" / "notebooks").mkdir()
    return tmp_path / "course"


def test_data_folder_is_found_from_the_notebook_folder(tmp_path, monkeypatch):
    course = course_copy(tmp_path)
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.chdir(course / "notebooks")
    assert data.find_data_dir() == course / "data"
    assert len(load_pbc()) == 418
    assert data.r_reference("pbc", data_dir=DATA_DIR)["provenance"]["survival_version"] == "3.5-3"


def test_data_folder_itself_and_course_root_work(tmp_path, monkeypatch):
    course = course_copy(tmp_path)
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    assert data.find_data_dir(course) == course / "data"
    assert data.find_data_dir(course / "data") == course / "data"
    assert data.find_data_dir(course / "notebooks" / "deeper") == course / "data"  # not created: fine


def test_environment_variable_names_the_data_folder(tmp_path, monkeypatch):
    course = course_copy(tmp_path)
    monkeypatch.setenv(data.DATA_ENV, str(course / "data"))
    monkeypatch.chdir(tmp_path)
    assert data.find_data_dir() == course / "data"
    assert len(load_pbcseq()) == 1945


def test_no_data_folder_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"No course data folder found.*notebooks/ beside "
                                                r"data/.*LIVERLAB_DATA=.*data_dir="):
        load_pbc()


def test_a_data_folder_without_the_marker_is_not_taken(tmp_path, monkeypatch):
    # a stray data/ folder (e.g. the student's own) is not mistaken for the course's
    (tmp_path / "data").mkdir()
    shutil.copy(DATA_DIR / "pbc.csv", tmp_path / "data" / "pbc.csv")
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match="No course data folder found"):
        data.find_data_dir(tmp_path)


def test_r_reference_is_found_in_a_release_data_folder(tmp_path):
    course = course_copy(tmp_path)
    (course / "data" / "r_reference").mkdir()
    shutil.copy(DATA_DIR.parent / "tests" / "r_reference" / "cohort_reference.json",
                course / "data" / "r_reference")
    assert "provenance" in data.r_reference("cohort", data_dir=course / "data")
    with pytest.raises(FileNotFoundError, match="the names are 'pbc' and 'cohort'"):
        data.r_reference("pbc", data_dir=course / "data")
