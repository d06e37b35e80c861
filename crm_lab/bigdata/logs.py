"""Transaction logs too big for memory, written to partitioned Parquet chunk by chunk.

:func:`write_transaction_log` simulates the company's transaction log (columns
``transaction_id``, ``customer_id``, ``date``, ``amount``, ``channel``, as in
:func:`crm_lab.simulate.simulate_company`) for any number of rows, one block of customers at
a time, and appends each block to a Hive-partitioned Parquet directory
(``year=2024/month=3/part-00007-0.parquet``) through DuckDB's ``COPY ... PARTITION_BY``. Only
one block is ever in memory, so the peak memory depends on ``chunk_rows``, not on the size of
the log.

The customers follow the BG/NBD and Gamma-Gamma stories, so the models of chapter 4 have a
known truth to find at any scale:

* each customer is "born" (first purchase) on a day drawn uniformly from the first half of
  the window;
* while alive she buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)`` per day;
* after each repeat purchase she leaves for good with probability ``p ~ Beta(a, b)``;
* each purchase spends ``z ~ Gamma(p_gg, nu)`` with ``nu ~ Gamma(q, gamma)`` per customer
  (Fader, Hardie & Lee 2005b), rounded to cents;
* the channel of a purchase is "app" with a probability growing linearly over the window
  (the shift to mobile of chapter 9), otherwise "online" or "store".

Block ``c`` draws from ``numpy.random.default_rng([seed, c])``: the log is the same on any
machine and whatever else ran before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["TRUTH", "LogInfo", "write_transaction_log", "simulate_block", "parquet_glob",
           "to_parquet"]

#: Default parameters of the simulated customers (rates per day).
TRUTH = {"r": 0.6, "alpha": 20.0, "a": 0.8, "b": 4.0, "p_gg": 6.0, "q": 3.8, "gamma": 15.0}
_CHANNELS = np.array(["online", "store", "app"])
_META = "_log.json"


@dataclass
class LogInfo:
    """What :func:`write_transaction_log` wrote.

    Attributes
    ----------
    path : str
        The Parquet directory (read it with ``parquet_glob(path)`` in DuckDB or
        ``spark.read.parquet(path)`` in Spark).
    n_transactions, n_customers, n_files : int
        Rows, distinct customers and Parquet files written.
    start, end : pandas.Timestamp
        First and last day of the window.
    truth : dict
        The parameters the customers were drawn from (rates per day).
    seed, chunk_rows : int
        As passed.
    """

    path: str
    n_transactions: int
    n_customers: int
    n_files: int
    start: pd.Timestamp
    end: pd.Timestamp
    truth: dict = field(default_factory=dict)
    seed: int = 0
    chunk_rows: int = 0

    def summary(self) -> pd.Series:
        """The log in one column (sizes, window, truth)."""
        return pd.Series({"n_transactions": self.n_transactions, "n_customers": self.n_customers,
                          "n_files": self.n_files, "start": self.start.date(),
                          "end": self.end.date(), **self.truth}, name="log")


def parquet_glob(path: str) -> str:
    """The glob DuckDB reads for a Parquet source: a directory becomes ``dir/**/*.parquet``.

    Examples
    --------
    >>> parquet_glob("log.parquet")
    'log.parquet'
    """
    path = os.fspath(path)
    return os.path.join(path, "**", "*.parquet") if os.path.isdir(path) else path


def to_parquet(frame: pd.DataFrame, path) -> str:
    """Write a DataFrame to one Parquet file with DuckDB (no pyarrow needed); returns the path.

    Timestamps are stored to the microsecond (Spark reads those; nanoseconds it does not).

    Examples
    --------
    >>> import tempfile, duckdb
    >>> f = to_parquet(pd.DataFrame({"a": [1, 2]}), tempfile.mkdtemp() + "/a.parquet")
    >>> duckdb.sql(f"SELECT sum(a) FROM '{f}'").fetchall()
    [(3,)]
    """
    import duckdb

    path = os.fspath(path)
    frame = frame.copy()
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].astype("datetime64[us]")
        elif pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].astype(object)
    con = duckdb.connect()
    try:
        con.register("frame_", frame)
        con.sql(f"COPY frame_ TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def simulate_block(n_customers: int, rng: np.random.Generator, n_days: int,
                   truth: Mapping[str, float]) -> pd.DataFrame:
    """One block of customers' complete histories (columns ``customer``, ``day``, ``amount``,
    ``channel``), grouped by customer and in date order within each customer.

    ``customer`` numbers customers 0..n_customers-1 within the block and ``day`` counts days
    from the start of the window. Vectorised: the first ``x`` of ``m`` uniform order
    statistics are ``S_j / S_(m+1)`` for exponential partial sums ``S``, so only the purchases
    actually made are drawn.

    Examples
    --------
    >>> b = simulate_block(100, np.random.default_rng(0), 365, TRUTH)
    >>> bool(b.groupby("customer")["day"].is_monotonic_increasing.all())
    True
    """
    t = truth
    lam = rng.gamma(t["r"], 1.0 / t["alpha"], n_customers)
    p = rng.beta(t["a"], t["b"], n_customers)
    birth = rng.integers(0, max(n_days // 2, 1), n_customers)
    tau = (n_days - birth).astype(float)
    m = rng.poisson(lam * tau)
    k = rng.geometric(p)
    x = np.minimum(m, k)
    rest = rng.standard_gamma(m - x + 1.0)              # S_(m+1) - S_x
    owner = np.repeat(np.arange(n_customers), x)
    steps = np.cumsum(rng.standard_exponential(int(x.sum())))
    ends = np.cumsum(x)
    base = np.concatenate([[0.0], steps])[ends - x]    # S before each customer's first gap
    partial = steps - base[owner]
    total = np.zeros(n_customers)
    has = x > 0
    total[has] = partial[ends[has] - 1]
    total += rest
    repeat_day = np.floor(birth[owner] + tau[owner] * partial / total[owner]).astype(np.int64)
    repeat_day = np.minimum(repeat_day, n_days - 1)
    # one row for the first purchase, then the repeats, customer by customer
    customer = np.repeat(np.arange(n_customers), x + 1)
    first_row = np.cumsum(x + 1) - (x + 1)
    day = np.empty(len(customer), dtype=np.int64)
    is_first = np.zeros(len(customer), dtype=bool)
    is_first[first_row] = True
    day[is_first] = birth
    day[~is_first] = repeat_day
    nu = rng.gamma(t["q"], 1.0 / t["gamma"], n_customers)
    amount = np.maximum(np.round(rng.gamma(t["p_gg"], 1.0 / nu[customer]), 2), 0.01)
    u = rng.random(len(customer))
    app_share = 0.1 + 0.3 * day / max(n_days - 1, 1)
    channel = np.where(u < app_share, 2, np.where(u < app_share + (1 - app_share) * 0.55, 0, 1))
    return pd.DataFrame({"customer": customer, "day": day, "amount": amount,
                         "channel": _CHANNELS[channel]})


def _rows_per_customer(n_days: int, truth: Mapping[str, float], seed: int) -> float:
    pilot = simulate_block(20_000, np.random.default_rng([seed, 2**31]), n_days, truth)
    return len(pilot) / 20_000


def write_transaction_log(
    path,
    n_transactions: int,
    *,
    seed: int = 0,
    start="2023-01-01",
    n_days: int = 730,
    chunk_rows: int = 1_000_000,
    truth: Mapping[str, float] | None = None,
    partition_by: tuple[str, ...] = ("year", "month"),
    threads: int = 1,
) -> LogInfo:
    """Write a simulated transaction log of ``n_transactions`` rows to partitioned Parquet.

    Parameters
    ----------
    path : str or path-like
        Directory to create (must not exist yet, or be empty).
    n_transactions : int
        Number of rows (>= 1). The last customer's history is cut to hit it exactly.
    seed : int, default 0
        Block ``c`` draws from ``numpy.random.default_rng([seed, c])``.
    start : date-like, default "2023-01-01"
        First day of the window.
    n_days : int, default 730
        Length of the window in days; customers are born in its first half.
    chunk_rows : int, default 1,000,000
        About how many rows each block holds (the memory bound: roughly 100 bytes a row).
    truth : mapping, optional
        Overrides of :data:`TRUTH` (``r``, ``alpha``, ``a``, ``b``, ``p_gg``, ``q``, ``gamma``).
    partition_by : tuple of str, default ("year", "month")
        Hive partition columns, from ``"year"``, ``"month"``; ``()`` writes one file a block.
    threads : int, default 1
        DuckDB threads used to write.

    Returns
    -------
    LogInfo
        Sizes, window and truth; also saved beside the data as ``_log.json`` (Spark and
        DuckDB globs skip files starting with ``_``).

    Examples
    --------
    >>> import tempfile, duckdb
    >>> info = write_transaction_log(tempfile.mkdtemp() + "/log", 5_000, seed=1)
    >>> info.n_transactions
    5000
    >>> duckdb.sql(f"SELECT count(*) FROM read_parquet('{parquet_glob(info.path)}')").fetchall()
    [(5000,)]
    """
    import duckdb

    check_param("n_transactions", n_transactions, kind=int, low=1)
    check_param("chunk_rows", chunk_rows, kind=int, low=1_000)
    check_param("n_days", n_days, kind=int, low=2)
    check_param("seed", seed, kind=int)
    bad = [c for c in partition_by if c not in ("year", "month")]
    if bad:
        raise ParameterError(f"parameter 'partition_by' may hold 'year' and 'month' only, got "
                             f"{bad!r}.")
    truth = {**TRUTH, **(truth or {})}
    path = os.fspath(path)
    if os.path.exists(path) and os.listdir(path):
        raise ParameterError(f"parameter 'path' ({path}) is a directory that is not empty; "
                             "give a new directory.")
    os.makedirs(path, exist_ok=True)
    start = pd.Timestamp(start).normalize()
    per_customer = _rows_per_customer(n_days, truth, seed)
    block = max(int(chunk_rows / per_customer), 1)
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": False})
    written = customers = chunk = 0
    start_day = np.datetime64(start.date(), "D")
    try:
        while written < n_transactions:
            b = simulate_block(block, np.random.default_rng([seed, chunk]), n_days, truth)
            if written + len(b) > n_transactions:
                b = b.iloc[: n_transactions - written]
            b = b.sort_values("day", kind="stable").reset_index(drop=True)
            ids = customers + b["customer"].to_numpy() + 1
            chunk_df = pd.DataFrame({
                "transaction_id": np.arange(written + 1, written + len(b) + 1, dtype=np.int64),
                "customer_id": ids.astype(np.int64),
                "date": (start_day + b["day"].to_numpy()).astype("datetime64[us]"),
                "amount": b["amount"].to_numpy(),
                "channel": b["channel"].to_numpy(dtype=object),
            })
            _copy(con, chunk_df, path, chunk, partition_by)
            written += len(b)
            customers += int(b["customer"].max()) + 1
            chunk += 1
            del b, chunk_df
    finally:
        con.close()
    n_files = sum(f.endswith(".parquet") for _, _, files in os.walk(path) for f in files)
    info = LogInfo(path=path, n_transactions=written, n_customers=customers, n_files=n_files,
                   start=start, end=start + pd.Timedelta(days=n_days - 1), truth=truth,
                   seed=seed, chunk_rows=chunk_rows)
    with open(os.path.join(path, _META), "w") as fh:
        json.dump({**info.__dict__, "start": str(start.date()), "end": str(info.end.date()),
                   "path": None}, fh, indent=1)
    return info


def _copy(con, frame: pd.DataFrame, path: str, chunk: int, partition_by) -> None:
    con.register("chunk_df", frame)
    cols = "transaction_id, customer_id, date, amount, channel"
    if partition_by:
        parts = {"year": "year(date) AS year", "month": "month(date) AS month"}
        extra = ", ".join(parts[c] for c in partition_by)
        con.sql(f"COPY (SELECT {cols}, {extra} FROM chunk_df) TO '{path}' (FORMAT parquet, "
                f"PARTITION_BY ({', '.join(partition_by)}), "
                f"FILENAME_PATTERN 'part-{chunk:05d}-{{i}}', OVERWRITE_OR_IGNORE)")
    else:
        con.sql(f"COPY (SELECT {cols} FROM chunk_df) TO "
                f"'{os.path.join(path, f'part-{chunk:05d}.parquet')}' (FORMAT parquet)")
    con.unregister("chunk_df")
