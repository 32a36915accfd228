"""`roost audit` prints the tail of the audit log, one cleaned line per action."""

import json

from tui.audit import AUDIT_FILE, AuditLog
from tui.cli import main


def test_roost_audit_prints_the_last_entries(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tui.config.data_dir", lambda: tmp_path)
    log = AuditLog(tmp_path / AUDIT_FILE, console="https://abc.canary.tools", clock=lambda: 1_763_800_000)
    for number in range(5):
        log.record("acknowledge", [f"incident:ssh:{number}"], "success")
    log.record("delete", ["incident:ssh:\x1b[31mred", "k2", "k3", "k4"], "failed", "not found on the console")
    assert main(["audit", "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("2025-11-22T08:26:40Z")
    assert "acknowledge  success  https://abc.canary.tools  1 incident: incident:ssh:4" in lines[0]
    assert "incident:ssh:\\x1b[31mred" in lines[1] and "\x1b" not in lines[1]
    assert "4 incidents" in lines[1] and "(+1)" in lines[1] and lines[1].endswith("not found on the console")
    assert main(["audit", "--json", "-n", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["action"] == "delete"


def test_roost_audit_with_no_log_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tui.config.data_dir", lambda: tmp_path)
    assert main(["audit"]) == 0
    assert "No actions recorded yet" in capsys.readouterr().err
