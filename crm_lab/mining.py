"""Data mining for CRM: market baskets, cross-selling, purchase sequences and decision rules.

The chapter follows the CRISP-DM cycle (business understanding -> data understanding ->
data preparation -> modelling -> evaluation -> deployment). This module holds the modelling
and evaluation steps; the data preparation is the warehouse (:mod:`crm_lab.warehouse`).

* **Market basket analysis** (购物篮分析): which products are bought together.
  :func:`basket_matrix` turns line items into one True/False row per basket,
  :func:`frequent_itemsets` finds the item sets in at least ``min_support`` of baskets
  (FP-growth or Apriori from mlxtend, or this module's own Eclat, an independent count),
  :func:`association_rules` turns them into rules ``A -> C`` with

  - support ``P(A and C)``, confidence ``P(C | A)``, lift ``P(C | A) / P(C)``,
  - leverage ``P(A and C) - P(A) P(C)`` and conviction ``(1 - P(C)) / (1 - conf)``.

  :func:`planted_rule_recovery` checks the rules against the simulator's planted ones.
* **Cross-selling** (交叉销售): :func:`recommend` turns rules into "customers who bought A
  also buy C" suggestions per customer; :func:`evaluate_cross_sell` mines rules on an earlier
  period and counts how often a suggestion is bought later, against suggesting the most
  popular products (:func:`popular_recommend`).
* **Sequences** (序列模式): :func:`purchase_sequences` gives each purchase its main
  category; :class:`NextCategoryModel` is a first-order Markov chain over categories,
  scored against always predicting the most common category.
* **Decision rules** (决策树): :func:`repeat_purchase_table` builds a CRM target (does the
  customer buy again in the next months?) from RFM features; :func:`decision_rules` fits a
  shallow tree and prints it as if-then rules (scikit-learn ``export_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_transactions,
)

__all__ = ["basket_matrix", "frequent_itemsets", "association_rules", "planted_rule_recovery",
           "recommend", "popular_recommend", "hit_rate", "evaluate_cross_sell", "CrossSell",
           "purchase_sequences", "NextCategoryModel", "repeat_purchase_table", "decision_rules",
           "DecisionRules", "ALGORITHMS"]

#: Frequent-itemset algorithms :func:`frequent_itemsets` offers.
ALGORITHMS = ("fpgrowth", "apriori", "eclat")


# ============================================================================ baskets


def basket_matrix(line_items: pd.DataFrame, *, basket: str = "transaction_id",
                  item: str = "product_id") -> pd.DataFrame:
    """One row per basket, one True/False column per item (the input of itemset mining).

    Parameters
    ----------
    line_items : DataFrame
        One row per item in a basket.
    basket, item : str
        The basket id and item columns (e.g. ``item="category"`` for category baskets).

    Returns
    -------
    DataFrame of bool
        Indexed by basket id (sorted), columns the items (sorted). An item twice in a
        basket counts once.

    Examples
    --------
    >>> import pandas as pd
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2], "product_id": ["a", "b", "a"]})
    >>> basket_matrix(li)  # doctest: +NORMALIZE_WHITESPACE
    product_id         a      b
    transaction_id
    1               True   True
    2               True  False
    """
    check_columns(line_items, [basket, item], "line_items")
    for c in (basket, item):
        if line_items[c].isna().any():
            raise DataError(f"line_items[{c!r}]: {int(line_items[c].isna().sum()):,} missing "
                            "values.\nHow to fix: drop or repair those rows explicitly.")
    b_codes, b_uniques = pd.factorize(line_items[basket], sort=True)
    i_codes, i_uniques = pd.factorize(line_items[item], sort=True)
    m = np.zeros((len(b_uniques), len(i_uniques)), dtype=bool)
    m[b_codes, i_codes] = True
    return pd.DataFrame(m, index=pd.Index(b_uniques, name=basket),
                        columns=pd.Index(i_uniques, name=item))


def _check_baskets(baskets) -> pd.DataFrame:
    if not isinstance(baskets, pd.DataFrame):
        raise DataError(f"baskets: expected a True/False DataFrame (from basket_matrix), got "
                        f"{type(baskets).__name__}.")
    if baskets.shape[0] == 0 or baskets.shape[1] == 0:
        raise DataError("baskets: the table is empty.\nHow to fix: pass at least one basket.")
    if not all(pd.api.types.is_bool_dtype(t) for t in baskets.dtypes):
        raise DataError("baskets: every column must be True/False.\nHow to fix: build it with "
                        "crm_lab.mining.basket_matrix(line_items).")
    return baskets


def _eclat(m: np.ndarray, min_count: int, max_len: int | None) -> list[tuple[tuple, int]]:
    """Frequent itemsets by Eclat: depth-first intersection of basket bitsets (Python ints).

    Independent of mlxtend: counts come from ``int.bit_count`` of the intersections.
    """
    n = m.shape[0]
    packed = np.packbits(m, axis=0, bitorder="little")  # (ceil(n / 8), k) bytes per item
    sets = [int.from_bytes(packed[:, j].tobytes(), "little") for j in range(m.shape[1])]
    items = [(j, s) for j, s in enumerate(sets) if s.bit_count() >= min_count]
    out: list[tuple[tuple, int]] = []
    limit = max_len if max_len is not None else n

    def grow(prefix: tuple, tail: list) -> None:
        for k, (j, s) in enumerate(tail):
            c = s.bit_count()
            itemset = prefix + (j,)
            out.append((itemset, c))
            if len(itemset) >= limit:
                continue
            nxt = []
            for j2, s2 in tail[k + 1:]:
                t = s & s2
                if t.bit_count() >= min_count:
                    nxt.append((j2, t))
            if nxt:
                grow(itemset, nxt)

    grow((), items)
    return out


def frequent_itemsets(baskets: pd.DataFrame, min_support: float = 0.01, *,
                      max_len: int | None = None, algorithm: str = "fpgrowth") -> pd.DataFrame:
    """Item sets contained in at least ``min_support`` of the baskets (频繁项集).

    Parameters
    ----------
    baskets : DataFrame of bool
        From :func:`basket_matrix`.
    min_support : float in (0, 1]
        Minimum share of baskets.
    max_len : int, optional
        Longest item set.
    algorithm : {"fpgrowth", "apriori", "eclat"}
        mlxtend's ``fpgrowth`` (default) or ``apriori``, or this module's own Eclat (an
        independent implementation; the three give identical counts).

    Returns
    -------
    DataFrame
        ``itemsets`` (frozenset of item labels), ``count`` (baskets), ``support``,
        ``length``, sorted by length then count (descending). ``attrs`` holds
        ``n_baskets`` and ``min_support``.

    Examples
    --------
    >>> import pandas as pd
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2, 2, 3], "product_id": list("ababa")})
    >>> fi = frequent_itemsets(basket_matrix(li), 0.5)
    >>> fi[["count", "length"]].values.tolist()
    [[3, 1], [2, 1], [2, 2]]
    """
    b = _check_baskets(baskets)
    check_param("min_support", min_support, kind=(int, float), low=1e-9, high=1.0,
                hint="Use a share of baskets such as 0.01 (1 %).")
    check_param("algorithm", algorithm, allowed=ALGORITHMS)
    if max_len is not None:
        check_param("max_len", max_len, kind=int, low=1)
    n = len(b)
    min_count = int(np.ceil(min_support * n - 1e-9))
    labels = list(b.columns)
    if algorithm == "eclat":
        found = _eclat(b.to_numpy(), min_count, max_len)
        out = pd.DataFrame({"itemsets": [frozenset(labels[j] for j in s) for s, _ in found],
                            "count": np.array([c for _, c in found], dtype=np.int64)})
    else:
        from mlxtend import frequent_patterns as fp

        fn = fp.fpgrowth if algorithm == "fpgrowth" else fp.apriori
        # mlxtend compares support >= min_support in floats; ask for the count threshold
        res = fn(b, min_support=min_count / n - 0.5 / n, use_colnames=True, max_len=max_len)
        out = pd.DataFrame({"itemsets": res["itemsets"].to_list(),
                            "count": np.rint(res["support"].to_numpy() * n).astype(np.int64)})
    out["support"] = out["count"] / n
    out["length"] = out["itemsets"].map(len).astype(np.int64)
    out["_key"] = out["itemsets"].map(lambda s: tuple(sorted(map(str, s))))
    out = (out.sort_values(["length", "count", "_key"], ascending=[True, False, True])
           .drop(columns="_key").reset_index(drop=True))
    out.attrs.update({"n_baskets": n, "min_support": float(min_support),
                      "algorithm": algorithm})
    return out


def _label(items) -> str:
    return ", ".join(str(x) for x in sorted(items, key=str))


def association_rules(itemsets: pd.DataFrame, min_confidence: float = 0.3, *,
                      min_lift: float = 1.0) -> pd.DataFrame:
    """Association rules ``A -> C`` from frequent item sets (关联规则), by mlxtend.

    Parameters
    ----------
    itemsets : DataFrame
        From :func:`frequent_itemsets` (needs ``attrs["n_baskets"]``).
    min_confidence : float in (0, 1]
        Minimum ``P(C | A)``.
    min_lift : float, default 1.0
        Keep rules whose lift is at least this (1 = no better than chance).

    Returns
    -------
    DataFrame
        One row per rule, sorted by lift (descending): ``rule`` (text), ``antecedents``,
        ``consequents`` (frozensets), ``antecedent_support``, ``consequent_support``,
        ``support``, ``confidence``, ``lift``, ``leverage``, ``conviction``
        (``inf`` for rules that never fail).

    Examples
    --------
    >>> import pandas as pd
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2, 2, 3, 4], "product_id": list("ababcc")})
    >>> rules = association_rules(frequent_itemsets(basket_matrix(li), 0.25), 0.5)
    >>> rules[["rule", "confidence", "lift"]]  # doctest: +NORMALIZE_WHITESPACE
         rule  confidence  lift
    0  a -> b         1.0   2.0
    1  b -> a         1.0   2.0
    """
    check_columns(itemsets, ["itemsets", "support"], "itemsets",
                  hint="Compute them with crm_lab.mining.frequent_itemsets.")
    n = itemsets.attrs.get("n_baskets")
    if n is None:
        raise DataError("itemsets: attrs['n_baskets'] is missing.\nHow to fix: pass the frame "
                        "frequent_itemsets returned, unchanged.")
    check_param("min_confidence", min_confidence, kind=(int, float), low=1e-9, high=1.0)
    check_param("min_lift", min_lift, kind=(int, float), low=0.0)
    from mlxtend import frequent_patterns as fp

    cols = ["antecedents", "consequents", "antecedent_support", "consequent_support",
            "support", "confidence", "lift", "leverage", "conviction"]
    if not (itemsets["length"] > 1).any():
        return pd.DataFrame(columns=["rule", *cols])
    res = fp.association_rules(itemsets[["support", "itemsets"]], num_itemsets=int(n),
                               metric="confidence", min_threshold=float(min_confidence) - 1e-12)
    res = res.rename(columns={"antecedent support": "antecedent_support",
                              "consequent support": "consequent_support"})[cols]
    res = res[res["lift"] >= min_lift].copy()
    res.insert(0, "rule", [f"{_label(a)} -> {_label(c)}"
                           for a, c in zip(res["antecedents"], res["consequents"], strict=True)])
    res = res.sort_values(["lift", "confidence", "rule"], ascending=[False, False, True])
    res.attrs.update({"n_baskets": int(n), "min_confidence": float(min_confidence)})
    return res.reset_index(drop=True)


def planted_rule_recovery(rules: pd.DataFrame, truth_rules: Sequence[dict]) -> pd.DataFrame:
    """The simulator's planted rules beside what :func:`association_rules` found.

    Parameters
    ----------
    rules : DataFrame
        From :func:`association_rules` over product ids.
    truth_rules : list of dict
        ``company.truth.rules`` (``antecedent`` ids, ``consequent`` id, ``confidence``).

    Returns
    -------
    DataFrame
        One row per planted rule: ``rule``, ``true_confidence``, ``found``,
        ``confidence``, ``lift``, ``lift_rank`` (1 = strongest rule found) and
        ``abs_error`` (of the confidence).

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> co = simulate_company(1500, seed=1)
    >>> rules = association_rules(frequent_itemsets(basket_matrix(co.line_items), 0.002), 0.3)
    >>> bool(planted_rule_recovery(rules, co.truth.rules)["found"].all())
    True
    """
    check_columns(rules, ["antecedents", "consequents", "confidence", "lift"], "rules")
    rank = pd.Series(np.arange(1, len(rules) + 1), index=rules.index)
    rows = []
    for t in truth_rules:
        a, c = frozenset(t["antecedent"]), frozenset([t["consequent"]])
        hit = rules[(rules["antecedents"] == a) & (rules["consequents"] == c)]
        found = len(hit) > 0
        conf = float(hit["confidence"].iloc[0]) if found else np.nan
        rows.append({"rule": f"{_label(a)} -> {_label(c)}",
                     "true_confidence": float(t["confidence"]), "found": found,
                     "confidence": conf, "lift": float(hit["lift"].iloc[0]) if found else np.nan,
                     "lift_rank": int(rank[hit.index[0]]) if found else pd.NA,
                     "abs_error": abs(conf - float(t["confidence"])) if found else np.nan})
    return pd.DataFrame(rows).set_index("rule")


# ============================================================================ cross-selling


def _history(purchases: pd.DataFrame, item: str) -> pd.Series:
    check_columns(purchases, ["customer_id", item], "purchases")
    return purchases.groupby("customer_id")[item].agg(frozenset)


def recommend(rules: pd.DataFrame, purchases: pd.DataFrame, n: int = 3, *,
              item: str = "product_id") -> pd.DataFrame:
    """Cross-sell suggestions: the consequents of rules whose antecedent a customer bought.

    Each customer gets up to ``n`` items they have not bought yet, ranked by the best
    confidence of a rule that suggests them (ties: higher lift, then item label).

    Parameters
    ----------
    rules : DataFrame
        From :func:`association_rules`.
    purchases : DataFrame
        ``customer_id`` and ``item``: what each customer has bought so far.
    n : int, default 3
        Suggestions per customer.

    Returns
    -------
    DataFrame
        ``customer_id``, ``rank``, ``item``, ``confidence``, ``lift``, ``rule``; customers no
        rule applies to are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2, 2, 3, 4], "product_id": list("ababcc")})
    >>> rules = association_rules(frequent_itemsets(basket_matrix(li), 0.25), 0.5)
    >>> hist = pd.DataFrame({"customer_id": [7, 8], "product_id": ["a", "c"]})
    >>> recommend(rules, hist)[["customer_id", "item", "confidence"]]
       customer_id item  confidence
    0            7    b         1.0
    """
    check_columns(rules, ["antecedents", "consequents", "confidence", "lift"], "rules")
    check_param("n", n, kind=int, low=1)
    hist = _history(purchases, item)
    single = rules[rules["consequents"].map(len) == 1]
    rows = []
    for cust, owned in hist.items():
        best: dict = {}
        for a, c, conf, lift, rule in zip(single["antecedents"], single["consequents"],
                                          single["confidence"], single["lift"], single["rule"],
                                          strict=True):
            (x,) = c
            if x in owned or not a <= owned:
                continue
            if x not in best or (conf, lift) > best[x][:2]:
                best[x] = (conf, lift, rule)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], str(kv[0])))[:n]
        rows += [(cust, r + 1, x, v[0], v[1], v[2]) for r, (x, v) in enumerate(ranked)]
    return pd.DataFrame(rows, columns=["customer_id", "rank", "item", "confidence", "lift",
                                       "rule"])


def popular_recommend(purchases: pd.DataFrame, customers, n=3, *,
                      item: str = "product_id") -> pd.DataFrame:
    """The baseline: each customer's ``n`` most popular items they have not bought yet.

    Popularity is the number of distinct customers who bought the item in ``purchases``.
    ``n`` is one number for everybody or a mapping ``{customer_id: n}`` (to give each
    customer as many suggestions as another method did).

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"customer_id": [1, 2, 2, 3], "product_id": list("abac")})
    >>> popular_recommend(hist, [3], n=2)["item"].tolist()
    ['a', 'b']
    """
    counts = n if isinstance(n, dict | pd.Series) else None
    if counts is None:
        check_param("n", n, kind=int, low=1)
    hist = _history(purchases, item)
    pop = (purchases.drop_duplicates(["customer_id", item]).groupby(item).size()
           .rename("buyers").reset_index())
    pop["_key"] = pop[item].astype(str)
    order = pop.sort_values(["buyers", "_key"], ascending=[False, True])[item].tolist()
    rows = []
    for cust in customers:
        owned = hist.get(cust, frozenset())
        k = int(counts[cust]) if counts is not None else n
        picks = [x for x in order if x not in owned][:k]
        rows += [(cust, r + 1, x) for r, x in enumerate(picks)]
    return pd.DataFrame(rows, columns=["customer_id", "rank", "item"])


def hit_rate(recommendations: pd.DataFrame, future: pd.DataFrame, *,
             item: str = "product_id") -> float:
    """Share of recommended customers who bought at least one suggested item later.

    Only customers who appear in ``future`` (bought anything later) are counted.

    Examples
    --------
    >>> import pandas as pd
    >>> recs = pd.DataFrame({"customer_id": [1, 2], "item": ["a", "b"]})
    >>> later = pd.DataFrame({"customer_id": [1, 2], "product_id": ["a", "c"]})
    >>> hit_rate(recs, later)
    0.5
    """
    check_columns(recommendations, ["customer_id", "item"], "recommendations")
    fut = _history(future, item)
    recs = recommendations[recommendations["customer_id"].isin(fut.index)]
    if len(recs) == 0:
        return float("nan")
    hit = recs.groupby("customer_id")["item"].agg(frozenset)
    return float(np.mean([bool(h & fut[c]) for c, h in hit.items()]))


@dataclass
class CrossSell:
    """Rules mined on an earlier period, evaluated on a later one (:func:`evaluate_cross_sell`).

    Attributes
    ----------
    rules : DataFrame
        Rules mined on the training baskets.
    recommendations : DataFrame
        Rule-based suggestions per customer.
    baseline : DataFrame
        Popularity suggestions for the same customers, as many per customer as the rules
        gave.
    split : pandas.Timestamp
        Last day of the training period.
    n_customers : int
        Customers with a rule-based suggestion who bought again after ``split``.
    hit_rate_rules, hit_rate_popular : float
    """

    rules: pd.DataFrame
    recommendations: pd.DataFrame
    baseline: pd.DataFrame
    split: pd.Timestamp
    n_customers: int
    hit_rate_rules: float
    hit_rate_popular: float
    notes: list = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Hit rate of the rules and of the popularity baseline on the same customers."""
        return pd.DataFrame({
            "customers": [self.n_customers, self.n_customers],
            "suggestions_each": [self.recommendations.groupby("customer_id").size().mean(),
                                 self.baseline.groupby("customer_id").size().mean()],
            "hit_rate": [self.hit_rate_rules, self.hit_rate_popular],
        }, index=pd.Index(["association rules", "most popular"], name="method"))


def evaluate_cross_sell(line_items: pd.DataFrame, transactions: pd.DataFrame, split,
                        min_support: float = 0.005, min_confidence: float = 0.3, n: int = 3, *,
                        item: str = "product_id") -> CrossSell:
    """Mine rules on purchases up to ``split``, suggest, and score the suggestions afterwards.

    Parameters
    ----------
    line_items, transactions : DataFrame
        Line items (``transaction_id``, ``item``) and transactions (``transaction_id``,
        ``customer_id``, ``date``).
    split : date-like
        Last day of the training period (inclusive).
    min_support, min_confidence : float
        Passed to :func:`frequent_itemsets` and :func:`association_rules`.
    n : int
        Suggestions per customer.

    Returns
    -------
    CrossSell

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> co = simulate_company(800, seed=1)
    >>> cs = evaluate_cross_sell(co.line_items, co.transactions, "2025-06-30")
    >>> list(cs.summary().index)
    ['association rules', 'most popular']
    """
    from crm_lab.summary import as_timestamp

    tx = check_transactions(transactions, amount=None, transaction_id="transaction_id")
    check_columns(line_items, ["transaction_id", item], "line_items")
    split = as_timestamp("split", split)
    lines = line_items[["transaction_id", item]].merge(
        tx[["transaction_id", "customer_id", "date"]], on="transaction_id", how="inner")
    before = lines["date"] < split + pd.Timedelta(days=1)
    train, test = lines[before], lines[~before]
    if len(train) == 0 or len(test) == 0:
        raise ParameterError(f"parameter 'split' ({split.date()}) must leave purchases on both "
                             "sides; choose a date inside the log.")
    fi = frequent_itemsets(basket_matrix(train, item=item), min_support)
    rules = association_rules(fi, min_confidence)
    recs = recommend(rules, train, n, item=item)
    active = set(test["customer_id"])
    recs = recs[recs["customer_id"].isin(active)].reset_index(drop=True)
    custs = recs["customer_id"].unique()
    base = popular_recommend(train, custs, recs.groupby("customer_id").size(), item=item)
    return CrossSell(rules=rules, recommendations=recs, baseline=base, split=split,
                     n_customers=len(custs), hit_rate_rules=hit_rate(recs, test, item=item),
                     hit_rate_popular=hit_rate(base, test, item=item))


# ============================================================================ sequences


def purchase_sequences(transactions: pd.DataFrame, line_items: pd.DataFrame) -> pd.DataFrame:
    """Each purchase with its main category (the category with the most spend), in order.

    Spend is summed in whole cents; a tie between categories goes to the first by name.

    Returns
    -------
    DataFrame
        ``customer_id``, ``date``, ``transaction_id``, ``category``, sorted by customer,
        date and transaction id.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"transaction_id": [1, 2], "customer_id": [5, 5],
    ...                    "date": ["2024-01-01", "2024-02-01"], "amount": [30.0, 5.0]})
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2], "category": ["books", "toys", "toys"],
    ...                    "price": [10.0, 20.0, 5.0]})
    >>> purchase_sequences(tx, li)["category"].tolist()
    ['toys', 'toys']
    """
    tx = check_transactions(transactions, transaction_id="transaction_id")
    check_columns(line_items, ["transaction_id", "category", "price"], "line_items")
    # Sum in whole cents, so that two categories with the same spend tie exactly (float sums
    # in another order could break the tie either way); ties go to the first category by name.
    cents = line_items[["transaction_id", "category"]].assign(
        cents=np.round(line_items["price"].to_numpy(dtype=float) * 100).astype(np.int64))
    spend = (cents.groupby(["transaction_id", "category"], sort=True)["cents"].sum()
             .reset_index().sort_values(["transaction_id", "cents", "category"],
                                        ascending=[True, False, True]))
    main = spend.drop_duplicates("transaction_id").set_index("transaction_id")["category"]
    out = tx[["customer_id", "date", "transaction_id"]].copy()
    out["category"] = out["transaction_id"].map(main)
    missing = out["category"].isna()
    if missing.any():
        raise DataError(f"line_items: {int(missing.sum()):,} transactions have no line items."
                        "\nHow to fix: pass the line items of every transaction.")
    return out.sort_values(["customer_id", "date", "transaction_id"]).reset_index(drop=True)


def _ordered(seq: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Purchases sorted by customer and date, and which consecutive rows share a customer."""
    check_columns(seq, ["customer_id", "date", "category"], "sequences",
                  hint="Build them with crm_lab.mining.purchase_sequences.")
    s = seq.sort_values(["customer_id", "date"], kind="stable")
    return s, s["customer_id"].to_numpy()[1:] == s["customer_id"].to_numpy()[:-1]


def _pairs(seq: pd.DataFrame, ordered: tuple | None = None) -> pd.DataFrame:
    s, same = ordered if ordered is not None else _ordered(seq)
    return pd.DataFrame({"customer_id": s["customer_id"].to_numpy()[1:][same],
                         "date": s["date"].to_numpy()[1:][same],
                         "current": s["category"].to_numpy()[:-1][same],
                         "next": s["category"].to_numpy()[1:][same]})


class NextCategoryModel:
    """First-order Markov chain of the next purchase's main category (下一次购买的品类).

    Parameters
    ----------
    smoothing : float, default 1.0
        Pseudo-count added to every transition (Laplace smoothing).

    Attributes
    ----------
    counts_ : DataFrame
        Transition counts, rows = current category, columns = next.
    transition_ : DataFrame
        Row-normalised ``P(next | current)``.
    marginal_ : Series
        ``P(next)`` ignoring the current category: the baseline.

    Examples
    --------
    >>> import pandas as pd
    >>> seq = pd.DataFrame({"customer_id": [1] * 5, "date": pd.date_range("2024-01-01", periods=5),
    ...                     "category": ["a", "b", "a", "b", "a"]})
    >>> m = NextCategoryModel(smoothing=0).fit(seq)
    >>> m.predict(["a", "b"]).tolist()
    ['b', 'a']
    """

    def __init__(self, smoothing: float = 1.0):
        self.smoothing = smoothing

    def fit(self, sequences: pd.DataFrame) -> NextCategoryModel:
        """Count transitions between consecutive purchases of each customer."""
        check_param("smoothing", self.smoothing, kind=(int, float), low=0.0)
        p = _pairs(sequences)
        if len(p) == 0:
            raise DataError("sequences: no customer has two purchases, so there is no "
                            "transition to learn.\nHow to fix: use a longer log.")
        cats = sorted(set(p["current"]) | set(p["next"]))
        counts = pd.crosstab(p["current"], p["next"]).reindex(index=cats, columns=cats,
                                                              fill_value=0)
        counts.index.name, counts.columns.name = "current", "next"
        self.counts_ = counts
        sm = counts + self.smoothing
        self.transition_ = sm.div(sm.sum(axis=1), axis=0)
        self.marginal_ = counts.sum(axis=0) / counts.to_numpy().sum()
        return self

    def predict(self, current) -> np.ndarray:
        """The most likely next category for each current category."""
        best = self.transition_.idxmax(axis=1)
        cur = pd.Series(np.asarray(current, dtype=object))
        fallback = self.marginal_.idxmax()
        return cur.map(best).fillna(fallback).to_numpy()

    def independence_test(self) -> pd.Series:
        """Chi-squared test that the next category does not depend on the current one."""
        from scipy.stats import chi2_contingency

        c = self.counts_.loc[self.counts_.sum(axis=1) > 0, self.counts_.sum(axis=0) > 0]
        res = chi2_contingency(c.to_numpy())
        n = c.to_numpy().sum()
        v = np.sqrt(res.statistic / (n * (min(c.shape) - 1)))
        return pd.Series({"chi2": res.statistic, "dof": res.dof, "p_value": res.pvalue,
                          "cramers_v": v})

    def score(self, sequences: pd.DataFrame, after=None) -> pd.DataFrame:
        """Accuracy and log loss of the chain against two baselines that ignore the order.

        The baselines are *the commonest category* (the same guess for everybody) and *the
        customer's favourite so far* (the category the customer has bought most often up to
        and including the current purchase; ties go to the current one). A chain that beats
        the first but not the second has found that customers differ in what they buy, not
        that one purchase leads to another: purchases that are independent given the
        customer still look like a "sequence" to a pooled Markov chain.

        Parameters
        ----------
        sequences : DataFrame
            Purchases (the test period's transitions are those whose *next* purchase is
            dated after ``after``; all transitions if ``after`` is None). Earlier purchases
            still count in each customer's history.

        Returns
        -------
        DataFrame
            One row per model: ``transitions``, ``accuracy`` and ``log_loss`` (the
            favourite's probabilities are the customer's category counts plus the pooled
            shares as one pseudo-purchase).
        """
        cats = list(self.transition_.columns)
        ordered = _ordered(sequences)
        p = _pairs(sequences, ordered)
        history = _history_counts(ordered, cats)
        if after is not None:
            keep = (p["date"] > pd.Timestamp(after) + pd.Timedelta(days=1)
                    - pd.Timedelta(1)).to_numpy()
            p, history = p[keep], history[keep]
        if len(p) == 0:
            raise DataError("sequences: no transition to score.")
        pred = self.predict(p["current"])
        base = self.marginal_.idxmax()
        tr = self.transition_.reindex(index=cats, columns=cats).fillna(1 / len(cats))
        ci = pd.Index(cats)
        cur, nxt = ci.get_indexer(p["current"]), ci.get_indexer(p["next"])
        ok = (cur >= 0) & (nxt >= 0)
        p_chain = tr.to_numpy()[cur[ok], nxt[ok]]
        marginal = self.marginal_.reindex(cats).fillna(0).to_numpy()
        p_base = marginal[nxt[ok]]
        tie_break = np.zeros_like(history, dtype=float)
        tie_break[np.flatnonzero(cur >= 0), cur[cur >= 0]] = 0.5
        favourite = np.asarray(cats, dtype=object)[np.argmax(history + tie_break, axis=1)]
        h = history[ok]
        p_fav = (h[np.arange(len(h)), nxt[ok]] + marginal[nxt[ok]]) / (h.sum(axis=1) + 1)
        eps = 1e-12
        truth = p["next"].to_numpy()
        return pd.DataFrame({
            "transitions": [len(p)] * 3,
            "accuracy": [float(np.mean(pred == truth)), float(np.mean(truth == base)),
                         float(np.mean(favourite == truth))],
            "log_loss": [float(-np.mean(np.log(p_chain + eps))),
                         float(-np.mean(np.log(p_base + eps))),
                         float(-np.mean(np.log(p_fav + eps)))],
        }, index=pd.Index(["Markov chain", "most common category",
                           "customer's favourite so far"], name="model"))


def _history_counts(ordered: tuple, cats: list) -> np.ndarray:
    """Per transition of :func:`_pairs`, the customer's purchases per category so far."""
    s, same = ordered
    codes = pd.Index(cats).get_indexer(s["category"])
    onehot = np.zeros((len(s), len(cats)), dtype=np.int64)
    known = codes >= 0
    onehot[np.flatnonzero(known), codes[known]] = 1
    cum = pd.DataFrame(onehot).groupby(s["customer_id"].to_numpy(), sort=False).cumsum()
    return cum.to_numpy()[:-1][same]


# ============================================================================ decision rules


def repeat_purchase_table(transactions: pd.DataFrame, cutoff, horizon_days: int = 180, *,
                          customer_id: str = "customer_id", date: str = "date",
                          amount: str = "amount") -> pd.DataFrame:
    """RFM features at ``cutoff`` and whether each customer buys again within the horizon.

    The non-contractual churn question (客户流失): of the customers who had bought by
    ``cutoff``, who buys again in the next ``horizon_days``? Features come from
    :func:`crm_lab.segmentation.rfm_table` on the purchases up to ``cutoff`` (inclusive);
    ``tenure_days`` is the days since the first purchase.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``recency_days``, ``frequency``, ``monetary``,
        ``avg_order_value``, ``tenure_days`` and the target ``bought_again`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [5.0, 6.0, 7.0],
    ...                    "date": ["2024-01-01", "2024-02-20", "2024-01-15"]})
    >>> repeat_purchase_table(tx, "2024-01-31", 20)["bought_again"].tolist()
    [True, False]
    """
    from crm_lab import segmentation
    from crm_lab.summary import as_timestamp

    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    cutoff = as_timestamp("cutoff", cutoff)
    check_param("horizon_days", horizon_days, kind=int, low=1)
    end = cutoff.normalize() + pd.Timedelta(days=1)
    past = tx[tx["date"] < end]
    if len(past) == 0:
        raise ParameterError(f"parameter 'cutoff' ({cutoff.date()}) lies before every purchase.")
    last = tx["date"].max()
    if last < end + pd.Timedelta(days=horizon_days - 1):
        raise ParameterError(f"parameter 'horizon_days': the log ends {last.date()}, before "
                             f"{horizon_days} days after the cutoff; use an earlier cutoff.")
    rfm = segmentation.rfm_table(past, as_of=end)
    out = rfm[["recency_days", "frequency", "monetary", "avg_order_value"]].copy()
    out["tenure_days"] = (end - rfm["first_purchase"]).dt.days
    later = tx[(tx["date"] >= end) & (tx["date"] < end + pd.Timedelta(days=horizon_days))]
    out["bought_again"] = out.index.isin(later["customer_id"].unique())
    out.attrs.update({"cutoff": cutoff, "horizon_days": horizon_days})
    return out


@dataclass
class DecisionRules:
    """A fitted shallow decision tree and its rules (:func:`decision_rules`).

    Attributes
    ----------
    model : sklearn.tree.DecisionTreeClassifier
    rules : str
        The tree as indented if-then rules (``sklearn.tree.export_text``).
    importance : Series
        Impurity-based feature importance.
    metrics : DataFrame
        Holdout accuracy, AUC and the base rate (the accuracy of always predicting the
        commoner class).
    leaves : DataFrame
        One row per leaf: the rule path, customers (training) and the share positive.
    """

    model: object
    rules: str
    importance: pd.Series
    metrics: pd.DataFrame
    leaves: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """The holdout metrics."""
        return self.metrics


def _leaf_paths(tree, features: list[str]) -> dict[int, str]:
    """Each leaf's rule, with the conditions on one feature merged into one range."""
    t = tree.tree_
    paths: dict[int, str] = {}

    def text(bounds: dict) -> str:
        parts = []
        for f, (lo, hi) in bounds.items():
            if lo is not None and hi is not None:
                parts.append(f"{lo:.4g} < {f} <= {hi:.4g}")
            elif hi is not None:
                parts.append(f"{f} <= {hi:.4g}")
            else:
                parts.append(f"{f} > {lo:.4g}")
        return " and ".join(parts) if parts else "(all)"

    def walk(node: int, bounds: dict) -> None:
        if t.children_left[node] == -1:
            paths[node] = text(bounds)
            return
        f, thr = features[t.feature[node]], float(t.threshold[node])
        lo, hi = bounds.get(f, (None, None))
        walk(t.children_left[node], {**bounds, f: (lo, thr if hi is None else min(hi, thr))})
        walk(t.children_right[node], {**bounds, f: (thr if lo is None else max(lo, thr), hi)})

    walk(0, {})
    return paths


def decision_rules(X: pd.DataFrame, y, max_depth: int = 3, *, min_samples_leaf: int = 50,
                   test_size: float = 0.3, seed: int = 0) -> DecisionRules:
    """Fit a shallow decision tree and read it as rules a manager can act on (决策规则).

    Parameters
    ----------
    X : DataFrame
        Numeric features, one row per customer.
    y : array-like of bool or 0/1
        The target (e.g. ``bought_again``).
    max_depth : int, default 3
        Depth of the tree (3 gives at most 8 rules).
    min_samples_leaf : int, default 50
        Smallest leaf, so that every rule rests on enough customers.
    test_size : float, default 0.3
        Holdout share for the metrics.
    seed : int

    Returns
    -------
    DecisionRules

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"recency_days": rng.integers(1, 400, 1000)})
    >>> res = decision_rules(X, X["recency_days"] < 90, max_depth=1)
    >>> print(res.rules.splitlines()[0])
    |--- recency_days <= 89.50
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier, export_text

    if not isinstance(X, pd.DataFrame) or X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError("X: expected a non-empty DataFrame of numeric features.")
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
            raise DataError(f"X[{c!r}]: features must be numeric, got dtype {X[c].dtype}.\n"
                            "How to fix: encode it (pd.get_dummies) or drop it.")
        if X[c].isna().any():
            raise DataError(f"X[{c!r}]: {int(X[c].isna().sum()):,} missing values.\n"
                            "How to fix: fill or drop them explicitly.")
    yv = np.asarray(y)
    if len(yv) != len(X):
        raise DataError(f"y: {len(yv)} values for {len(X)} rows of X.")
    if pd.isna(yv).any() or len(np.unique(yv)) != 2:
        raise DataError("y: the target must have exactly two classes and no missing values.")
    yv = yv.astype(bool)
    check_param("max_depth", max_depth, kind=int, low=1, high=10)
    check_param("min_samples_leaf", min_samples_leaf, kind=int, low=1)
    check_param("test_size", test_size, kind=float, low=0.05, high=0.9)
    check_param("seed", seed, kind=int, low=0)
    Xa, Xb, ya, yb = train_test_split(X, yv, test_size=test_size, random_state=seed,
                                      stratify=yv)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                  random_state=seed).fit(Xa, ya)
    prob = tree.predict_proba(Xb)[:, 1]
    metrics = pd.DataFrame({
        "accuracy": [float(np.mean(tree.predict(Xb) == yb)), float(max(yb.mean(),
                                                                        1 - yb.mean()))],
        "auc": [float(roc_auc_score(yb, prob)), 0.5],
    }, index=pd.Index(["decision tree", "majority class"], name="model"))
    feats = list(X.columns)
    paths = _leaf_paths(tree, feats)
    leaf = tree.apply(Xa)
    frame = pd.DataFrame({"leaf": leaf, "y": ya})
    g = frame.groupby("leaf")["y"].agg(["size", "mean"])
    leaves = pd.DataFrame({"rule": [paths[i] for i in g.index], "customers": g["size"].to_numpy(),
                           "share_positive": g["mean"].to_numpy()})
    leaves = leaves.sort_values("share_positive", ascending=False).reset_index(drop=True)
    return DecisionRules(model=tree, rules=export_text(tree, feature_names=feats, decimals=2),
                         importance=pd.Series(tree.feature_importances_, index=feats,
                                              name="importance").sort_values(ascending=False),
                         metrics=metrics, leaves=leaves)
