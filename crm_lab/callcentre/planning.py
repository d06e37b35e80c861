"""From a call log to next week's roster: forecast arrivals, staff each interval, cover with shifts.

1. :func:`arrival_counts` counts calls per interval (empty intervals count 0);
   :func:`arrival_profile` averages them into a weekday x time-of-day table.
2. :func:`forecast_arrivals` forecasts next week by the seasonal (weekday x time-of-day)
   mean of the last weeks, with a prediction interval from a quasi-Poisson model
   (variance ``phi * mean``, ``phi`` estimated from the weeks' spread).
3. :func:`staffing_plan` turns the forecast into agents per interval with
   :func:`~crm_lab.callcentre.erlang.required_agents`.
4. :func:`shift_patterns` lists the shifts one may schedule and :func:`schedule_shifts`
   chooses how many agents start each one, covering the plan in every interval at least cost
   (an integer programme solved by HiGHS through :func:`scipy.optimize.milp`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, sparse, stats

from crm_lab.callcentre.calllog import check_call_log, interval_index
from crm_lab.callcentre.erlang import required_agents
from crm_lab.validate import DataError, ParameterError, check_param

__all__ = [
    "arrival_counts",
    "arrival_profile",
    "forecast_arrivals",
    "staffing_plan",
    "shift_patterns",
    "Roster",
    "schedule_shifts",
]


def arrival_counts(calls: pd.DataFrame, interval_minutes: float = 30, *, start=None, end=None,
                   arrival: str = "arrival") -> pd.Series:
    """Calls arriving in each interval, from ``start`` (default: midnight of the first call) to
    ``end`` (default: midnight after the last call); intervals without calls count 0.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"arrival": pd.to_datetime(["2024-01-01 09:05", "2024-01-01 09:20",
    ...                     "2024-01-01 10:10"]), "handle_s": [100.0, 200.0, 150.0]})
    >>> arrival_counts(log, 60).loc["2024-01-01 09:00":"2024-01-01 10:00"].tolist()
    [2, 1]
    """
    log = check_call_log(calls, arrival=arrival, handle=None, wait=None, abandoned=None)
    return _counts(log["arrival"], interval_minutes, start, end)


def _counts(arr: pd.Series, interval_minutes: float, start=None, end=None) -> pd.Series:
    check_param("interval_minutes", interval_minutes, kind=(int, float), low=1e-9)
    step = pd.Timedelta(minutes=interval_minutes)
    if pd.Timedelta(days=1) % step != pd.Timedelta(0):
        raise ParameterError(f"parameter 'interval_minutes' must divide a day, got "
                             f"{interval_minutes!r} (use 15, 30 or 60).")
    lo = pd.Timestamp(start) if start is not None else arr.min().normalize()
    hi = pd.Timestamp(end) if end is not None else arr.max().normalize() + pd.Timedelta(days=1)
    idx = pd.date_range(lo, hi, freq=step, inclusive="left", name="interval")
    inside = (arr >= lo) & (arr < hi)
    counts = pd.Series(interval_index(arr[inside], interval_minutes)).value_counts()
    return counts.reindex(idx, fill_value=0).astype(np.int64).rename("calls")


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def arrival_profile(calls, interval_minutes: float = 30, *, start=None, end=None,
                    arrival: str = "arrival") -> pd.DataFrame:
    """Mean calls per interval by time of day (rows) and weekday (columns).

    Each cell is the mean over the days of that weekday in the range (days without calls
    count 0), so it estimates the Poisson mean of that interval in a typical week.

    Parameters
    ----------
    calls : DataFrame or Series
        A call log (its ``arrival`` column is all that is used), or a Series of calls (or
        expected calls, e.g. the simulator's true rates) per interval with a DatetimeIndex of
        interval starts.
    interval_minutes : float, default 30
        Interval length; must divide a day.
    start, end : date-like, optional
        Range of a call log (default: whole days from the first to the last call).
    arrival : str
        Name of the arrival-time column.

    Returns
    -------
    DataFrame
        Index ``time`` (``"HH:MM"``, every interval of the day), columns ``Mon`` .. ``Sun``
        (weekdays absent from the range are NaN); ``attrs["days"]`` holds the number of days
        of each weekday averaged.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"arrival": pd.to_datetime(["2024-01-01 09:05", "2024-01-01 09:20",
    ...                                                "2024-01-08 09:10"])})
    >>> prof = arrival_profile(log, start="2024-01-01", end="2024-01-15")
    >>> float(prof.loc["09:00", "Mon"]), float(prof.loc["09:00", "Tue"])
    (1.5, 0.0)
    """
    if isinstance(calls, pd.Series):
        if not isinstance(calls.index, pd.DatetimeIndex):
            raise DataError("calls: a Series of calls per interval needs a DatetimeIndex of "
                            "interval starts.\nHow to fix: pass a call log, or set the index.")
        counts = pd.to_numeric(calls, errors="coerce")
        if counts.isna().any() or (counts < 0).any():
            raise DataError("calls: calls per interval must be numbers >= 0 (no NaN).\nHow to "
                            "fix: fill closed intervals with 0.")
        check_param("interval_minutes", interval_minutes, kind=(int, float), low=1e-9)
    else:
        log = check_call_log(calls, arrival=arrival, handle=None, wait=None, abandoned=None)
        counts = _counts(log["arrival"], interval_minutes, start, end)
    idx = pd.DatetimeIndex(counts.index)
    step = pd.Timedelta(minutes=interval_minutes)
    times = pd.date_range("2000-01-01", periods=pd.Timedelta(days=1) // step,
                          freq=step).strftime("%H:%M")
    frame = pd.DataFrame({"v": counts.to_numpy(dtype=float),
                          "weekday": idx.day_of_week, "time": idx.strftime("%H:%M")})
    table = frame.pivot_table(index="time", columns="weekday", values="v", aggfunc="mean")
    table = table.reindex(index=times, columns=range(7))
    table.columns = list(WEEKDAYS)
    table.index.name = "time"
    days = pd.Series(idx.normalize().unique().day_of_week).value_counts()
    table.attrs["days"] = {WEEKDAYS[k]: int(days.get(k, 0)) for k in range(7)}
    table.attrs["interval_minutes"] = float(interval_minutes)
    return table


def forecast_arrivals(calls: pd.DataFrame, *, interval_minutes: float = 30,
                      weeks: int | None = None, level: float = 0.9, end=None,
                      arrival: str = "arrival") -> pd.DataFrame:
    """Forecast next week's calls per interval by the weekday x time-of-day mean of past weeks.

    The forecast for, say, Tuesday 10:00-10:30 is the mean count of the Tuesdays 10:00-10:30
    in the last ``weeks`` weeks. The prediction interval treats next week's count as
    quasi-Poisson with variance ``phi * m * (1 + 1 / w)`` (``m`` the forecast, ``w`` the
    number of weeks averaged, ``phi >= 1`` the pooled variance-to-mean ratio across weeks;
    ``phi`` near 1 means Poisson arrivals) and uses the normal approximation, clipped at 0.

    Parameters
    ----------
    calls : DataFrame
        Call log (arrival times are all that is used).
    interval_minutes : float, default 30
        Interval length; must divide a day.
    weeks : int, optional
        Use only the last ``weeks`` whole weeks (default: every whole week in the log).
    level : float, default 0.9
        Coverage of the prediction interval.
    end : date-like, optional
        End of the history (the forecast week starts here); default midnight after the last
        call. The history is the ``weeks`` whole weeks before ``end``.
    arrival : str
        Name of the arrival-time column (the only one used).

    Returns
    -------
    DataFrame
        Indexed by next week's interval starts: ``weekday`` (0 = Monday), ``time``,
        ``forecast``, ``lower``, ``upper``. ``attrs`` holds ``weeks``, ``phi`` and ``level``.

    Warns
    -----
    UserWarning
        When calls before the whole weeks used are left out (their number is given).

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([20.0] * (48 * 14), agents=5, seed=1)
    >>> fc = forecast_arrivals(sim.calls)
    >>> len(fc), fc.attrs["weeks"], bool(abs(fc["forecast"].mean() - 20) < 1)
    (336, 2, True)
    """
    log = check_call_log(calls, arrival=arrival, handle=None, wait=None, abandoned=None)
    check_param("level", level, kind=(int, float), low=0, high=1)
    if not 0 < level < 1:
        raise ParameterError(f"parameter 'level' must lie strictly between 0 and 1, got {level!r}.")
    arr = log["arrival"]
    hi = pd.Timestamp(end) if end is not None else arr.max().normalize() + pd.Timedelta(days=1)
    span_weeks = int((hi - arr.min().normalize()) // pd.Timedelta(weeks=1))
    if weeks is None:
        weeks = max(span_weeks, 1)
    check_param("weeks", weeks, kind=int, low=1)
    if weeks > span_weeks:
        raise DataError(f"calls['{arrival}']: the log covers {span_weeks} whole week(s) before "
                        f"{hi}, fewer than weeks={weeks}.\nHow to fix: pass a log of at least one "
                        "whole week, or a smaller weeks=.")
    lo = hi - pd.Timedelta(weeks=weeks)
    n_before = int((arr < lo).sum())
    if n_before:
        warnings.warn(f"forecast_arrivals: {n_before:,} calls before {lo} (outside the last "
                      f"{weeks} whole weeks) are left out.", UserWarning, stacklevel=2)
    counts = _counts(arr, interval_minutes, lo, hi)
    per_week = len(counts) // weeks
    mat = counts.to_numpy(dtype=float).reshape(weeks, per_week)
    m = mat.mean(axis=0)
    if weeks > 1:
        v = mat.var(axis=0, ddof=1)
        used = m > 0
        phi = float(v[used].sum() / m[used].sum()) if used.any() else 1.0
        phi = max(phi, 1.0)
    else:
        phi = 1.0
    z = stats.norm.ppf(0.5 + level / 2)
    half = z * np.sqrt(phi * m * (1.0 + 1.0 / weeks))
    idx = pd.date_range(hi, periods=per_week, freq=pd.Timedelta(minutes=interval_minutes),
                        name="interval")
    out = pd.DataFrame({"weekday": idx.day_of_week, "time": idx.strftime("%H:%M"), "forecast": m,
                        "lower": np.maximum(m - half, 0.0), "upper": m + half}, index=idx)
    out.attrs.update({"weeks": weeks, "phi": phi, "level": level,
                      "interval_minutes": float(interval_minutes)})
    return out


def staffing_plan(forecast, aht: float, *, target: float = 0.8, threshold: float = 20,
                  max_occupancy: float = 1.0, shrinkage: float = 0.0,
                  patience: float | None = None, interval_minutes: float | None = None,
                  column: str = "forecast") -> pd.DataFrame:
    """Agents needed in every interval of a forecast (Erlang C, or Erlang A with ``patience``).

    Parameters
    ----------
    forecast : DataFrame or Series
        Calls per interval: a :func:`forecast_arrivals` frame (its ``column``) or a Series.
    aht : float or Series
        Mean handle time in seconds (one value, or one per interval).
    target, threshold, max_occupancy, shrinkage, patience
        As in :func:`~crm_lab.callcentre.erlang.required_agents`.
    interval_minutes : float, optional
        Interval length; by default from ``forecast.attrs`` or the index spacing.
    column : str, default "forecast"
        Column of ``forecast`` holding the calls.

    Returns
    -------
    DataFrame
        Per interval: ``calls``, ``agents`` (on the phones), ``scheduled`` (with shrinkage),
        ``load``, ``service_level``, ``asa``, ``occupancy``, ``p_abandon``.

    Examples
    --------
    >>> import pandas as pd
    >>> fc = pd.Series([100.0, 0.0], index=pd.date_range("2024-01-01 09:00", periods=2,
    ...                                                   freq="30min"))
    >>> staffing_plan(fc, 180, shrinkage=0.3)[["agents", "scheduled"]].to_numpy().tolist()
    [[14, 20], [0, 0]]
    """
    if isinstance(forecast, pd.DataFrame):
        check_param("column", column, allowed=list(forecast.columns))
        calls = forecast[column]
    elif isinstance(forecast, pd.Series):
        calls = forecast
    else:
        raise DataError("forecast: expected a DataFrame or Series of calls per interval, got "
                        f"{type(forecast).__name__}.")
    if len(calls) == 0:
        raise DataError("forecast: no intervals (empty).\nHow to fix: pass at least one.")
    if interval_minutes is None:
        interval_minutes = forecast.attrs.get("interval_minutes")
    if interval_minutes is None:
        if isinstance(calls.index, pd.DatetimeIndex) and len(calls) > 1:
            interval_minutes = float((calls.index[1] - calls.index[0]) / pd.Timedelta(minutes=1))
        else:
            interval_minutes = 30.0
    c = pd.to_numeric(calls, errors="coerce").to_numpy(dtype=float)
    if (~np.isfinite(c)).any() or (c < 0).any():
        raise DataError(f"forecast[{column!r}]: calls must be finite numbers >= 0.\n"
                        "How to fix: repair or drop those intervals explicitly.")
    ahts = np.broadcast_to(np.asarray(aht, dtype=float), c.shape)
    rows = [required_agents(float(ci), float(ai), target=target, threshold=threshold,
                            max_occupancy=max_occupancy, shrinkage=shrinkage, patience=patience,
                            interval_minutes=interval_minutes)
            for ci, ai in zip(c, ahts, strict=True)]
    out = pd.DataFrame(rows, index=calls.index)
    out.insert(0, "calls", c)
    for k in ("agents", "scheduled"):
        out[k] = out[k].astype(np.int64)
    for k in ("load", "service_level", "p_wait", "asa", "occupancy", "p_abandon"):
        out[k] = out[k].astype(float)
    out.attrs.update({"interval_minutes": float(interval_minutes), "target": target,
                      "threshold": threshold, "shrinkage": shrinkage})
    return out


# ============================================================================ shifts


def shift_patterns(index: pd.DatetimeIndex, lengths_hours=(8, 4), *, step_minutes: float = 60,
                   cost_per_hour: float = 1.0, earliest: str = "00:00",
                   latest: str = "24:00") -> pd.DataFrame:
    """Every shift one may schedule over the days of ``index``: each length, each start.

    Shifts start every ``step_minutes`` from ``earliest`` and end by ``latest`` on the same
    day (no overnight shifts, no breaks). Cost is ``hours * cost_per_hour``.

    Returns
    -------
    DataFrame
        One row per shift: ``start``, ``end``, ``hours``, ``cost``.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2024-01-01", periods=48, freq="30min")
    >>> len(shift_patterns(idx, (8,), earliest="08:00", latest="20:00"))
    5
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        raise DataError("shift_patterns: index must be a non-empty DatetimeIndex of interval "
                        "starts.")
    check_param("step_minutes", step_minutes, kind=(int, float), low=1e-9)
    check_param("cost_per_hour", cost_per_hour, kind=(int, float), low=0)
    lengths = [float(h) for h in np.atleast_1d(lengths_hours)]
    if not lengths or min(lengths) <= 0:
        raise ParameterError(f"parameter 'lengths_hours' must be positive hours, got "
                             f"{lengths_hours!r}.")
    t0, t1 = pd.Timedelta(earliest + ":00"), pd.Timedelta(latest + ":00")
    rows = []
    for day in index.normalize().unique():
        for h in lengths:
            s = day + t0
            while s + pd.Timedelta(hours=h) <= day + t1:
                rows.append((s, s + pd.Timedelta(hours=h), h, h * cost_per_hour))
                s += pd.Timedelta(minutes=step_minutes)
    return pd.DataFrame(rows, columns=["start", "end", "hours", "cost"])


@dataclass(frozen=True, repr=False)
class Roster:
    """The cheapest whole-shift roster covering a staffing requirement.

    Attributes
    ----------
    shifts : DataFrame
        Shifts used: ``start``, ``end``, ``hours``, ``cost``, ``agents`` (how many start it).
    coverage : DataFrame
        Per interval: ``required``, ``rostered``, ``surplus`` (rostered - required >= 0).
    total_cost : float
        Cost of the roster.
    required_hours, rostered_hours : float
        Agent-hours asked for and paid for; ``efficiency = required_hours / rostered_hours``.
    lower_bound : float
        Cost of the linear-programming relaxation: no roster can cost less.
    status : str
        Solver message.
    """

    shifts: pd.DataFrame
    coverage: pd.DataFrame
    total_cost: float
    required_hours: float
    rostered_hours: float
    lower_bound: float
    status: str

    @property
    def efficiency(self) -> float:
        """Required agent-hours / rostered agent-hours (1 = no surplus)."""
        return self.required_hours / self.rostered_hours if self.rostered_hours else 1.0

    def summary(self) -> pd.Series:
        """Cost, hours, efficiency, agents and the gap to the lower bound.

        Examples
        --------
        >>> import pandas as pd
        >>> req = pd.Series([2, 2, 2, 2], index=pd.date_range("2024-01-01 08:00", periods=4,
        ...                                                    freq="1h"))
        >>> int(schedule_shifts(req, lengths_hours=(4,)).summary()["agents"])
        2
        """
        return pd.Series({"total_cost": self.total_cost, "lower_bound": self.lower_bound,
                          "required_hours": self.required_hours,
                          "rostered_hours": self.rostered_hours, "efficiency": self.efficiency,
                          "agents": int(self.shifts["agents"].sum()),
                          "max_surplus": int(self.coverage["surplus"].max())}, name="roster")

    def __repr__(self) -> str:
        return (f"Roster({int(self.shifts['agents'].sum())} shifts, cost {self.total_cost:,.1f} "
                f"(LP bound {self.lower_bound:,.1f}), efficiency {self.efficiency:.1%})")


def schedule_shifts(requirement, shifts: pd.DataFrame | None = None, *, lengths_hours=(8, 4),
                    step_minutes: float = 60, cost_per_hour: float = 1.0,
                    time_limit: float = 60.0) -> Roster:
    """Choose how many agents work each shift so that every interval is covered, at least cost.

    The integer programme: minimise ``sum_s cost_s x_s`` subject to
    ``sum_{s covers i} x_s >= required_i`` for every interval ``i`` and ``x_s`` whole
    numbers >= 0, solved with :func:`scipy.optimize.milp` (HiGHS branch and bound).

    Parameters
    ----------
    requirement : Series or DataFrame
        Agents to schedule per interval, indexed by interval start (a :func:`staffing_plan`
        frame, whose ``scheduled`` column is used, or a Series).
    shifts : DataFrame, optional
        Candidate shifts (``start``, ``end``, ``cost``); default :func:`shift_patterns` of the
        requirement's days with ``lengths_hours``, ``step_minutes`` and ``cost_per_hour``.
    time_limit : float, default 60
        Seconds the solver may take; if it stops early the best roster found is returned with
        a warning.

    Returns
    -------
    Roster

    Raises
    ------
    DataError
        When some interval with a requirement is covered by no shift.

    Examples
    --------
    >>> import pandas as pd
    >>> req = pd.Series([1, 3, 3, 1], index=pd.date_range("2024-01-01 08:00", periods=4,
    ...                                                    freq="2h"))
    >>> r = schedule_shifts(req, lengths_hours=(4, 2), step_minutes=120)
    >>> bool((r.coverage["rostered"] >= r.coverage["required"]).all()), r.total_cost
    (True, 16.0)
    """
    req = requirement["scheduled"] if isinstance(requirement, pd.DataFrame) else requirement
    if not isinstance(req, pd.Series) or not isinstance(req.index, pd.DatetimeIndex):
        raise DataError("requirement: expected a Series (or a staffing_plan frame) indexed by "
                        "interval start times.")
    if len(req) == 0:
        raise DataError("requirement: no intervals (empty).")
    r = pd.to_numeric(req, errors="coerce").to_numpy(dtype=float)
    if np.isnan(r).any() or (r < 0).any():
        raise DataError("requirement: agents per interval must be numbers >= 0 (no NaN).")
    r = np.ceil(r - 1e-9)
    if shifts is None:
        shifts = shift_patterns(req.index, lengths_hours, step_minutes=step_minutes,
                                cost_per_hour=cost_per_hour)
    starts = req.index
    step = (starts[1] - starts[0]) if len(starts) > 1 else pd.Timedelta(minutes=30)
    ends = starts + step
    s0 = shifts["start"].to_numpy(dtype="datetime64[ns]")
    s1 = shifts["end"].to_numpy(dtype="datetime64[ns]")
    i0 = starts.to_numpy(dtype="datetime64[ns]")
    i1 = ends.to_numpy(dtype="datetime64[ns]")
    cover = (s0[None, :] <= i0[:, None]) & (s1[None, :] >= i1[:, None])  # intervals x shifts
    uncovered = (r > 0) & ~cover.any(axis=1)
    if uncovered.any():
        raise DataError(f"requirement: {int(uncovered.sum())} interval(s) with agents required "
                        f"are covered by no shift, e.g. {list(starts[uncovered][:3])}.\nHow to "
                        "fix: allow earlier/later or shorter shifts (shift_patterns earliest=, "
                        "latest=, lengths_hours=).")
    keep = cover[r > 0].any(axis=0)  # shifts that cover only idle intervals are never needed
    A = sparse.csr_array(cover[:, keep].astype(float))
    cost = shifts["cost"].to_numpy(dtype=float)[keep]
    cons = optimize.LinearConstraint(A, lb=r, ub=np.inf)
    res = optimize.milp(cost, constraints=cons, integrality=np.ones(len(cost)),
                        bounds=optimize.Bounds(0, np.inf),
                        options={"time_limit": float(time_limit), "disp": False})
    if res.x is None:
        raise ParameterError(f"schedule_shifts: the solver found no roster ({res.message}).")
    if res.status != 0:
        warnings.warn(f"schedule_shifts: solver stopped early ({res.message}); the roster "
                      "covers every interval but may not be the cheapest.", UserWarning,
                      stacklevel=2)
    lp = optimize.linprog(cost, A_ub=-A, b_ub=-r, bounds=(0, None), method="highs")
    x = np.round(res.x).astype(np.int64)
    used = shifts.loc[keep].assign(agents=x)
    used = used[used["agents"] > 0].reset_index(drop=True)
    rostered = cover[:, keep].astype(np.int64) @ x
    coverage = pd.DataFrame({"required": r.astype(np.int64), "rostered": rostered,
                             "surplus": rostered - r.astype(np.int64)}, index=starts)
    hours = step / pd.Timedelta(hours=1)
    return Roster(shifts=used, coverage=coverage, total_cost=float(cost @ x),
                  required_hours=float(r.sum() * hours),
                  rostered_hours=float((used["hours"] * used["agents"]).sum())
                  if "hours" in used else float(rostered.sum() * hours),
                  lower_bound=float(lp.fun) if lp.status == 0 else math.nan,
                  status=str(res.message))
