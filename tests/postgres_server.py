"""Pytest plugin: a throwaway PostgreSQL 15 cluster for the session, a fresh database per test."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_postgresql.janitor import DatabaseJanitor

PG_BIN_DIR = Path(os.environ.get("PG_BIN_DIR", "/usr/lib/postgresql/15/bin"))
HOST = "127.0.0.1"
SUPERUSER = "postgres"
# Durability is pointless for a cluster that is deleted after the run.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresServer:
    """Where the session's cluster listens; it trusts every local connection."""

    host: str
    port: int
    user: str

    def url(self, dbname: str) -> str:
        """Returns a SQLAlchemy URL; psycopg2 because Rasa's tracker store uses it."""
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{dbname}"


def _runs_as_root() -> bool:
    return os.geteuid() == 0


def _as_cluster_owner(args: list[str]) -> list[str]:
    # initdb and pg_ctl refuse to run as root, which is how CI runs.
    if _runs_as_root():
        return ["runuser", "-u", SUPERUSER, "--", *args]
    return args


def _run(args: Sequence[str | Path], workdir: Path) -> None:
    result = subprocess.run(_as_cluster_owner([str(arg) for arg in args]), cwd=workdir, capture_output=True, text=True)
    if result.returncode != 0:
        log = workdir / "server.log"
        raise RuntimeError(
            f"{Path(args[0]).name} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
            + (log.read_text() if log.exists() else "")
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _check_can_run_server() -> None:
    if not (PG_BIN_DIR / "initdb").is_file():
        pytest.fail(
            f"PostgreSQL server not found: no initdb in {PG_BIN_DIR}. "
            "Install it (apt-get install postgresql-15) or set PG_BIN_DIR.",
            pytrace=False,
        )
    if _runs_as_root():
        try:
            pwd.getpwnam(SUPERUSER)
        except KeyError:
            pytest.fail(f"as root, a {SUPERUSER!r} user must own the cluster", pytrace=False)


def _make_workdir() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    if _runs_as_root():
        shutil.chown(workdir, user=SUPERUSER)
    return workdir


def _stop_if_running(data_dir: Path, workdir: Path) -> None:
    if (data_dir / "postmaster.pid").exists():
        _run([PG_BIN_DIR / "pg_ctl", "stop", "-w", "-m", "fast", "-D", data_dir], workdir)


def _start(data_dir: Path, workdir: Path, port: int) -> None:
    _run(
        [
            PG_BIN_DIR / "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            data_dir,
            "-l",
            workdir / "server.log",
            "-o",
            f"-h {HOST} -p {port} -k {workdir} {SERVER_OPTIONS}",
        ],
        workdir,
    )


@dataclass(frozen=True)
class StoppableServer(PostgresServer):
    """A cluster of one test's own, which the test may stop and start again (outage tests)."""

    data_dir: Path = Path()
    workdir: Path = Path()

    def stop(self) -> None:
        _stop_if_running(self.data_dir, self.workdir)

    def start(self) -> None:
        _start(self.data_dir, self.workdir, self.port)

    def create_database(self, dbname: str = "bot") -> str:
        DatabaseJanitor(user=self.user, host=self.host, port=self.port, dbname=dbname).init()
        return self.url(dbname)


@contextmanager
def stoppable_postgres_server() -> Iterator[StoppableServer]:
    _check_can_run_server()
    workdir = _make_workdir()
    data_dir = workdir / "data"
    try:
        _run(
            [PG_BIN_DIR / "initdb", "-D", data_dir, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"], workdir
        )
        server = StoppableServer(host=HOST, port=_free_port(), user=SUPERUSER, data_dir=data_dir, workdir=workdir)
        server.start()
        yield server
    finally:
        _stop_if_running(data_dir, workdir)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Starts a cluster on a free port of 127.0.0.1 and removes it at session end."""
    _check_can_run_server()
    with ExitStack() as cleanup:
        workdir = _make_workdir()
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        data_dir = workdir / "data"
        port = _free_port()
        _run(
            [PG_BIN_DIR / "initdb", "-D", data_dir, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"],
            workdir,
        )
        cleanup.callback(_stop_if_running, data_dir, workdir)
        _start(data_dir, workdir, port)
        yield PostgresServer(host=HOST, port=port, user=SUPERUSER)


@pytest.fixture
def postgres_database_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Creates an empty database for one test and drops it afterwards."""
    dbname = f"test_{uuid.uuid4().hex[:16]}"
    with DatabaseJanitor(
        user=postgres_server.user,
        host=postgres_server.host,
        port=postgres_server.port,
        dbname=dbname,
    ):
        yield postgres_server.url(dbname)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: SQLite in a folder not yet created, or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'bot.db'}"
    return request.getfixturevalue("postgres_database_url")
