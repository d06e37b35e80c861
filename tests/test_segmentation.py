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
