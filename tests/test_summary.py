"""Tests of crm_lab.summary: the one transactions -> per-customer step."""

from __future__ import annotations

import warnings

import _helpers
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_lab.summary import ExclusionWarning, aggregate_transactions, period_numbers
from crm_lab.validate import DataError, ParameterError


def random_log(seed: int, n: int = 400, n_customers: int = 60, days: int = 200) -> pd.DataFrame:
    # starts on a Monday; the log crosses month and year ends
    return _helpers.random_log(seed, n=n, n_customers=n_customers, days=days,
                               start="2023-11-20", spend_scale=15.0)


def naive_aggregate(tx: pd.DataFrame, freq: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per-customer Python loop with pandas Period scalars: the reference."""
    as_of_ord = pd.Period(as_of, freq=freq).ordinal
    rows = {}
    for cid, g in tx.groupby("customer_id"):
        per = [pd.Period(d, freq=freq).ordinal for d in g["date"]]
        first, last = min(per), max(per)
        rows[cid] = {
            "first_purchase": g["date"].min(),
            "last_purchase": g["date"].max(),
            "n_transactions": len(g),
            "n_periods": len(set(per)),
            "periods_since_first": as_of_ord - first,
            "periods_first_to_last": last - first,
            "periods_since_last": as_of_ord - last,
            "total_spend": g["amount"].sum(),
            "mean_spend": g["amount"].mean(),
            "first_period_spend": sum(a for a, p in zip(g["amount"], per, strict=True)
                                      if p == first),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out


def assert_same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    assert list(ours.index) == list(ref.index)
    for col in ref.columns:
        if col in ("first_purchase", "last_purchase"):
            assert (ours[col].to_numpy() == ref[col].to_numpy()).all(), col
        else:
            np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float),
                                       rtol=0, atol=1e-9, err_msg=col)


@pytest.mark.parametrize("freq", ["D", "W", "W-SAT", "M", "Q", "h"])
def test_period_numbers_match_pandas_periods(freq):
    dates = pd.date_range("1969-11-01", "1970-03-01", freq="7h").append(
        pd.date_range("2023-12-20", "2024-01-10", freq="5h"))
    np.testing.assert_array_equal(period_numbers(dates.to_numpy(), freq),
                                  dates.to_period(freq).asi8)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("freq", ["D", "W", "M"])
def test_aggregate_equals_naive_loop(seed, freq):
    tx = random_log(seed)
    as_of = tx["date"].max()
    assert_same(aggregate_transactions(tx, freq=freq), naive_aggregate(tx, freq, as_of))


def test_aggregate_long_daily_log_uses_the_hash_path_correctly():
    # 300 customers x ~8,000 days is too big for the customer x period bitmap: the distinct
    # purchase periods are then found with a hash table. Both paths must agree with the loop.
    tx = random_log(7, n=600, n_customers=300, days=8000)
    assert_same(aggregate_transactions(tx, freq="D"), naive_aggregate(tx, "D", tx["date"].max()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 90), st.integers(0, 23),
                              st.integers(0, 10_000)), min_size=1, max_size=30),
    freq=st.sampled_from(["D", "W", "M"]),
    extra_days=st.integers(0, 20),
)
def test_aggregate_property(events, freq, extra_days):
    cust, day, hour, cents = map(np.array, zip(*events, strict=True))
    tx = pd.DataFrame({
        "customer_id": cust,
        "date": pd.Timestamp("2024-02-26") + pd.to_timedelta(day * 24 + hour, unit="h"),
        "amount": cents / 100,
    })
    as_of = tx["date"].max().normalize() + pd.Timedelta(days=extra_days)
    assert_same(aggregate_transactions(tx, freq=freq, as_of=as_of),
                naive_aggregate(tx, freq, as_of))


def test_as_of_excludes_later_rows_with_counts():
    tx = pd.DataFrame({"customer_id": [1, 1, 2, 3],
                       "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-05",
                                               "2024-02-10"]),
                       "amount": [1.0, 2.0, 3.0, 4.0]})
    with pytest.warns(ExclusionWarning, match=r"2 transaction\(s\).*1 customer\(s\)"):
        s = aggregate_transactions(tx, as_of="2024-01-31")
    assert list(s.index) == [1, 2]
    assert s.loc[1, "n_transactions"] == 1


def test_bare_date_as_of_includes_whole_day():
    tx = pd.DataFrame({"customer_id": [1, 1], "date": pd.to_datetime(["2024-01-01 09:00",
                                                                    "2024-01-31 18:30"]),
                       "amount": [1.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = aggregate_transactions(tx, as_of="2024-01-31")
    assert s.loc[1, "n_transactions"] == 2
    with pytest.warns(ExclusionWarning, match="1 transaction"):
        aggregate_transactions(tx, as_of="2024-01-31 12:00")


def test_no_amount_column_needed_when_amount_none():
    tx = pd.DataFrame({"cid": ["a", "b", "a"], "when": ["2024-01-01", "2024-01-02", "2024-01-09"]})
    s = aggregate_transactions(tx, freq="W", customer_id="cid", date="when", amount=None)
    assert "total_spend" not in s
    assert s.loc["a", "n_periods"] == 2
    assert s.attrs["freq"] == "W"


def test_input_not_mutated():
    tx = random_log(3, n=50)
    before = tx.copy()
    aggregate_transactions(tx, freq="W")
    pd.testing.assert_frame_equal(tx, before)


@pytest.mark.parametrize("freq", ["2W", "bogus", 7])
def test_bad_freq(freq):
    with pytest.raises(ParameterError, match="freq"):
        aggregate_transactions(random_log(0, n=10), freq=freq)


def test_as_of_before_every_purchase():
    with pytest.raises(ParameterError, match="as_of"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExclusionWarning)
            aggregate_transactions(random_log(0, n=10), as_of="2000-01-01")


def test_as_of_not_a_date():
    with pytest.raises(ParameterError, match="as_of"):
        aggregate_transactions(random_log(0, n=10), as_of="next tuesday")


@pytest.mark.parametrize(
    ("mutate", "column"),
    [
        (lambda d: d.drop(columns="amount"), "amount"),
        (lambda d: d.assign(amount=np.where(d.index == 3, np.nan, d["amount"])), "amount"),
        (lambda d: d.assign(amount=np.where(d.index == 3, -5.0, d["amount"])), "amount"),
        (lambda d: d.assign(date=d["date"].astype(str).where(d.index != 2, "not a date")), "date"),
        (lambda d: d.iloc[:0], None),
    ],
    ids=["missing column", "NaN amount", "negative amount", "bad date", "empty frame"],
)
def test_bad_input_names_the_column(mutate, column):
    with pytest.raises(DataError) as err:
        aggregate_transactions(mutate(random_log(0, n=10)))
    assert isinstance(err.value, ValueError)
    if column is not None:
        assert repr(column) in str(err.value) or column in str(err.value)
    else:
        assert "empty" in str(err.value)
