"""The stored notebook outputs survive another machine's arithmetic.

nbval (part of ``make test``) compares the committed outputs with a fresh execution on this
machine. Here the chapters are executed again with the arithmetic perturbed the way another
machine perturbs it: every money column read from disk multiplied by ``1 + 1e-12``
(``tests/perturb/sitecustomize.py``) and BLAS / OpenMP restricted to one thread. nbval must
still accept every stored output. (``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are left as
the machine sets them.)
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crm_lab.cli import ROOT

PERTURB = ROOT / "tests" / "perturb"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PERTURB), str(ROOT), env.get("PYTHONPATH", "")])
    env["CRM_LAB_PERTURB"] = "1e-12"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def test_perturbation_is_active():
    code = ("import os, crm_lab.datasets as d; "
            "print(os.environ['CRM_LAB_PERTURBED'], repr(d.load_cdnow().amount.sum()))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()
    assert float(out[0]) == 1 + 1e-12
    assert out[1] != "np.float64(2500315.63)", "the money columns were not perturbed"


@pytest.mark.slow
def test_notebooks_pass_nbval_with_perturbed_arithmetic():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "notebooks"],
        env=_env(), capture_output=True, text=True, cwd=ROOT)
    tail = "\n".join(result.stdout.splitlines()[-60:])
    assert result.returncode == 0, f"nbval failed with perturbed arithmetic:\n{tail}"
