"""KPIs, scorecard, business case and dashboard (chapter 11).

Every KPI is recomputed here with plain pandas from the raw tables of the bundled company
(``crm_lab.datasets.load_company()``), independently of the warehouse's SQL.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets, spc
from crm_lab import performance as pf
from crm_lab.validate import DataError, ParameterError
from crm_lab.warehouse import build_warehouse


@pytest.fixture(scope="module")
def company():
    return datasets.load_company()


@pytest.fixture(scope="module")
def wh(company):
    return build_warehouse(company.transactions, customers=company.customers, clv=True)


@pytest.fixture(scope="module")
def report(company, wh):
    return pf.kpi_report(wh, survey=company.survey, complaints=company.complaints,
                         subscriptions=company.subscriptions, period="quarter",
                         acquisition_cost=20000.0)


def _quarter(dates):
    d = pd.to_datetime(dates)
    return d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str)


def _pandas_transaction_kpis(tx, label):
    """The transaction KPIs with plain pandas: one row per (customer, period) first."""
    tx = tx.assign(period=label(tx["date"]))
    act = tx.groupby(["customer_id", "period"], as_index=False)["amount"].sum()
    periods = sorted(act["period"].unique())
    first = act.groupby("customer_id")["period"].min()
    act["first"] = act["customer_id"].map(first)
    rows = {}
    for i, p in enumerate(periods):
        now = act[act["period"] == p]
        ids = set(now["customer_id"])
        prev = set(act.loc[act["period"] == periods[i - 1], "customer_id"]) if i else set()
        rows[p] = {"active_customers": len(now), "new_customers": int((now["first"] == p).sum()),
                   "returning_customers": int((now["first"] < p).sum()),
                   "revenue": round(now["amount"].sum(), 2), "customers_at_risk": len(prev),
                   "retained_customers": len(prev & ids)}
    return pd.DataFrame.from_dict(rows, orient="index")


# ============================================================================ catalogue


def test_catalogue_is_complete():
    cat = pf.kpi_catalogue()
    assert list(cat.columns) == ["name", "name_zh", "perspective", "definition", "formula",
                                 "unit", "direction"]
    assert (cat.astype(str).apply(lambda c: c.str.len()) > 0).all().all()
    assert set(cat["perspective"]) == set(pf.PERSPECTIVES)
    assert set(cat["direction"]) == {"up", "down"}
    assert set(pf.kpi_catalogue("learning and growth").index) == {"survey_coverage",
                                                                  "data_completeness"}


def test_report_kpis_are_in_the_catalogue(report):
    assert set(report.kpis) <= set(pf.KPI_CATALOGUE.index)
    assert {"retention_rate", "nps", "complaint_rate", "membership_churn_rate", "cac"} <= \
        set(report.kpis)
    assert any(n.startswith("service_level") for n in report.notes)  # no call log: a note


# ============================================================================ independence


def test_transaction_kpis_agree_with_plain_pandas(company, report):
    expect = _pandas_transaction_kpis(company.transactions, _quarter)
    got = report.table.loc[expect.index]
    for c in ("active_customers", "new_customers", "returning_customers", "customers_at_risk",
              "retained_customers"):
        assert got[c].tolist() == expect[c].tolist(), c
    np.testing.assert_allclose(got["revenue"], expect["revenue"], atol=0.005)
    risk = expect["customers_at_risk"].replace(0, np.nan)
    np.testing.assert_allclose(got["retention_rate"], expect["retained_customers"] / risk)
    np.testing.assert_allclose(got["churn_rate"], 1 - expect["retained_customers"] / risk)
    np.testing.assert_allclose(got["repeat_share"],
                               expect["returning_customers"] / expect["active_customers"])
    np.testing.assert_allclose(got["revenue_per_customer"],
                               expect["revenue"] / expect["active_customers"])
    np.testing.assert_allclose(got["cac"], 20000.0 / expect["new_customers"])


def test_monthly_kpis_by_segment_agree_with_plain_pandas(company, wh):
    rep = pf.kpi_report(wh, period="month", by="region")
    tx = company.transactions.merge(company.customers[["customer_id", "region"]])
    east = tx[tx["region"] == "East"]
    expect = _pandas_transaction_kpis(east, lambda d: pd.to_datetime(d).dt.strftime("%Y-%m"))
    got = rep.table.xs("East", level="segment").loc[expect.index]
    for c in ("active_customers", "new_customers", "customers_at_risk", "retained_customers"):
        assert got[c].tolist() == expect[c].tolist(), c
    assert set(rep.segments) == set(company.customers["region"])


def test_survey_kpis_agree_with_plain_pandas(company, report):
    sv = company.survey.assign(period=_quarter(company.survey["survey_date"]))
    g = sv.groupby("period")
    nps = 100 * g["recommend"].apply(lambda s: ((s >= 9).mean() - (s <= 6).mean()))
    items = ["satisfaction_1", "satisfaction_2", "satisfaction_3"]
    sat = g[items].apply(lambda f: 100 * (f.to_numpy().mean(axis=1).mean() - 1) / 9)
    np.testing.assert_allclose(report.table.loc[nps.index, "nps"], nps)
    np.testing.assert_allclose(report.table.loc[sat.index, "satisfaction_index"], sat)
    assert (report.table["nps_ci_low"] <= report.table["nps"]).all()
    snap = report.snapshot.loc["all"]
    r = company.survey["recommend"]
    assert snap["nps"] == pytest.approx(100 * ((r >= 9).mean() - (r <= 6).mean()))
    assert snap["survey_coverage"] == pytest.approx(len(company.survey) / 5000)


def test_complaint_kpis_agree_with_plain_pandas(company, report):
    c = company.complaints.assign(period=_quarter(company.complaints["date"]))
    n = c.groupby("period").size()
    active = _pandas_transaction_kpis(company.transactions, _quarter)["active_customers"]
    np.testing.assert_allclose(report.table.loc[n.index, "complaint_rate"],
                               1000 * n / active.loc[n.index])
    end = company.transactions["date"].max()
    followed = c[c["date"] <= end - pd.Timedelta(days=7)]
    ok = followed["resolved"] & (followed["resolution_days"] <= 7)
    share = ok.groupby(followed["period"]).mean()
    np.testing.assert_allclose(report.table.loc[share.index, "resolved_in_target"], share)
    med = c[c["resolved"]].groupby("period")["resolution_days"].median()
    np.testing.assert_allclose(report.table.loc[med.index, "resolution_days_median"], med)


def test_membership_churn_agrees_with_plain_pandas(company, report):
    s = company.subscriptions
    t0, t1 = pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30 23:59:59")
    risk = (s["start_date"] < t0) & (s["end_date"].isna() | (s["end_date"] >= t0))
    ended = risk & (s["end_date"] <= t1)
    row = report.table.loc["2024-Q2"]
    assert row["members_at_risk"] == risk.sum()
    assert row["membership_churn_rate"] == pytest.approx(ended.sum() / risk.sum())


def test_average_clv_agrees_with_the_clv_models(company, report):
    from crm_lab import clv

    tx = company.transactions
    end = tx["date"].max() + pd.Timedelta(days=1)
    summary = clv.customer_summary(tx[["customer_id", "date", "amount"]], freq="D",
                                   freq_multiplier=7, observation_end=end)
    bg = clv.BetaGeo().fit(summary)
    gg = clv.GammaGamma().fit(summary[(summary["frequency"] > 0)
                                      & (summary["monetary_value"] > 0)])
    value = clv.customer_lifetime_value(bg, summary, time_months=12, discount_rate=0.01,
                                        spend_model=gg)
    # the warehouse stores CLV to the cent
    assert report.snapshot.loc["all", "average_clv"] == pytest.approx(np.mean(value), abs=0.01)


def test_control_limits_are_spc_charts_of_the_counts(company, report):
    expect = _pandas_transaction_kpis(company.transactions, _quarter).iloc[1:]
    chart = report.control_chart("retention_rate")
    ref = spc.p_chart(expect["retained_customers"], expect["customers_at_risk"])
    np.testing.assert_allclose(chart[["rate", "center", "lcl", "ucl"]], ref[["rate", "center",
                                                                              "lcl", "ucl"]])
    u = report.control_chart("complaint_rate")
    assert u["center"].iloc[0] == pytest.approx(
        1000 * len(company.complaints) / report.table["active_customers"].sum())
    tr = report.trend("revenue")
    assert tr["ci_low"] < tr["slope_per_period"] < tr["ci_high"]
    s = report.summary()
    assert s.loc["retention_rate", "signal_latest"] in (True, False)


def test_service_level_from_a_call_log(wh):
    calls = pd.DataFrame({
        "arrival": pd.to_datetime(["2023-02-01 09:00", "2023-02-01 09:05", "2023-05-01 10:00",
                                   "2023-05-02 10:00", "2023-05-03 10:00"]),
        "handle_s": [100.0, 100.0, np.nan, 200.0, 50.0], "wait_s": [5.0, 40.0, 30.0, 10.0, 20.0],
        "abandoned": [False, False, True, False, False]})
    rep = pf.kpi_report(wh, calls=calls)
    assert rep.table.loc["2023-Q1", "service_level"] == pytest.approx(0.5)
    assert rep.table.loc["2023-Q2", "service_level"] == pytest.approx(2 / 3)
    assert np.isnan(rep.table.loc["2024-Q1", "service_level"])


# ============================================================================ scorecard


def test_scorecard_status_and_order(report):
    targets = {"retention_rate": 0.5, "churn_rate": 0.1, "revenue": 1e9,
               "complaint_rate": report.table["complaint_rate"].iloc[-1] * 0.97,
               "data_completeness": 0.9}
    sc = pf.balanced_scorecard(report, targets)
    assert sc.loc["retention_rate", "status"] == "met"
    assert sc.loc["churn_rate", "status"] == "missed"
    assert sc.loc["revenue", "status"] == "missed"
    assert sc.loc["complaint_rate", "status"] == "near"
    assert sc.loc["data_completeness", "status"] == "met"
    assert sc.loc["nps", "status"] == "no target"
    order = sc["perspective"].map({p: i for i, p in enumerate(pf.PERSPECTIVES)})
    assert order.is_monotonic_increasing
    d = pf.default_targets(report)
    hist = report.table.iloc[:-1]
    assert d["retention_rate"] == pytest.approx(hist["retention_rate"].mean() * 1.05)
    assert d["complaint_rate"] == pytest.approx(hist["complaint_rate"].mean() * 0.95)


def test_cause_and_effect_recovers_the_truth(company, wh):
    ch = pf.cause_and_effect(wh, company.survey, complaints=company.complaints,
                             truth=company.truth)
    eff = company.truth.satisfaction_effects
    total = eff["complaints"]["coef"] + eff["complaints"]["coef_eta_complaint"] * \
        company.truth.structural["paths"]["satisfaction->complaint"]
    row = ch.loc["satisfaction -> complaints"]
    assert row["truth"] == pytest.approx(total)
    # tolerance: the corrected estimate's 95 % interval covers the truth, within 0.1
    assert row["corrected_low"] <= total <= row["corrected_high"]
    assert abs(row["corrected"] - total) < 0.1
    sp = ch.loc["satisfaction -> spend"]
    assert sp["truth"] == eff["spend"]["coef"]
    assert sp["corrected_low"] <= sp["truth"] <= sp["corrected_high"]
    ret = ch.loc["satisfaction -> retention"]
    assert ret["corrected"] > 0 and abs(ret["corrected"] - ret["truth"]) < 0.15
    assert ch.loc["retention -> revenue", "estimate"] > 0
    assert ch.loc["service level -> satisfaction", "model"] == "skipped"
    assert 0.8 < ch.attrs["alpha"] < 0.95


def test_service_link_with_calls_linked_to_customers(company, wh):
    # a synthetic call log: four calls per respondent, the more satisfied waiting less
    rng = np.random.default_rng(5)
    sv = company.survey
    sat = sv[["satisfaction_1", "satisfaction_2", "satisfaction_3"]].mean(axis=1).to_numpy()
    z = (sat - sat.mean()) / sat.std()
    ids = np.repeat(sv["customer_id"].to_numpy(), 4)
    wait = np.maximum(0, 25 - 10 * np.repeat(z, 4) + rng.normal(0, 10, ids.size))
    calls = pd.DataFrame({"customer_id": ids, "wait_s": wait, "abandoned": wait > 45})
    ch = pf.cause_and_effect(wh, sv, calls=calls)
    row = ch.loc["service level -> satisfaction"]
    assert row["model"].startswith("OLS") and row["n"] == sv["customer_id"].nunique()
    assert row["ci_low"] > 0
    with pytest.raises(DataError, match="wait_s"):
        pf.cause_and_effect(wh, sv, calls=calls.drop(columns="wait_s"))
    few = pf.cause_and_effect(wh, sv, calls=calls.iloc[:40])
    assert few.loc["service level -> satisfaction", "model"] == "skipped"


def test_cronbach_alpha_hand_computed():
    # items a = 1..4, b = 2, 2, 4, 4: variances 5/3 and 4/3, sum variance 17/3;
    # alpha = 2 (1 - 3 / (17/3)) = 16/17
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4]})
    assert pf.cronbach_alpha(items) == pytest.approx(16 / 17)


# ============================================================================ business case


def test_npv_irr_payback_hand_computed():
    cf = [-1000, 500, 500, 500]
    # 500/1.1 + 500/1.21 + 500/1.331 - 1000 = 243.426; IRR of an annuity 1000 = 500 a(3, r)
    assert pf.npv(0.10, cf) == pytest.approx(243.4260, abs=1e-4)
    assert pf.irr(cf) == pytest.approx(0.233752, abs=1e-6)
    assert pf.payback_period(cf) == pytest.approx(2.0)
    # discounted: cumulative -545.45, -132.23 after two years, 375.66 in year 3
    assert pf.payback_period(cf, rate=0.10) == pytest.approx(2 + 132.2314 / 375.6574, abs=1e-4)
    assert pf.payback_period([-1000, 300, 400, 500]) == pytest.approx(2.6)
    assert pf.payback_period([-100, 10, 10]) == np.inf


def _npf():
    # numpy-financial is the reference implementation (a test dependency, not a runtime one)
    return pytest.importorskip("numpy_financial", reason="numpy-financial is not installed")


def test_npv_irr_agree_with_numpy_financial():
    npf = _npf()
    rng = np.random.default_rng(3)
    for _ in range(20):
        cf = np.r_[-rng.uniform(500, 2000), rng.uniform(100, 900, rng.integers(3, 10))]
        rate = rng.uniform(0, 0.2)
        assert pf.npv(rate, cf) == pytest.approx(npf.npv(rate, cf), rel=1e-12)
        assert pf.irr(cf) == pytest.approx(npf.irr(cf), abs=1e-9)


def test_business_case_hand_computed():
    x = {"customers": 100, "margin": 10, "retention": 0.5, "retention_gain": 0.1,
         "new_customers": 0, "acquisition_gain": 0, "service_saving": 0, "investment": 50,
         "running_cost": 0, "ramp_years": 1}
    case = pf.business_case(x, horizon_years=2, discount_rate=0.10)
    # without: 50, 25 customers; with: 60, 36 -> extra margin 100, 110
    assert case.cashflows["net_cashflow"].tolist() == pytest.approx([-50, 100, 110])
    assert case.npv == pytest.approx(-50 + 100 / 1.1 + 110 / 1.21)
    assert case.payback_years == pytest.approx(0.5)
    npf = _npf()
    base = pf.business_case()
    net = base.cashflows["net_cashflow"]
    assert base.npv == pytest.approx(npf.npv(0.10, net))
    assert base.irr == pytest.approx(npf.irr(net), abs=1e-9)
    parts = base.cashflows[["retention_value", "acquisition_value", "service_value"]].sum(axis=1)
    np.testing.assert_allclose(net.iloc[1:], (parts - base.cashflows["running_cost"]).iloc[1:])


DISTS = {"retention_gain": ("triangular", 0.0, 0.04, 0.06), "margin": ("normal", 150, 25),
         "investment": ("uniform", 90e3, 150e3)}


def test_monte_carlo_is_reproducible_and_stable():
    a = pf.monte_carlo(DISTS, n_simulations=5000, seed=11)
    b = pf.monte_carlo(DISTS, n_simulations=5000, seed=11)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert a.probability_of_loss == (a.samples["npv"] < 0).mean()
    big = pf.monte_carlo(DISTS, n_simulations=100_000, seed=1).summary()
    bigger = pf.monte_carlo(DISTS, n_simulations=200_000, seed=1).summary()
    pd.testing.assert_series_equal(big.drop("n_simulations"), bigger.drop("n_simulations"))
    # each draw's NPV is the business case's NPV of those inputs
    row = a.samples.iloc[7]
    one = pf.business_case({k: row[k] for k in DISTS})
    assert row["npv"] == pytest.approx(one.npv)
    assert row["payback_years"] == pytest.approx(one.payback_years)
    r = pf.monte_carlo(DISTS, n_simulations=2000, seed=1, sampling="random")
    assert 0 < r.probability_of_loss < 1


def test_tornado_and_ranges():
    ranges = pf.ranges_from({**DISTS, "acquisition_gain": ("uniform", 0.0, 0.1)})
    assert ranges["investment"] == pytest.approx((96e3, 144e3))
    t = pf.tornado(ranges)
    assert t["swing"].is_monotonic_decreasing
    assert t.attrs["base_npv"] == pytest.approx(pf.business_case().npv)
    low = pf.business_case({"margin": ranges["margin"][0]}).npv
    assert t.loc["margin", "npv_low"] == pytest.approx(low)


def test_checklist_and_industries():
    f = pf.CRM_PROJECT_FACTORS
    assert {"top_management", "business_goals", "data_quality", "user_adoption",
            "phased_rollout", "process_redesign", "technology_first", "poor_data",
            "no_change_management"} <= set(f.index)
    assert set(f["kind"]) == {"success", "failure"}
    c = pf.project_checklist({"top_management": False, "technology_first": True})
    assert c.loc["top_management", "status"] == "missing"
    assert c.loc["technology_first", "status"] == "risk present"
    ind = pf.INDUSTRY_APPLICATIONS
    assert list(ind.index) == ["finance", "telecoms", "retail"]
    assert "Telco" in ind.loc["telecoms", "book_data"]


# ============================================================================ dashboard


def test_dashboard_is_standalone(tmp_path, report):
    import matplotlib

    matplotlib.use("Agg")
    from crm_lab import plots

    sc = pf.balanced_scorecard(report)
    mc = pf.monte_carlo(DISTS, n_simulations=2000, seed=1)
    fig = plots.dashboard_figure(report, sc, mc=mc, tornado=pf.tornado(pf.ranges_from(DISTS)),
                                 case=pf.business_case())
    out = pf.export_dashboard(tmp_path / "dash.html", figures={"KPIs": fig},
                              tables={"Scorecard": sc, "Checklist": pf.project_checklist()},
                              notes=report.notes)
    text = out.read_text(encoding="utf-8")
    assert "data:image/svg+xml;base64," in text
    assert not re.search(r"https?://", text)
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "@import" not in text and "url(" not in text
    assert 'class="missed"' in text or 'class="met"' in text
    png = pf.export_dashboard(tmp_path / "p.html", figures={"KPIs": fig}, fmt="png")
    assert "data:image/png;base64," in png.read_text(encoding="utf-8")


# ============================================================================ bad input


def test_bad_report_input(company, wh):
    with pytest.raises(ParameterError, match="period"):
        pf.kpi_report(wh, period="week")
    with pytest.raises(ParameterError, match="by"):
        pf.kpi_report(wh, by="segment")
    with pytest.raises(ParameterError, match="acquisition_cost"):
        pf.kpi_report(wh, by="region", acquisition_cost=100.0)
    with pytest.raises(ParameterError, match="acquisition_cost"):
        pf.kpi_report(wh, acquisition_cost=-1.0)
    with pytest.raises(ParameterError, match="acquisition_cost"):
        pf.kpi_report(wh, acquisition_cost=pd.Series({"2023-Q1": 5.0}))
    with pytest.raises(DataError, match="recommend"):
        pf.kpi_report(wh, survey=company.survey.drop(columns="recommend"))
    bad = company.survey.copy()
    bad.loc[0, "recommend"] = 11
    with pytest.raises(DataError, match="recommend"):
        pf.kpi_report(wh, survey=bad)
    with pytest.raises(DataError, match="resolution_days"):
        pf.kpi_report(wh, complaints=company.complaints.drop(columns="resolution_days"))
    neg = company.complaints.copy()
    neg.loc[0, "resolution_days"] = -1.0
    with pytest.raises(DataError, match="resolution_days"):
        pf.kpi_report(wh, complaints=neg)
    with pytest.raises(DataError, match="empty"):
        pf.kpi_report(wh, complaints=company.complaints.iloc[:0])


def test_out_of_window_rows_are_counted(company, wh):
    sv = company.survey.copy()
    sv.loc[:9, "survey_date"] = pd.Timestamp("2030-01-01")
    with pytest.warns(UserWarning, match="10 row"):
        pf.kpi_report(wh, survey=sv)


def test_bad_business_case_input(tmp_path):
    with pytest.raises(ParameterError, match="retention"):
        pf.business_case({"retention": -0.1})
    with pytest.raises(ParameterError, match="unknown"):
        pf.business_case({"retention_rate": 0.5})
    with pytest.raises(ParameterError, match="horizon_years"):
        pf.business_case(horizon_years=0)
    with pytest.raises(ParameterError, match="discount_rate"):
        pf.business_case(discount_rate=-0.1)
    with pytest.raises(DataError, match="cashflows"):
        pf.npv(0.1, [np.nan, 1.0])
    with pytest.raises(DataError, match="cashflows"):
        pf.irr([1.0])
    with pytest.warns(RuntimeWarning, match="no IRR"):
        assert np.isnan(pf.irr([100, 10, 10]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pf.irr([-100, 60, 60])
    with pytest.raises(ParameterError, match="margin"):
        pf.monte_carlo({"margin": ("normal", 60)})
    with pytest.raises(ParameterError, match="unknown"):
        pf.monte_carlo({"price": ("normal", 60, 1)})
    with pytest.raises(ParameterError, match="kinds"):
        pf.monte_carlo({"margin": ("poisson", 60)})
    with pytest.raises(ParameterError, match="n_simulations"):
        pf.monte_carlo(DISTS, n_simulations=10)
    with pytest.raises(ParameterError, match="ranges"):
        pf.tornado({"margin": (70, 50)})
    with pytest.raises(ParameterError, match="answers"):
        pf.project_checklist({"luck": True})
    with pytest.raises(ParameterError, match="html"):
        pf.export_dashboard(tmp_path / "x.pdf", tables={"a": pd.DataFrame({"v": [1]})})
    with pytest.raises(ParameterError, match="figure or table"):
        pf.export_dashboard(tmp_path / "x.html")


# ============================================================================ helpers


def test_case_inputs_agree_with_plain_pandas(company, wh):
    tx = company.transactions
    end = tx["date"].max()
    last = tx[tx["date"] > end - pd.Timedelta(days=365)]
    before = tx[(tx["date"] > end - pd.Timedelta(days=730))
                & (tx["date"] <= end - pd.Timedelta(days=365))]
    b1, b0 = set(last["customer_id"]), set(before["customer_id"])
    first = tx.groupby("customer_id")["date"].min()
    x = pf.case_inputs(wh, margin_rate=0.3, investment_per_customer=30.0)
    assert x["customers"] == len(b1)
    assert x["retention"] == pytest.approx(len(b0 & b1) / len(b0))
    assert x["new_customers"] == (first > end - pd.Timedelta(days=365)).sum()
    assert x["margin"] == pytest.approx(0.3 * last["amount"].sum() / len(b1))
    assert x["investment"] == pytest.approx(30.0 * len(b1))
    with pytest.raises(ParameterError, match="margin_rate"):
        pf.case_inputs(wh, margin_rate=1.5)


def test_for_display_and_period_labels(report):
    shown = pf.for_display(report.table, ["retention_rate", "revenue", "nps"])
    assert list(shown.columns) == ["retention_rate_pct", "revenue", "nps"]
    assert shown["retention_rate_pct"].dropna().map(lambda v: round(v, 1) == v).all()
    assert str(shown["revenue"].dtype) == "Int64"
    with pytest.raises(ParameterError, match="kpis"):
        pf.for_display(report.table, ["no_such_kpi"])
    dates = pd.Series(pd.to_datetime(["2024-01-31", "2024-04-01", "2025-12-31"]))
    assert pf.period_labels(dates, "month").tolist() == ["2024-01", "2024-04", "2025-12"]
    assert pf.period_labels(dates, "quarter").tolist() == ["2024-Q1", "2024-Q2", "2025-Q4"]
    assert pf.period_labels(dates, "year").tolist() == ["2024", "2024", "2025"]
    with pytest.raises(ParameterError, match="period"):
        pf.period_labels(dates, "week")
