"""`make run-cluster`: the production layout on one machine, from Debian's packages and the virtual environment.

PostgreSQL (application data, Rasa's tracker store, published content), Redis (Rasa's lock store, so
several Rasa servers answer one conversation in order; and the web apps' message bus), two action
servers, two Rasa servers, two web apps, and nginx in front: children, counsellors and staff open
one address, and the web apps reach the Rasa servers through it too. Everything listens on loopback;
the data lives under var/cluster/. Ctrl-C stops it all.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import yaml

from bot import launch, settings
from bot.launch import LOOPBACK, Server, Servers
from bot.store.migrate import upgrade

PG_BIN_DIR = Path(os.environ.get("PG_BIN_DIR", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
DATABASE = "bot"


@dataclass(frozen=True)
class Layout:
    """Where each part listens. The defaults leave the single-instance ports (5005, 5055, 8000) free."""

    front: int = 8080  # nginx: the web apps
    rasa_front: int = 5080  # nginx: the Rasa servers
    postgres: int = 5433
    redis: int = 6380
    rasa: tuple = (5006, 5007)
    actions: tuple = (5056, 5057)
    web: tuple = (8001, 8002)

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg2://{PG_USER}@{LOOPBACK}:{self.postgres}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        return f"redis://{LOOPBACK}:{self.redis}/0"

    def web_url(self, index: int | None = None) -> str:
        return f"http://{LOOPBACK}:{self.front if index is None else self.web[index]}"


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; setpriv execs in place, so signals reach the server itself.
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups", *command]


def postgres_server(workdir: Path, layout: Layout) -> Server:
    data = workdir / "postgres"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data, user=PG_USER)
        subprocess.run(
            _as_postgres([str(PG_BIN_DIR / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
    return Server(
        "PostgreSQL",
        _as_postgres(
            [str(PG_BIN_DIR / "postgres"), "-D", str(data), "-h", LOOPBACK, "-p", str(layout.postgres), "-k", str(data)]
        ),
        dict(os.environ),
        f"tcp://{LOOPBACK}:{layout.postgres}",
        log_file=workdir / "logs" / "postgres.log",
    )


def redis_server(workdir: Path, layout: Layout) -> Server:
    return Server(
        "Redis",
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(layout.redis),
            "--bind",
            LOOPBACK,
            "--dir",
            str(workdir),
            "--save",
            "60 1",
            "--appendonly",
            "no",
        ],
        dict(os.environ),
        f"tcp://{LOOPBACK}:{layout.redis}",
        log_file=workdir / "logs" / "redis.log",
    )


def create_database(layout: Layout) -> None:
    connection = psycopg2.connect(host=LOOPBACK, port=layout.postgres, user=PG_USER, dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        connection.close()


def write_endpoints(workdir: Path, layout: Layout) -> Path:
    """The project's endpoints with Redis as Rasa's lock store (the tracker store reads DATABASE_URL)."""
    with open(settings.PROJECT_ROOT / "endpoints.yml", encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle)
    endpoints["lock_store"] = {"type": "redis", "url": LOOPBACK, "port": layout.redis, "db": 1}
    path = workdir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


NGINX_CONF = """\
# Written by bot/cluster.py for `make run-cluster`; the same layout serves real servers (README).
worker_processes 2;
daemon off;
{user}
pid {dir}/nginx.pid;
error_log {dir}/logs/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;  # request lines would carry conversation ids
  client_max_body_size {max_body};
  client_body_buffer_size {max_body};
  client_body_temp_path {dir}/nginx-temp/body;
  proxy_temp_path {dir}/nginx-temp/proxy;
  fastcgi_temp_path {dir}/nginx-temp/fastcgi;
  uwsgi_temp_path {dir}/nginx-temp/uwsgi;
  scgi_temp_path {dir}/nginx-temp/scgi;
  server_tokens off;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream web_apps {{
    # Shared by the workers, so "least connections" counts every open chat, not one worker's.
    zone web_apps 64k;
    least_conn;
{web_servers}
  }}
  upstream rasa_servers {{
{rasa_servers}
  }}
  server {{
    listen {host}:{front};
    location / {{
      proxy_pass http://web_apps;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;  # the web app checks WebSocket origins against it
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 1h;  # chats stay open
      proxy_next_upstream error timeout;
    }}
  }}
  server {{
    listen {host}:{rasa_front};
    location / {{
      proxy_pass http://rasa_servers;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 120s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"""


def nginx_server(workdir: Path, layout: Layout) -> Server:
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (workdir / "nginx-temp" / folder).mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            dir=workdir,
            host=LOOPBACK,
            front=layout.front,
            rasa_front=layout.rasa_front,
            max_body=settings.MAX_REQUEST_BYTES,
            user="user root;" if os.geteuid() == 0 else "",
            web_servers="\n".join(f"    server {LOOPBACK}:{port} max_fails=1 fail_timeout=5s;" for port in layout.web),
            rasa_servers="\n".join(
                f"    server {LOOPBACK}:{port} max_fails=1 fail_timeout=5s;" for port in layout.rasa
            ),
        ),
        encoding="utf-8",
    )
    return Server(
        "nginx",
        [
            shutil.which("nginx") or "/usr/sbin/nginx",
            "-c",
            str(conf),
            "-p",
            str(workdir),
            "-e",
            str(workdir / "logs" / "nginx-error.log"),
        ],
        dict(os.environ),
        f"http://{LOOPBACK}:{layout.front}/healthz",
        log_file=workdir / "logs" / "nginx.log",
    )


def start_cluster(
    workdir: Path,
    layout: Layout = Layout(),
    model: Path = settings.MODEL_PATH,
    extra_env: dict | None = None,
    timeout: float = 300,
) -> Servers:
    """Starts every part, databases first, and returns them running (stopped again if one fails)."""
    (workdir / "logs").mkdir(parents=True, exist_ok=True)
    token = launch.rasa_token()
    stores = Servers(rasa_url=f"http://{LOOPBACK}:{layout.rasa_front}", action_url="", token=token)
    stores.servers = [postgres_server(workdir, layout), redis_server(workdir, layout)]
    launch.start_all(stores, timeout)
    try:
        create_database(layout)
        upgrade(layout.database_url)
        env = launch.server_env(
            {"DATABASE_URL": layout.database_url, "REDIS_URL": layout.redis_url, **(extra_env or {})}
        )
        endpoints = write_endpoints(workdir, layout)
        logs = workdir / "logs"
        apps = Servers(rasa_url=stores.rasa_url, action_url="", token=token, web_url=layout.web_url())
        for index in range(2):
            number = index + 1
            apps.servers += [
                launch.action_server(
                    layout.actions[index], env, logs / f"actions-{number}.log", f"action server {number}"
                ),
                launch.rasa_server(
                    layout.rasa[index],
                    layout.actions[index],
                    token,
                    model,
                    endpoints,
                    env,
                    logs / f"rasa-{number}.log",
                    f"Rasa server {number}",
                ),
                launch.web_server(
                    layout.web[index], stores.rasa_url, env, logs / f"web-{number}.log", f"web app {number}"
                ),
            ]
        apps.servers.append(nginx_server(workdir, layout))
        launch.start_all(apps, timeout)
    except BaseException:
        stores.stop()
        raise
    # Stopping goes front to back: nginx and the apps before the databases they write to.
    apps.servers += stores.servers
    return apps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=settings.VAR_DIR / "cluster")
    args = parser.parse_args()
    print(
        "Starting PostgreSQL, Redis, two action servers, two Rasa servers (about a minute), two web apps and nginx...",
        flush=True,
    )
    cluster = start_cluster(args.dir.resolve())
    layout = Layout()
    print(
        "\nThe cluster is running.\n"
        f"  Children's chat page:  {layout.web_url()}/   (nginx, to web apps on {layout.web[0]} and {layout.web[1]})\n"
        f"  Counsellor console:    {layout.web_url()}/console\n"
        f"  Staff editor:          {layout.web_url()}/editor\n"
        f"  Accounts:              DATABASE_URL={layout.database_url} python -m bot.users add NAME --role ROLE\n"
        f"  Logs and data:         {args.dir}\n"
        "Press Ctrl-C to stop everything.\n",
        flush=True,
    )
    try:
        cluster.keep_running()
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, launch.stop_like_ctrl_c)
    sys.exit(main())
