"""The service as a real process on a free port, for the tests and the benchmark."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Service:
    """A running service: its base URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def get(self, path: str) -> tuple[int, dict]:
        return request(self.url + path)

    def post(self, path: str, body: bytes | list | dict) -> tuple[int, dict]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return request(self.url + path, data)


def request(url: str, data: bytes | None = None, timeout: float = 60) -> tuple[int, dict]:
    """(status, JSON body) of a GET (``data`` None) or a JSON POST."""
    req = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json"} if data is not None else {},
        method="POST" if data is not None else "GET",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as err:
        return err.code, _json(err.read())


def _json(body: bytes) -> dict:
    try:
        return json.loads(body) if body else {}
    except ValueError:
        return {"text": body.decode("utf-8", "replace")}


@contextlib.contextmanager
def running_service(
    args: list[str], log: Path, startup_timeout: float = 120.0, env: dict | None = None
) -> Iterator[Service]:
    """``python -m revenue_ml.serve <args>`` on 127.0.0.1 and a free port, until the block
    ends (then stopped by its pid: SIGTERM, SIGKILL after 10 s)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "revenue_ml.serve", "--host", "127.0.0.1", "--port", str(port)]
            + args,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited at start-up:\n{log.read_text()[-3000:]}")
            try:
                request(url + "/health", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the service did not answer within {startup_timeout:.0f} s:\n"
                        f"{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.2)
        yield Service(url, process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
