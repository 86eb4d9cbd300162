"""Thin, lazily loaded views over botocore's service model JSON files.

Owns: finding botocore's data directory without importing botocore, loading the newest
`service-2.json(.gz)` of a service once, and exposing operations and shapes as the raw
dicts of the model. Other protocol modules hang their precomputed plans on
`ServiceModel.plans` so each is built once per service.
Must not: import botocore (its import costs more than our whole startup budget),
interpret shapes for a particular protocol, or copy model content into code.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import threading
from functools import cache
from typing import Any

# Protocols Tenku speaks, in the order botocore prefers them when a model lists several
# (botocore/utils.py PRIORITY_ORDERED_SUPPORTED_PROTOCOLS, minus cbor and ec2).
_SPOKEN_PROTOCOLS = ("json", "rest-json", "rest-xml", "query")

Shape = dict[str, Any]


class UnknownServiceError(LookupError):
    """No botocore model folder has this name (an internal error, not an AWS one)."""


@cache
def _data_dir() -> str:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed; Tenku reads its model files")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


@cache
def available_services() -> list[str]:
    """Folder names under botocore's data directory that hold a service model."""
    root = _data_dir()
    return sorted(
        name
        for name in os.listdir(root)
        if os.path.isdir(os.path.join(root, name)) and _newest_version_dir(name)
    )


def _newest_version_dir(service: str) -> str | None:
    folder = os.path.join(_data_dir(), service)
    try:
        versions = sorted(os.listdir(folder), reverse=True)
    except OSError:
        return None
    for version in versions:
        candidate = os.path.join(folder, version)
        if any(
            os.path.exists(os.path.join(candidate, f))
            for f in ("service-2.json.gz", "service-2.json")
        ):
            return candidate
    return None


def _drop_docs(obj: dict[str, Any]) -> dict[str, Any]:
    # Documentation is most of a model's bytes; dropping it while decoding keeps RSS low.
    obj.pop("documentation", None)
    obj.pop("documentationUrl", None)
    return obj


def _read_model(service: str) -> dict[str, Any]:
    folder = _newest_version_dir(service)
    if folder is None:
        raise UnknownServiceError(service)
    gz_path = os.path.join(folder, "service-2.json.gz")
    if os.path.exists(gz_path):
        with gzip.open(gz_path, "rb") as fh:
            raw = fh.read()
    else:
        with open(os.path.join(folder, "service-2.json"), "rb") as fh:
            raw = fh.read()
    loaded: dict[str, Any] = json.loads(raw, object_hook=_drop_docs)
    return loaded


class OperationModel:
    """One operation: its http binding and the names of its input and output shapes."""

    __slots__ = ("errors", "http", "input_shape", "name", "output_shape", "raw")

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.raw = raw
        self.http: dict[str, Any] = raw.get("http", {})
        self.input_shape: str | None = raw.get("input", {}).get("shape")
        self.output_shape: str | None = raw.get("output", {}).get("shape")
        self.errors: list[str] = [e["shape"] for e in raw.get("errors", ())]

    @property
    def method(self) -> str:
        return str(self.http.get("method", "POST"))

    @property
    def request_uri(self) -> str:
        return str(self.http.get("requestUri", "/"))

    @property
    def response_code(self) -> int:
        return int(self.http.get("responseCode", 200))

    @property
    def result_wrapper(self) -> str | None:
        wrapper = self.raw.get("output", {}).get("resultWrapper")
        return str(wrapper) if wrapper else None


class ServiceModel:
    """A loaded service model. `protocol` is the protocol Tenku answers in by default.

    `protocol` is resolved like botocore does: the model's `protocols` list in botocore's
    priority order (so CloudWatch, whose metadata protocol is CBOR, resolves to json),
    else the metadata `protocol`. The raw value stays in `metadata["protocol"]`.
    """

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.raw = raw
        self.metadata: dict[str, Any] = raw.get("metadata", {})
        self.protocol = _resolve_protocol(self.metadata)
        self.shapes: dict[str, Shape] = raw.get("shapes", {})
        self._operations: dict[str, dict[str, Any]] = raw.get("operations", {})
        self._operation_models: dict[str, OperationModel] = {}
        # Per-service caches filled by parsers/serializers (routing tables, shape plans).
        self.plans: dict[Any, Any] = {}
        self.lock = threading.Lock()

    @property
    def operation_names(self) -> list[str]:
        return list(self._operations)

    @property
    def target_prefix(self) -> str | None:
        prefix = self.metadata.get("targetPrefix")
        return str(prefix) if prefix else None

    @property
    def json_version(self) -> str:
        return str(self.metadata.get("jsonVersion", "1.0"))

    @property
    def query_compatible(self) -> bool:
        """True for JSON services that still honour their old query protocol (SQS)."""
        return "awsQueryCompatible" in self.metadata

    @property
    def api_version(self) -> str:
        return str(self.metadata.get("apiVersion", ""))

    @property
    def signing_name(self) -> str:
        return str(self.metadata.get("signingName") or self.metadata.get("endpointPrefix"))

    def has_operation(self, name: str) -> bool:
        return name in self._operations

    def operation(self, name: str) -> OperationModel:
        """The operation called `name`; KeyError if the model has none."""
        op = self._operation_models.get(name)
        if op is None:
            op = OperationModel(name, self._operations[name])
            self._operation_models[name] = op
        return op

    def shape(self, name: str) -> Shape:
        """The raw shape dict called `name`; KeyError if the model has none."""
        return self.shapes[name]


def _resolve_protocol(metadata: dict[str, Any]) -> str:
    listed = metadata.get("protocols") or []
    for protocol in _SPOKEN_PROTOCOLS:
        if protocol in listed:
            return protocol
    return str(metadata.get("protocol", "json"))


_models: dict[str, ServiceModel] = {}
_models_lock = threading.Lock()


def load_service_model(name: str) -> ServiceModel:
    """The model of botocore data folder `name` ("sqs", "s3"), loaded once and cached."""
    model = _models.get(name)
    if model is not None:
        return model
    with _models_lock:
        model = _models.get(name)
        if model is None:
            model = ServiceModel(name, _read_model(name))
            _models[name] = model
    return model
