"""Conversions between SI and conventional units for the labs used by :mod:`liverlab.scores`.

The scores take bilirubin and creatinine in mg/dL and albumin in g/dL; European laboratories
report µmol/L and g/L. Each function takes a number, list, ndarray or Series and returns the
same kind and shape (a Series keeps its index and is named after the result's unit). NaN,
``None`` and ``pd.NA`` give NaN; negative values raise ``ValueError``.

============  ======================  ===================================================
Analyte       Factor                  Basis
============  ======================  ===================================================
bilirubin     1 mg/dL = 17.1 µmol/L   molar mass 584.66 g/mol (exactly 17.104; the course
                                      uses the customary 17.1, as transplantr and ameld do)
creatinine    1 mg/dL = 88.4 µmol/L   molar mass 113.12 g/mol
albumin       1 g/dL = 10 g/L         definition of the units
============  ======================  ===================================================
"""

import numpy as np

from liverlab._inputs import as_float_array, like_input, raise_bad

__all__ = [
    "bilirubin_umol_to_mg_dl",
    "bilirubin_mg_dl_to_umol",
    "creatinine_umol_to_mg_dl",
    "creatinine_mg_dl_to_umol",
    "albumin_g_l_to_g_dl",
    "albumin_g_dl_to_g_l",
]

BILIRUBIN_UMOL_L_PER_MG_DL = 17.1   # 10 dL/L * 1000 µmol/mmol / 584.66 g/mol
CREATININE_UMOL_L_PER_MG_DL = 88.4  # 10 dL/L * 1000 µmol/mmol / 113.12 g/mol
ALBUMIN_G_L_PER_G_DL = 10.0         # 10 dL per L


def _convert(x, *, multiply_by=1.0, divide_by=1.0, function, unit, name):
    """Validate ``x`` (non-negative numbers, NaN allowed); return ``x * multiply_by / divide_by``.

    Dividing (rather than multiplying by ``1 / 17.1``) keeps round trips such as
    171 µmol/L -> 10.0 mg/dL exact in floating point.
    """
    # Input validation
    values = as_float_array(x, "x", unit)
    bad = (values < 0) | np.isinf(values)
    if bad.any():
        raise_bad(ValueError, x, bad, values, "x", f"must be a finite value >= 0 {unit}",
                  f"{function} converts concentrations, which cannot be negative; check for a "
                  "missing value coded as -1 (use NaN instead).", unit)
    return like_input(values * multiply_by / divide_by, x, name=name)


def bilirubin_umol_to_mg_dl(x):
    """Convert bilirubin from µmol/L to mg/dL (divide by 17.1).

    Parameters
    ----------
    x : float or array_like
        Bilirubin, µmol/L, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Bilirubin in mg/dL, same kind and shape as ``x`` (a Series named ``"bilirubin_mg_dl"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    Molar mass of bilirubin 584.66 g/mol; the factor 17.1 is the one used by laboratories and
    by the R packages transplantr and ameld.

    Examples
    --------
    >>> bilirubin_umol_to_mg_dl(171)
    10.0
    >>> bilirubin_umol_to_mg_dl([17.1, None])
    array([ 1., nan])
    """
    return _convert(x, divide_by=BILIRUBIN_UMOL_L_PER_MG_DL,
                    function="bilirubin_umol_to_mg_dl", unit="µmol/L", name="bilirubin_mg_dl")


def bilirubin_mg_dl_to_umol(x):
    """Convert bilirubin from mg/dL to µmol/L (multiply by 17.1).

    Parameters
    ----------
    x : float or array_like
        Bilirubin, mg/dL, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Bilirubin in µmol/L, same kind and shape as ``x`` (a Series named ``"bilirubin_umol_l"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    Molar mass of bilirubin 584.66 g/mol (factor 17.1).

    Examples
    --------
    >>> round(bilirubin_mg_dl_to_umol(2.0), 6)
    34.2
    """
    return _convert(x, multiply_by=BILIRUBIN_UMOL_L_PER_MG_DL,
                    function="bilirubin_mg_dl_to_umol", unit="mg/dL", name="bilirubin_umol_l")


def creatinine_umol_to_mg_dl(x):
    """Convert creatinine from µmol/L to mg/dL (divide by 88.4).

    Parameters
    ----------
    x : float or array_like
        Creatinine, µmol/L, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Creatinine in mg/dL, same kind and shape as ``x`` (a Series named
        ``"creatinine_mg_dl"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    Molar mass of creatinine 113.12 g/mol (factor 88.4).

    Examples
    --------
    >>> creatinine_umol_to_mg_dl(176.8)
    2.0
    >>> import pandas as pd
    >>> creatinine_umol_to_mg_dl(pd.Series([88.4, 265.2], index=["P01", "P02"]))
    P01    1.0
    P02    3.0
    Name: creatinine_mg_dl, dtype: float64
    """
    return _convert(x, divide_by=CREATININE_UMOL_L_PER_MG_DL,
                    function="creatinine_umol_to_mg_dl", unit="µmol/L", name="creatinine_mg_dl")


def creatinine_mg_dl_to_umol(x):
    """Convert creatinine from mg/dL to µmol/L (multiply by 88.4).

    Parameters
    ----------
    x : float or array_like
        Creatinine, mg/dL, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Creatinine in µmol/L, same kind and shape as ``x`` (a Series named
        ``"creatinine_umol_l"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    Molar mass of creatinine 113.12 g/mol (factor 88.4).

    Examples
    --------
    >>> round(creatinine_mg_dl_to_umol(1.5), 6)
    132.6
    """
    return _convert(x, multiply_by=CREATININE_UMOL_L_PER_MG_DL,
                    function="creatinine_mg_dl_to_umol", unit="mg/dL", name="creatinine_umol_l")


def albumin_g_l_to_g_dl(x):
    """Convert albumin from g/L to g/dL (divide by 10).

    Parameters
    ----------
    x : float or array_like
        Albumin, g/L, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Albumin in g/dL, same kind and shape as ``x`` (a Series named ``"albumin_g_dl"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    1 L = 10 dL.

    Examples
    --------
    >>> albumin_g_l_to_g_dl(35)
    3.5
    """
    return _convert(x, divide_by=ALBUMIN_G_L_PER_G_DL, function="albumin_g_l_to_g_dl",
                    unit="g/L", name="albumin_g_dl")


def albumin_g_dl_to_g_l(x):
    """Convert albumin from g/dL to g/L (multiply by 10).

    Parameters
    ----------
    x : float or array_like
        Albumin, g/dL, >= 0. NaN/None give NaN.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Albumin in g/L, same kind and shape as ``x`` (a Series named ``"albumin_g_l"``).

    Raises
    ------
    TypeError
        Text or booleans.
    ValueError
        Negative or infinite values.

    References
    ----------
    1 L = 10 dL.

    Examples
    --------
    >>> albumin_g_dl_to_g_l(2.8)
    28.0
    """
    return _convert(x, multiply_by=ALBUMIN_G_L_PER_G_DL, function="albumin_g_dl_to_g_l",
                    unit="g/dL", name="albumin_g_l")
