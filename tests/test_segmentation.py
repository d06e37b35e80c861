"""Chapter 2: value concentration (Pareto, Lorenz, Gini, ABC), RFM, clustering, demographics."""

import warnings
from fractions import Fraction

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.datasets import make_blobs

from crm_lab.segmentation import (
    RFM_SEGMENTS,
    abc_classes,
    abc_summary,
    age_bands,
    agreement,
    behaviour_features,
    choose_k,
    cluster_stability,
    demographic_profile,
    fit_segments,
    gini,
    lorenz_curve,
    pareto_curve,
    quantile_edges,
    rfm_scores,
    rfm_segment_grid,
    rfm_segments,
    rfm_table,
    segment_profiles,
    top_share,
    value_explained,
)
from crm_lab.summary import ExclusionWarning

matplotlib.use("Agg")


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


# ============================================================================================
# Boundary rules, tie handling, closed forms and alignment (complementing the tests above)
# ============================================================================================


@pytest.fixture(autouse=True)
def _one_thread():
    """Single-threaded BLAS/OpenMP: on a busy 2-core CI box threads only fight each other."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


# ----------------------------------------------------------------------------- Lorenz and Gini


def test_lorenz_hand_example():
    lc = lorenz_curve([1, 3, 0, 6])
    np.testing.assert_allclose(lc["value_share"], [0, 0, 0.1, 0.4, 1.0])
    np.testing.assert_allclose(lc["customer_share"], [0, 0.25, 0.5, 0.75, 1.0])


def test_gini_hand_examples():
    assert gini([1, 3, 0, 6]) == pytest.approx(0.5)  # 2*35/40 - 5/4
    assert gini(np.full(7, 3.0)) == pytest.approx(0.0)
    assert gini([0, 0, 0, 10]) == pytest.approx(3 / 4)  # one holds all: (n-1)/n
    v = np.random.default_rng(0).lognormal(size=500)
    lc = lorenz_curve(v)
    area = np.trapezoid(lc["value_share"], lc["customer_share"])
    assert gini(v) == pytest.approx(1 - 2 * area)
    assert gini(v * 7.5) == pytest.approx(gini(v))
    assert gini(np.random.default_rng(1).permutation(v)) == pytest.approx(gini(v))


@pytest.mark.parametrize("draw, expected", [
    # closed forms beside the exponential and Pareto ones above: lognormal(s)
    # G = 2 Phi(s / sqrt 2) - 1, uniform G = 1/3 (Cowell, "Measuring Inequality", 3rd ed.)
    (lambda r, n: r.lognormal(0.0, 1.0, n), 2 * stats.norm.cdf(1 / np.sqrt(2)) - 1),
    (lambda r, n: r.uniform(0, 1, n), 1 / 3),
])
def test_gini_closed_forms(draw, expected):
    v = draw(np.random.default_rng(42), 400_000)
    assert gini(v) == pytest.approx(expected, abs=0.006)


# ----------------------------------------------------------------------------- ABC


def test_abc_boundary_customer_and_ties():
    v = pd.Series([50, 30, 10, 5, 5, 0], index=list("abcdef"))
    c = abc_classes(v)
    assert c.tolist() == ["A", "A", "B", "B", "B", "C"]  # a+b = exactly 80 %: c is B
    assert list(c.index) == list("abcdef") and c.name == "abc_class"
    assert c.cat.ordered and list(c.cat.categories) == ["A", "B", "C"]
    assert c.min() == "A"
    assert abc_classes([79, 2, 19]).tolist() == ["A", "C", "A"]  # 79 -> 98 %: 19 crosses 80 %
    assert abc_classes([90, 5, 5]).tolist() == ["A", "B", "B"]  # top customer always A
    assert abc_classes(np.ones(5)).tolist() == ["A"] * 5  # one tie block: everyone first
    assert abc_classes([0, 0, 3]).tolist() == ["C", "C", "A"]  # zero value is always C
    assert abc_classes([10, 10, 10, 10, 10], cuts=(0.5,)).tolist() == ["A"] * 5
    assert abc_classes([4, 3, 2, 1], cuts=(0.3, 0.6, 0.9)).tolist() == ["A", "B", "C", "D"]
    # exact decimal shares are not split by float rounding: 0.7 + 0.1 is not < 0.8
    assert abc_classes([0.7, 0.1, 0.2]).tolist() == ["A", "B", "A"]


def test_abc_properties_on_random_values():
    rng = np.random.default_rng(5)
    v = np.round(rng.lognormal(3, 1.2, 3000))  # rounding creates ties
    c = abc_classes(v).to_numpy()
    share_a = v[c == "A"].sum() / v.sum()
    assert share_a >= 0.8 - 1e-12
    # A is minimal up to its last tie block: without it A holds < 80 %
    last = v[c == "A"].min()
    assert v[(c == "A") & (v > last)].sum() / v.sum() < 0.8
    # equal values, equal classes; and classes are monotone in value
    frame = pd.DataFrame({"v": v, "c": pd.Categorical(c, ["A", "B", "C"], ordered=True)})
    assert (frame.groupby("v")["c"].nunique() == 1).all()
    ranked = frame.sort_values("v", ascending=False)["c"].cat.codes.to_numpy()
    assert (np.diff(ranked) >= 0).all()
    # independent of row order
    perm = rng.permutation(len(v))
    np.testing.assert_array_equal(abc_classes(v[perm]).to_numpy(), c[perm])


def test_abc_summary():
    v = pd.Series([50, 30, 10, 5, 5, 0], index=list("abcdef"), dtype=float)
    s = abc_summary(v, abc_classes(v))
    assert s["customers"].tolist() == [2, 3, 1]
    np.testing.assert_allclose(s["value_share"], [0.8, 0.2, 0.0])
    assert s["customer_share"].sum() == pytest.approx(1)
    assert s["value"].sum() == pytest.approx(v.sum())
    # empty classes stay visible, labels are aligned by index
    s2 = abc_summary([1.0, 1.0], pd.Categorical(["A", "A"], ["A", "B", "C"]))
    assert s2["customers"].tolist() == [2, 0, 0]
    shuffled = abc_classes(v).sample(frac=1, random_state=0)
    pd.testing.assert_frame_equal(abc_summary(v, shuffled), s)
    with pytest.raises(ValueError, match="not in the table"):
        abc_summary(v, pd.Series(["A"] * 6, index=list("abcdeZ")))
    with pytest.raises(ValueError, match="missing"):
        abc_summary([1.0, 2.0], ["A", None])


@pytest.mark.parametrize("cuts", [(0.95, 0.8), (0.8, 0.8), (0, 0.5), (0.5, 1.0), (), "0.8",
                                  (0.8, "x"), 0.8])
def test_abc_bad_cuts(cuts):
    with pytest.raises(ValueError, match="cuts"):
        abc_classes([1, 2, 3], cuts=cuts)


@pytest.mark.parametrize("bad, words", [
    ([], "empty"), ([1.0, np.nan], "NaN"), ([1.0, -2.0], "negative"), ([0.0, 0.0], "all values"),
])
def test_concentration_bad_values(bad, words):
    for f in (lorenz_curve, gini, abc_classes):
        with pytest.raises(ValueError, match=words):
            f(bad)


# ----------------------------------------------------------------------------- RFM table


def _naive_rfm(rows, as_of):
    """RFM by plain Python loops: the oracle for the property test."""
    per = {}
    for cid, when, amount in rows:
        per.setdefault(cid, []).append((when, amount))
    out = {}
    for cid, buys in per.items():
        last = max(w for w, _ in buys)
        total = sum(a for _, a in buys)
        out[cid] = {"recency_days": (as_of.normalize() - last.normalize()).days,
                    "frequency": len(buys), "monetary": total,
                    "avg_order_value": total / len(buys),
                    "first_purchase": min(w for w, _ in buys), "last_purchase": last}
    return pd.DataFrame.from_dict(out, orient="index").sort_index()


def _naive_scores(values, bins, higher_is_better=True):
    """ceil(mid-rank / n * bins) by counting, in exact fractions."""
    vals = list(values) if higher_is_better else [-x for x in values]
    n = len(vals)
    out = []
    for x in vals:
        less = sum(y < x for y in vals)
        equal = sum(y == x for y in vals)
        mid = Fraction(2 * less + equal + 1, 2)
        out.append(int(-(-(mid * bins) // n)))
    return out


purchase = st.tuples(
    st.integers(0, 7),  # customer: few ids, so many repeat and same-day purchases
    st.integers(0, 20),  # day
    st.sampled_from([0, 6, 13, 23]),  # hour
    st.sampled_from([0.0, 5.0, 9.99, 10.0, 25.5, 100.0]),  # amounts with ties
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(purchase, min_size=1, max_size=40), bins=st.integers(2, 6),
       as_of_gap=st.one_of(st.none(), st.integers(0, 10)))
def test_rfm_with_times_of_day_and_as_of_matches_exact_naive_loops(rows, bins, as_of_gap):
    """Like the property tests above, plus times of day, an explicit as_of, shuffled rows,
    last/avg columns, and scores in exact fractions (no float tolerance)."""
    start = pd.Timestamp("2024-03-01")
    log = [(f"c{c}", start + pd.Timedelta(days=d, hours=h), a) for c, d, h, a in rows]
    tx = pd.DataFrame(log, columns=["customer_id", "date", "amount"]).sample(frac=1,
                                                                           random_state=1)
    last = max(w for _, w, _ in log)
    as_of = None if as_of_gap is None else last.normalize() + pd.Timedelta(days=as_of_gap)
    got = rfm_table(tx, as_of=as_of)
    want = _naive_rfm(log, last.normalize() + pd.Timedelta(days=1) if as_of is None else as_of)
    assert list(got.index) == list(want.index)
    for col in ("recency_days", "frequency", "first_purchase", "last_purchase"):
        assert got[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["monetary"], want["monetary"].astype(float))
    np.testing.assert_allclose(got["avg_order_value"], want["avg_order_value"].astype(float))

    sc = rfm_scores(got, bins=bins)
    assert sc["r_score"].tolist() == _naive_scores(got["recency_days"], bins, False)
    assert sc["f_score"].tolist() == _naive_scores(got["frequency"], bins)
    assert sc["m_score"].tolist() == _naive_scores(got["monetary"], bins)
    assert sc[["r_score", "f_score", "m_score"]].isin(range(1, bins + 1)).all().all()
    for col, score in (("recency_days", "r_score"), ("frequency", "f_score"),
                       ("monetary", "m_score")):
        assert (sc.groupby(got[col])[score].nunique() == 1).all()  # equal values, equal scores


def test_rfm_table_columns_as_of_and_exclusion():
    tx = pd.DataFrame({"cust": ["a", "a", "b", "c"],
                       "day": ["2024-01-01 10:00", "2024-01-05 23:00", "2024-01-03",
                               "2024-02-01"],
                       "spend": [1.0, 2.0, 3.0, 4.0]})
    before = tx.copy()
    r = rfm_table(tx, customer_id="cust", date="day", amount="spend")
    pd.testing.assert_frame_equal(tx, before)  # no mutation
    assert list(r.columns) == ["recency_days", "frequency", "monetary", "avg_order_value",
                               "first_purchase", "last_purchase"]
    assert r.index.name == "customer_id"
    assert r.attrs["as_of"] == pd.Timestamp("2024-02-02")
    assert r["recency_days"].tolist() == [28, 30, 1]
    with pytest.warns(ExclusionWarning, match=r"1 transaction\(s\).*1 customer"):
        r2 = rfm_table(tx, "2024-01-05", customer_id="cust", date="day", amount="spend")
    assert r2.index.tolist() == ["a", "b"] and r2["recency_days"].tolist() == [0, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rfm_table(tx, "2024-03-01", customer_id="cust", date="day", amount="spend")


# ----------------------------------------------------------------------------- RFM scores


def test_qcut_trap_is_reproduced_and_avoided():
    rng = np.random.default_rng(0)
    freq = pd.Series(np.where(rng.random(1000) < 0.6, 1, rng.integers(2, 30, 1000)))
    with pytest.raises(ValueError, match="Bin edges must be unique"):
        pd.qcut(freq, 5, labels=False)
    edges = quantile_edges(freq, 5)
    assert edges["repeated"].any() and len(edges) == 6
    rfm = pd.DataFrame({"recency_days": rng.integers(1, 300, 1000), "frequency": freq,
                        "monetary": freq * 20.0})
    f = rfm_scores(rfm)["f_score"]
    assert f[freq == 1].nunique() == 1 and f[freq == 1].iloc[0] == 2  # the 60 % block's middle
    # breaking ties by row order (the usual fix) scores equal customers differently
    by_order = pd.qcut(freq.rank(method="first"), 5, labels=False) + 1
    assert by_order[freq == 1].nunique() > 1


def test_scores_without_ties_are_equal_sized_quantiles():
    x = np.random.default_rng(3).permutation(103).astype(float)
    rfm = pd.DataFrame({"recency_days": x, "frequency": x, "monetary": x})
    sc = rfm_scores(rfm, bins=5)
    expect = pd.qcut(pd.Series(x).rank(method="first"), 5, labels=False).to_numpy() + 1
    f = sc["f_score"].to_numpy()
    assert np.abs(f - expect).max() <= 1 and (f == expect).mean() > 0.95  # edges interpolated
    # low recency = high R: the smallest recency has rank 103 when ranked for "good"
    np.testing.assert_array_equal(sc["r_score"], np.ceil((103 - x) * 5 / 103))
    counts = sc["m_score"].value_counts()
    assert counts.max() - counts.min() <= 1


def test_score_methods_keep_ties_equal():
    rfm = pd.DataFrame({"recency_days": [5, 5, 5, 9], "frequency": [1, 1, 1, 4],
                        "monetary": [10.0, 10.0, 20.0, 30.0]})
    assert rfm_scores(rfm, 5, "average")["f_score"].tolist() == [3, 3, 3, 5]
    assert rfm_scores(rfm, 5, "min")["f_score"].tolist() == [2, 2, 2, 5]
    assert rfm_scores(rfm, 5, "max")["f_score"].tolist() == [4, 4, 4, 5]
    assert rfm_scores(rfm, 5, "dense")["f_score"].tolist() == [3, 3, 3, 5]
    assert rfm_scores(rfm, 5)["r_score"].tolist() == [4, 4, 4, 2]
    sc = rfm_scores(rfm, 5)
    assert sc["rfm_cell"].tolist()[0] == "4-3-2"
    assert (sc["rfm_score"] == sc["r_score"] + sc["f_score"] + sc["m_score"]).all()
    assert sc.attrs == {"bins": 5, "method": "average"}


@pytest.mark.parametrize("kwargs, words", [
    ({"bins": 1}, "bins"), ({"bins": 2.5}, "bins"), ({"method": "first"}, "method"),
])
def test_rfm_scores_bad_parameters(kwargs, words):
    rfm = pd.DataFrame({"recency_days": [1, 2], "frequency": [1, 2], "monetary": [1.0, 2.0]})
    with pytest.raises(ValueError, match=words):
        rfm_scores(rfm, **kwargs)


# ----------------------------------------------------------------------------- RFM segments


def test_default_grid_and_override():
    grid = rfm_segment_grid()
    assert grid.shape == (5, 5) and list(grid.index) == [5, 4, 3, 2, 1]
    assert set(grid.to_numpy().ravel()) == set(RFM_SEGMENTS)
    grid.loc[3, 3] = "need attention"
    assert rfm_segment_grid().loc[3, 3] == "potential loyalists"  # a fresh copy each call
    s = pd.DataFrame({"r_score": [5, 5, 4, 4, 3, 2, 1, 1, 1], "f_score": [5, 1, 2, 4, 3, 1, 1,
                                                                        5, 3]},
                     index=pd.Index(list("abcdefghi"), name="customer_id"))
    seg = rfm_segments(s)
    assert seg.tolist() == ["champions", "new customers", "potential loyalists", "loyal",
                            "potential loyalists", "hibernating", "lost", "can't lose them",
                            "at risk"]
    assert list(seg.cat.categories) == list(RFM_SEGMENTS) and seg.name == "segment"
    assert list(seg.index) == list(s.index)
    custom = rfm_segments(s, grid)
    assert custom["e"] == "need attention"
    assert list(custom.cat.categories)[-1] == "need attention"
    as_dict = {(r, f): ("top" if r + f >= 8 else "rest") for r in range(1, 6)
               for f in range(1, 6)}
    assert rfm_segments(s, as_dict).tolist()[:2] == ["top", "rest"]


def test_segments_refuse_unmapped_scores():
    s3 = rfm_scores(pd.DataFrame({"recency_days": [1, 2, 3], "frequency": [1, 2, 3],
                                  "monetary": [1.0, 2.0, 3.0]}), bins=3)
    with pytest.raises(ValueError, match="bins=3"):
        rfm_segments(s3)
    small = pd.DataFrame([["x", "y"], ["y", "y"]], index=[2, 1], columns=[1, 2])
    with pytest.raises(ValueError, match=r"\(1, 3\)"):
        rfm_segments(s3, small)
    with pytest.raises(ValueError, match="mapping"):
        rfm_segments(s3, ["not", "a", "grid"])


# ----------------------------------------------------------------------------- clustering


@pytest.fixture(scope="module")
def blobs_by_id():
    """Three blobs indexed by customer_id (from 1000), to check that indexes carry through."""
    X, y = make_blobs(n_samples=600, centers=[[0, 0, 0], [6, 0, 0], [0, 6, 6]],
                      cluster_std=0.8, random_state=7)
    X = pd.DataFrame(X, columns=["recency", "log_frequency", "log_monetary"],
                     index=pd.Index(np.arange(600) + 1000, name="customer_id"))
    return X, pd.Series(y, index=X.index)


def test_behaviour_features_from_rfm_or_transactions():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3],
                       "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15",
                                               "2024-01-02", "2024-01-03", "2024-03-01"]),
                       "amount": [10.0, 20.0, 5.0, 1.0, 2.0, 300.0]})
    a = behaviour_features(tx)
    b = behaviour_features(rfm_table(tx))
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["recency", "log_frequency", "log_monetary"]
    np.testing.assert_allclose(a.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(a.std(ddof=0), 1)
    raw = behaviour_features(tx, standardize=False)
    np.testing.assert_allclose(raw["log_monetary"], np.log1p([30.0, 5.0, 303.0]))
    back = a * pd.Series(a.attrs["scale"]) + pd.Series(a.attrs["mean"])
    np.testing.assert_allclose(back, raw)


def test_choose_k_k_range_is_sorted_unique_and_subsampled(blobs_by_id):
    X, _ = blobs_by_id
    t = choose_k(X, range(2, 7), n_init=3)
    assert list(t.index) == [2, 3, 4, 5, 6]
    assert list(t.columns) == ["inertia", "silhouette", "bic"]
    assert t["silhouette"].idxmax() == 3 and t["bic"].idxmin() == 3
    assert t["inertia"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(t, choose_k(X, [6, 5, 4, 3, 2, 3], n_init=3))  # sorted, unique
    sub = choose_k(X, [3], sample_size=100, n_init=3)
    assert sub.loc[3, "silhouette"] == pytest.approx(t.loc[3, "silhouette"], abs=0.05)


@pytest.mark.parametrize("k_range", [[], [1, 2], range(2, 700), "2-8", 5, [2.5]])
def test_choose_k_bad_k_range(blobs_by_id, k_range):
    with pytest.raises(ValueError, match="k_range"):
        choose_k(blobs_by_id[0], k_range)


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_fit_segments_relabelling_is_seed_free_and_keeps_the_index(blobs_by_id, method):
    X, truth = blobs_by_id
    lab = fit_segments(X, 3, method=method, seed=3)
    assert lab.name == "segment" and lab.index.equals(X.index)
    other_seed = fit_segments(X, 3, method=method, seed=11)
    pd.testing.assert_series_equal(lab, other_seed)  # same clusters, same numbers
    res = agreement(lab, truth)
    assert res.ari > 0.97
    assert res.crosstab.to_numpy().sum() == len(X)
    by_raw = fit_segments(X.to_numpy(), 3, order_by=X["recency"].to_numpy())
    assert X["recency"].groupby(by_raw.to_numpy()).mean().is_monotonic_decreasing


def test_stability_high_on_blobs_low_on_noise(blobs_by_id):
    X, _ = blobs_by_id
    res = cluster_stability(X, 3, seeds=range(6))
    assert res.min_ari > 0.95 and res.mean_ari > 0.97
    assert res.pairwise.shape == (6, 6) and np.allclose(np.diag(res.pairwise), 1)
    noise = np.random.default_rng(0).uniform(size=(400, 2))
    assert cluster_stability(noise, 6, seeds=range(6)).mean_ari < res.mean_ari
    with pytest.raises(ValueError, match="seeds"):
        cluster_stability(X, 3, seeds=[1])


def test_segment_profiles_and_agreement():
    rfm = pd.DataFrame({"frequency": [1, 2, 10, 12, 3], "monetary": [10.0, 30.0, 400.0,
                                                                   560.0, 0.0],
                        "first_purchase": pd.to_datetime(["2024-01-01"] * 5),
                        "region": list("nnsss")},
                       index=pd.Index(list("abcde"), name="customer_id"))
    lab = pd.Series([1, 1, 0, 0, 2], index=rfm.index).iloc[::-1]  # aligned by index
    p = segment_profiles(rfm, lab)
    assert p["customers"].tolist() == [2, 2, 1]
    np.testing.assert_allclose(p["value_share"], [0.96, 0.04, 0.0])
    assert list(p.columns) == ["customers", "customer_share", "value_share", "frequency",
                               "monetary"]
    assert p.loc[0, "monetary"] == 480.0
    q = segment_profiles(rfm, lab, value=rfm["frequency"])
    assert q["value_share"].sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="no label"):
        segment_profiles(rfm, lab.iloc[:3])

    res = agreement(["x", "x", "y", "y"], [1, 1, 2, 2])
    assert res.ari == pytest.approx(1.0)
    assert agreement(pd.Series([0, 1], index=[5, 6]), pd.Series([1, 0], index=[6, 5])).ari \
        == pytest.approx(1.0)
    with pytest.raises(ValueError, match="true_labels"):
        agreement([0, 1, 1], [0, 1])


# ----------------------------------------------------------------------------- demographics


@pytest.fixture(scope="module")
def people():
    rng = np.random.default_rng(11)
    n = 2000
    cust = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "region": rng.choice(["North", "South", "East"], n),
        "city_tier": rng.integers(1, 4, n),
        "age": rng.integers(18, 80, n),
        "gender": rng.choice(["female", "male"], n),
        "education": rng.choice(["school", "college", None], n, p=[0.45, 0.45, 0.1]),
        "income_band": rng.choice(["low", "middle", "high"], n),
    })
    seg = pd.Series(rng.integers(0, 3, n), index=pd.Index(cust["customer_id"],
                                                         name="customer_id"))
    high = (cust["income_band"] == "high").to_numpy()
    value = pd.Series(np.exp(4 + 1.5 * seg.to_numpy() + 0.3 * high + rng.normal(0, 0.5, n)),
                      index=seg.index, name="monetary")
    return cust, seg, value


def test_demographic_profile(people):
    cust, seg, _ = people
    before = cust.copy()
    prof = demographic_profile(cust, seg)
    pd.testing.assert_frame_equal(cust, before)
    assert list(prof.columns) == [0, 1, 2, "all"]
    assert set(prof.index.get_level_values("variable")) == {
        "region", "city_tier", "age_band", "gender", "education", "income_band"}
    np.testing.assert_allclose(prof.groupby(level="variable").sum(), 1.0)
    assert ("education", "(missing)") in prof.index  # missing values are a level, not dropped
    assert "65+" in prof.loc["age_band"].index
    with pytest.warns(ExclusionWarning, match="1,000 customer"):
        demographic_profile(cust, seg.iloc[:1000], columns=["gender"])
    with pytest.raises(ValueError, match="income"):
        demographic_profile(cust.drop(columns="income_band"), seg)


def test_value_explained_matches_statsmodels(people):
    import statsmodels.formula.api as smf

    cust, seg, value = people
    tab = value_explained(cust, value, segments=seg)
    assert list(tab.index)[-2:] == ["all demographics", "behavioural segments"]
    # known answer: statsmodels OLS with categorical dummies (the same model)
    df = cust.set_index("customer_id").assign(y=value, seg=seg)
    df["education"] = df["education"].fillna("(missing)")
    one = smf.ols("y ~ C(income_band)", df).fit()
    assert tab.loc["income_band", "r2"] == pytest.approx(one.rsquared)
    assert tab.loc["income_band", "adj_r2"] == pytest.approx(one.rsquared_adj)
    allf = smf.ols("y ~ C(region) + C(city_tier) + C(gender) + C(education) + C(income_band)",
                   df).fit()
    sub = value_explained(cust, value, columns=["region", "city_tier", "gender", "education",
                                                "income_band"])
    assert sub.loc["all demographics", "r2"] == pytest.approx(allf.rsquared)
    assert sub.loc["all demographics", "n_params"] == allf.df_model
    # eta^2 by hand for one variable
    g = df.groupby("gender")["y"]
    eta2 = (g.count() * (g.mean() - df["y"].mean()) ** 2).sum() / ((df["y"] - df["y"].mean())
                                                                   ** 2).sum()
    assert tab.loc["gender", "r2"] == pytest.approx(eta2)
    assert tab.loc["behavioural segments", "r2"] > 5 * tab.loc["all demographics", "r2"]
    log_tab = value_explained(cust.assign(v=np.log(value.to_numpy())), "v")
    assert 0 < log_tab.loc["income_band", "r2"] < 0.2


def test_age_bands():
    b = age_bands(pd.Series([17, 18, 34, 35, 90]))
    assert b.tolist() == ["<18", "18-24", "25-34", "35-44", "65+"]
    assert b.cat.ordered


# ----------------------------------------------------------------------------- bad input


def _tx():
    return pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-01-03",
                                                             "2024-01-02"],
                         "amount": [10.0, 5.0, 7.0]})


@pytest.mark.parametrize("mutate, words", [
    (lambda t: t.drop(columns="amount"), "amount"),
    (lambda t: t.drop(columns="date"), "date"),
    (lambda t: t.assign(amount=[1.0, np.nan, 2.0]), "NaN"),
    (lambda t: t.assign(amount=[1.0, -3.0, 2.0]), "negative"),
    (lambda t: t.assign(amount=["1", "2", "x"]), "numeric"),
    (lambda t: t.assign(date=["2024-01-01", None, "2024-01-02"]), "missing date"),
    (lambda t: t.iloc[:0], "empty"),
])
@pytest.mark.parametrize("func", [rfm_table, behaviour_features])
def test_transactions_bad_input(func, mutate, words):
    with pytest.raises(ValueError, match=words) as err:
        func(mutate(_tx()))
    assert "How to fix" in str(err.value)


@pytest.mark.parametrize("mutate, words", [
    (lambda r: r.drop(columns="frequency"), "frequency"),
    (lambda r: r.assign(monetary=[1.0, np.nan]), "monetary"),
    (lambda r: r.assign(monetary=[1.0, -2.0]), "negative"),
    (lambda r: r.iloc[:0], "empty"),
])
def test_rfm_scores_bad_input(mutate, words):
    rfm = pd.DataFrame({"recency_days": [1, 2], "frequency": [1, 2], "monetary": [1.0, 2.0]})
    with pytest.raises(ValueError, match=words):
        rfm_scores(mutate(rfm))


@pytest.mark.parametrize("X, words", [
    (pd.DataFrame({"a": [1.0, np.nan, 2.0]}), "NaN"),
    (pd.DataFrame({"a": ["x", "y", "z"]}), "numeric"),
    (pd.DataFrame({"a": []}), "empty"),
    (np.ones(5), "2-D"),
])
def test_feature_matrix_bad_input(X, words):
    for call in (lambda: fit_segments(X, 2), lambda: choose_k(X, [2]),
                 lambda: cluster_stability(X, 2)):
        with pytest.raises(ValueError, match=words):
            call()


def test_fit_segments_bad_parameters(blobs_by_id):
    X, _ = blobs_by_id
    with pytest.raises(ValueError, match="'k'"):
        fit_segments(X, 1)
    with pytest.raises(ValueError, match="method"):
        fit_segments(X, 3, method="dbscan")
    with pytest.raises(ValueError, match="order_by"):
        fit_segments(X, 3, order_by="spend")


# ----------------------------------------------------------------------------- plots


def test_plots_take_computed_results(blobs_by_id):
    import matplotlib.pyplot as plt

    from crm_lab import plots
    segment_profile_plot = plots.segment_profile_plot
    from crm_lab.segmentation import rfm_value_matrix

    rng = np.random.default_rng(0)
    rfm = pd.DataFrame({"recency_days": rng.integers(1, 400, 300),
                        "frequency": rng.geometric(0.4, 300),
                        "monetary": rng.gamma(2, 50, 300)})
    sc = rfm_scores(rfm)
    ax = segment_profile_plot(segment_profiles(rfm, rfm_segments(sc)))
    assert len(ax.patches) == 2 * len(RFM_SEGMENTS) and ax.get_legend() is not None
    ax = segment_profile_plot(abc_summary(rfm["monetary"], abc_classes(rfm["monetary"])))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    with pytest.raises(ValueError, match="value_share"):
        segment_profile_plot(segment_profiles(rfm.drop(columns="monetary"), rfm_segments(sc)))
    plots.rfm_heatmap(rfm_value_matrix(sc, rfm))
    plots.lorenz_plot(lorenz_curve(rfm["monetary"]))
    assert len(plots.k_selection_plot(choose_k(blobs_by_id[0], range(2, 4), n_init=2))) == 3
    plt.close("all")


def test_behaviour_features_signals_from_a_log_with_line_items():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3], "transaction_id": [10, 11, 12, 13],
                       "date": pd.to_datetime(["2024-11-02", "2024-06-01", "2024-12-24",
                                               "2024-03-01"]),
                       "amount": [10.0, 20.0, 5.0, 8.0], "discount": [2.0, 0.0, 0.0, 1.0],
                       "channel": ["online", "app", "store", "app"]})
    li = pd.DataFrame({"transaction_id": [10, 10, 11, 12, 12, 13],
                       "category": ["a", "b", "a", "c", "c", "b"]})
    raw = behaviour_features(tx, signals="all", line_items=li, standardize=False)
    assert list(raw.columns[3:]) == ["promo_share", "category_breadth", "online_share",
                                     "app_share", "peak_season_share"]
    np.testing.assert_allclose(raw["promo_share"], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(raw["category_breadth"], [2 / 3, 1 / 2, 1.0])  # min(lines, 3)
    np.testing.assert_allclose(raw["online_share"], [0.5, 0.0, 0.0])
    np.testing.assert_allclose(raw["app_share"], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(raw["peak_season_share"], [0.5, 1.0, 0.0])
    std = behaviour_features(tx, signals="all", line_items=li)
    np.testing.assert_allclose(std.std(ddof=0), 1)
    # "available" keeps what the columns allow; an RFM table cannot give signals
    avail = behaviour_features(tx.drop(columns=["discount"]), signals="available")
    assert "promo_share" not in avail and "app_share" in avail
    with pytest.raises(ValueError, match="transaction log"):
        behaviour_features(rfm_table(tx), signals=["promo_share"])
    with pytest.raises(ValueError, match="line_items"):
        behaviour_features(tx, signals=["category_breadth"])
    with pytest.raises(ValueError, match="signals"):
        behaviour_features(tx, signals=["loyalty"])
    with pytest.raises(ValueError, match="discount"):
        behaviour_features(tx.drop(columns=["discount"]), signals=["promo_share"])
