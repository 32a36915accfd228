"""`roost audit` prints the tail of the audit log, one cleaned line per action."""

import json
import os
import stat

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


def test_roost_audit_prints_each_delete_outcome_whole_and_explained(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("tui.config.data_dir", lambda: tmp_path)
    log = AuditLog(tmp_path / AUDIT_FILE, console="https://abc.canary.tools", clock=lambda: 1_763_800_000)
    log.record("delete", ["k1", "k2", "k3", "k4"], "requested", "archive /tmp/a.json")
    log.record("acknowledge", ["k1"], "success", "acknowledged first, to delete it · archive /tmp/a.json")
    log.record("delete", ["k1"], "deleted", "archive /tmp/a.json")
    log.record("delete", ["k2"], "already gone", "archive /tmp/a.json")
    log.record("delete", ["k3"], "unknown", "archive /tmp/a.json · Timed out")
    log.record("delete", ["k3"], "deleted (confirmed after unknown)", "archive /tmp/a.json")
    log.record("delete", ["k4"], "not deleted (confirmed after unknown)", "archive /tmp/a.json · Timed out")
    assert main(["audit"]) == 0
    requested, acknowledged, deleted, gone, unknown, confirmed, not_deleted = capsys.readouterr().out.splitlines()
    assert "  delete  requested  " in requested and "4 incidents" in requested
    assert "outcome follows on its own line" in requested
    assert "  acknowledge  success  " in acknowledged
    assert acknowledged.endswith("acknowledged first, to delete it · archive /tmp/a.json")
    assert "  delete  deleted  " in deleted
    assert "  delete  already gone  " in gone and "deleted elsewhere first" in gone
    assert "  delete  unknown  " in unknown and "check the console" in unknown
    assert "  delete  deleted (confirmed after unknown)  " in confirmed
    assert "  delete  not deleted (confirmed after unknown)  " in not_deleted


def test_every_line_is_fsynced_before_record_returns(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        details = os.fstat(fd)
        synced.append("directory" if stat.S_ISDIR(details.st_mode) else details.st_size)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "new" / AUDIT_FILE
    log = AuditLog(path, console="c")
    log.record("delete", ["k1"], "deleted")
    first = path.stat().st_size
    log.record("delete", ["k2"], "deleted")
    # Each line once written; the directory once, when the file was created.
    assert synced == [first, "directory", path.stat().st_size]
