"""CloudWatch Logs filter patterns: text and JSON syntax, parsed and matched."""

from __future__ import annotations

import pytest

from tenku.services.logs.filters import FilterPatternError, compile_pattern

JSON_MSG = (
    '{"level": "ERROR", "user": {"id": 7, "name": "ann"}, "latency": 12.5, '
    '"ok": false, "gone": null, "tags": ["a", "b"], "path": "/api/v1/items"}'
)


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        ("", "anything", True),
        (None, "anything", True),
        ("   ", "anything", True),
        ("ERROR", "an ERROR happened", True),
        ("ERROR", "an error happened", False),
        ("ERROR timeout", "ERROR: timeout after 3s", True),
        ("ERROR timeout", "ERROR: refused", False),
        ('"connection refused"', "ERROR connection refused", True),
        ('"connection refused"', "refused connection", False),
        ("?ERROR ?WARN", "WARN disk", True),
        ("?ERROR ?WARN", "INFO disk", False),
        ("ERROR -retry", "ERROR final", True),
        ("ERROR -retry", "ERROR will retry", False),
        ('-"health check"', "GET /status 200", True),
        ('-"health check"', "a health check ok", False),
        ("REPORT ?Init ?Billed", "REPORT Billed Duration", True),
        ("REPORT ?Init ?Billed", "REPORT Duration", False),
        ('{ $.level = "ERROR" }', JSON_MSG, True),
        ('{ $.level = "INFO" }', JSON_MSG, False),
        ("{ $.level = ERROR }", JSON_MSG, True),
        ('{ $.level != "INFO" }', JSON_MSG, True),
        ('{ $.missing != "INFO" }', JSON_MSG, False),
        ("{ $.user.id = 7 }", JSON_MSG, True),
        ("{ $.user.id > 5 }", JSON_MSG, True),
        ("{ $.user.id < 5 }", JSON_MSG, False),
        ("{ $.latency >= 12.5 }", JSON_MSG, True),
        ("{ $.latency <= 12 }", JSON_MSG, False),
        ("{ $.level > 5 }", JSON_MSG, False),
        ('{ $.path = "/api/*" }', JSON_MSG, True),
        ('{ $.path = "*items" }', JSON_MSG, True),
        ('{ $.path = "/web/*" }', JSON_MSG, False),
        ('{ $.tags[1] = "b" }', JSON_MSG, True),
        ('{ $.tags[5] = "b" }', JSON_MSG, False),
        ('{ $.level = "ERROR" && $.user.id = 7 }', JSON_MSG, True),
        ('{ $.level = "ERROR" && $.user.id = 8 }', JSON_MSG, False),
        ('{ $.level = "INFO" || $.user.name = "ann" }', JSON_MSG, True),
        ('{ ($.level = "INFO" || $.latency > 10) && $.ok IS FALSE }', JSON_MSG, True),
        ('{ $.level = "INFO" || $.latency > 10 && $.ok IS TRUE }', JSON_MSG, False),
        ("{ $.gone IS NULL }", JSON_MSG, True),
        ("{ $.nothing NOT EXISTS }", JSON_MSG, True),
        ("{ $.level NOT EXISTS }", JSON_MSG, False),
        ("{ $.ok = false }", JSON_MSG, True),
        ('{ $.level = "ERROR" }', "not json at all", False),
        ('{ $.level = "ERROR" }', '"a json string"', False),
    ],
)
def test_matches(pattern: str | None, message: str, expected: bool) -> None:
    assert compile_pattern(pattern)(message) is expected


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.level = }",
        "{ $.level }",
        "{ }",
        '{ $.level = "x" ',
        "{ $.n > abc }",
        "{ ($.a = 1 }",
        "{ level = 1 }",
        "[ip, user]",
        '"unterminated',
    ],
)
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(FilterPatternError):
        compile_pattern(pattern)
