"""The call centre's service level and abandonment: the KPIs against plain pandas, against the
simulator's truth, on the balanced scorecard, and the service -> satisfaction link.

Truth: the simulated company staffs each half-hour by Erlang C for 80 % of calls in 20 s and
its callers have exponential patience (``truth.calls``, ``truth.call_intervals``);
``true_service_level`` predicts the service level and abandonment from those true parameters
with Erlang A (exponential handle times, where the simulator's are lognormal, cv 0.8).
Tolerance at 20,000 customers (about 8,500 calls): service level within 2 points and
abandonment within 1.5 points of the prediction. A call's wait does not depend on who calls
and calls do not move satisfaction, so the true service -> satisfaction link is 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lab import performance as pf
from crm_lab.simulate import simulate_company
from crm_lab.validate import DataError
from crm_lab.warehouse import build_warehouse

SEEDS = (1, 2)


@pytest.fixture(scope="module")
def small():
    co = simulate_company(seed=3, n_customers=3000)
    wh = build_warehouse(co.transactions, customers=co.customers, clv=False)
    return co, wh


def test_service_kpis_agree_with_plain_pandas(small):
    co, wh = small
    rep = pf.kpi_report(wh, calls=co.calls, period="month")
    c = co.calls
    month = c["arrival"].dt.strftime("%Y-%m")
    in_time = (~c["abandoned"]) & (c["wait_s"] <= 20)
    plain_sl = in_time.groupby(month).mean()
    plain_ab = c["abandoned"].groupby(month).mean()
    got = rep.table[["service_level", "abandonment_rate"]].dropna()
    assert got.index.tolist() == plain_sl.index.tolist()
    np.testing.assert_allclose(got["service_level"], plain_sl, rtol=1e-12)
    np.testing.assert_allclose(got["abandonment_rate"], plain_ab, rtol=1e-12)
    assert (rep.table["calls_offered"].sum() == len(c))
    assert pf.kpi_catalogue().loc["abandonment_rate", "perspective"] == "internal process"


def test_service_level_threshold_is_a_parameter(small):
    co, wh = small
    a = pf.kpi_report(wh, calls=co.calls, period="year", service_threshold=5)
    b = pf.kpi_report(wh, calls=co.calls, period="year", service_threshold=60)
    assert a.table["service_level"].iloc[-1] < b.table["service_level"].iloc[-1]
    assert a.table["abandonment_rate"].iloc[-1] == b.table["abandonment_rate"].iloc[-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_service_level_recovers_truth(seed):
    co = simulate_company(seed=seed, n_customers=20_000)
    chk = pf.service_check(co.calls, co.truth)
    assert abs(chk.loc["service_level", "observed"] - chk.loc["service_level", "truth"]) < 0.02
    assert abs(chk.loc["abandonment_rate", "observed"]
               - chk.loc["abandonment_rate", "truth"]) < 0.015
    # Erlang C staffing for 80 % with impatient callers gives more than 80 %
    assert chk.loc["service_level", "truth"] > pf.true_service_level(co.truth)["design_target"]


def test_scorecard_has_the_service_kpis(small):
    co, wh = small
    rep = pf.kpi_report(wh, complaints=co.complaints, calls=co.calls, period="quarter")
    sc = pf.balanced_scorecard(rep, {"service_level": 0.8, "abandonment_rate": 0.05})
    assert sc.loc["service_level", "perspective"] == "internal process"
    assert sc.loc["service_level", "status"] in ("met", "near", "missed")
    assert sc.loc["abandonment_rate", "status"] in ("met", "near", "missed")


@pytest.mark.parametrize("seed", SEEDS)
def test_service_link_truth_is_zero_and_covered(seed):
    co = simulate_company(seed=seed, n_customers=5000)
    wh = build_warehouse(co.transactions, customers=co.customers, clv=False)
    ch = pf.cause_and_effect(wh, co.survey, calls=co.calls, truth=co.truth)
    r = ch.loc["service level -> satisfaction"]
    assert r["model"] != "skipped" and r["n"] >= 100
    assert r["truth"] == 0.0
    assert r["ci_low"] <= 0.0 <= r["ci_high"]


def test_service_truth_bad_input(small):
    co, _ = small
    with pytest.raises(DataError, match="truth"):
        pf.true_service_level(object())
    with pytest.raises(DataError, match="wait_s"):
        pf.service_check(co.calls.drop(columns="wait_s"), co.truth)
    with pytest.raises(ValueError, match="threshold"):
        pf.true_service_level(co.truth, threshold=-1)
    assert isinstance(pf.true_service_level(co.truth), pd.Series)
