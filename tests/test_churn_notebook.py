"""Chapter 05 runs on a reader's own contractual churn table and on the Telco data alone."""

import papermill as pm
import pytest

from crm_lab import churn
from crm_lab.cli import ROOT
from crm_lab.simulate import simulate_company

CHAPTER = ROOT / "notebooks" / "05_churn_retention.ipynb"


def _run(tmp_path, **params):
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(CHAPTER), str(out), parameters=params, cwd=str(CHAPTER.parent),
                        kernel_name="python3", progress_bar=False)
    return out


def test_own_churn_csv_runs(tmp_path):
    """A generated churn CSV in the documented schema, with its own column names (mapped by
    the ``columns`` parameter), runs through the chapter."""
    c = simulate_company(1500, seed=4)
    table = churn.membership_table(c.subscriptions, c.customers, as_of="2025-12-31")
    csv = tmp_path / "my_churn.csv"
    (table.reset_index()
     .rename(columns={"customer_id": "member", "tenure": "months", "churned": "left"})
     .assign(left=lambda t: t["left"].map({True: "Yes", False: "No"}))
     .to_csv(csv, index=False))
    _run(tmp_path, data=str(csv), n_folds=3,
         columns={"customer_id": "member", "tenure": "months", "churned": "left"})


def test_telco_only_runs(tmp_path):
    """data="telco": the Telco sections run, the company's are skipped."""
    _run(tmp_path, data="telco", n_folds=3)


def test_bad_churn_csv_fails_early(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text("id,months\n1,3\n2,4\n")
    with pytest.raises(pm.PapermillExecutionError) as err:
        _run(tmp_path, data=str(csv))
    assert "churned" in str(err.value) and err.value.exec_count <= 3
