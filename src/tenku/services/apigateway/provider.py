"""The API Gateway REST API control plane (`apigateway`): one method per operation.

Methods take the request context and the operation's members as snake_case keyword
arguments and return the output shape as a dict. The operations live in mixins by
area (REST APIs and tags, resources and methods, integrations, authorizers,
deployments and stages, imports, API keys and usage plans).

The data plane reads through two methods, both cheap enough to call per request:

- `served_rest_api(api_id, stage_name) -> ServedRestApi | None`: the immutable view of
  what the stage serves (its deployment's snapshot plus stage settings; see
  `served.py`), cached until a deployment or stage of that API changes.
- `check_api_key(api_id, stage_name, key_value) -> ApiKeyCheck`: whether an API key may
  call that stage and which usage plan throttle and quota apply (see `keys.py`).

Must not: see HTTP objects or serve execute-api requests.
"""

from __future__ import annotations

from typing import Any

from tenku.core.clock import Clock
from tenku.core.events import EventBus
from tenku.services.apigateway.authorizers import Authorizers
from tenku.services.apigateway.deployments import Deployments
from tenku.services.apigateway.imports import Imports
from tenku.services.apigateway.integrations import Integrations
from tenku.services.apigateway.keys import ApiKeys
from tenku.services.apigateway.resources import Resources
from tenku.services.apigateway.served import ServedRestApi
from tenku.services.apigateway.store import ApiGatewayStore
from tenku.storage import Storage


class ApiGatewayProvider(Imports, Resources, Integrations, Authorizers, Deployments, ApiKeys):
    service = "apigateway"
    data_plane: Any = None  # set by the registry: what serves the deployed APIs

    def __init__(self, storage: Storage, clock: Clock, bus: EventBus | None = None) -> None:
        super().__init__(ApiGatewayStore(storage), clock)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    # -- the read side for the data plane -------------------------------------------------
    def served_rest_api(self, api_id: str, stage_name: str) -> ServedRestApi | None:
        """What `stage_name` of REST API `api_id` serves, or None when the API, the stage
        or its deployment does not exist. The same object is returned until something
        of that API's deployments or stages changes; its `generation` then differs."""
        return self.served.get(api_id, stage_name)

    def rest_api_exists(self, api_id: str) -> bool:
        """Whether any account and region has a REST API with this id."""
        return self.store.api(api_id) is not None
