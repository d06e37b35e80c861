"""Big data and mobile CRM (大数据与移动互联, chapter 9): the chapters' analyses at 10^8 rows.

* :mod:`crm_lab.bigdata.logs`: a simulated transaction log written to partitioned Parquet in
  chunks, in memory bounded by the chunk, not the log (:func:`write_transaction_log`);
* :mod:`crm_lab.bigdata.engines`: the heavy step (transactions -> one row per customer) on
  pandas, DuckDB out of core or Spark, identical results
  (:func:`customer_summary_at_scale`, :func:`rfm_table_at_scale`);
* :mod:`crm_lab.bigdata.job`: the same step as a ``spark-submit`` job (its docstring has the
  recipe for a standalone or managed cluster with the log on object storage);
* :mod:`crm_lab.bigdata.mobile`: an app event stream for the same customers, and
  sessionisation, DAU / MAU / stickiness and funnels in SQL for DuckDB and Spark.

The light step (BG/NBD, Gamma-Gamma, segmentation) then runs in memory on the small result,
with the chapters' own functions.
"""

from crm_lab.bigdata.engines import (
    BACKENDS,
    customer_summary_at_scale,
    rfm_sql,
    rfm_table_at_scale,
    spark_session,
    summary_sql,
)
from crm_lab.bigdata.logs import TRUTH, LogInfo, parquet_glob, to_parquet, write_transaction_log

__all__ = ["BACKENDS", "TRUTH", "LogInfo", "customer_summary_at_scale", "parquet_glob",
           "rfm_sql", "rfm_table_at_scale", "spark_session", "summary_sql", "to_parquet",
           "write_transaction_log"]
