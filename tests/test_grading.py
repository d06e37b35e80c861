"""The instructor's workflow (crm_lab.grading): assign per-student notebooks, grade locally.

* every exercise question carries its points on hidden tests only, and its answer depends on
  the seed (seeds 0 and 3 give different values for every answer variable);
* ``exercises assign`` writes notebooks named for the students that run from their first cell;
* ``exercises grade`` grades a synthetic class (correct, wrong, crashing, missing, wrong seed,
  late, unanswered, renamed, hard-coded) and every gradebook row is checked.
"""

import hashlib
import os
import pickle
import re
import time

import nbformat
import pandas as pd
import pytest
import yaml

from crm_lab import grading
from crm_lab.cli import main
from crm_lab.validate import DataError

MASTERS = grading.exercise_masters()
CH01 = next(m for m in MASTERS if m.stem == "01_customer_data")


def _parts(master):
    """Per question: its test cells (config, source) and its answer variables."""
    out, q, where = {}, None, None
    for cell in nbformat.read(master, as_version=4).cells:
        s = cell.source.strip()
        if cell.cell_type == "raw":
            if s.startswith("# BEGIN QUESTION"):
                config = yaml.safe_load(s.split("\n", 1)[1])
                q = str(config["name"])
                out[q] = {"tests": [], "vars": [], "points": config.get("points")}
            elif s.startswith(("# BEGIN TESTS", "# BEGIN SOLUTION")):
                where = s.split()[2].lower()
            elif s.startswith(("# END TESTS", "# END SOLUTION")):
                where = None
            continue
        if q is None or cell.cell_type != "code":
            continue
        if where == "tests":
            m = re.search(r'""" # BEGIN TEST CONFIG\n(.*?)""" # END TEST CONFIG', cell.source, re.S)
            out[q]["tests"].append(yaml.safe_load(m.group(1)) if m else {})
        elif where == "solution":
            for line in cell.source.splitlines():
                m = re.match(r"^([\w, ]+?)\s*=\s*(\.\.\.$|.*# SOLUTION$)", line)
                if m:
                    out[q]["vars"] += [v.strip() for v in m.group(1).split(",")]
    for part in out.values():  # otter's per-question form: points: [visible, hidden, ...]
        if isinstance(part["points"], list) and len(part["points"]) == len(part["tests"]):
            for test, points in zip(part["tests"], part["points"], strict=True):
                test.setdefault("points", points)
    return out


@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_points_only_on_hidden_tests(master):
    parts = _parts(master)
    assert parts, "no questions found"
    for q, p in parts.items():
        hidden = [t for t in p["tests"] if t.get("hidden")]
        visible = [t for t in p["tests"] if not t.get("hidden")]
        assert hidden, f"{q}: no hidden test holds the exact answer"
        assert all(t.get("points") == 0 for t in visible), f"{q}: a visible check carries points"
        assert p["vars"], f"{q}: no answer variable found"


_FINGERPRINT = '''
import hashlib as _h, pickle as _pk, json as _js
import pandas as _pd
def _fp(v):
    if isinstance(v, (_pd.Series, _pd.DataFrame)):
        return str(_pd.util.hash_pandas_object(v.round(9) if hasattr(v, "round") else v).sum())
    if isinstance(v, (int, float, str, tuple, bool)):
        return repr(v)
    return _h.sha1(_pk.dumps(v)).hexdigest()
print(_js.dumps({n: _fp(globals()[n]) for n in NAMES}))
'''


def _answers(master, seed):
    from nbclient import NotebookClient

    parts = _parts(master)
    names = [v for p in parts.values() for v in p["vars"]]
    nb = nbformat.read(master, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"]
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = re.sub(r"^seed = \d+", f"seed = {seed}", params.source, flags=re.M)
    nb.cells.append(nbformat.v4.new_code_cell(_FINGERPRINT.replace("NAMES", repr(names))))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(master.parent)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    import json

    return parts, json.loads(text.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=lambda p: p.stem)
def test_every_answer_depends_on_the_seed(master):
    parts, a = _answers(master, 0)
    _, b = _answers(master, 3)
    for q, p in parts.items():
        same = [v for v in p["vars"] if a[v] == b[v]]
        assert not same, f"{master.stem} {q}: {same} are the same for seeds 0 and 3"


def _roster(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_roster_checks_columns_ids_and_seeds(tmp_path):
    with pytest.raises(DataError, match="student_id"):
        grading.read_roster(_roster(tmp_path, "id,name\ns1,A\n"))
    with pytest.raises(DataError, match="unique"):
        grading.read_roster(_roster(tmp_path, "student_id,name\ns1,A\ns1,B\n"))
    with pytest.raises(DataError, match="seed"):
        grading.read_roster(_roster(tmp_path, "student_id,name,seed\ns1,A,x\n"))
    r = grading.read_roster(_roster(tmp_path, "Student ID,name,seed\ns1,A,7\ns2,B,\ns3,C,\n"))
    seeds = grading.with_seeds(r)["seed"]
    assert seeds["s1"] == 7 and seeds.nunique() == 3
    assert grading.with_seeds(r).equals(grading.with_seeds(r))   # derived seeds are stable


@pytest.fixture(scope="module")
def ch01(tmp_path_factory):
    """Otter's student version, solutions and autograder of chapter 1, built once."""
    return grading.build_assignment(CH01, tmp_path_factory.mktemp("otter") / CH01.stem)


@pytest.fixture(scope="module")
def assigned(ch01, tmp_path_factory):
    """``exercises assign`` for a roster of 11 students, some with a given seed."""
    tmp = tmp_path_factory.mktemp("class")
    rows = ["student_id,name,seed"] + [
        f"s{i:02d},Student {i} 学生,{(5 + i) if i % 2 else ''}" for i in range(1, 12)]
    roster = _roster(tmp, "\n".join(rows) + "\n")
    out = tmp / "assigned"
    # reuse the autograder built above (exercises --out is where otter's builds live)
    assert main(["exercises", "--out", str(ch01.autograder.parents[2]), "assign", "--roster",
                 str(roster), "--out", str(out), "--chapters", "01"]) == 0
    assert not any(p.name in ("autograder", "student") for p in out.rglob("*"))
    return out


def test_assign_writes_one_working_notebook_per_student(assigned):
    from nbclient import NotebookClient

    table = pd.read_csv(assigned / "roster-with-seeds.csv", dtype={"student_id": str})
    assert len(table) == 11 and table["seed"].notna().all() and table["seed"].is_unique
    assert table.set_index("student_id").loc["s01", "seed"] == 6      # given seeds are kept
    files = sorted((assigned / CH01.stem).glob("*.ipynb"))
    assert [f.name for f in files] == [f"{CH01.stem}_s{i:02d}.ipynb" for i in range(1, 12)]
    nb = nbformat.read(files[2], as_version=4)
    seed = int(table.set_index("student_id").loc["s03", "seed"])
    assert nb.metadata["crm_lab"] == {"chapter": CH01.stem, "student_id": "s03",
                                      "name": "Student 3 学生", "seed": seed}
    assert grading.submitted_seed(nb) == seed
    assert f'otter.Notebook("{files[2].name}")' in nb.cells[0].source
    # the student's copy runs from its first cell to the end in its own folder
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(files[2].parent)}}).execute()
    first_check = next(c for c in nb.cells if c.cell_type == "code"
                       and c.source.startswith("grader.check("))
    shown = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "")
                    for o in first_check.outputs)
    assert "q1 results" in shown and "FileNotFoundError" not in shown, shown


def _set(nb, var, source):
    """Replace the answer cell that assigns ``var``."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and "grader." not in c.source
                and re.search(rf"^{var}\s*=", c.source, re.M))
    cell.source = source
    return nb


@pytest.mark.slow
def test_grade_a_synthetic_class(ch01, assigned, tmp_path):
    table = pd.read_csv(assigned / "roster-with-seeds.csv", dtype={"student_id": str})
    seeds = table.set_index("student_id")["seed"].astype(int).to_dict()
    from crm_lab import book

    def buyers_2025(seed):
        t = book.load("simulated", seed=seed, n_customers=2000).transactions
        return int(t.loc[t["date"].dt.year == 2025, "customer_id"].nunique())

    seed0_answer = buyers_2025(0)
    assert seed0_answer != buyers_2025(seeds["s08"])
    sub = tmp_path / "submissions"

    def solved(sid, folder=sub, name=None):
        path = grading.personalise(ch01.solution, folder, chapter=CH01.stem, student_id=sid,
                                   name=f"Student {sid}", seed=seeds[sid])
        if name:
            path = path.rename(path.with_name(name))
        return path, nbformat.read(path, as_version=4)

    write = nbformat.write
    solved("s01")                                                          # correct
    late, _ = solved("s02")                                                # correct, late
    p, nb = solved("s03")
    write(_set(nb, "n_buyers", "n_buyers = 0"), p)                         # q1 wrong
    p, nb = solved("s04")
    write(_set(nb, "n_returns", 'n_returns = int((messy_tx["amount_typo"] < 0).sum())'), p)
    p, nb = solved("s05")                                                  # ran another seed
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = re.sub(r"^seed = \d+", f"seed = {seeds['s05'] + 1}", params.source,
                           flags=re.M)
    write(nb, p)
    # s06 submits nothing
    p = assigned / CH01.stem / f"{CH01.stem}_s07.ipynb"                   # unanswered
    (sub / p.name).write_bytes(p.read_bytes())
    p, nb = solved("s08")
    write(_set(nb, "n_buyers", f"n_buyers = {seed0_answer}"), p)           # hard-coded seed 0
    (sub / "renamed").mkdir()
    solved("s09", sub / "renamed", name="my homework.ipynb")              # found by metadata
    p, nb = solved("s10")
    write(_set(nb, "revenue", "revenue = 1 / 0"), p)                       # q2 crashes, q3 uses it
    p, nb = solved("s11")
    write(_set(nb, "clean_tx", "clean_tx = messy_tx"), p)                  # q5 wrong
    deadline = time.time() + 3600
    os.utime(late, (deadline + 60, deadline + 60))

    gradebook = tmp_path / "gradebook.csv"
    assert main(["exercises", "--out", str(ch01.autograder.parents[2]), "grade", str(sub),
                 "--roster", str(assigned / "roster-with-seeds.csv"), "--chapters", "01",
                 "--gradebook", str(gradebook),
                 "--deadline", pd.Timestamp(deadline, unit="s").isoformat() + "+00:00"]) == 0
    g = pd.read_csv(gradebook, dtype={"student_id": str}).set_index("student_id")
    qs = ["q1", "q2", "q3", "q4", "q5"]
    expected = {  # points per question, status, start of the error message
        "s01": ([1, 1, 1, 1, 1], "graded", ""),
        "s02": ([1, 1, 1, 1, 1], "late", ""),
        "s03": ([0, 1, 1, 1, 1], "graded", ""),
        "s04": ([1, 1, 1, 0, 1], "crashed", "q4: KeyError"),
        "s05": ([1, 1, 1, 1, 1], "seed mismatch", ""),
        "s06": ([0, 0, 0, 0, 0], "missing", ""),
        "s07": ([0, 0, 0, 0, 0], "graded", ""),
        "s08": ([0, 1, 1, 1, 1], "graded", ""),
        "s09": ([1, 1, 1, 1, 1], "graded", ""),
        "s10": ([1, 0, 0, 1, 1], "crashed", "q2: ZeroDivisionError"),
        "s11": ([1, 1, 1, 1, 0], "graded", ""),
    }
    assert sorted(g.index) == sorted(expected)
    for sid, (points, status, error) in expected.items():
        row = g.loc[sid]
        assert row[qs].tolist() == points, (sid, row[qs].tolist())
        assert row["total"] == sum(points) and row["possible"] == 5
        assert row["status"] == status, (sid, row["status"], row["error"])
        assert str(row["error"]).startswith(error) if error else pd.isna(row["error"]), sid
        assert row["seed"] == seeds[sid]
    assert g.loc["s05", "submitted_seed"] == seeds["s05"] + 1
    assert g.loc["s09", "file"] == os.path.join("renamed", "my homework.ipynb")


def test_fingerprint_helpers_are_deterministic():
    # the seed-dependence test compares fingerprints; equal values must give equal prints
    s = pd.Series([1.0, 2.0], index=["a", "b"])
    assert pd.util.hash_pandas_object(s).sum() == pd.util.hash_pandas_object(s.copy()).sum()
    assert hashlib.sha1(pickle.dumps((1, "a"))).hexdigest() == \
        hashlib.sha1(pickle.dumps((1, "a"))).hexdigest()
