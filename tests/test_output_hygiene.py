"""Stored outputs show numbers at the precision their reader uses, never the last digits.

A committed notebook is compared digit for digit by nbval on the reader's machine. A float
printed in full (``133663.536``) changes with the CPU, the BLAS or a library release; the same
number shown as ``133,664`` does not. This test scans every stored output of ``notebooks/``
and ``exercises/`` and fails on any non-integer printed with more than six significant digits.
Published values quoted in full are allowed by name below.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from crm_lab.cli import ROOT

#: Non-integers allowed in full, each with where it is published.
PUBLISHED = {
    "2,500,315.63": "CDNOW master log total (Fader & Hardie's CDNOW data; datasets/cdnow card)",
}
MAX_SIGNIFICANT = 6

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*\.\d+(?:[eE][-+]?\d+)?(?![\w.])")
_TAG = re.compile(r"<[^>]+>")
_TEXT_TYPES = ("text/plain", "text/markdown", "text/latex")


def significant_digits(number: str) -> int:
    """Significant digits of a printed decimal (``'0.0120'`` -> 3, ``'1,925.120'`` -> 7)."""
    mantissa = re.split(r"[eE]", number.lstrip("+-").replace(",", ""))[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def _texts(output: dict) -> list[str]:
    out = ["".join(output["text"])] if "text" in output else []
    for kind, value in output.get("data", {}).items():
        text = "".join(value) if isinstance(value, list) else str(value)
        if kind in _TEXT_TYPES:
            out.append(text)
        elif kind == "text/html":
            out.append(html.unescape(_TAG.sub(" ", text)))
    return out


def long_numbers(path) -> list[tuple[int, str]]:
    """``(cell index, number)`` for every over-precise number in a notebook's stored outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            for text in _texts(output):
                found += [(i, n) for n in _NUMBER.findall(text)
                          if significant_digits(n) > MAX_SIGNIFICANT and n not in PUBLISHED]
    return found


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "exercises").glob("*/*.ipynb"))


def test_significant_digits():
    assert [significant_digits(s) for s in ("0.0120", "1,925.120", "133663.536", "-2.5e-07",
                                            "67.8")] == [3, 7, 9, 2, 3]


def test_scan_finds_a_long_number(tmp_path):
    nb = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "text": ["total 133663.536 and 67.8 %\n"]},
        {"output_type": "execute_result", "data": {"text/html": ["<td>1925.120</td>"]}}]}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert long_numbers(path) == [(0, "133663.536"), (0, "1925.120")]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_stored_outputs_are_rounded(path):
    found = long_numbers(path)
    assert not found, (
        f"{path.relative_to(ROOT)} shows {len(found)} number(s) with more than "
        f"{MAX_SIGNIFICANT} significant digits (cell index, number): {found[:10]}. Round them "
        f"to the precision the reader uses (money in whole units, shares to 0.1 %, "
        f"coefficients to 3 decimals), or add a published value to PUBLISHED with its source.")
