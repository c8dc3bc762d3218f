"""Starts the action server, Rasa and the web app on loopback, keeps them up, and stops them together.

`make run` uses it from the command line; the end-to-end tests use `start_servers`.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot import settings
from bot.keys import kept_secret
from bot.store.db import make_engine
from bot.store.retention import delete_expired

LOOPBACK = "127.0.0.1"
QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}
# A server that crashes more often than this is broken, not unlucky: stop and say so.
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 300


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    log_file: Path | None = None
    process: subprocess.Popen | None = None
    restarts: deque[float] = field(default_factory=deque)

    def start(self) -> None:
        if self.log_file is None:
            self.process = subprocess.Popen(self.command, cwd=settings.PROJECT_ROOT, env=self.env)
            return
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # The server writes to its own copy of the file; ours is closed at once (a restart opened one more before).
        with open(self.log_file, "ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=settings.PROJECT_ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def may_restart(self) -> bool:
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW_SECONDS:
            self.restarts.popleft()
        return len(self.restarts) < MAX_RESTARTS

    def restart(self) -> None:
        self.restarts.append(time.monotonic())
        self.start()


@dataclass
class Servers:
    rasa_url: str
    action_url: str
    token: str
    web_url: str | None = None
    servers: list[Server] = field(default_factory=list)
    # Kept here by the tests that start servers: their files, and the database the servers use.
    workdir: Path | None = None
    database_url: str | None = None

    @property
    def processes(self) -> list[subprocess.Popen]:
        return [server.process for server in self.servers if server.process is not None]

    def server(self, name: str) -> Server:
        return next(server for server in self.servers if server.name == name)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def keep_running(self, poll_seconds: float = 1.0, jobs: Sequence["Every"] = ()) -> None:
        """Restarts a server that stops on its own, and runs the jobs when due; returns when a server keeps failing."""
        while True:
            for job in jobs:
                job.run_if_due()
            for server in self.servers:
                if server.running():
                    continue
                if not server.may_restart():
                    print(f"The {server.name} keeps stopping; giving up.", file=sys.stderr, flush=True)
                    return
                assert server.process is not None  # every server was started before it is kept running
                print(
                    f"The {server.name} stopped (exit code {server.process.returncode}); restarting it.",
                    file=sys.stderr,
                    flush=True,
                )
                server.restart()
            time.sleep(poll_seconds)


@dataclass
class Every:
    """A job run every `seconds` (first at once) by the process that keeps the servers running."""

    seconds: float
    work: Callable[[], object]
    name: str
    next_run: float = 0.0

    def run_if_due(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now < self.next_run:
            return False
        self.next_run = now + self.seconds
        try:
            self.work()
        except Exception as error:  # noqa: BLE001 - a failed run is retried next time; the servers stay up
            print(
                f"The {self.name} job failed ({type(error).__name__}); it runs again later.",
                file=sys.stderr,
                flush=True,
            )
        return True


def delete_expired_conversations() -> None:
    engine = make_engine()
    try:
        delete_expired(engine)
    finally:
        engine.dispose()


def rasa_token() -> str:
    """The HTTP API token: RASA_TOKEN if set, else one kept (owner-only) under var/."""
    return kept_secret("RASA_TOKEN", "rasa-token")


def _answers(url: str) -> None:
    """Returns if the server answers: an HTTP GET, or for tcp://host:port (a database) a connection."""
    if url.startswith("tcp://"):
        host, port = url[len("tcp://") :].rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=2).close()
        return
    with urllib.request.urlopen(url, timeout=2):
        return


def wait_until_up(url: str, processes: list[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = next((p for p in processes if p.poll() is not None), None)
        if exited is not None:
            command = exited.args[:3]  # type: ignore[index]  # typeshed: args may be any command form; ours are lists
            raise RuntimeError(f"{command!r} exited with {exited.returncode} while starting")
        try:
            _answers(url)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


def server_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **QUIET_ENV, **(extra_env or {})}
    env["SANIC_HOST"] = LOOPBACK  # the action server has no --interface option
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def action_server(port: int, env: dict[str, str], log_file: Path | None, name: str = "action server") -> Server:
    # Rasa SDK's own entry point, as `rasa run actions` calls it, without importing Rasa: up in 1 s, not 3.
    return Server(
        name=name,
        command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        env=env,
        health_url=f"http://{LOOPBACK}:{port}/health",
        log_file=log_file,
    )


def rasa_server(
    port: int,
    action_port: int,
    token: str,
    model: Path,
    endpoints: Path,
    env: dict[str, str],
    log_file: Path | None,
    name: str = "Rasa server",
) -> Server:
    return Server(
        name=name,
        command=[
            sys.executable,
            "-m",
            "bot.rasa_server",
            "run",
            "--enable-api",
            "--interface",
            LOOPBACK,
            "--port",
            str(port),
            f"--auth-token={token}",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            "credentials.yml",
        ],
        env={**env, "ACTION_ENDPOINT_URL": f"http://{LOOPBACK}:{action_port}/webhook"},
        health_url=f"http://{LOOPBACK}:{port}/",
        log_file=log_file,
    )


def web_server(port: int, rasa_url: str, env: dict[str, str], log_file: Path | None, name: str = "web app") -> Server:
    return Server(
        name=name,
        command=[sys.executable, "-m", "bot.web", "--host", LOOPBACK, "--port", str(port)],
        env={**env, "RASA_URL": rasa_url},
        health_url=f"http://{LOOPBACK}:{port}/healthz",
        log_file=log_file,
    )


def start_all(servers: Servers, timeout: float) -> Servers:
    """Starts every server, waits until each answers, and stops them all if one does not."""
    try:
        for server in servers.servers:
            server.start()
        for server in servers.servers:
            wait_until_up(server.health_url, servers.processes, timeout)
    except BaseException:
        servers.stop()
        raise
    return servers


def start_servers(
    model: Path = settings.MODEL_PATH,
    rasa_port: int = 5005,
    action_port: int = settings.ACTION_SERVER_PORT,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    timeout: float = 180,
    token: str | None = None,
    with_action_server: bool = True,
    web_port: int | None = None,
    endpoints: Path = Path("endpoints.yml"),
) -> Servers:
    """Starts the servers, waits until they answer, and returns them running.

    With `web_port`, the web app (bot.web) starts too, talking to this Rasa.

    Without the action server, Rasa still calls its address and finds nobody: the tests
    use that to check the bot keeps helping when the action server is down.
    """
    token = token or rasa_token()
    env = server_env(extra_env)

    def log(name: str) -> Path | None:
        return log_dir / f"{name}.log" if log_dir else None

    servers = Servers(
        rasa_url=f"http://{LOOPBACK}:{rasa_port}", action_url=f"http://{LOOPBACK}:{action_port}", token=token
    )
    if with_action_server:
        servers.servers.append(action_server(action_port, env, log("actions")))
    servers.servers.append(rasa_server(rasa_port, action_port, token, model, endpoints, env, log("rasa")))
    if web_port is not None:
        servers.web_url = f"http://{LOOPBACK}:{web_port}"
        servers.servers.append(web_server(web_port, servers.rasa_url, env, log("web")))
    return start_all(servers, timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=settings.ACTION_SERVER_PORT)
    parser.add_argument("--web-port", type=int, default=settings.WEB_PORT)
    args = parser.parse_args()

    print("Starting the action server, Rasa (loading the model takes about 35 s) and the web app...", flush=True)
    servers = start_servers(rasa_port=args.rasa_port, action_port=args.action_port, web_port=args.web_port)
    print(
        "\nThe assistant is running.\n"
        f"  Children's chat page:    {servers.web_url}/\n"
        f"  Counsellor console:      {servers.web_url}/console"
        "   (add a counsellor: python -m bot.users add NAME --role counsellor)\n"
        f"  Staff content editor:    {servers.web_url}/editor"
        "    (add staff: python -m bot.users add NAME --role staff; an admin: --role admin)\n"
        f"  Insights:                {servers.web_url}/insights\n"
        "  Chat in this terminal:   make shell          (in another terminal)\n"
        f"  REST channel:            POST {servers.rasa_url}/webhooks/rest/webhook"
        ' with {"sender": "any-id", "message": "hi"}\n'
        f"  Rasa HTTP API (loopback, with the token from RASA_TOKEN or var/rasa-token): {servers.rasa_url}\n"
        "Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    try:
        servers.keep_running(
            jobs=[Every(settings.RETENTION_CHECK_MINUTES * 60, delete_expired_conversations, "retention")]
        )
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        servers.stop()


def stop_like_ctrl_c(_signum, _frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    # Ctrl-C must stop everything even when started from a shell that ignores SIGINT in
    # background jobs (Python then inherits "ignore"); `kill` (SIGTERM) stops it the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop_like_ctrl_c)
    sys.exit(main())
