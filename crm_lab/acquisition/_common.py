"""Shared constants and helpers of :mod:`crm_lab.acquisition`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
)

#: Demographic columns of the customer and prospect tables.
DEMOGRAPHICS = ("age", "income_band", "city_tier", "gender")
#: Default numeric predictors: ``name: (column, centre, scale)``, as the simulator codes them.
NUMERIC = {"age_per_10y": ("age", 42.0, 10.0)}
#: Default categorical predictors: ``column: reference level``.
CATEGORICAL = {"income_band": "low", "city_tier": 2, "gender": "female"}


# ----------------------------------------------------------------------------- helpers


def _design(df: pd.DataFrame, numeric: Mapping, categorical: Mapping, levels: Mapping,
            group: str | None, groups: Sequence) -> pd.DataFrame:
    """Design matrix with named columns; unseen levels count as the reference."""
    cols = {}
    if group is None:
        cols["intercept"] = np.ones(len(df))
    else:
        g = df[group].astype(str).to_numpy()
        for lev in groups:
            cols[f"intercept[{lev}]"] = (g == str(lev)).astype(float)
    for name, (col, centre, scale) in numeric.items():
        cols[name] = (df[col].to_numpy(float) - centre) / scale
    for col in categorical:
        v = df[col].astype(str).to_numpy()
        for lev in levels[col]:
            cols[f"{col}[{lev}]"] = (v == str(lev)).astype(float)
    return pd.DataFrame(cols, index=df.index)


def _check_predictors(df: pd.DataFrame, numeric: Mapping, categorical: Mapping, table: str,
                      extra: Sequence[str] = ()) -> None:
    need = [*extra, *(c for c, _, _ in numeric.values()), *categorical]
    check_columns(df, list(dict.fromkeys(need)), table,
                  hint="Or tell the model your predictors with numeric= and categorical=.")
    for col in need:
        n = int(df[col].isna().sum())
        if n:
            raise DataError(f"{table}[{col!r}]: {n:,} missing values.\nHow to fix: fill or drop "
                            f"those rows explicitly first, e.g. df.dropna(subset=[{col!r}]).")
    for _, (col, _, scale) in numeric.items():
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise DataError(f"{table}[{col!r}]: must be numeric, got {df[col].dtype}.\n"
                            f"How to fix: convert it with pd.to_numeric(df[{col!r}]).")
        if not scale > 0:
            raise ParameterError(f"parameter 'numeric': the scale for {col!r} must be > 0.")


def _bool_column(df: pd.DataFrame, col: str, table: str) -> np.ndarray:
    s = df[col]
    if s.isna().any():
        raise DataError(f"{table}[{col!r}]: {int(s.isna().sum()):,} missing values.\nHow to "
                        "fix: code every contact as 1 (responded) or 0 (did not).")
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(bool)
    vals = pd.to_numeric(s, errors="coerce")
    if vals.isna().any() or not vals.isin([0, 1]).all():
        bad = s[vals.isna() | ~vals.isin([0, 1])].unique()[:5].tolist()
        raise DataError(f"{table}[{col!r}]: must be 1/0 or True/False, found {bad}.\nHow to fix: "
                        f"recode it, e.g. df[{col!r}] = df[{col!r}].eq('yes').")
    return vals.to_numpy(int).astype(bool)


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))
