"""CRM key performance indicators (KPIs) from the warehouse, by period and segment.

Every KPI has an entry in :data:`KPI_CATALOGUE` (name, 中文, balanced-scorecard perspective,
definition, formula, unit, which direction is good). :func:`kpi_report` computes them per
month, quarter or year, for the whole company or per customer segment, and keeps the counts
behind every rate so that :meth:`KPIReport.control_chart` can put three-sigma limits around
it (:mod:`crm_lab.spc`): a move inside the limits is noise, not change.

Transaction KPIs (new, active, retained and returning customers, revenue) are SQL over the
warehouse's star schema (:mod:`crm_lab.warehouse`); survey, complaint, membership and call
KPIs come from those tables, with segments read from the warehouse's customer dimension.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.summary import ExclusionWarning
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_survey,
)

__all__ = ["KPI_CATALOGUE", "PERSPECTIVES", "PERIODS", "SEGMENT_ATTRIBUTES", "KPIReport",
           "kpi_catalogue", "kpi_report", "satisfaction_items", "for_display", "period_labels"]

#: The four perspectives of the balanced scorecard (Kaplan & Norton 1992), in reading order.
PERSPECTIVES = ("financial", "customer", "internal process", "learning and growth")
#: Period names and the warehouse date attribute that labels them.
PERIODS = {"month": "d.year_month", "quarter": "d.year_quarter",
           "year": "CAST(d.year AS VARCHAR)"}
#: Customer attributes a report can be split by (columns of ``dim_customer``).
SEGMENT_ATTRIBUTES = ("region", "city_tier", "acquisition_channel", "gender", "income_band",
                      "age_band", "cohort_year", "education")

_C = ("name", "name_zh", "perspective", "definition", "formula", "unit", "direction")
_ROWS = {
    "revenue": ("Revenue", "营业收入", "financial", "Sales in the period.",
                "sum of amount", "currency", "up"),
    "revenue_per_customer": ("Revenue per active customer", "客户平均收入", "financial",
                             "Sales per customer who bought in the period.",
                             "revenue / active_customers", "currency per customer", "up"),
    "cac": ("Customer acquisition cost", "获客成本", "financial",
            "Acquisition spend per new customer (spend given as a parameter).",
            "acquisition_cost / new_customers", "currency per customer", "down"),
    "average_clv": ("Average customer lifetime value", "平均客户终身价值", "financial",
                    "Mean 12-month CLV at the snapshot (BG/NBD x Gamma-Gamma, 1 % a month).",
                    "mean of clv_12m over customers", "currency per customer", "up"),
    "new_customers": ("New customers", "新增客户数", "customer",
                      "Customers whose first purchase falls in the period.",
                      "count(first purchase in period)", "customers", "up"),
    "active_customers": ("Active customers", "活跃客户数", "customer",
                         "Customers with at least one purchase in the period.",
                         "count(distinct buyers)", "customers", "up"),
    "retention_rate": ("Retention rate", "客户保持率", "customer",
                       "Share of the previous period's buyers who buy again in this period.",
                       "retained_customers / customers_at_risk", "share (0-1)", "up"),
    "churn_rate": ("Churn rate", "客户流失率", "customer",
                   "Share of the previous period's buyers who do not buy in this period.",
                   "1 - retention_rate", "share (0-1)", "down"),
    "repeat_share": ("Share of repeat customers", "回头客占比", "customer",
                     "Share of the period's buyers who had bought before the period.",
                     "returning_customers / active_customers", "share (0-1)", "up"),
    "membership_churn_rate": ("Membership churn rate", "会员流失率", "customer",
                              "Memberships ended in the period per membership active at its "
                              "start.", "members_churned / members_at_risk", "share (0-1)",
                              "down"),
    "nps": ("Net Promoter Score", "净推荐值", "customer",
            "Promoters (9-10) minus detractors (0-6) among the period's survey answers.",
            "100 (share_promoters - share_detractors)", "points (-100 to 100)", "up"),
    "satisfaction_index": ("Satisfaction index", "满意度指数", "customer",
                           "Mean of the satisfaction items rescaled to 0-100 (equal weights).",
                           "100 (mean item - 1) / 9", "points (0-100)", "up"),
    "complaint_rate": ("Complaint rate", "投诉率", "internal process",
                       "Complaints filed in the period per 1,000 active customers.",
                       "1000 complaints / active_customers", "per 1,000 customers", "down"),
    "resolved_in_target": ("Complaints resolved in target", "投诉按时解决率", "internal process",
                           "Share of the period's complaints resolved within the target days "
                           "(complaints with less follow-up than the target are left out).",
                           "resolved_in_target / complaints_followed", "share (0-1)", "up"),
    "resolution_days_median": ("Median resolution time", "投诉解决时间中位数",
                               "internal process",
                               "Median days to resolution of the period's resolved complaints.",
                               "median(resolution_days | resolved)", "days", "down"),
    "service_level": ("Service level", "服务水平", "internal process",
                      "Share of offered calls answered within the threshold (abandoned calls "
                      "count as not answered in time).", "calls_in_time / calls_offered",
                      "share (0-1)", "up"),
    "abandonment_rate": ("Abandonment rate", "呼叫放弃率", "internal process",
                         "Share of offered calls whose caller hung up before an agent "
                         "answered.", "calls_abandoned / calls_offered", "share (0-1)", "down"),
    "survey_coverage": ("Survey coverage", "客户调查覆盖率", "learning and growth",
                        "Survey answers per active customer: how much of the customer base "
                        "the company hears from.", "survey_responses / active_customers",
                        "share (0-1)", "up"),
    "data_completeness": ("Customer data completeness", "客户数据完整率", "learning and growth",
                          "Share of customer records with every profile attribute known.",
                          "complete records / customers", "share (0-1)", "up"),
}
#: The KPI catalogue as data: one row per KPI (index ``kpi``).
KPI_CATALOGUE = pd.DataFrame.from_dict(_ROWS, orient="index", columns=list(_C))
KPI_CATALOGUE.index.name = "kpi"

#: KPI -> (chart, events column, exposure column, per) for :meth:`KPIReport.control_chart`.
CHARTS = {
    "retention_rate": ("p", "retained_customers", "customers_at_risk", 1),
    "churn_rate": ("p", "churned_customers", "customers_at_risk", 1),
    "repeat_share": ("p", "returning_customers", "active_customers", 1),
    "membership_churn_rate": ("p", "members_churned", "members_at_risk", 1),
    "resolved_in_target": ("p", "resolved_in_target_n", "complaints_followed", 1),
    "service_level": ("p", "calls_in_time", "calls_offered", 1),
    "abandonment_rate": ("p", "calls_abandoned", "calls_offered", 1),
    "survey_coverage": ("p", "survey_responses", "active_customers", 1),
    "complaint_rate": ("u", "complaints", "active_customers", 1000),
}


def kpi_catalogue(perspective: str | None = None) -> pd.DataFrame:
    """The KPI catalogue (a copy), optionally one perspective only.

    Examples
    --------
    >>> kpi_catalogue("customer").loc["churn_rate", ["name_zh", "unit", "direction"]].tolist()
    ['客户流失率', 'share (0-1)', 'down']
    """
    if perspective is None:
        return KPI_CATALOGUE.copy()
    check_param("perspective", perspective, allowed=PERSPECTIVES)
    return KPI_CATALOGUE[KPI_CATALOGUE["perspective"] == perspective].copy()


def for_display(frame: pd.DataFrame, kpis=None) -> pd.DataFrame:
    """KPI columns at the precision a reader uses: shares as % (0.1), money totals in whole
    units, per-customer money to the cent, other KPIs to 0.1; counts unchanged.

    Share columns are renamed ``<kpi>_pct``. ``kpis`` picks and orders the columns (default:
    every KPI present).

    Examples
    --------
    >>> import pandas as pd
    >>> for_display(pd.DataFrame({"retention_rate": [0.73456], "revenue": [1234.567]}))
       revenue  retention_rate_pct
    0     1235                73.5
    """
    cols = [k for k in (kpis if kpis is not None else KPI_CATALOGUE.index) if k in frame.columns]
    if kpis is not None:
        missing = [k for k in kpis if k not in frame.columns]
        if missing:
            raise ParameterError(f"parameter 'kpis': {missing} not in the table; it has "
                                 f"{list(frame.columns)}.")
    out = pd.DataFrame(index=frame.index)
    for k in cols:
        unit = KPI_CATALOGUE.loc[k, "unit"] if k in KPI_CATALOGUE.index else ""
        v = frame[k].astype(float)
        if unit == "share (0-1)":
            out[f"{k}_pct"] = (100 * v).round(1)
        elif unit == "currency":
            out[k] = v.round(0).astype("Int64")
        elif unit == "currency per customer":
            out[k] = v.round(2)
        elif unit == "customers":
            out[k] = v.round(0).astype("Int64")
        else:
            out[k] = v.round(1)
    return out


def satisfaction_items(survey: pd.DataFrame, prefix: str = "satisfaction_") -> list[str]:
    """The survey's satisfaction item columns (``satisfaction_1``, ``satisfaction_2``, ...)."""
    return [c for c in survey.columns if str(c).startswith(prefix) and str(c)[len(prefix):]
            .isdigit()]


# ============================================================================ the report


@dataclass
class KPIReport:
    """KPIs per period (and segment) with the counts behind them.

    Attributes
    ----------
    table : DataFrame
        One row per period (index ``period``, labels such as ``"2024-Q3"``) or per segment and
        period (index ``(segment, period)``). KPI columns are named as in
        :data:`KPI_CATALOGUE`; count columns (``customers_at_risk``, ``complaints``, ...) sit
        beside them.
    snapshot : DataFrame
        Whole-window values (one row ``"all"`` or one per segment): ``customers``,
        ``average_clv``, ``nps`` with its interval, ``satisfaction_index``,
        ``data_completeness``, ``survey_coverage``.
    period : str
    by : str or None
    notes : list of str
        What could not be computed and why (e.g. no call log).
    """

    table: pd.DataFrame
    snapshot: pd.DataFrame
    period: str
    by: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def kpis(self) -> list[str]:
        """The KPIs present in :attr:`table` (in catalogue order)."""
        return [k for k in KPI_CATALOGUE.index if k in self.table.columns]

    def _rows(self, segment) -> pd.DataFrame:
        if self.by is None:
            if segment is not None:
                raise ParameterError("parameter 'segment': this report has no segments (by=None).")
            return self.table
        if segment is None:
            raise ParameterError(f"parameter 'segment': the report is split by {self.by!r}; name "
                                 f"one of {list(self.segments)}.")
        check_param("segment", segment, allowed=list(self.segments))
        return self.table.xs(segment, level="segment")

    @property
    def segments(self) -> list:
        """Segment labels (empty without ``by``)."""
        if self.by is None:
            return []
        return list(self.table.index.get_level_values("segment").unique())

    def values(self, kpi: str, segment=None) -> pd.Series:
        """One KPI per period (for one segment when the report is split)."""
        check_param("kpi", kpi, allowed=self.kpis)
        return self._rows(segment)[kpi]

    def control_chart(self, kpi: str, segment=None, *, baseline=None,
                      run_length: int = 8) -> pd.DataFrame:
        """Three-sigma limits around a rate KPI, per period (p- or u-chart of :mod:`crm_lab.spc`).

        Periods without exposure (the first period has no customers at risk) are left out.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> from crm_lab.warehouse import build_warehouse
        >>> co = simulate_company(400, seed=1)
        >>> rep = kpi_report(build_warehouse(co.transactions, clv=False))
        >>> list(rep.control_chart("retention_rate").columns[:4])
        ['rate', 'center', 'lcl', 'ucl']
        """
        from crm_lab import spc

        check_param("kpi", kpi, allowed=[k for k in CHARTS if k in self.kpis])
        kind, events, exposure, per = CHARTS[kpi]
        rows = self._rows(segment)
        rows = rows[rows[exposure] > 0]
        if kind == "p":
            return spc.p_chart(rows[events], rows[exposure], baseline=baseline,
                               run_length=run_length)
        return spc.u_chart(rows[events], rows[exposure], per=per, baseline=baseline,
                           run_length=run_length)

    def trend(self, kpi: str, segment=None, *, ci: float = 0.95) -> pd.Series:
        """Least-squares trend of a KPI per period (statsmodels OLS): slope with its interval.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> from crm_lab.warehouse import build_warehouse
        >>> co = simulate_company(400, seed=1)
        >>> rep = kpi_report(build_warehouse(co.transactions, clv=False))
        >>> list(rep.trend("revenue").index)
        ['slope_per_period', 'ci_low', 'ci_high', 'p_value', 'periods']
        """
        import statsmodels.api as sm

        check_param("ci", ci, kind=float, low=0.5, high=0.999)
        y = self.values(kpi, segment).dropna()
        if len(y) < 3:
            raise DataError(f"{kpi}: {len(y)} period(s) with a value; a trend needs at least 3.")
        x = sm.add_constant(np.arange(len(y), dtype=float))
        fit = sm.OLS(y.to_numpy(dtype=float), x).fit()
        lo, hi = fit.conf_int(alpha=1 - ci)[1]
        return pd.Series({"slope_per_period": float(fit.params[1]), "ci_low": float(lo),
                          "ci_high": float(hi), "p_value": float(fit.pvalues[1]),
                          "periods": float(len(y))}, name=kpi)

    def latest(self, segment=None) -> pd.Series:
        """The KPIs of the last period."""
        rows = self._rows(segment)
        return rows[[k for k in self.kpis]].iloc[-1]

    def summary(self, segment=None) -> pd.DataFrame:
        """One row per KPI: 中文 name, unit, mean over the periods, last period, trend and
        whether the last period is a control-chart signal.

        Examples
        --------
        >>> from crm_lab.simulate import simulate_company
        >>> from crm_lab.warehouse import build_warehouse
        >>> co = simulate_company(400, seed=1)
        >>> s = kpi_report(build_warehouse(co.transactions, clv=False)).summary()
        >>> list(s.columns)
        ['name_zh', 'perspective', 'unit', 'mean', 'latest', 'slope_per_period', 'signal_latest']
        """
        rows = []
        for k in self.kpis:
            y = self._rows(segment)[k]
            slope = self.trend(k, segment)["slope_per_period"] if y.notna().sum() >= 3 \
                else np.nan
            signal = pd.NA
            if k in CHARTS:
                signal = bool(self.control_chart(k, segment)["signal"].iloc[-1])
            rows.append({"kpi": k, "mean": float(y.mean()), "latest": float(y.iloc[-1]),
                         "slope_per_period": float(slope), "signal_latest": signal})
        out = pd.DataFrame(rows).set_index("kpi")
        cat = KPI_CATALOGUE.loc[out.index, ["name_zh", "perspective", "unit"]]
        return pd.concat([cat, out], axis=1)


# ============================================================================ building blocks


def _period_sql(period: str) -> str:
    check_param("period", period, allowed=list(PERIODS))
    return PERIODS[period]


def period_labels(dates, period: str = "quarter") -> pd.Series:
    """The report's period label of each date: ``"2024-03"``, ``"2024-Q1"`` or ``"2024"``.

    Examples
    --------
    >>> period_labels(pd.Series(pd.to_datetime(["2024-02-29", "2024-12-31"]))).tolist()
    ['2024-Q1', '2024-Q4']
    """
    check_param("period", period, allowed=list(PERIODS))
    d = pd.Series(pd.to_datetime(dates))
    if period == "month":
        return d.dt.strftime("%Y-%m")
    if period == "quarter":
        return d.dt.year.astype(str) + "-Q" + d.dt.quarter.astype(str)
    return d.dt.year.astype(str)


def _periods(wh, period: str) -> list[str]:
    q = f"SELECT DISTINCT {_period_sql(period)} AS period FROM dim_date d ORDER BY period"
    return [str(p) for p in wh.sql(q)["period"]]


def _segment_of(wh, by: str | None) -> pd.Series | None:
    if by is None:
        return None
    q = f"SELECT customer_key, CAST({by} AS VARCHAR) AS segment FROM dim_customer"
    s = wh.sql(q).set_index("customer_key")["segment"]
    return s


def transaction_kpis(wh, period: str = "quarter", by: str | None = None,
                     acquisition_cost=None) -> pd.DataFrame:
    """New, active, retained and returning customers and revenue per period, in SQL.

    Parameters
    ----------
    wh : crm_lab.warehouse.Warehouse
    period : {"month", "quarter", "year"}
    by : str, optional
        A customer attribute from :data:`SEGMENT_ATTRIBUTES`.
    acquisition_cost : float or Series, optional
        Acquisition spend per period (a number for every period, or a Series indexed by the
        period labels); gives ``cac``. Only without ``by`` (costs are not split by segment).

    Returns
    -------
    DataFrame indexed by ``period`` (or ``(segment, period)``); ``attrs["sql"]`` holds the SQL.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> from crm_lab.warehouse import build_warehouse
    >>> co = simulate_company(300, seed=1)
    >>> t = transaction_kpis(build_warehouse(co.transactions, clv=False), "year")
    >>> int(t["new_customers"].sum()) == co.transactions["customer_id"].nunique()
    True
    """
    p = _period_sql(period)
    if by is not None:
        check_param("by", by, allowed=list(SEGMENT_ATTRIBUTES))
    seg = f"CAST(c.{by} AS VARCHAR)" if by else "'all'"
    q = f"""
WITH act AS (
  SELECT f.customer_key, {p} AS period, SUM(f.amount_cents) AS cents
  FROM fact_sales f JOIN dim_date d ON f.date_key = d.date_key
  GROUP BY f.customer_key, {p}
),
periods AS (
  SELECT period, LAG(period) OVER (ORDER BY period) AS prev_period
  FROM (SELECT DISTINCT {p} AS period FROM dim_date d)
),
first AS (SELECT customer_key, MIN(period) AS first_period FROM act GROUP BY customer_key),
cur AS (
  SELECT {seg} AS segment, a.period, COUNT(*) AS active_customers,
         SUM(CASE WHEN fi.first_period = a.period THEN 1 ELSE 0 END) AS new_customers,
         SUM(CASE WHEN fi.first_period < a.period THEN 1 ELSE 0 END) AS returning_customers,
         SUM(a.cents) AS revenue_cents
  FROM act a JOIN first fi ON a.customer_key = fi.customer_key
    JOIN dim_customer c ON a.customer_key = c.customer_key
  GROUP BY 1, 2
),
risk AS (
  SELECT {seg} AS segment, pr.period, COUNT(*) AS customers_at_risk,
         SUM(CASE WHEN nxt.customer_key IS NULL THEN 0 ELSE 1 END) AS retained_customers
  FROM act a JOIN periods pr ON a.period = pr.prev_period
    JOIN dim_customer c ON a.customer_key = c.customer_key
    LEFT JOIN act nxt ON nxt.customer_key = a.customer_key AND nxt.period = pr.period
  GROUP BY 1, 2
)
SELECT cur.*, risk.customers_at_risk, risk.retained_customers
FROM cur LEFT JOIN risk ON cur.segment = risk.segment AND cur.period = risk.period
ORDER BY cur.segment, cur.period"""
    raw = wh.sql(q)
    periods = _periods(wh, period)
    segs = sorted(raw["segment"].astype(str).unique())
    idx = pd.MultiIndex.from_product([segs, periods], names=["segment", "period"])
    raw["segment"] = raw["segment"].astype(str)
    raw["period"] = raw["period"].astype(str)
    counts = ["active_customers", "new_customers", "returning_customers", "revenue_cents",
              "customers_at_risk", "retained_customers"]
    t = raw.set_index(["segment", "period"])[counts].reindex(idx).fillna(0).astype("int64")
    out = pd.DataFrame(index=idx)
    out["new_customers"] = t["new_customers"]
    out["active_customers"] = t["active_customers"]
    out["returning_customers"] = t["returning_customers"]
    out["customers_at_risk"] = t["customers_at_risk"]
    out["retained_customers"] = t["retained_customers"]
    out["churned_customers"] = t["customers_at_risk"] - t["retained_customers"]
    out["revenue"] = t["revenue_cents"] / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        out["revenue_per_customer"] = out["revenue"] / out["active_customers"].where(
            out["active_customers"] > 0)
        risk = out["customers_at_risk"].where(out["customers_at_risk"] > 0)
        out["retention_rate"] = out["retained_customers"] / risk
        out["churn_rate"] = out["churned_customers"] / risk
        out["repeat_share"] = out["returning_customers"] / out["active_customers"].where(
            out["active_customers"] > 0)
    if acquisition_cost is not None:
        if by is not None:
            raise ParameterError("parameter 'acquisition_cost': give it without 'by' (the "
                                 "acquisition spend is not split by segment).")
        cost = _per_period(acquisition_cost, periods, "acquisition_cost")
        new = out["new_customers"].droplevel("segment")
        out["acquisition_cost"] = cost.to_numpy()
        out["cac"] = (cost / new.where(new > 0)).to_numpy()
    if by is None:
        out = out.droplevel("segment")
    out.attrs["sql"] = q.strip()
    return out


def _per_period(value, periods: list[str], name: str) -> pd.Series:
    if isinstance(value, pd.Series | Mapping):
        s = pd.Series(value, dtype=float)
        s.index = s.index.astype(str)
        missing = [p for p in periods if p not in s.index]
        if missing:
            raise ParameterError(f"parameter '{name}': no value for period(s) {missing[:3]}. "
                                 f"How to fix: give one value per period ({periods[0]!r}, ...).")
        s = s.reindex(periods)
    else:
        check_param(name, value, kind=(int, float, np.floating, np.integer), low=0)
        s = pd.Series(float(value), index=periods)
    if (s < 0).any() or s.isna().any():
        raise ParameterError(f"parameter '{name}': values must be numbers >= 0.")
    return s


def _dated(frame: pd.DataFrame, date: str, table: str, periods: list[str], period: str,
           segment: pd.Series | None, customer_id: str) -> pd.DataFrame:
    check_columns(frame, [customer_id, date], table)
    out = pd.DataFrame({"customer_id": frame[customer_id].to_numpy()}, index=frame.index)
    d = pd.to_datetime(frame[date], errors="coerce")
    if d.isna().any():
        raise DataError(f"{table}['{date}']: {int(d.isna().sum())} missing or unreadable dates. "
                        "How to fix: repair or drop those rows explicitly.")
    out["date"] = d
    out["period"] = period_labels(d, period).to_numpy()
    drop = ~out["period"].isin(periods)
    if segment is not None:
        out["segment"] = out["customer_id"].map(segment)
        drop |= out["segment"].isna()
    else:
        out["segment"] = "all"
    if drop.any():
        warnings.warn(f"{table}: {int(drop.sum()):,} row(s) fall outside the warehouse's periods "
                      "or belong to customers it does not know; they are left out.",
                      ExclusionWarning, stacklevel=4)
        out = out[~drop]
    return out


def survey_kpis(survey: pd.DataFrame, periods: list[str], period: str = "quarter",
                segment: pd.Series | None = None, *, date: str = "survey_date",
                score: str = "recommend", customer_id: str = "customer_id") -> pd.DataFrame:
    """NPS (with its Wilson-score interval) and satisfaction index per period.

    ``satisfaction_index`` is the mean of the ``satisfaction_*`` items (1-10) rescaled to
    0-100; ``nps`` comes from :func:`crm_lab.loyalty.net_promoter_score`.
    """
    from crm_lab.loyalty import net_promoter_score

    items = satisfaction_items(survey)
    check_columns(survey, [score], "survey")
    check_survey(survey, [score], scale=(0, 10), table="survey")
    if items:
        check_survey(survey, items, scale=(1, 10), table="survey")
    s = _dated(survey, date, "survey", periods, period, segment, customer_id)
    s["score"] = survey.loc[s.index, score].to_numpy()
    if items:
        s["sat"] = survey.loc[s.index, items].mean(axis=1).to_numpy()
    rows = []
    for (g, p), grp in s.groupby(["segment", "period"], sort=True):
        r = net_promoter_score(grp["score"].to_numpy())
        rows.append({"segment": g, "period": p, "survey_responses": r.n, "nps": r.nps,
                     "nps_ci_low": r.ci_low, "nps_ci_high": r.ci_high,
                     "satisfaction_index": (100 * (grp["sat"].mean() - 1) / 9) if items
                     else np.nan})
    return pd.DataFrame(rows).set_index(["segment", "period"])


def complaint_kpis(complaints: pd.DataFrame, periods: list[str], period: str = "quarter",
                   segment: pd.Series | None = None, *, target_days: float = 7.0,
                   end=None, customer_id: str = "customer_id") -> pd.DataFrame:
    """Complaints, resolution in target and median resolution days per period.

    A complaint counts towards ``resolved_in_target`` when it was filed at least
    ``target_days`` before ``end`` (the end of observation; default the latest complaint
    date), so every counted complaint had the full target time to be resolved.
    """
    check_columns(complaints, [customer_id, "date", "resolution_days", "resolved"], "complaints")
    c = _dated(complaints, "date", "complaints", periods, period, segment, customer_id)
    days = pd.to_numeric(complaints.loc[c.index, "resolution_days"], errors="coerce")
    if days.isna().any() or (days < 0).any():
        raise DataError("complaints['resolution_days']: missing, non-numeric or negative values. "
                        "How to fix: days from filing to resolution (or to the end if open).")
    c["days"] = days.to_numpy(dtype=float)
    c["resolved"] = complaints.loc[c.index, "resolved"].astype(bool).to_numpy()
    end = pd.Timestamp(end) if end is not None else c["date"].max()
    c["followed"] = c["date"] <= end - pd.Timedelta(days=float(target_days))
    c["in_target"] = c["followed"] & c["resolved"] & (c["days"] <= target_days)
    g = c.groupby(["segment", "period"], sort=True)
    out = pd.DataFrame({"complaints": g.size(), "complaints_followed": g["followed"].sum(),
                        "resolved_in_target_n": g["in_target"].sum()})
    out["resolution_days_median"] = c[c["resolved"]].groupby(["segment", "period"])[
        "days"].median()
    return out


def membership_kpis(subscriptions: pd.DataFrame, periods: list[str], period: str = "quarter",
                    segment: pd.Series | None = None, *,
                    customer_id: str = "customer_id") -> pd.DataFrame:
    """Memberships at risk (active at the period's start) and ended in the period."""
    check_columns(subscriptions, [customer_id, "start_date", "end_date"], "subscriptions")
    sub = pd.DataFrame({"customer_id": subscriptions[customer_id].to_numpy(),
                        "start": pd.to_datetime(subscriptions["start_date"]).to_numpy(),
                        "end": pd.to_datetime(subscriptions["end_date"]).to_numpy()})
    sub["segment"] = sub["customer_id"].map(segment) if segment is not None else "all"
    rows = []
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    for p in periods:
        per = pd.Period(p.replace("-Q", "Q"), freq=freq)
        t0, t1 = per.start_time, per.end_time
        at_risk = (sub["start"] < t0) & (sub["end"].isna() | (sub["end"] >= t0))
        ended = at_risk & sub["end"].notna() & (sub["end"] <= t1)
        for g, grp in sub.groupby("segment", sort=True):
            m = grp.index
            rows.append({"segment": g, "period": p, "members_at_risk": int(at_risk[m].sum()),
                         "members_churned": int(ended[m].sum())})
    return pd.DataFrame(rows).set_index(["segment", "period"])


def call_kpis(calls: pd.DataFrame, periods: list[str], period: str = "quarter", *,
              threshold: float = 20.0) -> pd.DataFrame:
    """Calls offered, answered within ``threshold`` seconds and abandoned per period (whole
    company).

    A call is *in time* when it was answered (not abandoned) after at most ``threshold``
    seconds in the queue; abandoned calls count as offered and not in time, whatever their
    wait (the service level of the offered calls, as Erlang A reports it)."""
    from crm_lab.callcentre import check_call_log

    log = check_call_log(calls, handle=None)
    if "wait_s" not in log.columns:
        raise DataError("calls: no 'wait_s' column, so the service level cannot be measured. "
                        "How to fix: add the seconds each caller waited.")
    ab = log["abandoned"] if "abandoned" in log.columns else pd.Series(False, index=log.index)
    log["in_time"] = ~ab & (log["wait_s"] <= threshold)
    log["abandoned"] = ab.astype(bool)
    log["period"] = period_labels(log["arrival"], period).to_numpy()
    log = log[log["period"].isin(periods)]
    g = log.groupby("period")
    out = pd.DataFrame({"calls_offered": g.size(), "calls_in_time": g["in_time"].sum(),
                        "calls_abandoned": g["abandoned"].sum()})
    out["segment"] = "all"
    return out.reset_index().set_index(["segment", "period"])


def _snapshot(wh, by: str | None, survey: pd.DataFrame | None, segment: pd.Series | None,
              notes: list[str]) -> pd.DataFrame:
    from crm_lab.loyalty import net_promoter_score

    seg = f"CAST(c.{by} AS VARCHAR)" if by else "'all'"
    text = [a for a in ("region", "city_tier", "gender", "education", "income_band",
                        "acquisition_channel", "age_band")]
    complete = " AND ".join(f"CAST(c.{a} AS VARCHAR) <> 'unknown'" for a in text)
    q = f"""
SELECT {seg} AS segment, COUNT(*) AS customers, AVG(s.clv_12m) AS average_clv,
       AVG(CASE WHEN {complete} THEN 1.0 ELSE 0.0 END) AS data_completeness
FROM fact_customer_snapshot s JOIN dim_customer c ON s.customer_key = c.customer_key
GROUP BY 1 ORDER BY 1"""
    out = wh.sql(q)
    out["segment"] = out["segment"].astype(str)
    out = out.set_index("segment")
    if out["average_clv"].isna().all():
        notes.append("average_clv: the warehouse has no CLV snapshot (built with clv=False or "
                     "the models did not fit).")
    if survey is not None:
        items = satisfaction_items(survey)
        s = pd.DataFrame({"customer_id": survey["customer_id"].to_numpy(),
                          "score": survey["recommend"].to_numpy()})
        if items:
            s["sat"] = survey[items].mean(axis=1).to_numpy()
        s["segment"] = s["customer_id"].map(segment) if segment is not None else "all"
        s = s.dropna(subset=["segment"])
        for g, grp in s.groupby("segment"):
            r = net_promoter_score(grp["score"].to_numpy())
            out.loc[g, "survey_responses"] = r.n
            out.loc[g, "nps"] = r.nps
            out.loc[g, "nps_ci_low"] = r.ci_low
            out.loc[g, "nps_ci_high"] = r.ci_high
            if items:
                out.loc[g, "satisfaction_index"] = 100 * (grp["sat"].mean() - 1) / 9
        out["survey_coverage"] = out["survey_responses"] / out["customers"]
    return out


def kpi_report(wh, *, survey: pd.DataFrame | None = None,
               complaints: pd.DataFrame | None = None,
               subscriptions: pd.DataFrame | None = None, calls: pd.DataFrame | None = None,
               period: str = "quarter", by: str | None = None, acquisition_cost=None,
               target_days: float = 7.0, service_threshold: float = 20.0) -> KPIReport:
    """Every KPI of :data:`KPI_CATALOGUE` the data allow, per period (and segment).

    Parameters
    ----------
    wh : crm_lab.warehouse.Warehouse
        The star schema (:func:`crm_lab.warehouse.build_warehouse`); transactions and
        customers come from it.
    survey, complaints, subscriptions, calls : DataFrame, optional
        The simulated company's tables (or yours in the same schema); a KPI whose table is
        absent is skipped with a note in :attr:`KPIReport.notes`.
    period : {"month", "quarter", "year"}
    by : str, optional
        Split by a customer attribute (:data:`SEGMENT_ATTRIBUTES`).
    acquisition_cost : float or Series, optional
        Acquisition spend per period, for ``cac``.
    target_days : float
        Resolution target for ``resolved_in_target``.
    service_threshold : float
        Seconds within which a call counts as answered in time.

    Returns
    -------
    KPIReport

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> from crm_lab.warehouse import build_warehouse
    >>> co = simulate_company(400, seed=1)
    >>> wh = build_warehouse(co.transactions, customers=co.customers, clv=False)
    >>> rep = kpi_report(wh, survey=co.survey, complaints=co.complaints, period="year")
    >>> rep.table.index.tolist()
    ['2023', '2024', '2025']
    >>> [n.split(":")[0] for n in rep.notes][:2]
    ['membership_churn_rate', 'service_level, abandonment_rate']
    """
    check_param("target_days", target_days, kind=(int, float), low=0)
    check_param("service_threshold", service_threshold, kind=(int, float), low=0)
    t = transaction_kpis(wh, period, by, acquisition_cost)
    periods = _periods(wh, period)
    segment = _segment_of(wh, by)
    notes: list[str] = []
    if by is None:
        t = pd.concat({"all": t}, names=["segment"])
    parts = []
    if survey is not None:
        parts.append(survey_kpis(survey, periods, period, segment))
    else:
        notes.append("nps, satisfaction_index, survey_coverage: no survey given.")
    if complaints is not None:
        end = wh.as_of - pd.Timedelta(days=1)
        parts.append(complaint_kpis(complaints, periods, period, segment,
                                    target_days=target_days, end=end))
    else:
        notes.append("complaint_rate, resolved_in_target: no complaints table given.")
    if subscriptions is not None:
        parts.append(membership_kpis(subscriptions, periods, period, segment))
    else:
        notes.append("membership_churn_rate: no subscriptions table given.")
    if calls is not None:
        if by is not None:
            notes.append("service_level, abandonment_rate: the call centre serves the whole "
                         "company, so they are reported with by=None only.")
        else:
            parts.append(call_kpis(calls, periods, period, threshold=service_threshold))
    else:
        notes.append("service_level, abandonment_rate: no call log given, so the call "
                     "centre's service is not measured.")
    out = t
    for part in parts:
        out = out.join(part.reindex(t.index), how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        act = out["active_customers"].where(out["active_customers"] > 0)
        if "survey_responses" in out:
            out["survey_responses"] = out["survey_responses"].fillna(0).astype("int64")
            out["survey_coverage"] = out["survey_responses"] / act
        if "complaints" in out:
            for c in ("complaints", "complaints_followed", "resolved_in_target_n"):
                out[c] = out[c].fillna(0).astype("int64")
            out["complaint_rate"] = 1000 * out["complaints"] / act
            out["resolved_in_target"] = out["resolved_in_target_n"] / out[
                "complaints_followed"].where(out["complaints_followed"] > 0)
        if "members_at_risk" in out:
            out["membership_churn_rate"] = out["members_churned"] / out["members_at_risk"].where(
                out["members_at_risk"] > 0)
        if "calls_offered" in out:
            out["calls_offered"] = out["calls_offered"].fillna(0).astype("int64")
            out["calls_in_time"] = out["calls_in_time"].fillna(0).astype("int64")
            out["calls_abandoned"] = out["calls_abandoned"].fillna(0).astype("int64")
            offered = out["calls_offered"].where(out["calls_offered"] > 0)
            out["service_level"] = out["calls_in_time"] / offered
            out["abandonment_rate"] = out["calls_abandoned"] / offered
    if acquisition_cost is None:
        notes.append("cac: give acquisition_cost (spend per period) to compute it.")
    snap = _snapshot(wh, by, survey, segment, notes)
    if by is None:
        out = out.droplevel("segment")
    out.attrs["sql"] = t.attrs.get("sql", "")
    return KPIReport(table=out, snapshot=snap, period=period, by=by, notes=notes)
