"""Chapter 06 runs on a reader's own transaction CSV (no line items, customers or channel).

The warehouse and OLAP sections must run; the basket sections say they are skipped.
"""

import nbformat
import papermill as pm
from _helpers import random_log

from crm_lab.cli import ROOT


def test_own_csv_runs(tmp_path):
    tx = random_log(4, n=6000, n_customers=800, days=730, start="2023-01-01", spend_scale=30)
    csv = tmp_path / "my_log.csv"
    tx.to_csv(csv, index=False)
    path = ROOT / "notebooks" / "06_data_mining_olap.ipynb"
    out = tmp_path / "own.ipynb"
    pm.execute_notebook(str(path), str(out), parameters={"data": str(csv)},
                        cwd=str(path.parent), kernel_name="python3", progress_bar=False)
    text = "".join(o.get("text", "") for c in nbformat.read(out, as_version=4).cells
                   if c.cell_type == "code" for o in c.outputs)
    assert "all checks match to the cent: True" in text
    assert "basket sections are skipped" in text
    assert "GROUP BY ROLLUP" in text
