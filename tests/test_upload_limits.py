"""Issue 13: each upload states one limit, the one the browser enforces and the app checks; a file
over it that reaches the app anyway (a Windows browser counts an MB as 1,048,576 bytes; a script
can skip the browser) is an error naming the file, its size and the limit."""

import tomllib

import pytest

from conftest import ROOT, open_app
from simulator.analysis.eval_results import MAX_EVAL_BYTES, MAX_EVAL_MB
from simulator.scenario import MAX_FILE_BYTES, MAX_FILE_MB
from simulator.storage import uploads
from simulator.traffic import formats as traffic_formats
from simulator.units import UPLOAD_MB
from ui.fmt import plain

UPLOADERS = [  # page, widget key, its limit [MB], the app's check [bytes], a file name
    ("app_pages/library.py", "lib_upload", MAX_FILE_MB, MAX_FILE_BYTES, "big.yaml"),
    ("app_pages/decision.py", "dec_eval", MAX_EVAL_MB, MAX_EVAL_BYTES, "big.csv"),
    ("app_pages/tokens.py", "tokens_files", uploads.MAX_FILE_MB, uploads.MAX_FILE_BYTES, "big.txt"),
    ("app_pages/traffic.py", "traffic_upload", traffic_formats.MAX_UPLOAD_MB, traffic_formats.MAX_UPLOAD_BYTES,
     "big.csv"),
]


def server_cap_mb() -> int:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]


def test_the_widget_states_the_limit_the_app_checks_and_the_server_lets_it_through():
    for page, key, mb, checked_bytes, _ in UPLOADERS:
        at = open_app(page)
        assert at.file_uploader(key=key).proto.max_upload_size_mb == mb, page  # "Limit 2MB per file"
        assert checked_bytes == mb * UPLOAD_MB, page
        assert "MB" not in at.file_uploader(key=key).label, page  # no second figure beside the widget's
    # The server counts MiB: its cap lets the largest file any widget accepts through, and no more.
    largest = max(u[2] for u in UPLOADERS)
    assert server_cap_mb() == largest


@pytest.mark.parametrize("page, key, mb, checked_bytes, name", UPLOADERS, ids=[u[1] for u in UPLOADERS])
def test_a_file_over_the_limit_is_an_error_naming_it_its_size_and_the_limit(page, key, mb, checked_bytes, name):
    at = open_app(page)
    at.file_uploader(key=key).upload(name, b"a" * (checked_bytes + 1), "text/plain").run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert plain(name) in error and f"{checked_bytes + 1:,} bytes" in error and f"{mb} MB" in error, error
