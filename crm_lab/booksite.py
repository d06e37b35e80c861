"""The offline HTML book: Sphinx + myst-nb over the executed chapter notebooks.

:func:`build_book` executes every chapter once with papermill into ``<out>/notebooks`` and
then :func:`build_html` renders the book without executing anything again
(myst-nb ``nb_execution_mode = "off"``):

* a home page with the chapter table in textbook order and what each chapter teaches;
* one page per chapter (``notebooks/NN_*.ipynb``, new chapters appear by themselves) with the
  sidebar table of contents, previous / next links and the notebook's own title;
* a bilingual glossary collected from every chapter's key-terms table (English | 中文), each
  term linked from the chapters that use it;
* the data cards (``datasets/*/README.md``), the "your own data" schemas, one page per
  exercise set (``exercises/NN_*/``), and an API reference of :mod:`crm_lab` from its
  numpydoc docstrings;
* the standalone HTML dashboard of chapter 11 as a page of its own (``dashboards/``), built
  with the chapter's parameters by :func:`dashboard_pages` and linked from the chapter page;
* full-text search (Chinese words segmented by jieba) that works from ``file://``;
* nothing loaded from the network: MathJax is served from the book's own ``_static``.

The Sphinx sources are generated into ``<out>/book_src`` from the committed ``book/conf.py``
and these inputs; the HTML goes to ``<out>/html``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
DATASETS = ROOT / "datasets"
BOOK = ROOT / "book"

__all__ = ["Chapter", "chapters", "key_terms", "glossary", "stage", "build_html", "build_book",
           "DASHBOARDS", "chapter_parameters", "dashboard_pages"]

#: Chapters with a dashboard page: stem -> the caption of the link on the chapter page.
DASHBOARDS = {"11_bi_performance": "the CRM performance dashboard"}
#: Where the dashboard pages go, in the Sphinx sources and in the HTML.
_DASH_SRC, _DASH_HTML = "_dashboards", "dashboards"

_TABLE_ROW = re.compile(r"^\|(.+)\|\s*$")


@dataclass
class Chapter:
    """What the home page and the glossary need to know about one chapter notebook.

    Attributes
    ----------
    stem : str
        ``NN_name``, also the page name.
    number : str
        The chapter number as shown in its title (``"4"``).
    title : str
        The notebook's first heading without the leading ``#``.
    overview : str
        The first paragraph after the title: what the chapter teaches.
    terms : list of (str, str)
        The key-terms table, English and 中文.
    exercises : str or None
        The exercise folder name if the chapter has exercises.
    """

    stem: str
    number: str
    title: str
    overview: str
    terms: list[tuple[str, str]] = field(default_factory=list)
    exercises: str | None = None


def key_terms(markdown: str) -> list[tuple[str, str]]:
    """The rows of the first markdown table whose header is ``English | 中文``.

    Examples
    --------
    >>> key_terms("| English | 中文 |\\n|---|---|\\n| customer loyalty | 客户忠诚 |\\n")
    [('customer loyalty', '客户忠诚')]
    """
    rows, inside = [], False
    for line in markdown.splitlines():
        m = _TABLE_ROW.match(line.strip())
        if not m:
            if inside:
                break
            continue
        cells = [c.strip() for c in m.group(1).split("|")]
        if not inside:
            inside = len(cells) >= 2 and cells[0].lower() == "english" and cells[1] == "中文"
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append((cells[0], cells[1]))
    return rows


def _first_paragraph(text: str) -> str:
    body = text.split("\n", 1)[1] if text.startswith("#") else text
    para = body.strip().split("\n\n")[0]
    return " ".join(line.strip() for line in para.splitlines())


def chapters(folder: Path = NOTEBOOKS, exercises: Path = EXERCISES) -> list[Chapter]:
    """Every ``NN_*.ipynb`` in ``folder``, in book order, with its title, overview and terms.

    Examples
    --------
    >>> [c.number for c in chapters()][:2]
    ['0', '1']
    """
    import nbformat

    out = []
    for path in sorted(Path(folder).glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        title = first.splitlines()[0].lstrip("#").strip() if first else path.stem
        number = re.match(r"\s*([0-9A-Za-z]+)", title)
        terms = next((t for c in nb.cells if c.cell_type == "markdown"
                      for t in [key_terms(c.source)] if t), [])
        ex = Path(exercises) / path.stem / f"{path.stem}.ipynb"
        out.append(Chapter(path.stem, number.group(1) if number else path.stem[:2], title,
                           _first_paragraph(first), terms,
                           path.stem if ex.exists() else None))
    return out


def _slug(term: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


def glossary(chs: list[Chapter]) -> list[dict]:
    """Merge the chapters' key terms: one entry per English term with its chapters.

    Examples
    --------
    >>> a = Chapter("01_a", "1", "1 · A", "", [("RFM", "最近一次消费")])
    >>> b = Chapter("02_b", "2", "2 · B", "", [("rfm", "最近一次消费"), ("churn", "客户流失")])
    >>> [(e["en"], e["chapters"]) for e in glossary([a, b])]
    [('churn', ['02_b']), ('RFM', ['01_a', '02_b'])]
    """
    entries: dict[str, dict] = {}
    for ch in chs:
        for en, zh in ch.terms:
            e = entries.setdefault(en.lower(), {"en": en, "zh": [], "chapters": []})
            if zh not in e["zh"]:
                e["zh"].append(zh)
            if ch.stem not in e["chapters"]:
                e["chapters"].append(ch.stem)
    return sorted(entries.values(), key=lambda e: e["en"].lower())


def _term_role(en: str) -> str:
    return f"{{term}}`{en.replace('`', '')} <{en.replace('`', '').replace('<', '')}>`"


def _rewrite_links(text: str, ex_prefix: str, data_prefix: str) -> str:
    """Point repository-relative links at the book's own pages."""
    text = re.sub(r"\]\((?:\.\./)?exercises/([0-9][0-9]_[^/)]+)/[^)]*\.ipynb\)",
                  lambda m: f"]({ex_prefix}{m.group(1)}.md)", text)
    text = re.sub(r"\]\((?:\.\./)*datasets/([a-z_]+)/README\.md\)",
                  lambda m: f"]({data_prefix}{m.group(1)}.md)", text)
    return re.sub(r"\]\((?:\.\./notebooks/)?([0-9][0-9]_[^/)]+\.ipynb)\)", r"](\1)", text)


def _chapter_page(src: Path, dst: Path, ch: Chapter) -> None:
    import nbformat

    nb = nbformat.read(src, as_version=4)
    linked = False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        cell.source = _rewrite_links(cell.source, "../exercises/", "../data/")
        linked = linked or "../exercises/" in cell.source
        if ch.terms and key_terms(cell.source) == ch.terms and "{term}" not in cell.source:
            lines = []
            for line in cell.source.splitlines():
                m = _TABLE_ROW.match(line.strip())
                cells = [c.strip() for c in m.group(1).split("|")] if m else []
                if cells and (cells[0], cells[1]) in ch.terms:
                    line = "| " + " | ".join([_term_role(cells[0])] + cells[1:]) + " |"
                lines.append(line)
            cell.source = "\n".join(lines) + (
                "\n\nEvery chapter's terms are in the [glossary (术语表)](../glossary.md).")
    if ch.stem in DASHBOARDS:
        _link_dashboard(nb, ch.stem)
    if ch.exercises and not linked:
        nb.cells.append(nbformat.v4.new_markdown_cell(
            f"**Exercises**: [{ch.exercises}](../exercises/{ch.exercises}.md)."))
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dst)


def _link_dashboard(nb, stem: str) -> None:
    """Add the link to the chapter's dashboard page after its dashboard section's prose."""
    import nbformat

    link = (f'<p><strong>Dashboard</strong>: <a class="dashboard-link" '
            f'href="../{_DASH_HTML}/{stem}.html">{DASHBOARDS[stem]}</a> as a page of this book '
            "(one standalone HTML file, no network needed), built with the chapter's default "
            "parameters.</p>")
    cell = nbformat.v4.new_markdown_cell(link)
    at = next((i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
               and re.search(r"^##.*dashboard", c.source, re.I | re.M)), len(nb.cells))
    nb.cells.insert(at, cell)


def chapter_parameters(notebook: Path) -> dict:
    """The literal values of a notebook's ``parameters`` cell, updated by papermill's
    ``injected-parameters`` cell if it has one.

    Examples
    --------
    >>> chapter_parameters(NOTEBOOKS / "11_bi_performance.ipynb")["period"]
    'quarter'
    """
    import ast

    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    out: dict = {}
    for tag in ("parameters", "injected-parameters"):
        for cell in nb.cells:
            if cell.cell_type == "code" and tag in cell.metadata.get("tags", []):
                for node in ast.parse(cell.source).body:
                    if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                            isinstance(node.targets[0], ast.Name):
                        try:
                            out[node.targets[0].id] = ast.literal_eval(node.value)
                        except ValueError:
                            continue
    return out


def _bi_dashboard(path: Path, params: dict) -> Path:
    """Chapter 11's dashboard (KPI control charts, scorecard, notes) with its parameters."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crm_lab import book, plots, warehouse
    from crm_lab import performance as pf

    plots.setup()
    d = book.load(params.get("data", "simulated"), seed=params.get("seed", 0),
                  n_customers=params.get("n_customers", 5000))
    period = params.get("period", "quarter")
    rep = pf.kpi_report(warehouse.from_book(d), survey=d.survey, complaints=d.complaints,
                        subscriptions=d.subscriptions, calls=d.calls, period=period)
    sc = pf.balanced_scorecard(rep, pf.book_targets(rep), tolerance=0.05)
    fig = plots.dashboard_figure(rep, sc, kpis=("retention_rate", "repeat_share",
                                                "complaint_rate"))
    out = pf.export_dashboard(path, figures={"KPIs and scorecard": fig},
                              tables={"Balanced scorecard": pf.scorecard_view(sc)},
                              notes=rep.notes, title="CRM performance dashboard",
                              subtitle=f"{d.name}, by {period}")
    plt.close(fig)
    return out


_BUILDERS = {"11_bi_performance": _bi_dashboard}


def dashboard_pages(notebooks: Path, out: Path, stems=None) -> list[Path]:
    """Write the dashboard page of every chapter in :data:`DASHBOARDS` into ``out``.

    Each is computed again from the chapter's parameters (read from the notebook in
    ``notebooks``, so an executed copy's injected parameters count) by the same package calls
    the chapter makes; nothing is executed from the notebook itself.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem in (stems if stems is not None else DASHBOARDS):
        nb = Path(notebooks) / f"{stem}.ipynb"
        if nb.exists():
            written.append(_BUILDERS[stem](out / f"{stem}.html", chapter_parameters(nb)))
    return written


def _exercise_page(master: Path, chapter: Chapter | None) -> str:
    """The student's view of an exercise master: setup code and question prompts."""
    import nbformat
    import yaml

    nb = nbformat.read(master, as_version=4)
    parts, block, question = [], None, None
    for cell in nb.cells:
        s = cell.source.strip()
        if cell.cell_type == "raw":
            if s.startswith("# ASSIGNMENT CONFIG"):
                continue
            if s.startswith("# BEGIN QUESTION"):
                spec = yaml.safe_load(s.split("\n", 1)[1]) or {}
                question = spec.get("name")
                pts = spec.get("points", 1)
                parts.append(f"({master.stem}-{question})=\n*{question} · {pts} point"
                             f"{'s' if pts != 1 else ''}*")
            elif s.startswith("# END QUESTION"):
                question = None
            elif s.startswith(("# BEGIN SOLUTION", "# BEGIN TESTS")):
                block = s.split()[2]
            elif s.startswith(("# END SOLUTION", "# END TESTS")):
                block = None
            continue
        if block:
            continue
        if cell.cell_type == "markdown":
            parts.append(_rewrite_links(s, "", "../data/"))
        elif cell.cell_type == "code":
            parts.append(f"```python\n{s}\n```")
    back = (f"\n\nThe chapter: [{chapter.title}](../chapters/{chapter.stem}.ipynb)."
            if chapter else "")
    how = (
        "\n\n```{admonition} Getting the notebook\n"
        "Your instructor gives you your own copy (`python -m crm_lab.cli exercises assign`), "
        "with your seed in its first code cell; or run `make exercises` and open "
        f"`_build/exercises/{master.stem}/student/{master.name}`. Each question ends with a "
        "`grader.check(...)` cell that runs the visible checks; the points are given by hidden "
        "tests that know the exact answer for your seed.\n```\n")
    text = "\n\n".join(parts)
    title, rest = (text.split("\n", 1) + [""])[:2] if text.startswith("# ") else ("", text)
    return f"{title}{how}{back}\n{rest}\n"


def _readme_section(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(heading)}.*?\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return m.group(1).strip() if m else ""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _modules() -> list[str]:
    import pkgutil

    import crm_lab

    names = ["crm_lab." + m.name for m in pkgutil.iter_modules(crm_lab.__path__)]
    return sorted(n for n in names if n != "crm_lab.cli")


def stage(notebooks: Path, src: Path, *, dashboards: bool = True) -> list[Chapter]:
    """Write the Sphinx source tree of the book into ``src`` (emptied first).

    Parameters
    ----------
    notebooks : Path
        Folder with the executed chapter notebooks ``NN_*.ipynb``.
    src : Path
        The Sphinx source folder to write.
    dashboards : bool
        Also compute the dashboard pages (:func:`dashboard_pages`, some seconds each) into
        ``src/_dashboards``; :func:`build_html` copies them to ``dashboards/``.

    Returns
    -------
    list of Chapter
    """
    notebooks, src = Path(notebooks), Path(src)
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(BOOK, src)
    chs = chapters(notebooks)
    for ch in chs:
        _chapter_page(notebooks / f"{ch.stem}.ipynb", src / "chapters" / f"{ch.stem}.ipynb", ch)
    if dashboards:
        dashboard_pages(notebooks, src / _DASH_SRC, [c.stem for c in chs if c.stem in DASHBOARDS])

    by_stem = {c.stem: c for c in chs}
    rows = []
    for ch in chs:
        ex = f"[exercises](exercises/{ch.exercises}.md)" if ch.exercises else "–"
        rows.append(f"| {ch.number} | [{ch.title}](chapters/{ch.stem}.ipynb) | "
                    f"{ch.overview.replace('|', '/')} | {ex} |")
    from .grading import exercise_masters

    masters = exercise_masters(EXERCISES)
    for m in masters:
        _write(src / "exercises" / f"{m.stem}.md", _exercise_page(m, by_stem.get(m.stem)))
    cards = sorted(p.parent.name for p in DATASETS.glob("*/README.md"))
    for name in cards:
        text = (DATASETS / name / "README.md").read_text(encoding="utf-8")
        _write(src / "data" / f"{name}.md", _rewrite_links(text, "../exercises/", ""))
    own = _readme_section("Running a chapter with other parameters or your own data")
    _write(src / "data" / "your_own_data.md",
           "# Your own data (使用自己的数据)\n\n" + own + "\n\nThe checks themselves are in "
           "{mod}`crm_lab.validate`; the loaders in {mod}`crm_lab.datasets`.\n")
    overview = (DATASETS / "README.md").read_text(encoding="utf-8") if (
        DATASETS / "README.md").exists() else "# Data sets\n"
    overview = re.sub(r"\]\(([a-z_]+)/README\.md\)", r"](\1.md)", overview)
    _write(src / "data" / "index.md", overview + "\n```{toctree}\n:hidden:\n\n" +
           "\n".join(cards + ["your_own_data"]) + "\n```\n")

    terms = glossary(chs)
    lines = ["# Glossary · 术语表", "",
             "Every key term of every chapter, English and 中文, collected from the chapters' "
             "key-terms tables; each entry links to the chapters that use it.", "",
             "```{glossary}", ":sorted:", ""]
    for e in terms:
        where = ", ".join(f"[{by_stem[s].number}](chapters/{s}.ipynb)" for s in e["chapters"])
        word = "chapters" if len(e["chapters"]) > 1 else "chapter"
        lines += [e["en"].replace("`", ""), f"  **{' / '.join(e['zh'])}** · {word} {where}", ""]
    lines.append("```")
    _write(src / "glossary.md", "\n".join(lines) + "\n")

    _write(src / "api.md", "# API reference (`crm_lab`)\n\nGenerated from the numpydoc "
           "docstrings of the package; every function's *Examples* section runs as a test.\n\n"
           "```{eval-rst}\n.. autosummary::\n   :toctree: generated\n   :recursive:\n\n" +
           "".join(f"   {m}\n" for m in _modules()) + "```\n")

    intro = (ROOT / "README.md").read_text(encoding="utf-8").split("\n\n")[1]
    ex_toc = "".join(f"exercises/{m.stem}\n" for m in masters)
    _write(src / "index.md", "\n".join([
        "# CRM Lab · 客户关系管理分析实验室", "", intro.strip(), "",
        "## Chapters", "",
        "| # | chapter | what it teaches | exercises |", "|---|---|---|---|", *rows, "",
        "Also: the [glossary (术语表)](glossary.md), the [data cards](data/index.md), "
        "[your own data](data/your_own_data.md) and the [API reference](api.md).", "",
        "```{toctree}", ":hidden:", ":caption: Chapters", "",
        *[f"chapters/{c.stem}" for c in chs], "```", "",
        "```{toctree}", ":hidden:", ":caption: Exercises", "", ex_toc + "```", "",
        "```{toctree}", ":hidden:", ":caption: Reference", "",
        "glossary", "data/index", "api", "```", ""]))
    (src / "chapters.json").write_text(json.dumps([c.__dict__ for c in chs], ensure_ascii=False,
                                                  indent=1), encoding="utf-8")
    return chs


def build_html(notebooks: Path, out: Path, *, quiet: bool = True) -> Path:
    """Stage the sources into ``out/book_src`` and run Sphinx into ``out/html``.

    Nothing is executed: the notebooks in ``notebooks`` are rendered with their stored
    outputs. Returns the HTML folder.
    """
    out = Path(out).resolve()
    src, html = out / "book_src", out / "html"
    stage(notebooks, src)
    if html.exists():
        shutil.rmtree(html)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-d", str(out / "doctrees"),
           str(src), str(html)]
    if quiet:
        cmd.insert(3, "-q")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    (out / "sphinx-warnings.log").write_text(proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        raise RuntimeError(f"sphinx-build failed:\n{proc.stderr[-4000:]}")
    if (src / _DASH_SRC).is_dir():
        shutil.copytree(src / _DASH_SRC, html / _DASH_HTML, dirs_exist_ok=True)
    return html


def build_book(out: Path) -> list[tuple[str, float]]:
    """Execute every chapter once into ``out/notebooks``, then write the HTML book.

    Returns the seconds each chapter took to execute.
    """
    from .cli import chapter_notebooks, execute

    out = Path(out).resolve()
    timings = []
    for nb in chapter_notebooks():
        seconds = execute(nb, out / "notebooks" / nb.name)
        timings.append((nb.stem, seconds))
        print(f"{nb.stem:<32} {seconds:6.1f} s")
    html = build_html(out / "notebooks", out)
    print(f"book: {html / 'index.html'} (warnings in {out / 'sphinx-warnings.log'})")
    return timings
