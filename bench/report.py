"""Figures: a ratio against a baseline of the same run, its goal, and how it is shown."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

GoalOp = Literal["<=", ">="]


@dataclass
class Figure:
    key: str
    title: str
    goal_op: GoalOp
    goal: float
    ratio: float | None = None
    summary: str = ""  # the measured values behind the ratio, for people
    detail: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None  # why it was not measured in this run

    @property
    def passed(self) -> bool | None:
        if self.ratio is None or not math.isfinite(self.ratio):
            return None
        return self.ratio <= self.goal if self.goal_op == "<=" else self.ratio >= self.goal

    @property
    def verdict(self) -> str:
        passed = self.passed
        if self.skipped:
            return "SKIP"
        if passed is None:
            return "ERROR"
        return "PASS" if passed else "MISS"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "ratio": self.ratio,
            "goal": f"{self.goal_op} {self.goal:g}",
            "goal_op": self.goal_op,
            "goal_value": self.goal,
            "result": self.verdict,
            "summary": self.summary,
            "detail": self.detail,
            "warnings": self.warnings,
            "error": self.error,
            "skipped": self.skipped,
        }


def table(figures: list[Figure]) -> str:
    rows = [("#", "figure", "measurement", "ratio", "goal", "result", "measured")]
    for number, figure in enumerate(figures, 1):
        ratio = "-" if figure.ratio is None else f"{figure.ratio:.2f}"
        measured = figure.summary if figure.error is None else f"error: {figure.error}"
        if figure.skipped:
            measured = f"skipped: {figure.skipped}"
        rows.append(
            (
                str(number),
                figure.key,
                figure.title,
                ratio,
                f"{figure.goal_op} {figure.goal:g}",
                figure.verdict,
                measured,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in [*widths, len(row[-1])]))
    for figure in figures:
        lines.extend(f"  note ({figure.key}): {warning}" for warning in figure.warnings)
    return "\n".join(lines)


def write_json(path: Path, figures: list[Figure], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "figures": [figure.as_json() for figure in figures]}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def print_ways(runs: Mapping[str, list[tuple[float, float]]], floor: str, timed: str) -> None:
    """A table of ways measured in the same run, from each round's (seconds, CPU seconds) per
    call: each way's medians, and each as a ratio to the way `floor`."""
    seconds = {name: statistics.median(r[0] for r in rounds) for name, rounds in runs.items()}
    cpu = {name: statistics.median(r[1] for r in rounds) for name, rounds in runs.items()}
    against = f"vs {floor}"
    print(f"{'way':12s} {timed:>8s} {against:>9s} {'CPU':>8s} {against:>9s}")
    for name in runs:
        print(
            f"{name:12s} {seconds[name] * 1e6:6.0f}us {seconds[name] / seconds[floor]:9.2f}"
            f" {cpu[name] * 1e6:6.0f}us {cpu[name] / cpu[floor]:9.2f}"
        )
