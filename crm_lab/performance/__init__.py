"""Business intelligence and CRM performance (chapter 11: 商业智能、客户关系管理绩效与项目实施).

Five modules, in the order a manager uses them:

* :mod:`~crm_lab.performance.kpi` – the KPI catalogue (definition, formula, unit, good
  direction, balanced-scorecard perspective) and :func:`kpi_report`: KPIs per month, quarter
  or year and segment from the warehouse, with control limits and trends.
* :mod:`~crm_lab.performance.scorecard` – :func:`balanced_scorecard` (targets and status) and
  :func:`cause_and_effect`, the links between perspectives estimated from the data and
  compared with the simulator's truth.
* :mod:`~crm_lab.performance.business_case` – NPV, IRR and payback of a CRM project,
  :func:`monte_carlo` over uncertain inputs, :func:`tornado` sensitivities, the project's
  success and failure factors, and the industry applications table.
* :mod:`~crm_lab.performance.dashboard` – :func:`export_dashboard`, a standalone HTML page.
* :mod:`~crm_lab.performance.service` – :func:`true_service_level` and :func:`service_check`:
  the call centre's service level and abandonment against the simulator's truth.

Examples
--------
>>> from crm_lab.simulate import simulate_company
>>> from crm_lab.warehouse import build_warehouse
>>> from crm_lab import performance as pf
>>> co = simulate_company(500, seed=3)
>>> wh = build_warehouse(co.transactions, customers=co.customers, clv=False)
>>> rep = pf.kpi_report(wh, survey=co.survey, complaints=co.complaints, period="quarter")
>>> sc = pf.balanced_scorecard(rep)
>>> sorted(sc["perspective"].unique())
['customer', 'financial', 'internal process', 'learning and growth']
>>> round(pf.business_case().npv)
10678
"""

from crm_lab.performance.business_case import (
    BASE_CASE,
    CRM_PROJECT_FACTORS,
    DISTRIBUTIONS,
    INDUSTRY_APPLICATIONS,
    BusinessCase,
    MonteCarloResult,
    business_case,
    case_inputs,
    irr,
    monte_carlo,
    npv,
    payback_period,
    project_checklist,
    ranges_from,
    tornado,
)
from crm_lab.performance.dashboard import export_dashboard, figure_data_uri
from crm_lab.performance.kpi import (
    KPI_CATALOGUE,
    PERIODS,
    PERSPECTIVES,
    SEGMENT_ATTRIBUTES,
    KPIReport,
    for_display,
    kpi_catalogue,
    kpi_report,
    period_labels,
    transaction_kpis,
)
from crm_lab.performance.scorecard import (
    HAND_TARGETS,
    balanced_scorecard,
    book_targets,
    cause_and_effect,
    cronbach_alpha,
    default_targets,
    scorecard_view,
)
from crm_lab.performance.service import service_check, true_service_level

__all__ = [
    "KPI_CATALOGUE", "PERIODS", "PERSPECTIVES", "SEGMENT_ATTRIBUTES", "KPIReport",
    "kpi_catalogue", "kpi_report", "transaction_kpis", "for_display", "case_inputs",
    "period_labels",
    "balanced_scorecard", "cause_and_effect", "cronbach_alpha", "default_targets",
    "BASE_CASE", "BusinessCase", "business_case", "npv", "irr", "payback_period",
    "DISTRIBUTIONS", "MonteCarloResult", "monte_carlo", "ranges_from", "tornado",
    "CRM_PROJECT_FACTORS", "project_checklist", "INDUSTRY_APPLICATIONS",
    "export_dashboard", "figure_data_uri", "true_service_level", "service_check",
    "HAND_TARGETS", "book_targets", "scorecard_view",
]
