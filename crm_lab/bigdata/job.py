"""The customer summary or RFM table as a Spark batch job: ``spark-submit`` this file.

Usage (local, two cores)::

    spark-submit --master local[2] crm_lab/bigdata/job.py LOG_DIR OUT_DIR \\
        [--table summary|rfm] [--freq W] [--observation-end 2024-12-31] [--as-of DATE]

It reads the Parquet log at ``LOG_DIR`` (as written by
:func:`crm_lab.bigdata.write_transaction_log`, or any Parquet with ``customer_id``, ``date``,
``amount``), runs the SQL of :func:`crm_lab.bigdata.summary_sql` (or :func:`rfm_sql`) and
writes one row per customer to ``OUT_DIR`` as Parquet (overwriting it). Read the result with
DuckDB (``read_parquet('OUT_DIR/*.parquet')``) and fit the models of chapter 4 on it.

On a cluster (standalone, YARN, Kubernetes, or a managed service such as Databricks, EMR,
Dataproc or Alibaba Cloud EMR), with the log on object storage::

    # once: the package for the driver (the SQL needs nothing on the executors)
    python -m zipfile -c crm_lab.zip crm_lab/
    spark-submit --master spark://HOST:7077 \\        # or: --master yarn / k8s://...
        --deploy-mode client --py-files crm_lab.zip \\
        --conf spark.sql.session.timeZone=UTC \\
        --conf spark.sql.shuffle.partitions=400 \\    # about 2-3 x the cluster's cores
        --packages org.apache.hadoop:hadoop-aws:3.4.1 \\  # s3a://; managed services ship it
        crm_lab/bigdata/job.py s3a://bucket/crm/transactions s3a://bucket/crm/summary --freq W

Credentials for the bucket come from the cluster (instance roles, ``spark.hadoop.fs.s3a.*``
settings), never from the job's arguments. Partition the log by ``year``/``month`` (as
``write_transaction_log`` does) so a study window reads only its months, and size files at
about 128 MB to 1 GB. Nothing in this job calls Python per row, so it runs at the JVM's speed
and the driver only plans the query.

Examples
--------
>>> main(["--help"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "run_job"]


def run_job(spark, source: str, output: str, *, table: str = "summary", freq: str = "W",
            observation_end=None, as_of=None, freq_multiplier: float = 1) -> dict:
    """Compute the summary (``table="summary"``) or RFM table of ``source`` and write it to
    ``output`` as Parquet, on the session ``spark``.

    Returns
    -------
    dict
        ``table``, ``output``, ``n_customers`` and the end date used (``observation_end`` or
        ``as_of``).

    Examples
    --------
    >>> run_job(spark, "log", "summary", freq="W")  # doctest: +SKIP
    {'table': 'summary', 'output': 'summary', 'n_customers': 13905, ...}
    """
    from crm_lab.bigdata.engines import (
        FREQS,
        _check_source,
        _engine,
        _prepare_rfm,
        _prepare_summary,
    )
    from crm_lab.validate import check_param

    check_param("table", table, allowed=["summary", "rfm"])
    if "://" not in str(source):
        _check_source(source, "spark")
    eng = _engine(source, "spark", spark, None, None, None)
    if table == "summary":
        check_param("freq", freq, allowed=list(FREQS))
        sql, end = _prepare_summary(eng, freq, observation_end, freq_multiplier, stacklevel=3)
    else:
        sql, end = _prepare_rfm(eng, as_of, stacklevel=3)
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    result = eng.frame(sql)
    result.write.mode("overwrite").parquet(output)
    n = spark.read.parquet(output).count()
    return {"table": table, "output": output, "n_customers": int(n),
            ("observation_end" if table == "summary" else "as_of"): str(end)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", help="Parquet log (directory, file or glob; s3a:// etc. allowed)")
    ap.add_argument("output", help="Parquet directory to write (overwritten)")
    ap.add_argument("--table", choices=["summary", "rfm"], default="summary")
    ap.add_argument("--freq", default="W", help="D, W or M (summary only)")
    ap.add_argument("--freq-multiplier", type=float, default=1.0)
    ap.add_argument("--observation-end", default=None, help="summary: last day of the study")
    ap.add_argument("--as-of", default=None, help="rfm: the 'today' of the analysis")
    args = ap.parse_args(argv)

    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.appName("crm_lab customer summary")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        info = run_job(spark, args.source, args.output, table=args.table, freq=args.freq,
                       observation_end=args.observation_end, as_of=args.as_of,
                       freq_multiplier=args.freq_multiplier)
    finally:
        spark.stop()
    print(" ".join(f"{k}={v}" for k, v in info.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
