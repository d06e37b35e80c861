"""Exercises (otter-grader master notebooks): solutions pass, student versions run.

For each ``exercises/NN_name/NN_name.ipynb``: ``otter assign`` builds the student version and
the autograder (and checks the solutions against their tests with the default seed); then,
with another seed, the solution notebook scores full marks and the student notebook runs to
the end and scores zero, each question reported.
"""

import subprocess
import sys

import papermill as pm
import pytest

from crm_lab.cli import exercise_masters

MASTERS = exercise_masters()
SEED = 11


def test_there_are_exercises():
    assert [m.parent.name for m in MASTERS][:1] == ["01_customer_data"]


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.parent.name)
def test_exercise_solutions_and_student_version(master, tmp_path):
    from otter.api import grade_submission

    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "otter", "assign", "--no-pdfs", str(master), str(dist)],
                   check=True, cwd=master.parent, capture_output=True)
    autograder = next((dist / "autograder").glob("*.zip"))
    scores = {}
    for version in ("autograder", "student"):
        out = tmp_path / f"{version}_seed{SEED}.ipynb"
        pm.execute_notebook(str(dist / version / master.name), str(out), parameters={"seed": SEED},
                            cwd=str(dist / version), kernel_name="python3", progress_bar=False)
        scores[version] = grade_submission(str(out), str(autograder), quiet=True)
    solved, student = scores["autograder"], scores["student"]
    assert solved.total == solved.possible > 0
    assert student.total == 0
    assert set(student.results) == set(solved.results)
