"""Mobile CRM (移动互联): an app event stream and its analytics in SQL for DuckDB and Spark.

:func:`write_app_events` simulates what the company's app logs for the customers of a
transaction log (ids ``1..n_customers``): sessions, and in each session an ``app_open``
(after a ``push_open`` when the customer came from a push notification), screen views along
the funnel ``view_home -> view_product -> view_cart`` and an in-app ``purchase`` with its
``amount``. Sessions start in distinct two-hour slots and last under 15 minutes, so a
30-minute inactivity rule recovers them exactly; the number written is in the result.

The analytics are SQL that runs unchanged on both engines (only the seconds-since-epoch
function differs), on a Parquet source:

* :func:`sessions` - **sessionisation** with window functions: ``LAG`` gives the time since
  the customer's previous event, a gap over ``gap_minutes`` starts a new session, and a
  running ``SUM`` numbers the sessions;
* :func:`engagement` - **DAU**, **MAU** and **stickiness** (mean DAU / MAU) per month;
* :func:`funnel` - sessions reaching each funnel step, with step and overall conversion.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["write_app_events", "sessions", "engagement", "funnel", "sessions_sql", "FUNNEL",
           "EVENT_TRUTH"]

#: Funnel steps (events) in order.
FUNNEL = ("app_open", "view_home", "view_product", "view_cart", "purchase")
#: Probabilities of the simulated app: push share, and each step given the previous one.
EVENT_TRUTH = {"push": 0.2, "view_product": 0.6, "view_cart": 0.35, "purchase": 0.5,
               "sessions_per_day": 0.05}
_EVENTS = np.array(["push_open", *FUNNEL])
_TABLE = "app_events"
_EPOCH = {"duckdb": "epoch(ts)", "spark": "unix_seconds(CAST(ts AS TIMESTAMP))"}


def write_app_events(path, n_customers: int, *, seed: int = 0, start="2023-01-01",
                     n_days: int = 730, chunk_customers: int = 50_000) -> dict:
    """Write an app event log for customers ``1..n_customers`` to Parquet, a block at a time.

    Columns ``customer_id``, ``ts`` (timestamp to the second), ``event`` (``push_open``,
    ``app_open``, ``view_home``, ``view_product``, ``view_cart``, ``purchase``) and
    ``amount`` (purchases only, else null). One file per block of ``chunk_customers``.

    Returns
    -------
    dict
        ``path``, ``n_events``, ``n_sessions`` (the truth sessionisation must find) and the
        probabilities of :data:`EVENT_TRUTH`.

    Examples
    --------
    >>> import tempfile
    >>> info = write_app_events(tempfile.mkdtemp() + "/app", 200, seed=1)
    >>> info["n_sessions"] > 0 and info["n_events"] > info["n_sessions"]
    True
    """
    import duckdb

    check_param("n_customers", n_customers, kind=int, low=1)
    check_param("chunk_customers", chunk_customers, kind=int, low=1)
    path = os.fspath(path)
    if os.path.exists(path) and os.listdir(path):
        raise ParameterError(f"parameter 'path' ({path}) is a directory that is not empty; "
                             "give a new directory.")
    os.makedirs(path, exist_ok=True)
    t0 = np.datetime64(pd.Timestamp(start).normalize().date(), "s")
    con = duckdb.connect(config={"threads": 1})
    n_events = n_sessions = 0
    try:
        for c, lo in enumerate(range(0, n_customers, chunk_customers)):
            n = min(chunk_customers, n_customers - lo)
            frame, k = _block(np.random.default_rng([seed, 7, c]), lo, n, n_days, t0)
            con.register("ev", frame)
            con.sql(f"COPY ev TO '{os.path.join(path, f'part-{c:05d}.parquet')}' "
                    "(FORMAT parquet)")
            con.unregister("ev")
            n_events += len(frame)
            n_sessions += k
    finally:
        con.close()
    return {"path": path, "n_events": n_events, "n_sessions": n_sessions, **EVENT_TRUTH}


def _block(rng, lo, n, n_days, t0):
    t = EVENT_TRUTH
    rate = rng.gamma(1.0, t["sessions_per_day"], n)
    first = rng.integers(0, n_days // 2, n)
    count = rng.poisson(rate * (n_days - first))
    owner = np.repeat(np.arange(n), count)
    day = first[owner] + np.floor(rng.random(len(owner)) * (n_days - first[owner])).astype(int)
    slot = rng.integers(0, 12, len(owner))
    key = np.unique((owner.astype(np.int64) * n_days + day) * 12 + slot)  # one per slot
    owner, day, slot = key // (12 * n_days), (key // 12) % n_days, key % 12
    m = len(key)
    start = day * 86_400 + slot * 7_200 + rng.integers(0, 3_600, m)
    u = rng.random((m, 4))
    has = np.empty((m, 6), dtype=bool)
    has[:, 0] = u[:, 0] < t["push"]
    has[:, 1] = has[:, 2] = True
    has[:, 3] = u[:, 1] < t["view_product"]
    has[:, 4] = has[:, 3] & (u[:, 2] < t["view_cart"])
    has[:, 5] = has[:, 4] & (u[:, 3] < t["purchase"])
    offset = np.cumsum(rng.integers(5, 120, (m, 6)) * has, axis=1)
    s, e = np.nonzero(has)
    amount = np.where(e == 5, np.round(rng.gamma(2.0, 15.0, len(s)), 2) + 0.5, np.nan)
    frame = pd.DataFrame({
        "customer_id": (lo + owner[s] + 1).astype(np.int64),
        "ts": (t0 + (start[s] + offset[s, e]).astype("timedelta64[s]")).astype(
            "datetime64[us]"),
        "event": _EVENTS[e].astype(object),
        "amount": amount,
    })
    return frame, m


# ----------------------------------------------------------------------------------- the SQL


def sessions_sql(gap_minutes: float = 30, *, dialect: str = "duckdb",
                 table: str = _TABLE) -> str:
    """Sessionisation in SQL: one row per (customer, session) with its funnel flags.

    Examples
    --------
    >>> "LAG(" in sessions_sql(30, dialect="spark")
    True
    """
    check_param("dialect", dialect, allowed=list(_EPOCH))
    check_param("gap_minutes", gap_minutes, kind=(int, float), low=0)
    flags = ",\n".join(f"  MAX(CASE WHEN event = '{ev}' THEN 1 ELSE 0 END) AS {name}"
                       for ev, name in [("push_open", "from_push"),
                                        *[(s, f"reached_{s}") for s in FUNNEL[1:]]])
    return (
        f"WITH e AS (SELECT customer_id, ts, event, amount, {_EPOCH[dialect]} AS s,\n"
        f"  LAG({_EPOCH[dialect]}) OVER (PARTITION BY customer_id ORDER BY ts, event) AS prev\n"
        f"  FROM {table}),\n"
        f"f AS (SELECT *, CASE WHEN prev IS NULL OR s - prev > {float(gap_minutes) * 60!r}\n"
        "  THEN 1 ELSE 0 END AS new_session FROM e),\n"
        "g AS (SELECT *, SUM(new_session) OVER (PARTITION BY customer_id ORDER BY ts, event\n"
        "  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no FROM f)\n"
        "SELECT customer_id, session_no, MIN(ts) AS session_start, MAX(ts) AS session_end,\n"
        "  COUNT(*) AS n_events,\n"
        f"{flags},\n"
        "  COALESCE(SUM(amount), 0.0) AS revenue\n"
        "FROM g GROUP BY customer_id, session_no"
    )


def _engagement_sql(table: str = _TABLE) -> str:
    return (
        f"WITH d AS (SELECT DISTINCT CAST(ts AS DATE) AS day, customer_id FROM {table}),\n"
        "dau AS (SELECT day, COUNT(*) AS dau FROM d GROUP BY day),\n"
        "mon AS (SELECT year(day) * 100 + month(day) AS year_month, AVG(dau) AS mean_dau,\n"
        "  COUNT(*) AS active_days FROM dau GROUP BY year(day) * 100 + month(day)),\n"
        "mau AS (SELECT year(day) * 100 + month(day) AS year_month,\n"
        "  COUNT(DISTINCT customer_id) AS mau FROM d GROUP BY year(day) * 100 + month(day))\n"
        "SELECT mon.year_month, mon.mean_dau, mau.mau, mon.mean_dau / mau.mau AS stickiness,\n"
        "  mon.active_days FROM mon JOIN mau ON mon.year_month = mau.year_month"
    )


def _funnel_sql(gap_minutes, dialect) -> str:
    steps = ", ".join(f"SUM(reached_{s}) AS {s}" for s in FUNNEL[1:])
    return (f"WITH sess AS ({sessions_sql(gap_minutes, dialect=dialect)})\n"
            f"SELECT COUNT(*) AS app_open, {steps} FROM sess")


def _run(source, backend, sql_for, spark, threads):
    from crm_lab.bigdata.engines import _check_source, _DuckDB, _Spark

    _check_source(source, backend)
    if backend not in ("duckdb", "spark"):
        raise ParameterError(f"parameter 'backend' must be 'duckdb' or 'spark' for the app "
                             f"analytics, got {backend!r}.")
    eng = (_DuckDB(source, threads, "1GB", None, table=_TABLE) if backend == "duckdb"
           else _Spark(source, spark, table=_TABLE))
    try:
        sql = sql_for(eng.dialect)
        return eng.query(sql), sql
    finally:
        eng.close()


def sessions(source, backend: str = "duckdb", gap_minutes: float = 30, *, spark=None,
             threads: int | None = None) -> pd.DataFrame:
    """Sessions of an app event log (a new session after ``gap_minutes`` without events).

    Returns
    -------
    DataFrame
        One row per session, sorted by ``customer_id`` and ``session_no`` (1, 2, ...):
        ``session_start``, ``session_end``, ``n_events``, ``from_push`` and
        ``reached_<step>`` (0/1) and ``revenue``; ``attrs["sql"]``.

    Examples
    --------
    >>> import tempfile
    >>> info = write_app_events(tempfile.mkdtemp() + "/app", 100, seed=2)
    >>> len(sessions(info["path"], threads=1)) == info["n_sessions"]
    True
    """
    out, sql = _run(source, backend, lambda d: sessions_sql(gap_minutes, dialect=d), spark,
                    threads)
    out = out.sort_values(["customer_id", "session_no"], ignore_index=True)
    ints = ["session_no", "n_events", "from_push", *[f"reached_{s}" for s in FUNNEL[1:]]]
    out = out.astype({c: "int64" for c in ints} | {"session_start": "datetime64[ns]",
                                                   "session_end": "datetime64[ns]"})
    out.attrs["sql"] = sql
    return out


def engagement(source, backend: str = "duckdb", *, spark=None,
               threads: int | None = None) -> pd.DataFrame:
    """Daily and monthly active users and stickiness (mean DAU / MAU) per calendar month.

    Returns
    -------
    DataFrame
        Indexed by ``year_month`` (e.g. 202403): ``mean_dau``, ``mau``, ``stickiness``,
        ``active_days``; ``attrs["sql"]``.

    Examples
    --------
    >>> import tempfile
    >>> info = write_app_events(tempfile.mkdtemp() + "/app", 100, seed=2)
    >>> bool((engagement(info["path"], threads=1)["stickiness"] <= 1).all())
    True
    """
    out, sql = _run(source, backend, lambda d: _engagement_sql(), spark, threads)
    out = out.astype({"year_month": "int64", "mau": "int64", "active_days": "int64"})
    out = out.set_index("year_month").sort_index()
    out.attrs["sql"] = sql
    return out


def funnel(source, backend: str = "duckdb", gap_minutes: float = 30, *, spark=None,
           threads: int | None = None) -> pd.DataFrame:
    """Sessions reaching each funnel step, with step-to-step and overall conversion.

    Returns
    -------
    DataFrame
        Indexed by step (:data:`FUNNEL`): ``sessions``, ``step_conversion`` (share of the
        previous step's sessions), ``overall_conversion`` (share of all sessions).

    Examples
    --------
    >>> import tempfile
    >>> info = write_app_events(tempfile.mkdtemp() + "/app", 100, seed=2)
    >>> funnel(info["path"], threads=1).index.tolist()[-1]
    'purchase'
    """
    row, sql = _run(source, backend, lambda d: _funnel_sql(gap_minutes, d), spark, threads)
    counts = row.iloc[0][list(FUNNEL)].astype("int64").to_numpy()
    out = pd.DataFrame({"sessions": counts}, index=pd.Index(FUNNEL, name="step"))
    out["step_conversion"] = counts / np.concatenate([[counts[0]], counts[:-1]])
    out["overall_conversion"] = counts / counts[0]
    out.attrs["sql"] = sql
    return out
