"""Command line for the book: ``python -m crm_lab.cli {book,exercises,run}``.

``book``       executes every chapter notebook once into a build folder and writes the offline
               HTML book (see :mod:`crm_lab.booksite`; committed notebooks are never modified).
``exercises``  turns each chapter's master exercise notebook into a student version and an
               autograder with otter-grader; ``exercises assign --roster roster.csv`` writes
               one notebook per student and chapter, ``exercises grade SUBMISSIONS --roster
               roster-with-seeds.csv`` grades them locally into ``gradebook.csv``
               (see :mod:`crm_lab.grading`).
``run``        executes one chapter with other parameters (``-p seed 3 -p data my.csv``), e.g.
               ``run notebooks/01_customer_data.ipynb -p data my.csv --columns cust,day,spend
               --dayfirst``. Unknown parameter names are refused before anything runs; a
               relative ``data`` path is read from where you run the command; a failing
               chapter prints the cause and the failing cell (``--verbose``: the traceback).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import logging
import os
import re
import sys
import tempfile
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
    # A kernel stopped right after a failing cell can leave a message in flight on its ZMQ
    # stream; tornado then logs that stream's shutdown race as an "uncaught exception" with a
    # traceback of jupyter_client internals. The chapter's own error is reported by the caller,
    # so that log line is kept out of the reader's terminal.
    tornado_log = logging.getLogger("tornado.general")
    level = tornado_log.level
    tornado_log.setLevel(logging.CRITICAL)
    try:
        with tempfile.TemporaryDirectory(prefix="crm-lab-kernel-") as sockets:
            pm.execute_notebook(str(notebook), str(out), parameters=parameters or {},
                                cwd=str(notebook.parent), kernel_name="python3",
                                progress_bar=False, log_output=False, **_local_kernel(sockets))
    finally:
        tornado_log.setLevel(level)
    return time.perf_counter() - t0


def _local_kernel(folder: str) -> dict:
    """Run the kernel over local sockets in ``folder`` (IPC) instead of unencrypted TCP.

    ipykernel warns about plain-text TCP on every start; the kernel only talks to this
    process, so Unix sockets are the right transport. Windows has no IPC transport: TCP.
    """
    if os.name == "nt":
        return {}
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(folder, "kernel")

    return {"kernel_manager_class": LocalKernelManager}


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


def chapter_parameters(notebook: Path) -> list[str]:
    """Names set in the notebook's cell tagged ``parameters``, in order."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "code"
                 and "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return []
    names = []
    for node in ast.parse(cell.source).body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


class RunError(Exception):
    """A ``run`` request that cannot start; the message says why and what to do."""


def run_parameters(notebook: Path, items: list[list[str]], columns: str | None = None,
                   dayfirst: bool | None = None, cwd: Path | None = None) -> dict:
    """The parameters for ``run``, checked against the chapter's before anything executes.

    ``-p NAME VALUE`` values are read as YAML (``3`` a number, ``true`` a bool, ``null``
    None, ``{a: b}`` a mapping). ``--columns a,b,c`` becomes ``columns``; ``--dayfirst``
    ``dayfirst=True``. A relative ``data`` path is made absolute from ``cwd`` (default:
    the current folder), because the chapter itself runs in ``notebooks/``; so is any other
    text parameter that names an existing file there (e.g. chapter 10's ``staffing``).

    Raises
    ------
    RunError
        An unknown parameter (with the closest name and the chapter's list), ``--columns``
        with a chapter that takes none, a bad column mapping or a missing data file.
    """
    from crm_lab import book
    from crm_lab.validate import ParameterError

    params = _parse_param(items)
    if columns is not None:
        params["columns"] = columns
    if dayfirst is not None:
        params["dayfirst"] = dayfirst
    known = chapter_parameters(notebook)
    unknown = [k for k in params if k not in known]
    if unknown:
        lines = []
        for k in unknown:
            close = difflib.get_close_matches(k, known, n=1)
            flag = {"columns": " (--columns)", "dayfirst": " (--dayfirst)"}.get(k, "")
            lines.append(f"{notebook.stem} has no parameter {k!r}{flag}"
                         + (f"; did you mean {close[0]!r}?" if close else "."))
        raise RunError("\n".join(lines) + f"\nIts parameters: {', '.join(known) or 'none'}.")
    try:
        if "columns" in params:
            params["columns"] = book.column_map(params["columns"]) or None
        data = params.get("data")
        if isinstance(data, str) and data not in book.BUILTIN_DATA:
            path = Path(data).expanduser()
            params["data"] = str(path if path.is_absolute() else (cwd or Path.cwd()) / path)
        for name, value in params.items():
            if name != "data" and isinstance(value, str) and value:
                path = Path(value).expanduser()
                if not path.is_absolute() and ((cwd or Path.cwd()) / path).is_file():
                    params[name] = str((cwd or Path.cwd()) / path)
        if "data" in params:
            book.check_parameters(data=params["data"])
    except ParameterError as err:
        raise RunError(str(err)) from None
    return params


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def report_failure(err, notebook: Path, out: Path, verbose: bool = False) -> str:
    """What ``run`` prints when a cell fails: the cause, the failing cell, where the output is."""
    source = (err.source or "").strip().splitlines()
    shown = "\n".join("    " + line for line in source[:8])
    more = f"\n    ... ({len(source) - 8} more lines)" if len(source) > 8 else ""
    text = (f"{notebook.name} stopped at cell {err.exec_count} with {err.ename}:\n"
            f"{err.evalue}\n\nThe failing cell:\n{shown}{more}\n\n"
            f"Executed up to the error: {out}")
    if verbose:
        text += "\n\nTraceback:\n" + _ANSI.sub("", "\n".join(err.traceback))
    else:
        text += "\n(run again with --verbose for the traceback)"
    return text


def run_chapter(notebook: Path, params: dict, out: Path | None = None,
                verbose: bool = False) -> int:
    """Execute one chapter with ``params`` (checked by :func:`run_parameters`); 0 if it ran."""
    from papermill.exceptions import PapermillExecutionError

    out = (out or run_folder(notebook, params) / notebook.name).resolve()
    try:
        seconds = execute(notebook.resolve(), out, params)
    except PapermillExecutionError as err:
        print(report_failure(err, notebook, out, verbose), file=sys.stderr)
        return 1
    to_html(out, out.with_suffix(".html"))
    print(f"{notebook.name}: {seconds:.1f} s -> {out.with_suffix('.html')}")
    return 0


def refresh(notebooks: list[Path] | None = None) -> list[tuple[str, float]]:
    """Re-execute chapters in place for committing, without volatile metadata.

    Each notebook runs top to bottom in a fresh kernel from its own folder (what nbval does);
    cell timings and the kernel's execution metadata are not stored, so a commit shows only
    what changed in the outputs. Returns ``(name, seconds)`` per notebook.
    """
    import nbformat
    from nbclient import NotebookClient

    done = []
    for path in notebooks or chapter_notebooks():
        path = Path(path).resolve()
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="crm-lab-kernel-") as sockets:
            kernel = _local_kernel(sockets).get("kernel_manager_class")
            extra = {"kernel_manager_class": kernel} if kernel else {}
            NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": str(path.parent)}}, **extra).execute()
        nbformat.write(nb, path)
        done.append((path.name, time.perf_counter() - t0))
        print(f"{path.name:<32} {done[-1][1]:6.1f} s")
    return done


def run_folder(notebook: Path, params: dict, root: Path | None = None) -> Path:
    """A new folder ``_build/runs/<chapter>-<UTC time>-<parameter hash>/`` for one run.

    Runs never overwrite each other: the folder name carries the time (to the second) and
    the first 8 hex digits of the SHA-1 of the parameters, which are also saved beside the
    executed notebook as ``parameters.json``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     a = run_folder(Path("01_customer_data.ipynb"), {"seed": 3}, Path(tmp))
    ...     b = run_folder(Path("01_customer_data.ipynb"), {"seed": 3}, Path(tmp))
    ...     a != b and a.name.startswith("01_customer_data-")
    True
    """
    import hashlib
    import json
    from datetime import UTC, datetime

    text = json.dumps(params, sort_keys=True, default=str)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = (root or ROOT / "_build" / "runs") / f"{notebook.stem}-{stamp}-{digest}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    folder.mkdir(parents=True)
    (folder / "parameters.json").write_text(text + "\n", encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_lab.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("book", help="execute all chapters and write HTML")
    b.add_argument("--out", type=Path, default=ROOT / "_build")
    add_exercises_parser(sub)
    f = sub.add_parser("refresh", help="re-execute chapters in place for committing "
                                       "(no timing metadata)")
    f.add_argument("notebooks", type=Path, nargs="*", help="default: every chapter")
    r = sub.add_parser("run", help="execute one chapter with other parameters")
    r.add_argument("notebook", type=Path)
    r.add_argument("-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a parameter of the chapter, e.g. -p seed 3 -p data my.csv")
    r.add_argument("--columns", metavar="ID,DATE,AMOUNT",
                   help="your CSV's names for customer_id, date and amount, e.g. "
                        "cust,order_date,revenue (same as -p columns '{customer_id: cust, ...}')")
    r.add_argument("--dayfirst", action="store_true", default=None,
                   help="your CSV writes dates day first (31/01/2024)")
    r.add_argument("--out", type=Path, default=None)
    r.add_argument("--verbose", action="store_true", help="print the traceback of a failure")
    args = parser.parse_args(argv)

    if args.command == "book":
        from .booksite import build_book as build_site

        build_site(args.out.resolve())
    elif args.command == "exercises":
        exercises_command(args)
    elif args.command == "refresh":
        refresh(args.notebooks)
    else:
        if not args.notebook.is_file():
            names = ", ".join(p.name for p in chapter_notebooks())
            print(f"{args.notebook} is not a notebook file. The chapters: {names}.",
                  file=sys.stderr)
            return 2
        try:
            params = run_parameters(args.notebook, args.p, args.columns, args.dayfirst)
        except RunError as err:
            print(err, file=sys.stderr)
            return 2
        return run_chapter(args.notebook, params, args.out, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
