"""Reading back the tables bench.report.print_ways prints (bench.hop, bench.lanes)."""

from __future__ import annotations

import re

_ROW = re.compile(r"(\w+) +\d+us +([\d.]+) +\d+us +([\d.]+)")


def printed_ways(out: str) -> dict[str, str]:
    """Each way's wall-time ratio to the floor, as printed, by the way's name."""
    return {m.group(1): m.group(2) for line in out.splitlines() if (m := _ROW.fullmatch(line))}
