"""Chapter 08 with a reader's own complaints CSV, and the pseudonymisation key kept secret."""

from __future__ import annotations

import json

import nbformat
import papermill as pm

from crm_lab.cli import ROOT
from crm_lab.privacy import derive_key
from crm_lab.simulate import simulate_company

PATH = ROOT / "notebooks" / "08_care_complaints.ipynb"


def test_own_complaints_csv_runs(tmp_path):
    complaints = simulate_company(1000, seed=4).complaints.drop(columns="complaint_id")
    csv = tmp_path / "my_complaints.csv"
    complaints.to_csv(csv, index=False)
    out = tmp_path / "own.ipynb"
    pm.execute_notebook(str(PATH), str(out), parameters={"data": str(csv)},
                        cwd=str(PATH.parent), kernel_name="python3", progress_bar=False)
    text = json.dumps(nbformat.read(out, as_version=4).cells)
    assert "Complaints by category" in text or "cumulative_share" in text


def test_key_never_in_stored_outputs():
    nb = nbformat.read(PATH, as_version=4)
    key = derive_key(0)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells if c.cell_type == "code"])
    for form in (key.hex(), repr(key), str(key)):
        assert form not in outputs
