"""Files given by path are regular files read with a hard cap: pipes, devices and directories are
refused by name, before anything waits or fills memory (issue 16.3)."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, SHIPPED_SCENARIOS
from simulator.files import FileRefused, read_regular_file

COMMANDS = {  # every CLI command that reads a file a user names
    "evaluate": lambda path: ["evaluate", path],
    "sweep": lambda path: ["sweep", path],
    "decide": lambda path: ["decide", path],
    "decide --eval": lambda path: ["decide", str(SHIPPED_SCENARIOS[0]), "--eval", path],
    "tokens": lambda path: ["tokens", path],
}


def run_cli(args, timeout=60):
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def test_a_regular_file_within_the_cap_is_read(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"12345")
    assert read_regular_file(path, 5) == b"12345"
    with pytest.raises(FileRefused, match="over the limit of 4 bytes"):
        read_regular_file(path, 4)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_pipe_is_refused_at_once(fifo, command):
    run = run_cli(COMMANDS[command](str(fifo)), timeout=60)  # before: waited forever for a writer
    assert run.returncode == 2, run.stderr
    assert f"{fifo}: is a pipe, not a regular file" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_an_endless_device_is_refused_without_reading_it(command):
    run = run_cli(COMMANDS[command]("/dev/zero"))  # before: 3.7 GB of memory in 7 s
    assert run.returncode == 2 and "/dev/zero: is a device, not a regular file" in run.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_directory_is_refused(tmp_path, command):
    run = run_cli(COMMANDS[command](str(tmp_path)))
    assert run.returncode == 2 and "is a directory, not a regular file" in run.stderr, run.stderr


def test_a_file_that_grows_past_its_reported_size_stops_at_the_cap(tmp_path):
    path = tmp_path / "growing.yaml"
    path.write_bytes(b"x" * 10)
    with path.open("ab") as fh:  # grows after any size check by name would have passed
        fh.write(b"y" * 3_000_000)
    with pytest.raises(FileRefused, match="over the limit of 2,000,000 bytes"):
        read_regular_file(path, 2_000_000)


def test_sweep_to_a_directory_is_a_message(tmp_path):
    run = run_cli(["sweep", str(SHIPPED_SCENARIOS[0]), "--csv", str(tmp_path)])
    assert run.returncode == 2 and f"{tmp_path}: cannot write: Is a directory" in run.stderr, run.stderr
