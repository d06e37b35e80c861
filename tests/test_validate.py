"""The one validator: every bad input listed in the foundation issue gets a clear ValueError."""

import numpy as np
import pandas as pd
import pytest

from crm_lab.validate import (
    DataError,
    DataWarning,
    ParameterError,
    check_customers,
    check_param,
    check_sequence,
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


# ---------------------------------------------------------------------- dates are never guessed


def _log(dates):
    return pd.DataFrame({"customer_id": range(len(dates)), "date": dates, "amount": 1.0})


@pytest.mark.parametrize("dates, evidence", [
    (["05/01/2024", "31/01/2024", "06/02/2024"], "looks day-first"),    # dd/mm
    (["05/01/2024", "01/31/2024", "02/06/2024"], "looks month-first"),  # mm/dd
    (["05/01/2024", "31/01/2024", "01/31/2024"], "mixes both orders"),  # mixed
    (["05/01/2024", "06/02/2024"], "cannot tell"),                      # no day above 12
    (["05.01.24", "31.01.24"], "looks day-first"),                      # dots, two-digit years
])
def test_ambiguous_day_month_order_is_refused_with_the_fix(dates, evidence):
    with pytest.raises(DataError) as err:
        check_transactions(_log(dates))
    msg = str(err.value)
    assert "transactions['date']" in msg and evidence in msg
    assert "dayfirst=True" in msg and "dayfirst=False" in msg and "date_format=" in msg
    assert repr(dates[0]) in msg  # an example, with both readings
    assert "First offending rows" in msg


def test_day_month_order_when_given():
    out = check_transactions(_log(["05/01/2024", "31/01/2024 14:30"]), dayfirst=True)
    assert out["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-31 14:30")]
    out = check_transactions(_log(["05/01/2024", "01/31/2024"]), dayfirst=False)
    assert out["date"].tolist() == [pd.Timestamp("2024-05-01"), pd.Timestamp("2024-01-31")]
    out = check_transactions(_log(["05.01.24", "31.12.99"]), dayfirst=True)
    assert out["date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("1999-12-31")]
    out = check_transactions(_log(["05/01/2024", "31/01/2024"]), date_format="%d/%m/%Y")
    assert out["date"].dt.day.tolist() == [5, 31]


def test_wrong_or_inconsistent_order_is_an_error():
    with pytest.raises(DataError, match=r"not valid day/month/year dates.*01/31/2024"):
        check_transactions(_log(["05/01/2024", "01/31/2024"]), dayfirst=True)
    with pytest.raises(DataError, match="date_format='%d/%m/%Y'"):
        check_transactions(_log(["2024-01-05"]), date_format="%d/%m/%Y")
    with pytest.raises(ParameterError, match="dayfirst"):
        check_transactions(_log(["2024-01-05"]), dayfirst="yes")


@pytest.mark.parametrize("dates", [
    ["2024-01-05", "2024-12-31"],                 # ISO
    ["2024-01-05 10:30:00", "2024-12-31T08:00"],  # ISO with times
    ["5 Jan 2024", "January 31, 2024"],           # written months
    ["2024/01/05", "2024/12/31"],                 # year first
])
def test_unambiguous_dates_keep_working(dates):
    out = check_transactions(_log(dates))
    assert out["date"].dt.year.tolist() == [2024, 2024]
    assert out["date"].iloc[0].day == 5 and out["date"].iloc[0].month == 1


# ----------------------------------------------------------------------------- nothing silent


def test_exact_duplicate_rows_are_counted_and_dropped_only_on_request(tx):
    doubled = pd.concat([tx, tx.iloc[[0, 2]]], ignore_index=True)
    out, report = validate_transactions(doubled)
    assert len(out) == 6 and report.n_duplicate_rows == 2
    assert "2 rows repeat an earlier row exactly (kept" in str(report)
    out, report = validate_transactions(doubled, drop_duplicates=True)
    assert len(out) == 4 and "dropped" in str(report)
    with pytest.warns(DataWarning, match="2 rows that repeat an earlier row exactly were dropped"):
        assert len(check_transactions(doubled, drop_duplicates=True)) == 4


def test_cdnow_master_has_255_exact_duplicate_rows():
    from crm_lab.datasets import load_cdnow

    _, report = validate_transactions(load_cdnow())
    assert report.n_duplicate_rows == 255
    assert "255 rows repeat an earlier row exactly (kept" in str(report)


def test_dates_after_today_are_reported(tx):
    future = tx.assign(date=["2024-01-02", "2024-02-01", "2099-01-05", "2099-03-01"])
    _, report = validate_transactions(future)
    assert report.n_future_rows == 2 and "2 rows are dated after today" in str(report)
    _, report = validate_transactions(tx)
    assert report.n_future_rows == 0
    with pytest.raises(DataError, match="1 dates lie outside the years 1677-2262"):
        check_transactions(tx.assign(date=["2024-01-02", "2024-02-01", "2999-01-05",
                                           "2024-03-01"]))


def test_every_column_with_missing_values_is_listed(tx):
    bad = tx.assign(date=[None, "2024-01-01", None, "2024-01-01"],
                    amount=[1.0, np.nan, 2.0, 3.0])
    with pytest.raises(DataError, match=r"missing values in 2 columns: 'date' 2 rows, 'amount' 1 "
                                        r"row\b"):
        check_transactions(bad)
    s = pd.DataFrame({"q1": [1, np.nan, 3], "q2": [np.nan, np.nan, 2], "q3": [1, 2, 3]})
    with pytest.raises(DataError, match=r"2 item columns have missing \(NaN\) answers: 'q1' 1, "
                                        r"'q2' 2"):
        check_survey(s, ["q1", "q2", "q3"])


def test_non_integer_answers_on_an_integer_scale_are_reported():
    s = pd.DataFrame({"q1": [1, 7.5, 10], "q2": [2.0, 3.0, 4.0], "q3": [0.5, 1.5, 2.0]})
    with pytest.warns(DataWarning, match=r"not whole numbers on the 0-10 scale.*'q1' 1, 'q3' 2"):
        check_survey(s, ["q1", "q2", "q3"], scale=(0, 10))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_survey(s, ["q2"])                            # whole numbers: silent
        check_survey(s, ["q1"], integer=False)             # fractions allowed
        check_survey(s, ["q3"], scale=(0.0, 2.5))          # a fractional scale
        check_survey(s, ["q3"], scale=None)


# ------------------------------------------------------------------------ hints match the cause


@pytest.mark.parametrize("values, fix, not_fix", [
    (["12,50", "3,00"], "decimal=','", "currency"),
    (["$12.00", "3.00"], "currency sign", "decimal=','"),
    (["1,234.50", "2.00"], "thousands=','", "currency"),
    (["n/a", "2.00"], "holds text", "currency"),
])
def test_amount_hints_match_the_cause(tx, values, fix, not_fix):
    with pytest.raises(DataError, match="must be numeric") as err:
        check_transactions(tx.iloc[:2].assign(amount=values))
    assert fix in str(err.value) and not_fix not in str(err.value)


def test_text_survey_answers_get_a_recoding_hint():
    with pytest.raises(DataError, match="q1.*numeric") as err:
        check_survey(pd.DataFrame({"q1": ["agree", "disagree"]}), ["q1"])
    assert "text labels" in str(err.value) and "'agree'" in str(err.value)
    assert "currency" not in str(err.value)


def test_check_sequence():
    assert check_sequence("k_range", [2, 8], length=2, kind=int, low=2) == [2, 8]
    with pytest.raises(ParameterError, match="'abc_cuts' must be strictly increasing"):
        check_sequence("abc_cuts", [0.95, 0.8], increasing=True)
    with pytest.raises(ParameterError, match=r"'abc_cuts\[1\]' must be <= 1"):
        check_sequence("abc_cuts", [0.8, 1.5], high=1)
    with pytest.raises(ParameterError, match="'k_range' must have 2 elements"):
        check_sequence("k_range", [2], length=2)
    with pytest.raises(ParameterError, match="'k_range' must be a list"):
        check_sequence("k_range", 8)
