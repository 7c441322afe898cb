"""Ctrl-C while ``network --torch`` traces a model: ``interrupted`` on stderr, exit 130, the
model not blamed; with ``--json`` exactly one document saying so. The interrupt is a real SIGINT
sent to the process group as a terminal does (from the model's forward at its Nth call, in
symconv or in a tracing worker; or from a timer while Z3 solves), not a KeyboardInterrupt
raised by the model's code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

MODEL = '''
import os
import signal

import torch
from torch import nn

CALLS = [0]


class Interrupted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        CALLS[0] += 1
        if CALLS[0] == int(os.environ["INTERRUPT_AT"]):
            os.killpg(os.getpgrp(), signal.SIGINT)  # what Ctrl-C does: the whole group
        return self.conv(x)
'''


@pytest.mark.parametrize(("at", "json_out"), [(1, False), (3, False), (3, True), (6, True)])
def test_ctrl_c_while_tracing(tmp_path: Path, at: int, json_out: bool) -> None:
    pytest.importorskip("torch")
    source = tmp_path / "interrupted.py"
    source.write_text(MODEL)
    argv = [sys.executable, "-m", "symconv", "network", "--torch", f"{source}:Interrupted",
            "--symbolic", *(["--json"] if json_out else [])]
    # its own process group, as a terminal's foreground job: the signal reaches symconv and
    # its tracing workers (which leave it to symconv), not this test runner
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False,
                          start_new_session=True,
                          env=dict(os.environ, INTERRUPT_AT=str(at), PYTHONPATH=str(ROOT)))
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "interrupted"
    for blame in ("refuses", "Traceback", "error", "KeyboardInterrupt"):
        assert blame not in proc.stderr + proc.stdout
    if json_out:  # one document, saying where the run was (symconv.interrupt)
        doc = json.loads(proc.stdout)
        assert (doc["status"], doc["interrupted"], doc["exit_code"]) == ("interrupted", True,
                                                                        130)
        assert doc["note"].startswith("while ")
    else:
        (line,) = proc.stdout.splitlines()
        assert line.startswith("interrupted while ")


def test_ctrl_c_during_a_solver_check_reaches_python() -> None:
    import z3

    from symconv.interrupt import z3_interruptible

    ctx = z3.Context()
    x, y, z = z3.Ints("x y z", ctx)
    with z3_interruptible():
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", 3000)
        # nonlinear: Z3 is still searching when the signal arrives
        solver.add(x * x * x + y * y * y == z * z * z, x > 100, y > 100, z > 0)
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                solver.check()
        finally:
            timer.join()
    assert z3.get_param("ctrl_c") == "true"
