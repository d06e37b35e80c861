"""Customer referral value (CRV) and the CLV x CRV matrix (客户推荐管理).

Kumar, Petersen & Leone (2007, 2010) value a customer twice: by what she buys
(CLV) and by the profitable customers she brings in (customer referral value,
CRV). A referral is worth the discounted margin of the referred customer, but only
for the share of referred customers who *would not have come anyway*; for the
others the firm saves at most their acquisition cost.

The referrals table
-------------------
One row per referred customer:

``customer_id``
    The referred (new) customer; each appears at most once.
``referrer_id``
    The existing customer who referred her (must differ from ``customer_id``).
``date``
    The referral date (the referred customer's acquisition date).

Other column names are accepted through keyword arguments.

References
----------
Kumar, V., Petersen, J. A. & Leone, R. P. (2007). How valuable is word of mouth?
*Harvard Business Review* 85(10), 139-146.

Kumar, V., Petersen, J. A. & Leone, R. P. (2010). Driving profitability by
encouraging customer referrals: Who, when, and how. *Journal of Marketing* 74(5), 1-17.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_lab.summary import ExclusionWarning, _check_freq, as_timestamp, period_numbers, up_to
from crm_lab.validate import (
    DataError,
    ParameterError,
    _check_ids,
    _to_datetime,
    check_columns,
    check_param,
    check_transactions,
)

__all__ = [
    "VALUE_SEGMENTS",
    "check_referrals",
    "referral_counts",
    "referred_value",
    "customer_referral_value",
    "value_matrix",
    "value_matrix_summary",
]

#: The four cells of Kumar et al.'s CLV x CRV matrix: (high CLV?, high CRV?) -> name.
VALUE_SEGMENTS = {(True, True): "champions", (True, False): "affluents",
                  (False, True): "advocates", (False, False): "misers"}


def check_referrals(referrals: pd.DataFrame, *, customer_id: str = "customer_id",
                    referrer_id: str = "referrer_id", date: str = "date") -> pd.DataFrame:
    """Check a referrals table and return a copy with standard column names.

    Raises :class:`~crm_lab.validate.DataError` naming the column for missing
    columns or ids, unreadable dates, a customer referred twice, or a
    self-referral.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"new": [2, 3], "by": [1, 1], "day": ["2024-01-05", "2024-02-01"]})
    >>> check_referrals(r, customer_id="new", referrer_id="by", date="day").columns.tolist()
    ['customer_id', 'referrer_id', 'date']
    """
    check_columns(referrals, [customer_id, referrer_id, date], "referrals",
                  hint="The schema is one row per referred customer: customer_id, referrer_id, "
                       "date.")
    _check_ids(referrals, customer_id, "referrals", unique=True)
    _check_ids(referrals, referrer_id, "referrals", unique=False)
    out = pd.DataFrame({"customer_id": referrals[customer_id].to_numpy(),
                        "referrer_id": referrals[referrer_id].to_numpy(),
                        "date": _to_datetime(referrals, date, "referrals").to_numpy()})
    self_ref = (out["customer_id"] == out["referrer_id"]).to_numpy()
    if self_ref.any():
        raise DataError(f"referrals[{referrer_id!r}]: {int(self_ref.sum()):,} row(s) where a "
                        "customer referred herself.\nHow to fix: drop them explicitly; a "
                        "self-referral is usually a data-entry or incentive-gaming error.")
    return out


def referral_counts(referrals: pd.DataFrame, customers=None, **columns) -> pd.Series:
    """Number of customers each referrer brought in.

    Parameters
    ----------
    referrals : DataFrame
        The referrals table (see the module docstring).
    customers : index-like, optional
        All customer ids; those who referred nobody get 0.
    **columns
        ``customer_id``, ``referrer_id``, ``date`` column names.

    Returns
    -------
    pandas.Series
        ``n_referrals`` indexed by ``customer_id`` (the referrer).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"customer_id": [2, 3, 4], "referrer_id": [1, 1, 2],
    ...                   "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})
    >>> referral_counts(r, customers=[1, 2, 3, 4]).tolist()
    [2, 1, 0, 0]
    """
    r = check_referrals(referrals, **columns)
    n = r.groupby("referrer_id").size()
    if customers is not None:
        n = n.reindex(pd.Index(customers), fill_value=0)
    n.index.name = "customer_id"
    return n.astype("int64").rename("n_referrals")


def referred_value(
    referrals: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    margin: float = 1.0,
    discount_rate: float = 0.01,
    freq: str = "M",
    horizon: int | None = None,
    as_of=None,
    referral_columns: dict | None = None,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """Discounted margin of each referred customer, valued at her referral date.

    ``value_j = sum_k margin * amount_k / (1 + d)^(periods from referral to purchase k)``
    over referred customer *j*'s purchases from the referral date on (the first
    ``horizon`` periods if given, up to ``as_of``). Purchases dated before the
    referral are excluded with an :class:`~crm_lab.summary.ExclusionWarning`.

    Parameters
    ----------
    referrals : DataFrame
        The referrals table.
    transactions : DataFrame
        Purchases (``customer_id``, ``date``, ``amount``).
    margin : float, default 1.0
        Contribution margin on spend.
    discount_rate : float, default 0.01
        Per ``freq`` period.
    freq : str, default "M"
    horizon : int, optional
        Periods after the referral to count (0 = the referral period only).
    as_of : date-like, optional
        Last date counted; ``periods_observed`` says how long each referred
        customer was watched (compare referrals only with equal windows).
    referral_columns : dict, optional
        Column names of ``referrals`` (``customer_id``, ``referrer_id``, ``date``).
    customer_id, date, amount : str
        Column names of ``transactions``.

    Returns
    -------
    DataFrame
        Indexed by the referred ``customer_id``: ``referrer_id``,
        ``referral_date``, ``n_purchases``, ``revenue``, ``value`` (discounted
        margin), ``periods_observed``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"customer_id": [2], "referrer_id": [1], "date": ["2024-01-01"]})
    >>> tx = pd.DataFrame({"customer_id": [2, 2], "amount": [100.0, 100.0],
    ...                    "date": pd.to_datetime(["2024-01-03", "2024-02-03"])})
    >>> round(float(referred_value(r, tx, margin=0.5, discount_rate=0.1)["value"].iloc[0]), 4)
    95.4545
    """
    ref = check_referrals(referrals, **(referral_columns or {}))
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    check_param("margin", margin, kind=(int, float))
    check_param("discount_rate", discount_rate, kind=(int, float), low=0)
    _check_freq(freq)
    if horizon is not None:
        check_param("horizon", horizon, kind=int, low=0)
    end = pd.Timestamp(tx["date"].max()) if as_of is None else as_timestamp("as_of", as_of)
    tx = tx.loc[tx["customer_id"].isin(ref["customer_id"])]
    tx = tx.merge(ref[["customer_id", "date"]].rename(columns={"date": "referral_date"}),
                  on="customer_id")
    before = (tx["date"] < tx["referral_date"].dt.normalize()).to_numpy()
    if before.any():
        warnings.warn(f"{int(before.sum()):,} purchase(s) of referred customers are dated before "
                      "their referral and were excluded (they were customers already: check "
                      "the referral log).", ExclusionWarning, stacklevel=2)
    tx = tx.loc[~before & up_to(tx["date"].to_numpy(), end)]
    lag = (period_numbers(tx["date"].to_numpy(), freq)
           - period_numbers(tx["referral_date"].to_numpy(), freq))
    keep = np.ones(len(tx), bool) if horizon is None else lag <= horizon
    tx = tx.loc[keep]
    lag = lag[keep]
    disc = margin * tx["amount"].to_numpy() / (1.0 + discount_rate) ** lag
    g = pd.DataFrame({"customer_id": tx["customer_id"].to_numpy(), "value": disc,
                      "revenue": tx["amount"].to_numpy()}).groupby("customer_id")
    out = ref.set_index("customer_id").rename(columns={"date": "referral_date"})
    out["n_purchases"] = g.size().reindex(out.index, fill_value=0).astype("int64")
    out["revenue"] = g["revenue"].sum().reindex(out.index, fill_value=0.0)
    out["value"] = g["value"].sum().reindex(out.index, fill_value=0.0)
    end_p = period_numbers(np.array([end.to_datetime64()]), freq)[0]
    out["periods_observed"] = end_p - period_numbers(out["referral_date"].to_numpy(), freq) + 1
    late = out["periods_observed"] <= 0
    if late.any():
        warnings.warn(f"{int(late.sum()):,} referral(s) dated after as_of={end.date()} have no "
                      "observed purchases and are valued 0.", ExclusionWarning, stacklevel=2)
    return out


def customer_referral_value(
    referrals: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    incremental_share: float = 0.5,
    acquisition_savings: float = 0.0,
    referral_reward: float = 0.0,
    customers=None,
    **kwargs,
) -> pd.DataFrame:
    """Customer referral value (CRV) per referrer (Kumar, Petersen & Leone 2007, 2010).

    ``CRV_i = sum_{j referred by i} [ s * value_j + (1 - s) * acquisition_savings
    - referral_reward ]`` where ``value_j`` is referred customer *j*'s discounted
    margin (:func:`referred_value`), ``s = incremental_share`` the share of
    referred customers who would not have joined without the referral (their
    whole margin is the referral's doing), ``1 - s`` would have joined anyway
    (the referral only saved their acquisition cost), and ``referral_reward`` the
    incentive paid per referral. Kumar et al. estimate ``s`` from a survey of
    referred customers ("would you have joined without the referral?"); here it
    is a parameter, so show the answer for a few values.

    Parameters
    ----------
    referrals, transactions : DataFrame
        As in :func:`referred_value`.
    incremental_share : float in [0, 1], default 0.5
    acquisition_savings : float, default 0.0
        Acquisition cost saved per referred customer who would have come anyway.
    referral_reward : float, default 0.0
        Incentive paid per referral.
    customers : index-like, optional
        All customer ids (non-referrers get CRV 0).
    **kwargs
        Passed to :func:`referred_value` (``margin``, ``discount_rate``, ``freq``,
        ``horizon``, ``as_of``, column names).

    Returns
    -------
    DataFrame
        Indexed by referrer ``customer_id``: ``n_referrals``, ``referred_value``
        (sum of ``value_j``) and ``crv``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"customer_id": [2, 3], "referrer_id": [1, 1],
    ...                   "date": ["2024-01-01", "2024-01-01"]})
    >>> tx = pd.DataFrame({"customer_id": [2, 3], "amount": [100.0, 50.0],
    ...                    "date": pd.to_datetime(["2024-01-02", "2024-01-02"])})
    >>> customer_referral_value(r, tx, incremental_share=0.4, acquisition_savings=10.0)["crv"]
    ... # doctest: +NORMALIZE_WHITESPACE
    customer_id
    1    72.0
    Name: crv, dtype: float64
    """
    check_param("incremental_share", incremental_share, kind=(int, float), low=0, high=1)
    check_param("acquisition_savings", acquisition_savings, kind=(int, float))
    check_param("referral_reward", referral_reward, kind=(int, float))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rv = referred_value(referrals, transactions, **kwargs)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=2)
    g = rv.groupby("referrer_id")
    out = pd.DataFrame({"n_referrals": g.size().astype("int64"),
                        "referred_value": g["value"].sum()})
    out["crv"] = (incremental_share * out["referred_value"]
                  + out["n_referrals"] * ((1 - incremental_share) * acquisition_savings
                                          - referral_reward))
    if customers is not None:
        out = out.reindex(pd.Index(customers), fill_value=0)
        out["n_referrals"] = out["n_referrals"].astype("int64")
    out.index.name = "customer_id"
    return out


def value_matrix(clv: pd.Series, crv: pd.Series, *, clv_threshold: float | None = None,
                 crv_threshold: float | None = None) -> pd.DataFrame:
    """Place every customer in Kumar et al.'s CLV x CRV matrix.

    High means strictly above the threshold (default: the median of each value
    over the customers in ``clv``; with many non-referrers the CRV median is 0,
    so "high CRV" means "brought in value"). The four cells:

    * **champions**: high CLV, high CRV (buy a lot and bring others; reward and keep);
    * **affluents**: high CLV, low CRV (buy a lot; encourage referrals);
    * **advocates**: low CLV, high CRV (bring valuable customers; cross-sell to them);
    * **misers**: low on both (serve at low cost).

    Parameters
    ----------
    clv : pandas.Series
        Customer lifetime value indexed by customer id (defines the customers).
    crv : pandas.Series
        Referral value indexed by customer id; customers absent from it get 0.
        Ids in ``crv`` but not in ``clv`` are an error.
    clv_threshold, crv_threshold : float, optional

    Returns
    -------
    DataFrame
        ``clv``, ``crv``, ``segment`` (categorical); ``attrs`` holds the thresholds.

    Examples
    --------
    >>> import pandas as pd
    >>> m = value_matrix(pd.Series([10.0, 1.0, 8.0, 2.0], index=[1, 2, 3, 4]),
    ...                  pd.Series([5.0, 9.0], index=[1, 2]))
    >>> m["segment"].astype(str).tolist()
    ['champions', 'advocates', 'affluents', 'misers']
    """
    for name, s in (("clv", clv), ("crv", crv)):
        if not isinstance(s, pd.Series):
            raise DataError(f"{name}: expected a pandas Series indexed by customer_id, got "
                            f"{type(s).__name__}.")
        if s.isna().any() or not np.isfinite(s.to_numpy(dtype=float)).all():
            raise DataError(f"{name}: {int(s.isna().sum()):,} missing or infinite values; "
                            "fill or drop them explicitly first.")
    if len(clv) == 0:
        raise DataError("clv: empty; pass one value per customer.")
    extra = crv.index.difference(clv.index)
    if len(extra):
        raise DataError(f"crv: {len(extra):,} customer id(s) are not in clv (e.g. "
                        f"{list(extra[:3])}).\nHow to fix: give every referrer a CLV "
                        "(clv.reindex(all_ids)) or drop them explicitly.")
    c = clv.astype(float)
    r = crv.astype(float).reindex(c.index, fill_value=0.0)
    t_clv = float(c.median()) if clv_threshold is None else clv_threshold
    t_crv = float(r.median()) if crv_threshold is None else crv_threshold
    seg = [VALUE_SEGMENTS[(a, b)] for a, b in zip(c > t_clv, r > t_crv, strict=True)]
    out = pd.DataFrame({"clv": c, "crv": r,
                        "segment": pd.Categorical(seg, categories=["champions", "affluents",
                                                                   "advocates", "misers"])},
                       index=c.index)
    out.index.name = "customer_id"
    out.attrs = {"clv_threshold": t_clv, "crv_threshold": t_crv}
    return out


def value_matrix_summary(matrix: pd.DataFrame) -> pd.DataFrame:
    """Size and mean CLV / CRV of each cell of :func:`value_matrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> m = value_matrix(pd.Series([10.0, 1.0]), pd.Series([0.0, 3.0]))
    >>> value_matrix_summary(m)["customers"].tolist()
    [0, 1, 1, 0]
    """
    check_columns(matrix, ["clv", "crv", "segment"], "matrix",
                  hint="Build it with crm_lab.lifecycle.value_matrix.")
    if not set(matrix["segment"].astype(str)) <= set(VALUE_SEGMENTS.values()):
        raise ParameterError("matrix['segment'] has values outside the four cells; build the "
                             "matrix with value_matrix.")
    g = matrix.groupby("segment", observed=False)
    out = pd.DataFrame({"customers": g.size(), "mean_clv": g["clv"].mean(),
                        "mean_crv": g["crv"].mean(), "total_clv": g["clv"].sum(),
                        "total_crv": g["crv"].sum()})
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    out.index = pd.Index([str(s) for s in out.index], name="segment")
    return out
