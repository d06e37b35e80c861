"""Checking a call log and a staffing table (the schemas are in :mod:`crm_lab.callcentre`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, check_columns, check_param

__all__ = ["check_call_log", "check_staffing", "interval_index"]

TABLE = "calls"


def _rows(df: pd.DataFrame, mask, cols) -> str:
    return df.loc[np.asarray(mask, bool), [c for c in cols if c in df.columns]].head(5).to_string()


def _fail(table: str, col: str, problem: str, fix: str, shown: str | None = None):
    msg = f"{table}[{col!r}]: {problem}"
    if shown:
        msg += f"\nFirst offending rows:\n{shown}"
    raise DataError(msg + f"\nHow to fix: {fix}")


def _datetimes(df: pd.DataFrame, col: str, table: str) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
    elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        _fail(table, col, f"arrival times must be datetimes or date-time strings, got dtype "
              f"{s.dtype}.", f"convert first, e.g. pd.to_datetime(df['{col}'], unit='s') for "
              "seconds since an epoch.")
    else:
        out = pd.to_datetime(s, errors="coerce", format="mixed")
        bad = (out.isna() & s.notna()).to_numpy()
        if bad.any():
            _fail(table, col, f"{int(bad.sum()):,} values could not be read as date-times.",
                  f"convert with pd.to_datetime(df['{col}'], format=...).", _rows(df, bad, [col]))
    na = out.isna().to_numpy()
    if na.any():
        _fail(table, col, f"{int(na.sum()):,} rows have a missing time.",
              "drop or repair them explicitly before the call; every call has an arrival time.",
              _rows(df, na, [col]))
    return out.to_numpy().astype("datetime64[ns]")


def _seconds(df: pd.DataFrame, col: str, table: str, allow_nan=None) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        _fail(table, col, f"durations must be numbers of seconds, got dtype {s.dtype}.",
              f"convert first, e.g. pd.to_timedelta(df['{col}']).dt.total_seconds() for values "
              "like '00:03:05'.", _rows(df, np.ones(len(df), bool), [col]))
    v = s.to_numpy(dtype=float)
    na = np.isnan(v)
    if allow_nan is not None:
        na &= ~allow_nan
    if na.any():
        _fail(table, col, f"{int(na.sum()):,} rows have a missing (NaN) duration"
              + (" on answered calls" if allow_nan is not None else "") + ".",
              "fill or drop them explicitly before the call (nothing is dropped silently); an "
              "abandoned call may leave its handle time empty if the log has an 'abandoned' "
              "column.", _rows(df, na, [col]))
    bad = np.isinf(v) | (v < 0)
    if bad.any():
        _fail(table, col, f"{int(bad.sum()):,} rows have a negative or infinite duration.",
              "durations are seconds >= 0; repair those rows (a negative handle time is "
              "usually a clock or export error).", _rows(df, bad, [col]))
    return v


def _flags(df: pd.DataFrame, col: str, table: str) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        if s.isna().any():
            _fail(table, col, f"{int(s.isna().sum()):,} rows have a missing flag.",
                  "fill them with True or False.", _rows(df, s.isna(), [col]))
        return s.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float)
        bad = ~np.isin(v, (0.0, 1.0))
        if bad.any():
            _fail(table, col, f"{int(bad.sum()):,} rows are not 0/1 or True/False.",
                  "code abandoned calls as 1 (True) and answered ones as 0 (False).",
                  _rows(df, bad, [col]))
        return v.astype(bool)
    _fail(table, col, f"flags must be booleans or 0/1, got dtype {s.dtype}.",
          f"convert first, e.g. df['{col}'] = df['{col}'].eq('yes').",
          _rows(df, np.ones(len(df), bool), [col]))
    return np.zeros(0, bool)  # unreachable


def check_call_log(calls: pd.DataFrame, *, arrival: str = "arrival",
                   handle: str | None = "handle_s",
                   wait: str | None = "wait_s", abandoned: str | None = "abandoned",
                   table: str = TABLE) -> pd.DataFrame:
    """Check a call log and return it in the documented schema, sorted by arrival.

    Parameters
    ----------
    calls : DataFrame
        One row per call (see :mod:`crm_lab.callcentre` for the schema).
    arrival, handle : str
        Names of the arrival-time and handle-time (seconds) columns (required;
        ``handle=None`` for methods that use arrival times only).
    wait, abandoned : str or None
        Names of the optional waiting-time (seconds) and abandoned-flag columns. With the
        default names a missing column simply means the log has no such information; a name
        you pass yourself must exist.
    table : str
        Name used in messages.

    Returns
    -------
    DataFrame
        New frame: ``arrival`` (datetime64[ns]), ``handle_s`` (float, NaN only for abandoned
        calls) and, if present, ``wait_s`` (float) and ``abandoned`` (bool).

    Raises
    ------
    DataError
        Missing column, empty log, unreadable or missing arrival times, non-numeric, NaN
        (on answered calls), negative or infinite durations, flags that are not 0/1.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"arrival": ["2024-01-01 09:00:05", "2024-01-01 09:01:00"],
    ...                     "handle_s": [200.0, None], "abandoned": [False, True]})
    >>> check_call_log(log).columns.tolist()
    ['arrival', 'handle_s', 'abandoned']
    """
    check_columns(calls, [arrival] + ([handle] if handle is not None else []), table,
                  hint="A call log needs an arrival time and a handle time in seconds per call.")
    opt = {}
    for key, name, default in (("wait_s", wait, "wait_s"), ("abandoned", abandoned, "abandoned")):
        if name is None:
            continue
        if name not in calls.columns:
            if name != default:
                check_columns(calls, [name], table)
            continue
        opt[key] = name
    out = pd.DataFrame({"arrival": _datetimes(calls, arrival, table)},
                       index=pd.RangeIndex(len(calls)))
    ab = _flags(calls, opt["abandoned"], table) if "abandoned" in opt else None
    if handle is not None:
        out["handle_s"] = _seconds(calls, handle, table, allow_nan=ab)
    if "wait_s" in opt:
        out["wait_s"] = _seconds(calls, opt["wait_s"], table)
    if ab is not None:
        out["abandoned"] = ab
    return out.sort_values("arrival", kind="stable").reset_index(drop=True)


def check_staffing(staffing, *, agents: str = "agents", interval: str = "interval",
                   table: str = "staffing") -> pd.Series:
    """Check a staffing table: agents on duty per interval start; returns an int Series.

    ``staffing`` is a Series indexed by interval start, or a frame with an ``agents`` column
    and the interval start in its index or in an ``interval`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([3, 4], index=pd.date_range("2024-01-01 09:00", periods=2, freq="30min"))
    >>> check_staffing(s).tolist()
    [3, 4]
    """
    if isinstance(staffing, pd.Series):
        staffing = staffing.rename(agents).to_frame()
    check_columns(staffing, [agents], table,
                  hint="The staffing table gives the agents on duty per interval.")
    frame = staffing
    if interval in frame.columns:
        frame = frame.set_index(interval)
    idx = frame.index
    if not isinstance(idx, pd.DatetimeIndex):
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(idx, format="mixed"))
        except (ValueError, TypeError):
            raise DataError(f"{table}: the interval starts (index or column {interval!r}) must "
                            "be date-times.\nHow to fix: set a DatetimeIndex of interval "
                            "starts.") from None
    if idx.has_duplicates:
        raise DataError(f"{table}: {int(idx.duplicated().sum())} duplicate interval starts.\n"
                        "How to fix: one row per interval (sum or deduplicate first).")
    a = frame[agents]
    v = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(v) | (v < 0) | (v != np.round(v))
    if bad.any():
        _fail(table, agents, f"{int(bad.sum()):,} intervals have a missing, negative or "
              "fractional number of agents.", "give whole numbers of agents >= 0.",
              _rows(frame.reset_index(), bad, [agents]))
    return pd.Series(v.astype(np.int64), index=pd.DatetimeIndex(idx, name="interval"),
                     name="agents").sort_index()


def interval_index(arrival: np.ndarray | pd.Series, interval_minutes: float) -> pd.DatetimeIndex:
    """Start of the interval each arrival falls in (intervals aligned to midnight)."""
    check_param("interval_minutes", interval_minutes, kind=(int, float), low=1e-9)
    t = pd.DatetimeIndex(arrival)
    day = t.normalize()
    step = pd.Timedelta(minutes=interval_minutes)
    return day + ((t - day) // step) * step
