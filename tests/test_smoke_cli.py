"""The main job of the README: `symconv prove` proves everything, every group."""

import io
import json

from symconv.cli import main
from symconv.theorems import groups


def test_prove_everything_exit_zero() -> None:
    out = io.StringIO()
    # a generous timeout: CI machines are shared, and unknown would fail the run
    assert main(["prove", "--json", "--timeout", "120"], out, io.StringIO()) == 0
    rows = json.loads(out.getvalue())
    assert {r["group"] for r in rows} == set(groups())
    bounded = {r["id"] for r in rows if r["status"] == "proved-bounded"}
    assert all(r["status"] == "proved" for r in rows if r["id"] not in bounded)
    assert all(r["group"] == "matrix" for r in rows if r["id"] in bounded)
