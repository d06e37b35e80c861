"""Tests of crm_lab.loyalty: NPS, behavioural and attitudinal loyalty, the Dick & Basu matrix,
the satisfaction-loyalty curve and retention economics."""

from __future__ import annotations

import warnings

import _helpers
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from statsmodels.stats.proportion import proportion_confint

from crm_lab import plots
from crm_lab.clv import simple_clv
from crm_lab.loyalty import (
    LOYALTY_CLASSES,
    ZONES,
    acquisition_vs_retention,
    attitudinal_loyalty,
    behavioural_loyalty,
    competitive_curve,
    loyalty_matrix,
    loyalty_zones,
    net_promoter_score,
    nps_by,
    repeat_rate,
    retention_equity,
    retention_gain_effect,
    satisfaction_loyalty_curve,
    share_of_category,
    share_of_wallet,
    survey_score,
)
from crm_lab.simulate import simulate_company
from crm_lab.summary import ExclusionWarning
from crm_lab.validate import DataError, ParameterError

matplotlib.use("Agg")

SAT_ITEMS = ["satisfaction_1", "satisfaction_2", "satisfaction_3"]


@pytest.fixture(scope="module")
def company():
    return simulate_company(n_customers=2000, seed=1)


def scores_from(rng, n, p_promoter, p_detractor):
    """Draw n answers: promoters answer 9/10, passives 7/8, detractors 0-6."""
    cls = rng.choice(3, size=n, p=[p_promoter, 1 - p_promoter - p_detractor, p_detractor])
    return np.choose(cls, [rng.integers(9, 11, n), rng.integers(7, 9, n), rng.integers(0, 7, n)])


# ============================================================================ NPS


def test_nps_hand_example():
    r = net_promoter_score([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], method="normal")
    assert (r.n, r.n_promoters, r.n_passives, r.n_detractors) == (11, 2, 2, 7)
    assert r.nps == pytest.approx(100 * (2 - 7) / 11)
    # Var = [p_P + p_D - (p_P - p_D)^2] / n = (9/11 - 25/121) / 11 = 74 / 1331
    assert r.se == pytest.approx(100 * np.sqrt(74 / 1331))
    z = stats.norm.ppf(0.975)
    assert r.ci_low == pytest.approx(r.nps - z * r.se)
    assert r.ci_high == pytest.approx(r.nps + z * r.se)
    assert r.share_promoters + r.share_passives + r.share_detractors == pytest.approx(1)


def test_nps_extremes_and_series_input():
    assert net_promoter_score(pd.Series([10, 9, 9], name="recommend")).nps == 100
    assert net_promoter_score([0, 6, 3]).nps == -100
    assert net_promoter_score([7, 8, 7, 8]).nps == 0
    r = net_promoter_score(np.array([9.0, 3.0]))
    assert r.nps == 0 and r.n == 2


def test_score_interval_without_passives_is_wilson():
    # With no passives NPS = 2 p_P - 1, and the score interval is the Wilson interval of p_P
    # carried over (the restricted MLE puts no mass on passives).
    for b, n in [(10, 10), (7, 10), (3, 25), (0, 8), (120, 200)]:
        r = net_promoter_score([10] * b + [2] * (n - b))
        lo, hi = proportion_confint(b, n, alpha=0.05, method="wilson")
        assert r.ci_low == pytest.approx(100 * (2 * lo - 1), abs=1e-6)
        assert r.ci_high == pytest.approx(100 * (2 * hi - 1), abs=1e-6)


def test_score_interval_endpoints_solve_the_score_equation():
    """At each limit the score statistic, with the restricted MLE found numerically, is -/+ z."""
    b, c, n = 23, 11, 60  # promoters, detractors, answers
    r = net_promoter_score([10] * b + [8] * (n - b - c) + [3] * c)
    z = stats.norm.ppf(0.975)

    def score(delta):
        def negll(q):  # q = detractor share, promoter share = q + delta
            passive = 1 - 2 * q - delta
            return -(b * np.log(q + delta) + c * np.log(q) + (n - b - c) * np.log(passive))
        lo, hi = max(0, -delta) + 1e-12, (1 - delta) / 2 - 1e-12
        q = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded",
                                     options={"xatol": 1e-12}).x
        p = q + delta
        return (b / n - c / n - delta) / np.sqrt((p + q - delta**2) / n)

    assert score(r.ci_low / 100) == pytest.approx(z, abs=1e-4)
    assert score(r.ci_high / 100) == pytest.approx(-z, abs=1e-4)
    assert r.ci_low < r.nps < r.ci_high


@pytest.mark.parametrize("method", ["wilson", "normal", "bootstrap"])
def test_nps_interval_coverage(method):
    rng = np.random.default_rng(2024)
    p_p, p_d, n = 0.45, 0.30, 120
    true = 100 * (p_p - p_d)
    hits = 0
    for _ in range(500):
        r = net_promoter_score(scores_from(rng, n, p_p, p_d), method=method, n_boot=400)
        hits += r.ci_low <= true <= r.ci_high
    assert 0.90 <= hits / 500 <= 0.99


def test_nps_bootstrap_is_reproducible_and_within_range():
    s = [10, 9, 9, 7, 3, 0, 10, 8, 9]
    a = net_promoter_score(s, method="bootstrap", seed=3)
    b = net_promoter_score(s, method="bootstrap", seed=3)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert -100 <= a.ci_low <= a.nps <= a.ci_high <= 100


def test_nps_by_hand_example_and_series_groups():
    sv = pd.DataFrame({"recommend": [10, 9, 3, 8, 2, 2, 9], "region": list("aaabbbb")},
                      index=[10, 11, 12, 13, 14, 15, 16])
    t = nps_by(sv, "region", method="normal")
    assert t.loc["a", "nps"] == pytest.approx(100 / 3)
    assert t.loc["b", "nps"] == pytest.approx(-25)
    assert t["n"].tolist() == [3, 4]
    assert t.loc["b", "ci_low"] == pytest.approx(net_promoter_score([8, 2, 2, 9],
                                                                    method="normal").ci_low)
    seg = pd.Series(list("xxyyyyy"), index=sv.index, name="segment")
    t2 = nps_by(sv, seg)
    assert t2.index.name == "segment" and t2["n"].tolist() == [2, 5]
    t3 = nps_by(sv.assign(tier=[1, 1, 2, 2, 2, 1, 1]), ["region", "tier"])
    assert t3["n"].sum() == 7 and t3.index.names == ["region", "tier"]


def test_nps_on_simulated_survey_tracks_latent_loyalty(company):
    sv = company.survey
    eta = company.truth.customers.loc[sv["customer_id"], "eta_loyalty"].to_numpy()
    group = pd.Series(np.where(eta > 0, "high", "low"), index=sv.index, name="latent")
    t = nps_by(sv, group)
    assert t.loc["high", "ci_low"] > t.loc["low", "ci_high"]


@pytest.mark.parametrize("bad, words", [
    ([], "empty"),
    ([9, np.nan], "NaN"),
    ([9, 11], "outside the scale 0-10"),
    ([9, -1], "outside the scale 0-10"),
    ([9, 7.5], "whole numbers"),
    (["9", "10"], "numeric"),
])
def test_nps_bad_scores(bad, words):
    with pytest.raises(DataError, match=words):
        net_promoter_score(bad)


@pytest.mark.parametrize("kwargs, name", [
    ({"method": "exact"}, "method"), ({"ci": 95}, "ci"), ({"ci": 0.2}, "ci"),
    ({"n_boot": 5}, "n_boot"), ({"seed": -1}, "seed"),
])
def test_nps_bad_parameters(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        net_promoter_score([9, 10, 3], **kwargs)


def test_nps_by_bad_input():
    sv = pd.DataFrame({"recommend": [10, 3], "region": ["a", None]})
    with pytest.raises(DataError, match="region"):
        nps_by(sv, "region")
    with pytest.raises(DataError, match="missing required column.*segment"):
        nps_by(sv, "segment")
    with pytest.raises(DataError, match="recommend"):
        nps_by(sv.drop(columns="recommend"), "region")
    with pytest.raises(DataError, match="same index"):
        nps_by(sv, pd.Series(["a", "b"], index=[5, 6]))


# ============================================================================ behaviour


def random_log(seed: int, n: int = 400, n_customers: int = 60, days: int = 400) -> pd.DataFrame:
    return _helpers.random_log(seed, n=n, n_customers=n_customers, days=days,
                               start="2023-01-02", spend_scale=10.0)


def naive_behaviour(tx: pd.DataFrame, as_of) -> pd.DataFrame:
    as_of = pd.Timestamp(as_of).normalize()
    rows = {}
    for cid, g in tx.groupby("customer_id"):
        days = sorted(set(g["date"].dt.normalize()))
        gaps = np.array([(b - a).days for a, b in zip(days[:-1], days[1:], strict=True)], float)
        tenure = (as_of - days[0]).days
        rows[cid] = {
            "n_transactions": len(g), "n_purchases": len(days),
            "tenure_days": tenure, "days_since_last": (as_of - days[-1]).days,
            "repeat_purchases_per_year": (len(days) - 1) / (tenure / 365.25) if tenure else np.nan,
            "days_to_second_purchase": gaps[0] if len(gaps) else np.nan,
            "mean_interpurchase_days": gaps.mean() if len(gaps) else np.nan,
            "median_interpurchase_days": np.median(gaps) if len(gaps) else np.nan,
            "cv_interpurchase": gaps.std(ddof=1) / gaps.mean() if len(gaps) >= 2 else np.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_behavioural_loyalty_matches_naive_computation(seed):
    tx = random_log(seed)
    before = tx.copy()
    b = behavioural_loyalty(tx, as_of="2024-03-01")
    pd.testing.assert_frame_equal(tx, before)  # input not mutated
    expected = naive_behaviour(tx, "2024-03-01")
    assert b.index.tolist() == sorted(expected.index.tolist())
    for col in expected.columns:
        np.testing.assert_allclose(b[col].to_numpy(dtype=float),
                                   expected.loc[b.index, col].to_numpy(dtype=float),
                                   rtol=1e-12, err_msg=col)
    assert b["repeat_buyer"].tolist() == (expected.loc[b.index, "n_purchases"] >= 2).tolist()
    # mean gap = (last - first) / (n - 1)
    rep = b[b["n_purchases"] >= 2]
    span = (rep["last_purchase"].dt.normalize() - rep["first_purchase"].dt.normalize()).dt.days
    np.testing.assert_allclose(rep["mean_interpurchase_days"], span / (rep["n_purchases"] - 1))
    assert b.attrs["repeat_rate"] == pytest.approx(b["repeat_buyer"].mean())


def test_behavioural_loyalty_hand_example_and_as_of():
    tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
                       "date": ["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-03",
                                "2024-02-10"]})
    with pytest.warns(ExclusionWarning, match="1 transaction"):
        b = behavioural_loyalty(tx, as_of="2024-01-31")
    assert b.loc["a", "n_transactions"] == 3 and b.loc["a", "n_purchases"] == 2
    assert b.loc["a", "mean_interpurchase_days"] == 4
    assert b.loc["a", "tenure_days"] == 30 and b.loc["a", "days_since_last"] == 26
    assert b.loc["a", "repeat_purchases_per_year"] == pytest.approx(365.25 / 30)
    assert b.loc["b", "n_purchases"] == 1 and not b.loc["b", "repeat_buyer"]
    assert np.isnan(b.loc["b", "median_interpurchase_days"])
    # a customer acquired on as_of has no exposure yet
    with pytest.warns(ExclusionWarning):
        b2 = behavioural_loyalty(tx, as_of="2024-01-03")
    assert np.isnan(b2.loc["b", "repeat_purchases_per_year"])


def test_regularity_distinguishes_clockwork_from_bursty_buyers():
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta([0, 10, 20, 30, 0, 1, 2, 30], unit="D")
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2, 2, 2, 2], "date": days})
    b = behavioural_loyalty(tx)
    assert b.loc[1, "cv_interpurchase"] == 0
    assert b.loc[2, "cv_interpurchase"] > 1
    assert b.loc[1, "mean_interpurchase_days"] == b.loc[2, "mean_interpurchase_days"] == 10
    assert b.loc[2, "median_interpurchase_days"] == 1


def test_repeat_rate_within_window():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 4],
                       "date": ["2024-01-01", "2024-01-20", "2024-01-01", "2024-06-01",
                                "2024-02-01", "2024-12-30"]})
    b = behavioural_loyalty(tx, as_of="2024-12-31")
    assert repeat_rate(b) == 0.5
    # customer 4 (tenure 1 day) is not eligible for a 90-day window
    assert repeat_rate(b, within_days=90) == pytest.approx(1 / 3)
    assert repeat_rate(b, within_days=200) == pytest.approx(2 / 3)
    with pytest.raises(ParameterError, match="within_days"):
        repeat_rate(b, within_days=1000)
    with pytest.raises(ParameterError, match="within_days"):
        repeat_rate(b, within_days=0)
    with pytest.raises(DataError, match="days_to_second_purchase"):
        repeat_rate(b.drop(columns="days_to_second_purchase"))


def test_behavioural_loyalty_bad_input():
    tx = random_log(0)
    with pytest.raises(DataError, match="missing required column.*date"):
        behavioural_loyalty(tx.drop(columns="date"))
    with pytest.raises(DataError, match="customer_id.*missing id"):
        behavioural_loyalty(tx.assign(customer_id=np.where(tx.index == 3, np.nan, 1.0)))
    with pytest.raises(DataError, match="empty"):
        behavioural_loyalty(tx.iloc[:0])
    with pytest.raises(ParameterError, match="as_of"):
        behavioural_loyalty(tx, as_of="not a date")


# ============================================================================ categories, wallet


def test_share_of_category_hand_example_and_as_of():
    tx = pd.DataFrame({"transaction_id": [1, 2, 3], "customer_id": ["a", "a", "b"],
                       "date": ["2024-01-01", "2024-02-01", "2024-01-05"]})
    li = pd.DataFrame({"transaction_id": [1, 1, 2, 3], "category": ["books", "toys", "books",
                                                                     "toys"],
                       "price": [10.0, 30.0, 60.0, 5.0]})
    s = share_of_category(li, tx)
    assert s.loc["a"].tolist() == [0.7, 0.3] and s.loc["b"].tolist() == [0.0, 1.0]
    amounts = share_of_category(li, tx, normalize=False)
    assert amounts.loc["a", "books"] == 70
    with pytest.warns(ExclusionWarning):
        early = share_of_category(li, tx, as_of="2024-01-31")
    assert early.loc["a"].tolist() == [0.25, 0.75]


def test_share_of_category_on_simulated_data(company):
    spend = share_of_category(company.line_items, company.transactions, normalize=False)
    total = company.transactions.groupby("customer_id")["amount"].sum()  # line prices add up
    np.testing.assert_allclose(spend.sum(axis=1), total.loc[spend.index], rtol=1e-9)
    shares = share_of_category(company.line_items, company.transactions)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert list(shares.columns) == sorted(company.line_items["category"].unique())


def test_share_of_category_bad_input():
    tx = pd.DataFrame({"transaction_id": [1, 2], "customer_id": [1, 2],
                       "date": ["2024-01-01", "2024-01-02"]})
    li = pd.DataFrame({"transaction_id": [1, 2], "category": ["a", "b"], "price": [1.0, 2.0]})
    with pytest.raises(DataError, match="line_items\\['price'\\].*negative"):
        share_of_category(li.assign(price=[1.0, -2.0]), tx)
    with pytest.raises(DataError, match="line_items\\['price'\\].*NaN"):
        share_of_category(li.assign(price=[1.0, np.nan]), tx)
    with pytest.raises(DataError, match="line_items\\['category'\\]"):
        share_of_category(li.assign(category=["a", None]), tx)
    with pytest.raises(DataError, match="belong to no transaction"):
        share_of_category(li.assign(transaction_id=[1, 9]), tx)
    with pytest.raises(DataError, match="transaction_id.*duplicate"):
        share_of_category(li, tx.assign(transaction_id=[1, 1]))
    with pytest.raises(DataError, match="missing required column.*price"):
        share_of_category(li.drop(columns="price"), tx)


def test_share_of_wallet():
    own = pd.Series([30.0, 50.0, 0.0], index=[1, 2, 3])
    wallet = pd.Series([100.0, 50.0, 80.0], index=[1, 2, 3])
    assert share_of_wallet(own, wallet).tolist() == [0.3, 1.0, 0.0]
    with pytest.raises(DataError, match="category_spend.*smaller than"):
        share_of_wallet(own, wallet.clip(upper=40))
    with pytest.raises(DataError, match="category_spend.*index"):
        share_of_wallet(own, wallet.reset_index(drop=True))
    with pytest.raises(DataError, match="own_spend.*negative"):
        share_of_wallet(-own, wallet)


# ============================================================================ attitude x behaviour


def test_attitudinal_loyalty_and_survey_score():
    sv = pd.DataFrame({"customer_id": [5, 6], "loyalty_1": [8, 3], "loyalty_2": [9, 4],
                       "loyalty_3": [7, 5], "s": [1, 10]})
    before = sv.copy()
    att = attitudinal_loyalty(sv)
    assert att.tolist() == [8.0, 4.0] and att.index.tolist() == [5, 6]
    assert att.name == "attitudinal_loyalty" and att.index.name == "customer_id"
    assert survey_score(sv, ["s", "loyalty_1"], name="x").tolist() == [4.5, 6.5]
    pd.testing.assert_frame_equal(sv, before)
    with pytest.raises(DataError, match="duplicate"):
        attitudinal_loyalty(sv.assign(customer_id=[5, 5]))
    with pytest.raises(DataError, match="loyalty_2.*outside the scale"):
        attitudinal_loyalty(sv.assign(loyalty_2=[9, 11]))
    with pytest.raises(DataError, match="loyalty_3.*NaN"):
        attitudinal_loyalty(sv.assign(loyalty_3=[7, np.nan]))
    with pytest.raises(DataError, match="missing required column.*loyalty_1"):
        attitudinal_loyalty(sv.drop(columns="loyalty_1"))


def test_loyalty_matrix_hand_example():
    att = pd.Series([9.0, 8.0, 2.0, 3.0, 5.0], index=[1, 2, 3, 4, 5])
    beh = pd.Series([6.0, 0.5, 5.0, 1.0, 2.0], index=[1, 2, 3, 4, 5])
    m = loyalty_matrix(att, beh)
    # medians 5 and 2; customer 5 sits on both medians and counts as low/low
    assert (m.attitude_cut, m.behaviour_cut) == (5.0, 2.0)
    assert m.customers["loyalty_class"].tolist() == [
        "true loyalty", "latent loyalty", "spurious loyalty", "no loyalty", "no loyalty"]
    assert m.counts.to_numpy().tolist() == [[1, 1], [1, 2]]
    assert m.counts.index.name == "relative attitude"
    assert m.summary["n"].tolist() == [1, 1, 1, 2]
    assert list(m.summary.index) == list(LOYALTY_CLASSES)
    assert m.summary["share"].sum() == pytest.approx(1)
    m2 = loyalty_matrix(att, beh, attitude_cut=4, behaviour_cut=0)
    assert m2.customers.loc[5, "loyalty_class"] == "true loyalty"
    assert m2.counts.loc["low", "low"] == 0


def test_loyalty_matrix_aligns_and_warns():
    att = pd.Series([9.0, 2.0, 7.0], index=[1, 2, 3])
    beh = pd.Series([1.0, 5.0, 3.0, 4.0], index=[4, 3, 2, 1])
    with pytest.warns(ExclusionWarning, match="0 customer.*only in attitude and 1 only in "
                      "behaviour"):
        m = loyalty_matrix(att, beh)
    assert m.customers.index.tolist() == [1, 2, 3]
    assert m.customers["behaviour"].tolist() == [4.0, 3.0, 5.0]


def test_loyalty_matrix_on_simulated_company(company):
    att = attitudinal_loyalty(company.survey)
    beh = behavioural_loyalty(company.transactions)["repeat_purchases_per_year"]
    with pytest.warns(ExclusionWarning):
        m = loyalty_matrix(att, beh)
    assert len(m.customers) == len(company.survey) == m.counts.to_numpy().sum()
    # champions buy most often: they are over-represented among the high-patronage classes
    seg = company.truth.customers.loc[m.customers.index, "segment"]
    high = m.customers["high_behaviour"]
    assert high[seg == "champions"].mean() > high[seg == "occasional"].mean() + 0.3


def test_loyalty_matrix_bad_input():
    att = pd.Series([9.0, 2.0], index=[1, 2])
    with pytest.raises(DataError, match="behaviour.*NaN"):
        loyalty_matrix(att, pd.Series([1.0, np.nan], index=[1, 2], name="behaviour"))
    with pytest.raises(DataError, match="attitude.*Series"):
        loyalty_matrix([9.0, 2.0], att)
    with pytest.raises(DataError, match="share no customer"):
        loyalty_matrix(att, pd.Series([1.0], index=[7]))
    with pytest.raises(DataError, match="duplicates"):
        loyalty_matrix(att, pd.Series([1.0, 2.0], index=[1, 1]))
    with pytest.raises(ParameterError, match="attitude_cut"):
        loyalty_matrix(att, att, attitude_cut="high")


# ============================================================================ satisfaction curve


def scores(company):
    sat = survey_score(company.survey, SAT_ITEMS, name="satisfaction")
    return sat, attitudinal_loyalty(company.survey)


def wslope(curve):
    return np.polyfit(curve["satisfaction"], curve["loyalty"], 1, w=np.sqrt(curve["n"]))[0]


def test_curve_on_simulated_data_increases_and_matches_truth(company):
    sat, att = scores(company)
    rho = company.truth.structural["latent_correlation"]["satisfaction"]["loyalty"]
    curve = satisfaction_loyalty_curve(sat, att, bins=8)
    assert curve["n"].sum() == len(sat)
    assert stats.spearmanr(curve["satisfaction"], curve["loyalty"])[0] >= 0.95
    assert curve["loyalty"].iloc[-1] - curve["loyalty"].iloc[0] > 3
    # in standard-deviation units the slope is the latent correlation, attenuated by item noise
    std_slope = wslope(curve) * sat.std() / att.std()
    assert 0.7 * rho < std_slope < rho
    # on the true latent scores (no measurement error) E[eta_L | eta_S] = rho * g(eta_S), the
    # simulator's S-shaped response g(s) = (1 - kappa) s + kappa s^3 / 3 (truth.loyalty_response)
    tc = company.truth.customers
    kappa = company.truth.loyalty_response["kappa"]
    s = tc["eta_satisfaction"]
    truth = satisfaction_loyalty_curve(s, tc["eta_loyalty"], bins=8)
    assert wslope(truth) == pytest.approx(rho, abs=0.08)
    expected = satisfaction_loyalty_curve(s, rho * ((1 - kappa) * s + kappa * s**3 / 3), bins=8)
    covered = (truth["ci_low"] <= expected["loyalty"]) & (expected["loyalty"] <= truth["ci_high"])
    assert covered.mean() >= 0.75


def test_lowess_curve_increases_with_a_band(company):
    sat, att = scores(company)
    c = satisfaction_loyalty_curve(sat, att, method="lowess", bins=12, n_boot=100)
    assert len(c) == 12 and c.attrs["method"] == "lowess"
    assert (np.diff(c["loyalty"]) > 0).mean() >= 0.9
    assert ((c["ci_low"] <= c["loyalty"]) & (c["loyalty"] <= c["ci_high"])).all()
    again = satisfaction_loyalty_curve(sat, att, method="lowess", bins=12, n_boot=100)
    pd.testing.assert_frame_equal(c, again)


def test_binned_curve_hand_example():
    sat = [1, 2, 4, 6, 6, 9]
    loy = [2.0, 4.0, 5.0, 6.0, 8.0, 9.0]
    c = satisfaction_loyalty_curve(sat, loy, bins=[1, 5, 10])
    assert c["n"].tolist() == [3, 3]
    assert c["satisfaction"].tolist() == pytest.approx([7 / 3, 7.0])
    assert c["loyalty"].tolist() == pytest.approx([11 / 3, 23 / 3])
    sd = np.std([2, 4, 5], ddof=1)
    t = stats.t.ppf(0.975, 2)
    assert c.loc[0, "se"] == pytest.approx(sd / np.sqrt(3))
    assert c.loc[0, "ci_low"] == pytest.approx(11 / 3 - t * sd / np.sqrt(3))
    assert c.attrs["outcome"] == "mean"
    # equal-width bins: the maximum falls in the last bin; empty bins are dropped
    c2 = satisfaction_loyalty_curve(sat, loy, bins=4)
    assert c2["n"].sum() == 6 and c2["bin_high"].iloc[-1] == 9


def test_binary_outcome_gives_rate_with_wilson_interval():
    stay = pd.Series([False, True, True, True], index=[1, 2, 3, 4])
    sat = pd.Series([3.0, 4.0, 8.0, 9.0], index=[1, 2, 3, 4])
    c = satisfaction_loyalty_curve(sat, stay, bins=[1, 5, 10])
    assert c.attrs["outcome"] == "rate" and c["loyalty"].tolist() == [0.5, 1.0]
    lo, hi = proportion_confint(1, 2, method="wilson")
    assert (c.loc[0, "ci_low"], c.loc[0, "ci_high"]) == pytest.approx((lo, hi))


def test_curve_bad_input():
    with pytest.raises(DataError, match="satisfaction has 3 values but loyalty has 2"):
        satisfaction_loyalty_curve([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match="loyalty.*NaN"):
        satisfaction_loyalty_curve([1, 2, 3], [1, np.nan, 2])
    with pytest.raises(ParameterError, match="method"):
        satisfaction_loyalty_curve([1, 2], [1, 2], method="spline")
    with pytest.raises(ParameterError, match="bins.*outside the edges"):
        satisfaction_loyalty_curve([1, 2, 12], [1, 2, 3], bins=[0, 5, 10])
    with pytest.raises(ParameterError, match="bins"):
        satisfaction_loyalty_curve([1, 2], [1, 2], bins=[3, 1])
    with pytest.raises(ParameterError, match="bins"):
        satisfaction_loyalty_curve([1, 2], [1, 2], bins=0)


def test_zones_are_monotone_in_satisfaction(company):
    sat, att = scores(company)
    z = loyalty_zones(satisfaction_loyalty_curve(sat, att, bins=10))
    codes = z["zone"].cat.codes.to_numpy()
    assert (np.diff(codes) >= 0).all()
    assert z.attrs["thresholds"] == (3.25, 7.75)
    assert set(z["zone"]) == set(ZONES)
    grid = pd.Series(np.linspace(1, 10, 37))
    zg = loyalty_zones(grid)
    assert (np.diff(zg.cat.codes) >= 0).all()
    assert zg[grid < 3.25].eq(ZONES[0]).all() and zg[grid >= 7.75].eq(ZONES[2]).all()
    # on a 1-5 scale the thresholds are Jones & Sasser's 2 and 4 (a threshold opens its zone)
    assert loyalty_zones(pd.Series([1.5, 2.0, 4.0]), scale=(1, 5)).tolist() == list(ZONES)
    custom = loyalty_zones(pd.Series([4.0, 6.0, 8.0]), thresholds=(5, 8))
    assert custom.tolist() == list(ZONES)
    with pytest.raises(ParameterError, match="thresholds"):
        loyalty_zones(grid, thresholds=(8, 5))
    with pytest.raises(DataError, match="missing required column.*satisfaction"):
        loyalty_zones(pd.DataFrame({"x": [1.0]}))


def test_competitive_curves_differ_as_jones_and_sasser_describe():
    s = np.linspace(1, 10, 91)
    hi = competitive_curve(s, "high")["retention"].to_numpy()
    lo = competitive_curve(s, "low")["retention"].to_numpy()
    assert (np.diff(hi) > 0).all() and (np.diff(lo) > 0).all()
    assert lo[0] > 0.5 > hi[0]  # dissatisfied customers stay where competition is low
    assert np.diff(hi).max() > 2 * np.diff(lo).max()  # steeper where competition is high
    mid = np.searchsorted(s, 7.75)  # "satisfied" (4 on a 1-5 scale) is not enough ...
    assert hi[mid] < 0.5 and hi[-1] > 0.8  # ... only the completely satisfied stay
    own = competitive_curve([1, 10], "high", floor=0.2, ceiling=0.6, midpoint=0.5, slope=1000)
    assert own["retention"].round(6).tolist() == [0.2, 0.6]
    assert competitive_curve().shape == (91, 3)
    with pytest.raises(ParameterError, match="competition"):
        competitive_curve(s, "medium")
    with pytest.raises(ParameterError, match="floor"):
        competitive_curve(s, floor=0.99)
    with pytest.raises(ParameterError, match="slope"):
        competitive_curve(s, slope=-1)
    with pytest.raises(ParameterError, match="satisfaction"):
        competitive_curve([0, 11])


# ============================================================================ retention economics


def test_retention_equity_hand_values():
    e = retention_equity(100, 0.8, 0.1)
    assert e.loc[0, "clv"] == pytest.approx(100 * 0.8 / 0.3)  # 266.67
    assert e.loc[0, "expected_lifetime"] == pytest.approx(5)
    e2 = retention_equity(100, 0.8, 0.1, acquisition_cost=66.67, n_customers=1000)
    assert e2.loc[0, "net_clv"] == pytest.approx(200, abs=0.01)
    assert e2.loc[0, "customer_equity"] == pytest.approx(200_000, abs=10)
    grid = retention_equity(100, [0.5, 0.8, 0.9], 0.1)
    np.testing.assert_allclose(grid["clv"], simple_clv(100, [0.5, 0.8, 0.9], 0.1))


def test_retention_equity_finite_horizon_and_growth():
    # finite horizon: sum_{t=1..3} 100 * 0.8^t / 1.1^t by hand
    q = 0.8 / 1.1
    e = retention_equity(100, 0.8, 0.1, horizon=3)
    assert e.loc[0, "clv"] == pytest.approx(100 * (q + q**2 + q**3))
    long = retention_equity(100, 0.8, 0.1, horizon=500)
    assert long.loc[0, "clv"] == pytest.approx(100 * 0.8 / 0.3)
    # margin growth: closed form m r / (1 + d - r (1 + g)) vs a long finite sum
    g = retention_equity(100, 0.8, 0.1, margin_growth=0.1)
    assert g.loc[0, "clv"] == pytest.approx(100 * 0.8 / (1.1 - 0.88))
    gs = retention_equity(100, 0.8, 0.1, margin_growth=0.1, horizon=2000)
    assert gs.loc[0, "clv"] == pytest.approx(g.loc[0, "clv"])
    # arrays give every combination
    combos = retention_equity([50, 100], [0.8, 0.9], 0.1, margin_growth=[0, 0.05])
    assert len(combos) == 8 and combos["margin"].tolist()[:4] == [50.0] * 4


def test_retention_gain_effect_hand_values():
    r = retention_gain_effect(100, 0.8, 0.1)
    assert r.loc[0, "clv_new"] == pytest.approx(340)  # 100 * 0.85 / 0.25
    assert r.loc[0, "pct_change"] == pytest.approx(27.5)
    rel = retention_gain_effect(100, 0.8, 0.1, gain=0.05, relative=True)
    assert rel.loc[0, "retention_new"] == pytest.approx(0.84)
    # convex in retention: the same 5 points are worth more at higher retention, and more
    # again when margins grow with tenure (the mechanics behind "25-85 %")
    grid = retention_gain_effect(100, [0.6, 0.8, 0.9], 0.1)
    assert np.all(np.diff(grid["pct_change"]) > 0)
    grown = retention_gain_effect(100, 0.8, 0.1, margin_growth=0.05)
    assert grown.loc[0, "pct_change"] > r.loc[0, "pct_change"]
    with pytest.raises(ParameterError, match="gain"):
        retention_gain_effect(100, 0.97, 0.1, gain=0.05)


def test_acquisition_vs_retention_hand_values():
    s = acquisition_vs_retention(100, [10, 20], budget=10_000, clv=300, at_risk=200)
    assert len(s) == 22 and set(s["cost_ratio"]) == {5.0, 10.0}
    row = s[(s["ret_cost"] == 20) & (s["retention_share"] == 0.4)].iloc[0]
    assert row["customers_saved"] == 200 and row["customers_acquired"] == 60
    assert row["value"] == 300 * 260 and row["unused_retention_spend"] == 0
    assert row["best"]
    best10 = s[(s["ret_cost"] == 10) & s["best"]]
    assert len(best10) == 1 and best10["retention_share"].iloc[0] == pytest.approx(0.2)
    over = s[(s["ret_cost"] == 20) & (s["retention_share"] == 1.0)].iloc[0]
    assert over["unused_retention_spend"] == pytest.approx(6000)
    # without a cap and with retention cheaper, everything goes to retention
    nocap = acquisition_vs_retention(100, 20, budget=1000, clv=300)
    assert nocap.loc[nocap["best"], "retention_share"].item() == 1.0


@pytest.mark.parametrize("kwargs, name", [
    ({"margin": -1}, "margin"),
    ({"margin": np.nan}, "margin"),
    ({"retention": 1.0}, "retention"),
    ({"retention": -0.1}, "retention"),
    ({"discount_rate": -0.01}, "discount_rate"),
    ({"acquisition_cost": -5}, "acquisition_cost"),
    ({"horizon": 0}, "horizon"),
    ({"horizon": 2.5}, "horizon"),
    ({"margin_growth": 0.5}, "margin_growth"),
    ({"margin": "lots"}, "margin"),
])
def test_retention_equity_bad_parameters(kwargs, name):
    args = {"margin": 100, "retention": 0.8, "discount_rate": 0.1} | kwargs
    with pytest.raises(ParameterError, match=name):
        retention_equity(args.pop("margin"), args.pop("retention"), args.pop("discount_rate"),
                         **args)


@pytest.mark.parametrize("kwargs, name", [
    ({"acq_cost": 0}, "acq_cost"), ({"ret_cost": -1}, "ret_cost"), ({"budget": 0}, "budget"),
    ({"clv": -1}, "clv"), ({"at_risk": -3}, "at_risk"),
    ({"retention_share": [0, 1.5]}, "retention_share"),
])
def test_acquisition_vs_retention_bad_parameters(kwargs, name):
    args = {"acq_cost": 100, "ret_cost": 20, "budget": 1000, "clv": 300} | kwargs
    with pytest.raises(ParameterError, match=name):
        acquisition_vs_retention(args.pop("acq_cost"), args.pop("ret_cost"), **args)


# ============================================================================ plots


def test_plots_return_axes(company):
    sat, att = scores(company)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        beh = behavioural_loyalty(company.transactions)["repeat_purchases_per_year"]
        m = loyalty_matrix(att, beh)
    curve = loyalty_zones(satisfaction_loyalty_curve(sat, att, bins=8))
    comp = {k: competitive_curve(competition=k) for k in ("high", "low")}
    axes = [
        plots.satisfaction_loyalty_plot(curve, zones=True),
        plots.satisfaction_loyalty_plot(comp, zones=(3.25, 7.75)),
        plots.loyalty_matrix_plot(m),
        plots.nps_plot(net_promoter_score(company.survey["recommend"])),
        plots.nps_plot(nps_by(company.survey, pd.Series(
            np.where(sat.to_numpy() > 6, "hi", "lo"), index=company.survey.index, name="g"))),
        plots.retention_value_plot(retention_equity(100, np.linspace(0.5, 0.9, 5), 0.1,
                                                    margin_growth=[0, 0.05]),
                                   hue="margin_growth"),
        plots.budget_split_plot(acquisition_vs_retention(100, [10, 20], budget=1e4, clv=300,
                                                         at_risk=200)),
    ]
    assert all(isinstance(ax, matplotlib.axes.Axes) for ax in axes)
    plt.close("all")
