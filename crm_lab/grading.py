"""The instructor's workflow: one exercise notebook per student, graded locally.

``python -m crm_lab.cli exercises assign --roster roster.csv`` gives every student on the
roster (columns ``student_id``, ``name``, optional ``seed``) a seed and writes, for each
chapter's exercises, a notebook named for the student with the seed written into its
``parameters`` cell and its metadata, plus ``roster-with-seeds.csv``.

``python -m crm_lab.cli exercises grade SUBMISSIONS --roster roster-with-seeds.csv`` grades
every returned notebook with otter-grader's local API (:func:`otter.api.grade_submission`
and the chapter's autograder zip), in this environment, without Docker or network, always
with the seed on the roster, and writes ``gradebook.csv``: one row per student and chapter
with each question's points, the total, a status (``graded``, ``crashed``, ``missing``,
``late``, ``seed mismatch``; several are joined by ``"; "``) and the first error of a question
that crashed.

Points sit on the hidden test cases only (they check the exact, seed-dependent answer); the
visible checks help the student and carry 0 points. The submission is executed with errors
allowed, so an exception in one question costs only that question and those that use its
result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from .validate import DataError, check_columns

__all__ = [
    "Assignment",
    "exercise_masters",
    "questions",
    "build_assignment",
    "read_roster",
    "with_seeds",
    "personalise",
    "assign",
    "submitted_seed",
    "find_submissions",
    "grade_submission",
    "grade",
]

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
#: Status words of the gradebook.
STATUSES = ("graded", "crashed", "missing", "late", "seed mismatch")
_SEED_LINE = re.compile(r"^(\s*seed\s*=\s*)([^#\n]*)(.*)$", re.MULTILINE)
_CHECK = re.compile(r"""grader\.check\(\s*["']([^"']+)["']\s*\)""")


def exercise_masters(folder: Path = EXERCISES) -> list[Path]:
    """The master exercise notebooks ``exercises/NN_name/NN_name.ipynb``, in chapter order.

    Examples
    --------
    >>> [p.stem for p in exercise_masters()][:2]
    ['01_customer_data', '02_segmentation']
    """
    return sorted(p for d in sorted(Path(folder).glob("[0-9][0-9]_*")) if d.is_dir()
                  for p in [d / f"{d.name}.ipynb"] if p.exists())


def questions(master: Path) -> dict[str, float]:
    """Question names and their points, from the ``# BEGIN QUESTION`` cells of a master.

    Examples
    --------
    >>> questions(EXERCISES / "01_customer_data" / "01_customer_data.ipynb")["q1"]
    1
    """
    import nbformat
    import yaml

    out = {}
    for cell in nbformat.read(master, as_version=4).cells:
        src = cell.source.strip()
        if cell.cell_type == "raw" and src.startswith("# BEGIN QUESTION"):
            spec = yaml.safe_load(src.split("\n", 1)[1]) or {}
            out[str(spec["name"])] = spec.get("points", 1)
    return out


@dataclass(frozen=True)
class Assignment:
    """What ``otter assign`` made for one chapter.

    Attributes
    ----------
    chapter : str
        ``NN_name``.
    student : Path
        The student version of the notebook.
    solution : Path
        The version with solutions (otter's ``autograder`` folder).
    autograder : Path
        The autograder zip that grades submissions.
    """

    chapter: str
    student: Path
    solution: Path
    autograder: Path


def build_assignment(master: Path, out: Path, *, rebuild: bool = False) -> Assignment:
    """Run ``otter assign`` on ``master`` into ``out`` (skipped if already up to date).

    Parameters
    ----------
    master : Path
        ``exercises/NN_name/NN_name.ipynb``.
    out : Path
        Folder for the ``student/`` and ``autograder/`` versions.
    rebuild : bool
        Run otter even if ``out`` holds an autograder newer than the master.

    Returns
    -------
    Assignment
    """
    master, out = Path(master).resolve(), Path(out).resolve()
    zips = sorted((out / "autograder").glob("*.zip"))
    fresh = zips and zips[-1].stat().st_mtime >= master.stat().st_mtime
    if rebuild or not fresh:
        if out.exists():
            shutil.rmtree(out)
        proc = subprocess.run([sys.executable, "-m", "otter", "assign", "--no-pdfs", str(master),
                               str(out)], cwd=master.parent, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"otter assign failed for {master.name}:\n{proc.stderr[-3000:]}")
        zips = sorted((out / "autograder").glob("*.zip"))
    return Assignment(master.stem, out / "student" / master.name,
                      out / "autograder" / master.name, zips[-1])


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", str(text)).strip("_") or "student"


def read_roster(path: Path | str) -> pd.DataFrame:
    """Read a class roster: columns ``student_id``, ``name`` and optionally ``seed``.

    Parameters
    ----------
    path : Path or str
        A CSV file (``student id`` / ``student-id`` are accepted for ``student_id``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``student_id`` (strings), with ``name`` and ``seed`` (missing seeds are
        ``<NA>``).

    Raises
    ------
    DataError
        If a column is missing, an id is repeated or a seed is not a whole number >= 0.

    Examples
    --------
    >>> import io
    >>> read_roster(io.StringIO("student_id,name\\ns1,Li Wei\\n")).loc["s1", "name"]
    'Li Wei'
    """
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = [re.sub(r"[\s-]+", "_", str(c).strip().lower()) for c in df.columns]
    check_columns(df, ["student_id", "name"], "roster",
                  hint="The roster is a CSV with one row per student: student_id,name[,seed].")
    df["student_id"] = df["student_id"].str.strip()
    dup = df["student_id"][df["student_id"].duplicated(keep=False)]
    if (df["student_id"] == "").any() or len(dup):
        raise DataError(f"roster['student_id']: every student needs a unique, non-empty id; "
                        f"repeated or empty: {sorted(set(dup))[:5]}.\n"
                        "How to fix: give each row its own id.")
    seeds = df["seed"].str.strip() if "seed" in df else pd.Series("", index=df.index)
    bad = seeds[(seeds != "") & ~seeds.str.fullmatch(r"\d+")]
    if len(bad):
        raise DataError(f"roster['seed']: seeds must be whole numbers >= 0; got "
                        f"{bad.tolist()[:5]}.\nHow to fix: correct them or leave them empty "
                        "(a seed is then derived from the student id).")
    df["seed"] = pd.array([int(s) if s else pd.NA for s in seeds], dtype="Int64")
    return df.set_index("student_id")[["name", "seed"]]


def with_seeds(roster: pd.DataFrame) -> pd.DataFrame:
    """Fill missing seeds from the student id (stable, different for every student).

    Examples
    --------
    >>> r = pd.DataFrame({"name": ["A", "B"], "seed": pd.array([5, None], dtype="Int64")},
    ...                  index=pd.Index(["s1", "s2"], name="student_id"))
    >>> with_seeds(r)["seed"].tolist() == [5, with_seeds(r)["seed"].iloc[1]]
    True
    """
    out = roster.copy()
    used = set(out["seed"].dropna().astype(int))
    seeds = []
    for sid, seed in out["seed"].items():
        if pd.isna(seed):
            seed = zlib.crc32(str(sid).encode()) % 100_000
            while seed in used:
                seed = (seed + 1) % 100_000
            used.add(seed)
        seeds.append(int(seed))
    out["seed"] = pd.array(seeds, dtype="int64")
    return out


def _set_seed(source: str, seed: int, comment: str) -> str:
    new, n = _SEED_LINE.subn(lambda m: f"{m.group(1)}{seed}  # {comment}", source, count=1)
    if not n:
        raise DataError("exercise notebook: its 'parameters' cell has no 'seed = ...' line.\n"
                        "How to fix: put 'seed = 0' in the first code cell, tagged parameters.")
    return new


def personalise(student_nb: Path, out: Path, *, chapter: str, student_id: str, name: str,
                seed: int) -> Path:
    """Write a student's own copy of a chapter's student notebook.

    The copy is named ``<chapter>_<student_id>.ipynb``; its first cell opens the grader on
    that name (so ``grader.check`` works in the copy), its ``parameters`` cell sets the
    student's seed, and ``metadata["crm_lab"]`` records chapter, student and seed.

    Returns
    -------
    Path
        The notebook written.
    """
    import nbformat

    nb = nbformat.read(student_nb, as_version=4)
    path = Path(out) / f"{chapter}_{_safe(student_id)}.ipynb"
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter.Notebook(" in cell.source:
            cell.source = re.sub(r"otter\.Notebook\([^)]*\)", f'otter.Notebook("{path.name}")',
                                 cell.source)
            break
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = _set_seed(params.source, seed, "your seed: keep it, grading uses it")
    intro = nbformat.v4.new_markdown_cell(
        f"**For {name} ({student_id}) · seed {seed}.** Your answers depend on this seed; "
        "the grader uses the seed your instructor assigned.")
    intro.metadata["editable"] = False
    nb.cells.insert(1, intro)
    nb.metadata["crm_lab"] = {"chapter": chapter, "student_id": str(student_id),
                              "name": str(name), "seed": int(seed)}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def assign(roster: Path | str, out: Path, *, chapters: list[str] | None = None,
           build: Path | None = None) -> Path:
    """Write every student's notebook for every chapter and ``roster-with-seeds.csv``.

    Parameters
    ----------
    roster : Path or str
        The class roster (see :func:`read_roster`).
    out : Path
        Output folder: ``out/<chapter>/<chapter>_<student_id>.ipynb`` and
        ``out/roster-with-seeds.csv``.
    chapters : list of str, optional
        Chapter folder names (``01_customer_data``) or numbers (``01``); default all.
    build : Path, optional
        Where otter's student versions and autograders go (default ``_build/exercises``,
        outside ``out``: they hold the solutions).

    Returns
    -------
    Path
        The roster-with-seeds CSV.
    """
    out = Path(out).resolve()
    table = with_seeds(read_roster(roster))
    build = Path(build) if build else ROOT / "_build" / "exercises"
    for master in _select(chapters):
        a = build_assignment(master, build / master.stem)
        for sid, row in table.iterrows():
            personalise(a.student, out / master.stem, chapter=master.stem, student_id=sid,
                        name=row["name"], seed=int(row["seed"]))
        print(f"{master.stem}: {len(table)} notebooks in {out / master.stem}")
    path = out / "roster-with-seeds.csv"
    table.reset_index().to_csv(path, index=False)
    print(f"seeds: {path}")
    return path


def _select(chapters: list[str] | None) -> list[Path]:
    masters = exercise_masters()
    if not chapters:
        return masters
    picked = [m for m in masters if any(m.stem == c or m.stem.startswith(f"{c}_")
                                        for c in chapters)]
    if len(picked) < len(chapters):
        raise DataError(f"chapters {chapters}: not all found among "
                        f"{[m.stem for m in masters]}.\nHow to fix: use these names or numbers.")
    return picked


def submitted_seed(nb) -> int | None:
    """The seed a submission's ``parameters`` cell sets (``None`` if it cannot be read)."""
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("parameters" in tags or "injected-parameters" in tags):
            found = [m.group(2).strip() for m in _SEED_LINE.finditer(cell.source)]
            if found:
                try:
                    return int(found[-1])
                except ValueError:
                    return None
    return None


def find_submissions(folder: Path, chapters: list[str]) -> dict[tuple[str, str], Path]:
    """Map ``(chapter, student_id)`` to the submitted notebook found under ``folder``.

    A notebook is identified by ``metadata["crm_lab"]`` (written by :func:`assign`), or else
    by its file name ``<chapter>_<student_id>.ipynb``. Checkpoint copies are ignored.
    """
    import nbformat

    found: dict[tuple[str, str], Path] = {}
    for path in sorted(Path(folder).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        try:
            meta = nbformat.read(path, as_version=4).metadata.get("crm_lab", {})
        except Exception:  # unreadable file: identify it by its name and let grading report it
            meta = {}
        chapter, sid = meta.get("chapter"), meta.get("student_id")
        if not (chapter and sid):
            chapter = next((c for c in chapters if path.stem.startswith(f"{c}_")), None)
            sid = path.stem[len(chapter) + 1:] if chapter else None
        if chapter in chapters and sid:
            found[(chapter, str(sid))] = path
    return found


def _question_of_cells(nb) -> list[str | None]:
    """For each cell, the question whose ``grader.check`` comes next (None after the last)."""
    names, current = [None] * len(nb.cells), None
    for i in range(len(nb.cells) - 1, -1, -1):
        cell = nb.cells[i]
        m = _CHECK.search(cell.source) if cell.cell_type == "code" else None
        current = m.group(1) if m else current
        names[i] = current
    first_answer = next((i for i, c in enumerate(nb.cells)
                         if "otter_answer_cell" in c.metadata.get("tags", [])), 0)
    return ["setup" if i < first_answer else q for i, q in enumerate(names)]


def _first_errors(nb) -> dict[str, str]:
    errors: dict[str, str] = {}
    for q, cell in zip(_question_of_cells(nb), nb.cells, strict=True):
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if o.get("output_type") == "error" and (q or "end") not in errors:
                errors[q or "end"] = f"{o.get('ename')}: {o.get('evalue')}"[:300]
    return errors


def grade_submission(path: Path, autograder: Path, seed: int) -> dict:
    """Grade one notebook with the seed ``seed``; return points per question and problems.

    The notebook's ``parameters`` cell is set to ``seed`` first (whatever the student
    wrote), then otter executes it with errors allowed and runs every question's tests.

    Returns
    -------
    dict
        ``points`` (question -> points), ``submitted_seed``, ``errors`` (question -> first
        error message of a question whose cell raised), ``failure`` (a message if the
        notebook could not be graded at all, else ``None``).
    """
    import nbformat
    from otter.api import grade_submission as otter_grade

    out = {"points": {}, "submitted_seed": None, "errors": {}, "failure": None}
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not a notebook: nothing to grade
        out["failure"] = f"unreadable notebook: {type(exc).__name__}: {exc}"[:300]
        return out
    out["submitted_seed"] = submitted_seed(nb)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and ("parameters" in tags or "injected-parameters" in tags):
            if _SEED_LINE.search(cell.source):
                cell.source = _SEED_LINE.sub(lambda m: f"{m.group(1)}{seed}", cell.source)
    # name the copy as its first cell's otter.Notebook("...") expects (a renamed file would
    # otherwise fail in that cell)
    opened = next((m.group(1) for c in nb.cells if c.cell_type == "code"
                   for m in [re.search(r"""otter\.Notebook\(\s*["']([^"']+)["']""", c.source)]
                   if m), Path(path).name)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / Path(opened).name
        nbformat.write(nb, copy)
        try:
            results = otter_grade(str(copy), str(autograder), quiet=True)
        except Exception as exc:  # otter itself failed on this file
            out["failure"] = f"{type(exc).__name__}: {exc}"[:300]
            return out
    out["points"] = {q: float(tf.score) for q, tf in results.results.items()}
    if results.notebook is not None:
        out["errors"] = _first_errors(results.notebook)
    if results.catastrophic_error is not None and not out["points"]:
        out["failure"] = str(results.catastrophic_error)[:300]
    return out


def grade(submissions: Path, roster: Path | str, *, out: Path | None = None,
          chapters: list[str] | None = None, deadline: datetime | str | None = None,
          build: Path | None = None) -> pd.DataFrame:
    """Grade a folder of submissions against the roster; write and return the gradebook.

    Parameters
    ----------
    submissions : Path
        Folder searched recursively for ``*.ipynb``.
    roster : Path or str
        ``roster-with-seeds.csv`` from :func:`assign` (a roster without seeds gets the same
        derived seeds as :func:`assign` gave).
    out : Path, optional
        The gradebook CSV (default ``submissions/gradebook.csv``).
    chapters : list of str, optional
        Chapters to grade; default every chapter with at least one submission.
    deadline : datetime or ISO string, optional
        Submissions whose file was modified after it are graded and marked ``late``.
    build : Path, optional
        Where the autograders are built (default ``_build/exercises``).

    Returns
    -------
    pandas.DataFrame
        One row per student and chapter: ``chapter``, ``student_id``, ``name``, ``seed``,
        ``submitted_seed``, one column per question, ``total``, ``possible``, ``status``,
        ``error``, ``file``.
    """
    submissions = Path(submissions).resolve()
    table = with_seeds(read_roster(roster))
    if isinstance(deadline, str):
        deadline = datetime.fromisoformat(deadline)
    wanted = [m.stem for m in (_select(chapters) if chapters else exercise_masters())]
    found = find_submissions(submissions, wanted)
    masters = [m for m in exercise_masters() if m.stem in wanted
               and (chapters or any(c == m.stem for c, _ in found))]
    build = Path(build) if build else ROOT / "_build" / "exercises"
    rows = []
    for master in masters:
        qs = questions(master)
        a = build_assignment(master, build / master.stem)
        for sid, r in table.iterrows():
            row = {"chapter": master.stem, "student_id": sid, "name": r["name"],
                   "seed": int(r["seed"]), "submitted_seed": pd.NA}
            path = found.get((master.stem, sid))
            flags, error = [], ""
            if path is None:
                points = dict.fromkeys(qs, 0.0)
                flags.append("missing")
            else:
                g = grade_submission(path, a.autograder, int(r["seed"]))
                points = {q: g["points"].get(q, 0.0) for q in qs}
                row["submitted_seed"] = g["submitted_seed"]
                crash = g["failure"] or next(
                    (f"{q}: {m}" for q, m in g["errors"].items()), "")
                if crash:
                    flags.append("crashed")
                    error = crash
                if g["submitted_seed"] != int(r["seed"]):
                    flags.append("seed mismatch")
                if deadline is not None and datetime.fromtimestamp(
                        path.stat().st_mtime, tz=deadline.tzinfo) > deadline:
                    flags.append("late")
            row.update(points)
            row.update(total=sum(points.values()), possible=float(sum(qs.values())),
                       status="; ".join(flags) or "graded", error=error,
                       file=str(path.relative_to(submissions)) if path else "")
            rows.append(row)
        print(f"{master.stem}: graded {sum(1 for k in found if k[0] == master.stem)} "
              f"submissions of {len(table)} students")
    book = pd.DataFrame(rows)
    head = ["chapter", "student_id", "name", "seed", "submitted_seed"]
    tail = ["total", "possible", "status", "error", "file"]
    qcols = sorted((c for c in book.columns if c not in head + tail),
                   key=lambda q: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", q)])
    book = book[head + qcols + tail]
    book["submitted_seed"] = book["submitted_seed"].astype("Int64")
    out = Path(out) if out else submissions / "gradebook.csv"
    book.to_csv(out, index=False)
    print(f"gradebook: {out}")
    return book
