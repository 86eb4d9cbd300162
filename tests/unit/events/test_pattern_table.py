"""The pattern table (pattern_cases.py) through the pure engine."""

from __future__ import annotations

import json

import pytest

from tenku.patterns.compile import compile_pattern
from tenku.patterns.matching import matches, parse_event
from tests.unit.events.pattern_cases import CASES, Case


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 150
    assert any(c.expected for c in CASES) and any(not c.expected for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c.source[:40]}" for i, c in enumerate(CASES)])
def test_pattern_table(case: Case) -> None:
    pattern = compile_pattern(json.dumps(case.pattern))
    event = parse_event(json.dumps(case.event))
    assert matches(pattern, event) is case.expected, case.source
