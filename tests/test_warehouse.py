"""Tests of crm_lab.warehouse: the star schema, OLAP queries and exact reconciliation."""

import numpy as np
import pandas as pd
import pytest
from _helpers import random_log

from crm_lab import warehouse as W
from crm_lab.simulate import simulate_company
from crm_lab.validate import DataError, ParameterError


@pytest.fixture(scope="module")
def company():
    return simulate_company(600, seed=11)


@pytest.fixture(scope="module")
def wh(company):
    return W.build_warehouse(company.transactions, customers=company.customers,
                             line_items=company.line_items)


def _raw(company) -> pd.DataFrame:
    """Line items joined to transactions and customers, money in integer cents (pandas only)."""
    tx = company.transactions.merge(company.customers[["customer_id", "region", "city_tier"]],
                                    on="customer_id")
    li = company.line_items.merge(tx[["transaction_id", "date", "channel", "region",
                                      "city_tier"]], on="transaction_id")
    li["cents"] = np.rint(li["price"] * 100).astype("int64")
    li["year"], li["quarter"], li["month"] = li.date.dt.year, li.date.dt.quarter, li.date.dt.month
    return li


def test_tables_and_grain(wh, company):
    s = wh.summary()
    assert s.loc["fact_sales", "rows"] == len(company.line_items)
    assert s.loc["dim_customer", "rows"] == company.transactions.customer_id.nunique()
    assert s.loc["fact_customer_snapshot", "rows"] == s.loc["dim_customer", "rows"]
    assert s.loc["dim_product", "rows"] == company.line_items.product_id.nunique()
    types = wh.schema().set_index(["table_name", "column_name"])["data_type"]
    assert types[("fact_sales", "amount_cents")] == "BIGINT"


def test_reconciles_to_the_cent(wh, company):
    rec = wh.reconcile(company.transactions, company.line_items)
    assert rec["matches"].all(), rec
    assert rec["max_abs_diff_cents"].max() == 0
    total = int(np.rint(company.transactions.amount * 100).sum())
    assert (rec["raw_cents"] == total).all() and (rec["warehouse_cents"] == total).all()


def test_cube_cells_equal_pandas_groupby_exactly(wh, company):
    raw = _raw(company)
    cube = wh.cube(["region", "channel", "year"], measures=["revenue_cents", "orders"])
    assert sorted(cube.grouping_id.unique()) == list(range(8))
    for keep in ([], ["region"], ["channel", "year"], ["region", "channel", "year"]):
        gid = sum(1 << (2 - i) for i, d in enumerate(["region", "channel", "year"])
                  if d not in keep)
        part = cube[cube.grouping_id == gid]
        if keep:
            exp = raw.groupby(keep)["cents"].sum()
            got = part.set_index(keep)["revenue_cents"]
            got.index = exp.index if len(keep) == 1 else pd.MultiIndex.from_frame(
                part[keep].astype({"year": int} if "year" in keep else {}))
            assert got.sort_index().to_dict() == exp.sort_index().to_dict()
            assert len(part) == len(exp)
        else:
            assert int(part["revenue_cents"].iloc[0]) == int(raw["cents"].sum())
            assert int(part["orders"].iloc[0]) == len(company.transactions)


def test_rollup_date_hierarchy_adds_up(wh, company):
    raw = _raw(company)
    r = wh.rollup(W.HIERARCHIES["date"], measures=["revenue_cents"])
    assert "ROLLUP" in r.attrs["sql"] and "GROUPING(" in r.attrs["sql"]
    months = r[r.grouping_id == 0]
    years = r[r.grouping_id == 3].set_index("year")["revenue_cents"]
    assert months.groupby("year")["revenue_cents"].sum().to_dict() == years.to_dict()
    exp = raw.groupby("year")["cents"].sum()
    assert {int(k): int(v) for k, v in years.items()} == exp.to_dict()
    assert r.iloc[0]["year"] == "(all)" and r.grouping_id.iloc[0] == 7


def test_drill_down_slice_dice_pivot(wh, company):
    raw = _raw(company)
    q = wh.drill_down("date", {"year": 2024}, measures=["revenue_cents"])
    exp = raw[raw.year == 2024].groupby("quarter")["cents"].sum()
    assert q.set_index("quarter")["revenue_cents"].to_dict() == exp.to_dict()
    m = wh.drill_down("geography", {"region": "East"}, measures=["revenue_cents"])
    exp = raw[raw.region == "East"].groupby("city_tier")["cents"].sum()
    assert m["revenue_cents"].tolist() == exp.tolist()
    sl = wh.slice("channel", "app", by=["year"], measures=["revenue_cents"])
    assert sl["revenue_cents"].tolist() == raw[raw.channel == "app"].groupby("year")[
        "cents"].sum().tolist()
    di = wh.dice({"year": [2024, 2025], "region": ["East", "West"]}, by=["region"],
                 measures=["revenue_cents"])
    sub = raw[raw.year.isin([2024, 2025]) & raw.region.isin(["East", "West"])]
    assert di["revenue_cents"].tolist() == sub.groupby("region")["cents"].sum().tolist()
    pv = wh.pivot("region", "year", measure="revenue_cents")
    assert "PIVOT" in pv.attrs["sql"]
    exp = raw.pivot_table(index="region", columns="year", values="cents", aggfunc="sum")
    assert (pv.to_numpy() == exp.to_numpy()).all()


def test_grouping_sets(wh, company):
    gs = wh.grouping_sets([["category"], ["channel"], []], measures=["revenue_cents"])
    assert "GROUPING SETS" in gs.attrs["sql"]
    total = int(np.rint(company.line_items.price * 100).sum())
    by_cat = gs[(gs.category != "(all)")]["revenue_cents"].sum()
    assert by_cat == total
    assert gs[(gs.category == "(all)") & (gs.channel == "(all)")]["revenue_cents"].item() == total


def test_customer_knowledge(wh, company):
    top = wh.top_customers("region", n=2)
    tx = company.transactions.merge(company.customers[["customer_id", "region"]])
    exp = (tx.groupby(["region", "customer_id"])["amount"].sum().reset_index()
           .sort_values(["region", "amount", "customer_id"], ascending=[True, False, True])
           .groupby("region").head(2))
    assert top["customer_id"].tolist() == exp["customer_id"].tolist()
    growth = wh.category_growth()
    assert set(growth.category) == set(company.line_items.category)
    assert growth.groupby("category")["growth_pct"].apply(lambda s: s.isna().sum()).eq(1).all()
    ret = wh.channel_retention()
    assert set(ret.first_channel) <= set(company.transactions.channel)
    assert ret["repeat_pct"].between(0, 100).all()


def test_snapshot_has_rfm_and_clv(wh):
    snap = wh.sql("SELECT * FROM fact_customer_snapshot")
    assert snap[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()
    assert snap["clv_12m"].notna().all() and (snap["clv_12m"] >= 0).all()
    assert snap["p_alive"].between(0, 1).all()


def test_own_transactions_without_optional_tables(tmp_path):
    tx = random_log(3, n=3000, n_customers=400, days=700, start="2023-01-01", spend_scale=25)
    path = tmp_path / "wh.duckdb"
    wh = W.build_warehouse(tx, path=str(path), clv=False)
    assert path.exists()
    assert not wh.has_line_items and not wh.has_customers
    assert wh.reconcile(tx)["matches"].all()
    r = wh.rollup(["region"], measures=["revenue_cents"])
    assert r["region"].tolist() == ["(all)", "unknown"]
    assert wh.cube(["year", "channel"]).shape[0] > 0
    assert wh.sql("SELECT COUNT(*) AS n FROM fact_customer_snapshot WHERE clv_12m IS NULL")[
        "n"].item() == 400
    wh.close()


def test_cents_rounding():
    assert W.to_cents([0.1 + 0.2, 1.005, 2.675, 0.0]).tolist() == [30, 101, 268, 0]


def test_line_items_must_add_up(company):
    li = company.line_items.copy()
    li.loc[0, "price"] += 0.01
    with pytest.raises(DataError, match="price"):
        W.build_warehouse(company.transactions, line_items=li, clv=False)
    with pytest.raises(DataError, match="transaction_id"):
        W.build_warehouse(company.transactions.drop(columns="transaction_id"),
                          line_items=company.line_items, clv=False)


@pytest.mark.parametrize("mutate, words", [
    (lambda t: t.drop(columns="amount"), "amount"),
    (lambda t: t.assign(amount=-1.0), "negative"),
    (lambda t: t.assign(amount=np.nan), "NaN"),
    (lambda t: t.assign(date="not a date"), "date"),
    (lambda t: t.iloc[:0], "empty"),
])
def test_bad_transactions(company, mutate, words):
    with pytest.raises(DataError, match=words):
        W.build_warehouse(mutate(company.transactions), clv=False)


def test_bad_parameters(wh):
    with pytest.raises(ParameterError, match="levels"):
        wh.rollup(["decade"])
    with pytest.raises(ParameterError, match="measures"):
        wh.cube(["year"], measures=["profit"])
    with pytest.raises(ParameterError, match="path"):
        wh.drill_down("date", {"quarter": 1})
    with pytest.raises(ParameterError, match="sets"):
        wh.grouping_sets("region")
    with pytest.raises(ParameterError, match="filters"):
        wh.dice({}, by=["year"])


def test_for_display_rounds_and_keeps_sql(wh):
    r = wh.rollup(["year"])
    shown = W.for_display(r)
    assert str(shown["revenue"].dtype) == "Int64"
    assert shown.attrs["sql"] == r.attrs["sql"]
    assert (shown["revenue"] - r["revenue"]).abs().max() <= 0.5
    assert wh.full_years() == [2023, 2024, 2025]
