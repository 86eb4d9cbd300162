"""Which providers exist, and building each one the first time it is needed.

Importing and constructing every service up front would put the Lambda engine, Logs and
every later service on the start-up path of a server that may only ever see SQS calls.
So a provider is built (imported, constructed, started) on first use, and everything
still unbuilt is built in the background shortly after start-up, so that work left from
before a restart (queued Event invokes, provisioned environments, move tasks) resumes.
This module also wires the Lambda API to the execution engine, since services never
import the runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tenku.config import Settings
from tenku.core.api import ApiCaller
from tenku.core.clock import Clock
from tenku.core.events import EventBus
from tenku.storage import Storage

SERVICES = (
    "sqs", "lambda", "logs", "dynamodb", "dynamodbstreams", "apigateway", "apigatewayv2",
    "scheduler", "sns", "cognito-idp", "s3", "events", "sts", "ssm", "cloudformation",
)  # fmt: skip


class Providers:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        bus: EventBus,
        work_dir: Path,
        endpoint_url: str,
        settings: Settings | None = None,
    ) -> None:
        """`work_dir` holds unpacked function code and execution environments' scratch
        space; `endpoint_url` is where code inside functions reaches Tenku; `settings`
        carries the Lambda engine's options (forking, concurrency, idle time)."""
        self.settings = settings or Settings()
        self.storage = storage
        self.clock = clock
        self.bus = bus
        self.work_dir = work_dir
        self.endpoint_url = endpoint_url
        self.api: ApiCaller | None = None  # set by the gateway once its dispatcher exists
        self.built: dict[str, Any] = {}  # started providers, by service name
        self._ready: dict[str, asyncio.Future[Any]] = {}
        self._factories: dict[str, Callable[[], Any]] = {
            "sqs": self._sqs,
            "lambda": self._lambda,
            "logs": self._logs,
            "dynamodb": self._dynamodb,
            "dynamodbstreams": self._dynamodbstreams,
            "apigateway": self._apigateway,
            "scheduler": self._scheduler,
            "apigatewayv2": self._apigatewayv2,
            "sns": self._sns,
            "cognito-idp": self._cognito_idp,
            "s3": self._s3,
            "events": self._events,
            "sts": self._sts,
            "ssm": self._ssm,
            "cloudformation": self._cloudformation,
        }

    def __contains__(self, service: object) -> bool:
        return service in self._factories

    async def get(self, service: str) -> Any:
        """The started provider of `service` (built now if need be), or None."""
        provider = self.built.get(service)
        if provider is not None:
            return provider
        if service not in self._factories:
            return None
        ready = self._ready.get(service)
        if ready is None:
            ready = self._ready[service] = asyncio.get_running_loop().create_future()
            try:
                provider = await self._build(service)
            except BaseException as error:
                del self._ready[service]
                ready.set_exception(error)
                ready.exception()  # retrieved: other waiters re-raise it themselves
                raise
            self.built[service] = provider
            ready.set_result(provider)
        return await asyncio.shield(ready)

    async def _build(self, service: str) -> Any:
        if service == "lambda":
            await self.get("logs")  # function output must have somewhere to go
        if service == "dynamodbstreams":
            await self.get("dynamodb")  # the streams API reads the tables' store
        provider = self._factories[service]()
        await provider.start()
        return provider

    async def build_all(self) -> None:
        for service in self._factories:
            await self.get(service)
            await asyncio.sleep(0)  # let requests in between two services' imports

    async def stop(self) -> None:
        for provider in reversed(list(self.built.values())):
            await provider.stop()
        self.built.clear()

    def set_endpoint(self, url: str) -> None:
        self.endpoint_url = url
        for name in ("lambda", "apigatewayv2"):  # both hand out URLs on this endpoint
            if name in self.built:
                self.built[name].endpoint_url = url

    # -- factories (imports live here so that only used services are loaded) -----------
    def _sqs(self) -> Any:
        from tenku.services.sqs.provider import SqsProvider

        return SqsProvider(self.storage, self.clock, self.bus)

    def _dynamodb(self) -> Any:
        from tenku.services.dynamodb.provider import DynamoDBProvider

        return DynamoDBProvider(self.storage, self.clock, self.bus)

    def _dynamodbstreams(self) -> Any:
        from tenku.services.dynamodb.streams_api import DynamoDBStreamsProvider

        dynamodb = self.built["dynamodb"]
        return DynamoDBStreamsProvider(dynamodb.store, dynamodb.clock)

    def _apigateway(self) -> Any:
        from tenku.proxy.jwt_auth import local_jwt_verifier
        from tenku.services.apigateway.dataplane import RestApiDataPlane
        from tenku.services.apigateway.provider import ApiGatewayProvider

        assert self.api is not None
        provider = ApiGatewayProvider(self.storage, self.clock, self.bus)
        jwt = local_jwt_verifier(self.clock, lambda: self.endpoint_url)
        provider.data_plane = RestApiDataPlane(provider, self.api, self.clock, jwt)
        return provider

    def _scheduler(self) -> Any:
        from tenku.services.scheduler.provider import SchedulerProvider

        return SchedulerProvider(self.storage, self.clock, self.bus, self.api)

    def _apigatewayv2(self) -> Any:
        from tenku.services.apigatewayv2.dataplane import HttpApiDataPlane
        from tenku.services.apigatewayv2.provider import ApiGatewayV2Provider

        assert self.api is not None
        provider = ApiGatewayV2Provider(self.storage, self.clock, self.bus, self.endpoint_url)
        provider.data_plane = HttpApiDataPlane(provider, self.api, self.clock)
        return provider

    def _sns(self) -> Any:
        from tenku.services.sns.provider import SnsProvider

        provider = SnsProvider(self.storage, self.clock, self.bus, lambda: self.endpoint_url)
        provider.api = self.api
        return provider

    def _cognito_idp(self) -> Any:
        from tenku.services.cognito_idp.provider import CognitoIdpProvider

        return CognitoIdpProvider(self.storage, self.clock)

    def _s3(self) -> Any:
        from tenku.services.s3.provider import S3Provider

        provider = S3Provider(self.storage, self.clock, self.bus, self.work_dir / "s3")
        provider.deliverer.api = self.api
        return provider

    def _events(self) -> Any:
        from tenku.services.events.provider import EventsProvider

        provider = EventsProvider(self.storage, self.clock, self.bus)
        provider.api = self.api
        return provider

    def _sts(self) -> Any:
        from tenku.services.sts.provider import StsProvider

        return StsProvider(self.storage, self.clock)

    def _ssm(self) -> Any:
        from tenku.services.ssm.provider import SsmProvider

        return SsmProvider(self.storage, self.clock)

    def _cloudformation(self) -> Any:
        from tenku.services.cloudformation.provider import CloudFormationProvider

        provider = CloudFormationProvider(self.storage, self.clock)
        provider.api = self.api
        return provider

    def _logs(self) -> Any:
        from tenku.services.logs.provider import LogsProvider

        return LogsProvider(self.storage, self.clock, self.bus)

    def _lambda(self) -> Any:
        from tenku.core.events import LogEvent
        from tenku.core.scope import Scope
        from tenku.runtime.engine import LambdaEngine
        from tenku.services.lambda_.provider import LambdaProvider

        options = self.settings
        engine = LambdaEngine(
            self.work_dir / "runtime",
            account_concurrency=options.lambda_concurrency,
            idle_seconds=options.lambda_idle_seconds,
            python_fork=options.python_fork,
        )
        bus = self.bus

        def publish_log(scope: Scope, group: str, stream: str, at: float, line: str) -> None:
            bus.publish(LogEvent(scope, group, stream, int(at * 1000), line))

        engine.on_log = publish_log
        provider = LambdaProvider(
            self.storage, self.clock, bus, engine, self.work_dir / "lambda", self.endpoint_url
        )
        provider.async_invocations.api = self.api
        provider.pollers.api = self.api
        provider.account_concurrency = options.lambda_concurrency
        return provider
