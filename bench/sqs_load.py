"""A small raw-socket HTTP/1.1 keep-alive load client for the dynamic SQS workloads.

Used where each request depends on the previous answer (ReceiveMessage then
DeleteMessage of the returned receipt handle) and for count-bounded batch prefills.
Each worker process runs an event loop (uvloop if available) with a few connections;
every connection runs requests back to back (closed loop, one in flight). Requests are
pre-encoded bytes; responses are parsed for status, Content-Length and the JSON body
only. If a server closes the connection after each response (moto's Werkzeug does),
the client reconnects, which is part of that server's cost.

Modes:
  recv1   ReceiveMessage(MaxNumberOfMessages=1) + DeleteMessage        -> 1 pair / cycle
  recv10  ReceiveMessage(MaxNumberOfMessages=10) + DeleteMessageBatch  -> up to 10 pairs
  fill    SendMessageBatch of 10 until the worker's share of a message count is sent
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import time
from dataclasses import dataclass, field

from sqs_common import HOST, encode_request, parse_response

try:
    import uvloop
except ImportError:  # pragma: no cover - plain asyncio still works, just slower
    uvloop = None


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        parsed = parse_response(self.buf)
        if parsed is not None and self.waiter is not None and not self.waiter.done():
            resp, used = parsed
            del self.buf[:used]
            self.waiter.set_result(resp)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))


class Client:
    """Sends pre-encoded requests on one connection, reconnecting when told to close."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: _Conn | None = None

    async def _connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Conn, HOST, self.port)
        return conn

    async def request(self, raw: bytes):  # -> sqs_common.Response
        if self.conn is None or self.conn.closed:
            self.conn = await self._connect()
        conn = self.conn
        conn.waiter = asyncio.get_running_loop().create_future()
        conn.transport.write(raw)
        resp = await conn.waiter
        if resp.close:
            conn.transport.close()
            self.conn = None
        return resp


@dataclass
class WorkerResult:
    pairs: int = 0  # messages received and deleted (recv modes) or sent (fill)
    requests: int = 0
    empty_receives: int = 0
    errors: int = 0
    drained_at: float | None = None  # wall time a connection first saw an empty queue
    recv_lat: list[float] = field(default_factory=list)
    del_lat: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    finished_at: float = 0.0
    first_error: str = ""


@dataclass
class Job:
    mode: str
    port: int
    queue_url: str
    connections: int
    begin_at: float  # wall clock (time.time) at which the connections start (warm-up)
    start_at: float  # wall clock at which counting starts
    end_at: float  # wall clock at which every connection stops
    fill_count: int = 0  # messages this worker sends in fill mode


async def _recv_loop(job: Job, client: Client, res: WorkerResult) -> None:
    batch = 10 if job.mode == "recv10" else 1
    recv_raw = encode_request(
        job.port,
        "ReceiveMessage",
        {"QueueUrl": job.queue_url, "MaxNumberOfMessages": batch, "WaitTimeSeconds": 0},
    )
    clock = time.time
    while True:
        t0 = clock()
        if t0 >= job.end_at:
            return
        resp = await client.request(recv_raw)
        t1 = clock()
        res.requests += 1
        if resp.status != 200:
            _record_error(res, "ReceiveMessage", resp)
            continue
        messages = resp.json().get("Messages") or []
        if not messages:
            res.empty_receives += 1
            if res.drained_at is None:
                res.drained_at = t1
            return
        if batch == 1:
            op = "DeleteMessage"
            payload = {"QueueUrl": job.queue_url, "ReceiptHandle": messages[0]["ReceiptHandle"]}
        else:
            op = "DeleteMessageBatch"
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            payload = {"QueueUrl": job.queue_url, "Entries": entries}
        resp = await client.request(encode_request(job.port, op, payload))
        t2 = clock()
        res.requests += 1
        deleted = len(messages)
        if resp.status != 200:
            _record_error(res, op, resp)
            continue
        if batch > 1:
            failed = resp.json().get("Failed") or []
            deleted -= len(failed)
            res.errors += len(failed)
        if job.start_at <= t2 <= job.end_at:  # completions inside the window count
            res.pairs += deleted
            res.recv_lat.append(t1 - t0)
            res.del_lat.append(t2 - t1)


async def _fill_loop(job: Job, client: Client, res: WorkerResult, count: int) -> None:
    for start in range(0, count, 10):
        n = min(10, count - start)
        entries = [
            {"Id": f"e{i}", "MessageBody": f"fill {start + i} " + "x" * 64} for i in range(n)
        ]
        raw = encode_request(
            job.port, "SendMessageBatch", {"QueueUrl": job.queue_url, "Entries": entries}
        )
        resp = await client.request(raw)
        res.requests += 1
        if resp.status != 200:
            _record_error(res, "SendMessageBatch", resp)
            continue
        failed = resp.json().get("Failed") or []
        res.pairs += n - len(failed)
        res.errors += len(failed)


def _record_error(res: WorkerResult, op: str, resp) -> None:
    res.errors += 1
    if not res.first_error:
        res.first_error = f"{op} -> {resp.status}: {resp.body[:200]!r}"


async def _run_job(job: Job) -> WorkerResult:
    res = WorkerResult()
    await asyncio.sleep(max(0.0, job.begin_at - time.time()))
    clients = [Client(job.port) for _ in range(job.connections)]
    if job.mode == "fill":
        share = [job.fill_count // job.connections] * job.connections
        share[0] += job.fill_count - sum(share)
        await asyncio.gather(
            *(_fill_loop(job, c, res, n) for c, n in zip(clients, share, strict=True))
        )
    else:
        await asyncio.gather(*(_recv_loop(job, c, res) for c in clients))
    return res


def _worker(job: Job, out: mp.Queue) -> None:
    cpu0 = time.process_time()
    if uvloop is not None:
        uvloop.install()
    try:
        res = asyncio.run(_run_job(job))
    except Exception as exc:  # report instead of hanging the parent
        res = WorkerResult(errors=1, first_error=repr(exc))
    res.cpu_s = time.process_time() - cpu0
    res.finished_at = time.time()
    out.put(res)


@dataclass
class LoadResult:
    pairs: int
    requests: int
    seconds: float  # measured window actually used
    errors: int
    empty_receives: int
    drained_early: bool
    recv_lat: list[float]
    del_lat: list[float]
    client_cpu_pct: float  # summed over worker processes, 100 = one core
    first_error: str

    @property
    def rate(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else 0.0


def run(
    mode: str,
    port: int,
    queue_url: str,
    *,
    processes: int = 2,
    connections: int = 8,
    seconds: float = 5.0,
    warmup: float = 1.0,
    fill_count: int = 0,
    timeout: float = 900.0,
) -> LoadResult:
    """Run one load job over ``processes`` worker processes; see the module docstring."""
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    begin_at = time.time() + 0.2  # all worker processes are up by then
    start_at = begin_at + (warmup if mode != "fill" else 0.0)
    end_at = start_at + (seconds if mode != "fill" else timeout)
    shares = [fill_count // processes] * processes
    shares[0] += fill_count - sum(shares)
    procs = []
    for i in range(processes):
        job = Job(mode, port, queue_url, connections, begin_at, start_at, end_at, shares[i])
        proc = ctx.Process(target=_worker, args=(job, out), daemon=True)
        proc.start()
        procs.append(proc)
    results = [out.get(timeout=timeout + 60) for _ in procs]
    wall = max(r.finished_at for r in results) - begin_at
    for proc in procs:
        proc.join()
    drained = [r.drained_at for r in results if r.drained_at is not None]
    if mode == "fill":
        window = wall
    elif drained:
        window = max(min(max(drained), end_at) - start_at, 1e-9)
    else:
        window = end_at - start_at
    return LoadResult(
        pairs=sum(r.pairs for r in results),
        requests=sum(r.requests for r in results),
        seconds=window,
        errors=sum(r.errors for r in results),
        empty_receives=sum(r.empty_receives for r in results),
        drained_early=bool(drained),
        recv_lat=[x for r in results for x in r.recv_lat],
        del_lat=[x for r in results for x in r.del_lat],
        client_cpu_pct=100 * sum(r.cpu_s for r in results) / wall,
        first_error=next((r.first_error for r in results if r.first_error), ""),
    )


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[idx]


if __name__ == "__main__":  # tiny manual check: python sqs_load.py PORT QUEUE_URL MODE
    import sys

    port_arg, url_arg, mode_arg = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    result = run(mode_arg, port_arg, url_arg, fill_count=int(os.environ.get("FILL", "1000")))
    print(result.pairs, f"{result.rate:.0f}/s", result.errors, result.first_error)
