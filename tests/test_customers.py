"""Single customer view, data quality report, planted problems found."""

import numpy as np
import pandas as pd
import pytest

from crm_lab.customers import (
    data_quality_report,
    inject_quality_problems,
    quality_issues,
    single_customer_view,
)
from crm_lab.simulate import simulate_company


@pytest.fixture(scope="module")
def company():
    return simulate_company(n_customers=600, seed=3)


def test_single_customer_view_covers_everyone_and_adds_up(company):
    scv = single_customer_view(company)
    assert scv.index.is_unique and len(scv) == len(company.customers)
    assert scv["n_transactions"].sum() == len(company.transactions)
    assert scv["total_spend"].sum() == pytest.approx(company.transactions["amount"].sum(), abs=1)
    assert scv["n_complaints"].sum() == len(company.complaints)
    assert scv["satisfaction_score"].notna().sum() == company.survey["customer_id"].nunique()
    assert (scv["recency_days"] >= 1).all()
    for col in ("plan", "subscription_active", "n_contacts", "n_responses", "region"):
        assert col in scv


def test_single_customer_view_transactions_only():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-01-11",
                       "2024-01-05"], "amount": [10.0, 30.0, 5.0]})
    scv = single_customer_view({"transactions": tx}, as_of="2024-02-01")
    assert scv.loc[1, "recency_days"] == 21
    assert scv.loc[2, "avg_order_value"] == 5.0


def test_single_customer_view_rejects_orphans_and_bad_input(company):
    tx = company.transactions.copy()
    tx.loc[0, "customer_id"] = 10**6
    with pytest.raises(ValueError, match="not in the customers table"):
        single_customer_view({"customers": company.customers, "transactions": tx})
    with pytest.raises(ValueError, match="no 'transactions' table"):
        single_customer_view({"customers": company.customers})
    bad = company.transactions.assign(amount=-1.0)
    with pytest.raises(ValueError, match="amount"):
        single_customer_view({"transactions": bad})
    with pytest.raises(ValueError, match="empty"):
        single_customer_view({"transactions": company.transactions.iloc[:0]})


def test_clean_company_has_no_issues(company):
    assert quality_issues(company).empty
    report = data_quality_report(company)
    assert set(report["table"]) == set(company.TABLES)
    assert (report["issues"] == "").all()


def test_planted_problems_are_found_exactly(company):
    messy, planted = inject_quality_problems(company, seed=5, rate=0.02)
    found = quality_issues(messy)
    both = planted.merge(found, on=["table", "column", "issue"], suffixes=("_planted", "_found"))
    assert len(both) == len(planted)
    np.testing.assert_array_equal(both["n_rows_planted"], both["n_rows_found"])
    # the inputs are untouched
    assert quality_issues(company).empty


def test_quality_issues_kinds():
    t = {
        "customers": pd.DataFrame({"customer_id": [1, 2], "age": [5, 40]}),
        "transactions": pd.DataFrame({"transaction_id": [1, 2], "customer_id": [1, 9],
                                      "date": pd.to_datetime(["2024-01-01", "2030-01-01"]),
                                      "amount": [0.0, -2.0]}),
    }
    got = quality_issues(t, as_of="2025-01-01").set_index(["table", "column", "issue"])["n_rows"]
    assert got[("customers", "age", "implausible")] == 1
    assert got[("transactions", "amount", "zero (kept)")] == 1
    assert got[("transactions", "amount", "negative")] == 1
    assert got[("transactions", "customer_id", "not in customers")] == 1
    assert got[("transactions", "date", "after 2025-01-01")] == 1


@pytest.mark.parametrize("kwargs, words", [({"seed": -1}, "seed"), ({"rate": 0.5}, "rate")])
def test_inject_bad_parameters(company, kwargs, words):
    with pytest.raises(ValueError, match=words):
        inject_quality_problems(company, **kwargs)


def test_inject_needs_customers(company):
    with pytest.raises(ValueError, match="needs a 'customers' table"):
        inject_quality_problems({"transactions": company.transactions})


def test_report_needs_tables():
    with pytest.raises(ValueError, match="no tables"):
        data_quality_report({})
