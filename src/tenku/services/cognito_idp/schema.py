"""User pool attribute schemas: the standard attributes, custom ones, and checking the
attributes a caller writes against a pool's schema.

A pool's schema is the list DescribeUserPool returns as `SchemaAttributes`: every
standard attribute (with the pool's `Required`/`Mutable` choices applied) followed by the
custom attributes (`custom:NAME`). Must not: touch storage.
"""

from __future__ import annotations

import re
from typing import Any

from tenku.services.cognito_idp.errors import invalid_parameter, schema_violation

_TEXT = {"MinLength": "0", "MaxLength": "2048"}
# name -> (data type, string constraints or None)
STANDARD: dict[str, tuple[str, dict[str, str] | None]] = {
    "sub": ("String", {"MinLength": "1", "MaxLength": "2048"}),
    "name": ("String", _TEXT),
    "given_name": ("String", _TEXT),
    "family_name": ("String", _TEXT),
    "middle_name": ("String", _TEXT),
    "nickname": ("String", _TEXT),
    "preferred_username": ("String", _TEXT),
    "profile": ("String", _TEXT),
    "picture": ("String", _TEXT),
    "website": ("String", _TEXT),
    "email": ("String", _TEXT),
    "email_verified": ("Boolean", None),
    "gender": ("String", _TEXT),
    "birthdate": ("String", {"MinLength": "10", "MaxLength": "10"}),
    "zoneinfo": ("String", _TEXT),
    "locale": ("String", _TEXT),
    "phone_number": ("String", _TEXT),
    "phone_number_verified": ("Boolean", None),
    "address": ("String", _TEXT),
    "updated_at": ("Number", None),
}
ALIASABLE = ("email", "phone_number", "preferred_username")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{4,15}")


def build_schema(requested: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The SchemaAttributes of a new pool from CreateUserPool's `Schema`."""
    overrides: dict[str, dict[str, Any]] = {}
    custom: list[dict[str, Any]] = []
    for entry in requested or []:
        name = entry.get("Name", "")
        if name in STANDARD:
            overrides[name] = entry
            continue
        if not name:
            raise invalid_parameter("Schema attribute name is required.")
        if entry.get("Required"):
            raise invalid_parameter("Required custom attributes are not supported currently.")
        data_type = entry.get("AttributeDataType", "String")
        attribute: dict[str, Any] = {
            "Name": f"custom:{name}",
            "AttributeDataType": data_type,
            "DeveloperOnlyAttribute": bool(entry.get("DeveloperOnlyAttribute", False)),
            "Mutable": bool(entry.get("Mutable", True)),
            "Required": False,
        }
        if data_type == "String":
            attribute["StringAttributeConstraints"] = dict(
                entry.get("StringAttributeConstraints") or {}
            )
        elif data_type == "Number":
            attribute["NumberAttributeConstraints"] = dict(
                entry.get("NumberAttributeConstraints") or {}
            )
        custom.append(attribute)
    names = [c["Name"] for c in custom]
    if len(set(names)) != len(names):
        raise invalid_parameter("Duplicate attribute names are not allowed in the schema.")
    schema = []
    for name, (data_type, text) in STANDARD.items():
        override = overrides.get(name, {})
        attribute = {
            "Name": name,
            "AttributeDataType": data_type,
            "DeveloperOnlyAttribute": False,
            "Mutable": name != "sub" and bool(override.get("Mutable", True)),
            "Required": name == "sub" or bool(override.get("Required", False)),
        }
        if text is not None:
            attribute["StringAttributeConstraints"] = dict(text)
        if data_type == "Number":
            attribute["NumberAttributeConstraints"] = {"MinValue": "0"}
        schema.append(attribute)
    return schema + custom


def add_custom(schema: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """AddCustomAttributes: the schema with `extra` custom attributes appended."""
    known = {a["Name"] for a in schema}
    added = build_schema(extra)[len(STANDARD) :]
    for attribute in added:
        if attribute["Name"] in known:
            raise invalid_parameter(
                f"{attribute['Name']}: Existing attribute already has name {attribute['Name']}."
            )
    return schema + added


def required_names(schema: list[dict[str, Any]]) -> list[str]:
    return [a["Name"] for a in schema if a.get("Required") and a["Name"] != "sub"]


def check_attributes(
    schema: list[dict[str, Any]],
    attributes: list[dict[str, Any]],
    *,
    updating: bool = False,
) -> dict[str, str]:
    """The written attributes as a dict, after checking them against `schema`."""
    by_name = {a["Name"]: a for a in schema}
    out: dict[str, str] = {}
    for item in attributes:
        name = item.get("Name", "")
        value = item.get("Value", "")
        value = "" if value is None else str(value)
        attribute = by_name.get(name)
        if attribute is None:
            raise schema_violation(f"{name}: Attribute does not exist in the schema.")
        if name == "sub":
            raise invalid_parameter("Cannot modify the non-mutable attribute sub")
        if updating and not attribute.get("Mutable", True):
            raise invalid_parameter(f"Cannot modify the non-mutable attribute {name}")
        kind = attribute["AttributeDataType"]
        if kind == "Boolean" and value not in ("true", "false"):
            raise schema_violation(f"{name}: Attribute value must be true or false.")
        if kind == "Number" and value and not _is_number(value):
            raise schema_violation(f"{name}: Number must be a valid number.")
        if name == "email" and value and not _EMAIL.fullmatch(value):
            raise invalid_parameter("Invalid email address format.")
        if name == "phone_number" and value and not _PHONE.fullmatch(value):
            raise invalid_parameter("Invalid phone number format.")
        limits = attribute.get("StringAttributeConstraints") or {}
        if kind == "String" and len(value) > int(limits.get("MaxLength") or 2048):
            raise schema_violation(
                f"{name}: String must be no longer than {limits['MaxLength']} characters"
            )
        out[name] = value
    return out


def check_required(schema: list[dict[str, Any]], attributes: dict[str, str]) -> None:
    for name in required_names(schema):
        if not attributes.get(name):
            raise schema_violation(f"{name}: The attribute is required")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
