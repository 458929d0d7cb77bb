"""The command-line tools ``python -m lcr.check`` and ``python -m lcr.fmt`` and their shared
reader ``lcr.io``: exit codes, text and JSON reports, stdin, JSON Lines, bad UTF-8.

    python -m pytest tests/test_lcr_cli.py -q
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lcr_fixtures import FIXTURES, canonical_lines, noncanonical_cases

from lcr import check, fmt, parse
from lcr import io as lcr_io
from lcr.values import MAX_SIZE

ROOT = Path(__file__).resolve().parent.parent
CANONICAL = str(FIXTURES / "canonical.lcr")


def run(module, argv, capsys, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    status = module.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


# ---- lcr.check -------------------------------------------------------------------------


def test_check_all_valid_exits_0(capsys):
    status, out, _ = run(check, [CANONICAL], capsys)
    n = len(canonical_lines())
    assert (status, out) == (0, f"{n} checked, {n} valid, 0 invalid\n")


def test_check_reports_invalid_lines_with_caret(tmp_path, capsys):
    path = write(tmp_path, "a.lcr", '⊤\n\n   \n🜊14🜁01🜂\n◇a: 1, a: 2◆\n"ok"\n')
    status, out, _ = run(check, [path], capsys)
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}:4:4: E_LC_PARSE unexpected '🜁'")
    assert lines[1:3] == ["🜊14🜁01🜂", "   ^"]
    assert lines[3] == f"{path}:5:8: E_DUPLICATE_KEY object key a appears twice"
    assert lines[4:6] == ["◇a: 1, a: 2◆", "       ^"]
    assert lines[-1] == "4 checked, 2 valid, 2 invalid"


def test_check_json_one_object_per_value(tmp_path, capsys):
    path = write(tmp_path, "a.lcr", "  1\n\n🜃1,🜄\n")
    status, out, _ = run(check, ["--json", path], capsys)
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert records[0] == {"path": path, "line": 1, "col": 3, "ok": True, "code": None,
                          "message": None}
    assert records[1]["line"] == 3 and records[1]["col"] == 4
    assert (records[1]["ok"], records[1]["code"]) == (False, "E_LC_PARSE")
    assert len(records) == 2


def test_check_schema_flag(tmp_path, capsys):
    path = write(tmp_path, "a.lcr", '🜊1000🜁0 "read"🜁1 ⟁config🜂\n')
    assert run(check, [path], capsys)[0] == 0
    status, out, _ = run(check, ["--schema", path], capsys)
    assert status == 1
    assert out.startswith(f"{path}:1:18: E_SCHEMA operation 'read' field @1 (source)")


def test_check_stdin(capsys, monkeypatch):
    status, out, _ = run(check, ["-"], capsys, b"1\n2\n[3]\n", monkeypatch)
    assert status == 1
    assert out.startswith("<stdin>:3:1: E_LC_PARSE")
    assert out.endswith("3 checked, 2 valid, 1 invalid\n")


def test_check_jsonl_default_and_named_field(tmp_path, capsys):
    records = [{"lcr": "⊤", "x": "🜃"}, {"lcr": "🜃", "x": "⊥"}, {"x": "∅"}]
    path = write(tmp_path, "c.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    status, out, _ = run(check, ["--json", path], capsys)
    got = [(r["line"], r["ok"], r["code"]) for r in map(json.loads, out.splitlines())]
    assert status == 1
    assert got == [(1, True, None), (2, False, "E_LC_PARSE"), (3, False, "E_RECORD")]
    status, out, _ = run(check, ["--field", "x", path], capsys)
    assert status == 1
    assert out.startswith(f"{path}:1:2: E_LC_PARSE unexpected end of input")


def test_check_jsonl_bad_records_are_reported_not_fatal(tmp_path, capsys):
    path = write(tmp_path, "c.jsonl", '{"lcr": "1"}\nnot json\n[1]\n{"lcr": 5}\n\n{"lcr": "2"}\n')
    status, out, _ = run(check, [path], capsys)
    assert status == 1
    assert f"{path}:2:1: E_RECORD not a JSON record: Expecting value" in out
    assert f"{path}:3:1: E_RECORD not a JSON object" in out
    assert f"{path}:4:1: E_RECORD field 'lcr' is not a string" in out
    assert out.endswith("5 checked, 2 valid, 3 invalid\n")


def test_check_jsonl_multiline_value_names_its_line(tmp_path, capsys):
    path = write(tmp_path, "c.jsonl", json.dumps({"lcr": "🜃\n  1,\n  +2\n🜄"}) + "\n")
    status, out, _ = run(check, [path], capsys)
    assert status == 1
    assert out.startswith(f"{path}:1:3: E_LC_PARSE unexpected '+'")
    assert "(line 3 of the value)" in out.splitlines()[0]


def test_check_missing_file_exits_2_and_checks_the_rest(tmp_path, capsys):
    status, out, err = run(check, [str(tmp_path / "nope.lcr"), CANONICAL], capsys)
    assert status == 2
    assert err == f"{tmp_path / 'nope.lcr'}: E_IO no such file\n"
    assert out.endswith(" invalid\n") and out.startswith(f"{len(canonical_lines())} checked")


def test_check_bad_utf8_gives_byte_offset(tmp_path, capsys):
    path = write(tmp_path, "b.lcr", b"1\n\"ab\xffc\"\n2\n")
    status, out, err = run(check, [path], capsys)
    assert status == 2
    assert err == f"{path}: E_IO invalid UTF-8 at byte offset 5 (line 2): byte 0xff\n"
    assert out == "1 checked, 1 valid, 0 invalid\n"


def test_check_overlong_line_is_size_error_and_bad_utf8_in_it_is_found(tmp_path, capsys):
    long = b'"' + b"a" * MAX_SIZE + b'"'
    path = write(tmp_path, "big.lcr", b"1\n" + long + b"\n3\n")
    status, out, _ = run(check, [path], capsys)
    assert status == 1
    assert f"{path}:2:1: E_SIZE_EXCEEDED" in out
    assert out.endswith("3 checked, 2 valid, 1 invalid\n")
    bad = long[:-200] + b"\xc3(" + long[-198:]
    path = write(tmp_path, "bad.lcr", b"1\n" + bad + b"\n")
    status, _, err = run(check, [path], capsys)
    assert status == 2
    assert f"byte offset {2 + len(long) - 200} (line 2)" in err


def test_check_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        check.main(["--nope", CANONICAL])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        check.main([])
    assert info.value.code == 2


def test_check_as_a_module_never_shows_a_traceback(tmp_path):
    path = write(tmp_path, "b.lcr", b"\xfe\n")
    for args, status in [([path], 2), ([str(tmp_path / "none")], 2), ([str(tmp_path)], 2),
                         (["--schema", CANONICAL], 1)]:
        proc = subprocess.run([sys.executable, "-m", "lcr.check", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == status, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout


# ---- lcr.fmt ---------------------------------------------------------------------------


def test_fmt_prints_canonical_forms_in_order(tmp_path, capsys):
    cases = noncanonical_cases()
    # Values with raw newlines inside cannot sit on one line of a text file.
    cases = [(a, b) for a, b in cases if "\n" not in a]
    path = write(tmp_path, "n.lcr", "".join(a + "\n" for a, _ in cases))
    status, out, err = run(fmt, [path], capsys)
    assert (status, err) == (0, "")
    assert out == "".join(b + "\n" for _, b in cases)


def test_fmt_reports_invalid_on_stderr_and_keeps_going(tmp_path, capsys):
    path = write(tmp_path, "n.lcr", "🜃 1🜄\n+1\n◇◆\n")
    status, out, err = run(fmt, [path], capsys)
    assert status == 1
    assert out == "🜃1🜄\n◇◆\n"
    assert err.startswith(f"{path}:2:1: E_LC_PARSE unexpected '+'")
    assert err.splitlines()[1:] == ["+1", "^"]


def test_fmt_check(tmp_path, capsys):
    assert run(fmt, ["--check", CANONICAL], capsys)[:2] == (0, "")
    path = write(tmp_path, "n.lcr", "🜃1🜄\n🜃1,  2🜄\n1 \n")
    status, out, _ = run(fmt, ["--check", path], capsys)
    assert status == 1
    assert out == f"{path}:2:5: not canonical\n{path}:3:2: not canonical\n"


def test_fmt_pretty_parses_back(capsys):
    status, out, _ = run(fmt, ["--pretty", CANONICAL], capsys)
    assert status == 0
    blocks = out[:-1].split("\n\n")
    assert [parse(b) for b in blocks] == [parse(line) for line in canonical_lines()]
    assert any("\n" in b for b in blocks)


def test_fmt_stdin_and_exclusive_modes(capsys, monkeypatch):
    assert run(fmt, ["-"], capsys, "◇ x:1◆\n".encode(), monkeypatch)[:2] == (0, "◇x: 1◆\n")
    with pytest.raises(SystemExit) as info:
        fmt.main(["--check", "--pretty", "-"])
    assert info.value.code == 2


# ---- lcr.io ----------------------------------------------------------------------------


def test_read_values_yields_line_numbers_and_skips_blanks(tmp_path):
    path = write(tmp_path, "a.lcr", "1\r\n\n \t\r\n2\n3")
    assert list(lcr_io.read_values(path)) == [(1, "1\r"), (4, "2"), (5, "3")]


def test_summary_and_cli_wrapper(capsys):
    assert lcr_io.summary(3, 2, 1) == "3 checked, 2 valid, 1 invalid"

    def interrupted():
        raise KeyboardInterrupt

    def failing():
        raise PermissionError(13, "Permission denied")

    for main, status in [(interrupted, 130), (failing, 2), (lambda: 1, 1)]:
        with pytest.raises(SystemExit) as info:
            lcr_io.cli(main)
        assert info.value.code == status
    assert "Traceback" not in capsys.readouterr().err
