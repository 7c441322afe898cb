"""symconv's answers on the zoo judged against PyTorch's committed truth (``tests/zoo_truth/``).

For one zoo model: the model is built without weights (as the truth's oracle builds it), studied
in-process by ``symconv.network.traced.study_model`` (PyTorch's own symbolic shapes, every path
explored, coverage proved), and symconv's answer at every size the truth holds is compared with
PyTorch's verdict there: validity, every output's full shape, and for a refused size the
exception type and the message (symconv's answer says PyTorch's symbolic message at the size: the
sizes put in and the printed integer arithmetic done by ``symconv.network.frontends.messages``;
it must equal PyTorch's real message or be contained in it). The refusing module is reported (the
truth does not record one).

A model symconv refuses — a ``NetworkError``, or coverage not proved within the budget (the
CLI's exit 3) — is a refusal with symconv's reason, not a mismatch. Shared by
``tests/test_network_zoo.py``, ``tests/bench_network_zoo.py`` and ``tests/zoo_atlas.py``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import zoo_truth
from zoo_models import BY_NAME, ZooModel

MAX_SECONDS = 120.0  # the exploration's budget per model (symconv's --max-seconds)
MAX_PATHS = 400


@dataclass(frozen=True)
class Mismatch:
    size: str
    what: str  # "validity", "outputs", "error", "message", "no path", "symconv raised"
    symconv: Any
    pytorch: Any

    def text(self) -> str:
        return f"{self.size}: {self.what}: symconv {self.symconv!r}, PyTorch {self.pytorch!r}"


@dataclass(frozen=True)
class Outcome:
    name: str
    answered: bool  # symconv answers: traced, and the paths' regions proved to cover every size
    refusal: str  # symconv's reason where it does not answer ("" where it does)
    seconds: float  # build + study (not the judging)
    study_seconds: float
    paths: int
    valid_paths: int
    coverage: str  # "proved", "unknown", ...; "" where study_model raised
    status: str
    valid_text: str
    forms: tuple[tuple[str, int], ...]  # each output closed form with its number of paths
    judged: int  # truth sizes compared
    mismatches: tuple[Mismatch, ...]
    refusers: tuple[str, ...] = field(default=())  # modules refusing some size (symconv's)
    uncovered: int = 0  # truth sizes on no path explored (a refused model only; not judged)


def build(model: ZooModel) -> Any:
    """The model as the truth's oracle builds it (meta, or the CPU for a CPU-only model)."""
    import zoo_oracle

    return zoo_oracle.build(model, model.device)


# ------------------------------------------------------------------------------------------
# Messages


def same_message(symconv: str, pytorch: str) -> bool:
    """symconv's message at a size (PyTorch's symbolic one with the sizes put in and the printed
    arithmetic done, ``frontends.messages.at_numbers``) against the real forward's: equal, or
    contained in it where the real one says more."""
    return symconv == pytorch or (bool(symconv) and symconv in pytorch)


# ------------------------------------------------------------------------------------------
# Judging


def answer_at(st: Any, point: tuple[int, ...]) -> tuple[str, Any, Any]:
    """symconv's answer at ``point`` (``TracedStudy.answer_at``, as ``--sizes`` and the API
    answer): ("valid", outputs, None) or ("refused", (module, error), PyTorch's message at
    those sizes)."""
    region = st.exploration.region_at(point)
    if region is None:
        return "no path", None, None
    got = st.answer_at(point)
    assert got.point == point
    if got.valid:
        return "valid", [list(o) for o in got.outputs], None
    return "refused", (got.refused_by[0], region.path.error), got.refused_by[1]


def judge(st: Any, sizes: Mapping[str, Mapping[str, Any]]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for key, truth in sorted(sizes.items(), key=lambda kv: zoo_truth.parse_key(kv[0])):
        point = zoo_truth.parse_key(key)
        try:
            kind, a, b = answer_at(st, point)
        except Exception as exc:  # symconv's own failure at a size is a mismatch, not a crash
            out.append(Mismatch(key, "symconv raised", f"{type(exc).__name__}: {exc}",
                                truth["valid"]))
            continue
        if kind == "no path":
            out.append(Mismatch(key, "no path", None, truth["valid"]))
        elif (kind == "valid") != truth["valid"]:
            out.append(Mismatch(key, "validity", kind == "valid",
                                (truth["valid"] and truth["outputs"]) or truth.get("message")))
        elif kind == "valid":
            if a != truth["outputs"]:
                out.append(Mismatch(key, "outputs", a, truth["outputs"]))
        else:
            if a[1] != truth["error"]:
                out.append(Mismatch(key, "error", a[1], truth["error"]))
            if not same_message(b, truth["message"]):
                out.append(Mismatch(key, "message", b, truth["message"]))
    return out


def as_json(got: Outcome) -> dict[str, Any]:
    """An outcome as the bench records it in ``docs/zoo-bench.json`` (mismatches as text)."""
    data = asdict(got)
    data["mismatches"] = [m.text() for m in got.mismatches]
    data["forms"] = [list(f) for f in got.forms]
    data["refusers"] = list(got.refusers)
    return data


def outcome(name: str, *, max_seconds: float = MAX_SECONDS, max_paths: int = MAX_PATHS,
            sizes: Sequence[str] | None = None) -> tuple[Outcome, Any]:
    """Build, study and judge one zoo model (at ``sizes`` of its truth, default all). Returns
    the outcome and the study (None where symconv raised)."""
    from symconv.network.ir import NetworkError
    from symconv.network.traced import output_forms, study_model
    from symconv.network.verdict import Verdict

    model = BY_NAME[name]
    truth = zoo_truth.load(name)["sizes"]
    if sizes is not None:
        truth = {k: truth[k] for k in sizes}
    began = time.perf_counter()
    net = build(model)
    try:
        # one trace at a time: with a path budget, the paths explored (and so the sizes
        # judged) are then the same on every run and machine
        st = study_model(net, name=name, channels=model.channels, rank=model.rank,
                         max_paths=max_paths, max_seconds=max_seconds, jobs=1)
    except NetworkError as exc:
        seconds = time.perf_counter() - began
        return Outcome(name, False, f"{type(exc).__name__}: {exc}", seconds, seconds, 0, 0,
                       "", "", "", (), 0, ()), None
    seconds = time.perf_counter() - began
    ex = st.exploration
    answered = ex.coverage.status is Verdict.PROVED
    refusal = "" if answered else (
        f"coverage {ex.coverage.status.value} within {max_paths} paths / {max_seconds:g} s"
        + (f": {ex.coverage.reason}" if ex.coverage.reason else ""))
    refusers = sorted({(r.path.where.module if r.path.where else "") or "(model)"
                       for r in ex.regions if not r.path.valid})
    mismatches = judge(st, truth)
    # coverage not proved: sizes on no path explored are not answered, so not judged
    uncovered = 0 if answered else sum(m.what == "no path" for m in mismatches)
    if not answered:
        mismatches = [m for m in mismatches if m.what != "no path"]
    return Outcome(name, answered, refusal, seconds, st.seconds, len(ex.regions),
                   sum(r.path.valid for r in ex.regions), ex.coverage.status.value,
                   st.status.value, st.valid.text(), tuple(output_forms(st)),
                   len(truth) - uncovered, tuple(mismatches), tuple(refusers), uncovered), st
