"""book.load: a reader's own CSV with other column names and date orders; chapters that
declare what they need; defaults that adapt to the data."""

import warnings

import pandas as pd
import pytest

from crm_lab import book
from crm_lab.validate import DataError, ParameterError

LOG = "cust,order_date,revenue\nA,31/01/2024,10.50\nA,05/02/2024,4.00\nB,06/02/2024,7.25\n"


@pytest.fixture
def own_csv(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(LOG)
    return path


@pytest.mark.parametrize("columns", [
    {"customer_id": "cust", "date": "order_date", "amount": "revenue"},
    "cust,order_date,revenue",
    "cust, order_date, revenue",
    ["cust", "order_date", "revenue"],
])
def test_columns_mapping_reads_own_names(own_csv, columns):
    d = book.load(own_csv, columns=columns, dayfirst=True)
    tx = d.transactions
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert tx["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31", "2024-02-05",
                                                           "2024-02-06"]
    assert tx["amount"].sum() == pytest.approx(21.75)
    assert d.params["columns"]["date"] == "order_date" and d.name == "orders.csv"


def test_without_the_mapping_the_missing_columns_are_named(own_csv):
    with pytest.raises(DataError, match=r"missing required column\(s\) \['customer_id', 'date'"):
        book.load(own_csv)


def test_ambiguous_dates_name_the_parameter(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("customer_id,date,amount\n1,05/01/2024,1.0\n2,06/02/2024,2.0\n")
    with pytest.raises(DataError, match="dayfirst=True") as err:
        book.load(path)
    assert "parameters cell: dayfirst = True" in str(err.value)
    assert book.load(path, dayfirst=False).transactions["date"].dt.month.tolist() == [5, 6]


@pytest.mark.parametrize("columns, words", [
    ({"cust": "customer_id", "day": "date"}, "did you mean {'customer_id': 'cust', 'date': 'day'}"),
    ({"customer": "cust"}, "unknown key(s) ['customer']"),
    ("cust,day", "needs 3 of them"),
    ({"date": 3}, "the name for 'date' must be a column name"),
    (42, "must be a mapping"),
])
def test_bad_columns_parameter(own_csv, columns, words):
    with pytest.raises(ParameterError) as err:
        book.load(own_csv, columns=columns)
    assert "parameter 'columns'" in str(err.value) and words in str(err.value)


def test_mapping_for_builtin_data_warns_that_it_is_ignored():
    with pytest.warns(UserWarning, match="columns, dayfirst apply to your own CSV"):
        d = book.load("cdnow", columns="a,b,c", dayfirst=True)
    assert d.name == "cdnow"


def test_chapter_needs_are_checked_before_loading(own_csv):
    with pytest.raises(ParameterError) as err:
        book.load("cdnow", needs="survey")
    assert str(err.value).startswith("this chapter needs a survey; data='cdnow' has none")
    assert "data='simulated'" in str(err.value) and "survey CSV" in str(err.value)
    with pytest.raises(ParameterError, match=r"data='orders.csv' \(read as a transactions table\) "
                                             r"has none.*table='survey'"):
        book.load(own_csv, columns="cust,order_date,revenue", dayfirst=True, needs=["survey"])
    with pytest.raises(ParameterError, match="'needs' must be one of"):
        book.load("cdnow", needs="surveys")
    assert book.load("cdnow", needs="transactions").transactions is not None


def test_missing_data_file_names_the_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=f"does not exist \\(looked for {tmp_path}/nope.csv"):
        book.load("nope.csv")


def test_other_table_csv_empty_and_mapped(tmp_path):
    empty = tmp_path / "survey.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="the file is empty"):
        book.load(empty, table="survey")
    empty.write_text("rec,q1\n")
    with pytest.raises(DataError, match="empty apart from its header"):
        book.load(empty, table="survey")
    empty.write_text("rec;q1\n1;5\n")  # a semicolon export is read by its header
    d = book.load(empty, table="survey", columns={"recommend": "rec"})
    assert list(d.survey.columns) == ["recommend", "q1"] and d.survey["recommend"].iloc[0] == 1


def _span(weeks, simulated):
    dates = pd.to_datetime(["2024-01-01", "2024-01-01"]) + pd.to_timedelta([0, 7 * weeks], "D")
    tx = pd.DataFrame({"customer_id": [1, 2], "date": dates, "amount": 1.0})
    return book.BookData(name="x", transactions=tx, truth=object() if simulated else None)


def test_calibration_weeks_default_adapts_to_the_data():
    assert book.calibration_weeks(book.load("cdnow")) == 39   # Fader, Hardie & Lee's split
    assert book.calibration_weeks(_span(156, simulated=True)) == 104
    assert book.calibration_weeks(_span(30, simulated=False)) == 15
    assert book.calibration_weeks(_span(30, simulated=False), 20) == 20
    with pytest.raises(ParameterError, match=r"'calibration_weeks' must be <= 26.*spans 30 weeks"):
        book.calibration_weeks(_span(30, simulated=False), 104)
    with pytest.raises(ParameterError, match="'calibration_weeks' must be int"):
        book.calibration_weeks(_span(30, simulated=False), 20.5)
    with pytest.raises(ParameterError, match="calibration_weeks"):
        book.calibration_weeks(_span(6, simulated=False))


def test_builtin_data_without_mapping_is_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book.load("cdnow")
