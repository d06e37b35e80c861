"""Inbound service calls: arrival profiles, a staffing schedule and the queue that serves them.

The queue itself is :func:`crm_lab.callcentre.simulate_calls` (first come, first served,
several agents, lognormal handle times, exponential patience); this module only sets up the
company's arrival rates and staffing and links calls to customers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

#: Weeks of calls, ending on the last day of the window.
CALL_WEEKS = 4
#: Opening hours (the centre takes calls from 08:00 to 21:00).
CALL_OPEN_HOUR, CALL_CLOSE_HOUR = 8, 21
#: Calls per customer and day on an average open day (scaled by the weekday profile).
CALLS_PER_CUSTOMER_DAY = 0.015
#: Monday .. Sunday multipliers of the daily volume.
WEEKDAY_PROFILE = (1.30, 1.10, 1.00, 1.00, 1.05, 0.80, 0.75)
#: Intraday profile: a morning peak at 10:30 and an afternoon peak at 14:30 over a base.
_INTRADAY = {"base": 0.45, "peaks": ((10.5, 1.0, 1.0), (14.5, 0.75, 1.3))}  # (hour, height, sd)
AHT_S = 240.0
HANDLE_CV = 0.8
PATIENCE_S = 150.0
#: Staffing rule: the fewest agents reaching this service level (Erlang C) ...
STAFF_TARGET, STAFF_THRESHOLD_S = 0.80, 20.0
#: ... minus this many agents on Monday mornings (08:00-12:00, a known under-staffed block).
MONDAY_SHORTFALL = 1
CALL_REASONS = ("order status", "billing", "product question", "complaint", "membership",
                "other")
_CALL_REASON_P = (0.30, 0.15, 0.20, 0.12, 0.13, 0.10)
#: Share of calls where the caller is identified as a customer.
KNOWN_CALLER_SHARE = 0.80


def intraday_profile() -> np.ndarray:
    """Relative arrival intensity of the 48 half-hours of a day (mean 1 over open hours)."""
    mid = np.arange(48) / 2 + 0.25
    shape = _INTRADAY["base"] + sum(h * np.exp(-0.5 * ((mid - c) / s) ** 2)
                                    for c, h, s in _INTRADAY["peaks"])
    open_ = (mid >= CALL_OPEN_HOUR) & (mid < CALL_CLOSE_HOUR)
    shape = np.where(open_, shape, 0.0)
    return shape / shape[open_].mean()


def erlang_c_agents(calls: float, aht: float, target: float, threshold: float) -> int:
    """Fewest agents whose Erlang C service level reaches ``target`` (what
    :func:`crm_lab.callcentre.required_agents` returns with its defaults), by the Erlang B
    recursion."""
    load = calls * aht / 1800.0
    if load <= 0:
        return 0
    b, n = 1.0, 0
    while True:
        n += 1
        b = load * b / (n + load * b)
        if n > load:
            c = n * b / (n - load * (1 - b))
            if 1 - c * math.exp(-(n - load) * threshold / aht) >= target:
                return n


def call_schedule(n_customers: int, end: pd.Timestamp) -> pd.DataFrame:
    """True arrival rate and planned agents per half-hour over the call window."""
    days = pd.date_range(end.normalize() - pd.Timedelta(days=7 * CALL_WEEKS - 1), end.normalize())
    starts = pd.date_range(days[0], periods=48 * len(days), freq="30min").as_unit("ns")
    day_vol = CALLS_PER_CUSTOMER_DAY * n_customers
    n_open = 2 * (CALL_CLOSE_HOUR - CALL_OPEN_HOUR)
    prof = intraday_profile()
    rate = np.zeros((7, 48))
    agents = np.zeros((7, 48), dtype=np.int64)
    for wd in range(7):
        rate[wd] = day_vol * WEEKDAY_PROFILE[wd] * prof / n_open
        for i in np.flatnonzero(rate[wd] > 0):
            agents[wd, i] = erlang_c_agents(float(rate[wd, i]), AHT_S, STAFF_TARGET,
                                            STAFF_THRESHOLD_S)
    monday_am = (np.arange(48) >= 2 * CALL_OPEN_HOUR) & (np.arange(48) < 24)
    agents[0, monday_am] = np.maximum(agents[0, monday_am] - MONDAY_SHORTFALL, 1)
    wd = starts.day_of_week.to_numpy()
    slot = (starts.hour * 2 + starts.minute // 30).to_numpy()
    return pd.DataFrame({"rate_calls": rate[wd, slot], "agents": agents[wd, slot],
                         "aht_s": AHT_S},
                        index=pd.DatetimeIndex(starts.to_numpy(), name="interval"))


def simulate_service_calls(rng: np.random.Generator, schedule: pd.DataFrame,
                           signup: np.ndarray, weight: np.ndarray,
                           start: np.datetime64) -> tuple[pd.DataFrame, dict]:
    """Run the queue on ``schedule`` and link callers to customers signed up by then.

    ``signup`` are the customers' sign-up days (offsets from ``start``) and ``weight`` how
    often each calls (proportional to the purchase rate).
    """
    from crm_lab.callcentre import simulate_calls

    seed = int(rng.integers(0, 2**31 - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # callers are impatient: nobody can be stranded
        sim = simulate_calls(schedule["rate_calls"], schedule["agents"].to_numpy(),
                             aht=AHT_S, handle="lognormal", handle_cv=HANDLE_CV,
                             patience=PATIENCE_S, patience_dist="exponential", seed=seed)
    calls = sim.calls
    n = len(calls)
    arrival = calls["arrival"].dt.floor("s")
    day = ((arrival.dt.normalize() - pd.Timestamp(start)).dt.days).to_numpy()
    reason = rng.choice(len(CALL_REASONS), size=n, p=_CALL_REASON_P)
    known = rng.random(n) < KNOWN_CALLER_SHARE
    order = np.argsort(signup, kind="stable")
    cum = np.cumsum(weight[order])
    n_signed = np.searchsorted(signup[order], day, side="right")  # customers signed up by then
    ok = known & (n_signed > 0)
    u = rng.random(n) * np.where(n_signed > 0, cum[np.maximum(n_signed - 1, 0)], 0.0)
    pick = np.minimum(np.searchsorted(cum, u, side="right"), np.maximum(n_signed - 1, 0))
    cust = pd.array(np.where(ok, order[pick] + 1, 0), dtype="Int64")
    cust[~ok] = pd.NA
    out = pd.DataFrame({
        "call_id": np.arange(1, n + 1, dtype=np.int64), "customer_id": cust,
        "arrival": arrival.astype("datetime64[ns]"),
        "wait_s": np.round(calls["wait_s"].to_numpy(), 1),
        "handle_s": np.round(calls["handle_s"].to_numpy(), 1),
        "abandoned": calls["abandoned"].to_numpy(),
        "reason": pd.array(np.asarray(CALL_REASONS, dtype=object)[reason], dtype="str")})
    truth = call_truth(seed)
    return out, truth


def call_truth(seed: int | None = None) -> dict:
    """The call-centre parameters (the per-interval rates and agents are a truth frame)."""
    return {
        "weeks": CALL_WEEKS, "open_hours": [CALL_OPEN_HOUR, CALL_CLOSE_HOUR],
        "interval_minutes": 30, "calls_per_customer_day": CALLS_PER_CUSTOMER_DAY,
        "weekday_profile": dict(zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                                    WEEKDAY_PROFILE, strict=True)),
        "intraday_profile": {"base": _INTRADAY["base"],
                             "peaks": [{"hour": c, "height": h, "sd_hours": s}
                                       for c, h, s in _INTRADAY["peaks"]],
                             "form": "base + sum(height * exp(-((hour - peak) / sd)^2 / 2)) "
                                     "over open half-hours, scaled to mean 1"},
        "handle": {"dist": "lognormal", "mean_s": AHT_S, "cv": HANDLE_CV},
        "patience": {"dist": "exponential", "mean_s": PATIENCE_S},
        "staffing": {"rule": "crm_lab.callcentre.required_agents(rate, aht, target, threshold)",
                     "target": STAFF_TARGET, "threshold_s": STAFF_THRESHOLD_S,
                     "monday_morning_shortfall": MONDAY_SHORTFALL},
        "reasons": dict(zip(CALL_REASONS, _CALL_REASON_P, strict=True)),
        "known_caller_share": KNOWN_CALLER_SHARE,
        "caller_weight": "known callers are drawn from customers signed up by the call's day "
                         "with probability proportional to lam_per_week",
        "queue": "crm_lab.callcentre.simulate_calls (FCFS, lognormal handle, exponential "
                 "patience)", "queue_seed": seed,
        "rounding": "arrival floored to the second; wait_s and handle_s to 0.1 s",
    }
