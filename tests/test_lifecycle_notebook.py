"""Chapter 12 on a reader's own transactions CSV: referral and NPS sections skip with a note."""

from __future__ import annotations

import json

import nbformat
import papermill as pm

from crm_lab.cli import ROOT
from crm_lab.simulate import simulate_company

PATH = ROOT / "notebooks" / "12_lifecycle_referrals.ipynb"


def test_own_transactions_csv_runs(tmp_path):
    tx = simulate_company(600, seed=4).transactions[["customer_id", "date", "amount"]]
    csv = tmp_path / "my_transactions.csv"
    tx.to_csv(csv, index=False)
    out = tmp_path / "own.ipynb"
    pm.execute_notebook(str(PATH), str(out), parameters={"data": str(csv)},
                        cwd=str(PATH.parent), kernel_name="python3", progress_bar=False)
    cells = nbformat.read(out, as_version=4).cells
    text = json.dumps([c.get("outputs", []) for c in cells if c.cell_type == "code"])
    assert "customers by stage in the last month" in text
    assert "Spearman" in text                                    # Markov vs BG/NBD still runs
    assert "These data have no referrals" in text                # section 3 skipped, said so
    assert "These data have no survey with a recommend score" in text
    assert "share truly dropped out" not in text                # no truth for own data
