"""Value concentration: Pareto curve and top-share."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_lab.segmentation import pareto_curve, top_share


def test_pareto_curve_hand_example():
    c = pareto_curve([1, 3, 0, 6])
    assert c.iloc[0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(c["value_share"], [0, 0.6, 0.9, 1.0, 1.0])
    np.testing.assert_allclose(c["customer_share"], [0, 0.25, 0.5, 0.75, 1.0])


def test_equal_values_give_the_diagonal():
    c = pareto_curve(np.ones(10))
    np.testing.assert_allclose(c["value_share"], c["customer_share"])
    assert top_share(np.ones(10), 0.2) == pytest.approx(0.2)


def test_top_share_interpolates_and_matches_sorting():
    rng = np.random.default_rng(3)
    v = rng.lognormal(size=1001)
    k = int(0.2 * 1000)
    exact = np.sort(v)[::-1][:k].sum() / v.sum()
    assert top_share(v, k / 1001) == pytest.approx(exact)
    assert 0 < top_share(v, 0.2) < 1


def test_series_index_is_irrelevant():
    v = pd.Series([5.0, 1.0, 4.0], index=["a", "b", "c"])
    assert top_share(v, 1 / 3) == pytest.approx(0.5)


@pytest.mark.parametrize("bad, words", [
    ([], "empty"),
    ([1.0, np.nan], "NaN"),
    ([1.0, -2.0], "negative"),
    (["a", "b"], "numeric"),
    ([0.0, 0.0], "all values are zero"),
])
def test_bad_values(bad, words):
    with pytest.raises(ValueError, match=words):
        pareto_curve(bad)


@pytest.mark.parametrize("share", [0, -0.1, 1.5, "0.2"])
def test_bad_share(share):
    with pytest.raises(ValueError, match="share"):
        top_share([1, 2, 3], share)


def test_rfm_value_matrix_shares_sum_to_one_and_counts():
    from crm_lab.segmentation import rfm_scores, rfm_value_matrix

    rng = np.random.default_rng(0)
    rfm = pd.DataFrame({"recency_days": rng.integers(1, 400, 300),
                        "frequency": rng.integers(1, 20, 300),
                        "monetary": rng.gamma(2, 50, 300)})
    scores = rfm_scores(rfm, bins=4)
    share = rfm_value_matrix(scores, rfm, agg="share")
    assert share.to_numpy().sum() == pytest.approx(1, abs=0.02)
    assert list(share.index) == sorted(share.index, reverse=True)
    counts = rfm_value_matrix(scores, rfm, agg="count")
    assert counts.to_numpy().sum() == 300
    with pytest.raises(ValueError, match="agg"):
        rfm_value_matrix(scores, rfm, agg="median")
    with pytest.raises(ValueError, match="indexes differ"):
        rfm_value_matrix(scores.iloc[:10], rfm)


def test_segment_strategies_cover_the_named_segments():
    from crm_lab.segmentation import RFM_SEGMENTS, segment_strategies

    table = segment_strategies()
    assert set(table.index) == set(RFM_SEGMENTS)
    assert table["strategy"].str.len().gt(0).all()


# ---------------------------------------------------------------------------- property tests
# rfm_table and rfm_scores against an independent, naive computation on random logs
# (ties, single purchases and same-day purchases included by construction).



@st.composite
def logs(draw):
    n = draw(st.integers(1, 40))
    ids = draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
    return pd.DataFrame({"customer_id": ids,
                         "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
                         "amount": np.array(cents) / 100})


@settings(max_examples=60, deadline=None)
@given(logs())
def test_rfm_table_matches_naive_loops(tx):
    from crm_lab.segmentation import rfm_table

    got = rfm_table(tx)
    as_of = tx["date"].max() + pd.Timedelta(days=1)
    for cid in sorted(set(tx["customer_id"])):
        rows = tx[tx["customer_id"] == cid]
        assert got.loc[cid, "frequency"] == len(rows)
        assert got.loc[cid, "monetary"] == pytest.approx(sum(rows["amount"]))
        assert got.loc[cid, "recency_days"] == (as_of - max(rows["date"])).days
        assert got.loc[cid, "first_purchase"] == min(rows["date"])


@settings(max_examples=60, deadline=None)
@given(logs(), st.integers(2, 6))
def test_rfm_scores_match_rank_definition(tx, bins):
    """score = ceil(bins * average rank / n); high = good; equal values, equal scores."""
    from crm_lab.segmentation import rfm_scores, rfm_table

    rfm = rfm_table(tx)
    scores = rfm_scores(rfm, bins=bins)
    n = len(rfm)
    for col, score, good_high in (("recency_days", "r_score", False),
                                  ("frequency", "f_score", True), ("monetary", "m_score", True)):
        x = rfm[col].to_numpy()
        for i, xi in enumerate(x):
            better_or_equal = (x < xi).sum() if good_high else (x > xi).sum()
            ties = (x == xi).sum()
            avg_rank = better_or_equal + (ties + 1) / 2
            expected = max(1, int(np.ceil(bins * avg_rank / n - 1e-12)))
            assert scores[score].iloc[i] == expected
        for v in np.unique(x):
            assert scores[score][x == v].nunique() == 1


# ---------------------------------------------------------------------------- ABC, Lorenz, Gini


def test_gini_known_values():
    from crm_lab.segmentation import gini

    rng = np.random.default_rng(1)
    # Gini of an exponential distribution is 1/2; of a Pareto(alpha) it is 1 / (2 alpha - 1)
    assert gini(rng.exponential(size=200_000)) == pytest.approx(0.5, abs=0.005)
    alpha = 3.0
    assert gini(rng.pareto(alpha, 400_000) + 1) == pytest.approx(1 / (2 * alpha - 1), abs=0.01)
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n


def test_lorenz_is_the_mirror_of_pareto():
    from crm_lab.segmentation import lorenz_curve

    v = np.random.default_rng(2).gamma(1.0, 10, 500)
    lor, par = lorenz_curve(v), pareto_curve(v)
    np.testing.assert_allclose(lor["value_share"].to_numpy(),
                               1 - par["value_share"].to_numpy()[::-1], atol=1e-12)


def test_abc_classes_shares_and_cuts():
    from crm_lab.segmentation import abc_classes, abc_summary

    v = pd.Series(np.random.default_rng(3).lognormal(0, 1.2, 2000))
    cls = abc_classes(v, cuts=(0.7, 0.9))
    summary = abc_summary(v, cls)
    assert summary.loc["A", "value_share"] >= 0.7
    assert summary.loc["A", "value_share"] - v.max() / v.sum() < 0.7
    assert summary["customers"].sum() == len(v)
    # A customers are all worth more than B customers, B more than C
    assert v[cls == "A"].min() >= v[cls == "B"].max() >= v[cls == "C"].max()
    assert set(abc_classes(v, cuts=(0.8,))) == {"A", "B"}  # one cut: two classes
    for bad in [(0.95, 0.8), (0.8, 1.2), (0.0, 0.5)]:
        with pytest.raises(ValueError, match="cuts"):
            abc_classes(v, cuts=bad)


# ---------------------------------------------------------------------------- clustering


@pytest.fixture(scope="module")
def blobs():
    from sklearn.datasets import make_blobs

    X, y = make_blobs(600, centers=[[0, 0, 0], [4, 4, 0], [0, 4, 4]], cluster_std=0.6,
                      random_state=0)
    return pd.DataFrame(X, columns=["recency", "log_frequency", "log_monetary"]), y


def test_choose_k_finds_the_blobs(blobs):
    from crm_lab.segmentation import choose_k

    X, _ = blobs
    table = choose_k(X, range(2, 6), seed=0, n_init=3)
    assert table["silhouette"].idxmax() == 3
    assert table["bic"].idxmin() == 3
    assert table["inertia"].is_monotonic_decreasing


def test_fit_segments_recovers_truth_stably_and_orders_labels(blobs):
    from crm_lab.segmentation import agreement, cluster_stability, fit_segments

    X, y = blobs
    for method in ("kmeans", "gmm"):
        labels = fit_segments(X, 3, method=method, seed=1)
        assert agreement(labels, y).ari > 0.95
        means = X.groupby(labels.to_numpy())["log_monetary"].mean()
        assert means.is_monotonic_decreasing  # segment 0 = highest monetary
        pd.testing.assert_series_equal(labels, fit_segments(X, 3, method=method, seed=1))
    stability = cluster_stability(X, 3, seeds=range(4))
    assert stability.min_ari > 0.95


def test_segment_profiles_and_value_explained():
    from crm_lab.segmentation import segment_profiles, value_explained

    rfm = pd.DataFrame({"frequency": [1, 2, 10, 12], "monetary": [10.0, 30.0, 400.0, 560.0]})
    prof = segment_profiles(rfm, [1, 1, 0, 0], value="monetary")
    assert prof["value_share"].sum() == pytest.approx(1)
    cust = pd.DataFrame({"customer_id": range(200),
                         "gender": np.tile(["f", "m"], 100),
                         "region": np.repeat(["n", "s"], 100)})
    value = pd.Series(np.where(cust["gender"] == "f", 10.0, 20.0)
                      + np.random.default_rng(0).normal(0, 0.1, 200))
    table = value_explained(cust, value, ["gender", "region"])
    assert table.loc["gender", "r2"] > 0.99 and table.loc["region", "r2"] < 0.05


@pytest.mark.parametrize("call, words", [
    (lambda s: s.rfm_table(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"]})),
     "amount"),
    (lambda s: s.rfm_table(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"],
                                         "amount": [-1.0]})), "negative"),
    (lambda s: s.rfm_table(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"],
                                         "amount": [np.nan]})), "NaN"),
    (lambda s: s.rfm_table(pd.DataFrame(columns=["customer_id", "date", "amount"])), "empty"),
    (lambda s: s.rfm_scores(pd.DataFrame({"recency_days": [1], "frequency": [1],
                                          "monetary": [1.0]}), bins=1), "bins"),
    (lambda s: s.rfm_scores(pd.DataFrame({"frequency": [1]})), "recency_days"),
    (lambda s: s.choose_k(np.zeros((10, 2)), range(1, 3)), "k"),
    (lambda s: s.fit_segments(np.zeros((10, 2)), 2, method="dbscan"), "method"),
    (lambda s: s.gini([1.0, -1.0]), "negative"),
])
def test_bad_input_names_the_problem(call, words):
    import crm_lab.segmentation as s

    with pytest.raises(ValueError, match=words):
        call(s)


def test_cdnow_concentration_known_answer():
    """CDNOW master log (datasets/cdnow/README.md): top 20 % of the 23,570 customers bring
    67.8 % of revenue; Gini of total spend 0.635 (as chapter 02 shows)."""
    from crm_lab.datasets import load_cdnow
    from crm_lab.segmentation import gini, rfm_table

    value = rfm_table(load_cdnow())["monetary"]
    assert len(value) == 23_570
    assert top_share(value, 0.2) == pytest.approx(0.678, abs=0.0005)
    assert gini(value) == pytest.approx(0.635, abs=0.0005)
