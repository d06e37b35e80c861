"""Tests of crm_lab.clv: customer summary, simple CLV, BG/NBD, Pareto/NBD, Gamma-Gamma.

Known answers come from the CDNOW sample (2,357 customers, first purchase in Q1 1997,
calibration 1997-01-01 to 1997-09-30 = 39 weeks, holdout to 1998-06-30 = 39 weeks).
Fader & Hardie build their summary from the day of each purchase (purchases on the
same day count once) and measure t_x and T in weeks as days / 7; that is
``customer_summary(freq="D", freq_multiplier=7)``. A weekly-period summary
(``freq="W"``) is a different (coarser) data set and gives slightly different
estimates, so the known-answer tests use the day-resolution summary.
"""

from __future__ import annotations

import warnings

import _helpers
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_lab.clv import (
    BetaGeo,
    GammaGamma,
    ParetoNBD,
    calibration_vs_holdout,
    cohort_retention,
    customer_lifetime_value,
    customer_summary,
    frequency_recency_matrix,
    historical_value,
    probability_alive_matrix,
    recover_process,
    simple_clv,
)
from crm_lab.simulate import simulate_company
from crm_lab.summary import ExclusionWarning
from crm_lab.validate import DataError, ParameterError

CAL_END, OBS_END = "1997-09-30", "1998-06-30"


# ----------------------------------------------------------------------------- helpers


def random_log(seed: int, n: int = 500, n_customers: int = 80, days: int = 300) -> pd.DataFrame:
    return _helpers.random_log(seed, n=n, n_customers=n_customers, days=days,
                               start="2023-10-02", spend_scale=15.0)


def naive_summary(tx: pd.DataFrame, freq: str, end, mult: float = 1.0) -> pd.DataFrame:
    """lifetimes' definitions, written out per customer with pandas Period scalars."""
    end = pd.Timestamp(end)
    end_ord = pd.Period(end, freq=freq).ordinal
    rows = {}
    for cid, g in tx[tx["date"] < end.normalize() + pd.Timedelta(days=1)].groupby("customer_id"):
        spend: dict[int, float] = {}
        for d, a in zip(g["date"], g["amount"], strict=True):
            p = pd.Period(d, freq=freq).ordinal
            spend[p] = spend.get(p, 0.0) + a
        ps = sorted(spend)
        repeat = [spend[p] for p in ps[1:]]
        rows[cid] = {"frequency": len(ps) - 1, "recency": (ps[-1] - ps[0]) / mult,
                     "T": (end_ord - ps[0]) / mult,
                     "monetary_value": float(np.mean(repeat)) if repeat else 0.0}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out


def simulate_bgnbd(r, alpha, a, b, n=5000, T=52.0, seed=0):
    """Exact BG/NBD draw.

    m = purchases in (0, T] if the customer never left (Poisson), k = the repeat purchase after
    which she leaves (geometric in p), x = min(m, k); the x-th of m uniform purchase times is
    T * Beta(x, m - x + 1).
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    m = rng.poisson(lam * T)
    k = rng.geometric(rng.beta(a, b, n))
    x = np.minimum(m, k)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), m - x + 1), 0.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": np.full(n, T)})


def simulate_pareto_nbd(r, alpha, s, beta, n=5000, T=52.0, seed=0):
    """Exact Pareto/NBD draw: Poisson purchases until an exponential lifetime ends (or T)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    end = np.minimum(rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, n)), T)
    x = rng.poisson(lam * end)
    t_x = np.where(x > 0, end * rng.beta(np.maximum(x, 1), 1), 0.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": np.full(n, T)})


def simulate_gamma_gamma(p, q, v, n=5000, seed=0):
    """Spend per purchase ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v); x purchases each."""
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / v, n)
    x = 1 + rng.poisson(2.0, n)
    mean_spend = rng.gamma(p * x, 1.0 / (nu * x))  # mean of x Gamma(p, nu) draws
    return pd.DataFrame({"frequency": x, "monetary_value": mean_spend})


@pytest.fixture(scope="module")
def cdnow():
    datasets = pytest.importorskip("crm_lab.datasets")
    if not hasattr(datasets, "load_cdnow_sample"):
        pytest.skip("crm_lab.datasets.load_cdnow_sample not available yet")
    return datasets.load_cdnow_sample()


@pytest.fixture(scope="module")
def cdnow_summary(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is excluded from CDNOW
        return customer_summary(cdnow, freq="D", freq_multiplier=7, calibration_end=CAL_END,
                                observation_end=OBS_END)


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_summary):
    return BetaGeo().fit(cdnow_summary)


# ----------------------------------------------------------------------------- customer_summary


@pytest.mark.parametrize("freq", ["D", "W", "M"])
@pytest.mark.parametrize("seed", [0, 1])
def test_summary_equals_naive_definition(seed, freq):
    tx = random_log(seed)
    end = tx["date"].max()
    ours = customer_summary(tx, freq=freq)
    pd.testing.assert_frame_equal(ours, naive_summary(tx, freq, end), check_dtype=False,
                                  check_exact=False, atol=1e-9, rtol=0)
    assert ours["frequency"].dtype == np.int64


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 120), st.integers(0, 9_999)),
                    min_size=1, max_size=40),
    freq=st.sampled_from(["D", "W", "M"]),
    mult=st.sampled_from([1.0, 7.0]),
    end_day=st.integers(0, 130),
)
def test_summary_property(events, freq, mult, end_day):
    cust, day, cents = map(np.array, zip(*events, strict=True))
    tx = pd.DataFrame({"customer_id": cust,
                       "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
                       "amount": cents / 100})
    end = pd.Timestamp("2024-01-01") + pd.Timedelta(days=end_day)
    if end < tx["date"].min():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        ours = customer_summary(tx, freq=freq, observation_end=end, freq_multiplier=mult)
    pd.testing.assert_frame_equal(ours, naive_summary(tx, freq, end, mult), check_dtype=False,
                                  check_exact=False, atol=1e-9, rtol=0)


def test_summary_reproduces_fader_hardie_cdnow_summary(cdnow_summary):
    # Fader & Hardie's CDNOW summary (x, t_x, T, zbar; t_x and T in weeks to 2 decimals), as
    # shipped with lifetimes 0.11.3 (datasets/cdnow_customers_summary_with_transactions.csv).
    fader = pd.DataFrame(
        {"x": [2, 1, 0, 1, 1, 4, 26, 0],
         "t_x": [30.43, 1.71, 0.0, 4.86, 23.86, 24.43, 30.86, 0.0],
         "T": [38.86, 38.86, 38.86, 38.86, 38.29, 33.57, 31.00, 27.00],
         "zbar": [22.35, 11.77, 0.0, 9.99, 26.22, 16.26, 39.97, 0.0]},
        index=[1, 2, 3, 18, 100, 1000, 1516, 2357])
    s = cdnow_summary.loc[fader.index]
    np.testing.assert_array_equal(s["frequency"], fader["x"])
    np.testing.assert_allclose(s["recency"], fader["t_x"], atol=0.005)
    np.testing.assert_allclose(s["T"], fader["T"], atol=0.005)
    np.testing.assert_allclose(s["monetary_value"], fader["zbar"], atol=0.005)
    # whole-file totals of the same csv (rounded values, hence the tolerances)
    assert len(cdnow_summary) == 2357
    assert cdnow_summary["frequency"].sum() == 2457
    assert (cdnow_summary["frequency"] > 0).sum() == 946
    assert cdnow_summary["recency"].sum() == pytest.approx(16135.52, abs=2357 * 0.005)
    assert cdnow_summary["T"].sum() == pytest.approx(77111.21, abs=2357 * 0.005)
    assert cdnow_summary["monetary_value"].sum() == pytest.approx(33184.31, abs=946 * 0.005)
    assert (cdnow_summary["duration_holdout"] == 39.0).all()
    assert cdnow_summary.attrs["freq_multiplier"] == 7


def test_calibration_holdout_split_counts():
    tx = random_log(4)
    cal_end, obs_end = "2024-03-31", "2024-06-30"
    with pytest.warns(ExclusionWarning) as record:
        s = customer_summary(tx, freq="W", calibration_end=cal_end, observation_end=obs_end)
    in_cal = tx["date"] < pd.Timestamp(cal_end) + pd.Timedelta(days=1)
    in_obs = tx["date"] < pd.Timestamp(obs_end) + pd.Timedelta(days=1)
    cal_customers = set(tx.loc[in_cal, "customer_id"])
    later = set(tx.loc[in_obs & ~in_cal, "customer_id"]) - cal_customers
    assert set(s.index) == cal_customers
    messages = " ".join(str(w.message) for w in record)
    assert f"{int((~in_obs).sum()):,} transaction(s) dated after observation_end" in messages
    assert f"{len(later):,} customer(s) whose first purchase is after calibration_end" in messages
    # calibration columns = the summary of the calibration rows alone
    ref = naive_summary(tx[in_cal], "W", cal_end)
    pd.testing.assert_frame_equal(s[ref.columns], ref, check_dtype=False, atol=1e-9, rtol=0,
                                  check_exact=False)
    # holdout: distinct purchase weeks and mean spend per week, for calibration customers
    hold = tx[in_obs & ~in_cal & tx["customer_id"].isin(cal_customers)].copy()
    hold["week"] = hold["date"].dt.to_period("W")
    weekly = hold.groupby(["customer_id", "week"])["amount"].sum().groupby("customer_id")
    freq_h = weekly.size().reindex(s.index, fill_value=0)
    mean_h = weekly.mean().reindex(s.index, fill_value=0.0)
    np.testing.assert_array_equal(s["frequency_holdout"], freq_h)
    np.testing.assert_allclose(s["monetary_value_holdout"], mean_h, atol=1e-9)
    weeks = (pd.Period(obs_end, "W") - pd.Period(cal_end, "W")).n
    assert (s["duration_holdout"] == weeks).all()


def test_monetary_options():
    tx = pd.DataFrame({"customer_id": [1, 1, 1], "date": pd.to_datetime(
        ["2024-01-01", "2024-01-01", "2024-01-05"]), "amount": [10.0, 20.0, 6.0]})
    assert customer_summary(tx, "D")["monetary_value"].iloc[0] == 6.0
    assert customer_summary(tx, "D", monetary="mean_all")["monetary_value"].iloc[0] == 18.0
    no_amount = customer_summary(tx.drop(columns="amount"), "D", monetary=None)
    assert list(no_amount.columns) == ["frequency", "recency", "T"]


@pytest.mark.parametrize(
    ("kwargs", "mutate", "match"),
    [
        ({}, lambda d: d.drop(columns="amount"), "amount"),
        ({}, lambda d: d.assign(amount=np.where(d.index == 0, np.nan, d["amount"])), "amount"),
        ({}, lambda d: d.assign(amount=np.where(d.index == 0, -1.0, d["amount"])), "amount"),
        ({}, lambda d: d.iloc[:0], "empty"),
        ({"customer_id": "cust"}, lambda d: d, "cust"),
        ({"calibration_end": "2020-01-01"}, lambda d: d, "calibration_end"),
        ({"calibration_end": "2025-12-31", "observation_end": "2024-06-30"}, lambda d: d,
         "calibration_end"),
        ({"observation_end": "1999-01-01"}, lambda d: d, "observation_end"),
        ({"monetary": "median"}, lambda d: d, "monetary"),
        ({"freq_multiplier": 0}, lambda d: d, "freq_multiplier"),
        ({"freq": "fortnight"}, lambda d: d, "freq"),
    ],
    ids=["missing amount", "NaN amount", "negative amount", "empty", "missing id column",
         "calibration before first purchase", "calibration after observation end",
         "observation end before data", "bad monetary", "zero multiplier", "bad freq"],
)
def test_customer_summary_bad_input(kwargs, mutate, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        with pytest.raises(ValueError, match=match):
            customer_summary(mutate(random_log(0)), **kwargs)


# ----------------------------------------------------------------------------- simple CLV


def test_simple_clv_values_and_broadcasting():
    assert simple_clv(100, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    assert simple_clv(50, 0.0, 0.1) == 0.0
    np.testing.assert_allclose(simple_clv([100, 200], [0.5, 0.9], 0.0), [100.0, 1800.0])
    margins = pd.Series([10.0, 20.0], index=["a", "b"])
    out = simple_clv(margins, 0.5, 0.0)
    assert list(out.index) == ["a", "b"] and out["b"] == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("args", "name"),
    [((100, 1.0, 0.1), "retention"), ((100, -0.1, 0.1), "retention"),
     ((100, [0.5, 1.2], 0.1), "retention"), ((100, 0.8, -0.01), "discount_rate"),
     ((np.nan, 0.8, 0.1), "margin")],
)
def test_simple_clv_bad_parameters(args, name):
    with pytest.raises(ParameterError, match=name):
        simple_clv(*args)


def test_cohort_retention():
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3, 3, 4],
                       "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02",
                                               "2024-01-09", "2024-02-01", "2024-02-28",
                                               "2024-03-15"])})
    share = cohort_retention(tx, "M")
    assert list(share.index.astype(str)) == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_allclose(share.loc[:, 0], 1.0)
    np.testing.assert_allclose(share.iloc[0].to_numpy(), [1.0, 0.0, 0.5])
    assert share.iloc[1, 1] == 0.0 and np.isnan(share.iloc[1, 2])  # not observed yet
    assert share.iloc[2, 1:].isna().all()
    counts = cohort_retention(tx, "M", counts=True)
    assert counts.iloc[0, 0] == 2 and list(share.attrs["cohort_size"]) == [2, 1, 1]
    with pytest.raises(ValueError, match="date"):
        cohort_retention(tx.drop(columns="date"))


def test_historical_value_compounds_past_margins():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
                       "date": pd.to_datetime(["2022-01-01", "2023-01-01", "2022-07-02"]),
                       "amount": [100.0, 50.0, 10.0]})
    hv = historical_value(tx, margin_rate=0.4, discount_rate=0.05, as_of="2023-01-01")
    years_a = 365 / 365.25
    assert hv.loc["a", "historical_value"] == pytest.approx(40 * 1.05**years_a + 20)
    assert hv.loc["a", "total_margin"] == pytest.approx(60.0)
    assert historical_value(tx)["historical_value"].sum() == pytest.approx(160.0)
    with pytest.raises(ParameterError, match="discount_rate"):
        historical_value(tx, discount_rate=-0.1)


# ----------------------------------------------------------------------------- known answers


def test_bgnbd_known_answer_cdnow(cdnow_bgnbd):
    # Fader, Hardie & Lee (2005a), Marketing Science 24(2), section 5 (CDNOW, 39 weeks):
    # r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4. Published to 3 decimals,
    # so our estimate must round to them: |ours - published| <= 0.0005.
    p = cdnow_bgnbd.params_
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert abs(p[name] - value) <= 0.0005, (name, p[name])
    assert cdnow_bgnbd.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    # More digits from CLVTools' correctness test (tests/testthat/test_correctness_bgnbd.R):
    # r = 0.2425945, alpha = 4.4136019, a = 0.7929199, b = 2.4258881, LL = -9582.429.
    np.testing.assert_allclose(p.to_numpy(), [0.2425945, 4.4136019, 0.7929199, 2.4258881],
                               rtol=1e-4)
    assert cdnow_bgnbd.log_likelihood_ == pytest.approx(-9582.429, abs=1e-3)
    # Standard errors as reported by lifetimes 0.11.3 BetaGeoFitter.summary on the same data.
    np.testing.assert_allclose(cdnow_bgnbd.std_errors_.to_numpy(),
                               [0.012557, 0.378224, 0.185734, 0.705414], rtol=2e-3)
    assert cdnow_bgnbd.converged_ and cdnow_bgnbd.n_customers_ == 2357


def test_bgnbd_conditional_expectation_cdnow(cdnow_bgnbd):
    # FHL (2005a), section 5: a customer with x = 2, t_x = 30.43, T = 38.86 is expected to make
    # 1.226 purchases in the next 39 weeks.
    e = cdnow_bgnbd.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert e == pytest.approx(1.226, abs=0.0005)


def test_weekly_period_summary_gives_different_numbers(cdnow):
    # Documented caveat: a freq="W" summary counts purchase *weeks*; the published estimates
    # need the day-resolution summary. The two fits differ but stay close.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        weekly = customer_summary(cdnow, freq="W", observation_end=CAL_END)
    p = BetaGeo().fit(weekly).params_
    assert abs(p["r"] - 0.243) > 0.0005 or abs(p["alpha"] - 4.414) > 0.0005
    assert p["r"] == pytest.approx(0.243, rel=0.25)


def test_gamma_gamma_known_answer_cdnow(cdnow_summary):
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", brucehardie.com/notes/025:
    # the 946 customers with repeat purchases in the 39-week calibration period, zbar = mean
    # spend per repeat purchase day: p = 6.25, q = 3.74, gamma = 15.44 (2 decimals). CLVTools'
    # test_correctness_gg.R reports the same estimates with LL = -4055.9177.
    gg = GammaGamma().fit(cdnow_summary)
    assert gg.n_customers_ == 946
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert abs(gg.params_[name] - value) <= 0.005, (name, gg.params_[name])
    assert gg.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)


def test_pareto_nbd_known_answer_cdnow(cdnow_summary):
    # FHL (2005a), section 5, the Pareto/NBD on the same data: r = 0.553, alpha = 10.578,
    # s = 0.606, beta = 11.669, LL = -9595.0. Standard errors from CLVTools'
    # test_correctness_pnbd_nocovstaticcov.R: 0.0476264, 0.8427222, 0.1872594, 6.2105448.
    m = ParetoNBD().fit(cdnow_summary)
    for name, value in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert abs(m.params_[name] - value) <= 0.0005, (name, m.params_[name])
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)
    np.testing.assert_allclose(m.std_errors_.to_numpy(),
                               [0.0476264, 0.8427222, 0.1872594, 6.2105448], rtol=2e-3)


def test_calibration_vs_holdout_cdnow(cdnow_bgnbd, cdnow_summary):
    table = calibration_vs_holdout(cdnow_bgnbd, cdnow_summary)
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["n_customers"].sum() == 2357 and table.loc["0", "n_customers"] == 1411
    # the BG/NBD tracks the holdout (FHL 2005a, Figure 4): within 0.4 purchases per group
    assert (table["actual"] - table["predicted"]).abs().max() < 0.4
    assert table["predicted"].is_monotonic_increasing


def test_clv_cdnow(cdnow_bgnbd, cdnow_summary):
    gg = GammaGamma().fit(cdnow_summary)
    clv = customer_lifetime_value(cdnow_bgnbd, cdnow_summary, time_months=12, discount_rate=0.01,
                                  freq="W", spend_model=gg)
    assert clv.name == "clv" and clv.index.equals(cdnow_summary.index)
    assert (clv > 0).all()
    # undiscounted, the months telescope to E[X(12 months)] * expected spend
    flat = customer_lifetime_value(cdnow_bgnbd, cdnow_summary, 12, 0.0, "W", spend_model=gg)
    x, t_x, T = (cdnow_summary[c] for c in ("frequency", "recency", "T"))
    weeks = 12 * 365.25 / 12 / 7
    expected = (cdnow_bgnbd.conditional_expected_number_of_purchases_up_to_time(weeks, x, t_x, T)
                * gg.conditional_expected_average_profit(x, cdnow_summary["monetary_value"]))
    np.testing.assert_allclose(flat, expected, rtol=1e-10)
    assert (clv < flat).all()
    assert gg.customer_lifetime_value(cdnow_bgnbd, cdnow_summary).equals(clv)


# ----------------------------------------------------------------------------- recovery


def _within(model, truth, n_se=3.0):
    """Each estimate within n_se standard errors (from the model's own Hessian) of the truth."""
    est, se = model.params_, model.std_errors_
    for name, value in truth.items():
        assert abs(est[name] - value) <= n_se * se[name], (name, est[name], se[name])


def test_bgnbd_recovers_simulated_parameters():
    # n = 5,000 customers observed 52 weeks. The tolerance is 3 standard errors from the fitted
    # model's Hessian (a 99.7 % Wald band); the SEs themselves are checked to be informative
    # (r, alpha within 10 %, a, b within 35 % relative SE), and r, alpha to 15 % outright.
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    model = BetaGeo().fit(simulate_bgnbd(**truth, seed=1))
    _within(model, truth)
    rel_se = model.std_errors_ / model.params_
    assert rel_se[["r", "alpha"]].max() < 0.10 and rel_se[["a", "b"]].max() < 0.35
    for name in ("r", "alpha"):
        assert model.params_[name] == pytest.approx(truth[name], rel=0.15)
    # the 99.7 % confidence intervals (log-scale Wald) cover the truth too. (Over 40 seeds the
    # 95 % intervals covered 92-95 % of the time: the SEs are honest.)
    ci = model.conf_int(alpha=0.003)
    assert ((ci["ci_lower"] <= pd.Series(truth)) & (pd.Series(truth) <= ci["ci_upper"])).all()


def test_pareto_nbd_recovers_simulated_parameters():
    truth = {"r": 0.5, "alpha": 5.0, "s": 0.6, "beta": 10.0}
    model = ParetoNBD().fit(simulate_pareto_nbd(**truth, seed=2))
    _within(model, truth)
    for name in ("r", "alpha"):
        assert model.params_[name] == pytest.approx(truth[name], rel=0.15)


def test_gamma_gamma_recovers_simulated_parameters():
    # 5,000 customers with 1 + Poisson(2) purchases each; tolerance 3 SE, and the population
    # mean spend p v / (q - 1) (what CLV uses) within 3 %.
    truth = {"p": 6.0, "q": 4.0, "v": 15.0}
    model = GammaGamma().fit(simulate_gamma_gamma(**truth, seed=3))
    _within(model, truth)
    p, q, v = model.params_
    assert p * v / (q - 1) == pytest.approx(6.0 * 15.0 / 3.0, rel=0.03)


def test_fit_ignores_customer_order_and_accepts_arrays():
    data = simulate_bgnbd(0.3, 5.0, 1.0, 3.0, n=1500, seed=4)
    a = BetaGeo().fit(data)
    b = BetaGeo().fit(frequency=data["frequency"].to_numpy()[::-1],
                      recency=data["recency"].to_numpy()[::-1], T=data["T"].to_numpy()[::-1])
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-6)


# ----------------------------------------------------------------------------- model behaviour


def test_bgnbd_predictions_are_consistent():
    model = BetaGeo().fit(simulate_bgnbd(0.25, 4.0, 0.8, 2.5, n=3000, seed=5))
    # P(X(t) = n) sums to 1 and its mean is E[X(t)]
    n = np.arange(0, 400)
    pmf = model.probability_of_purchases_up_to_time(20.0, n)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-8)
    assert (pmf * n).sum() == pytest.approx(model.expected_number_of_purchases_up_to_time(20.0),
                                            rel=1e-6)
    # a brand-new customer (x = 0, T = 0) is expected to do exactly the unconditional E[X(t)]
    assert model.conditional_expected_number_of_purchases_up_to_time(10.0, 0, 0.0, 0.0) == (
        pytest.approx(model.expected_number_of_purchases_up_to_time(10.0), rel=1e-10))
    # no repeat purchase yet: certainly alive (BG/NBD); recent buyers more alive than lapsed
    assert model.conditional_probability_alive(0, 0.0, 30.0) == 1.0
    assert model.conditional_probability_alive(5, 29.0, 30.0) > model.conditional_probability_alive(
        5, 5.0, 30.0)
    # Series in, Series out, with the index kept
    s = pd.DataFrame({"frequency": [0, 3], "recency": [0.0, 20.0], "T": [30.0, 30.0]},
                     index=["a", "b"])
    pred = model.predict(s, t=10)
    assert list(pred.index) == ["a", "b"] and pred.name == "expected_purchases"
    alive = model.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    assert isinstance(alive, pd.Series) and list(alive.index) == ["a", "b"]


def test_matrices():
    model = BetaGeo().fit(simulate_bgnbd(0.25, 4.0, 0.8, 2.5, n=3000, seed=6))
    fr = frequency_recency_matrix(model, T=30, t=10, max_frequency=8)
    assert fr.shape == (9, 31) and fr.index.name == "frequency" and fr.columns.name == "recency"
    assert fr.loc[0, 0] > 0 and fr.loc[0, 1:].isna().all()
    pa = probability_alive_matrix(model, T=30, max_frequency=8)
    assert (pa.loc[0, 0] == 1.0) and pa.loc[1:].notna().all().all()
    assert (pa.loc[3].diff().dropna() > 0).all()  # more recent last purchase, more alive
    assert ((pa.loc[1:] > 0) & (pa.loc[1:] <= 1)).all().all()


def test_summary_table_and_penalizer():
    data = simulate_bgnbd(0.25, 4.0, 0.8, 2.5, n=2000, seed=7)
    model = BetaGeo().fit(data)
    table = model.summary()
    assert list(table.columns) == ["estimate", "std_err", "ci_lower", "ci_upper"]
    assert (table["ci_lower"] < table["estimate"]).all()
    assert (table["estimate"] < table["ci_upper"]).all()
    assert table.attrs["n_customers"] == 2000
    assert "BetaGeo(r=" in repr(model) and repr(BetaGeo()) == "BetaGeo(penalizer=0.0)"
    shrunk = BetaGeo(penalizer=0.1).fit(data)
    assert (shrunk.params_ ** 2).sum() < (model.params_ ** 2).sum()
    assert shrunk.log_likelihood_ < model.log_likelihood_


def test_model_bad_input():
    good = pd.DataFrame({"frequency": [0, 2, 1], "recency": [0.0, 5.0, 3.0], "T": [10.0, 10, 10]})
    with pytest.raises(DataError, match="recency"):
        BetaGeo().fit(good.drop(columns="recency"))
    with pytest.raises(DataError, match="T"):
        BetaGeo().fit(good.assign(T=[np.nan, 10.0, 10.0]))
    with pytest.raises(DataError, match="recency > T"):
        BetaGeo().fit(good.assign(recency=[0.0, 12.0, 3.0]))
    with pytest.raises(DataError, match="frequency"):
        BetaGeo().fit(good.assign(frequency=[0, 1.5, 1]))
    with pytest.raises(DataError, match="frequency 0"):
        BetaGeo().fit(good.assign(recency=[1.0, 5.0, 3.0]))
    with pytest.raises(ParameterError, match="penalizer"):
        BetaGeo(penalizer=-1).fit(good)
    with pytest.raises(ParameterError, match="unexpected"):
        BetaGeo().fit(frequency=[1], recency=[1.0], T=[2.0], monetary=[3.0])
    with pytest.raises(ValueError, match="not fitted"):
        BetaGeo().conditional_probability_alive(1, 1.0, 2.0)
    with pytest.raises(DataError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 5.0]}))
    with pytest.raises(DataError, match="monetary_value"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1, 2]}))


def test_clv_bad_parameters():
    data = simulate_bgnbd(0.25, 4.0, 0.8, 2.5, n=500, seed=8).assign(monetary_value=10.0)
    model = BetaGeo().fit(data)
    with pytest.raises(ParameterError, match="discount_rate"):
        customer_lifetime_value(model, data, discount_rate=-0.01)
    with pytest.raises(ParameterError, match="freq"):
        customer_lifetime_value(model, data, freq="fortnight")
    with pytest.raises(DataError, match="monetary_value"):
        customer_lifetime_value(model, data.drop(columns="monetary_value"))
    with pytest.raises(DataError, match="frequency_holdout"):
        calibration_vs_holdout(model, data)


@pytest.mark.parametrize("seed", [0, 3])
def test_bgnbd_recovers_the_simulated_company(seed):
    # The simulated company (5,000 customers, 104-week calibration) is not one BG/NBD
    # population: it mixes four segments and satisfaction moves rates, dropout and spend.
    # Measured over seeds 0-5: rate within 1.9 %, dropout within 0.016, alive share within
    # 0.063 (P(alive) is a little optimistic), AUC 0.92, spend 4-5 % high. Since issue 13 the
    # company also has seasonal and promotion-driven purchase intensity and complaints that
    # raise dropout from when they are handled badly (neither is in the BG/NBD): measured on
    # seeds 0 and 3, rate within 1.5 %, dropout within 0.018, alive share 0.088 optimistic,
    # AUC 0.91, spend 5-6 % high; the alive-share tolerance went from 0.08 to 0.11. Tolerances:
    c = simulate_company(5000, seed=seed)
    cal = c.transactions["date"].min() + pd.Timedelta(weeks=104) - pd.Timedelta(days=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        s = customer_summary(c.transactions, "D", cal, freq_multiplier=7)
    bg = BetaGeo().fit(s)
    gg = GammaGamma().fit(s[s["frequency"] > 0])
    r = recover_process(bg, s, c.truth.customers, cal, spend_model=gg)
    rel = r["difference"] / r["truth"]
    assert abs(rel["mean purchase rate"]) < 0.05
    assert abs(r.loc["mean dropout probability", "difference"]) < 0.025
    assert abs(r.loc["share alive at calibration end", "difference"]) < 0.11
    assert r.loc["P(alive) AUC", "estimate"] > 0.88
    assert abs(rel["mean spend per purchase"]) < 0.08


def test_recover_process_bad_input():
    c = simulate_company(600, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        s = customer_summary(c.transactions, "D", "2024-12-31", freq_multiplier=7)
    bg = BetaGeo().fit(s)
    with pytest.raises(ValueError, match="not fitted"):
        recover_process(BetaGeo(), s, c.truth.customers, "2024-12-31")
    # any fitted Pareto/NBD will do; on all 600 customers of the issue-13 company its fit
    # stalls for minutes (reported), on the first 150 it takes a fraction of a second
    with pytest.raises(ParameterError, match="model"):
        recover_process(ParetoNBD().fit(s.iloc[:150]), s, c.truth.customers, "2024-12-31")
    with pytest.raises(DataError, match="p_dropout"):
        recover_process(bg, s, c.truth.customers.drop(columns="p_dropout"), "2024-12-31")
    with pytest.raises(ParameterError, match="calibration_end"):
        recover_process(bg, s, c.truth.customers, "not a date")
    other = s.rename(index=lambda i: i + 10_000)
    with pytest.raises(DataError, match="not in truth_customers"):
        recover_process(bg, other, c.truth.customers, "2024-12-31")
