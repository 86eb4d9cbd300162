"""The API Gateway V2 API (HTTP APIs' control plane) and its read side for the data plane.

Operations are mixed in from `apis.py`, `routes.py`, `integrations.py`, `authorizers.py`,
`stages.py` and `imports.py`: one method per operation of botocore's `apigatewayv2`
model, the request context and snake_case members in, the output shape out. Domain names,
API mappings, models, route responses, VPC links and portals are not written (the
dispatcher answers NotImplemented for them).

Read side (for the invoke URL data plane, called per request):
- `served_api(api_id, stage_name) -> ServedApi | None`: the stage as deployed (see
  `served.py`); None if the API or stage does not exist, has no deployment, or the API
  is a WebSocket API (stored, not served).
- `served_stages(api_id) -> tuple[str, ...]`: the API's stage names (empty if unknown).
- `api_generation(api_id) -> int`: changes whenever the API or any of its stages changes.
All three answer from memory after the first call and are invalidated by every write to
the API (the store reports each one), so a request costs a dict lookup. Must not: see
HTTP objects or keep module-level state.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import EventBus
from tenku.services.apigatewayv2 import models
from tenku.services.apigatewayv2.authorizers import Authorizers
from tenku.services.apigatewayv2.base import DEPLOYMENT, STAGE
from tenku.services.apigatewayv2.imports import Imports
from tenku.services.apigatewayv2.integrations import Integrations
from tenku.services.apigatewayv2.served import ServedApi, build_served
from tenku.services.apigatewayv2.stages import Stages
from tenku.services.apigatewayv2.store import ApiGatewayV2Store
from tenku.storage import Storage

log = logging.getLogger("tenku.apigatewayv2")


class ApiGatewayV2Provider(Imports, Integrations, Authorizers, Stages):
    service = "apigatewayv2"
    data_plane: Any = None  # set by the registry: what serves the deployed APIs

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus, endpoint_url: str) -> None:
        super().__init__(ApiGatewayV2Store(storage), clock, endpoint_url)
        self.bus = bus
        self._counter = itertools.count(1)
        self._generations: dict[str, int] = {}
        self._served: dict[str, dict[str, ServedApi | None]] = {}
        self._stages: dict[str, tuple[str, ...]] = {}
        self.store.on_change = self._invalidate

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    # -- read side for the data plane ----------------------------------------------------
    def _invalidate(self, api_id: str) -> None:
        self._generations[api_id] = next(self._counter)
        self._served.pop(api_id, None)
        self._stages.pop(api_id, None)

    def api_generation(self, api_id: str) -> int:
        """A number that changes whenever anything about the API changes."""
        generation = self._generations.get(api_id)
        if generation is None:
            generation = self._generations[api_id] = next(self._counter)
        return generation

    def served_stages(self, api_id: str) -> tuple[str, ...]:
        """The API's stage names, in creation order (empty if the API is unknown)."""
        names = self._stages.get(api_id)
        if names is None:
            names = tuple(s["StageName"] for s in self.store.children(api_id, STAGE))
            self._stages[api_id] = names
        return names

    def served_api(self, api_id: str, stage_name: str) -> ServedApi | None:
        """What stage `stage_name` of API `api_id` serves, as of its deployment."""
        stages = self._served.get(api_id)
        if stages is not None and stage_name in stages:
            return stages[stage_name]
        generation = self.api_generation(api_id)
        served = self._load_served(api_id, stage_name, generation)
        self._served.setdefault(api_id, {})[stage_name] = served
        return served

    def _load_served(self, api_id: str, stage_name: str, generation: int) -> ServedApi | None:
        row = self.store.api(api_id)
        if row is None:
            return None
        if row.doc["ProtocolType"] != models.HTTP:
            log.warning("API %s is a WebSocket API; Tenku does not serve those yet", api_id)
            return None
        stage = self.store.child(api_id, STAGE, stage_name)
        if stage is None or not stage.get("DeploymentId"):
            return None
        deployment = self.store.child(api_id, DEPLOYMENT, stage["DeploymentId"])
        if deployment is None:
            return None
        return build_served(
            api_id,
            row.scope.account,
            row.scope.region,
            stage,
            deployment["_Snapshot"],
            generation,
        )
