"""Starts the Rasa server and the action server on loopback, and stops both together.

`make run` uses it from the command line; the end-to-end tests use `start_servers`.
"""
import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from bot import settings

LOOPBACK = "127.0.0.1"
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass
class Servers:
    rasa_url: str
    action_url: str
    token: str
    processes: List[subprocess.Popen] = field(default_factory=list)

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

    def first_exited(self) -> Optional[subprocess.Popen]:
        return next((p for p in self.processes if p.poll() is not None), None)


def rasa_token() -> str:
    """The HTTP API token: RASA_TOKEN if set, else one kept (owner-only) under var/."""
    if os.environ.get("RASA_TOKEN"):
        return os.environ["RASA_TOKEN"]
    token_file = settings.VAR_DIR / "rasa-token"
    if not token_file.exists():
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.touch(mode=0o600)
        token_file.write_text(secrets.token_urlsafe(32))
    return token_file.read_text().strip()


def wait_until_up(url: str, processes: List[subprocess.Popen], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = next((p for p in processes if p.poll() is not None), None)
        if exited is not None:
            raise RuntimeError(f"{exited.args[:3]} exited with {exited.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


def start_servers(
    model: Path = settings.MODEL_PATH,
    rasa_port: int = 5005,
    action_port: int = settings.ACTION_SERVER_PORT,
    extra_env: Optional[Dict[str, str]] = None,
    log_dir: Optional[Path] = None,
    timeout: float = 180,
    token: Optional[str] = None,
) -> Servers:
    """Starts both servers, waits until they answer, and returns them running."""
    bin_dir = Path(sys.executable).parent
    token = token or rasa_token()
    env = {**os.environ, **QUIET_ENV, **(extra_env or {})}
    env["ACTION_ENDPOINT_URL"] = f"http://{LOOPBACK}:{action_port}/webhook"
    env["SANIC_HOST"] = LOOPBACK  # the action server has no --interface option
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.PROJECT_ROOT), env.get("PYTHONPATH")]))

    def output(name: str):
        if log_dir is None:
            return None
        log_dir.mkdir(parents=True, exist_ok=True)
        return open(log_dir / f"{name}.log", "ab")

    servers = Servers(
        rasa_url=f"http://{LOOPBACK}:{rasa_port}",
        action_url=f"http://{LOOPBACK}:{action_port}",
        token=token,
    )
    action_log, rasa_log = output("actions"), output("rasa")
    servers.processes.append(subprocess.Popen(
        [str(bin_dir / "rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
        cwd=settings.PROJECT_ROOT, env=env, stdout=action_log, stderr=subprocess.STDOUT if action_log else None,
    ))
    servers.processes.append(subprocess.Popen(
        [str(bin_dir / "rasa"), "run", "--enable-api", "--interface", LOOPBACK, "--port", str(rasa_port),
         "--auth-token", token, "--model", str(model),
         "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
        cwd=settings.PROJECT_ROOT, env=env, stdout=rasa_log, stderr=subprocess.STDOUT if rasa_log else None,
    ))
    try:
        wait_until_up(f"{servers.action_url}/health", servers.processes, timeout)
        wait_until_up(f"{servers.rasa_url}/", servers.processes, timeout)
    except BaseException:
        servers.stop()
        raise
    return servers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=settings.ACTION_SERVER_PORT)
    args = parser.parse_args()

    print("Starting the action server and Rasa (loading the model takes about 35 s)...", flush=True)
    servers = start_servers(rasa_port=args.rasa_port, action_port=args.action_port)
    print(
        "\nThe assistant is running.\n"
        f"  Chat in this terminal:   make shell          (in another terminal)\n"
        f"  REST channel:            POST {servers.rasa_url}/webhooks/rest/webhook"
        ' with {"sender": "any-id", "message": "hi"}\n'
        f"  Rasa HTTP API (loopback, token in var/rasa-token): {servers.rasa_url}\n"
        "Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    try:
        while servers.first_exited() is None:
            time.sleep(1)
        print("A server stopped on its own; stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
