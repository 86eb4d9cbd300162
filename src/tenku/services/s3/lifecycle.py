"""Lifecycle configurations (pure): S3's checks on them, which objects a rule covers,
and when an expiration is due.

Owns: rule validation (Status, ID length, one of Prefix or Filter, at least one action,
positive Days, Dates at midnight UTC), filter matching by prefix, tags and size, and
due times: `Days` counts from the object's creation and is rounded up to the next
midnight UTC as S3 does; `Date` applies from that midnight on; noncurrent versions
expire `NoncurrentDays` after they stopped being current.
Must not: delete anything (the provider's sweep does, with the injected clock).
"""

from __future__ import annotations

from typing import Any

from tenku.services.s3.errors import invalid_argument, invalid_request, malformed_xml

DAY = 86400


def validate_rules(configuration: dict[str, Any]) -> list[dict[str, Any]]:
    rules = configuration.get("Rules")
    if not rules:
        raise malformed_xml()
    ids: set[str] = set()
    for rule in rules:
        if rule.get("Status") not in ("Enabled", "Disabled"):
            raise malformed_xml()
        rule_id = rule.get("ID")
        if rule_id is not None:
            if len(rule_id) > 255:
                raise invalid_argument("ID length should not exceed allowed limit of 255", "ID")
            if rule_id in ids:
                raise invalid_argument(
                    "Rule ID must be unique. Found same ID for more than one rule", "ID", rule_id
                )
            ids.add(rule_id)
        if "Prefix" in rule and "Filter" in rule:
            raise malformed_xml()
        actions = (
            "Expiration",
            "Transitions",
            "NoncurrentVersionExpiration",
            "NoncurrentVersionTransitions",
            "AbortIncompleteMultipartUpload",
        )
        if not any(rule.get(a) for a in actions):
            raise invalid_request("At least one action needs to be specified in a rule")
        expiration = rule.get("Expiration") or {}
        if "Days" in expiration and int(expiration["Days"]) <= 0:
            raise invalid_argument(
                "'Days' for Expiration action must be a positive integer", "Days"
            )
        if "Date" in expiration and float(expiration["Date"]) % DAY != 0:
            raise invalid_argument("'Date' must be at midnight GMT", "Date")
        if sum(1 for k in ("Days", "Date", "ExpiredObjectDeleteMarker") if k in expiration) > 1:
            raise malformed_xml()
        noncurrent = rule.get("NoncurrentVersionExpiration") or {}
        if "NoncurrentDays" in noncurrent and int(noncurrent["NoncurrentDays"]) <= 0:
            raise invalid_argument(
                "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive "
                "integer",
                "NoncurrentDays",
            )
    return [dict(rule) for rule in rules]


def rule_matches(rule: dict[str, Any], key: str, size: int, tags: dict[str, str]) -> bool:
    """Whether an enabled rule's filter covers this object."""
    if rule.get("Status") != "Enabled":
        return False
    if "Prefix" in rule:  # the legacy form
        return key.startswith(rule.get("Prefix") or "")
    condition = rule.get("Filter") or {}
    condition = condition.get("And") or condition
    if not key.startswith(condition.get("Prefix") or ""):
        return False
    wanted = list(condition.get("Tags") or [])
    if condition.get("Tag"):
        wanted.append(condition["Tag"])
    if any(tags.get(t.get("Key")) != t.get("Value") for t in wanted):
        return False
    above = condition.get("ObjectSizeGreaterThan")
    below = condition.get("ObjectSizeLessThan")
    if above is not None and not size > int(above):
        return False
    return not (below is not None and not size < int(below))


def next_midnight(at: float) -> float:
    return float((int(at) // DAY + 1) * DAY) if at % DAY else float(at)


def expiration_due(rule: dict[str, Any], created: float, now: float) -> bool:
    """Whether the rule's Expiration applies to a current version created at `created`."""
    expiration = rule.get("Expiration") or {}
    if "Days" in expiration:
        return now >= next_midnight(created + int(expiration["Days"]) * DAY)
    if "Date" in expiration:
        return now >= float(expiration["Date"])
    return False


def noncurrent_due(rule: dict[str, Any], noncurrent_since: float, now: float) -> bool:
    days = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
    if days is None:
        return False
    return now >= next_midnight(noncurrent_since + int(days) * DAY)


def abort_due(rule: dict[str, Any], initiated: float, now: float) -> bool:
    days = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
    if days is None:
        return False
    return now >= next_midnight(initiated + int(days) * DAY)


def expiration_header(
    rules: list[dict[str, Any]], key: str, size: int, tags: dict[str, str], created: float
) -> str | None:
    """The `x-amz-expiration` value for an object a rule will expire."""
    from email.utils import formatdate

    for rule in rules:
        expiration = rule.get("Expiration") or {}
        if not rule_matches(rule, key, size, tags):
            continue
        if "Days" in expiration:
            at = next_midnight(created + int(expiration["Days"]) * DAY)
        elif "Date" in expiration:
            at = float(expiration["Date"])
        else:
            continue
        rule_id = rule.get("ID") or ""
        return f'expiry-date="{formatdate(at, usegmt=True)}", rule-id="{rule_id}"'
    return None
