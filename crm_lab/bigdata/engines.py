"""The heavy step at scale: transactions -> one row per customer, on pandas, DuckDB or Spark.

Chapter 4 computes the customer summary (``frequency``, ``recency``, ``T``,
``monetary_value``) and chapter 2 the RFM table in memory, with
:func:`crm_lab.clv.customer_summary` and :func:`crm_lab.segmentation.rfm_table`. At 10^8
transactions the log no longer fits in a laptop's memory, but the *result* (one row per
customer) still does, and the models fitted on it (BG/NBD, Gamma-Gamma, k-means) are as light
as ever. So only the heavy step moves to an engine that reads Parquet out of core:

``backend="pandas"``
    Reads the whole log into memory and calls the chapter functions (the reference).
``backend="duckdb"``
    One SQL query over ``read_parquet('dir/**/*.parquet')``; DuckDB streams the files and
    spills to ``temp_directory`` beyond ``memory_limit``.
``backend="spark"``
    The *same* SQL in Spark SQL (only the day-number function differs), on a local or a
    cluster :class:`pyspark.sql.SparkSession`. Pure SQL means no Python user functions, so
    executors need no Python packages of ours.

All three give the same customers, the same integers and the same money to the last cents
(floating sums in a different order: equal to about 1e-12). The SQL is in
:func:`summary_sql` and :func:`rfm_sql` and in ``result.attrs["sql"]``.

Examples
--------
>>> import tempfile
>>> from crm_lab.bigdata.logs import write_transaction_log
>>> info = write_transaction_log(tempfile.mkdtemp() + "/log", 3_000, seed=2)
>>> a = customer_summary_at_scale(info.path, backend="pandas", freq="W")
>>> b = customer_summary_at_scale(info.path, backend="duckdb", freq="W")
>>> bool(a.index.equals(b.index) and (a["frequency"] == b["frequency"]).all())
True
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings

import numpy as np
import pandas as pd

from crm_lab.bigdata.logs import parquet_glob
from crm_lab.summary import ExclusionWarning, _check_freq, as_timestamp, period_numbers
from crm_lab.validate import DataError, ParameterError, check_param

__all__ = ["customer_summary_at_scale", "rfm_table_at_scale", "summary_sql", "rfm_sql",
           "spark_session", "BACKENDS", "FREQS"]

BACKENDS = ("pandas", "duckdb", "spark")
#: Periods the SQL backends support (pandas supports every alias of crm_lab.summary).
FREQS = ("D", "W", "M")
_COLUMNS = ("customer_id", "date", "amount")
_TABLE = "tx_log"
_DAY = {"duckdb": "datediff('day', DATE '1970-01-01', CAST(date AS DATE))",
        "spark": "unix_date(CAST(date AS DATE))"}


# ----------------------------------------------------------------------------------- the SQL


def _period(freq: str, dialect: str) -> str:
    day = f"CAST({_DAY[dialect]} AS BIGINT)"
    if freq == "D":
        return day
    if freq == "W":  # pandas' W-SUN ordinal, as crm_lab.summary.period_numbers
        return f"(CAST(floor(({day} + 3) / 7.0) AS BIGINT) + 1)"
    return "(CAST(year(date) - 1970 AS BIGINT) * 12 + month(date) - 1)"


def _cut(cutoff: pd.Timestamp) -> str:
    """``date`` on or before ``cutoff``, a midnight cutoff including its whole day (as
    :func:`crm_lab.summary.up_to`)."""
    if cutoff == cutoff.normalize():
        return f"date < TIMESTAMP '{cutoff + pd.Timedelta(days=1)}'"
    return f"date <= TIMESTAMP '{cutoff}'"


def summary_sql(freq: str, observation_end, *, freq_multiplier: float = 1,
                dialect: str = "duckdb", table: str = _TABLE) -> str:
    """The customer summary (lifetimes' definitions, monetary = mean per repeat period) in SQL.

    Purchases are summed per (customer, period) first; the first period's spend is
    ``min_by(spend, period)``, which DuckDB and Spark both know.

    Examples
    --------
    >>> print(summary_sql("W", "2024-12-31", dialect="spark").splitlines()[1])
      FROM tx_log WHERE date < TIMESTAMP '2025-01-01 00:00:00'),
    """
    check_param("dialect", dialect, allowed=list(_DAY))
    check_param("freq", freq, allowed=list(FREQS))
    end = as_timestamp("observation_end", observation_end)
    end_period = int(period_numbers(np.array([end.to_datetime64()]), freq)[0])
    unit = float(freq_multiplier)
    return (
        f"WITH tx AS (SELECT customer_id, {_period(freq, dialect)} AS p, amount\n"
        f"  FROM {table} WHERE {_cut(end)}),\n"
        "per AS (SELECT customer_id, p, SUM(amount) AS spend FROM tx GROUP BY customer_id, p),\n"
        "cust AS (SELECT customer_id, COUNT(*) AS n_periods, MIN(p) AS first_p, MAX(p) AS last_p,\n"
        "  SUM(spend) AS total, min_by(spend, p) AS first_spend FROM per GROUP BY customer_id)\n"
        "SELECT customer_id, n_periods - 1 AS frequency,\n"
        f"  CAST(last_p - first_p AS DOUBLE) / {unit!r} AS recency,\n"
        f"  CAST({end_period} - first_p AS DOUBLE) / {unit!r} AS T,\n"
        "  CASE WHEN n_periods > 1 THEN (total - first_spend) / (n_periods - 1) ELSE 0.0 END\n"
        "    AS monetary_value\n"
        "FROM cust"
    )


def rfm_sql(as_of, *, dialect: str = "duckdb", table: str = _TABLE) -> str:
    """The RFM table of :func:`crm_lab.segmentation.rfm_table` in SQL.

    Examples
    --------
    >>> "COUNT(*) AS frequency" in rfm_sql("2025-01-01")
    True
    """
    check_param("dialect", dialect, allowed=list(_DAY))
    as_of = as_timestamp("as_of", as_of)
    as_of_day = int(period_numbers(np.array([as_of.to_datetime64()]), "D")[0])
    return (
        f"SELECT customer_id, {as_of_day} - MAX({_period('D', dialect)}) AS recency_days,\n"
        "  COUNT(*) AS frequency, SUM(amount) AS monetary,\n"
        "  SUM(amount) / COUNT(*) AS avg_order_value,\n"
        "  MIN(date) AS first_purchase, MAX(date) AS last_purchase\n"
        f"FROM {table} WHERE {_cut(as_of)}\nGROUP BY customer_id"
    )


def _stats_sql(table: str = _TABLE) -> str:
    return (
        "SELECT COUNT(*) AS n_rows,\n"
        "  SUM(CASE WHEN customer_id IS NULL THEN 1 ELSE 0 END) AS null_customer_id,\n"
        "  SUM(CASE WHEN date IS NULL THEN 1 ELSE 0 END) AS null_date,\n"
        "  SUM(CASE WHEN amount IS NULL OR isnan(amount) THEN 1 ELSE 0 END) AS null_amount,\n"
        "  SUM(CASE WHEN amount < 0 THEN 1 ELSE 0 END) AS negative_amount,\n"
        f"  MIN(date) AS first_date, MAX(date) AS last_date\nFROM {table}"
    )


def _excluded_sql(cutoff: pd.Timestamp, table: str = _TABLE) -> str:
    keep = _cut(cutoff)
    return (f"SELECT SUM(CASE WHEN {keep} THEN 0 ELSE 1 END) AS n_out,\n"
            f"  COUNT(DISTINCT customer_id) AS n_all,\n"
            f"  COUNT(DISTINCT CASE WHEN {keep} THEN customer_id END) AS n_kept FROM {table}")


# ------------------------------------------------------------------------------- the engines


class _DuckDB:
    dialect = "duckdb"

    def __init__(self, source, threads, memory_limit, temp_directory, table=_TABLE):
        import duckdb

        config = {"memory_limit": memory_limit, "preserve_insertion_order": False}
        if threads is not None:
            config["threads"] = int(threads)
        if temp_directory is not None:
            config["temp_directory"] = os.fspath(temp_directory)
        self.con = duckdb.connect(config=config)
        self.con.sql("SET enable_progress_bar = false")
        glob = parquet_glob(source).replace("'", "''")
        self.con.sql(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{glob}')")
        self.columns = self.con.sql(f"SELECT * FROM {table} LIMIT 0").columns

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.sql(sql).df()

    query_small = query

    def close(self):
        self.con.close()


class _Spark:
    dialect = "spark"

    def __init__(self, source, spark, table=_TABLE):
        self.spark = spark if spark is not None else spark_session()
        self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        frame = self.spark.read.parquet(os.fspath(source))
        frame.createOrReplaceTempView(table)
        self.columns = frame.columns

    def frame(self, sql: str):
        return self.spark.sql(sql)

    def query(self, sql: str) -> pd.DataFrame:
        """Run ``sql``; the (one row per customer) result comes back through Parquet, which
        scales to millions of customers without pyarrow."""
        self.spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        out = tempfile.mkdtemp(prefix="crm_lab_spark_")
        try:
            self.frame(sql).write.mode("overwrite").parquet(out)
            import duckdb

            con = duckdb.connect()
            try:
                return con.sql(f"SELECT * FROM read_parquet('{out}/*.parquet')").df()
            finally:
                con.close()
        finally:
            shutil.rmtree(out, ignore_errors=True)

    def query_small(self, sql: str) -> pd.DataFrame:
        """Run ``sql`` whose result is a few rows (collected through the driver)."""
        return pd.DataFrame([r.asDict() for r in self.frame(sql).collect()])

    def close(self):
        pass


def spark_session(master: str = "local[2]", *, driver_memory: str = "1g",
                  shuffle_partitions: int = 4, app_name: str = "crm_lab"):
    """A Spark session set up for the book: UTC, no UI, few shuffle partitions, no Arrow.

    On a cluster ``spark-submit`` sets the master; call ``SparkSession.builder.getOrCreate()``
    there instead (see :mod:`crm_lab.bigdata.job`).

    Examples
    --------
    >>> spark = spark_session("local[2]")  # doctest: +SKIP
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("backend='spark' needs pyspark (pip install pyspark) and Java 17+."
                          ) from err
    spark = (SparkSession.builder.master(master).appName(app_name)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.execution.arrow.pyspark.enabled", "false")
             .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _engine(source, backend, spark, threads, memory_limit, temp_directory):
    if backend == "duckdb":
        eng = _DuckDB(source, threads, memory_limit, temp_directory)
    else:
        eng = _Spark(source, spark)
    missing = [c for c in _COLUMNS if c not in eng.columns]
    if missing:
        eng.close()
        raise DataError(f"the Parquet source has no column(s) {missing} (it has "
                        f"{list(eng.columns)}); write it with the transaction schema "
                        "customer_id, date, amount (see write_transaction_log).")
    return eng


def _check_source(source, backend) -> None:
    check_param("backend", backend, allowed=list(BACKENDS))
    try:
        path = os.fspath(source)
    except TypeError:
        raise ParameterError(f"parameter 'source' must be a path to Parquet (a directory, a "
                             f"file or a glob), got {type(source).__name__}.") from None
    if not any(ch in path for ch in "*?[") and not os.path.exists(path):
        raise ParameterError(f"parameter 'source' ({path}) does not exist; write a log with "
                             "write_transaction_log or give an existing Parquet path.")


def _validate(eng) -> pd.Series:
    stats = eng.query_small(_stats_sql()).iloc[0]
    if int(stats["n_rows"]) == 0:
        raise DataError("the Parquet source has no rows; give a non-empty transaction log.")
    for col in ("customer_id", "date", "amount"):
        n = int(stats[f"null_{col}"] or 0)
        if n:
            raise DataError(f"column {col!r} has {n:,} missing value(s); drop or fill them "
                            "before the summary.")
    n = int(stats["negative_amount"] or 0)
    if n:
        raise DataError(f"column 'amount' has {n:,} negative value(s) (returns?); remove them "
                        "or net them against their purchases first.")
    return stats


def _warn_excluded(eng, cutoff: pd.Timestamp, what: str, last, stacklevel: int) -> None:
    """The warning of :func:`crm_lab.summary.exclude_after`, counted by the engine."""
    last = pd.Timestamp(last)
    midnight = cutoff == cutoff.normalize()
    if not (last >= cutoff + pd.Timedelta(days=1) if midnight else last > cutoff):
        return
    row = eng.query_small(_excluded_sql(cutoff)).iloc[0]
    n_out, lost = int(row["n_out"]), int(row["n_all"] - row["n_kept"])
    if int(row["n_kept"]) == 0:
        raise ParameterError(f"parameter {what!r} ({cutoff.date()}) lies before every purchase "
                             "in the log; choose a later date.")
    tail = f"; {lost:,} customer(s) have no purchase left and are dropped" if lost else ""
    warnings.warn(f"{n_out:,} transaction(s) dated after {what}={cutoff.date()} were excluded"
                  f"{tail}.", ExclusionWarning, stacklevel=stacklevel)


def _prepare_summary(eng, freq, observation_end, freq_multiplier, stacklevel=4):
    """Validate the source, resolve the end date, warn about excluded rows; the SQL to run."""
    last = pd.Timestamp(_validate(eng)["last_date"])
    end = last if observation_end is None else as_timestamp("observation_end", observation_end)
    _warn_excluded(eng, end, "observation_end", last, stacklevel)
    return summary_sql(freq, end, freq_multiplier=freq_multiplier, dialect=eng.dialect), end


def _prepare_rfm(eng, as_of, stacklevel=4):
    last = pd.Timestamp(_validate(eng)["last_date"])
    if as_of is None:
        as_of = last.normalize() + pd.Timedelta(days=1)
    else:
        as_of = as_timestamp("as_of", as_of)
    _warn_excluded(eng, as_of, "as_of", last, stacklevel)
    return rfm_sql(as_of, dialect=eng.dialect), as_of


def _read_all(source) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    try:
        glob = parquet_glob(source).replace("'", "''")
        return con.sql(f"SELECT customer_id, date, amount FROM read_parquet('{glob}')").df()
    finally:
        con.close()


def _finish(out: pd.DataFrame, ints, dates=()) -> pd.DataFrame:
    out = out.set_index("customer_id").sort_index()
    for c in ints:
        out[c] = out[c].astype("int64")
    for c in dates:
        out[c] = out[c].astype("datetime64[ns]")
    return out


# ------------------------------------------------------------------------------- public API


def customer_summary_at_scale(
    source,
    backend: str = "duckdb",
    freq: str = "W",
    observation_end=None,
    *,
    freq_multiplier: float = 1,
    threads: int | None = None,
    memory_limit: str = "1GB",
    temp_directory=None,
    spark=None,
) -> pd.DataFrame:
    """Frequency, recency, T and monetary value per customer, from Parquet, on any backend.

    Identical to :func:`crm_lab.clv.customer_summary` (``monetary="mean"``, no calibration
    split) on the same rows: same customers, same integers, money equal to about 1e-12.

    Parameters
    ----------
    source : str or path-like
        A Parquet directory (read recursively, Hive partitions allowed), file or glob with
        columns ``customer_id``, ``date`` and ``amount`` (others are ignored).
    backend : {"duckdb", "pandas", "spark"}, default "duckdb"
        Where the heavy step runs (see the module docstring).
    freq : {"D", "W", "M"}, default "W"
        Period; ``"W"`` weeks run Monday to Sunday, as in :mod:`crm_lab.summary`.
    observation_end : date-like, optional
        Last date of the study (inclusive). Defaults to the last date in the log; later rows
        are excluded with an :class:`~crm_lab.summary.ExclusionWarning` giving their number.
    freq_multiplier : float, default 1
        Divide ``recency`` and ``T`` by this number.
    threads, memory_limit, temp_directory
        DuckDB's settings: worker threads (default: all cores), the memory it may use before
        spilling (``"1GB"``) and where it spills (default: DuckDB's own ``.tmp``).
    spark : pyspark.sql.SparkSession, optional
        The session for ``backend="spark"``; default :func:`spark_session` (``local[2]``).
        The result comes back through a temporary Parquet directory on the driver's disk,
        which suits local mode; on a cluster run :mod:`crm_lab.bigdata.job`, which writes to
        shared storage.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``frequency`` (int64), ``recency``, ``T``,
        ``monetary_value``. ``attrs`` holds ``freq``, ``freq_multiplier``,
        ``observation_end``, ``backend`` and (SQL backends) ``sql``.

    Examples
    --------
    >>> import tempfile
    >>> from crm_lab.bigdata.logs import write_transaction_log
    >>> info = write_transaction_log(tempfile.mkdtemp() + "/log", 2_000, seed=3)
    >>> s = customer_summary_at_scale(info.path, freq="D", threads=1)
    >>> list(s.columns), int(s["frequency"].sum()) > 0
    (['frequency', 'recency', 'T', 'monetary_value'], True)
    """
    _check_source(source, backend)
    _check_freq(freq)
    check_param("freq_multiplier", freq_multiplier, kind=(int, float))
    if not freq_multiplier > 0:
        raise ParameterError(f"parameter 'freq_multiplier' must be > 0, got {freq_multiplier!r}.")
    if observation_end is not None:
        observation_end = as_timestamp("observation_end", observation_end)
    if backend == "pandas":
        from crm_lab.clv import customer_summary

        out = customer_summary(_read_all(source), freq=freq, observation_end=observation_end,
                               freq_multiplier=freq_multiplier)
        out.attrs.update({"backend": backend})
        return out
    if freq not in FREQS:
        raise ParameterError(f"parameter 'freq' must be one of {list(FREQS)} on backend "
                             f"{backend!r}, got {freq!r}; use backend='pandas' for others.")
    eng = _engine(source, backend, spark, threads, memory_limit, temp_directory)
    try:
        sql, end = _prepare_summary(eng, freq, observation_end, freq_multiplier)
        out = _finish(eng.query(sql), ["frequency"])
    finally:
        eng.close()
    out.attrs = {"freq": freq, "freq_multiplier": freq_multiplier, "calibration_end": None,
                 "observation_end": end, "backend": backend, "sql": sql}
    return out


def rfm_table_at_scale(
    source,
    backend: str = "duckdb",
    as_of=None,
    *,
    threads: int | None = None,
    memory_limit: str = "1GB",
    temp_directory=None,
    spark=None,
) -> pd.DataFrame:
    """The RFM table of :func:`crm_lab.segmentation.rfm_table`, from Parquet, on any backend.

    Parameters
    ----------
    source, backend, threads, memory_limit, temp_directory, spark
        As in :func:`customer_summary_at_scale`.
    as_of : date-like, optional
        The "today" of the analysis; default the day after the last transaction. Later rows
        are excluded with an :class:`~crm_lab.summary.ExclusionWarning`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted): ``recency_days``, ``frequency`` (int64),
        ``monetary``, ``avg_order_value``, ``first_purchase``, ``last_purchase``;
        ``attrs["as_of"]`` (and ``attrs["sql"]`` on SQL backends).

    Examples
    --------
    >>> import tempfile
    >>> from crm_lab.bigdata.logs import write_transaction_log
    >>> info = write_transaction_log(tempfile.mkdtemp() + "/log", 2_000, seed=3)
    >>> r = rfm_table_at_scale(info.path, threads=1)
    >>> int(r["frequency"].sum())
    2000
    """
    _check_source(source, backend)
    if as_of is not None:
        as_of = as_timestamp("as_of", as_of)
    if backend == "pandas":
        from crm_lab.segmentation import rfm_table

        out = rfm_table(_read_all(source), as_of=as_of)
        out.attrs.update({"backend": backend})
        return out
    eng = _engine(source, backend, spark, threads, memory_limit, temp_directory)
    try:
        sql, as_of = _prepare_rfm(eng, as_of)
        out = _finish(eng.query(sql), ["recency_days", "frequency"],
                      ["first_purchase", "last_purchase"])
    finally:
        eng.close()
    out.attrs = {"as_of": as_of, "backend": backend, "sql": sql}
    return out
