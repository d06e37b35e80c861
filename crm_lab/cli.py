"""Command line for the book: ``python -m crm_lab.cli {book,exercises,run}``.

``book``       executes every chapter notebook into a build folder and writes HTML for each
               (the committed notebooks are never modified).
``exercises``  turns each chapter's master exercise notebook into a student version and an
               autograder with otter-grader; ``--seeds`` also writes one student copy per seed.
``run``        executes one chapter with other parameters (``-p seed 3 -p data my.csv``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
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
    return sorted(p for d in sorted(EXERCISES.glob("[0-9][0-9]_*")) if d.is_dir()
                  for p in [d / f"{d.name}.ipynb"] if p.exists())


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


def build_book(out: Path) -> list[tuple[str, float]]:
    """Execute every chapter into ``out/notebooks`` and write ``out/html``; return timings."""
    timings = []
    for nb in chapter_notebooks():
        executed = out / "notebooks" / nb.name
        seconds = execute(nb, executed)
        to_html(executed, out / "html" / f"{nb.stem}.html")
        timings.append((nb.stem, seconds))
        print(f"{nb.stem:<32} {seconds:6.1f} s  -> {out / 'html' / (nb.stem + '.html')}")
    links = "\n".join(f'<li><a href="{name}.html">{name}</a></li>' for name, _ in timings)
    (out / "html" / "index.html").write_text(
        f"<html><head><meta charset='utf-8'><title>CRM Lab</title></head><body>"
        f"<h1>CRM Lab</h1><ol>{links}</ol></body></html>", encoding="utf-8")
    return timings


def build_exercises(out: Path, seeds: list[int] | None = None) -> None:
    """Run ``otter assign`` on each master notebook; optionally write per-seed student copies."""
    import papermill as pm

    for master in exercise_masters():
        dist = out / master.parent.name
        subprocess.run([sys.executable, "-m", "otter", "assign", "--no-pdfs", str(master),
                        str(dist)], check=True, cwd=master.parent)
        student = dist / "student" / master.name
        for seed in seeds or []:
            copy = dist / "students" / f"{master.stem}_seed{seed}.ipynb"
            copy.parent.mkdir(parents=True, exist_ok=True)
            pm.execute_notebook(str(student), str(copy), parameters={"seed": seed},
                                prepare_only=True, progress_bar=False)
        print(f"{master.parent.name}: student version and autograder in {dist}")


def _parse_param(items: list[list[str]]) -> dict:
    import yaml

    return {k: yaml.safe_load(v) for k, v in items}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_lab.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("book", help="execute all chapters and write HTML")
    b.add_argument("--out", type=Path, default=ROOT / "_build")
    e = sub.add_parser("exercises", help="build student versions and autograders")
    e.add_argument("--out", type=Path, default=ROOT / "_build" / "exercises")
    e.add_argument("--seeds", type=int, nargs="*", help="write one student copy per seed")
    r = sub.add_parser("run", help="execute one chapter with other parameters")
    r.add_argument("notebook", type=Path)
    r.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    r.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.command == "book":
        build_book(args.out.resolve())
    elif args.command == "exercises":
        build_exercises(args.out.resolve(), args.seeds)
    else:
        out = args.out or ROOT / "_build" / "runs" / args.notebook.name
        seconds = execute(args.notebook.resolve(), out.resolve(), _parse_param(args.p))
        to_html(out, out.with_suffix(".html"))
        print(f"{args.notebook.name}: {seconds:.1f} s -> {out.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
