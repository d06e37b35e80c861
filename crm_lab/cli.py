"""Command line for the book: ``python -m crm_lab.cli {book,exercises,run}``.

``book``       executes every chapter notebook once into a build folder and writes the offline
               HTML book (see :mod:`crm_lab.booksite`; committed notebooks are never modified).
``exercises``  turns each chapter's master exercise notebook into a student version and an
               autograder with otter-grader; ``exercises assign --roster roster.csv`` writes
               one notebook per student and chapter, ``exercises grade SUBMISSIONS --roster
               roster-with-seeds.csv`` grades them locally into ``gradebook.csv``
               (see :mod:`crm_lab.grading`).
``run``        executes one chapter with other parameters (``-p seed 3 -p data my.csv``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"


def chapter_notebooks() -> list[Path]:
    """The chapter notebooks, in book order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def exercise_masters() -> list[Path]:
    """The master exercise notebooks, one per chapter folder ``exercises/NN_name/NN_name.ipynb``."""
    from .grading import exercise_masters as masters

    return masters(EXERCISES)


def execute(notebook: Path, out: Path, parameters: dict | None = None) -> float:
    """Execute ``notebook`` with papermill into ``out``; return the seconds it took."""
    import papermill as pm

    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pm.execute_notebook(str(notebook), str(out), parameters=parameters or {},
                        cwd=str(notebook.parent), kernel_name="python3", progress_bar=False,
                        log_output=False)
    return time.perf_counter() - t0


def to_html(notebook: Path, out: Path) -> None:
    """Write a readable HTML page of an executed notebook."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")


def build_exercises(out: Path) -> None:
    """Run ``otter assign`` on each master notebook: student version and autograder."""
    from .grading import build_assignment

    for master in exercise_masters():
        a = build_assignment(master, out / master.parent.name, rebuild=True)
        print(f"{master.parent.name}: student version and autograder in {a.student.parents[1]}")


def exercises_command(args: argparse.Namespace) -> None:
    """``exercises`` (build), ``exercises assign`` and ``exercises grade``."""
    from . import grading

    if args.action == "assign":
        grading.assign(args.roster, args.out.resolve(), chapters=args.chapters,
                       build=args.build.resolve())
    elif args.action == "grade":
        grading.grade(args.submissions, args.roster, out=args.gradebook,
                      chapters=args.chapters, deadline=args.deadline,
                      build=args.build.resolve())
    else:
        build_exercises(args.build.resolve())


def add_exercises_parser(sub) -> None:
    """The ``exercises`` command line, with its ``assign`` and ``grade`` actions."""
    e = sub.add_parser("exercises", help="student versions, per-student notebooks, grading")
    e.add_argument("--out", dest="build", type=Path, default=ROOT / "_build" / "exercises",
                   help="where otter's student versions and autograders go (also for "
                        "assign and grade, which reuse them)")
    act = e.add_subparsers(dest="action")
    a = act.add_parser("assign", help="one notebook per student and chapter, with its seed")
    a.add_argument("--roster", required=True, type=Path,
                   help="CSV with columns student_id,name and optionally seed")
    a.add_argument("--out", type=Path, default=Path("assigned"),
                   help="output folder (default ./assigned)")
    a.add_argument("--chapters", nargs="*", help="chapter numbers or names (default all)")
    g = act.add_parser("grade", help="grade submitted notebooks into gradebook.csv")
    g.add_argument("submissions", type=Path, help="folder with the returned notebooks")
    g.add_argument("--roster", required=True, type=Path, help="roster-with-seeds.csv")
    g.add_argument("--gradebook", type=Path, default=None,
                   help="output CSV (default SUBMISSIONS/gradebook.csv)")
    g.add_argument("--chapters", nargs="*", help="chapters to grade (default: those submitted)")
    g.add_argument("--deadline", default=None,
                   help="ISO time, e.g. 2026-12-08T23:59; later files are marked late")


def _parse_param(items: list[list[str]]) -> dict:
    import yaml

    return {k: yaml.safe_load(v) for k, v in items}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_lab.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("book", help="execute all chapters and write HTML")
    b.add_argument("--out", type=Path, default=ROOT / "_build")
    add_exercises_parser(sub)
    r = sub.add_parser("run", help="execute one chapter with other parameters")
    r.add_argument("notebook", type=Path)
    r.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    r.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.command == "book":
        from .booksite import build_book as build_site

        build_site(args.out.resolve())
    elif args.command == "exercises":
        exercises_command(args)
    else:
        out = args.out or ROOT / "_build" / "runs" / args.notebook.name
        seconds = execute(args.notebook.resolve(), out.resolve(), _parse_param(args.p))
        to_html(out, out.with_suffix(".html"))
        print(f"{args.notebook.name}: {seconds:.1f} s -> {out.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
