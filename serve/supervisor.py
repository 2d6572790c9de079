"""``make serve``: N ``streamlit run app.py`` replicas behind nginx on one port, kept alive.

Starts the replicas on 127.0.0.1 (ports ``--base-port``, +1, …), waits until each answers
``/_stcore/health``, writes nginx's configuration from :data:`TEMPLATE` into the run directory and
runs nginx in the foreground. Then it watches: a replica that exits (a crash, a kill) or fails
:data:`FAILED_CHECKS` health checks in a row is (killed and) started again on its port; nginx
meanwhile sends its readers to the live replicas (``max_fails``/``fail_timeout``). Ctrl-C or
SIGTERM stops nginx and every replica.

The run directory holds everything written: ``nginx.conf``, nginx's pid, error and access logs
and temporary files, each replica's log (``replica-PORT.log``: Streamlit's output and the app's
one JSON line per rerun) and home (``replica-PORT/``: Streamlit's disk cache, one per replica so
that two processes never write the same cache file), and ``status.json`` (pid, state and
restarts of each replica, rewritten on every change). Nothing listens beyond ``--host`` and
nothing is requested from another host: the replicas bind 127.0.0.1 with usage statistics off.

    python -m serve.supervisor [--port 8080] [--replicas N] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
#: seconds between two health checks of a replica
CHECK_INTERVAL = 2.0
#: a running replica failing this many health checks in a row is killed and restarted
FAILED_CHECKS = 3
#: seconds a health check waits for its answer: a replica busy with reruns answers late, not
#: never (its event loop shares the process with the script threads)
HEALTH_TIMEOUT_S = 5.0
#: seconds a (re)started replica has to answer its first health check
START_TIMEOUT = 90.0
#: nginx takes a replica out for this many seconds after a failed connection
FAIL_TIMEOUT_S = 10

_LOG = logging.getLogger("serve")
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child: receive SIGTERM when the supervisor dies, even by SIGKILL (Linux)."""
    # not Linux (no prctl): the supervisor's own shutdown still stops its children
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct TCP ports of ``host`` that are free right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((host, 0))
            sockets.append(sock)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def healthy(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` + ``/_stcore/health`` answers "ok"."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as resp:
            return resp.read().decode().strip() == "ok"
    except (OSError, http.client.HTTPException):  # refused, reset, cut short (a killed replica)
        return False


def render_config(run_dir: Path, listen: str, ports: list[int]) -> str:
    """nginx's configuration: :data:`TEMPLATE` with the run directory, address and replicas."""
    servers = "\n".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s;" for port in ports
    )
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in (("run_dir", str(run_dir)), ("listen", listen), ("servers", servers)):
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError(f"{TEMPLATE.name}: a field was left unfilled")
    return text


@dataclass
class Replica:
    """One ``streamlit run app.py`` on 127.0.0.1:``port``, its log and its home."""

    port: int
    run_dir: Path
    process: subprocess.Popen[bytes] | None = None
    state: str = "stopped"  # starting, up, stopped
    restarts: int = 0
    started: float = 0.0
    failed_checks: int = 0
    exits: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.run_dir / f"replica-{self.port}.log"

    def start(self) -> None:
        home = self.run_dir / f"replica-{self.port}"
        home.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true", "--server.address", "127.0.0.1",
            "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        # HOME: Streamlit keeps its disk cache in ~/.streamlit/cache, and two replicas writing
        # the same cache file at once could each read the other's half-written file
        env = {**os.environ, "HOME": str(home), "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the supervisor, which stops it in order
                preexec_fn=die_with_parent,
            )
        self.state = "starting"
        self.started = time.monotonic()
        self.failed_checks = 0

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        self.state = "stopped"

    def status(self) -> dict[str, object]:
        return {
            "port": self.port,
            "pid": None if self.process is None else self.process.pid,
            "state": self.state,
            "restarts": self.restarts,
            "exits": self.exits,
            "log": str(self.log_path),
        }


class Supervisor:
    """The replicas and nginx: start, watch, restart, stop.

    Parameters
    ----------
    port : int
        The balancer's port (nginx listens on ``host:port``).
    ports : list of int
        One port of 127.0.0.1 per replica.
    run_dir : Path
        Where the configuration, logs, pids, homes and ``status.json`` are written.
    host : str
        The address nginx listens on.
    """

    def __init__(self, port: int, ports: list[int], run_dir: Path, host: str = "127.0.0.1"):
        self.port = port
        self.host = host
        self.run_dir = run_dir.resolve()
        self.replicas = [Replica(p, self.run_dir) for p in ports]
        self.nginx: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start every replica, wait until all answer, then start nginx in front of them."""
        (self.run_dir / "tmp").mkdir(parents=True, exist_ok=True)
        # nginx's workers drop root for `nobody` when started as root: they must reach tmp/
        os.chmod(self.run_dir, 0o755)
        for replica in self.replicas:
            replica.start()
        deadline = time.monotonic() + START_TIMEOUT
        for replica in self.replicas:
            while not healthy(replica.url):
                assert replica.process is not None
                if self.stopping.is_set():  # Ctrl-C while starting
                    return
                if replica.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"replica {replica.port} did not start; see {replica.log_path}"
                    )
                time.sleep(0.25)
            replica.state = "up"
            _LOG.info("replica %s up (pid %s)", replica.port, replica.process.pid)
        conf = self.run_dir / "nginx.conf"
        listen = f"{self.host}:{self.port}"
        conf.write_text(render_config(self.run_dir, listen, [r.port for r in self.replicas]))
        error_log = str(self.run_dir / "nginx-error.log")
        # -e: the error log before the configuration is read (the default is under /var/log)
        check = subprocess.run(
            [NGINX, "-t", "-q", "-p", str(self.run_dir), "-e", error_log, "-c", str(conf)],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused {conf}: {check.stderr.strip()}")
        self.nginx = subprocess.Popen(
            [NGINX, "-p", str(self.run_dir), "-e", error_log, "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 15
        while not healthy(self.url):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start; see {error_log}")
            time.sleep(0.1)
        self.write_status()
        _LOG.info(
            "serving %s: %d replicas (ports %s); run directory %s",
            self.url,
            len(self.replicas),
            ", ".join(str(r.port) for r in self.replicas),
            self.run_dir,
        )

    def check(self) -> None:
        """One round of the watch: restart what exited, kill and restart what stopped answering."""
        changed = False
        for replica in self.replicas:
            assert replica.process is not None
            code = replica.process.poll()
            if code is not None:
                how = f"signal {-code}" if code < 0 else f"code {code}"
                replica.exits.append(how)
                _LOG.warning("replica %s exited (%s); restarting it", replica.port, how)
                replica.restarts += 1
                replica.start()
                changed = True
                continue
            ok = healthy(replica.url, HEALTH_TIMEOUT_S)
            if replica.state == "starting":
                if ok:
                    replica.state = "up"
                    _LOG.info("replica %s up again (pid %s)", replica.port, replica.process.pid)
                    changed = True
                elif time.monotonic() - replica.started > START_TIMEOUT:
                    _LOG.warning("replica %s did not start in time; restarting it", replica.port)
                    replica.process.kill()
                    replica.process.wait()
                continue
            replica.failed_checks = 0 if ok else replica.failed_checks + 1
            if replica.failed_checks >= FAILED_CHECKS:
                _LOG.warning(
                    "replica %s failed %d health checks; restarting it",
                    replica.port,
                    replica.failed_checks,
                )
                replica.exits.append("unhealthy")
                replica.process.kill()
                replica.process.wait()
                replica.restarts += 1
                replica.start()
                changed = True
        if changed:
            self.write_status()

    def watch(self) -> int:
        """Check every :data:`CHECK_INTERVAL` s until asked to stop; nginx exiting ends it."""
        assert self.nginx is not None
        while not self.stopping.wait(CHECK_INTERVAL):
            if self.nginx.poll() is not None:
                _LOG.error("nginx exited (code %s); stopping", self.nginx.returncode)
                return 1
            self.check()
        return 0

    def stop(self) -> None:
        """Stop nginx (gracefully, then by force) and every replica."""
        self.stopping.set()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:  # open websockets hold a graceful stop
                self.nginx.terminate()
                try:
                    self.nginx.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.nginx.kill()
                    self.nginx.wait()
        for replica in self.replicas:
            if replica.process is not None and replica.process.poll() is None:
                replica.process.terminate()  # all at once; then wait for each
        for replica in self.replicas:
            replica.stop()
        self.write_status()

    def write_status(self) -> None:
        status = {
            "url": self.url,
            "nginx_pid": None if self.nginx is None else self.nginx.pid,
            "replicas": [r.status() for r in self.replicas],
        }
        path = self.run_dir / "status.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=1))
        tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080, help="the balancer's port")
    parser.add_argument("--host", default="127.0.0.1", help="the balancer's address")
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--base-port", type=int, default=8601, help="first replica's port (0: any free ports)"
    )
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".serve")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be 1 to 64")
    if not os.path.exists(NGINX):
        parser.error("nginx is not installed (Debian: apt-get install nginx)")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s serve %(levelname)s %(message)s", stream=sys.stderr
    )
    if args.base_port == 0:
        ports = free_ports(args.replicas)
    else:
        ports = [args.base_port + i for i in range(args.replicas)]
    supervisor = Supervisor(args.port, ports, args.run_dir, args.host)

    def _stop(signum: int, frame: object) -> None:
        supervisor.stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        supervisor.start()
        code = supervisor.watch()
    except RuntimeError as err:
        _LOG.error("%s", err)
        code = 1
    finally:
        supervisor.stop()
        _LOG.info("stopped")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
