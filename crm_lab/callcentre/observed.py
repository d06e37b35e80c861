"""Observed against predicted: what a call log shows per interval, and what Erlang said it would.

* :func:`interval_performance` – offered, answered and abandoned calls, service level, ASA
  and handle time per interval, straight from the log.
* :func:`estimate_patience` – mean patience from waits and abandonments (the exponential
  maximum-likelihood estimate ``sum(wait) / abandoned``: answered callers' waits are
  censored patience times; Mandelbaum & Zeltyn 2007 use the same ``P(abandon) / E[wait]``).
* :func:`estimate_call_process` – arrival rates per interval, the handle-time distribution
  (lognormal fit) and patience: what a simulator of this centre would need.
* :func:`observed_vs_predicted` – each interval's observed waits, SL and abandonment next to
  Erlang C's and Erlang A's prediction from the observed calls (the interval's own count, or
  the weekday x time-of-day profile of the log) and staffing.
* :func:`observed_summary` – those columns pooled over intervals (weighted by calls), overall
  or by weekday, hour or staffing level.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_lab.callcentre.calllog import check_call_log, check_staffing, interval_index
from crm_lab.callcentre.erlang import _a_metrics, _c_metrics, _erlang_b, offered_load
from crm_lab.callcentre.planning import WEEKDAYS, _counts, arrival_profile
from crm_lab.validate import DataError, ParameterError, check_columns, check_param

__all__ = [
    "interval_performance",
    "estimate_patience",
    "CallProcess",
    "estimate_call_process",
    "observed_vs_predicted",
    "observed_summary",
]


def _log_with_wait(calls, what: str, **names) -> pd.DataFrame:
    log = check_call_log(calls, **names)
    if "wait_s" not in log:
        raise DataError(f"calls: {what} needs waiting times, but the log has no 'wait_s' column."
                        "\nHow to fix: add the seconds each caller waited (name it with "
                        "wait=...).")
    if "abandoned" not in log:
        log["abandoned"] = False
    return log


def interval_performance(calls: pd.DataFrame, *, interval_minutes: float = 30,
                         threshold: float = 20, arrival: str = "arrival",
                         handle: str = "handle_s", wait: str = "wait_s",
                         abandoned: str | None = "abandoned") -> pd.DataFrame:
    """Per interval (by arrival time): what callers experienced.

    Parameters
    ----------
    calls : DataFrame
        Call log with waiting times (and, if callers hang up, the abandoned flag).
    interval_minutes : float, default 30
    threshold : float, default 20
        Seconds for the service level.
    arrival, handle, wait, abandoned : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by interval start (every interval from the first day to the last, empty ones
        included): ``offered``, ``answered``, ``abandoned``, ``abandon_rate``,
        ``service_level`` (answered within ``threshold`` / offered), ``asa`` (mean wait of
        answered calls), ``mean_wait`` (all callers) and ``aht`` (mean handle time of answered
        calls). Rates are NaN in intervals without calls.

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([100.0] * 4, agents=14, aht=180, patience=300, seed=3)
    >>> perf = interval_performance(sim.calls)
    >>> int(perf["offered"].sum()) == len(sim.calls)
    True
    """
    log = _log_with_wait(calls, "interval_performance", arrival=arrival, handle=handle,
                         wait=wait, abandoned=abandoned)
    check_param("threshold", threshold, kind=(int, float), low=0)
    return _performance(log, interval_minutes, threshold)


def _performance(log: pd.DataFrame, interval_minutes: float, threshold: float) -> pd.DataFrame:
    offered = _counts(log["arrival"], interval_minutes)
    key = interval_index(log["arrival"], interval_minutes)
    ans = ~log["abandoned"].to_numpy()
    w = log["wait_s"].to_numpy()
    frame = pd.DataFrame({
        "answered": ans.astype(np.int64), "abandoned": (~ans).astype(np.int64),
        "in_time": (ans & (w <= threshold)).astype(np.int64), "wait": w,
        "wait_answered": np.where(ans, w, 0.0), "handle": np.where(ans, log["handle_s"], 0.0),
    }, index=key)
    g = frame.groupby(level=0).sum().reindex(offered.index, fill_value=0)
    off = offered.to_numpy(dtype=float)
    n_ans = g["answered"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "offered": offered.to_numpy(), "answered": g["answered"].to_numpy(),
            "abandoned": g["abandoned"].to_numpy(),
            "abandon_rate": g["abandoned"].to_numpy() / off,
            "service_level": g["in_time"].to_numpy() / off,
            "asa": g["wait_answered"].to_numpy() / n_ans,
            "mean_wait": g["wait"].to_numpy() / off,
            "aht": g["handle"].to_numpy() / n_ans,
        }, index=offered.index)
    out.attrs.update({"interval_minutes": float(interval_minutes), "threshold": threshold})
    return out


def estimate_patience(calls: pd.DataFrame, *, wait: str = "wait_s",
                      abandoned: str = "abandoned", arrival: str = "arrival",
                      handle: str = "handle_s") -> float:
    """Mean patience in seconds, assuming exponential patience: ``sum(wait) / n_abandoned``.

    Each abandoning caller's wait is her patience; each answered caller's wait is a lower
    bound of it (censored). For exponential patience the maximum-likelihood mean is the total
    waiting time divided by the number of abandonments. ``inf`` if nobody abandoned.

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([100.0] * 96, agents=9, aht=180, handle="exponential",
    ...                      patience=120, seed=4)
    >>> bool(100 < estimate_patience(sim.calls) < 140)
    True
    """
    log = _log_with_wait(calls, "estimate_patience", arrival=arrival, handle=handle, wait=wait,
                         abandoned=abandoned)
    n_ab = int(log["abandoned"].sum())
    return float(log["wait_s"].sum() / n_ab) if n_ab else math.inf


@dataclass(frozen=True, repr=False)
class CallProcess:
    """What a call log says about the process behind it.

    Attributes
    ----------
    calls_per_interval : Series
        Calls offered per interval (the estimate of each interval's Poisson mean).
    aht : float
        Mean handle time of answered calls (seconds).
    handle_cv : float
        Coefficient of variation of handle times implied by the lognormal fit,
        ``sqrt(exp(sigma^2) - 1)`` (steadier than the sample CV, which a few very long calls
        move a lot).
    handle_cv_sample : float
        The sample coefficient of variation.
    handle_log_mu, handle_log_sigma : float
        Mean and standard deviation of log handle time (the lognormal fit).
    patience : float
        Mean patience (seconds, exponential MLE; ``inf`` if nobody hung up, NaN if the log
        has no waits).
    n_calls, n_answered : int
    """

    calls_per_interval: pd.Series
    aht: float
    handle_cv: float
    handle_log_mu: float
    handle_log_sigma: float
    patience: float
    handle_cv_sample: float
    n_calls: int
    n_answered: int

    def summary(self) -> pd.Series:
        """The scalar estimates as a Series.

        Examples
        --------
        >>> from crm_lab.callcentre import simulate_calls
        >>> sim = simulate_calls([50.0] * 10, agents=8, seed=2)
        >>> estimate_call_process(sim.calls).summary().index.tolist()[:3]
        ['n_calls', 'n_answered', 'mean_calls_per_interval']
        """
        return pd.Series({"n_calls": self.n_calls, "n_answered": self.n_answered,
                          "mean_calls_per_interval": float(self.calls_per_interval.mean()),
                          "aht": self.aht, "handle_cv": self.handle_cv,
                          "handle_log_mu": self.handle_log_mu,
                          "handle_log_sigma": self.handle_log_sigma,
                          "patience": self.patience}, name="estimate")

    def __repr__(self) -> str:
        return (f"CallProcess({self.n_calls:,} calls, {len(self.calls_per_interval)} intervals, "
                f"AHT {self.aht:.1f}s (cv {self.handle_cv:.2f}), patience {self.patience:.1f}s)")


def estimate_call_process(calls: pd.DataFrame, *, interval_minutes: float = 30, start=None,
                          end=None, arrival: str = "arrival", handle: str = "handle_s",
                          wait: str | None = "wait_s",
                          abandoned: str | None = "abandoned") -> CallProcess:
    """Arrival rates per interval, the handle-time distribution and patience from a call log.

    Parameters
    ----------
    calls : DataFrame
        Call log.
    interval_minutes : float, default 30
    start, end : date-like, optional
        Range of intervals counted (default: whole days from the first to the last call).
    arrival, handle, wait, abandoned : str
        Column names.

    Returns
    -------
    CallProcess

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([80.0] * 48, agents=12, aht=200, handle_cv=0.8, seed=5)
    >>> est = estimate_call_process(sim.calls)
    >>> bool(abs(est.aht - 200) < 10), bool(abs(est.handle_cv - 0.8) < 0.1)
    (True, True)
    """
    log = check_call_log(calls, arrival=arrival, handle=handle, wait=wait, abandoned=abandoned)
    ans = ~log["abandoned"].to_numpy() if "abandoned" in log else np.ones(len(log), bool)
    h = log["handle_s"].to_numpy()[ans]
    if h.size == 0:
        raise DataError("calls: no answered call, so no handle time to describe.\nHow to fix: "
                        "pass a log with answered calls.")
    pos = h[h > 0]
    logs = np.log(pos) if pos.size else np.array([np.nan])
    sigma = float(logs.std(ddof=1)) if logs.size > 1 else 0.0
    if pos.size < h.size:
        warnings.warn(f"estimate_call_process: {h.size - pos.size:,} answered calls with handle "
                      "time 0 are left out of the lognormal fit (kept in aht).", UserWarning,
                      stacklevel=2)
    if "wait_s" in log:
        n_ab = int((~ans).sum())
        patience = float(log["wait_s"].sum() / n_ab) if n_ab else math.inf
    else:
        patience = math.nan
    return CallProcess(
        calls_per_interval=_counts(log["arrival"], interval_minutes, start, end),
        aht=float(h.mean()), handle_cv=math.sqrt(math.expm1(sigma**2)),
        handle_log_mu=float(logs.mean()), handle_log_sigma=sigma,
        patience=patience, n_calls=len(log), n_answered=int(ans.sum()),
        handle_cv_sample=float(h.std(ddof=1) / h.mean()) if h.size > 1 else 0.0)


def observed_vs_predicted(calls: pd.DataFrame, staffing, *, interval_minutes: float = 30,
                          threshold: float = 20, patience: float | str | None = "estimate",
                          aht: float | str = "overall", arrivals="interval",
                          arrival: str = "arrival", handle: str = "handle_s",
                          wait: str = "wait_s",
                          abandoned: str | None = "abandoned") -> pd.DataFrame:
    """Each interval's observed service next to what Erlang C and Erlang A predict for it.

    The predictions use the interval's staffing and its calls: by default its own *observed*
    count (``arrivals="interval"``), or the log's weekday x time-of-day mean count
    (``"profile"``, :func:`~crm_lab.callcentre.arrival_profile`), or expected calls you give
    (a Series per interval start, e.g. a forecast). In a small centre an interval's count is a
    noisy estimate of its rate (Poisson: 4 calls +/- 2), and because waiting grows faster than
    linearly in the load, predictions from single counts are biased towards long waits when
    pooled; the profile averages that noise away. The predictions also use a handle
    time that is either the whole log's mean (``aht="overall"``, default: steadier) or the
    interval's own (``"interval"``), or a number. Erlang A also needs a mean patience:
    estimated from the log (``"estimate"``, :func:`estimate_patience`), a number, or ``None``
    to leave Erlang A out.

    Parameters
    ----------
    calls : DataFrame
        Call log with waits (and abandoned flags).
    staffing : Series or DataFrame
        Agents on duty per interval start (see :func:`~crm_lab.callcentre.check_staffing`).
        Intervals with calls but no staffing row raise :class:`DataError`.
    interval_minutes, threshold : float
    patience : "estimate", float or None
    aht : "overall", "interval" or float
    arrivals : "interval", "profile" or Series
        Calls the predictions use (see above). A Series must cover every staffed interval.
    arrival, handle, wait, abandoned : str
        Column names.

    Returns
    -------
    DataFrame
        Per staffed interval: ``offered``, ``agents``, observed ``service_level``, ``asa``,
        ``abandon_rate``, ``mean_wait``, ``aht``, the ``calls_used`` for the prediction, and
        predicted ``sl_erlang_c``, ``asa_erlang_c`` (``inf`` where the agents cannot keep up
        with the load), ``sl_erlang_a``, ``asa_erlang_a``, ``abandon_erlang_a``. ``attrs``
        holds the AHT, patience and arrivals used.

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([100.0] * 8, agents=12, aht=180, patience=200, seed=6)
    >>> ovp = observed_vs_predicted(sim.calls, sim.staffing)
    >>> ovp.columns.tolist()[:4]
    ['offered', 'agents', 'service_level', 'asa']
    """
    log = _log_with_wait(calls, "observed_vs_predicted", arrival=arrival, handle=handle,
                         wait=wait, abandoned=abandoned)
    check_param("threshold", threshold, kind=(int, float), low=0)
    staff = check_staffing(staffing)
    perf = _performance(log, interval_minutes, threshold)
    missing = perf.index[(perf["offered"] > 0).to_numpy() & ~perf.index.isin(staff.index)]
    if len(missing):
        raise DataError(f"staffing: {len(missing)} interval(s) with calls have no staffing row, "
                        f"e.g. {list(missing[:3])}.\nHow to fix: give agents for every interval "
                        f"with calls (interval starts aligned to {interval_minutes:g} minutes "
                        "from midnight).")
    perf = perf.loc[perf.index.isin(staff.index)]
    answered = ~log["abandoned"].to_numpy()
    if isinstance(aht, str):
        check_param("aht", aht, allowed=["overall", "interval"])
        overall = float(log["handle_s"].to_numpy()[answered].mean())
        ahts = (perf["aht"].fillna(overall).to_numpy() if aht == "interval"
                else np.full(len(perf), overall))
    else:
        check_param("aht", aht, kind=(int, float), low=1e-9)
        ahts = np.full(len(perf), float(aht))
    if isinstance(patience, str):
        check_param("patience", patience, allowed=["estimate"])
        n_ab = int((~answered).sum())
        patience = float(log["wait_s"].sum() / n_ab) if n_ab else math.inf
    elif patience is not None:
        check_param("patience", patience, kind=(int, float), low=1e-9)
    agents = staff.reindex(perf.index).to_numpy()
    used = _calls_used(arrivals, log, perf, interval_minutes)
    rows = []
    for calls_i, a_i, n_i in zip(used, ahts, agents, strict=True):
        n_i = int(n_i)
        load = offered_load(calls_i, float(a_i), interval_minutes)
        b = _erlang_b(n_i, load)
        c = _c_metrics(calls_i, a_i, n_i, load, b, threshold)
        row = {"sl_erlang_c": c.service_level, "asa_erlang_c": c.asa}
        if patience is not None and not math.isinf(patience):
            m = _a_metrics(calls_i, a_i, n_i, load, b, patience, threshold, interval_minutes)
            row.update(sl_erlang_a=m.service_level, asa_erlang_a=m.asa,
                       abandon_erlang_a=m.p_abandon)
        elif patience is not None:
            row.update(sl_erlang_a=c.service_level, asa_erlang_a=c.asa, abandon_erlang_a=0.0)
        rows.append(row)
    pred = pd.DataFrame(rows, index=perf.index)
    pred.loc[(perf["offered"] == 0).to_numpy()] = np.nan  # nothing to predict without calls
    out = pd.concat([perf[["offered"]].assign(agents=agents),
                     perf[["service_level", "asa", "abandon_rate", "mean_wait", "aht"]],
                     pd.DataFrame({"calls_used": used}, index=perf.index), pred], axis=1)
    out.attrs.update({"aht": aht if isinstance(aht, str) else float(aht),
                      "arrivals": arrivals if isinstance(arrivals, str) else "given",
                      "patience": patience, "threshold": threshold,
                      "interval_minutes": float(interval_minutes)})
    return out


def _calls_used(arrivals, log: pd.DataFrame, perf: pd.DataFrame,
                interval_minutes: float) -> np.ndarray:
    if isinstance(arrivals, str):
        check_param("arrivals", arrivals, allowed=["interval", "profile"])
        if arrivals == "interval":
            return perf["offered"].to_numpy(dtype=float)
        prof = arrival_profile(log, interval_minutes)
        idx = pd.DatetimeIndex(perf.index)
        cols = np.asarray(WEEKDAYS)[idx.day_of_week]
        return prof.stack().reindex(list(zip(idx.strftime("%H:%M"), cols, strict=True))
                                    ).to_numpy(dtype=float)
    if not isinstance(arrivals, pd.Series) or not isinstance(arrivals.index, pd.DatetimeIndex):
        raise ParameterError("parameter 'arrivals' must be 'interval', 'profile' or a Series of "
                             "expected calls indexed by interval start.")
    given = pd.to_numeric(arrivals, errors="coerce")
    given.index = pd.DatetimeIndex(given.index).as_unit("ns")
    v = given.reindex(pd.DatetimeIndex(perf.index).as_unit("ns")).to_numpy(dtype=float)
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        raise ParameterError(f"parameter 'arrivals': {int(bad.sum())} staffed interval(s) have "
                             f"no expected calls (or NaN / negative ones), e.g. "
                             f"{list(perf.index[bad][:3])}. How to fix: give calls >= 0 for "
                             "every staffed interval.")
    return v


_SUMMARY = ("service_level", "sl_erlang_c", "sl_erlang_a", "abandon_rate", "abandon_erlang_a",
            "asa", "asa_erlang_c", "asa_erlang_a")


def observed_summary(table: pd.DataFrame, by=None) -> pd.DataFrame:
    """Observed and predicted service pooled over intervals, weighted by calls offered.

    A pooled service level is the share of *all* calls answered in time, so each interval
    counts with its calls: ``sum(offered * SL) / sum(offered)`` (the same for abandonment and,
    weighting by answered calls, ASA). Erlang C's ASA is infinite in an interval whose agents
    cannot keep up with its load; the pooled ``asa_erlang_c`` leaves those intervals out and
    ``unstable`` counts them (a warning says how many).

    Parameters
    ----------
    table : DataFrame
        From :func:`observed_vs_predicted`.
    by : None, "weekday", "hour", "agents" or array-like
        Pool everything (default), or one row per weekday, hour of day, number of agents on
        duty, or per label you give (one per row of ``table``).

    Returns
    -------
    DataFrame
        One row per group (``"all"`` without ``by``): ``intervals`` and ``offered`` (with
        calls), then the pooled columns of ``table`` among ``service_level``,
        ``sl_erlang_c``, ``sl_erlang_a``, ``abandon_rate``, ``abandon_erlang_a``, ``asa``,
        ``asa_erlang_c``, ``asa_erlang_a``, and ``unstable``.

    Examples
    --------
    >>> from crm_lab.callcentre import simulate_calls
    >>> sim = simulate_calls([100.0] * 8, agents=12, aht=180, patience=200, seed=6)
    >>> s = observed_summary(observed_vs_predicted(sim.calls, sim.staffing))
    >>> s.columns.tolist()[:4]
    ['intervals', 'offered', 'service_level', 'sl_erlang_c']
    """
    check_columns(table, ["offered", "service_level"], "table",
                  hint="Pass the frame observed_vs_predicted returns.")
    busy = table.loc[table["offered"].fillna(0).to_numpy() > 0]
    if by is None:
        keys = np.full(len(busy), "all", dtype=object)
    elif isinstance(by, str):
        check_param("by", by, allowed=["weekday", "hour", "agents"])
        idx = pd.DatetimeIndex(busy.index)
        keys = {"weekday": lambda: pd.Categorical(np.asarray(WEEKDAYS)[idx.day_of_week],
                                                  categories=WEEKDAYS, ordered=True),
                "hour": lambda: idx.hour.to_numpy(),
                "agents": lambda: busy["agents"].to_numpy()}[by]()
    else:
        keys = np.asarray(by)
        if keys.shape != (len(table),):
            raise ParameterError(f"parameter 'by' must have one label per row of table "
                                 f"({len(table)}), got shape {keys.shape}.")
        keys = keys[table["offered"].fillna(0).to_numpy() > 0]
    w = busy["offered"].to_numpy(dtype=float)
    n_ans = w * (1.0 - busy["abandon_rate"].to_numpy(dtype=float)) if "abandon_rate" in busy \
        else w
    cols = [c for c in _SUMMARY if c in busy]
    frame = pd.DataFrame({"intervals": 1, "offered": w}, index=busy.index)
    weights = {}
    for c in cols:
        v = busy[c].to_numpy(dtype=float)
        wt = n_ans if c.startswith("asa") else w
        ok = np.isfinite(v)
        frame[c] = np.where(ok, v * wt, 0.0)
        frame["_w_" + c] = np.where(ok, wt, 0.0)
        weights[c] = "_w_" + c
    if "asa_erlang_c" in busy:
        frame["unstable"] = np.isinf(busy["asa_erlang_c"].to_numpy(dtype=float)).astype(int)
    g = frame.groupby(keys, observed=True, sort=True).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        for c, wc in weights.items():
            g[c] = g[c] / g[wc]
    out = g.drop(columns=list(weights.values()))
    out["intervals"] = out["intervals"].astype(np.int64)
    out["offered"] = out["offered"].round().astype(np.int64)
    out.index.name = by if isinstance(by, str) else None
    n_unstable = int(out["unstable"].sum()) if "unstable" in out else 0
    if n_unstable:
        warnings.warn(f"observed_summary: {n_unstable} interval(s) have fewer agents than "
                      "Erlang C's load (infinite ASA); their Erlang C ASA is left out of the "
                      "pooled asa_erlang_c.", UserWarning, stacklevel=2)
    return out
