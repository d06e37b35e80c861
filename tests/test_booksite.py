"""The offline HTML book (crm_lab.booksite), checked in a real browser.

Fast tests check the generated sources: every chapter listed in order, every key term of every
chapter in the glossary and linked from its chapter, exercise and data links pointing at pages
of the book, a new ``NN_*.ipynb`` picked up by itself.

The browser test builds the book from the committed notebooks (their stored outputs; nothing
is executed), opens every page in Debian's chromium through Playwright and fails on a broken
link or image, a request to a non-local address or a console error; it checks that search
finds "RFM" and "客户" from the file system and from a local server, that chapter 11's
dashboard page opens from its chapter's link with its charts drawn and its scorecard table
and nothing requested from the network, and saves screenshots under
``_build/book-test/screenshots``. Without chromium it skips, except under ``CI=true``,
where it fails.
"""

import functools
import http.server
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import nbformat
import pytest

from crm_lab import booksite

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "book-test"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def test_key_terms_and_glossary_merge():
    md = "| English | 中文 |\n|---|---|\n| RFM | 最近消费 |\n| churn | 客户流失 |\n\nafter"
    assert booksite.key_terms(md) == [("RFM", "最近消费"), ("churn", "客户流失")]
    assert booksite.key_terms("| a | b |\n|---|---|\n| x | y |") == []


def test_every_chapter_in_order_with_title_overview_and_terms():
    chs = booksite.chapters()
    stems = [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    assert [c.stem for c in chs] == stems
    for c in chs:
        assert c.title and c.overview and c.terms, c.stem
        assert c.title.startswith(c.number), c.title


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    src = tmp_path_factory.mktemp("book_src")
    return src, booksite.stage(ROOT / "notebooks", src)


def test_glossary_has_every_term_of_every_chapter(staged):
    src, chs = staged
    text = (src / "glossary.md").read_text(encoding="utf-8")
    for c in chs:
        for en, zh in c.terms:
            assert f"\n{en.replace('`', '')}\n" in text, (c.stem, en)
            assert zh in text, (c.stem, zh)
        page = (src / "chapters" / f"{c.stem}.ipynb").read_text(encoding="utf-8")
        assert "{term}" in page and "../glossary.md" in page, c.stem


def test_links_point_at_pages_of_the_book(staged):
    src, chs = staged
    for c in chs:
        nb = nbformat.read(src / "chapters" / f"{c.stem}.ipynb", as_version=4)
        text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
        assert ".ipynb)" not in re.sub(r"\]\([0-9][0-9]_\w+\.ipynb\)", "", text), c.stem
        for target in re.findall(r"\]\((\.\./[^)#]+)", text):
            assert (src / "chapters" / target).resolve().exists(), (c.stem, target)
        if c.exercises:
            assert f"../exercises/{c.exercises}.md" in text
    ch04 = (src / "chapters" / "04_loyalty_clv.ipynb").read_text(encoding="utf-8")
    assert "../exercises/04_loyalty_clv.md" in ch04
    for card in (ROOT / "datasets").glob("*/README.md"):
        assert (src / "data" / f"{card.parent.name}.md").exists()
    assert "customer_id" in (src / "data" / "your_own_data.md").read_text(encoding="utf-8")
    for ex in booksite.chapters():
        if ex.exercises:
            page = (src / "exercises" / f"{ex.exercises}.md").read_text(encoding="utf-8")
            assert "Question 1" in page and "SOLUTION" not in page and "TEST CONFIG" not in page


def test_dashboard_page_is_staged_and_linked(staged):
    src, _ = staged
    dash = src / "_dashboards" / "11_bi_performance.html"
    text = dash.read_text(encoding="utf-8")
    assert "<img" in text and "data:image/svg+xml;base64," in text and "<table" in text
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", text)
    page = (src / "chapters" / "11_bi_performance.ipynb").read_text(encoding="utf-8")
    assert "../dashboards/11_bi_performance.html" in page
    assert booksite.chapter_parameters(ROOT / "notebooks" / "11_bi_performance.ipynb")[
        "seed"] == 0


def test_a_new_chapter_appears_by_itself(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(ROOT / "notebooks" / "01_customer_data.ipynb", nbs)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 9 · Churn (客户流失)\n\nWho leaves and why.\n\n| English | 中文 |\n|---|---|\n"
        "| churn rate | 客户流失率 |\n")])
    nbformat.write(nb, nbs / "09_churn.ipynb")
    booksite.stage(nbs, tmp_path / "src")
    index = (tmp_path / "src" / "index.md").read_text(encoding="utf-8")
    assert index.index("chapters/01_customer_data") < index.index("chapters/09_churn")
    assert "Who leaves and why." in index
    assert "客户流失率" in (tmp_path / "src" / "glossary.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the built book, in a browser

@pytest.fixture(scope="module")
def html():
    return booksite.build_html(ROOT / "notebooks", OUT)


def _pages(html):
    chapters = sorted((html / "chapters").glob("*.html"))
    others = [html / "glossary.html", html / "api.html", *sorted((html / "data").glob("*.html")),
              *sorted((html / "exercises").glob("*.html")),
              *sorted((html / "dashboards").glob("*.html"))]
    return [html / "index.html", *chapters, *others]


@pytest.mark.slow
def test_built_book_is_offline_and_complete(html):
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        loaded = re.findall(r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)=["']([^"']+)""",
                            text)
        remote = [u for u in loaded if re.match(r"(https?:)?//", u)]
        assert not remote, (page.name, remote)
        assert "cdnjs" not in text and "cdn.jsdelivr" not in text, page.name
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (html / "dashboards" / "11_bi_performance.html").exists()
    stems = [c.stem for c in booksite.chapters()]
    assert sorted(p.stem for p in (html / "chapters").glob("*.html")) == stems
    index = (html / "index.html").read_text(encoding="utf-8")
    positions = [index.index(f"chapters/{s}.html") for s in stems]
    assert positions == sorted(positions)
    ch = (html / "chapters" / "01_customer_data.html").read_text(encoding="utf-8")
    assert "prev-next" in ch and "bd-sidenav" in ch and "<title>1 · Customer data" in ch


def _launch(p):
    return p.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="crm-lab-chromium-"), executable_path=str(CHROMIUM),
        headless=True, args=FLAGS, viewport={"width": 1280, "height": 900})


def _local(url):
    s = urlsplit(url)
    return s.scheme in ("file", "data", "blob", "about") or s.hostname in ("127.0.0.1",
                                                                           "localhost")


@functools.cache
def _ids(path):
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r"""\bid=["']([^"']+)""", text))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _search(page, base, query, shots, name):
    page.goto(f"{base}search.html?q={quote(query)}")
    page.wait_for_selector("#search-results ul.search li", timeout=30_000)
    hits = page.locator("#search-results ul.search li").count()
    page.screenshot(path=str(shots / name))
    return hits


@pytest.mark.slow
def test_book_in_a_real_browser(html):
    reason = "the browser test needs Debian's chromium (/usr/bin/chromium) and playwright"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not CHROMIUM.exists() or sync_playwright is None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason + ": missing under CI=true")
        pytest.skip(reason + "; install with apt-get install chromium")
    shots = OUT / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems = []
    with sync_playwright() as p:
        ctx = _launch(p)
        page = ctx.new_page()
        current = {"url": ""}
        page.on("request", lambda r: None if _local(r.url) else problems.append(
            f"{current['url']}: request to {r.url}"))
        page.on("requestfailed", lambda r: problems.append(
            f"{current['url']}: failed to load {r.url}"))
        page.on("console", lambda m: problems.append(
            f"{current['url']}: console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"{current['url']}: error {e}"))
        page.on("response", lambda r: problems.append(
            f"{current['url']}: HTTP {r.status} for {r.url}") if r.status >= 400 else None)
        for path in _pages(html):
            current["url"] = path.relative_to(html).as_posix()
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            broken = page.evaluate(
                "[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                ".map(i => i.src)")
            problems += [f"{current['url']}: broken image {s}" for s in broken]
            for href in page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"):
                s = urlsplit(href)
                if s.scheme != "file":
                    continue
                target = Path(unquote(s.path))
                if not target.exists():
                    problems.append(f"{current['url']}: broken link {href}")
                elif s.fragment and target.suffix == ".html" and \
                        unquote(s.fragment) not in _ids(str(target)):
                    problems.append(f"{current['url']}: missing anchor {href}")
        # the dashboard page, reached from chapter 11's link: charts drawn, table, offline
        current["url"] = "dashboard"
        page.goto((html / "chapters" / "11_bi_performance.html").as_uri())
        page.click("a.dashboard-link")
        page.wait_for_load_state("load")
        assert page.url.endswith("dashboards/11_bi_performance.html"), page.url
        charts = page.evaluate(
            "[...document.images].filter(i => i.src.startsWith('data:image/') && i.complete"
            " && i.naturalWidth > 300).length")
        assert charts >= 1, "the dashboard shows no chart"
        assert page.locator("table tr").count() > 5
        assert "Balanced scorecard" in page.inner_text("body")
        page.screenshot(path=str(shots / "dashboard-11.png"), full_page=True)
        current["url"] = "screenshots"
        page.goto((html / "index.html").as_uri())
        page.screenshot(path=str(shots / "home.png"), full_page=True)
        page.goto((html / "chapters" / "02_segmentation.html").as_uri())
        page.wait_for_timeout(1500)          # MathJax typesets
        page.screenshot(path=str(shots / "chapter-02.png"))
        page.goto((html / "glossary.html").as_uri())
        page.screenshot(path=str(shots / "glossary.png"))
        # search from the file system
        current["url"] = "search (file)"
        base = html.as_uri() + "/"
        assert _search(page, base, "RFM", shots, "search-RFM.png") > 0
        assert _search(page, base, "客户", shots, "search-客户.png") > 0
        # and from a local server
        handler = functools.partial(_QuietHandler, directory=str(html))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            current["url"] = "search (server)"
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            assert _search(page, base, "RFM", shots, "search-RFM-server.png") > 0
            assert _search(page, base, "客户", shots, "search-客户-server.png") > 0
        finally:
            server.shutdown()
            ctx.close()
    assert not problems, "\n".join(problems[:40])
