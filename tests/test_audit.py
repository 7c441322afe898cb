"""The guide audit: transcriptions are verbatim, verdicts are computed (a corrected transcription
flips a wrong verdict to holds), and the brute-force builders agree with each other and with the
engine's matrix module."""

from __future__ import annotations

import dataclasses
import io
import json
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symconv import audit
from symconv.cli import main
from symconv.symbols import i_prime, k, p, s

ROOT = Path(__file__).resolve().parent.parent


def guide_text() -> str:
    path = audit.find_guide()
    assert path is not None, "shared/guide/conv-arithmetic-guide.zh.md not found beside the repo"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def findings() -> dict[str, audit.Finding]:
    return {f.id: f for f in audit.run_audit()}


@pytest.mark.parametrize(("cid", "snippet"), audit.all_printed(),
                         ids=[f"{c}-{n}" for n, (c, _) in enumerate(audit.all_printed())])
def test_each_transcription_occurs_verbatim_in_the_guide(cid: str, snippet: str) -> None:
    assert snippet in guide_text(), f"{cid}: {snippet!r}"


def test_a_changed_guide_is_detected() -> None:
    text = guide_text().replace("$i = 5, k = 3, s = 1$  和  $p = 2$ ), 将", "$p = 1$ ), 将", 1)
    assert [cid for cid, _ in audit.transcription_mismatches(text)] == ["fig-2.3"]


def test_every_required_claim_is_audited(findings: dict[str, audit.Finding]) -> None:
    required = {f"R{n}" for n in range(1, 16)} | {"fig-1.2", "matrix-4.1"}
    required |= {f"fig-2.{n}" for n in range(1, 8)} | {"fig-2.8a", "fig-2.8b"}
    required |= {f"fig-4.{n}" for n in range(1, 8)} | {"fig-5.1"}
    assert required <= set(findings)
    for f in findings.values():
        assert f.status in ("holds", "wrong")
        assert f.printed
        assert f.detail


def test_the_errors_of_the_printed_guide(findings: dict[str, audit.Finding]) -> None:
    wrong = {cid for cid, f in findings.items() if f.status == "wrong"}
    assert wrong == {"R13", "R14", "R8-text", "text-2.4-ambiguity", "fig-2.3", "fig-4.7",
                     "matrix-4.1"}
    assert "gives 9 instead of i = 5" in findings["R13"].detail
    assert "gives 10 instead of i = 6" in findings["R14"].detail
    assert "p = ⌊k/2⌋ = 1" in findings["fig-2.3"].detail
    assert "3 × 3" in findings["fig-4.7"].detail
    assert "[15, 15, 15, 16]" in findings["matrix-4.1"].detail
    assert "输出大小" in findings["R8-text"].detail


def test_correcting_a_transcription_flips_its_verdict() -> None:
    by_id = {r.id: r for r in audit.PRINTED_RELATIONS}
    fixed13 = dataclasses.replace(by_id["R13"], lines=(s * (i_prime - 1) + k - 2 * p,))
    assert audit._audit_relation(fixed13, 10.0).status == "holds"
    broken6 = dataclasses.replace(by_id["R6"], lines=((by_id["R6"].lines[0] + 1),))
    assert audit._audit_relation(broken6, 10.0).status == "wrong"
    figs = {f.id: f for f in audit.PRINTED_FIGURES}
    fixed23 = dataclasses.replace(figs["fig-2.3"], params={"i": 5, "k": 3, "s": 1, "p": 1})
    assert audit._audit_figure(fixed23).status == "holds"
    fixed47 = dataclasses.replace(
        figs["fig-4.7"], equivalent_sizes={**figs["fig-4.7"].equivalent_sizes, "input": 3})
    assert audit._audit_figure(fixed47).status == "holds"
    broken46 = dataclasses.replace(figs["fig-4.6"], equivalent={
        **figs["fig-4.6"].equivalent, "p'": 2})
    assert audit._audit_figure(broken46).status == "wrong"


def test_printed_matrix_parses_to_the_printed_rows() -> None:
    rows = audit.parse_printed_matrix(audit.MATRIX_PRINTED)
    assert [len(r) for r in rows] == [15, 15, 15, 16]
    real = audit.conv_matrix_2d(4, 3, 1, 0)
    assert [r[: len(g)] for r, g in zip(real, rows, strict=True)] == rows


@pytest.mark.parametrize(("i_", "k_", "s_", "p_"), [
    (4, 3, 1, 0), (5, 3, 2, 1), (6, 3, 2, 1), (5, 4, 1, 2), (7, 2, 3, 0), (3, 3, 1, 2)])
def test_brute_force_matrix_matches_the_engine(i_: int, k_: int, s_: int, p_: int) -> None:
    from symconv import matrix

    mat = matrix.conv_matrix(matrix.make_spec(i_, k_, s_, p_))
    ours = audit.conv_matrix_2d(i_, k_, s_, p_)
    assert (mat.rows, mat.cols) == (len(ours), i_ * i_)
    for r, c in itertools.product(range(mat.rows), range(mat.cols)):
        entry = ours[r][c]
        assert (mat[r, c] == 0) == (entry is None)
        if entry is not None:
            assert str(mat[r, c]).replace(" ", "") == f"w_{{{entry[0]},{entry[1]}}}"


@given(st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), st.integers(0, 3))
def test_transposed_matrix_is_the_equivalent_convolution(i_: int, k_: int, s_: int,
                                                         p_: int) -> None:
    """Chapter 4's claim, by brute force: Cᵀ y is the unit-stride convolution, with the flipped
    kernel, of y stretched by s − 1 zeros, padded by k − p − 1 plus a = (i + 2p − k) mod s."""
    if i_ + 2 * p_ < k_ or p_ > k_ - 1:
        return
    assert audit.transposed_by_matrix(i_, k_, s_, p_) == audit.transposed_by_equivalent(
        i_, k_, s_, p_)


def test_placement_counter_is_the_dumb_loop() -> None:
    for size, ext, stride in itertools.product(range(0, 12), range(1, 6), range(1, 4)):
        expected = len([x for x in range(size) if x % stride == 0 and x + ext <= size])
        assert audit._placements(size, ext, stride) == expected


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["audit", *argv], out, err), out.getvalue(), err.getvalue()


def test_cli_json_and_text() -> None:
    code, out, err = cli("--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {"id", "status", "detail"} <= set(rows[0])
    assert {r["id"]: r["status"] for r in rows}["fig-4.7"] == "refuted"
    assert {r["status"] for r in rows} == {"proved", "refuted"}
    code, out, _ = cli()
    assert code == 0
    assert "matrix-4.1" in out
    assert "wrong" in out


def test_cli_reports_a_stale_transcription(tmp_path: Path) -> None:
    changed = tmp_path / "guide.md"
    changed.write_text(guide_text().replace("并且其输入大小为", "并且其输出大小为"),
                       encoding="utf-8")
    code, _, err = cli("--guide", str(changed))
    assert code == 1
    assert "R8" in err
    code, _, err = cli("--guide", str(tmp_path / "missing.md"))
    assert code == 2
    assert "--guide" in err


def test_generated_report_is_up_to_date_and_deterministic() -> None:
    first = audit.artifacts()
    assert first == audit.artifacts()
    text = first["guide-audit.md"]
    assert text.startswith("<!-- Generated by `symconv generate`")
    target = ROOT / "generated" / "guide-audit.md"
    assert target.exists(), "generated/guide-audit.md missing; run `symconv generate`"
    assert target.read_text(encoding="utf-8") == text, (
        "generated/guide-audit.md is stale; run `symconv generate`")
