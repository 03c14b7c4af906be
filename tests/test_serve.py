"""The app command starts unattended (issue 13.1): headless, no standard input, the URL printed,
the port from CROSSOVER_PORT."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from serve import server_flags  # noqa: E402


def test_flags_are_headless_on_the_configured_port_and_the_callers_flags_win():
    flags, url = server_flags([], {"CROSSOVER_PORT": "8600"})
    assert flags == ["--server.headless", "true", "--logger.hideWelcomeMessage", "true", "--server.port", "8600"]
    assert url == "http://localhost:8600/"
    flags, url = server_flags(["--server.port=9000", "--server.headless", "false"], {"CROSSOVER_PORT": "8600"})
    assert flags == ["--logger.hideWelcomeMessage", "true", "--server.port=9000", "--server.headless", "false"]
    assert url == "http://localhost:9000/"
    flags, url = server_flags([], {"CROSSOVER_ADDRESS": "127.0.0.1"})
    assert flags[-2:] == ["--server.address", "127.0.0.1"] and url == "http://127.0.0.1:8501/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_server_starts_without_a_terminal_and_says_where(tmp_path):
    port = free_port()
    env = {**os.environ, "CROSSOVER_PORT": str(port),  # every interface, where Streamlit would look up its public IP
           "CROSSOVER_SCENARIO_DIR": str(tmp_path / "scenarios")}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.fileWatcherType", "none"],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        deadline, healthy = time.monotonic() + 180, False  # warm-up evaluates the examples: slow when loaded
        while time.monotonic() < deadline and proc.poll() is None and not healthy:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    healthy = r.status == 200
            except OSError:
                time.sleep(0.5)
        text = log.read_text()
        assert proc.poll() is None, f"the server exited with {proc.returncode}:\n{text}"
        assert healthy, text
        assert f"serving http://localhost:{port}/" in text
        assert "Email" not in text
        assert "auto detect external IP" not in text  # no lookup of the machine's public address
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
