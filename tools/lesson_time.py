"""How long a lesson takes, estimated the same way for every notebook.

    python tools/lesson_time.py notebooks/*.ipynb     (prints one row per notebook)

The estimate (issue 15 of the course): about 100 words of mathematical prose and 10 lines of
code a minute, plus the exercises.

- prose words: every whitespace-separated token of the markdown cells (formulas included),
  plus the words of comment-only lines in code cells;
- code lines: the non-blank, non-comment lines of code cells, outside the solution blocks
  (a student writes those; that time is the exercise's);
- exercises: the minutes each exercise's prompt states, written ``**Exercise 2 (10 min)…``.

The first markdown cell states the total as ``**Time:** about N minutes``; tests/test_pacing.py
requires it to be the estimate rounded up to a multiple of 5, and at most 60.
"""

import math
import re
import sys
from pathlib import Path

import nbformat

EXERCISE = re.compile(r"\*\*Exercise\s+\d+\s*\((\d+)\s*min\)")
STATED = re.compile(r"\*\*Time:\*\*\s*about\s+(\d+)\s+minutes")
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*$",
                      re.MULTILINE | re.DOTALL)


def estimate(nb) -> dict[str, float]:
    r"""{"words", "code_lines", "reading", "exercises", "minutes"} for one notebook."""
    words = code = 0
    exercises = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            words += len(cell.source.split())
            exercises += [int(m) for m in EXERCISE.findall(cell.source)]
        elif cell.cell_type == "code":
            for line in SOLUTION.sub("", cell.source).splitlines():
                text = line.strip()
                if text.startswith("#"):
                    words += len(text.lstrip("#").split())
                elif text:
                    code += 1
    reading = words / 100 + code / 10
    return {"words": words, "code_lines": code, "reading": reading,
            "exercises": sum(exercises), "exercise_count": len(exercises),
            "minutes": reading + sum(exercises)}


def stated_minutes(nb) -> int | None:
    r"""The ``**Time:** about N minutes`` of the first markdown cell, or None."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    m = STATED.search(first.source) if first is not None else None
    return int(m.group(1)) if m else None


def rounded(minutes: float) -> int:
    r"""The estimate as stated: rounded up to a multiple of 5 minutes."""
    return 5 * math.ceil(minutes / 5)


def main(paths: list[str]) -> None:
    print(f"{'notebook':40s} {'words':>6s} {'code':>5s} {'read':>5s} {'ex':>3s} {'ex min':>6s} "
          f"{'total':>6s} {'stated':>6s}")
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        e = estimate(nb)
        print(f"{Path(path).stem:40s} {e['words']:6d} {e['code_lines']:5d} {e['reading']:5.1f} "
              f"{e['exercise_count']:3d} {e['exercises']:6d} {e['minutes']:6.1f} "
              f"{stated_minutes(nb) or '-':>6}")


if __name__ == "__main__":
    main(sys.argv[1:])
