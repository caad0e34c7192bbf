"""Tests for liverlab.units.

Factors (research/formulas.md section 6): bilirubin 1 mg/dL = 17.1 µmol/L (molar mass 584.66
g/mol), creatinine 1 mg/dL = 88.4 µmol/L (113.12 g/mol), albumin 1 g/dL = 10 g/L.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liverlab.units import (
    albumin_g_dl_to_g_l,
    albumin_g_l_to_g_dl,
    bilirubin_mg_dl_to_umol,
    bilirubin_umol_to_mg_dl,
    creatinine_mg_dl_to_umol,
    creatinine_umol_to_mg_dl,
)

# (to conventional, back to SI, SI value, conventional value, name of the returned Series)
PAIRS = [
    (bilirubin_umol_to_mg_dl, bilirubin_mg_dl_to_umol, 34.2, 2.0, "bilirubin_mg_dl"),  # 34.2/17.1
    (creatinine_umol_to_mg_dl, creatinine_mg_dl_to_umol, 132.6, 1.5, "creatinine_mg_dl"),  # /88.4
    (albumin_g_l_to_g_dl, albumin_g_dl_to_g_l, 28.0, 2.8, "albumin_g_dl"),            # 28/10
]


@pytest.mark.parametrize("to_conventional, to_si, si, conventional, name", PAIRS)
def test_known_values(to_conventional, to_si, si, conventional, name):
    assert to_conventional(si) == pytest.approx(conventional)
    assert to_si(conventional) == pytest.approx(si)


def test_clinical_cut_offs():
    # Child-Pugh bilirubin bands 2 and 3 mg/dL are 34.2 and 51.3 µmol/L (x 17.1).
    assert bilirubin_mg_dl_to_umol(3.0) == pytest.approx(51.3)
    # 171 µmol/L / 17.1 = 10 mg/dL exactly (division, not multiplication by 1/17.1).
    assert bilirubin_umol_to_mg_dl(171) == 10.0
    assert creatinine_umol_to_mg_dl(176.8) == 2.0
    assert albumin_g_l_to_g_dl(35) == 3.5


@pytest.mark.parametrize("to_conventional, to_si, si, conventional, name", PAIRS)
@given(value=st.floats(0.0, 5000.0))
def test_round_trip(to_conventional, to_si, si, conventional, name, value):
    assert to_si(to_conventional(value)) == pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("to_conventional, to_si, si, conventional, name", PAIRS)
def test_kind_and_shape_follow_the_input(to_conventional, to_si, si, conventional, name):
    assert type(to_conventional(si)) is float
    assert type(to_conventional(np.float64(si))) is float
    array = to_conventional([si, si])
    assert isinstance(array, np.ndarray) and array.dtype == float and array.shape == (2,)
    assert to_conventional(np.full((2, 3), si)).shape == (2, 3)
    series = to_conventional(pd.Series([si, si], index=["P01", "P02"], name="lab"))
    assert list(series.index) == ["P01", "P02"] and series.name == name
    np.testing.assert_allclose(series, [conventional, conventional])


@pytest.mark.parametrize("to_conventional, to_si, si, conventional, name", PAIRS)
def test_missing_values_pass_through(to_conventional, to_si, si, conventional, name):
    assert math.isnan(to_conventional(np.nan))
    assert math.isnan(to_conventional(None))
    result = to_conventional([si, None, np.nan])
    assert result[0] == pytest.approx(conventional) and np.isnan(result[1:]).all()
    series = to_si(pd.Series([conventional, pd.NA], dtype="Float64"))
    assert len(series) == 2 and np.isnan(series.iloc[1])


def test_zero_is_allowed():
    assert bilirubin_umol_to_mg_dl(0) == 0.0


@pytest.mark.parametrize("function", [bilirubin_umol_to_mg_dl, bilirubin_mg_dl_to_umol,
                                      creatinine_umol_to_mg_dl, creatinine_mg_dl_to_umol,
                                      albumin_g_l_to_g_dl, albumin_g_dl_to_g_l])
def test_negative_values_raise(function):
    with pytest.raises(ValueError, match=rf"x must be a finite value >= 0 .*; got -1 .*"
                                         rf"{function.__name__} converts concentrations"):
        function(-1)


def test_negative_value_in_a_series_names_the_label():
    values = pd.Series([20.0, -1.0, -2.0], index=["a", "b", "c"])
    with pytest.raises(ValueError, match=r"found 2 such value\(s\), the first \(-1 µmol/L\) "
                                         r"at index label 'b'.*coded as -1"):
        bilirubin_umol_to_mg_dl(values)


def test_infinite_value_raises():
    with pytest.raises(ValueError, match=r"x must be a finite value >= 0 g/L; got inf"):
        albumin_g_l_to_g_dl(np.inf)


def test_text_and_booleans_raise_type_error():
    with pytest.raises(TypeError, match=r"x must be a number in µmol/L; got the text '34'"):
        bilirubin_umol_to_mg_dl("34")
    with pytest.raises(TypeError, match=r"x must be a number in mg/dL; got the boolean True"):
        creatinine_mg_dl_to_umol(True)
    with pytest.raises(TypeError, match=r"x must contain only numbers in g/L; found 1 such "
                                        r"value\(s\), the first \('n/a'\) at position 1"):
        albumin_g_l_to_g_dl([35, "n/a"])
