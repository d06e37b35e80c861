"""crm_lab.callcentre on the simulated company's service call log (issue 19, with issue 13's
simulator): observed against Erlang C / A, the simulator's arrival rates, handle times and
patience recovered, and date-times of any resolution.

The truth (crm_lab/simulate/service.py): half-hourly Poisson rates from a weekday x
time-of-day profile (0.015 calls per customer and day), staffing = the fewest agents for
80 % in 20 s by Erlang C at the true rate, one agent fewer on Monday 08:00-12:00, lognormal
handle times (mean 240 s, cv 0.8), exponential patience (mean 150 s).

Tolerances below were set from seeds 1 and 2 at 20,000 customers (about 8,400 calls in four
weeks), with the figures measured given beside each assertion.
"""

from __future__ import annotations

import math
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_lab import callcentre as cc
from crm_lab import plots
from crm_lab.simulate import simulate_company
from crm_lab.validate import DataError, ParameterError

N_CUSTOMERS = 20_000


@pytest.fixture(scope="module", params=[1, 2])
def company(request):
    return simulate_company(seed=request.param, n_customers=N_CUSTOMERS)


def test_company_log_is_a_call_log(company):
    log = cc.check_call_log(company.calls)
    assert len(log) == len(company.calls)
    assert set(company.truth.call_intervals.columns) >= {"rate_calls", "agents", "aht_s"}
    # every interval with calls is staffed
    perf = cc.interval_performance(company.calls)
    staff = company.truth.call_intervals["agents"].reindex(perf.index)
    assert (staff[perf["offered"] > 0] > 0).all()


def test_recover_arrival_rates(company):
    calls, truth = company.calls, company.truth.call_intervals
    # total over four weeks: 8,400 expected, Poisson sd 1.1 %; measured 0.2 %, 0.7 % off
    est = cc.estimate_call_process(calls)
    assert est.calls_per_interval.sum() == pytest.approx(truth["rate_calls"].sum(), rel=0.03)
    # the weekday profile: each weekday's total within 8 % (about 1,200 calls, sd 2.9 %;
    # measured at most 5.8 %)
    prof = cc.arrival_profile(calls)
    true_prof = cc.arrival_profile(truth["rate_calls"])
    assert prof.attrs["days"] == {d: 4 for d in prof.columns}
    ratio = prof.sum() / true_prof.sum()
    assert ((ratio - 1).abs() < 0.08).all(), ratio.round(3).to_dict()
    # the intraday profile: each open hour's total within 15 % (about 650 calls, sd 4 %;
    # measured at most 11 %), closed hours empty
    hour = lambda p: p.sum(axis=1).groupby(p.index.str[:2]).sum()  # noqa: E731
    h, th = hour(prof), hour(true_prof)
    assert (h[th == 0] == 0).all()
    assert ((h[th > 0] / th[th > 0] - 1).abs() < 0.15).all()
    # the per-interval rates of a typical week (mean 11.5 calls): mean absolute error under
    # 15 % of the mean (four weeks averaged: sd sqrt(rate / 4), so about 0.8 sqrt(11.5 / 4),
    # 12 % of the mean, expected; measured 12.6 % with seed 2)
    open_ = true_prof.to_numpy() > 0
    err = np.abs(prof.to_numpy() - true_prof.to_numpy())[open_].mean()
    assert err < 0.15 * true_prof.to_numpy()[open_].mean()


def test_recover_handle_times_and_patience(company):
    est = cc.estimate_call_process(company.calls)
    handle, patience = company.truth.calls["handle"], company.truth.calls["patience"]
    assert handle == {"dist": "lognormal", "mean_s": 240.0, "cv": 0.8}
    # AHT within 4 % (8,000 answered calls, sd 0.9 %; measured 239.7 s, 245.7 s)
    assert est.aht == pytest.approx(handle["mean_s"], rel=0.04)
    # cv from the lognormal fit within 0.05 (measured 0.78, 0.80); log-sigma within 0.03
    assert est.handle_cv == pytest.approx(handle["cv"], abs=0.05)
    assert est.handle_log_sigma == pytest.approx(math.sqrt(math.log1p(0.8**2)), abs=0.03)
    # patience: exponential MLE from ~340 abandonments within 15 % (measured 155 s twice)
    assert est.patience == pytest.approx(patience["mean_s"], rel=0.15)


def test_observed_against_erlang_on_company_log(company):
    calls, truth = company.calls, company.truth.call_intervals
    staff = truth["agents"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a few unstable intervals for Erlang C
        by_count = cc.observed_summary(cc.observed_vs_predicted(calls, staff)).iloc[0]
    ovp = cc.observed_vs_predicted(calls, staff, arrivals="profile")
    assert ovp.attrs["arrivals"] == "profile"
    s = cc.observed_summary(ovp).iloc[0]
    assert s["offered"] == len(calls)
    # observed 90.1 %, 89.6 % in 20 s; Erlang A from the log's profile 89.5 %, 88.5 %: within
    # 3 points. Abandonment observed 3.9 %, 4.0 %; Erlang A 4.6 %, 5.1 %: within 1.5 points.
    assert s["sl_erlang_a"] == pytest.approx(s["service_level"], abs=0.03)
    assert s["abandon_erlang_a"] == pytest.approx(s["abandon_rate"], abs=0.015)
    # Erlang C ignores abandonment: too pessimistic (85.5 %, 83.5 %)
    assert s["sl_erlang_c"] < s["service_level"] - 0.02
    # single-interval counts (4-16 calls) make the pooled prediction more pessimistic still
    assert by_count["sl_erlang_a"] < s["sl_erlang_a"]
    # with the true rates Erlang A is within 1.5 points (90.2 %, 89.6 %)
    at_truth = cc.observed_summary(cc.observed_vs_predicted(
        calls, staff, arrivals=truth["rate_calls"])).iloc[0]
    assert at_truth["sl_erlang_a"] == pytest.approx(s["service_level"], abs=0.015)
    assert at_truth["unstable"] == 0


def test_monday_morning_shortfall_is_visible_and_predicted(company):
    calls, staff = company.calls, company.truth.call_intervals["agents"]
    assert company.truth.calls["staffing"]["monday_morning_shortfall"] == 1
    ovp = cc.observed_vs_predicted(calls, staff, arrivals="profile")
    idx = ovp.index
    block = np.where((idx.day_of_week == 0) & (idx.hour < 12), "Monday 08-12", "other")
    s = cc.observed_summary(ovp, by=block)
    # observed SL 74.8 %, 78.1 % on Monday mornings against 91.3 %, 90.5 % otherwise
    assert s.loc["Monday 08-12", "service_level"] < s.loc["other", "service_level"] - 0.08
    assert s.loc["Monday 08-12", "abandon_rate"] > 2 * s.loc["other", "abandon_rate"]
    # Erlang A sees it coming (75.2 %, 73.5 %): within 6 points on about 500 calls
    assert s.loc["Monday 08-12", "sl_erlang_a"] == pytest.approx(
        s.loc["Monday 08-12", "service_level"], abs=0.06)
    by_day = cc.observed_summary(ovp, by="weekday")
    assert by_day.index.tolist() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert by_day["service_level"].idxmin() == "Mon"
    assert by_day["offered"].sum() == len(calls)


def test_simulated_company_queue_matches_erlang_a_at_true_rates():
    # the company's schedule rerun with exponential handle times (Erlang A's assumption):
    # pooled SL and abandonment over 10 runs of four weeks within 1 point of Erlang A at the
    # true rates (measured 90.7 % vs 90.6 %, 5.7 % vs 5.5 %)
    co = simulate_company(seed=0, n_customers=5000)
    ti = co.truth.call_intervals
    sl, ab = [], []
    for s in range(10):
        sim = cc.simulate_calls(ti["rate_calls"], ti["agents"].to_numpy(), aht=240,
                                handle="exponential", patience=150, seed=100 + s)
        p = cc.observed_summary(cc.observed_vs_predicted(
            sim.calls, ti["agents"], arrivals=ti["rate_calls"], aht=240, patience=150)).iloc[0]
        sl.append(p["service_level"] - p["sl_erlang_a"])
        ab.append(p["abandon_rate"] - p["abandon_erlang_a"])
    assert abs(np.mean(sl)) < 0.01 and abs(np.mean(ab)) < 0.01


# ============================================================================ resolutions


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_simulate_calls_accepts_any_datetime_resolution(unit):
    # pandas 3 parses date-times to datetime64[us]; the interval check used nanoseconds only
    idx = pd.date_range("2024-01-01 08:00", periods=6, freq="30min", unit=unit)
    assert str(idx.dtype) == f"datetime64[{unit}]"
    sim = cc.simulate_calls(pd.Series([50.0] * 6, index=idx), agents=8, patience=120, seed=3)
    ref = cc.simulate_calls([50.0] * 6, agents=8, patience=120, start="2024-01-01 08:00",
                            seed=3)
    pd.testing.assert_frame_equal(sim.calls, ref.calls)
    assert (sim.staffing.index == ref.staffing.index).all()
    # the staffing and expected calls may come at that resolution too
    ovp = cc.observed_vs_predicted(sim.calls, pd.Series(8, index=idx),
                                   arrivals=pd.Series(50.0, index=idx))
    assert len(ovp) == 6 and ovp["calls_used"].eq(50.0).all()
    gap = idx.delete(2)
    with pytest.raises(ParameterError, match="consecutive"):
        cc.simulate_calls(pd.Series([50.0] * 5, index=gap), agents=8, seed=3)


def test_call_log_read_from_csv_strings(tmp_path):
    sim = cc.simulate_calls([30.0] * 4, agents=5, patience=100, seed=2)
    path = tmp_path / "calls.csv"
    sim.calls[["arrival", "wait_s", "handle_s", "abandoned"]].to_csv(path, index=False)
    back = pd.read_csv(path)  # arrival as strings
    a = cc.estimate_call_process(back)
    b = cc.estimate_call_process(sim.calls)
    assert a.n_calls == b.n_calls and a.aht == pytest.approx(b.aht)


# ============================================================================ new helpers


def test_arrival_profile_shapes_and_errors():
    week = np.tile(np.r_[np.zeros(16), np.full(24, 10.0), np.zeros(8)], 7)
    sim = cc.simulate_calls(np.tile(week, 2), agents=4, seed=1)  # Monday 2024-01-01
    prof = cc.arrival_profile(sim.calls)
    assert prof.shape == (48, 7) and prof.index[0] == "00:00" and prof.index[-1] == "23:30"
    assert prof.loc["07:30"].eq(0).all() and prof.loc["12:00"].gt(0).all()
    assert cc.arrival_profile(sim.staffing["rate_calls"]).loc["12:00", "Tue"] == 10.0
    hourly = cc.arrival_profile(sim.calls, 60)
    assert hourly.shape == (24, 7)
    assert hourly.to_numpy().sum() == pytest.approx(prof.to_numpy().sum())
    with pytest.raises(DataError, match="DatetimeIndex"):
        cc.arrival_profile(pd.Series([1.0, 2.0]))
    with pytest.raises(DataError, match=">= 0"):
        cc.arrival_profile(pd.Series([1.0, np.nan], index=prof.index[:2].map(
            lambda t: pd.Timestamp(f"2024-01-01 {t}"))))
    with pytest.raises(DataError, match="arrival"):
        cc.arrival_profile(pd.DataFrame({"when": ["2024-01-01 09:00"]}))


@pytest.mark.filterwarnings("ignore:observed_summary:UserWarning")
def test_observed_summary_and_bad_arguments():
    sim = cc.simulate_calls([100.0] * 6, agents=[12, 12, 9, 9, 14, 14], aht=180,
                            patience=200, seed=8)
    ovp = cc.observed_vs_predicted(sim.calls, sim.staffing)
    # 9 agents for a load of 10 Erlangs: Erlang C's ASA is infinite there, and we are told
    with pytest.warns(UserWarning, match="1 interval"):
        s = cc.observed_summary(ovp)
    assert s.loc["all", "unstable"] == 1 and np.isfinite(s.loc["all", "asa_erlang_c"])
    assert s.index.tolist() == ["all"] and s.loc["all", "offered"] == len(sim.calls)
    # pooled SL is the share of all calls answered within 20 s
    in_time = (~sim.calls["abandoned"] & (sim.calls["wait_s"] <= 20)).mean()
    assert s.loc["all", "service_level"] == pytest.approx(in_time)
    by = cc.observed_summary(ovp, by="agents")
    assert by.index.tolist() == [9, 12, 14]
    assert by["sl_erlang_a"].is_monotonic_increasing
    assert cc.observed_summary(ovp, by="hour")["intervals"].sum() == 6
    with pytest.raises(ParameterError, match="by"):
        cc.observed_summary(ovp, by=[1, 2])
    with pytest.raises(ParameterError, match="by"):
        cc.observed_summary(ovp, by="month")
    with pytest.raises(DataError, match="offered"):
        cc.observed_summary(ovp.drop(columns="offered"))
    with pytest.raises(ParameterError, match="arrivals"):
        cc.observed_vs_predicted(sim.calls, sim.staffing, arrivals="weekly")
    with pytest.raises(ParameterError, match="arrivals"):
        cc.observed_vs_predicted(sim.calls, sim.staffing, arrivals=[100.0] * 6)
    with pytest.raises(ParameterError, match="no expected calls"):
        cc.observed_vs_predicted(sim.calls, sim.staffing,
                                 arrivals=sim.staffing["rate_calls"].iloc[:3])


def test_new_plots_return_axes():
    matplotlib.use("Agg")
    sim = cc.simulate_calls(np.tile(np.r_[np.zeros(16), np.full(24, 20.0), np.zeros(8)], 7),
                            agents=5, patience=120, seed=4)
    prof = cc.arrival_profile(sim.calls)
    assert plots.arrival_profile_plot(prof, truth=cc.arrival_profile(
        sim.staffing["rate_calls"])) is not None
    s = cc.observed_summary(cc.observed_vs_predicted(sim.calls, sim.staffing), by="weekday")
    assert plots.service_by_plot(s) is not None
    plt.close("all")
