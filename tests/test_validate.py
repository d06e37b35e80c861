"""The one validator: every bad input listed in the foundation issue gets a clear ValueError."""

import numpy as np
import pandas as pd
import pytest

from crm_lab.validate import (
    DataError,
    ParameterError,
    check_customers,
    check_param,
    check_survey,
    check_transactions,
    validate_transactions,
)


@pytest.fixture
def tx():
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "date": ["2024-01-02", "2024-02-01", "2024-01-05", "2024-03-01"],
            "amount": [10.0, 0.0, 5.5, 7.25],
        }
    )


def test_good_log_is_standardised_and_not_mutated(tx):
    before = tx.copy()
    out = check_transactions(tx)
    pd.testing.assert_frame_equal(tx, before)
    assert list(out.columns) == ["customer_id", "date", "amount"]
    assert out["date"].dtype == "datetime64[ns]"
    assert out["amount"].dtype == "float64"
    assert out is not tx


def test_other_column_names_via_keywords(tx):
    renamed = tx.rename(columns={"customer_id": "cust", "date": "day", "amount": "spend"})
    out = check_transactions(renamed, customer_id="cust", date="day", amount="spend")
    assert list(out.columns) == ["customer_id", "date", "amount"]


def test_zero_amounts_are_counted_not_rejected(tx):
    tx.loc[3, "customer_id"] = 2
    tx.loc[2, "amount"] = 0.0
    tx.loc[3, "amount"] = 0.0
    _, report = validate_transactions(tx)
    assert report.n_zero_amount_rows == 3
    assert report.n_zero_total_customers == 1
    assert "total spend of 0" in str(report)


@pytest.mark.parametrize(
    "mutate, column, words",
    [
        (lambda d: d.drop(columns="amount"), "amount", "missing required column"),
        (lambda d: d.iloc[0:0], "transactions", "empty"),
        (lambda d: d.assign(amount=[10.0, np.nan, 1.0, 2.0]), "amount", "NaN"),
        (lambda d: d.assign(amount=[10.0, -3.0, 1.0, 2.0]), "amount", "net out returns"),
        (lambda d: d.assign(amount=["$1", "2", "3", "4"]), "amount", "numeric"),
        (lambda d: d.assign(date=["2024-01-02", "not a date", "2024-01-01", "2024-01-01"]), "date",
         "could not be read as dates"),
        (lambda d: d.assign(date=[None, "2024-01-01", "2024-01-01", "2024-01-01"]), "date",
         "missing date"),
        (lambda d: d.assign(date=[20240101, 20240102, 20240103, 20240104]), "date", "%Y%m%d"),
        (lambda d: d.assign(customer_id=[1, None, 2, 3]), "customer_id", "missing id"),
    ],
)
def test_bad_transactions_raise_naming_the_column(tx, mutate, column, words):
    with pytest.raises(ValueError) as err:
        check_transactions(mutate(tx))
    assert column in str(err.value)
    assert words in str(err.value)
    assert "How to fix" in str(err.value) or "missing required" in str(err.value)


def test_error_shows_offending_rows(tx):
    tx.loc[2, "amount"] = -99.0
    with pytest.raises(DataError, match="-99"):
        check_transactions(tx)


def test_negative_amounts_allowed_when_asked(tx):
    tx.loc[2, "amount"] = -5.0
    _, report = validate_transactions(tx, allow_negative=True)
    assert any("negative" in n for n in report.notes)


def test_dates_outside_the_window(tx):
    with pytest.raises(DataError, match="after the window end 2024-02-15"):
        check_transactions(tx, end="2024-02-15")
    with pytest.raises(DataError, match="before the window start"):
        check_transactions(tx, start="2024-01-03")


def test_duplicate_transaction_ids(tx):
    tx["tid"] = [1, 2, 2, 3]
    with pytest.raises(DataError, match="duplicate"):
        check_transactions(tx, transaction_id="tid")


def test_not_a_dataframe():
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        check_transactions([1, 2, 3])


def test_customers_duplicate_and_missing_ids():
    with pytest.raises(DataError, match="duplicate"):
        check_customers(pd.DataFrame({"customer_id": [1, 1, 2]}))
    with pytest.raises(DataError, match="missing id"):
        check_customers(pd.DataFrame({"customer_id": [1, None]}))
    with pytest.raises(DataError, match="region"):
        check_customers(pd.DataFrame({"customer_id": [1]}), required=["region"])


def test_survey_scale_nan_and_dtype():
    s = pd.DataFrame({"q1": [1, 5, 10], "q2": [2, 11, 3]})
    with pytest.raises(DataError, match=r"q2.*outside the scale 1-10"):
        check_survey(s, ["q1", "q2"])
    with pytest.raises(DataError, match="q1.*NaN"):
        check_survey(s.assign(q1=[1, np.nan, 3]), ["q1"])
    with pytest.raises(DataError, match="q1.*numeric"):
        check_survey(s.assign(q1=["a", "b", "c"]), ["q1"])
    assert check_survey(s, ["q2"], scale=(0, 11)).shape == (3, 1)


def test_check_param():
    assert check_param("bins", 5, kind=int, low=2) == 5
    with pytest.raises(ParameterError, match="'bins' must be int"):
        check_param("bins", True, kind=int)
    with pytest.raises(ParameterError, match="'scheme' must be one of"):
        check_param("scheme", "x", allowed=["centroid", "path"])
    with pytest.raises(ParameterError, match=">= 2"):
        check_param("bins", 1, kind=int, low=2)
