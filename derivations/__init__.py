"""The guide's derivations, one module per chapter, each a list of steps the engine proves."""

from __future__ import annotations

from derivations import chapter2, chapter3, chapter4, chapter5
from derivations.steps import Step

CHAPTERS = (chapter2, chapter3, chapter4, chapter5)


def all_steps() -> list[Step]:
    return [step for chapter in CHAPTERS for step in chapter.STEPS]
