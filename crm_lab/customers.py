"""Customer information management (客户信息管理): the single customer view and data quality.

* :func:`single_customer_view` joins the raw tables of a CRM system into one row per
  customer: profile, purchase behaviour, complaints, subscription, survey, contacts.
* :func:`data_quality_report` lists, per table and column, what a data steward checks:
  missing values, duplicates, impossible values, broken links between tables.
* :func:`inject_quality_problems` plants known problems in clean tables (with a log of
  what it planted), so a student can check that the report finds them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.summary import aggregate_transactions
from crm_lab.validate import check_columns, check_customers, check_param, check_transactions

__all__ = ["single_customer_view", "quality_issues", "data_quality_report",
           "inject_quality_problems"]

#: Columns that identify rows of each table of the simulated company.
ID_COLUMNS = {
    "customers": "customer_id",
    "transactions": "transaction_id",
    "line_items": None,
    "survey": "customer_id",
    "complaints": "complaint_id",
    "subscriptions": "subscription_id",
    "contacts": "contact_id",
    "promotions": "promotion_id",
    "calls": "call_id",
    "prospects": "prospect_id",
    "acquisition_contacts": "contact_id",
}
#: Columns that must not be negative where present.
NON_NEGATIVE = ("amount", "price", "monthly_price", "resolution_days", "tenure_months", "age",
                "discount", "wait_s", "handle_s", "cost")


def _tables_of(data) -> dict[str, pd.DataFrame]:
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if v is not None}
    if hasattr(data, "tables") and callable(data.tables):
        return data.tables()
    names = (
        "customers",
        "transactions",
        "line_items",
        "survey",
        "complaints",
        "subscriptions",
        "contacts",
        "promotions",
        "calls",
        "prospects",
        "acquisition_contacts",
    )
    return {n: getattr(data, n) for n in names if getattr(data, n, None) is not None}


def single_customer_view(data, *, as_of=None) -> pd.DataFrame:
    """One row per customer joining every table present (客户信息的统一视图).

    Parameters
    ----------
    data : BookData, Company or dict of DataFrames
        Needs ``transactions``; ``customers``, ``complaints``, ``subscriptions``, ``survey``
        and ``contacts`` are used when present.
    as_of : date-like, optional
        Reference date for recency and tenure; defaults to the day after the last transaction.

    Returns
    -------
    DataFrame indexed by ``customer_id`` with the customer profile (if any), then
    ``n_transactions``, ``total_spend``, ``avg_order_value``, ``first_purchase``,
    ``last_purchase``, ``recency_days``, and where the tables exist ``n_complaints``,
    ``n_unresolved``, ``plan``, ``subscription_active``, ``satisfaction_score`` (mean of the
    satisfaction items, 1-10), ``n_contacts``, ``n_responses``. Customers in the customer
    table with no purchase get zero counts and missing dates.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-01-11",
    ...                    "2024-01-05"], "amount": [10.0, 30.0, 5.0]})
    >>> single_customer_view({"transactions": tx})[["n_transactions", "total_spend",
    ...                                            "recency_days"]]
                 n_transactions  total_spend  recency_days
    customer_id
    1                         2         40.0             1
    2                         1          5.0             7
    """
    tables = _tables_of(data)
    if "transactions" not in tables:
        raise ValueError(
            "single_customer_view: data has no 'transactions' table. How to fix: "
            "pass a dict or BookData with at least transactions."
        )
    tx = check_transactions(tables["transactions"])
    as_of = (
        tx["date"].max().normalize() + pd.Timedelta(days=1)
        if as_of is None
        else pd.Timestamp(as_of)
    )
    agg = aggregate_transactions(tx, freq="D", as_of=as_of)
    behaviour = pd.DataFrame(
        {
            "n_transactions": agg["n_transactions"],
            "total_spend": agg["total_spend"].round(2),
            "avg_order_value": agg["mean_spend"].round(2),
            "first_purchase": agg["first_purchase"],
            "last_purchase": agg["last_purchase"],
            "recency_days": agg["periods_since_last"],
        }
    )
    if "customers" in tables:
        cust = check_customers(tables["customers"]).set_index("customer_id")
        view = cust.join(behaviour, how="left")
        orphans = behaviour.index.difference(cust.index)
        if len(orphans):
            raise ValueError(
                f"transactions['customer_id']: {len(orphans):,} ids are not in the customers table "
                f"(e.g. {list(orphans[:5])}). How to fix: add them to customers or drop their "
                "transactions explicitly; run data_quality_report to see all broken links."
            )
        view["n_transactions"] = view["n_transactions"].fillna(0).astype("int64")
        view["total_spend"] = view["total_spend"].fillna(0.0)
    else:
        view = behaviour
    if "complaints" in tables:
        c = tables["complaints"]
        check_columns(c, ["customer_id", "resolved"], "complaints")
        g = c.groupby("customer_id")
        view["n_complaints"] = g.size().reindex(view.index, fill_value=0).astype("int64")
        view["n_unresolved"] = (
            (~c["resolved"].astype(bool))
            .groupby(c["customer_id"])
            .sum()
            .reindex(view.index, fill_value=0)
            .astype("int64")
        )
    if "subscriptions" in tables:
        s = tables["subscriptions"]
        check_columns(s, ["customer_id", "plan", "start_date", "end_date"], "subscriptions")
        latest = s.sort_values("start_date").groupby("customer_id").tail(1).set_index("customer_id")
        view["plan"] = latest["plan"].reindex(view.index)
        active = latest["end_date"].isna() | (pd.to_datetime(latest["end_date"]) > as_of)
        view["subscription_active"] = active.reindex(view.index).astype("boolean")
    if "survey" in tables:
        sv = tables["survey"]
        items = [c for c in sv.columns if c.startswith("satisfaction_")]
        if items:
            check_columns(sv, ["customer_id", *items], "survey")
            score = sv[items].mean(axis=1).groupby(sv["customer_id"]).mean()
            view["satisfaction_score"] = score.reindex(view.index).round(2)
    if "contacts" in tables:
        ct = tables["contacts"]
        check_columns(ct, ["customer_id", "treated", "responded"], "contacts")
        sent = ct[ct["treated"].astype(bool)]
        view["n_contacts"] = (
            sent.groupby("customer_id").size().reindex(view.index, fill_value=0).astype("int64")
        )
        view["n_responses"] = (
            sent.groupby("customer_id")["responded"]
            .sum()
            .reindex(view.index, fill_value=0)
            .astype("int64")
        )
    view.index.name = "customer_id"
    return view


#: Columns whose blanks are expected (and what a blank means); not counted as missing.
EXPECTED_MISSING = {("subscriptions", "end_date"): "subscription still active",
                    ("customers", "referred_by"): "not acquired through a referral",
                    ("customers", "referral_date"): "not acquired through a referral",
                    ("calls", "customer_id"): "caller not identified",
                    ("calls", "handle_s"): "call abandoned",
                    ("prospects", "customer_id"): "prospect did not respond"}
#: Ages outside this range are flagged as implausible.
PLAUSIBLE_AGE = (12, 110)


def _issues_of(tables: dict[str, pd.DataFrame], cutoff: pd.Timestamp | None) -> list[tuple]:
    known = {}
    if "customers" in tables:
        known["customer_id"] = ("customers", set(tables["customers"]["customer_id"].dropna()))
    if "transactions" in tables and "transaction_id" in tables["transactions"]:
        known["transaction_id"] = (
            "transactions", set(tables["transactions"]["transaction_id"].dropna()))
    found = []
    for name, df in tables.items():
        check_columns(df, [], name)
        id_col = ID_COLUMNS.get(name)
        for col in df.columns:
            s = df[col]
            numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            counts = {"missing": 0 if (name, col) in EXPECTED_MISSING else int(s.isna().sum())}
            if col == id_col:
                counts["duplicate id"] = int(s.duplicated().sum())
            if numeric and col in NON_NEGATIVE:
                counts["negative"] = int((s < 0).sum())
            if numeric and col in ("amount", "price"):
                counts["zero (kept)"] = int((s == 0).sum())
            if numeric and col == "age":
                lo, hi = PLAUSIBLE_AGE
                counts["implausible"] = int(((s < lo) | (s > hi)).sum())
            if col in known and known[col][0] != name:
                ref, ids = known[col]
                counts[f"not in {ref}"] = int((~s.isin(ids) & s.notna()).sum())
            if cutoff is not None and pd.api.types.is_datetime64_any_dtype(s):
                counts[f"after {cutoff.date()}"] = int((s > cutoff).sum())
            found += [(name, col, issue, n) for issue, n in counts.items() if n]
        n_dup = int(df.duplicated().sum())
        if n_dup:
            found.append((name, "(all columns)", "duplicate row", n_dup))
    return found


def quality_issues(data, *, as_of=None) -> pd.DataFrame:
    """Every data-quality problem found, one row per table, column and kind of problem.

    Kinds: ``missing``; ``duplicate id`` (the table's id column); ``negative`` (amounts,
    prices, ages, durations); ``zero (kept)`` (zero amounts or prices: legal, counted);
    ``implausible`` (ages outside :data:`PLAUSIBLE_AGE`); ``not in customers`` /
    ``not in transactions`` (broken links between tables); ``after <as_of>`` (dates after
    ``as_of``); ``duplicate row`` (whole rows repeated, column ``(all columns)``).

    Parameters
    ----------
    data : BookData, Company or dict of DataFrames
    as_of : date-like, optional
        Dates after it are flagged (default: no check).

    Returns
    -------
    DataFrame with columns ``table``, ``column``, ``issue``, ``n_rows`` (empty when clean).

    Examples
    --------
    >>> import pandas as pd
    >>> t = {"customers": pd.DataFrame({"customer_id": [1, 1, 2], "age": [30, None, 250]})}
    >>> quality_issues(t)
           table       column         issue  n_rows
    0  customers  customer_id  duplicate id       1
    1  customers          age       missing       1
    2  customers          age   implausible       1
    """
    tables = _tables_of(data)
    if not tables:
        raise ValueError("quality_issues: no tables given. How to fix: pass a dict of "
                         "DataFrames or a BookData.")
    cutoff = pd.Timestamp(as_of) if as_of is not None else None
    return pd.DataFrame(_issues_of(tables, cutoff), columns=["table", "column", "issue", "n_rows"])


def data_quality_report(data, *, as_of=None) -> pd.DataFrame:
    """A data steward's profile: one row per table column, with the problems found.

    Per column: dtype, missing values, distinct values, range, and the problems listed by
    :func:`quality_issues` (written out as text, "" when the column is clean).

    Parameters
    ----------
    data : BookData, Company or dict of DataFrames
    as_of : date-like, optional
        Dates after it are flagged (default: no check).

    Returns
    -------
    DataFrame with columns ``table``, ``column``, ``dtype``, ``n_rows``, ``n_missing``,
    ``pct_missing``, ``n_unique``, ``min``, ``max`` (as text), ``issues``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = {"customers": pd.DataFrame({"customer_id": [1, 1, 2], "age": [30, None, 250]})}
    >>> data_quality_report(t)[["column", "n_missing", "issues"]]
            column  n_missing                  issues
    0  customer_id          0          1 duplicate id
    1          age          1  1 missing; 1 implausible
    """
    issues = quality_issues(data, as_of=as_of)
    text = (issues["n_rows"].astype(str) + " " + issues["issue"]).groupby(
        [issues["table"], issues["column"]], sort=False).agg("; ".join)
    rows = []
    for name, df in _tables_of(data).items():
        for col in df.columns:
            s = df[col]
            ordered = (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
                       ) and s.notna().any()
            rows.append({
                "table": name, "column": col, "dtype": str(s.dtype), "n_rows": len(s),
                "n_missing": int(s.isna().sum()),
                "pct_missing": round(100 * float(s.isna().mean()), 2),
                "n_unique": int(s.nunique()),
                "min": _fmt(s.min()) if ordered else "", "max": _fmt(s.max()) if ordered else "",
                "issues": text.get((name, col), ""),
            })
    return pd.DataFrame(rows)


def _fmt(v) -> str:
    if isinstance(v, pd.Timestamp):
        return str(v.date())
    if isinstance(v, float | np.floating):
        return f"{v:.4g}"
    return str(v)


def inject_quality_problems(data, *, seed: int = 0, rate: float = 0.01
                            ) -> tuple[dict, pd.DataFrame]:
    """Plant typical data problems in copies of clean tables and log each one.

    Problems planted (each in about ``rate`` of the rows of the table it concerns), named
    as :func:`quality_issues` names them, so that planted and found can be merged:
    missing ages and regions, implausible ages (199), duplicated customer rows,
    duplicated transactions, returns recorded as negative amounts, and transactions whose
    ``customer_id`` is not in the customer table.

    Parameters
    ----------
    data : BookData, Company or dict with ``customers`` and ``transactions``
    seed : int
    rate : float in [0, 0.2]
        Share of rows given each problem; ``0`` plants none (the tables come back
        unchanged and ``planted`` is empty).

    Returns
    -------
    tables : dict of DataFrame
        Copies with problems (other tables passed through unchanged).
    planted : DataFrame
        One row per problem: ``table``, ``column``, ``issue``, ``n_rows``, ``description``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = {"customers": pd.DataFrame({"customer_id": range(1, 201), "age": 40,
    ...                                 "region": "East"}),
    ...      "transactions": pd.DataFrame({"transaction_id": range(400),
    ...          "customer_id": list(range(1, 201)) * 2, "date": pd.Timestamp("2024-01-01"),
    ...          "amount": 10.0})}
    >>> messy, planted = inject_quality_problems(t, seed=1, rate=0.05)
    >>> planted[["table", "column", "issue", "n_rows"]].merge(quality_issues(messy)).shape[0]
    7
    """
    check_param("seed", seed, kind=int, low=0)
    check_param("rate", rate, kind=(int, float), low=0, high=0.2,
                hint="Use a share of rows such as 0.01; 0 plants no problems.")
    tables = {k: v.copy() for k, v in _tables_of(data).items()}
    for t in ("customers", "transactions"):
        if t not in tables:
            raise ValueError(f"inject_quality_problems: needs a {t!r} table; {sorted(tables)} "
                             "given. How to fix: use the simulated company (data='simulated').")
    cols = ["table", "column", "issue", "n_rows", "description"]
    if rate == 0:
        return tables, pd.DataFrame(columns=cols).astype({"n_rows": "int64"})
    rng = np.random.default_rng(seed)
    cust, tx = tables["customers"], tables["transactions"]
    planted = []

    def pick(df: pd.DataFrame) -> pd.Index:
        k = max(1, int(round(rate * len(df))))
        return df.index[np.sort(rng.choice(len(df), size=k, replace=False))]

    cust_dup = cust.loc[pick(cust)]  # copies of clean rows, so they add no other problem
    tx_dup = tx.loc[pick(tx)]
    for col in ("age", "region"):
        if col in cust:
            idx = pick(cust)
            cust[col] = cust[col].astype("float64" if col == "age" else "object")
            cust.loc[idx, col] = np.nan
            planted.append(("customers", col, "missing", len(idx), f"{col} left blank"))
    if "age" in cust:
        idx = pick(cust[cust["age"].notna()])
        cust.loc[idx, "age"] = 199.0
        planted.append(("customers", "age", "implausible", len(idx), "age typed as 199"))
    planted.append(("customers", "customer_id", "duplicate id", len(cust_dup),
                    "customer registered twice"))
    planted.append(("transactions", "transaction_id", "duplicate id", len(tx_dup),
                    "transaction loaded twice"))
    idx = pick(tx)
    tx.loc[idx, "amount"] = -tx.loc[idx, "amount"]
    planted.append(("transactions", "amount", "negative", len(idx),
                    "return recorded as a negative amount"))
    idx = pick(tx)
    top = int(pd.to_numeric(cust["customer_id"]).max())
    tx.loc[idx, "customer_id"] = top + 1 + np.arange(len(idx))
    planted.append(("transactions", "customer_id", "not in customers", len(idx),
                    "purchase by a customer missing from the customer table"))
    tables["customers"] = pd.concat([cust, cust_dup]).sort_index(kind="stable") \
        .reset_index(drop=True)
    tables["transactions"] = pd.concat([tx, tx_dup]).sort_index(kind="stable") \
        .reset_index(drop=True)
    return tables, pd.DataFrame(planted, columns=cols)
