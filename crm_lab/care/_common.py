"""Column checks shared by the parts of :mod:`crm_lab.care`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.validate import (
    DataError,
    check_param,
)


def _bool_col(frame: pd.DataFrame, col: str, table: str) -> pd.Series:
    s = frame[col]
    if s.isna().any():
        raise DataError(f"{table}: column {col!r} has {int(s.isna().sum())} missing value(s). "
                        f"How to fix: fill it with True/False for every row.")
    values = set(pd.unique(s))
    if not values <= {True, False}:
        raise DataError(f"{table}: column {col!r} must be True/False (or 1/0), found "
                        f"{sorted(map(str, values))[:5]}. How to fix: recode it as booleans.")
    return s.astype(bool)


def _numeric_col(frame: pd.DataFrame, col: str, table: str) -> pd.Series:
    s = pd.to_numeric(frame[col], errors="coerce")
    bad = s.isna() | ~np.isfinite(s.astype(float))
    if bad.any():
        raise DataError(f"{table}: column {col!r} has {int(bad.sum())} missing or non-numeric "
                        f"value(s). How to fix: fill or drop those rows before the call.")
    return s.astype(float)


def _level(level: float) -> float:
    check_param("level", level, kind=float, low=0.5, high=0.999)
    return float(stats.norm.ppf(0.5 + level / 2))

