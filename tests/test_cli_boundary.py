"""The CLI's one error boundary: OS, encoding and Dask connection errors are one line and exit 2;
a reader that closes the pipe early ends the output quietly."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dse import cli
from dse import io as dse_io

ROOT = Path(__file__).resolve().parents[1]
TINY = "version: 1\nname: tiny\nworkload: {network: alexnet}\nspace: {pe_type: INT8}\n"


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def assert_one_line(code: int, err: str, *parts: str) -> None:
    lines = [line for line in err.splitlines() if not line.startswith("dse: warning: ")]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("dse: error: "), err
    assert "Traceback" not in err
    for part in parts:
        assert part in lines[0], lines[0]


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.mark.parametrize("err_no, reason", [(errno.ENOSPC, "No space left on device"),
                                            (errno.EROFS, "Read-only file system"),
                                            (errno.EACCES, "Permission denied")])
def test_write_failures_name_the_file(spec: Path, tmp_path: Path, monkeypatch, err_no: int, reason: str):
    """A full disk, a read-only file system or a denied write while writing outputs (simulated: the
    suite cannot fill a disk or may run as root)."""
    real = os.replace

    def failing(src, dst):
        if str(dst).endswith(".parquet") and ".checkpoint" not in str(dst):
            raise OSError(err_no, os.strerror(err_no), str(dst))
        return real(src, dst)

    monkeypatch.setattr(dse_io.os, "replace", failing)
    out = tmp_path / "out"
    code, _, err = run_cli("run", str(spec), "--out", str(out), "--no-progress")
    assert_one_line(code, err, str(out / "results" / "part-000000.parquet"), reason)
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize("where", ["below_a_file", "dev_null"])
def test_output_below_a_file(spec: Path, tmp_path: Path, where: str):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "sub" if where == "below_a_file" else Path("/dev/null/sub")
    code, _, err = run_cli("run", str(spec), "--out", str(out), "--no-progress")
    assert_one_line(code, err, "which is not a folder")


def test_spec_hazards_through_the_cli(tmp_path: Path):
    (tmp_path / "u16.yaml").write_bytes(TINY.encode("utf-16-le"))
    code, _, err = run_cli("run", str(tmp_path / "u16.yaml"))
    assert_one_line(code, err, "u16.yaml", "NUL byte")
    code, _, err = run_cli("run", str(tmp_path))
    assert_one_line(code, err, f"{tmp_path}: is a directory; expected a spec file")
    (tmp_path / "dup.yaml").write_text(TINY + "name: other\n")
    code, _, err = run_cli("run", str(tmp_path / "dup.yaml"))
    assert_one_line(code, err, "dup.yaml: duplicate key 'name' at line 5 (first at line 2)")


def test_user_message_covers_os_and_encoding_errors():
    assert cli.user_message(FileNotFoundError(2, "No such file or directory", "a.onnx")) == \
        "a.onnx: No such file or directory"
    assert cli.user_message(OSError(18, "Invalid cross-device link", "a", None, "b")) == \
        "a -> b: Invalid cross-device link"
    assert cli.user_message(OSError("Timed out trying to connect to tcp://h:1 after 5 s")) == \
        "Timed out trying to connect to tcp://h:1 after 5 s"
    assert cli.user_message(UnicodeEncodeError("ascii", "\u00b5", 0, 1, "ordinal not in range")).startswith(
        "text encoding: 'ascii' codec can't encode")
    assert cli.user_message(ZeroDivisionError("bug")) is None  # a bug keeps its traceback
    assert len(cli.user_message(OSError("x" * 10_000))) == cli.MAX_MESSAGE_CHARS


@pytest.mark.parametrize("address, expected", [("tcp://127.0.0.1:1", "Timed out trying to connect"),
                                               ("notanaddress", "missing port number")])
def test_unreachable_dask_scheduler(spec: Path, tmp_path: Path, monkeypatch, address: str, expected: str):
    from dse import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1)
    t0 = time.perf_counter()
    code, _, err = run_cli("run", str(spec), "--out", str(tmp_path / "out"), "--no-progress",
                           "--dask-scheduler", address)
    assert time.perf_counter() - t0 < 20
    assert_one_line(code, err, f"--dask-scheduler {address}: cannot connect", expected)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_closed_pipe_ends_quietly():
    """``dse inspect resnet18 --format csv | head -0``: the reader is gone before the first write."""
    proc = subprocess.Popen([sys.executable, "-m", "dse.cli", "inspect", "resnet18", "--format", "csv"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `head` exiting: every write now fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, err
    assert err == ""


def test_head_reads_three_lines():
    """The shell pipeline of the issue: three lines out, nothing on stderr."""
    proc = subprocess.run(f"'{sys.executable}' -m dse.cli inspect bert_base --format csv | head -3",
                          shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines()[0] == "name,op,macs,w_bits,a_bits,weight_count"
    assert len(proc.stdout.splitlines()) == 3
    assert proc.stderr == ""
