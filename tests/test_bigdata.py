"""Chapter 9 at scale: the chunked Parquet log and the heavy step on pandas, DuckDB and Spark.

The pandas backend *is* the chapters' code (crm_lab.clv.customer_summary and
crm_lab.segmentation.rfm_table on the log read into memory), so the other backends are held to
it exactly: same customers, same integers, money to 1e-9.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest

from crm_lab.bigdata import (
    TRUTH,
    customer_summary_at_scale,
    mobile,
    parquet_glob,
    rfm_table_at_scale,
    write_transaction_log,
)
from crm_lab.bigdata.job import run_job
from crm_lab.clv import BetaGeo
from crm_lab.summary import ExclusionWarning
from crm_lab.validate import DataError, ParameterError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_ROWS = 100_000
INTS = {"summary": ["frequency", "recency", "T"],
        "rfm": ["recency_days", "frequency", "first_purchase", "last_purchase"]}
MONEY = {"summary": ["monetary_value"], "rfm": ["monetary", "avg_order_value"]}


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    return write_transaction_log(tmp_path_factory.mktemp("bigdata") / "log", N_ROWS, seed=11,
                                 chunk_rows=30_000)


def read(path) -> pd.DataFrame:
    return duckdb.sql(f"SELECT * FROM read_parquet('{parquet_glob(path)}')").df()


def assert_same(a: pd.DataFrame, b: pd.DataFrame, kind: str) -> None:
    """Same customers and integers exactly; money to 1e-9 (sums taken in another order)."""
    assert a.index.equals(b.index)
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a[INTS[kind]], b[INTS[kind]])
    for col in MONEY[kind]:
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy(), rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------ the writer


def test_log_has_the_rows_the_schema_and_the_partitions(log):
    tx = read(log.path)
    assert len(tx) == log.n_transactions == N_ROWS
    assert tx["customer_id"].nunique() == log.n_customers
    assert tx["transaction_id"].is_unique
    assert {"transaction_id", "customer_id", "date", "amount", "channel"} <= set(tx.columns)
    assert (tx["amount"] > 0).all() and set(tx["channel"]) == {"online", "store", "app"}
    assert tx["date"].min() >= log.start and tx["date"].max() <= log.end
    months = {d for d in os.listdir(os.path.join(log.path, "year=2023"))}
    assert len(months) == 12 and log.n_files > 12
    assert os.path.exists(os.path.join(log.path, "_log.json"))


def test_log_is_deterministic(log, tmp_path):
    again = write_transaction_log(tmp_path / "again", N_ROWS, seed=11, chunk_rows=30_000)
    cols = ["transaction_id", "customer_id", "date", "amount", "channel"]
    a = read(log.path)[cols].sort_values("transaction_id", ignore_index=True)
    b = read(again.path)[cols].sort_values("transaction_id", ignore_index=True)
    pd.testing.assert_frame_equal(a, b)
    other = write_transaction_log(tmp_path / "other", 2_000, seed=12)
    assert not read(other.path)["amount"].head(50).equals(a["amount"].head(50))


def test_app_channel_grows_over_the_window(log):
    tx = read(log.path)
    share = tx.assign(app=tx["channel"] == "app").groupby(tx["date"].dt.year)["app"].mean()
    assert share.loc[2024] > share.loc[2023] + 0.05


def test_bgnbd_recovers_the_simulated_truth(log):
    # The writer draws lambda ~ Gamma(r, alpha) per day and p ~ Beta(a, b): a daily summary
    # must give those back. Tolerance: 15% (about 14,000 customers; days discretise time).
    s = customer_summary_at_scale(log.path, "duckdb", freq="D", threads=1)
    fit = BetaGeo().fit(s)
    for name in ("r", "alpha", "a", "b"):
        assert fit.params_[name] == pytest.approx(TRUTH[name], rel=0.15), name


def test_writer_refuses_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match="n_transactions"):
        write_transaction_log(tmp_path / "x", 0)
    with pytest.raises(ParameterError, match="partition_by"):
        write_transaction_log(tmp_path / "x", 100, partition_by=("day",))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f.txt").write_text("x")
    with pytest.raises(ParameterError, match="not empty"):
        write_transaction_log(tmp_path / "full", 100)


def test_unpartitioned_log_is_one_file_per_chunk(tmp_path):
    info = write_transaction_log(tmp_path / "flat", 5_000, seed=1, chunk_rows=2_000,
                                 partition_by=())
    assert info.n_files == len([f for f in os.listdir(info.path) if f.endswith(".parquet")]) >= 2
    assert len(read(info.path)) == 5_000


# ------------------------------------------------------------------------- pandas vs DuckDB


@pytest.mark.parametrize("freq,end,unit", [("W", None, 1), ("D", None, 7),
                                           ("M", "2024-06-30", 1), ("W", "2024-03-15", 1)])
def test_duckdb_summary_equals_pandas(log, freq, end, unit):
    with warnings.catch_warnings(record=True) as wp:
        warnings.simplefilter("always")
        a = customer_summary_at_scale(log.path, "pandas", freq=freq, observation_end=end,
                                      freq_multiplier=unit)
    with warnings.catch_warnings(record=True) as wd:
        warnings.simplefilter("always")
        b = customer_summary_at_scale(log.path, "duckdb", freq=freq, observation_end=end,
                                      freq_multiplier=unit, threads=2, memory_limit="256MB")
    assert_same(a, b, "summary")
    assert [str(w.message) for w in wp] == [str(w.message) for w in wd]
    assert all(issubclass(w.category, ExclusionWarning) for w in wd) and (end is None) == (
        not wd)
    assert b.attrs["observation_end"] == a.attrs["observation_end"]
    assert "GROUP BY" in b.attrs["sql"]


@pytest.mark.parametrize("as_of", [None, "2024-01-31"])
def test_duckdb_rfm_equals_pandas(log, as_of):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        a = rfm_table_at_scale(log.path, "pandas", as_of=as_of)
        b = rfm_table_at_scale(log.path, "duckdb", as_of=as_of, threads=1)
    assert_same(a, b, "rfm")
    assert a.attrs["as_of"] == b.attrs["as_of"]


def test_duckdb_spills_under_a_small_memory_limit(log, tmp_path):
    b = customer_summary_at_scale(log.path, "duckdb", freq="D", threads=1, memory_limit="64MB",
                                  temp_directory=tmp_path / "spill")
    assert len(b) == log.n_customers


def test_bgnbd_on_duckdb_summary_equals_the_pandas_fit(log):
    a = customer_summary_at_scale(log.path, "pandas", freq="W")
    b = customer_summary_at_scale(log.path, "duckdb", freq="W")
    fa, fb = BetaGeo().fit(a), BetaGeo().fit(b)
    np.testing.assert_allclose(fb.params_.to_numpy(), fa.params_.to_numpy(), rtol=1e-8)
    assert fb.log_likelihood_ == pytest.approx(fa.log_likelihood_, rel=1e-10)


def test_bad_sources_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="backend"):
        customer_summary_at_scale(tmp_path, backend="polars")
    with pytest.raises(ParameterError, match="does not exist"):
        customer_summary_at_scale(tmp_path / "nothing")
    con = duckdb.connect()
    bad = pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime(["2024-01-01"] * 2),
                        "amount": [1.0, -2.0]})
    con.register("bad", bad)
    con.sql(f"COPY bad TO '{tmp_path / 'neg.parquet'}' (FORMAT parquet)")
    with pytest.raises(DataError, match="'amount' has 1 negative"):
        customer_summary_at_scale(tmp_path / "neg.parquet")
    con.sql(f"COPY (SELECT customer_id, date AS day, amount FROM bad) TO "
            f"'{tmp_path / 'cols.parquet'}' (FORMAT parquet)")
    with pytest.raises(DataError, match=r"no column\(s\) \['date'\]"):
        rfm_table_at_scale(tmp_path / "cols.parquet")
    con.sql(f"COPY (SELECT customer_id, date, CASE WHEN amount < 0 THEN NULL ELSE amount END "
            f"AS amount FROM bad) TO '{tmp_path / 'nan.parquet'}' (FORMAT parquet)")
    with pytest.raises(DataError, match="'amount' has 1 missing"):
        rfm_table_at_scale(tmp_path / "nan.parquet")
    with pytest.raises(ParameterError, match="freq"):
        customer_summary_at_scale(tmp_path / "nan.parquet", freq="Q")
    with pytest.raises(ParameterError, match="observation_end"):
        customer_summary_at_scale(tmp_path / "neg.parquet", observation_end="not a date")


# ------------------------------------------------------------------------------ mobile CRM


@pytest.fixture(scope="module")
def app(tmp_path_factory, log):
    return mobile.write_app_events(tmp_path_factory.mktemp("app") / "app", 2_000, seed=5,
                                   chunk_customers=700)


def test_sessionisation_finds_the_simulated_sessions(app):
    s = mobile.sessions(app["path"], threads=1)
    assert len(s) == app["n_sessions"]
    assert (s.groupby("customer_id")["session_no"].max()
            == s.groupby("customer_id").size()).all()
    assert (s["session_end"] - s["session_start"]).max() < pd.Timedelta(minutes=15)
    # a gap rule longer than the gap between two slots merges sessions
    assert len(mobile.sessions(app["path"], gap_minutes=24 * 60, threads=1)) < len(s)


def test_funnel_recovers_the_step_probabilities(app):
    f = mobile.funnel(app["path"], threads=1)
    assert f.loc["app_open", "sessions"] == app["n_sessions"]
    # binomial shares over >10,000 sessions: within 0.02 of the simulated probabilities
    for step in ("view_product", "view_cart", "purchase"):
        assert f.loc[step, "step_conversion"] == pytest.approx(app[step], abs=0.02), step
    push = mobile.sessions(app["path"], threads=1)["from_push"].mean()
    assert push == pytest.approx(app["push"], abs=0.02)


def test_engagement_matches_pandas(app):
    e = mobile.engagement(app["path"], threads=1)
    ev = read(app["path"])
    days = ev.assign(day=ev["ts"].dt.normalize())[["day", "customer_id"]].drop_duplicates()
    ym = days["day"].dt.year * 100 + days["day"].dt.month
    mau = days.groupby(ym)["customer_id"].nunique()
    dau = days.groupby("day").size()
    mean_dau = dau.groupby(dau.index.year * 100 + dau.index.month).mean()
    assert (e["mau"] == mau).all()
    np.testing.assert_allclose(e["mean_dau"], mean_dau.to_numpy(), rtol=1e-12)
    assert ((e["stickiness"] > 0) & (e["stickiness"] <= 1)).all()


def test_app_analytics_refuse_pandas(app):
    with pytest.raises(ParameterError, match="'duckdb' or 'spark'"):
        mobile.funnel(app["path"], backend="pandas")


# ------------------------------------------------------------------------------------ Spark

try:
    import pyspark  # noqa: F401
    _NO_SPARK = "" if shutil.which("java") else "Spark needs Java 17+ on the PATH"
except ImportError:
    _NO_SPARK = "pyspark is not installed (pip install pyspark)"
needs_java = pytest.mark.skipif(bool(_NO_SPARK), reason=_NO_SPARK)


@pytest.fixture(scope="module")
def spark():
    from crm_lab.bigdata import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@needs_java
@pytest.mark.slow
def test_three_backends_agree_exactly(log, spark):
    end = "2024-09-30"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExclusionWarning)
        a = customer_summary_at_scale(log.path, "pandas", freq="W", observation_end=end)
        b = customer_summary_at_scale(log.path, "duckdb", freq="W", observation_end=end)
        c = customer_summary_at_scale(log.path, "spark", freq="W", observation_end=end,
                                      spark=spark)
    assert_same(a, b, "summary")
    assert_same(a, c, "summary")
    ra = rfm_table_at_scale(log.path, "pandas")
    rc = rfm_table_at_scale(log.path, "spark", spark=spark)
    assert_same(ra, rc, "rfm")


@needs_java
@pytest.mark.slow
def test_app_analytics_are_the_same_on_spark(app, spark):
    a = mobile.sessions(app["path"], threads=1)
    b = mobile.sessions(app["path"], "spark", spark=spark)
    pd.testing.assert_frame_equal(a.drop(columns="revenue"), b.drop(columns="revenue"))
    np.testing.assert_allclose(b["revenue"], a["revenue"], rtol=1e-12, atol=1e-9)
    pd.testing.assert_frame_equal(mobile.engagement(app["path"], threads=1),
                                  mobile.engagement(app["path"], "spark", spark=spark),
                                  check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(mobile.funnel(app["path"], threads=1),
                                  mobile.funnel(app["path"], "spark", spark=spark))


@needs_java
@pytest.mark.slow
def test_spark_job_in_process_writes_the_summary(log, spark, tmp_path):
    out = str(tmp_path / "summary")
    info = run_job(spark, log.path, out, freq="D", freq_multiplier=7)
    assert info["n_customers"] == log.n_customers
    job = read(out).set_index("customer_id").sort_index()
    ref = customer_summary_at_scale(log.path, "pandas", freq="D", freq_multiplier=7)
    assert_same(ref, job, "summary")


@needs_java
@pytest.mark.slow
def test_spark_submit_job(log, tmp_path):
    submit = os.path.join(os.path.dirname(sys.executable), "spark-submit")
    if not os.path.exists(submit):
        pytest.skip("spark-submit is not beside this Python (pip install pyspark)")
    out = str(tmp_path / "rfm")
    env = {**os.environ, "PYTHONPATH": ROOT, "PYSPARK_PYTHON": sys.executable,
           "PYSPARK_DRIVER_PYTHON": sys.executable}
    proc = subprocess.run(
        [submit, "--master", "local[2]", "--conf", "spark.ui.enabled=false",
         "--conf", "spark.sql.shuffle.partitions=4",
         os.path.join(ROOT, "crm_lab", "bigdata", "job.py"), log.path, out,
         "--table", "rfm", "--as-of", "2024-12-31"],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"n_customers={log.n_customers}" in proc.stdout
    job = read(out).set_index("customer_id").sort_index()
    ref = rfm_table_at_scale(log.path, "pandas", as_of="2024-12-31")
    job = job.astype({c: "datetime64[ns]" for c in ("first_purchase", "last_purchase")})
    assert_same(ref, job, "rfm")
