"""Helpers for the SNS black-box tests: queues to subscribe, waiting for deliveries,
Python functions that report what they received, and a local HTTP endpoint."""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

# Sends what it received to the queue named by OUT_QUEUE, through the legacy SQS query
# protocol (an unsigned form post to the queue URL), so the function needs no SDK.
REPORTING_HANDLER = """
import json, os, urllib.parse, urllib.request

def handler(event, context):
    body = json.dumps({"function": context.function_name, "event": event})
    form = urllib.parse.urlencode({"Action": "SendMessage", "MessageBody": body}).encode()
    url = os.environ["AWS_ENDPOINT_URL"] + "/000000000000/" + os.environ["OUT_QUEUE"]
    request = urllib.request.Request(
        url, form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    urllib.request.urlopen(request).read()
    return {"ok": True}
"""


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_reporting_function(lam: Any, name: str, out_queue: str) -> str:
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped({"app.py": REPORTING_HANDLER})},
        Environment={"Variables": {"OUT_QUEUE": out_queue}},
    )
    return str(created["FunctionArn"])


def make_queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(url, arn) of a new queue."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def receive(
    sqs: Any, url: str, count: int, timeout: float = 15.0, **options: Any
) -> list[dict[str, Any]]:
    """Receive (and delete) messages until `count` arrived or `timeout` passed."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **options
        )
        for message in answer.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def wait_for(check: Callable[[], Any], timeout: float = 15.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


class Endpoint:
    """A local HTTP server that records every POST and answers with `status` (which
    may be a function of the request's message type)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status: Callable[[str], int] = lambda _kind: 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                kind = self.headers.get("x-amz-sns-message-type", "")
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                self.send_response(outer.status(kind))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sns"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["headers"].get("x-amz-sns-message-type") == kind]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
