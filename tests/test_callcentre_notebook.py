"""Chapter 10 with a reader's own call-log CSV (and staffing CSV), and without staffing."""

from __future__ import annotations

import json

import nbformat
import papermill as pm

from crm_lab.cli import ROOT
from crm_lab.simulate import simulate_company

PATH = ROOT / "notebooks" / "10_call_centre.ipynb"


def _outputs(path) -> str:
    return json.dumps([c.get("outputs", []) for c in nbformat.read(path, as_version=4).cells])


def test_own_call_log_csv_runs(tmp_path):
    # a reader's log in the documented schema: arrival, handle_s, wait_s, abandoned (the
    # simulated company's calls without its ids), and the agents on duty per half hour
    company = simulate_company(1500, seed=4)
    log = company.calls[["arrival", "handle_s", "wait_s", "abandoned"]]
    csv = tmp_path / "my_calls.csv"
    log.to_csv(csv, index=False)
    agents = tmp_path / "my_agents.csv"
    company.truth.call_intervals[["agents"]].reset_index().to_csv(agents, index=False)
    out = tmp_path / "own.ipynb"
    pm.execute_notebook(str(PATH), str(out),
                        parameters={"data": str(csv), "staffing": str(agents)},
                        cwd=str(PATH.parent), kernel_name="python3", progress_bar=False)
    text = _outputs(out)
    assert f"{len(log):,} calls" in text
    assert "weekly profile" in text  # observed against predicted ran
    assert "covers every interval: True" in text


def test_own_call_log_without_waits_or_staffing_runs(tmp_path):
    # arrival and handle time only: the sections that need waits and staffing say so
    log = simulate_company(1500, seed=5).calls
    log = log.loc[~log["abandoned"], ["arrival", "handle_s"]]
    csv = tmp_path / "arrivals_only.csv"
    log.to_csv(csv, index=False)
    out = tmp_path / "own.ipynb"
    pm.execute_notebook(str(PATH), str(out), parameters={"data": str(csv)},
                        cwd=str(PATH.parent), kernel_name="python3", progress_bar=False)
    text = _outputs(out)
    assert "pass staffing=" in text
    assert "covers every interval: True" in text
