"""Customer classification and segmentation (客户细分与客户分类).

Four ways to split customers, from the simplest to the most data-driven:

* **Value concentration** (the 80/20 or Pareto rule, 二八法则): :func:`pareto_curve`,
  :func:`top_share`, :func:`lorenz_curve`, :func:`gini`, and ABC classes
  (:func:`abc_classes`, :func:`abc_summary`).
* **RFM** (recency, frequency, monetary): :func:`rfm_table` builds the per-customer table
  on the shared summary step :func:`crm_lab.summary.aggregate_transactions`;
  :func:`rfm_scores` turns it into 1..bins scores and :func:`rfm_segments` names the cells
  of the R x F grid (:func:`rfm_segment_grid`).
* **Clustering** (scikit-learn): :func:`behaviour_features`, :func:`choose_k`,
  :func:`fit_segments`, :func:`cluster_stability`, :func:`segment_profiles` and
  :func:`agreement` (did we recover the simulated company's true segments?).
* **Demographic vs behavioural**: :func:`demographic_profile` and :func:`value_explained`
  (how much of customer value do demographics explain?).

Every public function validates its input once, at the top, through
:mod:`crm_lab.validate`; nothing is mutated, and rows left out of a computation are
reported in a :class:`crm_lab.summary.ExclusionWarning`.
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from crm_lab.summary import ExclusionWarning, _aggregate, as_timestamp, exclude_after
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_customers,
    check_param,
    check_transactions,
    check_values,
)

__all__ = [
    "pareto_curve",
    "top_share",
    "lorenz_curve",
    "gini",
    "abc_classes",
    "abc_summary",
    "rfm_table",
    "quantile_edges",
    "rfm_scores",
    "RFM_SEGMENTS",
    "rfm_segment_grid",
    "rfm_segments",
    "rfm_value_matrix",
    "segment_strategies",
    "behaviour_features",
    "choose_k",
    "fit_segments",
    "Stability",
    "cluster_stability",
    "segment_profiles",
    "Agreement",
    "agreement",
    "DEMOGRAPHICS",
    "AGE_BANDS",
    "age_bands",
    "demographic_profile",
    "value_explained",
]

# ============================================================================ concentration


def _positive_total(v: np.ndarray) -> float:
    total = float(v.sum())
    if total <= 0:
        raise DataError("values: all values are zero, so there is no value to concentrate. "
                        "How to fix: check that you passed spend, not a count of zeros.")
    return total


def pareto_curve(values) -> pd.DataFrame:
    """Cumulative share of value against cumulative share of customers, best first.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer (e.g. total spend).

    Returns
    -------
    DataFrame
        Columns ``customer_share`` (0..1) and ``value_share`` (0..1), starting at (0, 0),
        one row per customer after it, customers sorted from most to least valuable
        (ties keep input order, so the curve is deterministic).

    See Also
    --------
    lorenz_curve : the same information, least valuable customers first.

    Examples
    --------
    >>> pareto_curve([1, 3, 0, 6]).round(3).values.tolist()
    [[0.0, 0.0], [0.25, 0.6], [0.5, 0.9], [0.75, 1.0], [1.0, 1.0]]
    """
    v = check_values(values).to_numpy()
    total = _positive_total(v)
    order = np.argsort(-v, kind="stable")
    cum = np.concatenate([[0.0], np.cumsum(v[order])]) / total
    n = len(v)
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "value_share": cum})


def top_share(values, share: float = 0.2) -> float:
    """Share of total value that comes from the top ``share`` of customers.

    Linear interpolation on the Pareto curve where ``share * n`` is not a whole number.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer.
    share : float in (0, 1]
        The top fraction of customers (0.2 for the 80/20 rule).

    Returns
    -------
    float
        Fraction of value (0..1).

    Examples
    --------
    >>> round(top_share([1, 3, 0, 6], 0.25), 3)
    0.6
    """
    check_param("share", share, kind=(float, int), low=0, high=1)
    if share == 0:
        raise ParameterError("parameter 'share' must be > 0 (the top 0 % own nothing).")
    curve = pareto_curve(values)
    return float(np.interp(share, curve["customer_share"], curve["value_share"]))


def lorenz_curve(values) -> pd.DataFrame:
    """Lorenz curve: cumulative share of value held by the *least* valuable customers.

    The mirror image of :func:`pareto_curve`: customers are sorted from least to most
    valuable. The curve of equal values is the diagonal; the further it sags below
    the diagonal, the more concentrated value is (see :func:`gini`).

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer, not all zero.

    Returns
    -------
    DataFrame
        Columns ``customer_share`` and ``value_share`` (both 0..1), starting at (0, 0)
        and ending at (1, 1), one row per customer after the first.

    Examples
    --------
    >>> lorenz_curve([1, 3, 0, 6]).round(3).values.tolist()
    [[0.0, 0.0], [0.25, 0.0], [0.5, 0.1], [0.75, 0.4], [1.0, 1.0]]
    """
    v = check_values(values).to_numpy()
    total = _positive_total(v)
    cum = np.concatenate([[0.0], np.cumsum(np.sort(v))]) / total
    n = len(v)
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n, "value_share": cum})


def gini(values) -> float:
    """Gini coefficient of customer value: 0 = everyone equal, towards 1 = one customer has all.

    ``G = 1 - 2 * (area under the Lorenz curve)``, computed exactly from the sorted values
    ``x_(1) <= ... <= x_(n)`` as ``G = 2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n``.
    With one customer holding everything, ``G = (n - 1) / n`` (the sample maximum).

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer, not all zero.

    Returns
    -------
    float

    Notes
    -----
    Known values for large samples: an exponential distribution has ``G = 1/2``, a
    Pareto distribution with shape ``a > 1`` has ``G = 1 / (2a - 1)``, a lognormal with
    log-sd ``s`` has ``G = 2 * Phi(s / sqrt(2)) - 1``, a uniform on (0, b) has ``G = 1/3``.

    Examples
    --------
    >>> gini([1, 3, 0, 6])  # 2*(1*0 + 2*1 + 3*3 + 4*6) / (4*10) - 5/4
    0.5
    >>> gini([5, 5, 5])
    0.0
    """
    v = np.sort(check_values(values).to_numpy())
    total = _positive_total(v)
    n = len(v)
    i = np.arange(1, n + 1, dtype="float64")
    return float(2.0 * np.dot(i, v) / (n * total) - (n + 1) / n)


def _check_cuts(cuts) -> tuple[float, ...]:
    hint = "Use increasing shares strictly between 0 and 1, e.g. cuts=(0.80, 0.95)."
    if isinstance(cuts, (str, bytes)) or not isinstance(cuts, Iterable):
        raise ParameterError(f"parameter 'cuts' must be a sequence of shares, got {cuts!r}. {hint}")
    out = tuple(cuts)
    if not out or len(out) > 25:
        raise ParameterError(f"parameter 'cuts' needs 1 to 25 shares, got {len(out)}. {hint}")
    for c in out:
        check_param("cuts", c, kind=(int, float), hint=hint)
        if not 0 < c < 1:
            raise ParameterError(f"parameter 'cuts' must lie strictly between 0 and 1, got "
                                 f"{c!r}. {hint}")
    if any(b <= a for a, b in zip(out, out[1:], strict=False)):
        raise ParameterError(f"parameter 'cuts' must be strictly increasing, got {out!r}. {hint}")
    return out


def abc_classes(values, cuts: Sequence[float] = (0.80, 0.95)) -> pd.Series:
    """ABC classes by cumulative share of value (ABC 分类): A = the vital few.

    Customers are ranked from most to least valuable. Class **A** is the smallest group
    of top customers whose value reaches at least ``cuts[0]`` of the total (80 %); A and
    B together are the smallest group reaching ``cuts[1]`` (95 %); the rest are **C**.

    Exactly: a customer's class is decided by the share of total value held by the
    customers *strictly more valuable* than them, ``share_before``: A if
    ``share_before < cuts[0]``, B if ``share_before < cuts[1]``, else C.

    * The **boundary customer** (the one whose value takes the cumulative share from
      below 80 % to 80 % or more) is in **A**. So A holds at least 80 % of value, and the
      most valuable customer is always in A, even if they alone hold 90 %.
    * **Ties**: customers with equal values always get the same class (they have the same
      ``share_before``), so a tie block straddling a cut joins the higher class. The result
      does not depend on the order of the input rows.
    * Customers with value 0 are always C (``share_before`` = 100 %).
    * Shares are compared with a tolerance of 1e-12, so a share that is exactly 80 % in
      decimal arithmetic is not moved across the cut by floating-point rounding.

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer (not all zero).
    cuts : sequence of float, default (0.80, 0.95)
        Strictly increasing cumulative shares in (0, 1). ``k`` cuts give ``k + 1``
        classes labelled A, B, C, D, ...

    Returns
    -------
    Series
        Ordered categorical (A < B < C), named ``abc_class``, indexed like ``values``
        (a RangeIndex for arrays and lists).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([50, 30, 10, 5, 5, 0], index=list("abcdef"))
    >>> abc_classes(v).tolist()  # a+b hold exactly 80 %; the tie d, e takes it to 100 %
    ['A', 'A', 'B', 'B', 'B', 'C']
    >>> abc_classes([90, 5, 5]).tolist()  # the top customer alone holds 90 %: still A
    ['A', 'B', 'B']
    """
    v = check_values(values)
    cuts = _check_cuts(cuts)
    x = v.to_numpy()
    _positive_total(x)
    # tie blocks, most valuable first; share held by all strictly more valuable customers
    uniq, inverse = np.unique(-x, return_inverse=True)  # ascending in -x = descending in x
    block_sum = np.bincount(inverse, weights=x, minlength=len(uniq))
    cum = np.cumsum(block_sum)
    share_before = np.concatenate([[0.0], cum[:-1]]) / cum[-1]
    codes_by_block = np.searchsorted(np.asarray(cuts) - 1e-12, share_before, side="right")
    labels = list(string.ascii_uppercase[: len(cuts) + 1])
    codes = codes_by_block[inverse.ravel()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True),
                     index=v.index, name="abc_class")


def _aligned_labels(labels, index: pd.Index, what: str, *, allow_subset: bool = False
                    ) -> pd.Series:
    """Return ``labels`` as a Series on (a subset of) ``index``; raise on anything ambiguous."""
    if isinstance(labels, pd.DataFrame):
        raise DataError(f"{what}: expected one column of labels, got a DataFrame.\n"
                        "How to fix: pass one column, e.g. df['segment'].")
    if isinstance(labels, pd.Series):
        lab = labels
        if not lab.index.is_unique:
            raise DataError(f"{what}: the index has duplicate ids.\nHow to fix: one label per "
                            "customer (labels.index.duplicated() shows the repeats).")
        extra = lab.index.difference(index)
        missing = index.difference(lab.index)
        if len(extra):
            raise DataError(f"{what}: {len(extra):,} ids are not in the table (e.g. "
                            f"{list(extra[:5])}).\nHow to fix: compute the labels on the same "
                            "customers, or pass a plain array in the table's row order.")
        if len(missing) and not allow_subset:
            raise DataError(f"{what}: {len(missing):,} customers of the table have no label "
                            f"(e.g. {list(missing[:5])}).\nHow to fix: pass a label for every "
                            "customer, or subset the table to the labelled customers.")
        lab = lab.reindex(index.intersection(lab.index, sort=False)) if len(missing) else \
            lab.reindex(index)
    else:
        arr = np.asarray(labels)
        if arr.ndim != 1 or len(arr) != len(index):
            raise DataError(f"{what}: got {arr.shape} labels for {len(index):,} customers.\n"
                            "How to fix: pass one label per row, or a Series indexed by "
                            "customer_id.")
        keep = isinstance(labels, (pd.Categorical, pd.Index, pd.api.extensions.ExtensionArray))
        lab = pd.Series(labels if keep else arr, index=index)  # keeps categories
    na = lab.isna().to_numpy()
    if na.any():
        raise DataError(f"{what}: {int(na.sum()):,} labels are missing (NaN).\nHow to fix: "
                        "label every customer, or drop the unlabelled ones explicitly first.")
    return lab


def _class_order(lab: pd.Series) -> list:
    if isinstance(lab.dtype, pd.CategoricalDtype):
        return list(lab.cat.categories)
    try:
        return sorted(pd.unique(lab))
    except TypeError:
        return list(pd.unique(lab))


def abc_summary(values, classes) -> pd.DataFrame:
    """Size and value of each class: how few customers hold how much (ABC 分类汇总).

    Parameters
    ----------
    values : array-like or Series
        One non-negative value per customer.
    classes : array-like or Series
        One class per customer, e.g. from :func:`abc_classes` (any labels work, e.g. RFM
        segments). A Series is aligned on the index of ``values``.

    Returns
    -------
    DataFrame
        One row per class (all categories of a categorical, empty ones with zeros), columns
        ``customers``, ``customer_share``, ``value``, ``value_share``, ``mean_value``.

    Examples
    --------
    >>> v = [50, 30, 10, 5, 5, 0]
    >>> abc_summary(v, abc_classes(v))  # doctest: +NORMALIZE_WHITESPACE
               customers  customer_share  value  value_share  mean_value
    abc_class
    A                  2        0.333333   80.0          0.8   40.000000
    B                  3        0.500000   20.0          0.2    6.666667
    C                  1        0.166667    0.0          0.0    0.000000
    """
    v = check_values(values)
    lab = _aligned_labels(classes, v.index, "classes")
    order = _class_order(lab)
    name = lab.name if lab.name is not None else "class"
    g = v.groupby(lab.to_numpy(), sort=False)
    out = pd.DataFrame({"customers": g.size(), "value": g.sum()}).reindex(order)
    out = out.fillna(0)
    out["customers"] = out["customers"].astype("int64")
    out.insert(1, "customer_share", out["customers"] / len(v))
    total = float(v.sum())
    out["value_share"] = out["value"] / total if total > 0 else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean_value"] = out["value"] / out["customers"].where(out["customers"] > 0)
    out.index = pd.Index(order, name=name)
    return out


# ============================================================================ RFM


def rfm_table(
    transactions: pd.DataFrame,
    as_of=None,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """Recency, frequency and monetary value of each customer (RFM 分析).

    Built on the shared summary step (:func:`crm_lab.summary.aggregate_transactions` with
    ``freq="D"``): one pass over the log, no per-customer Python.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase, with customer id, date and amount (>= 0) columns.
    as_of : date-like, optional
        The "today" of the analysis. Defaults to the day after the last transaction, so
        that a purchase on the last day has recency 1. A bare date includes the whole day;
        later transactions are excluded and counted in an
        :class:`~crm_lab.summary.ExclusionWarning`.
    customer_id, date, amount : str
        Column names in ``transactions``.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), columns

        ``recency_days``
            Calendar days from the day of the last purchase to the day of ``as_of``
            (times of day are ignored).
        ``frequency``
            Number of transactions (rows); two purchases on one day count twice. Not
            lifetimes' ``frequency``, which counts *repeat* purchase periods.
        ``monetary``
            Total spend (some texts use the average; that is ``avg_order_value``).
        ``avg_order_value``
            ``monetary / frequency``.
        ``first_purchase``, ``last_purchase``
            Timestamps.

        ``attrs["as_of"]`` holds the reference date.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-05", "2024-01-05", "2024-01-03"],
    ...                    "amount": [10.0, 20.0, 5.0, 8.0]})
    >>> rfm_table(tx)[["recency_days", "frequency", "monetary", "avg_order_value"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 recency_days  frequency  monetary  avg_order_value
    customer_id
    a                       1          3      35.0        11.666667
    b                       3          1       8.0         8.000000
    """
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    if as_of is None:
        as_of = pd.Timestamp(frame["date"].max()).normalize() + pd.Timedelta(days=1)
    else:
        as_of = as_timestamp("as_of", as_of)
    frame = exclude_after(frame, as_of, "as_of", stacklevel=3)
    agg = _aggregate(frame, "D", as_of, count_periods=False)
    out = pd.DataFrame({
        "recency_days": agg["periods_since_last"],
        "frequency": agg["n_transactions"],
        "monetary": agg["total_spend"],
        "avg_order_value": agg["mean_spend"],
        "first_purchase": agg["first_purchase"],
        "last_purchase": agg["last_purchase"],
    }, index=agg.index)
    out.attrs = {"as_of": as_of}
    return out


def quantile_edges(values, bins: int = 5) -> pd.DataFrame:
    """The quantile edges ``pandas.qcut`` would use, flagging the repeated ones (the qcut trap).

    ``pd.qcut(x, bins)`` cuts at the ``0, 1/bins, ..., 1`` quantiles of ``x``. When many
    customers share a value (most customers bought once, so ``frequency == 1`` for 60 %
    of them), several quantiles fall on that value, the edges repeat, and qcut raises
    ``ValueError: Bin edges must be unique``. ``duplicates="drop"`` silences it but leaves
    fewer than ``bins`` scores, and ``qcut(x.rank(method="first"))`` gives equal customers
    different scores depending on row order. :func:`rfm_scores` avoids both.

    Parameters
    ----------
    values : array-like or Series
        Numbers (e.g. an RFM column).
    bins : int, default 5
        Number of bins.

    Returns
    -------
    DataFrame
        One row per edge: ``quantile``, ``edge`` and ``repeated`` (True where the edge
        equals the one before, i.e. where qcut fails).

    Examples
    --------
    >>> import pandas as pd
    >>> freq = pd.Series([1, 1, 1, 1, 1, 1, 2, 2, 3, 7])
    >>> quantile_edges(freq, 5)["repeated"].tolist()
    [False, True, True, False, False, False]
    >>> pd.qcut(freq, 5, labels=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Bin edges must be unique: ...
    >>> rfm_scores(pd.DataFrame({"recency_days": range(10), "frequency": freq,
    ...                          "monetary": freq * 10.0}))["f_score"].tolist()
    [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    """
    v = check_values(values, allow_negative=True)
    check_param("bins", bins, kind=int, low=2)
    q = np.linspace(0, 1, bins + 1)
    edges = v.quantile(q).to_numpy()
    repeated = np.concatenate([[False], np.diff(edges) <= 0])
    return pd.DataFrame({"quantile": q, "edge": edges, "repeated": repeated})


_SCORE_METHODS = ("average", "min", "max", "dense")


def _scores(x: pd.Series, bins: int, method: str, ascending: bool) -> np.ndarray:
    """1..bins scores from percentile ranks, in exact integer arithmetic."""
    r = x.rank(method=method, ascending=ascending).to_numpy()
    if method == "dense":
        num = np.rint(r).astype(np.int64) * bins
        den = int(r.max())
    else:  # average ranks are multiples of 1/2
        num = np.rint(2 * r).astype(np.int64) * bins
        den = 2 * len(r)
    return -(-num // den)  # ceil(rank / n * bins) without float round-off


def rfm_scores(
    rfm: pd.DataFrame,
    bins: int = 5,
    method: str = "average",
    *,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> pd.DataFrame:
    """Score recency, frequency and monetary value 1..bins by quantile (RFM 打分).

    Each dimension is ranked across customers and the percentile rank ``p = rank / n``
    is mapped to ``score = ceil(p * bins)``. A *high* score is always *good*: the most
    recent customers (lowest ``recency_days``), the most frequent and the biggest
    spenders score ``bins``.

    Ties (the rule of this function): **equal values always get equal scores**. With the
    default ``method="average"`` a block of tied customers gets the *mid-rank* of the
    block (the mean of the positions it occupies, as in Spearman's rho), so the block
    lands in the score where its middle falls. Without ties the scores have equal sizes
    (+/- 1 customer), like ``qcut(x.rank(method="first"), bins)`` (which may put a
    customer at a boundary one score away, as it interpolates its edges). With
    the typical 60 % of one-time buyers, they all get F = 2 (their middle lies at the
    30th percentile), not the arbitrary mix of 1s, 2s and 3s that breaking ties by row
    order gives, and not an error as ``pd.qcut`` raises (see :func:`quantile_edges`).

    The other ``method`` values place a tie block at its bottom (``"min"``: one-time
    buyers all get F = 1), top (``"max"``), or rank *distinct values* instead of customers
    (``"dense"``: ``ceil(dense_rank / n_distinct * bins)``, equal-width in distinct
    values, so no longer quantiles of customers). Scores need not use every value
    1..bins when there are ties or fewer customers than bins.

    Parameters
    ----------
    rfm : DataFrame
        One row per customer, e.g. from :func:`rfm_table`.
    bins : int, default 5
        Number of score levels (>= 2).
    method : {"average", "min", "max", "dense"}, default "average"
        Rank used for ties, as in :meth:`pandas.Series.rank`.
    recency, frequency, monetary : str
        Column names in ``rfm``.

    Returns
    -------
    DataFrame
        Indexed like ``rfm``: ``r_score``, ``f_score``, ``m_score`` (int64, 1..bins),
        ``rfm_cell`` (string such as ``"5-4-3"``) and ``rfm_score`` (R + F + M).
        ``attrs`` holds ``bins`` and ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency_days": [3, 40, 3, 200, 90],
    ...                     "frequency": [9, 1, 4, 1, 2],
    ...                     "monetary": [500.0, 20.0, 150.0, 35.0, 60.0]},
    ...                    index=pd.Index(list("abcde"), name="customer_id"))
    >>> rfm_scores(rfm)  # doctest: +NORMALIZE_WHITESPACE
                 r_score  f_score  m_score rfm_cell  rfm_score
    customer_id
    a                  5        5        5    5-5-5         15
    b                  3        2        1    3-2-1          6
    c                  5        4        4    5-4-4         13
    d                  1        2        2    1-2-2          5
    e                  2        3        3    2-3-3          8
    """
    check_columns(rfm, [recency, frequency, monetary], "rfm",
                  hint="Build the table with crm_lab.segmentation.rfm_table.")
    cols = {c: check_values(rfm[c], name=f"rfm[{c!r}]") for c in (recency, frequency, monetary)}
    check_param("bins", bins, kind=int, low=2, hint="Use e.g. bins=5 for scores 1..5.")
    check_param("method", method, allowed=_SCORE_METHODS)
    out = pd.DataFrame({
        "r_score": _scores(cols[recency], bins, method, ascending=False),
        "f_score": _scores(cols[frequency], bins, method, ascending=True),
        "m_score": _scores(cols[monetary], bins, method, ascending=True),
    }, index=rfm.index)
    out["rfm_cell"] = (out["r_score"].astype(str) + "-" + out["f_score"].astype(str) + "-"
                       + out["m_score"].astype(str))
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    out.attrs = {"bins": bins, "method": method}
    return out


#: Names of the default RFM segments, best first.
RFM_SEGMENTS = ("champions", "loyal", "potential loyalists", "new customers", "at risk",
                "can't lose them", "hibernating", "lost")

# rows: R score 5..1 (top = most recent); columns: F score 1..5
_DEFAULT_GRID = [
    ["new customers", "potential loyalists", "potential loyalists", "champions", "champions"],
    ["new customers", "potential loyalists", "potential loyalists", "loyal", "loyal"],
    ["hibernating", "hibernating", "potential loyalists", "loyal", "loyal"],
    ["hibernating", "hibernating", "at risk", "at risk", "can't lose them"],
    ["lost", "lost", "at risk", "at risk", "can't lose them"],
]


def rfm_segment_grid() -> pd.DataFrame:
    """The default R x F grid that names RFM segments; print it, copy it, change it.

    Rows are R scores 5 (most recent) to 1, columns F scores 1 to 5. The reading:

    ===========================  ===========================================================
    champions                    bought recently (R 5) and often (F 4-5)
    loyal                        buy often (F 4-5), fairly recently (R 3-4)
    potential loyalists          recent (R 4-5; or R 3 with F 3), a few purchases (F 2-3)
    new customers                recent (R 4-5), one purchase so far (F 1)
    at risk                      bought fairly often (F 3-4), not for a long time (R 1-2)
    can't lose them              used to buy most often (F 5), not for a long time (R 1-2)
    hibernating                  low frequency (F 1-2), not recently (R 2-3)
    lost                         few purchases (F 1-2), longest ago (R 1)
    ===========================  ===========================================================

    Returns
    -------
    DataFrame
        5 x 5 grid of segment names, index ``r_score`` (5..1), columns ``f_score`` (1..5).
        A new copy each call, so you can edit it and pass it to :func:`rfm_segments`.

    Examples
    --------
    >>> grid = rfm_segment_grid()
    >>> grid.loc[5, 5], grid.loc[1, 1]
    ('champions', 'lost')
    >>> grid.loc[3, 3] = "need attention"  # your own reading of the middle cell
    """
    return pd.DataFrame(_DEFAULT_GRID, index=pd.Index([5, 4, 3, 2, 1], name="r_score"),
                        columns=pd.Index([1, 2, 3, 4, 5], name="f_score"))


def rfm_segments(scores: pd.DataFrame, mapping=None) -> pd.Series:
    """Name each customer's RFM segment from their R and F scores.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (columns ``r_score`` and ``f_score``).
    mapping : DataFrame or dict, optional
        R x F grid of names: a DataFrame with R scores as index and F scores as columns
        (like :func:`rfm_segment_grid`, the default, made for ``bins=5``), or a dict
        ``{(r, f): name}``. Every (R, F) pair present in ``scores`` must be mapped.

    Returns
    -------
    Series
        Categorical segment names indexed like ``scores``, named ``segment``. Categories
        are the default names in :data:`RFM_SEGMENTS` order (best first) followed by any
        other names of ``mapping`` in the order they appear.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"r_score": [5, 1, 3], "f_score": [5, 1, 3]}, index=[7, 8, 9])
    >>> rfm_segments(s).tolist()
    ['champions', 'lost', 'potential loyalists']
    >>> grid = rfm_segment_grid()
    >>> grid.loc[3, 3] = "need attention"
    >>> rfm_segments(s, grid).tolist()
    ['champions', 'lost', 'need attention']
    """
    check_columns(scores, ["r_score", "f_score"], "scores",
                  hint="Compute them with crm_lab.segmentation.rfm_scores.")
    r = check_values(scores["r_score"], name="scores['r_score']").to_numpy()
    f = check_values(scores["f_score"], name="scores['f_score']").to_numpy()
    if mapping is None:
        bins = scores.attrs.get("bins", 5)
        if bins != 5:
            raise ParameterError(f"parameter 'mapping': the default grid is for 5 score levels, "
                                 f"but the scores were computed with bins={bins}. Pass a grid "
                                 f"with R scores 1..{bins} as index and F scores 1..{bins} as "
                                 "columns, or score with bins=5.")
        mapping = rfm_segment_grid()
    if isinstance(mapping, pd.DataFrame):
        table = {(int(ri), int(fj)): mapping.loc[ri, fj]
                 for ri in mapping.index for fj in mapping.columns}
    elif isinstance(mapping, Mapping):
        table = {(int(k[0]), int(k[1])): name for k, name in mapping.items()}
    else:
        raise ParameterError(f"parameter 'mapping' must be a DataFrame grid (R scores as index, "
                             f"F scores as columns) or a dict {{(r, f): name}}, got "
                             f"{type(mapping).__name__}. Start from rfm_segment_grid().")
    names = list(dict.fromkeys(table.values()))
    order = [n for n in RFM_SEGMENTS if n in names] + [n for n in names if n not in RFM_SEGMENTS]
    pairs = pd.MultiIndex.from_arrays([r.astype(np.int64), f.astype(np.int64)])
    keys = pd.MultiIndex.from_tuples(list(table), names=["r", "f"])
    pos = keys.get_indexer(pairs)
    if (pos < 0).any():
        bad = sorted({(int(a), int(b)) for a, b in pairs[pos < 0]})
        raise ParameterError(f"parameter 'mapping' has no name for (R, F) score pair(s) {bad[:8]} "
                             f"found in scores. The default grid is for bins=5; for other bins "
                             "pass a grid covering every score pair (index R, columns F).")
    codes = pd.Index(order).get_indexer(np.asarray(list(table.values()), dtype=object)[pos])
    return pd.Series(pd.Categorical.from_codes(codes, categories=order), index=scores.index,
                     name="segment")


# ============================================================================ clustering

_RFM_COLUMNS = ("recency_days", "frequency", "monetary")


#: The behavioural signals :func:`behaviour_features` can add to recency, frequency and spend.
SIGNALS = ("promo_share", "category_breadth", "online_share", "app_share", "peak_season_share")


def behaviour_features(
    data: pd.DataFrame,
    *,
    signals: Sequence[str] | str = (),
    line_items: pd.DataFrame | None = None,
    standardize: bool = True,
    as_of=None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    discount: str = "discount",
    channel: str = "channel",
    online: str = "online",
    app: str = "app",
    peak_months: Sequence[int] = (11, 12),
    transaction_id: str = "transaction_id",
    category: str = "category",
) -> pd.DataFrame:
    """Behavioural features for clustering: recency, frequency, spend and how customers buy.

    ``recency = recency_days``, ``log_frequency = log1p(frequency)``,
    ``log_monetary = log1p(monetary)``, then each column is centred and scaled to unit
    variance (:class:`sklearn.preprocessing.StandardScaler`). The logs tame the long right
    tails of counts and spend, which would otherwise decide every clustering on their own.

    From a transaction log, ``signals`` adds how customers buy, not only how much:

    ``promo_share``
        share of purchases with a ``discount`` > 0 (on promotion or with a coupon);
    ``category_breadth``
        distinct categories among the customer's line items divided by the most they could
        cover (``min(lines, categories in the data)``); needs ``line_items``;
    ``online_share``, ``app_share``
        share of purchases in the ``online`` and the ``app`` channel;
    ``peak_season_share``
        share of purchases in ``peak_months`` (November-December by default): a
        seasonality index.

    Parameters
    ----------
    data : DataFrame
        Either an RFM table (has ``recency_days``, ``frequency``, ``monetary``, e.g. from
        :func:`rfm_table`) or a transaction log, which is first passed to
        :func:`rfm_table`.
    signals : sequence of str, "all" or "available", default ()
        Which of :data:`SIGNALS` to add (``"all"``: every one; ``category_breadth`` only
        when ``line_items`` is given; ``"available"``: those whose columns ``data`` has,
        none for an RFM table). Needs a transaction log.
    line_items : DataFrame, optional
        Line items (``transaction_id``, ``category``) of the transactions, for
        ``category_breadth``.
    standardize : bool, default True
        Scale to mean 0, sd 1. ``False`` returns the unscaled features.
    as_of, customer_id, date, amount
        Passed to :func:`rfm_table` when ``data`` is a transaction log.
    discount, channel, online, app, peak_months, transaction_id, category
        Column names and values used by the signals.

    Returns
    -------
    DataFrame
        Indexed like the RFM table, columns ``recency``, ``log_frequency``,
        ``log_monetary`` and the requested signals. ``attrs["mean"]`` and
        ``attrs["scale"]`` hold the scaler's centre and scale per column (0 and 1 when not
        standardised).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency_days": [1, 10, 100], "frequency": [9, 3, 1],
    ...                     "monetary": [900.0, 90.0, 9.0]})
    >>> behaviour_features(rfm).round(2)  # doctest: +NORMALIZE_WHITESPACE
       recency  log_frequency  log_monetary
    0    -0.81           1.28          1.23
    1    -0.60          -0.11         -0.02
    2     1.41          -1.16         -1.22
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 20.0, 5.0],
    ...                    "date": pd.to_datetime(["2024-11-02", "2024-12-01", "2024-03-01"]),
    ...                    "discount": [2.0, 0.0, 0.0], "channel": ["online", "app", "store"]})
    >>> behaviour_features(tx, signals=["promo_share", "app_share", "peak_season_share"],
    ...                    standardize=False).iloc[:, 3:]  # doctest: +NORMALIZE_WHITESPACE
                 promo_share  app_share  peak_season_share
    customer_id
    1                    0.5        0.5                1.0
    2                    0.0        0.0                0.0
    """
    check_param("standardize", standardize, kind=bool)
    if isinstance(signals, str):
        if signals not in ("all", "available"):
            raise ParameterError(f"parameter 'signals' must be a list of {list(SIGNALS)}, "
                                 f"'all' or 'available', got {signals!r}.")
        mode = signals
        signals = [g for g in SIGNALS if g != "category_breadth" or line_items is not None]
        if mode == "available":  # only the signals whose columns the data have
            cols = set(data.columns) if isinstance(data, pd.DataFrame) else set()
            need = {"promo_share": discount, "online_share": channel, "app_share": channel,
                    "peak_season_share": date, "category_breadth": transaction_id}
            rfm_only = set(_RFM_COLUMNS) <= cols
            signals = [] if rfm_only else [g for g in signals if need[g] in cols]
    signals = list(signals)
    for g in signals:
        check_param("signals", g, allowed=list(SIGNALS))
    is_rfm = isinstance(data, pd.DataFrame) and set(_RFM_COLUMNS) <= set(data.columns)
    if is_rfm and signals:
        raise DataError(f"behaviour_features: signals {signals} need the transaction log, but "
                        "data is an RFM table.\nHow to fix: pass the transactions (and "
                        "line_items for category_breadth) instead of rfm_table(...).")
    if is_rfm:
        check_columns(data, list(_RFM_COLUMNS), "rfm")
        rfm = {c: check_values(data[c], name=f"rfm[{c!r}]") for c in _RFM_COLUMNS}
        index = data.index
    else:
        table = rfm_table(data, as_of, customer_id=customer_id, date=date, amount=amount)
        rfm = {c: table[c].astype("float64") for c in _RFM_COLUMNS}
        index = table.index
    feats = pd.DataFrame({
        "recency": rfm["recency_days"].to_numpy(),
        "log_frequency": np.log1p(rfm["frequency"].to_numpy()),
        "log_monetary": np.log1p(rfm["monetary"].to_numpy()),
    }, index=index)
    if signals:
        feats = feats.join(_signals(data, signals, line_items, index, customer_id=customer_id,
                                    date=date, discount=discount, channel=channel,
                                    online=online, app=app, peak_months=peak_months,
                                    transaction_id=transaction_id, category=category))
    if not standardize:
        feats.attrs = {"mean": dict.fromkeys(feats, 0.0), "scale": dict.fromkeys(feats, 1.0)}
        return feats
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(feats.to_numpy())
    out = pd.DataFrame(scaler.transform(feats.to_numpy()), index=index, columns=feats.columns)
    out.attrs = {"mean": dict(zip(feats.columns, map(float, scaler.mean_), strict=True)),
                 "scale": dict(zip(feats.columns, map(float, scaler.scale_), strict=True))}
    return out


def _signals(tx: pd.DataFrame, signals: list[str], line_items, index: pd.Index, *,
             customer_id: str, date: str, discount: str, channel: str, online: str, app: str,
             peak_months, transaction_id: str, category: str) -> pd.DataFrame:
    """Per-customer shares for :func:`behaviour_features` on the customers of ``index``."""
    tx = tx[tx[customer_id].isin(index)]  # the customers rfm_table kept
    who = tx[customer_id].to_numpy()
    need = {"promo_share": [discount], "online_share": [channel], "app_share": [channel],
            "peak_season_share": [date], "category_breadth": [transaction_id]}
    cols = sorted({c for g in signals for c in need[g]})
    check_columns(tx, cols, "transactions")
    out = {}

    def share(flag) -> np.ndarray:
        return pd.Series(np.asarray(flag, dtype=float)).groupby(who).mean().reindex(index)\
            .to_numpy()

    if "promo_share" in signals:
        d = check_values(tx[discount], name=f"transactions[{discount!r}]")
        out["promo_share"] = share(d.to_numpy() > 0)
    if "online_share" in signals:
        out["online_share"] = share(tx[channel].astype(str).to_numpy() == online)
    if "app_share" in signals:
        out["app_share"] = share(tx[channel].astype(str).to_numpy() == app)
    if "peak_season_share" in signals:
        months = pd.to_datetime(tx[date]).dt.month.to_numpy()
        out["peak_season_share"] = share(np.isin(months, list(peak_months)))
    if "category_breadth" in signals:
        if line_items is None:
            raise ParameterError("signal 'category_breadth' needs line_items= (transaction_id, "
                                 "category per line).")
        check_columns(line_items, [transaction_id, category], "line_items")
        owner = pd.Series(who, index=tx[transaction_id].to_numpy())
        li = line_items[line_items[transaction_id].isin(owner.index)]
        cust = owner.reindex(li[transaction_id].to_numpy()).to_numpy()
        cats = pd.DataFrame({"c": cust, "k": li[category].to_numpy()})
        n_cat = cats["k"].nunique()
        distinct = cats.drop_duplicates().groupby("c").size()
        lines = cats.groupby("c").size()
        breadth = (distinct / np.minimum(lines, n_cat)).reindex(index).fillna(0.0)
        out["category_breadth"] = breadth.to_numpy()
    frame = pd.DataFrame(out, index=index)
    return frame[[g for g in SIGNALS if g in signals]]


def _check_matrix(X, name: str = "X") -> pd.DataFrame:
    """A numeric, finite, non-empty feature matrix as a float DataFrame (index kept)."""
    if isinstance(X, pd.DataFrame):
        check_columns(X, list(X.columns), name)
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise DataError(f"{name}: expected a 2-D table of features (customers x features), "
                            f"got shape {arr.shape}.\nHow to fix: pass a DataFrame, e.g. from "
                            "behaviour_features, or arr.reshape(-1, 1) for a single feature.")
        frame = pd.DataFrame(arr)
        check_columns(frame, list(frame.columns), name)
    if frame.shape[1] == 0:
        raise DataError(f"{name}: has no feature columns.\nHow to fix: pass at least one.")
    cols = {c: check_values(frame[c], name=f"{name}[{c!r}]", allow_negative=True)
            for c in frame.columns}
    return pd.DataFrame(cols, index=frame.index)


def _check_k(name: str, k, n: int) -> int:
    check_param(name, k, kind=(int, np.integer), low=2,
                hint="A segmentation needs at least 2 segments.")
    if k >= n:
        raise ParameterError(f"parameter {name!r} = {k} needs more customers than segments; "
                             f"X has {n:,} rows. Use a smaller {name}.")
    return int(k)


def _fit_labels(Xa: np.ndarray, k: int, method: str, seed: int, n_init: int) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(Xa)
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, n_init=n_init, random_state=seed).fit(Xa).predict(Xa)


def choose_k(
    X,
    k_range: Iterable[int] = range(2, 9),
    seed: int = 0,
    *,
    sample_size: int = 5000,
    n_init: int = 10,
    gmm_n_init: int | None = None,
) -> pd.DataFrame:
    """Diagnostics for the number of segments: elbow (inertia), silhouette and GMM BIC.

    For each ``k``: k-means inertia (within-cluster sum of squares; look for the elbow),
    the mean silhouette of the k-means labels (higher is better; computed on a random
    subsample of at most ``sample_size`` customers, fixed by ``seed``, because it costs
    O(n^2)), and the BIC of a Gaussian mixture with ``k`` full-covariance components
    (lower is better).

    Parameters
    ----------
    X : DataFrame or 2-D array
        Features, e.g. from :func:`behaviour_features` (standardise them first).
    k_range : iterable of int, default range(2, 9)
        Candidate numbers of segments, each >= 2 and below the number of customers.
    seed : int, default 0
        Seeds k-means, the mixture and the silhouette subsample.
    sample_size : int, default 5000
        Largest subsample for the silhouette.
    n_init : int, default 10
        Restarts of k-means (the best one is kept).
    gmm_n_init : int, optional
        Restarts of the mixture; default ``n_init``. Each starts from a k-means solution,
        so 1 (scikit-learn's default) is usually enough for a BIC curve and is much faster
        on large data.

    Returns
    -------
    DataFrame
        Index ``k``, columns ``inertia``, ``silhouette``, ``bic``.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.8, random_state=0)
    >>> table = choose_k(X, range(2, 6), n_init=2)
    >>> int(table["silhouette"].idxmax()), int(table["bic"].idxmin())
    (3, 3)
    """
    Xf = _check_matrix(X)
    n = len(Xf)
    if isinstance(k_range, (str, bytes)) or not isinstance(k_range, Iterable):
        raise ParameterError(f"parameter 'k_range' must be an iterable of ints such as "
                             f"range(2, 9), got {k_range!r}.")
    ks = list(k_range)
    if not ks:
        raise ParameterError("parameter 'k_range' is empty; pass e.g. range(2, 9).")
    ks = sorted({_check_k("k_range", k, n) for k in ks})
    check_param("seed", seed, kind=(int, np.integer), low=0)
    check_param("sample_size", sample_size, kind=(int, np.integer), low=10)
    check_param("n_init", n_init, kind=(int, np.integer), low=1)
    gmm_n_init = n_init if gmm_n_init is None else gmm_n_init
    check_param("gmm_n_init", gmm_n_init, kind=(int, np.integer), low=1)
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    Xa = Xf.to_numpy()
    rows = []
    for k in ks:
        km = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(Xa)
        sil = silhouette_score(Xa, km.labels_, sample_size=min(sample_size, n),
                               random_state=seed)
        gm = GaussianMixture(n_components=k, n_init=gmm_n_init, random_state=seed).fit(Xa)
        rows.append({"k": k, "inertia": float(km.inertia_), "silhouette": float(sil),
                     "bic": float(gm.bic(Xa))})
    return pd.DataFrame(rows).set_index("k")


def _order_values(Xf: pd.DataFrame, order_by) -> np.ndarray:
    if order_by is None:
        monetary = [c for c in Xf.columns if "monetary" in str(c)]
        return Xf[monetary[0] if monetary else Xf.columns[0]].to_numpy()
    if isinstance(order_by, str) or (np.ndim(order_by) == 0 and order_by in Xf.columns):
        if order_by not in Xf.columns:
            raise ParameterError(f"parameter 'order_by' names column {order_by!r}, which X does "
                                 f"not have; X has {list(Xf.columns)}. Pass a column name or "
                                 "one value per customer.")
        return Xf[order_by].to_numpy()
    return _aligned_labels(check_values(order_by, name="order_by", allow_negative=True)
                           if not isinstance(order_by, pd.Series) else order_by,
                           Xf.index, "order_by").to_numpy(dtype="float64")


def fit_segments(
    X,
    k: int,
    method: str = "kmeans",
    seed: int = 0,
    *,
    order_by=None,
    n_init: int = 10,
) -> pd.Series:
    """Cluster customers into ``k`` segments (k-means or a Gaussian mixture), labels ordered.

    Cluster numbers from scikit-learn are arbitrary and change with the seed. Here they are
    renumbered so that segment 0 has the *highest* mean of ``order_by`` (by default the
    monetary feature), segment 1 the next, and so on: segment 0 is always "the most
    valuable kind", whatever the seed or method.

    Parameters
    ----------
    X : DataFrame or 2-D array
        Features, e.g. from :func:`behaviour_features`.
    k : int
        Number of segments (2 <= k < number of customers).
    method : {"kmeans", "gmm"}, default "kmeans"
        :class:`sklearn.cluster.KMeans` or :class:`sklearn.mixture.GaussianMixture`
        (full covariance; each customer goes to the most probable component).
    seed : int, default 0
        ``random_state`` of the estimator: same seed, same labels.
    order_by : str or array-like, optional
        Column of ``X`` (or one value per customer, e.g. raw spend) whose segment means
        order the labels. Default: the first column whose name contains "monetary", else
        the first column. Equal means keep scikit-learn's order.
    n_init : int, default 10
        Restarts (the best fit is kept). For ``"gmm"`` on large data, ``n_init=1`` is much
        faster and usually as good (each start is a k-means solution).

    Returns
    -------
    Series
        Integer labels 0..k-1, indexed like ``X``, named ``segment``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"log_monetary": [0.0, 0.1, 5.0, 5.1, 9.0, 9.2]})
    >>> fit_segments(X, 3).tolist()  # the biggest spenders are segment 0
    [2, 2, 1, 1, 0, 0]
    """
    Xf = _check_matrix(X)
    k = _check_k("k", k, len(Xf))
    check_param("method", method, allowed=("kmeans", "gmm"))
    check_param("seed", seed, kind=(int, np.integer), low=0)
    check_param("n_init", n_init, kind=(int, np.integer), low=1)
    key = _order_values(Xf, order_by)
    raw = _fit_labels(Xf.to_numpy(), k, method, int(seed), int(n_init))
    means = np.bincount(raw, weights=key, minlength=k) / np.maximum(
        np.bincount(raw, minlength=k), 1)
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(-means, kind="stable")] = np.arange(k)
    return pd.Series(rank[raw], index=Xf.index, name="segment")


class Stability(NamedTuple):
    """Result of :func:`cluster_stability`."""

    #: Mean and minimum adjusted Rand index over all pairs of runs.
    mean_ari: float
    min_ari: float
    #: ARI between every pair of runs (seeds as index and columns; 1 on the diagonal).
    pairwise: pd.DataFrame


def cluster_stability(
    X,
    k: int,
    seeds: Iterable[int] = range(10),
    *,
    method: str = "kmeans",
    n_init: int = 1,
) -> Stability:
    """How much a segmentation depends on the random start: ARI between runs with other seeds.

    Fits the model once per seed (with ``n_init`` restarts each; the default 1 exposes the
    sensitivity to the starting point that restarts would hide) and computes the adjusted
    Rand index (ARI: 1 = identical partitions up to renaming, 0 = chance agreement) for
    every pair of runs.

    Parameters
    ----------
    X : DataFrame or 2-D array
        Features.
    k : int
        Number of segments.
    seeds : iterable of int, default range(10)
        At least two distinct seeds.
    method : {"kmeans", "gmm"}, default "kmeans"
    n_init : int, default 1
        Restarts per run.

    Returns
    -------
    Stability
        ``mean_ari``, ``min_ari`` and the ``pairwise`` ARI matrix.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(300, centers=3, cluster_std=0.5, random_state=1)
    >>> res = cluster_stability(X, 3, seeds=range(4))
    >>> res.mean_ari, res.min_ari
    (1.0, 1.0)
    """
    Xf = _check_matrix(X)
    k = _check_k("k", k, len(Xf))
    check_param("method", method, allowed=("kmeans", "gmm"))
    check_param("n_init", n_init, kind=(int, np.integer), low=1)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise ParameterError(f"parameter 'seeds' must be an iterable of ints, got {seeds!r}.")
    seeds = list(dict.fromkeys(seeds))
    for s in seeds:
        check_param("seeds", s, kind=(int, np.integer), low=0)
    if len(seeds) < 2:
        raise ParameterError("parameter 'seeds' needs at least two distinct seeds to compare "
                             "runs, e.g. range(10).")
    from sklearn.metrics import adjusted_rand_score

    Xa = Xf.to_numpy()
    runs = [_fit_labels(Xa, k, method, int(s), int(n_init)) for s in seeds]
    m = len(runs)
    pair = np.eye(m)
    for i in range(m):
        for j in range(i + 1, m):
            pair[i, j] = pair[j, i] = adjusted_rand_score(runs[i], runs[j])
    upper = pair[np.triu_indices(m, 1)]
    names = pd.Index(seeds, name="seed")
    return Stability(mean_ari=float(upper.mean()), min_ari=float(upper.min()),
                     pairwise=pd.DataFrame(pair, index=names, columns=names))


def segment_profiles(data: pd.DataFrame, labels, value=None) -> pd.DataFrame:
    """Describe each segment: size, share of customers, share of value, mean of each column.

    Parameters
    ----------
    data : DataFrame
        One row per customer: features or (better, for reading) the raw RFM table.
    labels : Series or array-like
        Segment of each customer (a Series is aligned on ``data``'s index).
    value : str or Series, optional
        Value whose share each segment holds: a column of ``data`` or one non-negative
        value per customer. Default: ``data["monetary"]`` if present, else no value shares.

    Returns
    -------
    DataFrame
        One row per segment (sorted; categorical order for categoricals): ``customers``,
        ``customer_share``, then ``value_share`` (if a value is known), then the mean of
        every numeric column of ``data`` (dates and text are skipped).

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"frequency": [1, 2, 10, 12], "monetary": [10.0, 30.0, 400.0,
    ...                     560.0]})
    >>> segment_profiles(rfm, [1, 1, 0, 0])  # doctest: +NORMALIZE_WHITESPACE
             customers  customer_share  value_share  frequency  monetary
    segment
    0                2             0.5         0.96       11.0     480.0
    1                2             0.5         0.04        1.5      20.0
    """
    check_columns(data, [], "data")
    lab = _aligned_labels(labels, data.index, "labels")
    if value is None and "monetary" in data.columns:
        value = "monetary"
    if isinstance(value, str):
        check_columns(data, [value], "data")
        val = check_values(data[value], name=f"data[{value!r}]")
    elif value is not None:
        val = _aligned_labels(value, data.index, "value")
        val = check_values(val, name="value")
    else:
        val = None
    order = _class_order(lab)
    keys = lab.to_numpy()
    g = pd.Series(np.ones(len(lab), dtype=np.int64), index=data.index).groupby(keys, sort=False)
    out = pd.DataFrame({"customers": g.sum()})
    out["customer_share"] = out["customers"] / len(lab)
    if val is not None:
        out["value_share"] = val.groupby(keys, sort=False).sum() / float(val.sum())
    numeric = data.select_dtypes(include="number")
    numeric = numeric.loc[:, [c for c in numeric.columns if not pd.api.types.is_bool_dtype(
        numeric[c])]]
    if numeric.shape[1]:
        out = out.join(numeric.groupby(keys, sort=False).mean())
    out = out.reindex(order)
    shares = [c for c in ("customers", "customer_share", "value_share") if c in out.columns]
    out[shares] = out[shares].fillna(0)  # empty categories: no customers, no value
    out["customers"] = out["customers"].astype("int64")
    out.index = pd.Index(order, name=lab.name if lab.name is not None else "segment")
    return out


class Agreement(NamedTuple):
    """Result of :func:`agreement`: ``ari`` (adjusted Rand index) and ``crosstab``."""

    ari: float
    crosstab: pd.DataFrame


def agreement(labels, true_labels) -> Agreement:
    """Did we recover the truth? Adjusted Rand index and cross-tabulation of two labellings.

    The ARI is 1 when the two partitions are identical up to renaming, about 0 for
    labels unrelated to the truth (it is corrected for chance), and can be negative.

    Parameters
    ----------
    labels : Series or array-like
        Segments found, e.g. from :func:`fit_segments`.
    true_labels : Series or array-like
        True segments (e.g. ``company.truth.customers["segment"]``). Series are aligned on
        their index; arrays must have the same length.

    Returns
    -------
    Agreement
        ``ari`` (float) and ``crosstab`` (found segments as rows, true segments as columns,
        counts).

    Examples
    --------
    >>> res = agreement([0, 0, 1, 1, 2], ["a", "a", "b", "b", "b"])
    >>> round(res.ari, 3)
    0.545
    >>> res.crosstab  # doctest: +NORMALIZE_WHITESPACE
    true_segment  a  b
    segment
    0             2  0
    1             0  2
    2             0  1
    """
    if isinstance(labels, pd.Series):
        index = labels.index
        found = _aligned_labels(labels, index, "labels")
    else:
        found = _aligned_labels(labels, pd.RangeIndex(len(np.asarray(labels))), "labels")
        index = found.index
    if len(found) == 0:
        raise DataError("labels: empty.\nHow to fix: pass at least one label.")
    if isinstance(true_labels, pd.Series) and not isinstance(labels, pd.Series):
        true_labels = true_labels.to_numpy()
    truth = _aligned_labels(true_labels, index, "true_labels")
    from sklearn.metrics import adjusted_rand_score

    ari = float(adjusted_rand_score(truth.to_numpy(), found.to_numpy()))
    table = pd.crosstab(found.rename("segment"), truth.rename("true_segment"))
    return Agreement(ari=ari, crosstab=table)


# ============================================================================ demographics

#: Default demographic columns of :func:`demographic_profile` and :func:`value_explained`.
DEMOGRAPHICS = ("region", "city_tier", "age_band", "gender", "education", "income_band")

#: Age bands used when ``age_band`` is asked for but only ``age`` is present: left edges.
AGE_BANDS = (18, 25, 35, 45, 55, 65)


def age_bands(age, edges: Sequence[int] = AGE_BANDS) -> pd.Series:
    """Cut ages into bands labelled like ``"25-34"`` and ``"65+"`` (ordered categorical).

    Ages below the first edge get the band ``"<18"`` (for the default edges).

    Examples
    --------
    >>> age_bands([18, 24, 25, 64, 65, 80]).tolist()
    ['18-24', '18-24', '25-34', '55-64', '65+', '65+']
    """
    a = check_values(age, name="age")
    edges = list(edges)
    labels = [f"<{edges[0]}"] + [f"{lo}-{hi - 1}" for lo, hi in zip(edges, edges[1:],
                                                                     strict=False)]
    labels.append(f"{edges[-1]}+")
    codes = np.searchsorted(np.asarray(edges, dtype=float), a.to_numpy(), side="right")
    cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    cat = cat.remove_unused_categories() if codes.min() > 0 else cat
    return pd.Series(cat, index=a.index, name="age_band")


def _demographics(customers: pd.DataFrame, columns) -> pd.DataFrame:
    """Checked customer table indexed by customer_id with the requested columns (as labels)."""
    if isinstance(columns, str):
        columns = (columns,)
    columns = list(columns)
    if not columns:
        raise ParameterError("parameter 'columns' is empty; name at least one demographic "
                             f"column, e.g. {list(DEMOGRAPHICS)}.")
    if isinstance(customers, pd.DataFrame) and "customer_id" not in customers.columns \
            and customers.index.name == "customer_id":
        customers = customers.reset_index()
    derive_age = "age_band" in columns and isinstance(customers, pd.DataFrame) \
        and "age_band" not in customers.columns and "age" in customers.columns
    need = [c for c in columns if not (derive_age and c == "age_band")]
    cust = check_customers(customers, required=need + (["age"] if derive_age else []))
    cust = cust.set_index("customer_id")
    out = {}
    for c in columns:
        s = age_bands(cust["age"]) if (derive_age and c == "age_band") else cust[c]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if s.isna().any():  # kept as their own level, not dropped
            s = s.astype(object).where(s.notna(), "(missing)")
        out[c] = s
    return pd.DataFrame(out, index=cust.index)


def _restrict(demo: pd.DataFrame, other: pd.Series, what: str) -> tuple[pd.DataFrame, pd.Series]:
    """Align a per-customer Series with the customer table, warning about unmatched customers."""
    if not isinstance(other, pd.Series):
        arr = np.asarray(other)
        if arr.ndim != 1 or len(arr) != len(demo):
            raise DataError(f"{what}: got {arr.shape} values for {len(demo):,} customers.\n"
                            "How to fix: pass a Series indexed by customer_id.")
        return demo, pd.Series(arr, index=demo.index, name=what)
    lab = _aligned_labels(other, demo.index, what, allow_subset=True)
    n_out = len(demo) - len(lab)
    if n_out:
        warnings.warn(f"{n_out:,} customer(s) of the customer table have no {what} (e.g. no "
                      "purchase) and were excluded.", ExclusionWarning, stacklevel=3)
    return demo.loc[lab.index], lab


def demographic_profile(
    customers: pd.DataFrame,
    labels,
    columns: Sequence[str] = DEMOGRAPHICS,
) -> pd.DataFrame:
    """Who is in each segment? Distribution of each demographic variable per segment.

    Parameters
    ----------
    customers : DataFrame
        Customer table with a ``customer_id`` column (or index) and the ``columns``.
        If ``age_band`` is asked for and absent but ``age`` is present, bands are cut with
        :func:`age_bands`. Missing values are shown as their own level ``"(missing)"``.
    labels : Series or array-like
        Segment per customer. A Series indexed by ``customer_id`` may cover a subset of
        the table (e.g. customers who bought); the others are excluded with an
        :class:`~crm_lab.summary.ExclusionWarning`. An array must follow the table's rows.
    columns : sequence of str
        Demographic columns, default :data:`DEMOGRAPHICS`.

    Returns
    -------
    DataFrame
        Rows: a (``variable``, ``level``) MultiIndex; columns: one per segment plus
        ``all`` (the whole customer base). Values are shares of the segment's customers,
        so each variable's block sums to 1 in every column.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": [1, 2, 3, 4], "gender": ["f", "m", "f", "f"]})
    >>> demographic_profile(cust, [0, 0, 1, 1], columns=["gender"])
    ... # doctest: +NORMALIZE_WHITESPACE
                        0    1   all
    variable level
    gender   f        0.5  1.0  0.75
             m        0.5  0.0  0.25
    """
    demo = _demographics(customers, columns)
    demo, lab = _restrict(demo, labels, "labels")
    order = _class_order(lab)
    blocks = []
    for c in demo.columns:
        tab = pd.crosstab(demo[c], lab.to_numpy(), normalize="columns").reindex(
            columns=order, fill_value=0.0)
        tab["all"] = demo[c].value_counts(normalize=True, sort=False).reindex(tab.index)
        tab.index = pd.MultiIndex.from_product([[c], tab.index.astype(str)],
                                               names=["variable", "level"])
        blocks.append(tab)
    out = pd.concat(blocks)
    out.columns = pd.Index(list(order) + ["all"], name=None)
    return out


def _r2(y: np.ndarray, design: np.ndarray) -> float:
    """R^2 of an OLS fit of ``y`` on ``design`` (which includes the intercept)."""
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    sst = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(resid @ resid) / sst


def value_explained(
    customers: pd.DataFrame,
    value,
    columns: Sequence[str] = DEMOGRAPHICS,
    *,
    segments=None,
) -> pd.DataFrame:
    """How much of customer value do demographics explain? R^2 per variable and all together.

    Each variable alone: the R^2 of an OLS regression of value on that variable's dummies,
    which equals eta^2 (between-group sum of squares / total sum of squares). All
    together: one OLS regression on the dummies of every variable (first level dropped,
    intercept added). Adjusted R^2 charges for the number of levels. If ``segments`` is
    given, a last row gives the same R^2 for the behavioural segments, for comparison.

    Parameters
    ----------
    customers : DataFrame
        Customer table (``customer_id`` column or index) with the ``columns``; see
        :func:`demographic_profile` for ``age_band`` and missing values.
    value : str or Series
        Customer value: a column of ``customers`` or a Series indexed by ``customer_id``
        (e.g. ``rfm["monetary"]``; customers without a value are excluded with an
        :class:`~crm_lab.summary.ExclusionWarning`). Spend is skewed; pass
        ``np.log1p(value)`` to explain log spend.
    columns : sequence of str
        Demographic columns, default :data:`DEMOGRAPHICS`.
    segments : Series or array-like, optional
        Behavioural segments on the same customers (e.g. from :func:`fit_segments`).

    Returns
    -------
    DataFrame
        Index ``predictor`` (each variable, then ``all demographics``, then
        ``behavioural segments`` if given), columns ``r2``, ``adj_r2`` and ``n_params``
        (number of dummy coefficients: levels - 1 per variable).

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": range(6), "gender": list("ffmmfm"),
    ...                      "region": list("nnnsss"),
    ...                      "spend": [10.0, 12.0, 20.0, 22.0, 11.0, 21.0]})
    >>> value_explained(cust, "spend", ["gender", "region"]).round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
                         r2  adj_r2  n_params
    predictor
    gender            0.974   0.968         1
    region            0.156  -0.055         1
    all demographics  0.979   0.965         2
    """
    if isinstance(columns, str):
        columns = (columns,)
    value_col = value if isinstance(value, str) else None
    demo = _demographics(customers, list(columns) + ([value_col] if value_col else []))
    if value_col:
        y = check_values(demo.pop(value_col).astype("float64"),
                         name=f"customers[{value_col!r}]", allow_negative=True)
    else:
        demo, y = _restrict(demo, value, "value")
        y = check_values(y, name="value", allow_negative=True)
    yv = y.to_numpy(dtype="float64")
    n = len(yv)
    if n < 3 or float(np.var(yv)) == 0.0:
        raise DataError("value: needs at least 3 customers whose values are not all equal "
                        "(R^2 is undefined otherwise).\nHow to fix: check the value column.")
    predictors = {c: demo[c] for c in demo.columns}
    if segments is not None:
        predictors["behavioural segments"] = _aligned_labels(segments, demo.index, "segments") \
            if isinstance(segments, pd.Series) else _aligned_labels(
                np.asarray(segments), demo.index, "segments")
    ones = np.ones((n, 1))

    def design(frame: pd.DataFrame) -> np.ndarray:
        dummies = pd.get_dummies(frame.astype(str), drop_first=True, dtype="float64")
        return np.hstack([ones, dummies.to_numpy()])

    rows = []
    for name, s in predictors.items():
        d = design(s.to_frame())
        rows.append((name, _r2(yv, d), d.shape[1] - 1))
    d_all = design(demo)
    rows.insert(len(demo.columns), ("all demographics", _r2(yv, d_all), d_all.shape[1] - 1))
    out = pd.DataFrame(rows, columns=["predictor", "r2", "p"]).set_index("predictor")
    dof = np.maximum(n - out["p"] - 1, 1)
    out["adj_r2"] = 1 - (1 - out["r2"]) * (n - 1) / dof
    out["n_params"] = out["p"].astype("int64")
    return out[["r2", "adj_r2", "n_params"]]


# ============================================================================ managing segments


def rfm_value_matrix(scores: pd.DataFrame, rfm: pd.DataFrame, *, value: str = "monetary",
                     agg: str = "mean") -> pd.DataFrame:
    """The customer-value matrix: R score (rows, recent first) by F score (columns).

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (``r_score``, ``f_score``).
    rfm : DataFrame
        Output of :func:`rfm_table`, same index.
    value : str
        Column of ``rfm`` to aggregate in each cell.
    agg : {"mean", "sum", "count", "share"}
        ``share`` is each cell's share of the total of ``value``.

    Returns
    -------
    DataFrame indexed by ``r_score`` (descending) with one column per ``f_score``.

    Examples
    --------
    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency_days": [1, 50, 2, 90], "frequency": [5, 1, 4, 1],
    ...                     "monetary": [100.0, 10.0, 80.0, 5.0]})
    >>> rfm_value_matrix(rfm_scores(rfm, bins=2), rfm, agg="share")
    ... # doctest: +NORMALIZE_WHITESPACE
    f_score      1      2
    r_score
    2        0.000  0.923
    1        0.077  0.000
    """
    check_columns(scores, ["r_score", "f_score"], "scores")
    check_columns(rfm, [value], "rfm")
    check_param("agg", agg, allowed=["mean", "sum", "count", "share"])
    if not scores.index.equals(rfm.index):
        raise DataError("scores and rfm: the indexes differ. How to fix: compute scores with "
                        "rfm_scores(rfm) from the same rfm table.")
    how = "sum" if agg == "share" else agg
    table = rfm[value].groupby([scores["r_score"], scores["f_score"]]).agg(how).unstack(
        fill_value=0)
    if agg == "share":
        table = table / rfm[value].sum()
    return table.sort_index(ascending=False).round(3)


_STRATEGIES = [
    ("champions", "recent, frequent, high spend", "reward and retain; early access, referrals",
     "奖励与保持: 会员特权, 推荐计划"),
    ("loyal", "frequent, fairly recent", "upsell and cross-sell; loyalty programme tiers",
     "交叉销售与向上销售, 忠诚计划"),
    ("potential loyalists", "recent, a few purchases", "build the habit; onboarding, bundles",
     "培养购买习惯: 新客引导, 组合优惠"),
    ("new customers", "first purchase just made", "welcome and second-purchase offer",
     "欢迎与二次购买激励"),
    ("at risk", "used to buy often, not lately", "win back before they leave; personal contact",
     "流失预警: 个性化挽回"),
    ("can't lose them", "were the best, gone quiet", "high-touch win-back; ask what went wrong",
     "重点挽回: 客户关怀, 了解原因"),
    ("hibernating", "long ago, few purchases", "low-cost reactivation; do not overspend",
     "低成本唤醒, 控制投入"),
    ("lost", "long ago, one purchase", "ignore or cheapest reactivation; learn from them",
     "放弃或最低成本触达, 分析流失原因"),
]


def segment_strategies() -> pd.DataFrame:
    """Textbook-style treatment of each named RFM segment (customer differentiation, 差异化管理).

    The default reading of the segments of :func:`rfm_segment_grid`, in the spirit of the
    textbook's advice to treat customers differently by value: invest in keeping the most
    valuable, develop the promising, reactivate cheaply, and let go of the unprofitable.
    It is a starting point to argue with, not a rule.

    Returns
    -------
    DataFrame indexed by segment with ``profile``, ``strategy`` and ``strategy_zh``.

    Examples
    --------
    >>> segment_strategies().loc["champions", "strategy"]
    'reward and retain; early access, referrals'
    """
    out = pd.DataFrame(_STRATEGIES, columns=["segment", "profile", "strategy", "strategy_zh"])
    return out.set_index("segment")
