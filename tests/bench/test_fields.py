"""`python -m bench.fields` runs and prints a figure per variant (it times, so it asserts no
figure: the figures go into notes, as the bench's do)."""

from __future__ import annotations

import re

import pytest

from bench import fields
from gql.schema.executor import Executor


def test_the_fields_bench_prints_each_variant_against_the_code_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = Executor.execute_field

    assert fields.main(["no-leaf-path"]) == 0
    assert Executor.execute_field is plain  # the variant is undone for whatever runs next

    lines = capsys.readouterr().out.splitlines()
    pattern = r"(\S+) +[\d.]+ ms a page +[\d.]+ us a field +[\d.]+x"
    assert [m.group(1) for line in lines if (m := re.fullmatch(pattern, line))] == [
        "none",
        "no-leaf-path",
    ]
