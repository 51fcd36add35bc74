"""Harness: every test module gets its own fresh `scwd serve` on a random loopback port.

The SDK client is configured from the environment only (scaleway.Client.from_env()): the
fixture exports the SCW_* lines the server prints and nothing else. With
SCWD_TEST_PG=postgres://scwd@127.0.0.1:PORT (a throwaway cluster, scripts/pg-cluster.sh) each
server stores into a fresh database of that cluster instead of the SQLite file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field

import pytest
from scaleway import Client

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD_DIR = os.environ.get("SCWD_BUILD_DIR", os.path.join(REPO_ROOT, "build"))
SCWD_BIN = os.environ.get("SCWD_BIN", os.path.join(BUILD_DIR, "scwd"))

LISTEN_RE = re.compile(r"^scwd: listening on (http://127\.0\.0\.1:(\d+))\s*$", re.M)
EXPORT_RE = re.compile(r"^\s*export\s+(SCW_[A-Z_]+)=(.*)$", re.M)
PG_URL = os.environ.get("SCWD_TEST_PG", "").rstrip("/")


def _psql(*commands: str) -> subprocess.CompletedProcess:
    args = ["psql", f"{PG_URL}/postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def pg_database(data_dir: str) -> str:
    """The database of a data directory in the SCWD_TEST_PG cluster: scwd_ + a hash of its path."""
    return "scwd_" + hashlib.sha256(os.path.abspath(data_dir).encode()).hexdigest()[:12]


def pg_store_for(data_dir: str) -> str:
    """Creates the data directory's database (unless it exists) and returns its store URL."""
    db = pg_database(data_dir)
    r = _psql(f"CREATE DATABASE {db}")
    if r.returncode != 0 and "already exists" not in r.stderr:
        raise RuntimeError(f"CREATE DATABASE {db} in {PG_URL} failed:\n{r.stderr}")
    return f"{PG_URL}/{db}"


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    data_dir: str
    env: dict = field(default_factory=dict)
    out: str = ""

    def raw(self, method: str, path: str, body=None, token: str | None = None):
        """Plain HTTP (used only for the operator endpoints, e.g. the virtual clock)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("X-Auth-Token", token or self.env["SCW_SECRET_KEY"])
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as res:
            txt = res.read().decode()
            return res.status, (json.loads(txt) if txt else None)

    def advance(self, seconds: int) -> None:
        status, _ = self.raw("POST", "/_scwd/clock/advance", {"seconds": seconds})
        assert status == 200

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if not os.environ.get("SCWD_KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
            if PG_URL:
                # FORCE: the server's sessions may not all be closed yet
                _psql(f"DROP DATABASE IF EXISTS {pg_database(self.data_dir)} WITH (FORCE)")


def start_server(extra_args: list[str] | None = None, lifecycle: str = "instant",
                 timeout: float = 20.0) -> Server:
    if not os.path.exists(SCWD_BIN):
        raise RuntimeError(f"scwd binary not found at {SCWD_BIN}")
    data_dir = tempfile.mkdtemp(prefix="scwd-py-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCW_", "SCWD_", "SCALEWAY_"))}
    store = ["--store", pg_store_for(data_dir)] if PG_URL else []
    argv = [SCWD_BIN, "serve", "--listen", "127.0.0.1:0", "--k8s-listen", "127.0.0.1:0",
            "--data", data_dir, "--lifecycle-speed", lifecycle, *store, *(extra_args or [])]
    log = open(os.path.join(data_dir, "scwd.log"), "w")  # noqa: SIM115
    proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    lines: list[str] = []
    # One reader thread drains stdout for the server's whole life (it never blocks on a pipe).
    threading.Thread(target=lambda: [lines.append(x) for x in proc.stdout], daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        out = "".join(lines)
        m = LISTEN_RE.search(out)
        if m:
            break
        if proc.poll() is not None:
            raise RuntimeError(f"scwd exited early ({proc.returncode}):\n{out}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"scwd did not listen within {timeout}s:\n{out}")
        time.sleep(0.02)
    exports = {k: v.strip().strip("'\"") for k, v in EXPORT_RE.findall(out)}
    assert exports.get("SCW_API_URL") == m.group(1), out
    return Server(url=m.group(1), proc=proc, data_dir=data_dir, env=exports, out=out)


@pytest.fixture(scope="module")
def server(request):
    args = getattr(request.module, "SCWD_ARGS", [])
    srv = start_server(args, getattr(request.module, "SCWD_LIFECYCLE", "instant"))
    saved = {k: v for k, v in os.environ.items() if k.startswith("SCW_")}
    for k in saved:
        del os.environ[k]
    os.environ.update(srv.env)
    try:
        yield srv
    finally:
        for k in list(os.environ):
            if k.startswith("SCW_"):
                del os.environ[k]
        os.environ.update(saved)
        srv.stop()


@pytest.fixture(scope="module")
def client(server) -> Client:
    c = Client.from_env()
    assert c.api_url == server.url
    assert c.default_zone == "fr-par-1" and c.default_region == "fr-par"
    assert c.validate()
    return c
