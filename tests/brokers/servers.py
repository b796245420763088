"""Real message brokers for the tests, each on 127.0.0.1 and free ports, in a directory of its own.

* :class:`Mosquitto`: ``mosquitto -c CONF`` (Debian package ``mosquitto``), anonymous, or with a
  password file when started with ``users``.
* :class:`RabbitMQ`: a RabbitMQ node (Debian package ``rabbitmq-server``) with a node name,
  ports, epmd, cookie and directories of its own, so that it never meets a system node; no plugins.

When a broker or its Python client (aiomqtt, aio-pika) is missing, :func:`unavailable` skips the
test saying why; with ``ARAZZO_REQUIRE_BROKERS=1`` (CI) it fails instead.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

from .. import components
from ..components import accepts, executable, free_ports, stop_process

MOSQUITTO_START_TIMEOUT = 15.0
RABBITMQ_START_TIMEOUT = 60.0
APT_HINT = "apt-get install -y mosquitto rabbitmq-server"


def unavailable(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it under ``ARAZZO_REQUIRE_BROKERS=1``."""
    components.unavailable(reason, "ARAZZO_REQUIRE_BROKERS")


def require_module(name: str) -> None:
    """Skip (or fail, see :func:`unavailable`) when the Python package ``name`` is not importable."""
    try:
        __import__(name)
    except ImportError as error:
        package = name.replace("_", "-")
        unavailable(f"the {package} package is not importable ({error}): pip install {package} (or the test extra)")


def _tail(path: Path, size: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError as error:
        return f"(no log: {error})"


# ----------------------------------------------------------------------------- Mosquitto


@dataclass
class Mosquitto:
    """A running Mosquitto: ``url`` is ``mqtt://127.0.0.1:PORT``; ``users`` maps the names the
    password file accepts to their passwords (empty: anonymous clients are welcome)."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    users: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def log(self) -> str:
        """Mosquitto's log so far (connections included)."""
        return _tail(self.log_path, 1_000_000)

    def stop(self) -> None:
        stop_process(self.process)


def start_mosquitto(
    directory: Path, *, users: Mapping[str, str] | None = None, timeout: float = MOSQUITTO_START_TIMEOUT
) -> Mosquitto:
    """Start Mosquitto on a free port of 127.0.0.1 (no persistence, everything logged to a file
    of ``directory``) and wait until it accepts connections.  With ``users`` only those names
    and passwords may connect; without, anyone may."""
    require_module("aiomqtt")
    binary = executable("mosquitto", "/usr/sbin")
    if binary is None:
        unavailable(f"mosquitto is not installed: {APT_HINT}")
    directory.mkdir(parents=True, exist_ok=True)
    access = ["allow_anonymous true"]
    if users:
        access = ["allow_anonymous false", f"password_file {_password_file(directory, binary, users)}"]
    problem = "it was not started"
    for attempt in range(3):
        (port,) = free_ports(1)
        log_path = directory / f"mosquitto-{attempt}.log"
        config = directory / f"mosquitto-{attempt}.conf"
        config.write_text(
            "\n".join([
                f"listener {port} 127.0.0.1",
                *access,
                "persistence false",
                # run as root, Mosquitto would drop to the user "mosquitto", who cannot read this directory
                f"user {getpass.getuser()}",
                f"log_dest file {log_path}",
                "log_type all",
                "connection_messages true",
                "",
            ])
        )  # fmt: skip
        with open(directory / f"mosquitto-{attempt}.output", "wb") as output:
            process = subprocess.Popen(
                [binary, "-c", str(config)], stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        broker = Mosquitto(process, port, log_path, dict(users or {}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                problem = f"it exited with code {code}"
                break
            if accepts(port):
                return broker
            time.sleep(0.05)
        else:
            problem = f"port {port} accepted no connection within {timeout:.0f} s"
        broker.stop()
        output_text = (directory / f"mosquitto-{attempt}.output").read_text(errors="replace")
        # a port taken between free_ports() and the broker's bind: try another
        if "address already in use" not in (output_text + broker.log()).lower():
            break
    pytest.fail(
        f"mosquitto ({binary}) did not come up: {problem}\n--- its output:\n{output_text[-4000:]}"
        f"\n--- its log:\n{broker.log()[-4000:]}",
        pytrace=False,
    )


def _password_file(directory: Path, mosquitto: str, users: Mapping[str, str]) -> Path:
    """A Mosquitto password file with ``users`` (hashed by ``mosquitto_passwd -b``)."""
    tool = executable("mosquitto_passwd", str(Path(mosquitto).parent), "/usr/bin")
    if tool is None:
        unavailable(f"mosquitto_passwd is not installed (it comes with mosquitto): {APT_HINT}")
    path = directory / "passwords"
    path.write_text("")
    path.chmod(0o600)
    for name, password in users.items():
        done = subprocess.run([tool, "-b", str(path), name, password], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            pytest.fail(f"mosquitto_passwd failed for {name!r}: {done.stderr or done.stdout}", pytrace=False)
    return path


# ----------------------------------------------------------------------------- RabbitMQ

# Debian's /usr/sbin/rabbitmq-server and rabbitmqctl switch to the user "rabbitmq" and its
# home (and cookie); the scripts they wrap run as whoever calls them, with our environment.
RABBITMQ_PLACES = ("/usr/lib/rabbitmq/bin",)


@dataclass
class RabbitMQ:
    """A running RabbitMQ node: ``url`` is ``amqp://guest:guest@127.0.0.1:PORT/`` (guest may
    connect from the loopback interface, which is the only one it listens on)."""

    process: subprocess.Popen[bytes]
    epmd: subprocess.Popen[bytes]
    port: int
    nodename: str
    directory: Path
    environment: dict[str, str]
    rabbitmqctl_path: str
    host: str = "127.0.0.1"
    started_in: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return self.url_for("guest", "guest")

    def url_for(self, user: str, password: str, vhost: str = "") -> str:
        """``amqp://USER:PASSWORD@127.0.0.1:PORT/VHOST`` (no vhost: the default one, ``/``)."""
        return f"amqp://{user}:{password}@{self.host}:{self.port}/{vhost}"

    def log(self) -> str:
        """The node's own log and its console output so far."""
        logs = sorted((self.directory / "log").glob("*.log"))
        parts = [f"--- {path.name}:\n{_tail(path)}" for path in logs if "upgrade" not in path.name]
        parts.append(f"--- console:\n{_tail(self.directory / 'console.log')}")
        return "\n".join(parts)

    def rabbitmqctl(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """``rabbitmqctl ARGS`` against this node (its name, cookie and epmd); fails the test with
        the output when the command fails."""
        done = subprocess.run(
            [self.rabbitmqctl_path, *args], env=self.environment, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"rabbitmqctl {' '.join(args)} failed:\n{done.stdout}{done.stderr}", pytrace=False)
        return done

    def add_user(self, user: str, password: str, vhost: str = "/") -> str:
        """Create ``user`` with ``password`` and every permission on ``vhost``; its URL."""
        self.rabbitmqctl("add_user", user, password)
        self.rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        return self.url_for(user, password, "" if vhost == "/" else vhost)

    def stop(self) -> None:
        """``rabbitmqctl stop``, then SIGTERM/SIGKILL to whatever of its process group is left,
        then its own epmd."""
        if self.process.poll() is None:
            try:
                subprocess.run(
                    [self.rabbitmqctl_path, "stop"], env=self.environment, capture_output=True,
                    timeout=30, stdin=subprocess.DEVNULL,
                )  # fmt: skip
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        stop_process(self.process)
        stop_process(self.epmd, grace=2.0)


def rabbitmq_environment(directory: Path, nodename: str, port: int, dist_port: int, epmd_port: int) -> dict[str, str]:
    """The variables that give a node its own name, ports, files and cookie (HOME holds the
    cookie the node writes and rabbitmqctl reads, never the user's own)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("RABBITMQ_", "ERL_"))}
    env.update({
        "HOME": str(directory),
        "RABBITMQ_NODENAME": nodename,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(port),
        "RABBITMQ_DIST_PORT": str(dist_port),
        "ERL_EPMD_PORT": str(epmd_port),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
        "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
        "RABBITMQ_LOG_BASE": str(directory / "log"),
        "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq"),  # rabbitmq.conf
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(directory / "advanced.config"),
        "RABBITMQ_CONF_ENV_FILE": str(directory / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
        "RABBITMQ_PLUGINS_EXPAND_DIR": str(directory / "plugins-expand"),
        "RABBITMQ_FEATURE_FLAGS_FILE": str(directory / "feature_flags"),
        "RABBITMQ_PID_FILE": str(directory / "rabbitmq.pid"),
    })  # fmt: skip
    return env


def start_rabbitmq(directory: Path, *, timeout: float = RABBITMQ_START_TIMEOUT) -> RabbitMQ:
    """Start a RabbitMQ node of its own (see :func:`rabbitmq_environment`) and its own epmd, and
    wait until aio-pika can open a connection as guest; fail with the node's log when it does
    not within ``timeout`` seconds."""
    require_module("aio_pika")
    server = executable("rabbitmq-server", *RABBITMQ_PLACES)
    ctl = executable("rabbitmqctl", *RABBITMQ_PLACES)
    epmd = executable("epmd", "/usr/lib/erlang/bin")
    if server is None or ctl is None or epmd is None:
        unavailable(f"rabbitmq-server (with rabbitmqctl and Erlang's epmd) is not installed: {APT_HINT}")
    began = time.monotonic()
    problem: str | None = "it was not started"
    for attempt in range(3):
        node_dir = directory / f"node-{attempt}"
        node_dir.mkdir(parents=True)
        (node_dir / "rabbitmq.conf").write_text("log.console = true\nlog.file.level = info\n")
        (node_dir / "enabled_plugins").write_text("[].\n")
        port, dist_port, epmd_port = free_ports(3)
        nodename = f"arazzo-test-{uuid.uuid4().hex[:8]}@localhost"
        env = rabbitmq_environment(node_dir, nodename, port, dist_port, epmd_port)
        # an epmd of our own, in the foreground: the node would start one as a daemon that no
        # one waits for, and a system epmd (port 4369) is never asked
        epmd_process = subprocess.Popen(
            [epmd, "-port", str(epmd_port), "-address", "127.0.0.1"], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        _wait_port(epmd_port, epmd_process, 10.0)
        with open(node_dir / "console.log", "wb") as console:
            process = subprocess.Popen(
                [server], env=env, cwd=node_dir, stdin=subprocess.DEVNULL, stdout=console,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        broker = RabbitMQ(process, epmd_process, port, nodename, node_dir, env, ctl)
        problem = _wait_for_amqp(broker, began + timeout, timeout)
        if problem is None:
            broker.started_in = time.monotonic() - began
            return broker
        log = broker.log()  # before stop(), whose shutdown would fill the tail
        broker.stop()
        if "eaddrinuse" not in log.lower() and "address already in use" not in log.lower():
            break
    pytest.fail(f"the RabbitMQ node ({server}) did not come up: {problem}\n{log}", pytrace=False)


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not accepts(port):
        if process.poll() is not None or time.monotonic() >= deadline:
            return  # the node's start then fails, and its log says why
        time.sleep(0.02)


def _wait_for_amqp(broker: RabbitMQ, deadline: float, timeout: float) -> str | None:
    """None once guest can open an AMQP connection, else why not (the node ended, or time ran out)."""
    last = "no answer yet"
    while time.monotonic() < deadline:
        code = broker.process.poll()
        if code is not None:
            return f"it exited with code {code}"
        if accepts(broker.port):
            try:
                asyncio.run(_amqp_connect(broker.url))
                return None
            except Exception as error:  # noqa: BLE001 - any failure means "not yet"
                last = f"{type(error).__name__}: {error}"
        time.sleep(0.1)
    return f"no AMQP connection within {timeout:.0f} s (last: {last})"


async def _amqp_connect(url: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(url, timeout=5)
    await connection.close()
