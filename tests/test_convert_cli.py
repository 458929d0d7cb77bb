"""``python -m lcr.convert``: track detection, every direction, errors and exit codes.

    python -m pytest tests/test_convert_cli.py -q
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from strategies import values

from lcr import dumps
from lcr.check import check_path
from lcr.convert import TRACKS, convert, detect, main
from lcr.hlxl import dumps_hlxl
from lcr.lcb import dumps_lcb

ROOT = Path(__file__).resolve().parent.parent
CANONICAL = ROOT / "tests" / "fixtures" / "canonical.lcr"

PRINT = {"lcr": dumps, "hlxl": dumps_hlxl, "lcb": dumps_lcb}


@given(v=values())
def test_detection_reads_every_track_back(v):
    for track, to_text in PRINT.items():
        text = to_text(v)
        if track == "lcb":
            assert detect(text) == "lcb"
        for target in TRACKS:
            assert convert(text, target) == PRINT[target](v)


@pytest.mark.parametrize(
    "text,track",
    [
        ("10", "lcr"),  # also hex, but 0x10 is no tag
        ("2024", "lcr"),
        ("0e12", "lcr"),  # the float 0.0; byte 0e is no tag
        ("0E12", "lcr"),
        ("0", "lcr"),
        ("00", "lcb"),
        ("0a", "lcb"),
        ("  0D0A ", "lcb"),
        ("null", "hlxl"),
        ("b\"x\"", "hlxl"),
        ("&h_x", "hlxl"),
        ('"text"', "lcr"),
        ("-1.5", "lcr"),
        ("◇◆", "lcr"),
    ],
)
def test_detect(text, track):
    assert detect(text) == track


def _write(tmp_path, text, name="in.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_fixture_round_trips_through_every_track(tmp_path, capsys):
    original = CANONICAL.read_text(encoding="utf-8")
    lines = [x for x in original.splitlines() if x.strip()]
    current = str(CANONICAL)
    for track in ("hlxl", "lcb", "lcr", "lcb", "hlxl", "lcr"):
        assert main(["--to", track, current]) == 0
        out, err = capsys.readouterr()
        assert err == "" and len(out.splitlines()) == len(lines)
        current = _write(tmp_path, out, f"{track}.txt")
    assert out.splitlines() == lines


def test_explicit_from_and_mixed_input(tmp_path, capsys):
    path = _write(tmp_path, '⟁a\n{x: [1, b"\\x00"]}\n0c0201780114017901280d\n\n10\n')
    assert main(["--to", "hlxl", path]) == 0
    assert capsys.readouterr().out == '&h_a\n{x: [1, b"\\x00"]}\n{x: 10, y: 20}\n10\n'
    # With --from lcb, "10" is read as hex: byte 10 is no tag.
    assert main(["--to", "lcr", "--from", "lcb", path]) == 1
    out, err = capsys.readouterr()
    assert out == "◇x: 10, y: 20◆\n"
    assert f"{path}:5:1: E_LCB_DECODE unknown tag 10 (at byte 0)" in err
    assert err.endswith("4 checked, 1 valid, 3 invalid\n")


def test_invalid_lines_report_like_check(tmp_path, capsys):
    path = _write(tmp_path, "[1, 2]\n{a: 1, a: 2}\n0500\n🜃1 2🜄\n")
    # An invalid LC-R line reads exactly as lcr.check reports it.
    (lcr_report,) = [r.render() for r in check_path(path) if r.line == 4]
    assert main(["--to", "lcb", path]) == 1
    out, err = capsys.readouterr()
    assert out == "050102010406\n"
    assert err == (
        f"{path}:2:8: E_DUPLICATE_KEY object key a appears twice\n"
        "{a: 1, a: 2}\n"
        "       ^\n"
        f"{path}:3:5: E_LCB_DECODE unexpected end of input: expected a value or array end (06)"
        " (at byte 2)\n"
        "0500\n"
        "    ^\n"
        + lcr_report
        + "\n4 checked, 1 valid, 3 invalid\n"
    )


def test_jsonl_field(tmp_path, capsys):
    path = _write(tmp_path, '{"lcr": "🜃⊤🜄"}\n{"hlxl": "x"}\n', "c.jsonl")
    assert main(["--to", "hlxl", path]) == 1
    out, err = capsys.readouterr()
    assert out == "[true]\n" and "E_RECORD" in err


def test_missing_file_is_exit_2(capsys):
    assert main(["--to", "lcr", "/nonexistent/x.lcr"]) == 2
    assert "E_IO no such file" in capsys.readouterr().err


def test_usage_errors_are_exit_2(capsys):
    for argv in ([str(CANONICAL)], ["--to", "json", str(CANONICAL)], ["--to", "lcr"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def _run(*args, stdin=b""):
    return subprocess.run(
        [sys.executable, "-m", "lcr.convert", *args],
        input=stdin, capture_output=True, cwd=ROOT, timeout=60,
    )


def test_stdin_and_exit_codes_from_the_shell():
    ok = _run("--to", "lcb", "-", stdin=b'[1, "a", &h_b]\n')
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, b"05010203016109016206\n", b"")
    bad = _run("--to", "hlxl", "-", stdin=b"\xff\n")
    assert bad.returncode == 2 and b"invalid UTF-8 at byte offset 0" in bad.stderr
    assert b"Traceback" not in bad.stderr
