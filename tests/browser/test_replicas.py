"""Two app replicas on one PostgreSQL behind nginx with sticky sessions (deploy/nginx.conf), as
deployed: 30 browser sessions spread over both replicas each see their own numbers, and a scenario
saved through one replica is in the other's library."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, ROOT, free_port

SESSIONS = int(os.environ.get("CROSSOVER_REPLICA_SESSIONS", "30"))  # 50 for the long run outside CI
POSTGRES = os.environ.get("CROSSOVER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


@pytest.fixture(scope="module")
def database():
    from sqlalchemy import create_engine, text
    try:
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - no server: the case cannot run here
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES} ({type(exc).__name__})")
    name = f"crossover_replicas_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def wait_healthy(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}; see test-artifacts/")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{what} did not answer within 90 s")


@pytest.fixture(scope="module")
def proxy(database, tmp_path_factory):
    """nginx on a free port in front of two replicas; yields (proxy URL, {replica address: name})."""
    if NGINX is None:
        pytest.skip("no nginx (scripts/dev.sh test installs Debian's as root)")
    folder = tmp_path_factory.mktemp("replicas")
    replicas, processes, logs = {}, [], []
    for name in ("one", "two"):
        port = free_port()
        log = open(ARTIFACTS.parent / f"replica-{name}.log", "w")
        env = {**os.environ, "CROSSOVER_DATABASE_URL": database, "CROSSOVER_DATA_DIR": str(folder / name)}
        env.pop("CROSSOVER_SCENARIO_DIR", None)
        process = subprocess.Popen([sys.executable, "scripts/serve.py", "--server.port", str(port),
                                    "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        logs.append(log)
        replicas[f"127.0.0.1:{port}"] = name
        wait_healthy(f"http://127.0.0.1:{port}", process, f"replica {name}")  # one at a time: one migration
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    one, two = replicas
    conf = conf.replace("server app1:8501;", f"server {one};").replace("server app2:8501;", f"server {two};")
    port = free_port()
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};\n"
                        # Test only: every browser here comes from 127.0.0.1, so ip_hash would send all
                        # of them to one replica; each session's X-Forwarded-For stands in for its
                        # address, and the replica that answered is named in a header.
                        "    set_real_ip_from 127.0.0.1;\n    real_ip_header X-Forwarded-For;\n"
                        "    add_header X-Replica $upstream_addr always;")
    main = folder / "nginx.conf"
    main.write_text(f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  client_body_temp_path {folder};\n  proxy_temp_path {folder};\n{conf}\n}}\n")
    nginx = subprocess.Popen([NGINX, "-c", str(main), "-p", str(folder), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, nginx, "nginx")
    yield url, replicas
    nginx.terminate()
    for process in processes:
        process.terminate()
    for process in [nginx, *processes]:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    for log in logs:
        log.close()


def session(browser, url: str, client: str, path: str):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, extra_http_headers={"X-Forwarded-For": client})
    page = context.new_page()
    page.set_default_timeout(120_000)
    response = page.goto(f"{url}{path}", wait_until="commit")
    return context, page, response.headers.get("x-replica")


def test_thirty_sessions_over_two_replicas_and_one_library(proxy, browser, support_bot, catalog, shot):
    from simulator.model.evaluate import evaluate
    from ui import fmt

    url, replicas = proxy
    sessions = []
    for i in range(SESSIONS):
        # ip_hash keys on an IPv4 address's first three octets: vary the third.
        context, page, replica = session(browser, url, f"10.1.{i + 1}.7", "/costs")
        sessions.append((context, page, 100_000 * (i + 1), replicas.get(replica)))
    served = {name for *_, name in sessions}
    assert served == {"one", "two"} or SESSIONS < 4, served  # sticky by client, and spread
    for _, page, volume, _ in sessions:
        box = page.locator("[data-testid='stSidebar'] input[aria-label='Queries per month']")
        box.fill(str(volume))
        box.press("Enter")
    for _, page, volume, _ in sessions:
        expect(page.locator("[data-testid='stMain'] p:has-text('queries/month')").first).to_contain_text(
            f"At {fmt.volume(volume)} queries/month")
        rag = evaluate(support_bot.with_point("workload.queries_per_month", volume), catalog).to_dict()["setups"]["rag"]
        expect(page.get_by_test_id("stColumn").nth(1).get_by_test_id("stMetricValue").first).to_have_text(
            fmt.usd_month(rag["monthly_cost_usd"]))
    shot(sessions[-1][1], "session-30")
    for context, *_ in sessions:
        context.close()

    # A scenario saved through one replica is in the other replica's library.
    clients = {}
    for i in range(SESSIONS, SESSIONS + 40):
        client = f"10.2.{i}.7"
        _, _, replica = session(browser, url, client, "/_stcore/health")
        clients.setdefault(replicas.get(replica), client)
        if len(clients) == 2:
            break
    context, page, replica = session(browser, url, clients["one"], "/library")
    assert replicas[replica] == "one"
    form = page.locator("[data-testid='stForm']")
    form.get_by_label("Save as (name)").fill("Saved on replica one")
    form.get_by_role("button", name="Save as new scenario").click()
    page.get_by_text("Saved as 'Saved on replica one'").wait_for()
    context.close()
    context, page, replica = session(browser, url, clients["two"], "/library")
    assert replicas[replica] == "two"
    page.get_by_text("Saved scenarios and examples").wait_for()
    # The listing is a canvas grid; its cells are mirrored, hidden, in the DOM for screen readers.
    page.locator("td[role='gridcell']", has_text="Saved on replica one").first.wait_for(state="attached")
    shot(page, "library-on-replica-two")
    context.close()
