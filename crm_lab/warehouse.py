"""A customer data warehouse on DuckDB: a star schema, OLAP queries and customer knowledge.

A data warehouse (数据仓库) keeps the company's history in a shape made for questions: one
*fact* table of measurable events (here a sale, at the grain of one product in one purchase)
surrounded by *dimension* tables that say who, what, when, where and how (customer, product,
date, region, channel). That is the **star schema** (星型模式). On it, on-line analytical
processing (OLAP, 联机分析处理) moves along the dimensions' hierarchies:

* **roll-up** (上卷) aggregates to a coarser level (month -> quarter -> year; city tier ->
  region -> all), **drill-down** (下钻) goes the other way;
* **slice** (切片) fixes one dimension at one value, **dice** (切块) restricts several;
* **pivot** (旋转) turns one dimension into columns.

SQL has these operations built in: ``GROUP BY ROLLUP (...)``, ``CUBE (...)`` and
``GROUPING SETS (...)``, with ``GROUPING(col)`` telling a subtotal row (1) from a detail row
(0). Every query function here returns a DataFrame whose ``attrs["sql"]`` holds the SQL it
ran, so a chapter can show the query beside the answer.

Money is stored in whole **cents** (``BIGINT``), so every total reconciles exactly with the
raw tables (:meth:`Warehouse.reconcile`); ``revenue`` columns are cents / 100 for display.

DuckDB is embedded: no server, the warehouse lives in memory or in one file (``path=``).

Examples
--------
>>> from crm_lab.simulate import simulate_company
>>> co = simulate_company(300, seed=1)
>>> wh = build_warehouse(co.transactions, customers=co.customers, line_items=co.line_items)
>>> wh.summary()["rows"].loc["fact_sales"] == len(co.line_items)
np.True_
>>> bool(wh.reconcile(co.transactions, co.line_items)["matches"].all())
True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crm_lab.summary import ExclusionWarning
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_transactions,
)

__all__ = ["Warehouse", "build_warehouse", "from_book", "for_display", "ATTRIBUTES", "HIERARCHIES",
           "MEASURES", "to_cents"]

#: Dimension attributes a query can group or filter by, and the SQL column each reads.
ATTRIBUTES = {
    "year": "d.year", "quarter": "d.quarter", "month": "d.month",
    "year_quarter": "d.year_quarter", "year_month": "d.year_month", "weekday": "d.weekday",
    "region": "g.region", "city_tier": "g.city_tier",
    "channel": "ch.channel",
    "category": "p.category", "product_id": "p.product_id",
    "acquisition_channel": "c.acquisition_channel", "gender": "c.gender",
    "income_band": "c.income_band", "age_band": "c.age_band", "cohort_year": "c.cohort_year",
}
#: The drill paths of the cube, coarse to fine.
HIERARCHIES = {"date": ("year", "quarter", "month"), "geography": ("region", "city_tier"),
               "product": ("category", "product_id")}
#: Measures by name: their SQL over the sales fact ``f``.
MEASURES = {
    "revenue_cents": "SUM(f.amount_cents)",
    "revenue": "SUM(f.amount_cents) / 100.0",
    "orders": "COUNT(DISTINCT f.transaction_id)",
    "customers": "COUNT(DISTINCT f.customer_key)",
    "lines": "COUNT(*)",
}
_UNKNOWN = "unknown"
_STAR = """fact_sales f
  JOIN dim_date d ON f.date_key = d.date_key
  JOIN dim_customer c ON f.customer_key = c.customer_key
  JOIN dim_region g ON f.region_key = g.region_key
  JOIN dim_channel ch ON f.channel_key = ch.channel_key
  JOIN dim_product p ON f.product_key = p.product_key"""


def to_cents(amount) -> np.ndarray:
    """Money to whole cents (int64), rounding half away from zero as a till does.

    Examples
    --------
    >>> to_cents([0.1, 0.2, 19.99, 2.675]).tolist()
    [10, 20, 1999, 268]
    """
    x = np.asarray(amount, dtype="float64") * 100.0
    return (np.sign(x) * np.floor(np.abs(x) + 0.5 + 1e-7)).astype(np.int64)


def for_display(frame: pd.DataFrame) -> pd.DataFrame:
    """Round a query result to what a reader uses: money in whole units, percentages to 0.1.

    ``revenue`` and ``clv_12m`` columns become whole numbers (``Int64``), ``*_pct`` columns
    one decimal, ``mean_*`` and ``p_alive`` columns three significant decimals. Other
    columns are unchanged; ``attrs`` (the SQL) are kept.

    Examples
    --------
    >>> import pandas as pd
    >>> for_display(pd.DataFrame({"revenue": [1234.56], "growth_pct": [3.14159]}))
       revenue  growth_pct
    0     1235         3.1
    """
    out = frame.copy()
    for c in out.columns:
        name = str(c)
        col = out[c]
        if not pd.api.types.is_float_dtype(col):
            continue
        if name in ("revenue", "clv_12m") or name.startswith("revenue") or \
                frame.attrs.get("money_columns", False):
            out[c] = col.round(0).astype("Int64")
        elif name.endswith("_pct"):
            out[c] = col.round(1)
        else:
            out[c] = col.round(3)
    out.attrs = dict(frame.attrs)
    return out


# ============================================================================ the warehouse


class Warehouse:
    """A star schema in a DuckDB database, with OLAP and reconciliation methods.

    Build it with :func:`build_warehouse` (or :func:`from_book`). Tables:

    ``fact_sales``
        one row per line item (or per transaction when there are no line items):
        ``transaction_id``, ``line_no``, ``date_key``, ``customer_key``, ``product_key``,
        ``channel_key``, ``region_key``, ``amount_cents``.
    ``fact_customer_snapshot``
        one row per customer at ``as_of``: RFM (``recency_days``, ``frequency``,
        ``monetary_cents``, scores and cell) and, when the models fit, 12-month ``clv``.
    ``dim_date``, ``dim_customer``, ``dim_product``, ``dim_channel``, ``dim_region``.

    Attributes
    ----------
    con : duckdb.DuckDBPyConnection
        The open connection; run any SQL with :meth:`sql`.
    has_line_items, has_customers, has_channel : bool
        Which optional source tables were given (absent ones are filled with ``"unknown"``).
    as_of : pandas.Timestamp
        Date of the customer snapshot (the day after the last purchase).
    """

    def __init__(self, con, *, has_line_items: bool, has_customers: bool, has_channel: bool,
                 as_of: pd.Timestamp):
        self.con = con
        self.has_line_items = has_line_items
        self.has_customers = has_customers
        self.has_channel = has_channel
        self.as_of = as_of

    # ------------------------------------------------------------------ basics
    def sql(self, query: str) -> pd.DataFrame:
        """Run one SQL query and return the result; ``attrs["sql"]`` keeps the query.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions)
        >>> int(wh.sql("SELECT COUNT(*) AS n FROM fact_sales")["n"].iloc[0]) == len(co.transactions)
        True
        """
        check_param("query", query, kind=str)
        out = self.con.sql(query).df()
        out.attrs["sql"] = query.strip()
        return out

    def summary(self) -> pd.DataFrame:
        """One row per table: its role and number of rows."""
        rows = {}
        for name in ("fact_sales", "fact_customer_snapshot", "dim_date", "dim_customer",
                     "dim_product", "dim_channel", "dim_region"):
            n = self.con.sql(f"SELECT COUNT(*) FROM {name}").fetchall()[0][0]
            rows[name] = {"role": "fact" if name.startswith("fact") else "dimension",
                          "rows": int(n)}
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index.name = "table"
        return out

    def schema(self) -> pd.DataFrame:
        """Every column of every table with its SQL type."""
        q = ("SELECT table_name, column_name, data_type FROM information_schema.columns "
             "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position")
        return self.sql(q)

    def full_years(self) -> list[int]:
        """Years with purchases in all twelve months (for fair year-on-year comparisons)."""
        q = ("SELECT d.year FROM fact_sales f JOIN dim_date d ON f.date_key = d.date_key "
             "GROUP BY d.year HAVING COUNT(DISTINCT d.month) = 12 ORDER BY d.year")
        return [int(y) for y in self.sql(q)["year"]]

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.con.close()

    def __repr__(self) -> str:
        n = self.con.sql("SELECT COUNT(*) FROM fact_sales").fetchall()[0][0]
        grain = "line items" if self.has_line_items else "transactions"
        return f"Warehouse(fact_sales: {n:,} {grain}, snapshot as of {self.as_of.date()})"

    # ------------------------------------------------------------------ OLAP
    def _attrs(self, names: Sequence[str], what: str) -> list[str]:
        if isinstance(names, str):
            names = [names]
        names = list(names)
        for n in names:
            check_param(what, n, allowed=list(ATTRIBUTES))
        return names

    def _measures(self, measures: Sequence[str]) -> str:
        if isinstance(measures, str):
            measures = [measures]
        for m in measures:
            check_param("measures", m, allowed=list(MEASURES))
        return ",\n       ".join(f"{MEASURES[m]} AS {m}" for m in measures)

    def _where(self, filters: Mapping | None) -> str:
        if not filters:
            return ""
        parts = []
        for k, v in filters.items():
            check_param("filters", k, allowed=list(ATTRIBUTES))
            vals = list(v) if isinstance(v, list | tuple | set) else [v]
            lit = ", ".join(_literal(x) for x in vals)
            parts.append(f"{ATTRIBUTES[k]} = {lit}" if len(vals) == 1 else
                         f"{ATTRIBUTES[k]} IN ({lit})")
        return "\nWHERE " + "\n  AND ".join(parts)

    def _grouped(self, dims: list[str], group: str, measures, filters, label_totals=True):
        cols = [ATTRIBUTES[a] for a in dims]
        if label_totals:
            select = [f"CASE WHEN GROUPING({c}) = 1 THEN '(all)' ELSE CAST({c} AS VARCHAR) END "
                      f"AS {a}" for a, c in zip(dims, cols, strict=True)]
            select.append(f"GROUPING({', '.join(cols)}) AS grouping_id")
        else:
            select = [f"{c} AS {a}" for a, c in zip(dims, cols, strict=True)]
        order = ", ".join(f"{c} NULLS FIRST" for c in cols)
        sep = ",\n       "
        return (f"SELECT {sep.join(select)},\n       {self._measures(measures)}\n"
                f"FROM {_STAR}{self._where(filters)}\n"
                f"GROUP BY {group}\nORDER BY {order}")

    def rollup(self, levels: Sequence[str], measures=("revenue", "orders"),
               filters: Mapping | None = None) -> pd.DataFrame:
        """Roll up along a hierarchy: ``GROUP BY ROLLUP (levels)``, a subtotal per level.

        Parameters
        ----------
        levels : sequence of str
            Attributes from coarse to fine, e.g. ``HIERARCHIES["date"]``
            (``("year", "quarter", "month")``).
        measures : sequence of str
            Names from :data:`MEASURES`.
        filters : mapping, optional
            ``{attribute: value or list of values}`` (a slice or dice before the roll-up).

        Returns
        -------
        DataFrame
            One row per group and per subtotal; subtotal cells read ``"(all)"`` and
            ``grouping_id`` is the ``GROUPING()`` bit mask (0 = detail row, all ones = the
            grand total). ``attrs["sql"]`` holds the query.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> r = wh.rollup(["region"])
        >>> total = round(co.transactions.amount.sum(), 2)
        >>> r["region"].iloc[0], bool(round(r["revenue"].iloc[0], 2) == total)
        ('(all)', True)
        """
        dims = self._attrs(levels, "levels")
        cols = ", ".join(ATTRIBUTES[a] for a in dims)
        return self.sql(self._grouped(dims, f"ROLLUP ({cols})", measures, filters))

    def drill_down(self, hierarchy: str = "date", path: Mapping | None = None,
                   measures=("revenue", "orders")) -> pd.DataFrame:
        """One level finer than ``path`` along a hierarchy (下钻).

        ``drill_down("date")`` gives years; ``drill_down("date", {"year": 2024})`` the
        quarters of 2024; ``{"year": 2024, "quarter": 4}`` its months.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions)
        >>> wh.drill_down("date", {"year": 2024})["quarter"].tolist()
        [1, 2, 3, 4]
        """
        check_param("hierarchy", hierarchy, allowed=list(HIERARCHIES))
        levels = HIERARCHIES[hierarchy]
        path = dict(path or {})
        for k in path:
            check_param("path", k, allowed=list(levels),
                        hint=f"The {hierarchy} hierarchy is {' > '.join(levels)}.")
        depth = len(path)
        if list(path) != list(levels[:depth]):
            raise ParameterError(f"parameter 'path' must fix the levels {list(levels[:depth])} "
                                 f"in order, got {list(path)}.")
        if depth >= len(levels):
            raise ParameterError(f"parameter 'path' already fixes the finest level "
                                 f"({levels[-1]!r}); drop one level to drill down.")
        dims = list(levels[:depth + 1])
        group = ", ".join(ATTRIBUTES[a] for a in dims)
        return self.sql(self._grouped(dims, group, measures, path, label_totals=False))

    def cube(self, dims: Sequence[str], measures=("revenue", "orders"),
             filters: Mapping | None = None) -> pd.DataFrame:
        """The data cube: ``GROUP BY CUBE (dims)``, every combination of subtotals.

        Returns the same layout as :meth:`rollup` (``2 ** len(dims)`` grouping levels).

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> sorted(wh.cube(["year", "channel"])["grouping_id"].unique().tolist())
        [0, 1, 2, 3]
        """
        dims = self._attrs(dims, "dims")
        cols = ", ".join(ATTRIBUTES[a] for a in dims)
        return self.sql(self._grouped(dims, f"CUBE ({cols})", measures, filters))

    def grouping_sets(self, sets: Sequence[Sequence[str]], measures=("revenue", "orders"),
                      filters: Mapping | None = None) -> pd.DataFrame:
        """Chosen subtotals only: ``GROUP BY GROUPING SETS ((a, b), (a), ())``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> len(wh.grouping_sets([["region"], []])) == co.customers.region.nunique() + 1
        True
        """
        if isinstance(sets, str) or not all(isinstance(s, list | tuple) for s in sets):
            raise ParameterError("parameter 'sets' must be a list of lists of attributes, e.g. "
                                 "[['region', 'year'], ['region'], []].")
        dims: list[str] = []
        for s in sets:
            for a in self._attrs(s, "sets"):
                if a not in dims:
                    dims.append(a)
        if not dims:
            raise ParameterError("parameter 'sets' names no attribute; add e.g. ['region'].")
        text = ", ".join("(" + ", ".join(ATTRIBUTES[a] for a in s) + ")" for s in sets)
        return self.sql(self._grouped(dims, f"GROUPING SETS ({text})", measures, filters))

    def slice(self, attribute: str, value, by: Sequence[str],
              measures=("revenue", "orders")) -> pd.DataFrame:
        """Slice: fix one attribute at one value and aggregate by ``by``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> wh.slice("year", 2024, by=["quarter"])["quarter"].tolist()
        [1, 2, 3, 4]
        """
        self._attrs([attribute], "attribute")
        dims = self._attrs(by, "by")
        group = ", ".join(ATTRIBUTES[a] for a in dims)
        return self.sql(self._grouped(dims, group, measures, {attribute: value},
                                      label_totals=False))

    def dice(self, filters: Mapping, by: Sequence[str],
             measures=("revenue", "orders")) -> pd.DataFrame:
        """Dice: restrict several attributes to sets of values and aggregate by ``by``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> d = wh.dice({"year": [2024, 2025], "channel": ["online", "app"]},
        ...             by=["year", "channel"])
        >>> len(d)
        4
        """
        if not isinstance(filters, Mapping) or not filters:
            raise ParameterError("parameter 'filters' must be a non-empty mapping such as "
                                 "{'year': [2024, 2025], 'channel': ['online']}.")
        dims = self._attrs(by, "by")
        group = ", ".join(ATTRIBUTES[a] for a in dims)
        return self.sql(self._grouped(dims, group, measures, filters, label_totals=False))

    def pivot(self, rows: str, columns: str, measure: str = "revenue",
              filters: Mapping | None = None) -> pd.DataFrame:
        """Pivot (rotate): one attribute down, another across, with DuckDB's ``PIVOT``.

        Returns a frame indexed by ``rows`` with one column per value of ``columns``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> wh.pivot("region", "year").shape[1]
        3
        """
        r, c = self._attrs([rows, columns], "rows/columns")
        check_param("measure", measure, allowed=list(MEASURES))
        inner = self._measures([measure])
        q = (f"PIVOT (\n  SELECT {ATTRIBUTES[r]} AS {r}, {ATTRIBUTES[c]} AS {c}, "
             f"{inner.replace(' AS ' + measure, '')} AS {measure}\n"
             f"  FROM {_STAR.replace(chr(10), chr(10) + '  ')}{self._where(filters)}\n"
             f"  GROUP BY {ATTRIBUTES[r]}, {ATTRIBUTES[c]}\n)\n"
             f"ON {c} USING SUM({measure})\nORDER BY {r}")
        out = self.sql(q)
        sql = out.attrs["sql"]
        out = out.set_index(r)
        out.columns = [_number_or_text(x) for x in out.columns]
        out = out[sorted(out.columns, key=lambda x: (isinstance(x, str), x))]
        out.columns.name = c
        out.attrs["sql"] = sql
        out.attrs["money_columns"] = measure == "revenue"
        return out

    # ------------------------------------------------------------------ reconciliation
    def reconcile(self, transactions: pd.DataFrame,
                  line_items: pd.DataFrame | None = None) -> pd.DataFrame:
        """Check that the warehouse's totals equal the raw tables', to the cent.

        Compares, in integer cents: the grand total, totals per year, per channel and per
        customer (computed from ``transactions`` with pandas), the snapshot's
        ``monetary_cents`` per customer, and, when line items were loaded, per category
        (from ``line_items``).

        Returns
        -------
        DataFrame
            One row per check: ``groups`` compared, ``raw_cents`` and ``warehouse_cents``
            (grand sums), ``max_abs_diff_cents`` over the groups and ``matches``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(200, seed=2)
        >>> wh = build_warehouse(co.transactions)
        >>> int(wh.reconcile(co.transactions)["max_abs_diff_cents"].max())
        0
        """
        keep = ["channel"] if "channel" in transactions.columns else []
        tx = check_transactions(transactions, keep=keep)
        tx["cents"] = to_cents(tx["amount"])
        tx["year"] = tx["date"].dt.year
        if not keep:
            tx["channel"] = _UNKNOWN
        checks = {
            "total": (tx.assign(all=1).groupby("all")["cents"].sum(),
                      "SELECT 1 AS k, SUM(amount_cents) AS v FROM fact_sales"),
            "year": (tx.groupby("year")["cents"].sum(),
                     f"SELECT d.year AS k, SUM(f.amount_cents) AS v FROM {_STAR} GROUP BY 1"),
            "channel": (tx.groupby("channel")["cents"].sum(),
                        f"SELECT ch.channel AS k, SUM(f.amount_cents) AS v FROM {_STAR} "
                        "GROUP BY 1"),
            "customer": (tx.groupby("customer_id")["cents"].sum(),
                         "SELECT customer_key AS k, SUM(amount_cents) AS v FROM fact_sales "
                         "GROUP BY 1"),
        }
        checks["customer (snapshot)"] = (
            checks["customer"][0],
            "SELECT customer_key AS k, monetary_cents AS v FROM fact_customer_snapshot")
        if line_items is not None and self.has_line_items:
            check_columns(line_items, ["transaction_id", "category", "price"], "line_items")
            li = pd.DataFrame({"category": line_items["category"].to_numpy(),
                               "cents": to_cents(line_items["price"])})
            checks["category"] = (li.groupby("category")["cents"].sum(),
                                  f"SELECT p.category AS k, SUM(f.amount_cents) AS v FROM {_STAR} "
                                  "GROUP BY 1")
        rows = []
        for name, (raw, q) in checks.items():
            wh = self.con.sql(q).df().set_index("k")["v"].astype("int64")
            raw = raw.astype("int64")
            raw.index = raw.index.astype(wh.index.dtype) if name != "channel" else raw.index
            both = pd.concat([raw.rename("raw"), wh.rename("wh")], axis=1).fillna(0)
            diff = (both["raw"] - both["wh"]).abs()
            rows.append({"check": f"revenue by {name}" if name != "total" else "grand total",
                         "groups": len(both), "raw_cents": int(raw.sum()),
                         "warehouse_cents": int(wh.sum()),
                         "max_abs_diff_cents": int(diff.max()),
                         "matches": bool((diff == 0).all())})
        return pd.DataFrame(rows).set_index("check")

    # ------------------------------------------------------------------ customer knowledge
    def top_customers(self, by: str = "region", n: int = 3) -> pd.DataFrame:
        """The most valuable customers within each group (客户知识: who matters where).

        Ranks customers by lifetime revenue inside each value of ``by`` with a window
        function (``ROW_NUMBER() OVER (PARTITION BY ...)`` and ``QUALIFY``); shows the
        snapshot's RFM cell and 12-month CLV beside the revenue.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(300, seed=2)
        >>> wh = build_warehouse(co.transactions, customers=co.customers)
        >>> wh.top_customers("region", n=2).groupby("region").size().max()
        np.int64(2)
        """
        check_param("by", by, allowed=["region", "city_tier", "acquisition_channel", "gender",
                                       "income_band", "age_band", "cohort_year"])
        check_param("n", n, kind=int, low=1)
        col = ATTRIBUTES[by]
        q = f"""
WITH value AS (
  SELECT {col} AS {by}, f.customer_key AS customer_id,
         SUM(f.amount_cents) / 100.0 AS revenue,
         COUNT(DISTINCT f.transaction_id) AS orders
  FROM fact_sales f
    JOIN dim_customer c ON f.customer_key = c.customer_key
    JOIN dim_region g ON f.region_key = g.region_key
  GROUP BY 1, 2
)
SELECT v.{by}, v.customer_id, v.revenue, v.orders, s.rfm_cell, s.clv_12m,
       ROW_NUMBER() OVER (PARTITION BY v.{by} ORDER BY v.revenue DESC, v.customer_id) AS rank
FROM value v JOIN fact_customer_snapshot s ON v.customer_id = s.customer_key
QUALIFY rank <= {n}
ORDER BY v.{by}, rank"""
        return self.sql(q)

    def category_growth(self) -> pd.DataFrame:
        """Revenue per category and year with the growth on the year before (``LAG``).

        Only meaningful with line items (without them every sale is category
        ``"unknown"``). Years are compared in full; a partly observed first or last year is
        flagged in ``months_observed``.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(300, seed=2)
        >>> wh = build_warehouse(co.transactions, line_items=co.line_items)
        >>> sorted(wh.category_growth().columns)[:3]
        ['category', 'growth_pct', 'months_observed']
        """
        q = f"""
WITH by_year AS (
  SELECT p.category, d.year, SUM(f.amount_cents) / 100.0 AS revenue,
         COUNT(DISTINCT d.month) AS months_observed
  FROM {_STAR}
  GROUP BY 1, 2
)
SELECT category, year, revenue, months_observed,
       100.0 * (revenue / LAG(revenue) OVER (PARTITION BY category ORDER BY year) - 1)
         AS growth_pct
FROM by_year
ORDER BY category, year"""
        return self.sql(q)

    def channel_retention(self, window_days: int = 365) -> pd.DataFrame:
        """Which first-purchase channel brings customers who stay.

        Each customer's *acquisition* channel is the channel of the first purchase (a
        window function over the fact table). A customer "stays" if they bought again at
        all (``repeat_pct``) and if they bought in the last ``window_days`` before the
        snapshot date (``active_pct``); customers acquired in that last window are left
        out so that everybody had the same chance.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> co = simulate_company(300, seed=2)
        >>> wh = build_warehouse(co.transactions)
        >>> list(wh.channel_retention().columns)[:3]
        ['first_channel', 'customers', 'repeat_pct']
        """
        check_param("window_days", window_days, kind=int, low=1)
        cut = (self.as_of - pd.Timedelta(days=window_days)).date()
        q = f"""
WITH orders AS (
  SELECT DISTINCT f.customer_key, f.transaction_id, d.date, ch.channel
  FROM fact_sales f
    JOIN dim_date d ON f.date_key = d.date_key
    JOIN dim_channel ch ON f.channel_key = ch.channel_key
),
per_customer AS (
  SELECT customer_key,
         arg_min(channel, (date, transaction_id)) AS first_channel,
         MIN(date) AS first_date, MAX(date) AS last_date, COUNT(*) AS orders
  FROM orders
  GROUP BY customer_key
)
SELECT first_channel, COUNT(*) AS customers,
       100.0 * AVG(CASE WHEN orders > 1 THEN 1 ELSE 0 END) AS repeat_pct,
       100.0 * AVG(CASE WHEN last_date >= DATE '{cut}' THEN 1 ELSE 0 END) AS active_pct,
       AVG(orders) AS mean_orders
FROM per_customer
WHERE first_date < DATE '{cut}'
GROUP BY first_channel
ORDER BY active_pct DESC"""
        return self.sql(q)


def _literal(x) -> str:
    if isinstance(x, bool) or x is None:
        raise ParameterError(f"filter value {x!r} is not a number or text.")
    if isinstance(x, int | np.integer | float | np.floating):
        return repr(int(x)) if float(x).is_integer() else repr(float(x))
    return "'" + str(x).replace("'", "''") + "'"


def _number_or_text(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return x


# ============================================================================ building it


def _dim_date(dates: pd.Series) -> pd.DataFrame:
    days = pd.date_range(dates.min().normalize(), dates.max().normalize(), freq="D")
    return pd.DataFrame({
        "date_key": (days.year * 10000 + days.month * 100 + days.day).astype("int32"),
        "date": days.date,
        "year": days.year.astype("int32"), "quarter": days.quarter.astype("int32"),
        "month": days.month.astype("int32"),
        "year_quarter": days.year.astype(str) + "-Q" + days.quarter.astype(str),
        "year_month": days.strftime("%Y-%m"),
        "weekday": days.day_name().str[:3],
    })


def _age_band(age: pd.Series) -> pd.Series:
    edges = [0, 25, 35, 45, 55, 65, 200]
    labels = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]
    return pd.cut(age, edges, right=False, labels=labels).astype(str)


def _dim_customer(ids: np.ndarray, first: pd.Series, customers: pd.DataFrame | None
                  ) -> pd.DataFrame:
    out = pd.DataFrame({"customer_key": ids})
    out["first_purchase"] = first.reindex(ids).to_numpy()
    out["cohort_year"] = pd.DatetimeIndex(out["first_purchase"]).year.astype("int32")
    text = ("region", "gender", "education", "income_band", "acquisition_channel")
    if customers is None:
        for c in text:
            out[c] = _UNKNOWN
        out["city_tier"] = _UNKNOWN
        out["age_band"] = _UNKNOWN
        return out
    cust = customers.set_index("customer_id").reindex(ids)
    for c in text:
        out[c] = cust[c].astype(object).fillna(_UNKNOWN).astype(str).to_numpy() \
            if c in cust.columns else _UNKNOWN
    out["city_tier"] = (("tier " + cust["city_tier"].astype("Int64").astype(str))
                        .fillna(_UNKNOWN).to_numpy() if "city_tier" in cust.columns else _UNKNOWN)
    out["age_band"] = _age_band(cust["age"]).to_numpy() if "age" in cust.columns else _UNKNOWN
    return out


def _snapshot(tx: pd.DataFrame, rfm: pd.DataFrame, as_of: pd.Timestamp, clv: bool
              ) -> pd.DataFrame:
    from crm_lab import segmentation

    scores = segmentation.rfm_scores(rfm)
    out = pd.DataFrame({
        "customer_key": rfm.index.to_numpy(),
        "as_of": as_of.date(),
        "recency_days": rfm["recency_days"].to_numpy().astype("int32"),
        "frequency": rfm["frequency"].to_numpy().astype("int32"),
        # a float sum of cent amounts is far from a half cent: rounding it back is exact
        "monetary_cents": to_cents(rfm["monetary"]),
        "r_score": scores["r_score"].to_numpy(), "f_score": scores["f_score"].to_numpy(),
        "m_score": scores["m_score"].to_numpy(), "rfm_cell": scores["rfm_cell"].to_numpy(),
        "rfm_segment": segmentation.rfm_segments(scores).astype(str).to_numpy(),
    })
    out["clv_12m"] = np.nan
    out["p_alive"] = np.nan
    if clv:
        value = _clv(tx, as_of)
        if value is not None:
            out["clv_12m"] = value["clv_12m"].reindex(rfm.index).round(2).to_numpy()
            out["p_alive"] = value["p_alive"].reindex(rfm.index).round(4).to_numpy()
    return out


def _clv(tx: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame | None:
    """12-month CLV (BG/NBD x Gamma-Gamma, 1 % a month) and P(alive); None if a fit fails."""
    from crm_lab import clv

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            summary = clv.customer_summary(tx[["customer_id", "date", "amount"]], freq="D",
                                           freq_multiplier=7, observation_end=as_of)
            bg = clv.BetaGeo().fit(summary)
            rep = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
            gg = clv.GammaGamma().fit(rep)
            value = clv.customer_lifetime_value(bg, summary, time_months=12, discount_rate=0.01,
                                                spend_model=gg)
            alive = bg.conditional_probability_alive(summary["frequency"], summary["recency"],
                                                     summary["T"])
    except (ValueError, RuntimeWarning, np.linalg.LinAlgError) as err:
        warnings.warn(f"the CLV models could not be fitted ({err}); the snapshot's clv_12m and "
                      "p_alive columns are left empty.", RuntimeWarning, stacklevel=4)
        return None
    return pd.DataFrame({"clv_12m": np.asarray(value), "p_alive": np.asarray(alive)},
                        index=summary.index)


def build_warehouse(
    transactions: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    line_items: pd.DataFrame | None = None,
    path: str | None = None,
    clv: bool = True,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> Warehouse:
    """Build the star schema from a transaction log (and, if given, customers and line items).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase in the documented schema (``customer_id``, ``date``,
        ``amount``), optionally ``transaction_id`` and ``channel``.
    customers : DataFrame, optional
        One row per customer (``customer_id`` and any of ``region``, ``city_tier``, ``age``,
        ``gender``, ``education``, ``income_band``, ``acquisition_channel``). Without it the
        customer and region attributes read ``"unknown"``.
    line_items : DataFrame, optional
        ``transaction_id``, ``line_no``, ``product_id``, ``category``, ``price``: the sales
        fact then has one row per line; their prices must add up to each transaction's
        amount to the cent. Needs ``transaction_id`` in ``transactions``.
    path : str, optional
        A DuckDB database file to write (default: in memory). An existing file is replaced.
    clv : bool, default True
        Fit BG/NBD and Gamma-Gamma (:mod:`crm_lab.clv`) for the snapshot's ``clv_12m`` and
        ``p_alive`` (skip for speed; a failed fit warns and leaves them empty).
    customer_id, date, amount : str
        Column names in ``transactions``.

    Returns
    -------
    Warehouse

    Raises
    ------
    DataError
        Bad transactions (see :func:`crm_lab.validate.check_transactions`), line items
        whose transaction is unknown or whose prices do not add up to the amount.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> co = simulate_company(200, seed=3)
    >>> wh = build_warehouse(co.transactions, customers=co.customers, line_items=co.line_items)
    >>> wh.has_line_items, wh.summary().loc["dim_channel", "rows"]
    (True, np.int64(3))
    """
    import duckdb

    keep = [c for c in ("channel",) if c in transactions.columns]
    has_tid = "transaction_id" in transactions.columns
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount,
                            transaction_id="transaction_id" if has_tid else None, keep=keep)
    if (tx["amount"] < 0).any():  # pragma: no cover - check_transactions already refuses
        raise DataError("transactions['amount']: negative amounts.")
    if not has_tid:
        tx["transaction_id"] = np.arange(1, len(tx) + 1, dtype=np.int64)
    if not keep:
        tx["channel"] = _UNKNOWN
    tx["channel"] = tx["channel"].astype(object).fillna(_UNKNOWN).astype(str)
    tx["cents"] = to_cents(tx["amount"])
    check_param("clv", clv, kind=bool)
    if customers is not None:
        from crm_lab.validate import check_customers

        customers = check_customers(customers)
    if line_items is not None and not has_tid:
        raise DataError("transactions: line items need a 'transaction_id' column to link them to "
                        "their purchase.\nHow to fix: add the transaction ids, or build without "
                        "line_items.")

    as_of = pd.Timestamp(tx["date"].max()).normalize() + pd.Timedelta(days=1)
    from crm_lab.segmentation import rfm_table

    rfm = rfm_table(tx, as_of=as_of)  # the shared per-customer summary step
    first = rfm["first_purchase"]
    ids = rfm.index.to_numpy()
    dim_customer = _dim_customer(ids, first, customers)
    regions = (dim_customer[["region", "city_tier"]].drop_duplicates()
               .sort_values(["region", "city_tier"]).reset_index(drop=True))
    regions.insert(0, "region_key", np.arange(1, len(regions) + 1, dtype=np.int32))
    dim_customer = dim_customer.merge(regions, on=["region", "city_tier"], how="left")
    channels = sorted(tx["channel"].unique())
    dim_channel = pd.DataFrame({"channel_key": np.arange(1, len(channels) + 1, dtype=np.int32),
                                "channel": channels})

    dk = tx["date"].dt
    orders = pd.DataFrame({
        "transaction_id": tx["transaction_id"].to_numpy(),
        "date_key": (dk.year * 10000 + dk.month * 100 + dk.day).astype("int32").to_numpy(),
        "customer_key": tx["customer_id"].to_numpy(),
        "channel_key": pd.Series(tx["channel"]).map(
            dict(zip(channels, dim_channel["channel_key"], strict=True))).to_numpy(),
        "region_key": pd.Series(tx["customer_id"]).map(
            dim_customer.set_index("customer_key")["region_key"]).to_numpy(),
        "cents": tx["cents"].to_numpy(),
    })
    if line_items is not None:
        fact, dim_product = _line_fact(orders, line_items)
    else:
        fact = orders.rename(columns={"cents": "amount_cents"}).assign(line_no=1, product_key=0)
        dim_product = pd.DataFrame({"product_key": [0], "product_id": [0],
                                    "category": [_UNKNOWN]})
    fact = fact[["transaction_id", "line_no", "date_key", "customer_key", "product_key",
                 "channel_key", "region_key", "amount_cents"]]

    if path is not None:
        from pathlib import Path

        Path(path).unlink(missing_ok=True)
    con = duckdb.connect(str(path) if path is not None else ":memory:")
    tables = {"dim_date": _dim_date(tx["date"]), "dim_customer": dim_customer,
              "dim_region": regions, "dim_channel": dim_channel, "dim_product": dim_product,
              "fact_sales": fact, "fact_customer_snapshot": _snapshot(tx, rfm, as_of, clv)}
    for name, frame in tables.items():
        con.register("_src", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _src")
        con.unregister("_src")
    con.execute("ALTER TABLE fact_sales ALTER amount_cents TYPE BIGINT")
    con.execute("ALTER TABLE fact_customer_snapshot ALTER monetary_cents TYPE BIGINT")
    return Warehouse(con, has_line_items=line_items is not None,
                     has_customers=customers is not None, has_channel=bool(keep), as_of=as_of)


def _line_fact(orders: pd.DataFrame, line_items: pd.DataFrame):
    check_columns(line_items, ["transaction_id", "line_no", "product_id", "category", "price"],
                  "line_items")
    li = pd.DataFrame({c: line_items[c].to_numpy() for c in
                       ("transaction_id", "line_no", "product_id", "category")})
    if li["product_id"].isna().any() or li["transaction_id"].isna().any():
        raise DataError("line_items: missing product_id or transaction_id.\nHow to fix: drop or "
                        "repair those rows explicitly.")
    li["amount_cents"] = to_cents(line_items["price"])
    o = orders.set_index("transaction_id")
    unknown = ~li["transaction_id"].isin(o.index)
    if unknown.any():
        raise DataError(f"line_items['transaction_id']: {int(unknown.sum()):,} lines belong to no "
                        f"transaction, e.g.\n{li.loc[unknown].head().to_string()}\n"
                        "How to fix: pass the line items of these transactions only.")
    sums = li.groupby("transaction_id")["amount_cents"].sum()
    diff = sums - o["cents"].reindex(sums.index)
    if (diff != 0).any():
        raise DataError(f"line_items['price']: the lines of {int((diff != 0).sum()):,} "
                        "transaction(s) do not add up to the transaction amount, e.g. "
                        f"transaction_id {list(diff[diff != 0].index[:3])}.\nHow to fix: repair "
                        "the prices or the amounts; the warehouse must reconcile to the cent.")
    missing = ~o.index.isin(sums.index)
    if missing.any():
        warnings.warn(f"{int(missing.sum()):,} transaction(s) have no line items; they are kept "
                      "in fact_sales as one line of product 'unknown'.", ExclusionWarning,
                      stacklevel=3)
    fact = li.merge(orders.drop(columns="cents"), on="transaction_id", how="left")
    fact["product_key"] = fact["product_id"]
    if missing.any():
        extra = orders[missing].rename(columns={"cents": "amount_cents"}).assign(line_no=0,
                                                                                 product_key=0)
        fact = pd.concat([fact, extra], ignore_index=True)
    products = (li[["product_id", "category"]].drop_duplicates("product_id")
                .sort_values("product_id").reset_index(drop=True))
    if missing.any():
        products = pd.concat([pd.DataFrame({"product_id": [0], "category": [_UNKNOWN]}),
                              products], ignore_index=True)
    products.insert(0, "product_key", products["product_id"])
    return fact, products


def from_book(d, *, path: str | None = None, clv: bool = True) -> Warehouse:
    """The warehouse of a chapter's data (:func:`crm_lab.book.load`): every table it has.

    Examples
    --------
    >>> from crm_lab import book
    >>> wh = from_book(book.load("simulated", seed=4, n_customers=200), clv=False)
    >>> wh.has_line_items and wh.has_customers
    True
    """
    if d.transactions is None:
        raise DataError(f"{d.name}: no transactions; the warehouse needs a transaction log.")
    return build_warehouse(d.transactions, customers=d.customers, line_items=d.line_items,
                           path=path, clv=clv)
