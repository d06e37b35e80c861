"""A discrete-event simulator of a multi-agent call centre that writes a call log.

One pure function, :func:`simulate_calls`: arrival rates per interval (piecewise constant),
agents on duty per interval, a handle-time and a patience distribution, and a ``seed`` in;
a call log in the schema of :mod:`crm_lab.callcentre` and the truth behind it out.

The queue is first come, first served. Callers are handled in arrival order: each takes the
agent who is first free *and on duty*; a caller whose wait would exceed her patience hangs up
and takes no agent. (With FCFS this order-of-arrival recursion is an exact discrete-event
simulation: a later caller can never be answered before an earlier one who is still
waiting.) Agent ``k`` is on duty in every interval that staffs more than ``k`` agents; an agent
going off duty finishes the call in hand. After the last interval its staffing carries on
until the queue is empty.
"""

from __future__ import annotations

import heapq
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["SimulatedCalls", "simulate_calls", "lognormal_params"]

_DISTS = ("exponential", "lognormal", "deterministic")


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """``(mu, sigma)`` of the log of a lognormal with this mean and coefficient of variation.

    Examples
    --------
    >>> mu, sigma = lognormal_params(180.0, 1.0)
    >>> round(float(np.exp(mu + sigma**2 / 2)), 6)
    180.0
    """
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def _draw(rng: np.random.Generator, dist: str, mean: np.ndarray, cv: float) -> np.ndarray:
    if dist == "exponential":
        return rng.exponential(1.0, len(mean)) * mean
    if dist == "deterministic":
        return np.asarray(mean, dtype=float).copy()
    sigma2 = math.log1p(cv * cv)
    return mean * np.exp(rng.normal(-sigma2 / 2.0, math.sqrt(sigma2), len(mean)))


@dataclass(frozen=True, repr=False)
class SimulatedCalls:
    """A simulated call log and the truth it was generated from.

    Attributes
    ----------
    calls : DataFrame
        One row per call: ``arrival`` (datetime), ``interval`` (start of its interval),
        ``wait_s`` (time in queue, seconds, until answered or abandoned), ``handle_s``
        (seconds; NaN for abandoned calls, whose handle time nobody sees), ``abandoned``
        (bool), ``answered_at`` (datetime, NaT if abandoned), ``agent`` (-1 if abandoned).
    staffing : DataFrame
        One row per interval, indexed by its start: ``agents`` (on duty), ``rate_calls``
        (expected calls, the truth), ``aht_s`` (true mean handle time).
    params : dict
        The distributions and their parameters, ``interval_minutes`` and ``seed``.
    """

    calls: pd.DataFrame
    staffing: pd.DataFrame
    params: dict

    def __repr__(self) -> str:
        ab = float(self.calls["abandoned"].mean()) if len(self.calls) else 0.0
        return (f"SimulatedCalls({len(self.calls):,} calls over {len(self.staffing)} intervals, "
                f"abandoned {ab:.1%}, seed={self.params['seed']})")


def _interval_starts(rates, start, interval_minutes: float, n: int) -> pd.DatetimeIndex:
    if isinstance(rates, pd.Series) and isinstance(rates.index, pd.DatetimeIndex):
        # any resolution (pandas 3 parses to datetime64[us]); compare in nanoseconds
        idx = pd.DatetimeIndex(rates.index).as_unit("ns")
        step = pd.Timedelta(minutes=interval_minutes).as_unit("ns")
        if n > 1 and not (np.diff(idx.asi8) == step.value).all():
            raise ParameterError(
                "parameter 'calls_per_interval': its DatetimeIndex must be consecutive "
                f"intervals {interval_minutes:g} minutes apart (no gaps). How to fix: reindex "
                "to the full range, with 0 calls and 0 agents where the centre is closed, or "
                "pass interval_minutes= matching the index.")
        return idx
    return pd.date_range(pd.Timestamp(start), periods=n,
                         freq=pd.Timedelta(minutes=interval_minutes))


def _per_interval(name: str, value, n: int, *, integer: bool = False) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ParameterError(f"parameter {name!r} must be one number or one per interval "
                             f"({n}), got shape {arr.shape}.")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ParameterError(f"parameter {name!r} must be finite and >= 0 in every interval; "
                             f"got {arr[~np.isfinite(arr) | (arr < 0)][:3].tolist()}.")
    if integer and not np.all(arr == np.round(arr)):
        raise ParameterError(f"parameter {name!r} must be whole numbers of agents.")
    return arr


def simulate_calls(calls_per_interval, agents, *, aht: float = 180.0, handle: str = "lognormal",
                   handle_cv: float = 1.0, patience: float | None = None,
                   patience_dist: str = "exponential", patience_cv: float = 1.0,
                   interval_minutes: float = 30, start="2024-01-01",
                   seed: int = 0) -> SimulatedCalls:
    """Simulate a call centre interval by interval and return its call log.

    Parameters
    ----------
    calls_per_interval : array-like or Series
        Expected number of calls in each interval (Poisson arrivals at a constant rate within
        an interval). A Series with a DatetimeIndex gives the interval starts.
    agents : int or array-like of int
        Agents on duty in each interval (one number for all).
    aht : float or array-like, default 180
        Mean handle time in seconds (per interval, by the interval the call arrives in).
    handle : {"lognormal", "exponential", "deterministic"}
        Handle-time distribution. Erlang C and A assume ``"exponential"``.
    handle_cv : float, default 1.0
        Coefficient of variation of lognormal handle times.
    patience : float, optional
        Mean patience in seconds; ``None`` for callers who never hang up.
    patience_dist : {"exponential", "lognormal", "deterministic"}
        Patience distribution (Erlang A assumes ``"exponential"``).
    patience_cv : float, default 1.0
        Coefficient of variation of lognormal patience.
    interval_minutes : float, default 30
        Interval length.
    start : date-like, default "2024-01-01"
        Start of the first interval (ignored when ``calls_per_interval`` has a DatetimeIndex).
    seed : int, default 0

    Returns
    -------
    SimulatedCalls
        ``calls`` (the log), ``staffing`` (agents and the true rates) and ``params``.

    Warns
    -----
    UserWarning
        If callers who never hang up are still waiting when no agent will ever be on duty
        again; they are recorded as abandoned at the end of the horizon.

    Examples
    --------
    >>> sim = simulate_calls([100, 120], agents=[14, 16], aht=180, patience=300, seed=1)
    >>> sim.calls.columns.tolist()[:5]
    ['arrival', 'interval', 'wait_s', 'handle_s', 'abandoned']
    >>> int(sim.staffing["agents"].sum())
    30
    """
    check_param("seed", seed, kind=int)
    check_param("handle", handle, allowed=_DISTS)
    check_param("patience_dist", patience_dist, allowed=_DISTS)
    check_param("interval_minutes", interval_minutes, kind=(int, float), low=0)
    check_param("handle_cv", handle_cv, kind=(int, float), low=0)
    check_param("patience_cv", patience_cv, kind=(int, float), low=0)
    if not interval_minutes > 0:
        raise ParameterError("parameter 'interval_minutes' must be > 0.")
    if patience is not None:
        check_param("patience", patience, kind=(int, float), low=0,
                    hint="Mean patience in seconds; None for callers who never hang up.")
        if not patience > 0:
            raise ParameterError(f"parameter 'patience' must be > 0 seconds, got {patience!r}.")
    rates = _per_interval("calls_per_interval", calls_per_interval, np.size(calls_per_interval))
    n_int = len(rates)
    if n_int == 0:
        raise ParameterError("parameter 'calls_per_interval' is empty; give at least one interval.")
    staff = _per_interval("agents", agents, n_int, integer=True).astype(np.int64)
    aht_arr = _per_interval("aht", aht, n_int)
    if (aht_arr <= 0).any():
        raise ParameterError("parameter 'aht' must be > 0 seconds in every interval.")
    starts = _interval_starts(calls_per_interval, start, interval_minutes, n_int)
    length = 60.0 * float(interval_minutes)

    rng = np.random.default_rng(seed)
    counts = rng.poisson(rates)
    idx = np.repeat(np.arange(n_int), counts)
    t_arr = (idx + rng.random(idx.size)) * length
    order = np.argsort(t_arr, kind="stable")
    t_arr, idx = t_arr[order], idx[order]
    handle_s = _draw(rng, handle, aht_arr[idx], float(handle_cv))
    if patience is None:
        pat = np.full(idx.size, np.inf)
    else:
        pat = _draw(rng, patience_dist, np.full(idx.size, float(patience)), float(patience_cv))

    wait, agent_of, stranded = _serve(t_arr, handle_s, pat, staff, length)
    if stranded:
        warnings.warn(f"{stranded:,} patient callers were still waiting when no agent would be "
                      "on duty again; recorded as abandoned at the end of the horizon.",
                      UserWarning, stacklevel=2)
    abandoned = agent_of < 0
    t0 = starts[0]
    arrival = t0 + pd.to_timedelta(t_arr, unit="s")
    # interval labels from the (possibly irregular) DatetimeIndex of the input
    calls = pd.DataFrame({
        "arrival": arrival.astype("datetime64[ns]"),
        "interval": starts[idx].astype("datetime64[ns]"),
        "wait_s": wait,
        "handle_s": np.where(abandoned, np.nan, handle_s),
        "abandoned": abandoned,
        "answered_at": (arrival + pd.to_timedelta(np.where(abandoned, np.nan, wait), unit="s")
                        ).astype("datetime64[ns]"),
        "agent": agent_of,
    })
    staffing = pd.DataFrame({"agents": staff, "rate_calls": rates, "aht_s": aht_arr},
                            index=pd.DatetimeIndex(starts, name="interval"))
    params = {"handle": handle, "handle_cv": float(handle_cv), "patience": patience,
              "patience_dist": patience_dist, "patience_cv": float(patience_cv),
              "interval_minutes": float(interval_minutes), "seed": seed}
    return SimulatedCalls(calls, staffing, params)


def _serve(t_arr: np.ndarray, handle: np.ndarray, patience: np.ndarray, staff: np.ndarray,
           length: float) -> tuple[np.ndarray, np.ndarray, int]:
    """FCFS service in arrival order; returns waits, agent per call (-1 = abandoned), stranded."""
    n_int = len(staff)
    n_agents = int(staff.max()) if n_int else 0
    # next_on[k, i] = first interval >= i in which agent k is on duty (n_int = carry last on)
    on = np.arange(n_agents)[:, None] < staff[None, :]
    next_on = np.full((n_agents, n_int + 1), np.iinfo(np.int64).max, dtype=np.int64)
    if n_agents:
        last_on = on[:, -1]
        next_on[last_on, n_int] = n_int
        for i in range(n_int - 1, -1, -1):
            next_on[:, i] = np.where(on[:, i], i, next_on[:, i + 1])
    horizon = n_int * length

    def available(k: int, t: float) -> float:
        """Earliest time >= t at which agent k is on duty."""
        i = min(int(t // length), n_int)
        j = next_on[k, i]
        if j == np.iinfo(np.int64).max:
            return math.inf
        if j == n_int and i == n_int:
            return t
        return t if j == i else j * length

    heap = [(available(k, 0.0), k) for k in range(n_agents)]
    heapq.heapify(heap)
    wait = np.empty(len(t_arr))
    agent_of = np.full(len(t_arr), -1, dtype=np.int64)
    stranded = 0
    for c in range(len(t_arr)):
        a = t_arr[c]
        # agents free before this arrival may be off duty now: re-check the earliest ones
        while heap:
            f, k = heap[0]
            if f >= a:
                break
            g = available(k, a)
            if g == a:
                break
            heapq.heapreplace(heap, (g, k))
        if not heap or heap[0][0] == math.inf:
            f = math.inf
        else:
            f = max(heap[0][0], a)
        w = f - a
        if w > patience[c]:
            wait[c] = patience[c]
        elif math.isinf(w):
            wait[c] = max(horizon - a, 0.0)
            stranded += 1
        else:
            _, k = heapq.heappop(heap)
            wait[c] = w
            agent_of[c] = k
            heapq.heappush(heap, (available(k, f + handle[c]), k))
    return wait, agent_of, stranded
