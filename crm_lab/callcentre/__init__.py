"""Call centre (chapter 10): forecasting calls, staffing with Erlang C and Erlang A, checked
by simulation.

Four modules, in the order a planner uses them:

* :mod:`~crm_lab.callcentre.erlang` – Erlang B, C and A: probability of waiting, service
  level, average speed of answer (ASA), abandonment, occupancy; :func:`required_agents` for a
  service-level target with maximum occupancy and shrinkage.
* :mod:`~crm_lab.callcentre.simulation` – :func:`simulate_calls`, a discrete-event
  multi-agent queue (FCFS, arrival rates and staffing per interval, lognormal or exponential
  handle times, exponential or other patience) that writes a call log.
* :mod:`~crm_lab.callcentre.planning` – :func:`forecast_arrivals` (weekday x time-of-day
  profile with prediction intervals), :func:`staffing_plan`, and :func:`schedule_shifts`
  (least-cost whole shifts covering the plan, an integer programme).
* :mod:`~crm_lab.callcentre.observed` – observed waits, service level and abandonment per
  interval against Erlang C / A predictions; the arrival rates, handle-time distribution and
  patience recovered from a log.

The call-log schema
-------------------
One row per call offered to the queue (your own CSV: ``pd.read_csv(path,
parse_dates=["arrival"])``; other column names through keyword arguments):

==============  ========  ==============================================================
column          required  meaning
==============  ========  ==============================================================
``arrival``     yes       date-time the call reached the queue
``handle_s``    yes       talk plus after-call work, seconds (>= 0); may be empty (NaN)
                          only for abandoned calls
``wait_s``      no        seconds in queue until answered or until the caller hung up
                          (>= 0); needed for service level, ASA and patience
``abandoned``   no        True/1 if the caller hung up before being answered (absent:
                          every call was answered)
==============  ========  ==============================================================

Staffing is a separate table: agents on duty (``agents``, whole numbers >= 0) per interval,
indexed by the interval's start (or with an ``interval`` column). Intervals are aligned to
midnight (``interval_minutes`` = 30 by default, must divide a day). :func:`check_call_log` and
:func:`check_staffing` raise :class:`~crm_lab.validate.DataError` naming the column, showing
offending rows and saying how to fix them.

Units: calls per interval, seconds for handle times, waits, thresholds and patience.

Examples
--------
>>> from crm_lab import callcentre as cc
>>> cc.erlang_c_metrics(100, 180, 14)
QueueMetrics(erlang_c, agents=14, load=10.00, P(wait)=0.1741, SL(20s)=88.8%, ASA=7.8s, \
occupancy=71.4%)
>>> int(cc.required_agents(100, 180, target=0.8, threshold=20)["agents"])
14

From two weeks of calls to next week's roster and back to what callers experienced:

>>> import numpy as np
>>> day = np.r_[np.zeros(16), np.full(24, 60.0), np.zeros(8)]  # open 08:00-20:00
>>> history = cc.simulate_calls(np.tile(day, 14), agents=12, aht=240, patience=180, seed=1)
>>> fc = cc.forecast_arrivals(history.calls)                    # next week, per half hour
>>> plan = cc.staffing_plan(fc, aht=240, target=0.8, threshold=20, shrinkage=0.3)
>>> roster = cc.schedule_shifts(plan, lengths_hours=(8, 4))     # least-cost whole shifts
>>> bool((roster.coverage["rostered"] >= roster.coverage["required"]).all())
True
>>> week = cc.simulate_calls(fc["forecast"], plan["agents"], aht=240, patience=180, seed=2)
>>> ovp = cc.observed_vs_predicted(week.calls, week.staffing)
>>> bool(ovp["service_level"].mean() > 0.7)
True
"""

from crm_lab.callcentre.calllog import check_call_log, check_staffing, interval_index
from crm_lab.callcentre.erlang import (
    QueueMetrics,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    required_agents,
    service_level_table,
)
from crm_lab.callcentre.observed import (
    CallProcess,
    estimate_call_process,
    estimate_patience,
    interval_performance,
    observed_summary,
    observed_vs_predicted,
)
from crm_lab.callcentre.planning import (
    Roster,
    arrival_counts,
    arrival_profile,
    forecast_arrivals,
    schedule_shifts,
    shift_patterns,
    staffing_plan,
)
from crm_lab.callcentre.simulation import SimulatedCalls, lognormal_params, simulate_calls

__all__ = [
    "check_call_log", "check_staffing", "interval_index",
    "erlang_b", "erlang_c", "offered_load", "QueueMetrics", "erlang_c_metrics",
    "erlang_a_metrics", "required_agents", "service_level_table",
    "SimulatedCalls", "simulate_calls", "lognormal_params",
    "arrival_counts", "arrival_profile", "forecast_arrivals", "staffing_plan", "shift_patterns",
    "Roster",
    "schedule_shifts",
    "interval_performance", "estimate_patience", "CallProcess", "estimate_call_process",
    "observed_vs_predicted", "observed_summary",
]
