"""Tests of crm_lab.mining: itemsets, rules, cross-selling, sequences and decision rules."""

from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from crm_lab import mining as M
from crm_lab.simulate import simulate_company
from crm_lab.validate import DataError, ParameterError


@pytest.fixture(scope="module")
def company():
    return simulate_company(3000, seed=5)


@pytest.fixture(scope="module")
def baskets(company):
    return M.basket_matrix(company.line_items)


def _random_baskets(seed: int, n: int = 2000, k: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, k + 1) ** 0.8
    m = rng.random((n, k)) < (0.5 * p)[None, :]
    m[:, 1] |= m[:, 0] & (rng.random(n) < 0.5)  # some structure
    return pd.DataFrame(m, columns=[f"i{j:02d}" for j in range(k)])


def _brute_force(b: pd.DataFrame, min_count: int, max_len: int) -> dict:
    """Count every subset of every basket (only for small baskets): a third implementation."""
    counts: Counter = Counter()
    cols = np.asarray(b.columns)
    for row in b.to_numpy():
        items = tuple(cols[row])
        for r in range(1, min(max_len, len(items)) + 1):
            counts.update(frozenset(c) for c in combinations(items, r))
    return {s: c for s, c in counts.items() if c >= min_count}


def _as_dict(fi: pd.DataFrame) -> dict:
    return dict(zip(fi["itemsets"], fi["count"], strict=True))


@pytest.mark.parametrize("min_support", [0.02, 0.01, 0.005])
def test_itemset_counts_agree_across_implementations(min_support):
    b = _random_baskets(1)
    res = {alg: _as_dict(M.frequent_itemsets(b, min_support, algorithm=alg))
           for alg in M.ALGORITHMS}
    assert res["fpgrowth"] == res["apriori"] == res["eclat"]
    longest = max(len(s) for s in res["eclat"])
    brute = _brute_force(b, int(np.ceil(min_support * len(b))), longest)
    assert brute == res["eclat"]


def test_itemset_counts_agree_on_company_baskets(baskets):
    fp = _as_dict(M.frequent_itemsets(baskets, 0.003))
    ec = _as_dict(M.frequent_itemsets(baskets, 0.003, algorithm="eclat"))
    assert fp == ec
    brute = _brute_force(baskets, int(np.ceil(0.003 * len(baskets))), 5)
    assert brute == ec  # baskets hold at most 5 products


def test_support_is_count_over_baskets_and_threshold_inclusive():
    b = pd.DataFrame({"a": [True, True, False, False], "b": [True, False, True, False]})
    fi = M.frequent_itemsets(b, 0.25)
    assert fi.attrs["n_baskets"] == 4
    assert _as_dict(fi) == {frozenset({"a"}): 2, frozenset({"b"}): 2, frozenset({"a", "b"}): 1}
    assert np.allclose(fi["support"], fi["count"] / 4)


def test_rule_metrics_by_hand():
    # a in 3 of 5 baskets, c in 3, a & c in 2
    b = pd.DataFrame({"a": [1, 1, 1, 0, 0], "c": [1, 1, 0, 1, 0]}).astype(bool)
    rules = M.association_rules(M.frequent_itemsets(b, 0.2), 0.1, min_lift=0)
    r = rules.set_index("rule").loc["a -> c"]
    assert r["support"] == pytest.approx(0.4)
    assert r["confidence"] == pytest.approx(2 / 3)
    assert r["lift"] == pytest.approx((2 / 3) / 0.6)
    assert r["leverage"] == pytest.approx(0.4 - 0.36)
    assert r["conviction"] == pytest.approx((1 - 0.6) / (1 - 2 / 3))


def test_planted_rules_recovered(company, baskets):
    """The simulator plants four rules with known confidence (crm_lab/simulate/__init__.py, step 5);
    with ~30,000 baskets each is found with a high lift, confidence within 0.05."""
    rules = M.association_rules(M.frequent_itemsets(baskets, 0.002), 0.3)
    rec = M.planted_rule_recovery(rules, company.truth.rules)
    assert rec["found"].all(), rec
    assert (rec["abs_error"] < 0.05).all(), rec
    assert (rec["lift"] > 5).all()
    planted = {frozenset(t["antecedent"]) | {t["consequent"]} for t in company.truth.rules}
    # no false discoveries among the strong rules: each one uses two items of a planted set
    strong = rules[rules["lift"] > 5]
    for a, c in zip(strong.antecedents, strong.consequents, strict=True):
        assert any(len(p & (a | c)) >= 2 for p in planted), (a, c)


def test_recommend_and_hit_rate():
    rules = pd.DataFrame({"antecedents": [frozenset({"a"}), frozenset({"a"}), frozenset({"b"})],
                          "consequents": [frozenset({"x"}), frozenset({"y"}), frozenset({"x"})],
                          "confidence": [0.5, 0.7, 0.9], "lift": [2.0, 3.0, 4.0],
                          "rule": ["a -> x", "a -> y", "b -> x"]})
    hist = pd.DataFrame({"customer_id": [1, 1, 2, 3], "product_id": ["a", "b", "a", "y"]})
    recs = M.recommend(rules, hist, n=2)
    assert recs[recs.customer_id == 1]["item"].tolist() == ["x", "y"]
    assert recs[recs.customer_id == 1]["confidence"].tolist() == [0.9, 0.7]
    assert recs[recs.customer_id == 2]["item"].tolist() == ["y", "x"]
    assert 3 not in set(recs.customer_id)
    later = pd.DataFrame({"customer_id": [1, 2], "product_id": ["x", "z"]})
    assert M.hit_rate(recs, later) == 0.5
    pop = M.popular_recommend(hist, [3], n=1)
    assert pop["item"].tolist() == ["a"]


def test_cross_sell_evaluation(company):
    cs = M.evaluate_cross_sell(company.line_items, company.transactions, "2025-06-30",
                               min_support=0.002, min_confidence=0.3)
    s = cs.summary()
    assert s["customers"].iloc[0] == cs.n_customers > 100
    assert s["suggestions_each"].iloc[0] == pytest.approx(s["suggestions_each"].iloc[1])
    assert 0 < cs.hit_rate_rules < 1 and 0 < cs.hit_rate_popular < 1
    assert (cs.recommendations.groupby("customer_id").size() <= 3).all()


def test_markov_chain_recovers_planted_transitions():
    rng = np.random.default_rng(3)
    cats = np.array(["a", "b", "c"])
    P = np.array([[0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1]])
    rows = []
    for cust in range(400):
        s = rng.integers(3)
        for t in range(15):
            rows.append((cust, pd.Timestamp("2024-01-01") + pd.Timedelta(days=t), cats[s]))
            s = rng.choice(3, p=P[s])
    seq = pd.DataFrame(rows, columns=["customer_id", "date", "category"])
    m = M.NextCategoryModel(smoothing=0).fit(seq)
    assert np.abs(m.transition_.to_numpy() - P).max() < 0.03
    sc = m.score(seq)
    assert sc.loc["Markov chain", "accuracy"] > sc.loc["most common category", "accuracy"] + 0.2
    assert m.independence_test()["p_value"] < 1e-6


def test_simulated_categories_follow_customers_favourites(company):
    """Since issue 13 every simulated customer has two favourite categories
    (``truth.customers.favourite_categories``) and takes most basket items from them, so the
    last purchase's category predicts the next one: the chain beats the most common category
    clearly (measured 0.19 on this company) and the dependence is no longer negligible."""
    seq = M.purchase_sequences(company.transactions, company.line_items)
    m = M.NextCategoryModel().fit(seq[seq.date <= "2025-06-30"])
    sc = m.score(seq, after="2025-06-30")
    gain = sc.loc["Markov chain", "accuracy"] - sc.loc["most common category", "accuracy"]
    assert gain > 0.05
    assert m.independence_test()["cramers_v"] > 0.05
    # ... but the baskets are independent given the customer: the customer's own favourite
    # category so far predicts better than the pooled chain (measured 0.48 against 0.37).
    fav = sc.loc["customer's favourite so far"]
    assert fav["accuracy"] > sc.loc["Markov chain", "accuracy"] + 0.05
    assert fav["log_loss"] < sc.loc["Markov chain", "log_loss"]


def test_favourite_baseline_by_hand():
    """Customer 1 buys a, a, b, then a; customer 2 buys b, a. Favourites before each next
    purchase: a (a:1), a (a:2), a (a:2 b:1); for customer 2, b (tie a:0 b:1 -> b)."""
    seq = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2, 2],
                        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01",
                                                "2024-04-01", "2024-01-05", "2024-02-05"]),
                        "category": ["a", "a", "b", "a", "b", "a"]})
    m = M.NextCategoryModel().fit(seq)
    sc = m.score(seq)
    # next purchases a, b, a (customer 1) and a (customer 2); favourites a, a, a and b
    assert sc.loc["customer's favourite so far", "accuracy"] == pytest.approx(0.5)
    assert (sc["transitions"] == 4).all()


def test_purchase_sequences_main_category():
    tx = pd.DataFrame({"transaction_id": [1, 2], "customer_id": [5, 5],
                       "date": ["2024-01-01", "2024-02-01"], "amount": [30.0, 5.0]})
    li = pd.DataFrame({"transaction_id": [1, 1, 2], "category": ["books", "toys", "toys"],
                       "price": [10.0, 20.0, 5.0]})
    assert M.purchase_sequences(tx, li)["category"].tolist() == ["toys", "toys"]
    with pytest.raises(DataError, match="no line items"):
        M.purchase_sequences(tx, li[li.transaction_id == 1])


def test_decision_rules_find_recency(company):
    X = M.repeat_purchase_table(company.transactions, "2025-06-30", 180)
    assert X["bought_again"].dtype == bool
    res = M.decision_rules(X.drop(columns="bought_again"), X["bought_again"], max_depth=3)
    assert res.importance.index[0] == "recency_days"
    assert res.metrics.loc["decision tree", "auc"] > 0.8
    assert res.metrics.loc["decision tree", "accuracy"] > res.metrics.loc["majority class",
                                                                          "accuracy"]
    assert "recency_days <=" in res.rules
    assert res.leaves["customers"].sum() == len(X) - int(np.ceil(len(X) * 0.3))
    assert res.leaves["share_positive"].is_monotonic_decreasing


def test_decision_rules_truth(company):
    """Customers the tree rates likelier to buy again are truly more often alive."""
    X = M.repeat_purchase_table(company.transactions, "2025-06-30", 180)
    res = M.decision_rules(X.drop(columns="bought_again"), X["bought_again"], max_depth=3)
    p = res.model.predict_proba(X.drop(columns="bought_again"))[:, 1]
    drop = company.truth.customers["dropout_date"].reindex(X.index)
    alive = (drop.isna() | (drop > pd.Timestamp("2025-06-30"))).to_numpy()
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(alive, p) > 0.8


def test_bad_inputs(baskets):
    with pytest.raises(DataError, match="product_id"):
        M.basket_matrix(pd.DataFrame({"transaction_id": [1]}))
    with pytest.raises(DataError, match="missing"):
        M.basket_matrix(pd.DataFrame({"transaction_id": [1, 2], "product_id": [1, None]}))
    with pytest.raises(DataError, match="True/False"):
        M.frequent_itemsets(baskets.astype(int))
    with pytest.raises(DataError, match="empty"):
        M.frequent_itemsets(baskets.iloc[:0])
    with pytest.raises(ParameterError, match="min_support"):
        M.frequent_itemsets(baskets, 0)
    with pytest.raises(ParameterError, match="algorithm"):
        M.frequent_itemsets(baskets, 0.1, algorithm="magic")
    fi = M.frequent_itemsets(baskets, 0.05)
    with pytest.raises(ParameterError, match="min_confidence"):
        M.association_rules(fi, 1.5)
    with pytest.raises(DataError, match="n_baskets"):
        M.association_rules(pd.DataFrame({"itemsets": [frozenset({1})], "support": [0.5]}))
    X = pd.DataFrame({"a": [1.0, np.nan]})
    with pytest.raises(DataError, match="'a'"):
        M.decision_rules(X, [True, False])
    with pytest.raises(DataError, match="two classes"):
        M.decision_rules(pd.DataFrame({"a": [1.0, 2.0]}), [True, True])
    tx = pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(ParameterError, match="horizon_days"):
        M.repeat_purchase_table(tx, "2024-01-01", 30)
