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

Other column names are accepted through keyword arguments. A customers table
with ``referred_by`` and ``referral_date`` (the bundled company's layout: one row
per customer, the referrer's id or missing) is accepted wherever a referrals
table is: :func:`referrals_from_customers` turns it into one.

Who refers?
-----------
:class:`ReferralPropensity` estimates how customer characteristics (satisfaction,
loyalty, ...) change the propensity to refer: each referral is a choice of one
referrer among the customers who could have referred at the time (signed up
earlier and still active), with ``P(referrer = j) proportional to exp(x_j' b)``,
a conditional logit (McFadden 1974) fitted by Newton's method. ``exp(b)`` is the
rate ratio per unit of the covariate.

References
----------
Kumar, V., Petersen, J. A. & Leone, R. P. (2007). How valuable is word of mouth?
*Harvard Business Review* 85(10), 139-146.

Kumar, V., Petersen, J. A. & Leone, R. P. (2010). Driving profitability by
encouraging customer referrals: Who, when, and how. *Journal of Marketing* 74(5), 1-17.

McFadden, D. (1974). Conditional logit analysis of qualitative choice behavior. In
P. Zarembka (ed.), *Frontiers in Econometrics*, 105-142. Academic Press.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

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
    "referrals_from_customers",
    "check_referrals",
    "ReferralPropensity",
    "referral_counts",
    "referred_value",
    "customer_referral_value",
    "value_matrix",
    "value_matrix_summary",
]

#: The four cells of Kumar et al.'s CLV x CRV matrix: (high CLV?, high CRV?) -> name.
VALUE_SEGMENTS = {(True, True): "champions", (True, False): "affluents",
                  (False, True): "advocates", (False, False): "misers"}


def referrals_from_customers(customers: pd.DataFrame, *, customer_id: str = "customer_id",
                             referred_by: str = "referred_by",
                             referral_date: str = "referral_date") -> pd.DataFrame:
    """The referrals table from a customers table with ``referred_by`` / ``referral_date``.

    Customers whose ``referred_by`` is missing were not referred and give no row.
    A referrer without a referral date, or a referral date without a referrer, is
    an error naming the column.

    Parameters
    ----------
    customers : DataFrame
        One row per customer (e.g. ``book.load(...).customers``).
    customer_id, referred_by, referral_date : str
        Column names.

    Returns
    -------
    DataFrame
        ``customer_id`` (the referred customer), ``referrer_id``, ``date``, one row per
        referred customer, checked by :func:`check_referrals`.

    Examples
    --------
    >>> import pandas as pd
    >>> cu = pd.DataFrame({"customer_id": [1, 2, 3], "referred_by": [None, 1, None],
    ...                    "referral_date": [None, "2024-03-01", None]})
    >>> referrals_from_customers(cu).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'customer_id': [2], 'referrer_id': [1], 'date': [Timestamp('2024-03-01 00:00:00')]}
    """
    check_columns(customers, [customer_id, referred_by, referral_date], "customers",
                  hint="The referrer of each referred customer (missing for the others) and "
                       "the referral date.")
    _check_ids(customers, customer_id, "customers", unique=True)
    by = customers[referred_by]
    raw = customers[referral_date]
    when = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    given = raw.notna().to_numpy()
    if given.any():
        when.loc[given] = _to_datetime(customers.loc[given], referral_date, "customers"
                                       ).to_numpy()
    problems = ((referral_date, by.notna().to_numpy() & when.isna().to_numpy(),
                 "a referrer but no referral date"),
                (referred_by, by.isna().to_numpy() & when.notna().to_numpy(),
                 "a referral date but no referrer"))
    for col, bad, what in problems:
        if bad.any():
            raise DataError(f"customers[{col!r}]: {int(bad.sum()):,} customer(s) have {what}."
                            "\nHow to fix: give both or neither (a referral needs a referrer "
                            "and a date).")
    keep = by.notna().to_numpy()
    ids = by.to_numpy()[keep]
    if ids.size and not np.array_equal(ids.astype("int64"), ids.astype(float)):
        raise DataError(f"customers[{referred_by!r}]: referrer ids must be whole numbers "
                        "(customer ids).")
    out = pd.DataFrame({"customer_id": customers[customer_id].to_numpy()[keep],
                        "referrer_id": ids.astype("int64") if ids.size else ids,
                        "date": when.to_numpy()[keep]})
    return check_referrals(out)


def check_referrals(referrals: pd.DataFrame, *, customer_id: str = "customer_id",
                    referrer_id: str = "referrer_id", date: str = "date") -> pd.DataFrame:
    """Check a referrals table and return a copy with standard column names.

    Raises :class:`~crm_lab.validate.DataError` naming the column for missing
    columns or ids, unreadable dates, a customer referred twice, or a
    self-referral. A customers table with ``referred_by`` and ``referral_date``
    (and no ``referrer_id``) is converted by :func:`referrals_from_customers`.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"new": [2, 3], "by": [1, 1], "day": ["2024-01-05", "2024-02-01"]})
    >>> check_referrals(r, customer_id="new", referrer_id="by", date="day").columns.tolist()
    ['customer_id', 'referrer_id', 'date']
    """
    if (isinstance(referrals, pd.DataFrame) and referrer_id not in referrals.columns
            and {"referred_by", "referral_date"} <= set(referrals.columns)):
        return referrals_from_customers(referrals, customer_id=customer_id)
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


def _as_series(values, name: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise DataError(f"{name}: expected a pandas Series indexed by customer_id, got "
                        f"{type(values).__name__}.")
    if values.index.has_duplicates:
        raise DataError(f"{name}: {int(values.index.duplicated().sum()):,} duplicate customer "
                        "id(s) in the index; give one value per customer.")
    return values


class ReferralPropensity:
    """Who refers? A conditional logit of the referrer among the customers who could refer.

    Each referral *k* (a new customer joining on date ``t_k``) is a choice of its
    referrer among the risk set ``R_k``: the customers with covariates who signed
    up before ``t_k``, are still active on ``t_k`` (``active_until``, if given)
    and are not the new customer herself. With covariates ``x_j``,

    ``P(referrer_k = j) = exp(x_j' b) / sum_{i in R_k} exp(x_i' b)``,

    so ``exp(b)`` is the factor by which one unit of a covariate multiplies a
    customer's referral rate, whatever the firm's overall number of referrals. The
    likelihood is maximised by Newton's method; standard errors come from the
    inverse Hessian. When only some customers have covariates (survey
    respondents), the referrals made by the others are left out (counted in a
    warning) and the choice is among respondents: the conditional likelihood
    stays valid.

    Parameters
    ----------
    alpha : float, default 0.05
        For the confidence intervals.
    max_iter : int, default 50
    tol : float, default 1e-8
        Convergence tolerance on the Newton step.

    Attributes
    ----------
    params_, bse_ : pandas.Series
        Coefficients (log rate ratios) and standard errors, by covariate.
    expected_ : pandas.Series
        Fitted expected number of referrals of each candidate over the log.
    observed_ : pandas.Series
        Referrals each candidate made among the referrals used.
    n_events_, n_candidates_, n_excluded_ : int
        Referrals used, customers with covariates, referrals left out.
    converged_ : bool
    loglik_ : float

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"customer_id": [4, 5, 6], "referrer_id": [1, 1, 2],
    ...                   "date": ["2024-02-01", "2024-03-01", "2024-04-01"]})
    >>> signup = pd.Series(pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01", "2024-03-01",
    ...                    "2024-04-01"]), index=range(1, 7))
    >>> x = pd.DataFrame({"satisfaction": [1.0, 0.0, -1.0, 0.0, 0.0, 0.0]}, index=range(1, 7))
    >>> fit = ReferralPropensity().fit(r, x, signup)
    >>> fit.n_events_, round(float(fit.params_["satisfaction"]), 3)
    (3, 1.577)
    """

    def __init__(self, *, alpha: float = 0.05, max_iter: int = 50, tol: float = 1e-8):
        check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
        check_param("max_iter", max_iter, kind=int, low=1)
        check_param("tol", tol, kind=float, low=0)
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, referrals: pd.DataFrame, covariates: pd.DataFrame, signup: pd.Series, *,
            active_until: pd.Series | None = None, chunk: int = 256,
            **referral_columns) -> ReferralPropensity:
        """Fit on a referrals table (or a customers table with ``referred_by``).

        Parameters
        ----------
        referrals : DataFrame
            :func:`check_referrals` layout, or the customers table.
        covariates : DataFrame
            Numeric columns indexed by ``customer_id`` (the candidates); rows with a
            missing value are left out with an :class:`~crm_lab.summary.ExclusionWarning`.
        signup : pandas.Series
            Signup date of every customer (candidates and referred customers),
            indexed by ``customer_id``. The referral's date ``t_k`` is the referred
            customer's signup date (her referral date if she has none).
        active_until : pandas.Series, optional
            Last date each customer could refer (e.g. the last purchase, or the
            simulator's dropout date); missing = active to the end.
        chunk : int, default 256
            Referrals handled at once (memory: ``chunk x candidates`` floats).
        **referral_columns
            Column names of ``referrals``.
        """
        ref = check_referrals(referrals, **referral_columns)
        if not isinstance(covariates, pd.DataFrame) or covariates.shape[1] == 0:
            raise DataError("covariates: expected a DataFrame indexed by customer_id with at "
                            "least one numeric column.")
        if covariates.index.has_duplicates:
            raise DataError(f"covariates: {int(covariates.index.duplicated().sum()):,} duplicate "
                            "customer id(s) in the index; give one row per customer.")
        for col in covariates.columns:
            if not pd.api.types.is_numeric_dtype(covariates[col]) or pd.api.types.is_bool_dtype(
                    covariates[col]):
                raise DataError(f"covariates[{col!r}]: dtype {covariates[col].dtype} is not "
                                "numeric.\nHow to fix: convert it (pd.to_numeric) or make "
                                "dummies (pd.get_dummies(..., dtype=float)).")
        check_param("chunk", chunk, kind=int, low=1)
        signup = _as_series(signup, "signup")
        start = pd.to_datetime(signup, errors="coerce")
        if start.isna().any():
            raise DataError(f"signup: {int(start.isna().sum()):,} missing or unreadable dates; "
                            "every customer needs a signup date.")
        cov = covariates.astype(float)
        bad = ~np.isfinite(cov.to_numpy()).all(axis=1)
        if bad.any():
            warnings.warn(f"{int(bad.sum()):,} customer(s) with a missing covariate are left "
                          "out of the candidates.", ExclusionWarning, stacklevel=2)
            cov = cov.loc[~bad]
        missing = cov.index.difference(start.index)
        if len(missing):
            raise DataError(f"signup: {len(missing):,} customer(s) with covariates have no "
                            f"signup date (e.g. {list(missing[:3])}).")
        ids = cov.index
        X = cov.to_numpy()
        s_j = start.reindex(ids).to_numpy(dtype="datetime64[ns]")
        if active_until is None:
            a_j = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            a_j = pd.to_datetime(_as_series(active_until, "active_until"), errors="coerce"
                                 ).reindex(ids).to_numpy(dtype="datetime64[ns]")
        a_j = np.where(np.isnat(a_j), np.datetime64("2262-01-01", "ns"), a_j)
        t_k = ref["customer_id"].map(start).fillna(ref["date"]).to_numpy(dtype="datetime64[ns]")
        pos = pd.Index(ids).get_indexer(ref["referrer_id"])
        self_pos = pd.Index(ids).get_indexer(ref["customer_id"])
        in_risk = pos >= 0
        in_risk[in_risk] &= (s_j[pos[in_risk]] < t_k[in_risk]) & (a_j[pos[in_risk]] >= t_k[in_risk])
        n_nocov = int((pos < 0).sum())
        n_outside = int(((pos >= 0) & ~in_risk).sum())
        if n_nocov:
            warnings.warn(f"{n_nocov:,} of {len(ref):,} referrals were made by customers without "
                          "covariates and are left out (the choice is modelled among the "
                          "customers with covariates).", ExclusionWarning, stacklevel=2)
        if n_outside:
            warnings.warn(f"{n_outside:,} referrals name a referrer who had not signed up or was "
                          "no longer active on the referral date; they are left out (check "
                          "signup / active_until).", ExclusionWarning, stacklevel=2)
        t_k, pos, self_pos = t_k[in_risk], pos[in_risk], self_pos[in_risk]
        if len(t_k) < X.shape[1] + 1:
            raise ParameterError(f"only {len(t_k)} referrals can be used; a fit needs more "
                                 "referrals than covariates.")
        mu, sd = X.mean(axis=0), X.std(axis=0)
        if (sd == 0).any():
            const = [c for c, v in zip(cov.columns, sd, strict=True) if v == 0]
            raise DataError(f"covariates: column(s) {const} are constant; a choice model "
                            "cannot estimate them (drop them).")
        Z = (X - mu) / sd
        p = Z.shape[1]

        def sums(beta):
            eta = Z @ beta
            w = np.exp(eta - eta.max())
            wz = w[:, None] * Z
            wzz = (wz[:, :, None] * Z[:, None, :]).reshape(len(w), p * p)
            ll, g, H = 0.0, np.zeros(p), np.zeros((p, p))
            inv_w = np.zeros(len(w))
            for lo in range(0, len(t_k), chunk):
                sl = slice(lo, lo + chunk)
                M = ((s_j[None, :] < t_k[sl, None]) & (a_j[None, :] >= t_k[sl, None]))
                own = self_pos[sl]
                rows = np.flatnonzero(own >= 0)
                M[rows, own[rows]] = False
                M = M.astype(float)
                W = M @ w
                S1 = (M @ wz) / W[:, None]
                S2 = ((M @ wzz) / W[:, None]).reshape(-1, p, p)
                ll += float(np.sum(eta[pos[sl]] - eta.max() - np.log(W)))
                g += (Z[pos[sl]] - S1).sum(axis=0)
                H += (S2 - S1[:, :, None] * S1[:, None, :]).sum(axis=0)
                inv_w += M.T @ (1.0 / W)
            return ll, g, H, w * inv_w

        beta = np.zeros(p)
        self.converged_ = False
        for _ in range(self.max_iter):
            ll, g, H, _e = sums(beta)
            step = np.linalg.solve(H, g)
            beta = beta + step
            if np.max(np.abs(step)) < self.tol:
                self.converged_ = True
                break
        if not self.converged_:
            warnings.warn(f"ReferralPropensity did not converge in {self.max_iter} Newton "
                          "steps; the estimates may be unreliable.", RuntimeWarning, stacklevel=2)
        ll, g, H, expected = sums(beta)
        self._sums, self._sd = sums, sd
        cov_z = np.linalg.inv(H)
        names = pd.Index(cov.columns, name="covariate")
        self.params_ = pd.Series(beta / sd, index=names, name="coef")
        self.bse_ = pd.Series(np.sqrt(np.diag(cov_z)) / sd, index=names, name="se")
        self.cov_params_ = pd.DataFrame(cov_z / np.outer(sd, sd), index=names, columns=names)
        self.loglik_ = ll
        self.expected_ = pd.Series(expected, index=pd.Index(ids, name="customer_id"),
                                   name="expected_referrals")
        self.observed_ = pd.Series(np.bincount(pos, minlength=len(ids)).astype("int64"),
                                   index=self.expected_.index, name="n_referrals")
        self.n_events_ = int(len(t_k))
        self.n_candidates_ = int(len(ids))
        self.n_excluded_ = n_nocov + n_outside
        return self

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise ParameterError("this ReferralPropensity is not fitted yet; call fit(...) "
                                 "first.")

    def expected(self, params=None) -> pd.Series:
        """Expected referrals of each candidate over the log at ``params``.

        ``E[N_j] = sum_k [j in R_k] exp(x_j' b) / sum_{i in R_k} exp(x_i' b)`` over the
        referrals used. With the fitted coefficients (default) it is
        :attr:`expected_`; with a simulator's true coefficients (a mapping covariate
        -> value) it is what the truth implies for the same referrals.
        """
        self._check_fitted()
        if params is None:
            return self.expected_.copy()
        b = pd.Series(params, dtype=float)
        if set(b.index) != set(self.params_.index):
            raise ParameterError(f"parameter 'params' must give a value for each covariate "
                                 f"{list(self.params_.index)}, got {list(b.index)}.")
        beta = b.reindex(self.params_.index).to_numpy() * self._sd
        return pd.Series(self._sums(beta)[3], index=self.expected_.index,
                         name="expected_referrals")

    def conf_int(self) -> pd.DataFrame:
        """Wald intervals at ``alpha`` for the coefficients."""
        self._check_fitted()
        z = stats.norm.ppf(1 - self.alpha / 2)
        return pd.DataFrame({"lower": self.params_ - z * self.bse_,
                             "upper": self.params_ + z * self.bse_})

    def summary(self) -> pd.DataFrame:
        """Coefficients, errors, intervals, rate ratios and p-values by covariate."""
        self._check_fitted()
        out = pd.concat([self.params_, self.bse_, self.conf_int()], axis=1)
        out["rate_ratio"] = np.exp(out["coef"])
        out["p_value"] = 2 * stats.norm.sf(np.abs(out["coef"] / out["se"]))
        out.attrs = {"n_events": self.n_events_, "n_candidates": self.n_candidates_,
                     "n_excluded": self.n_excluded_}
        return out
