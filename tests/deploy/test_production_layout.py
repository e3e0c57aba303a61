"""The production layout of deploy/, run for real on loopback, and a smoke path through it.

What runs, as docs/deployment.md installs it:
- a fresh PostgreSQL database (the server of DATABASE_URL, else 127.0.0.1:5432);
- production settings read from deploy/lifeline.env.example (hotline.example.org, paths and
  ports substituted), real keys in files named by *_FILE, LIFELINE_DEV_KEYS unset;
- each process of deploy/systemd/*.service started with that unit's ExecStart, Environment=
  and EnvironmentFile= (parsed from the unit file; only the program path and the loopback
  ports differ), in a clean environment;
- Debian's nginx running deploy/nginx/lifeline.conf with a self-signed certificate made here.

Then a smoke path, all over HTTPS through nginx: `lifeline setup` enrols the admin, the admin
invites an operator who enrols, a visitor writes in, an e-mail reaches the SMTP listener and
the worker files it, the operator replies to the visitor, who reads the reply with his receipt.

Loopback only, free ports, every process in its own process group, killed at the end.
Needs nginx (scripts/ensure-nginx), openssl, systemd-analyze and PostgreSQL.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shlex
import signal
import smtplib
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import dj_database_url
import httpx
import psycopg
import pytest
from django_otp.oath import totp

from tests.processes import ROOT, free_port

pytestmark = pytest.mark.slow

DEPLOY = ROOT / "deploy"
UNITS = ("lifeline-web", "lifeline-worker", "lifeline-smtpd")
INSTALLED_PROGRAM = "/opt/lifeline/venv/bin/lifeline"
NGINX = "/usr/sbin/nginx"
START_SECONDS = 90  # three gunicorn workers importing the project on two busy cores
STEP_SECONDS = 60
PASSWORD = "correct horse battery staple 42"
VISITOR_MESSAGE = "Хочу сдаться. Я в лесу к северу от посёлка, нас трое."
EMAIL_BODY = "Ищу брата, Кузьминов Максим Сергеевич, 1999 г.р., пропал под Бахмутом."
REPLY = "Мы получили ваше сообщение. Оставайтесь на месте, ответим в течение часа."
BROWSER = "VisitorBrowser/9.9 (deploy test)"

T = TypeVar("T")


# --- The unit files, read as systemd reads them ------------------------------------------------
@dataclass
class Unit:
    exec_start: list[str]
    environment: dict[str, str] = field(default_factory=dict)
    environment_files: list[str] = field(default_factory=list)
    service: dict[str, list[str]] = field(default_factory=dict)


def read_unit(name: str) -> Unit:
    """The [Service] section of deploy/systemd/<name>.service (one line per setting)."""
    section, service = "", {}
    for raw in (DEPLOY / "systemd" / f"{name}.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            service.setdefault(key, []).append(value)
    (exec_start,) = service["ExecStart"]
    environment = {}
    for value in service.get("Environment", []):
        for assignment in shlex.split(value):
            key, _, val = assignment.partition("=")
            environment[key] = val
    return Unit(shlex.split(exec_start), environment, service.get("EnvironmentFile", []), service)


def read_environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= and sh's `set -a; . file` both read them."""
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        values[key] = " ".join(shlex.split(value))
    return values


def substituted(text: str, replacements: dict[str, str]) -> str:
    """Replace each key, which must occur: a renamed line in deploy/ must fail here, loudly."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the deploy file; update this test"
        text = text.replace(old, new)
    return text


def wait_for(what: str, check: Callable[[], T | None], seconds: float = STEP_SECONDS) -> T:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(1.0)  # polls stay under the public site's rate limit (5/s)


# --- Processes: own process groups, always stopped -------------------------------------------
@dataclass
class Processes:
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], *, env: dict[str, str], cwd: Path) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.running[name] = subprocess.Popen(  # noqa: S603
            argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def check_alive(self) -> None:
        for name, process in self.running.items():
            assert process.poll() is None, f"{name} exited:\n{self.tail(name)}"

    def tail(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.running.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            _signal_group(process, signal.SIGKILL)  # children left behind in the group


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


# --- The stack -------------------------------------------------------------------------------
@dataclass
class Stack:
    base: str  # https://127.0.0.1:<port>
    http_base: str  # the plain-HTTP server that redirects
    ca: Path
    env: dict[str, str]
    data_dir: Path
    logs: Path
    smtp_port: int
    processes: Processes

    def client(self) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.ca))
        return httpx.Client(
            base_url=self.base,
            verify=context,
            timeout=30,
            headers={"User-Agent": BROWSER},
        )

    def lifeline(self, *args: str) -> str:
        """A command the way deploy/lifeline-admin runs it: the units' environment, data dir."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "lifeline.cli", *args],
            env=self.env,
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=STEP_SECONDS * 2,
            check=False,
        )
        assert done.returncode == 0, f"lifeline {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout


def _server_url() -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        return configured
    return "postgres://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped at the end."""
    server = dj_database_url.parse(_server_url())
    user, host, port = server["USER"] or "postgres", server["HOST"] or "127.0.0.1", server["PORT"]
    name = f"lifeline_deploy_test_{uuid.uuid4().hex[:8]}"
    admin = f"postgresql://{user}@{host}:{port or 5432}/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"the production-layout test needs PostgreSQL at {host}:{port}: {error}")
    try:
        yield f"postgres://{user}@{host}:{port or 5432}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S607
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _secrets(directory: Path) -> dict[str, Path]:
    """Fresh production keys, in files as docs/deployment.md makes them."""
    directory.mkdir(mode=0o750)
    secret_key = directory / "secret_key"
    field_keys = directory / "field_keys"
    lookup_keys = directory / "lookup_keys"
    secret_key.write_text(base64.urlsafe_b64encode(os.urandom(50)).decode() + "\n")
    field_keys.write_text("k1:" + base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    audit_key = directory / "audit_key"
    audit_signing_key = directory / "audit_signing_key"
    audit_key.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    audit_signing_key.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    lookup_keys.write_text("l1:" + base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    paths = {
        "secret_key": secret_key,
        "field_keys": field_keys,
        "audit_key": audit_key,
        "audit_signing_key": audit_signing_key,
        "lookup_keys": lookup_keys,
    }
    for path in paths.values():
        path.chmod(0o640)
    return paths


def _nginx_config(tmp: Path, *, https: int, http: int, web: int, cert: Path, key: Path) -> Path:
    site = substituted(
        (DEPLOY / "nginx" / "lifeline.conf").read_text(),
        {
            "listen 80;": f"listen 127.0.0.1:{http};",
            "listen [::]:80;": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
            "listen [::]:443 ssl http2;": "",
            "server_name hotline.example.org;": "server_name 127.0.0.1;",
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{web};",
            "/etc/letsencrypt/live/hotline.example.org/fullchain.pem": str(cert),
            "/etc/letsencrypt/live/hotline.example.org/privkey.pem": str(key),
            "/var/log/nginx/": f"{tmp}/logs/",
        },
    )
    (tmp / "nginx" / "sites").mkdir(parents=True)
    (tmp / "nginx" / "sites" / "lifeline.conf").write_text(site)
    # What Debian's /etc/nginx/nginx.conf gives the site, with this test's own paths.
    user = "user root root;" if os.geteuid() == 0 else ""  # workers read the test's temp dir
    main = tmp / "nginx" / "nginx.conf"
    main.write_text(f"""
{user}
worker_processes 1;
pid {tmp}/nginx/nginx.pid;
error_log {tmp}/logs/nginx-main-error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/nginx/body;
    proxy_temp_path {tmp}/nginx/proxy;
    fastcgi_temp_path {tmp}/nginx/fastcgi;
    uwsgi_temp_path {tmp}/nginx/uwsgi;
    scgi_temp_path {tmp}/nginx/scgi;
    access_log off;
    include {tmp}/nginx/sites/lifeline.conf;
}}
""")
    return main


def _unit_argv(name: str, ports: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The unit's ExecStart with this checkout's interpreter, and its Environment=."""
    unit = read_unit(name)
    assert unit.exec_start[0] == INSTALLED_PROGRAM
    assert unit.environment_files == ["/etc/lifeline/lifeline.env"]
    assert unit.service["User"] == ["lifeline"]
    argv = [ports.get(arg, arg) for arg in unit.exec_start[1:]]
    return [sys.executable, "-m", "lifeline.cli", *argv], unit.environment


@pytest.fixture(scope="module")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    assert Path(NGINX).exists(), "nginx is missing: run scripts/ensure-nginx"
    tmp = tmp_path_factory.mktemp("deploy")
    data_dir, logs = tmp / "var-lib-lifeline", tmp / "logs"
    data_dir.mkdir()
    logs.mkdir()
    https, http, web, smtp = free_port(), free_port(), free_port(), free_port()
    base = f"https://127.0.0.1:{https}"
    secrets = _secrets(tmp / "secrets")
    env_file = tmp / "lifeline.env"
    env_file.write_text(
        substituted(
            (DEPLOY / "lifeline.env.example").read_text(),
            {
                "DATABASE_URL=postgres:///lifeline": f"DATABASE_URL={database}",
                "LIFELINE_DATA_DIR=/var/lib/lifeline": f"LIFELINE_DATA_DIR={data_dir}",
                "/etc/lifeline/secrets/secret_key": str(secrets["secret_key"]),
                "/etc/lifeline/secrets/field_keys": str(secrets["field_keys"]),
                "/etc/lifeline/secrets/audit_key": str(secrets["audit_key"]),
                "/etc/lifeline/secrets/audit_signing_key": str(secrets["audit_signing_key"]),
                "/etc/lifeline/secrets/lookup_keys": str(secrets["lookup_keys"]),
                "ALLOWED_HOSTS=hotline.example.org": "ALLOWED_HOSTS=127.0.0.1",
                "https://hotline.example.org": base,
                "EMAIL_PORT=25": "EMAIL_PORT=9",  # nothing goes out in this test
            },
        )
    )
    # A clean environment, as systemd gives a unit: nothing of the test run leaks in (no
    # LIFELINE_DEV_KEYS, LIFELINE_TESTING or DATABASE_URL). PYTHONPATH names this checkout,
    # which the units find installed in /opt/lifeline/venv instead.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        **read_environment_file(env_file),
    }
    assert "LIFELINE_DEV_KEYS" not in env and env["LIFELINE_HTTPS"] == "1"
    processes = Processes(logs)
    result = Stack(base, f"http://127.0.0.1:{http}", tmp / "cert.pem", env, data_dir, logs, smtp,
                   processes)  # fmt: skip
    try:
        cert, key = _certificate(tmp)
        # docs/deployment.md, "Install": migrate and collect static files before the units.
        result.lifeline("migrate", "--no-input", "-v", "0")
        result.lifeline("collectstatic", "--no-input", "-v", "0")
        ports = {"127.0.0.1:8000": f"127.0.0.1:{web}", "8025": str(smtp)}
        for name in UNITS:
            argv, unit_env = _unit_argv(name, ports)
            processes.start(name, argv, env={**env, **unit_env}, cwd=data_dir)
        config = _nginx_config(tmp, https=https, http=http, web=web, cert=cert, key=key)
        processes.start(
            "nginx",
            [NGINX, "-p", str(tmp / "nginx"), "-e", str(logs / "nginx-main-error.log"),
             "-c", str(config), "-g", "daemon off;"],
            env={"PATH": env["PATH"]}, cwd=tmp,
        )  # fmt: skip
        with result.client() as client:

            def ready() -> bool:
                processes.check_alive()
                try:
                    return client.get("/healthz/ready").status_code == 200
                except httpx.TransportError:
                    return False

            wait_for("the web processes behind nginx", ready, START_SECONDS)
        yield result
    finally:
        processes.stop_all()


# --- Pages -----------------------------------------------------------------------------------
def _csrf(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _input(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)" name="{name}"', page
    )
    return html.unescape(found.group(1)) if found else ""


def _post(client: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    """A form post as a browser sends it under `Referrer-Policy: no-referrer`: Origin null."""
    page = client.get(url)
    assert page.status_code == 200, _why(page)
    return client.post(
        url, data={"csrfmiddlewaretoken": _csrf(page.text), **data}, headers={"Origin": "null"}
    )


def _why(response: httpx.Response) -> str:
    """What a page says, without its markup: for the message of a failed assertion."""
    main = response.text.partition("<main>")[2] or response.text
    return f"{response.status_code}: " + " ".join(re.sub(r"<[^>]+>", " ", main).split())[:1500]


def _code(key: bytes, drift: int = 0) -> str:
    return f"{totp(key, drift=drift):06d}"


def _enrolment_link(output: str) -> str:
    last = output.strip().splitlines()[-1]
    assert last.startswith("Enrolment link: "), output
    return last.removeprefix("Enrolment link: ").strip()


def _enrol(stack: Stack, link: str) -> bytes:
    """Open an enrolment link, set the password, confirm the authenticator; the TOTP key."""
    assert link.startswith(stack.base + "/"), link
    with stack.client() as client:
        page = client.get(link)
        assert page.status_code == 200, _why(page)
        found = re.search(r'<code id="totp-key">([^<]+)</code>', page.text)
        assert found, "the enrolment page shows no manual TOTP key"
        key = base64.b32decode(re.sub(r"\s", "", html.unescape(found.group(1))).upper())
        # The form that sets the password; it may post elsewhere than the link itself.
        action = re.search(
            r'<form method="post"[^>]*\saction="([^"]+)"[^>]*>(?:(?!</form>).)*name="password1"',
            page.text,
            re.S,
        )
        done = client.post(
            html.unescape(action.group(1)) if action else link,
            data={
                "csrfmiddlewaretoken": _csrf(page.text),
                "password1": PASSWORD,
                "password2": PASSWORD,
                "token": _code(key),
            },
            headers={"Origin": "null"},
        )
        # The answer is the one page that shows the recovery codes; it is not a redirect.
        assert done.status_code == 200, _why(done)
        assert "recovery codes" in done.text, _why(done)
    return key


def _log_in(stack: Stack, username: str, key: bytes) -> httpx.Client:
    """Password, then the second factor, in a fresh browser; the logged-in client."""
    client = stack.client()
    step = _post(client, "/console/account/login/", {"username": username, "password": PASSWORD})
    assert step.status_code == 302, _why(step)
    assert step.headers["location"].endswith("/console/account/two-factor/")
    # The code of the next period: the enrolment just used this period's, once only.
    done = _post(client, "/console/account/two-factor/", {"token": _code(key, drift=1)})
    assert done.status_code == 302, _why(done)
    return client


def _queue_links(client: httpx.Client) -> dict[str, str]:
    page = client.get("/console/")
    assert page.status_code == 200
    links = re.findall(r'<a href="([^"]+)">(LF-[0-9A-Z-]+)</a>', page.text)
    return {reference: href for href, reference in links}


# --- The tests -------------------------------------------------------------------------------
def test_the_units_pass_systemd_analyze_verify_but_for_the_program_not_installed_here() -> None:
    units = [str(DEPLOY / "systemd" / f"{name}.service") for name in UNITS]
    done = subprocess.run(  # noqa: S603
        ["systemd-analyze", "verify", *units],  # noqa: S607
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and f"Command {INSTALLED_PROGRAM} is not executable" not in line
    ]
    assert problems == []
    for name in UNITS:
        service = read_unit(name).service
        assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
        assert service["CapabilityBoundingSet"] == [""]
        assert service["ReadWritePaths"] == ["/var/lib/lifeline"]
    assert read_unit("lifeline-worker").service["MemoryMax"]


def test_the_proxy_serves_https_with_hsts_limits_bodies_and_logs_no_visitor(stack: Stack) -> None:
    with stack.client() as client:
        live = client.get("/healthz/live")
        assert (live.status_code, live.json()) == (200, {"ok": True})
        start = client.get("/")
        assert start.status_code == 200
        assert start.headers.get_list("strict-transport-security") == [
            "max-age=31536000; includeSubDomains; preload"
        ]
        # The app knows it is behind HTTPS: its cookies are Secure, and it does not redirect.
        form = client.get("/write/surrender/")
        assert form.status_code == 200
        assert "secure" in form.headers["set-cookie"].lower()
        # A client cannot pass itself off as HTTPS on the plain port, nor send a big body.
        too_big = client.post("/write/surrender/", content=b"x" * (300 * 1024))
        assert too_big.status_code == 413
    plain = httpx.get(stack.http_base + "/status/", headers={"User-Agent": BROWSER})
    assert plain.status_code == 301
    assert plain.headers["location"] == "https://127.0.0.1/status/"
    access = (stack.logs / "lifeline-access.log").read_text()
    assert '"GET /write/surrender/" 200' in access  # the access log is written...
    assert "127.0.0.1" not in access  # ...without the visitor's address
    every_log = "".join(p.read_text(errors="replace") for p in stack.logs.glob("*.log"))
    assert BROWSER not in every_log  # nor his browser, by nginx or gunicorn


def test_setup_invite_enrol_and_the_smoke_path(stack: Stack) -> None:
    # (1) The first admin, from `lifeline setup`, enrols and logs in.
    admin_link = _enrolment_link(
        stack.lifeline("setup", "--no-input", "--admin", "admin", "--base-url", stack.base)
    )
    admin_key = _enrol(stack, admin_link)
    admin = _log_in(stack, "admin", admin_key)
    assert admin.get("/console/account/").status_code == 200
    admin.close()

    # (2) An operator, invited from the command line, enrols and logs in.
    alice_link = _enrolment_link(stack.lifeline("user", "invite", "alice", "--role", "operator"))
    alice_key = _enrol(stack, alice_link)
    alice = _log_in(stack, "alice", alice_key)

    # (3) A visitor writes in on the public site and keeps his receipt.
    with stack.client() as visitor:
        page = visitor.get("/write/surrender/")
        sent = visitor.post(
            "/write/surrender/",
            data={
                "csrfmiddlewaretoken": _csrf(page.text),
                "form_token": _input(page.text, "form_token"),
                "message": VISITOR_MESSAGE,
            },
            headers={"Origin": "null"},
        )
        assert sent.status_code == 303, _why(sent)
        receipt = visitor.get(sent.headers["location"])
        reference, secret = re.findall(r"<dd>([^<]+)</dd>", receipt.text)[:2]
        assert re.fullmatch(r"LF-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)

    # (4) An e-mail to the SMTP listener; the worker files it as a new case.
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "sister@example.net", "hotline@example.org", "Брат"
    mail.set_content(EMAIL_BODY)
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(mail)

    def email_case() -> str | None:
        stack.processes.check_alive()
        for ref, href in _queue_links(alice).items():
            if ref != reference and EMAIL_BODY in alice.get(href).text:
                return ref
        return None

    assert wait_for("the worker to file the e-mail as a case", email_case) != reference

    # (5) The operator replies on the visitor's case from the console.
    case_url = _queue_links(alice)[reference]
    case_page = alice.get(case_url)
    assert VISITOR_MESSAGE in html.unescape(case_page.text)
    replied = alice.post(
        case_url + "reply/",
        data={"csrfmiddlewaretoken": _csrf(case_page.text), "body": REPLY},
        headers={"Origin": "null"},
    )
    assert replied.status_code == 302, _why(replied)
    alice.close()

    # (6) The visitor reads the reply on the status page, with his receipt.
    def reply_shown() -> bool:
        with stack.client() as visitor:
            opened = _post(visitor, "/status/", {"reference": reference, "secret": secret})
            assert opened.status_code == 303, _why(opened)
            text = html.unescape(visitor.get("/status/").text)
            assert VISITOR_MESSAGE in text
            return REPLY in text

    wait_for("the reply on the visitor's status page", reply_shown)
    stack.lifeline("audit", "verify")
    stack.processes.check_alive()
