"""Seeded, realistic Log360 incidents, of the kinds in log360-sample.json but in our own words.

Brute forces, downgrade and Kerberos attacks, privilege changes, persistence,
log tampering, exfiltration and floods, each with its actors, evidence shaped
as the API's and a plausible history of notes and activity.  A few percent of
the attacker-influenced values (names, descriptions, notes, evidence messages,
actors, user names in evidence) are hostile on purpose: markup, escape
sequences, bidi overrides, control characters, very long text.

Everything random comes from one ``random.Random(seed)`` and times from the
state's clock, so a seed and a clock give the same server every time.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from . import timefmt
from .state import SEVERITIES, UNASSIGNED, Incident, Log360State

HOSTILE_VALUES = (
    "[bold red]FIN-FS01[/bold red]",
    "svc\x1b[2J\x1b[Hbackup",
    "\u202etxt.exe",
    "WS-0231\r\nJun 02 10:00:00 sshd[1]: Accepted password for root",
    "'; DROP TABLE incidents;--",
    "B" * 400,
    "\x07\x08\x7f\x00",
    "C:\\Users\\$USER\\AppData\\${jndi:ldap://x}",
)
HOSTILE_SHARE = 0.04


@dataclass(frozen=True)
class Kind:
    """One kind of incident; ``{host}``, ``{user}``, ``{ip}`` and ``{count}`` are filled in."""

    name: str
    description: str
    severities: tuple[str, ...]  # drawn from, so most kinds lean one way
    hosts: tuple[str, ...]
    hosttype: str
    source: str
    log_type: str
    eventid: int
    category: str
    message: str
    img_class: str = "fw-icon fw-icn-login-user"
    threshold: bool = False
    external: bool = False  # the suspect is an outside address


KINDS = (
    Kind("Repeated VPN login failures on {host}",
         "{count} rejected VPN logins for many accounts from {ip} within a few minutes; none succeeded so far.",
         ("critical", "trouble"), ("vpn-gw01", "edge-fw02"), "fortigate", "sslvpn", "event", 39426,
         "vpn logon failures", "VPN authentication rejected: user={user} from={ip} ({count} in 10m)",
         threshold=True, external=True),
    Kind("NTLM v1 logons accepted by {host}",
         "A server took NTLM v1 network logons for {user}; a legacy client or a downgrade attempt.",
         ("trouble", "attention"), ("FS-PAY01", "APP-HR02"), "windows", "Microsoft-Windows-Security-Auditing",
         "security", 4624, "downgrade attacks",
         "Logon succeeded. Type 3, account {user}, package NTLM V1, workstation {host}"),
    Kind("Member added to a privileged group on {host}",
         "{user} was added to a domain-wide administrative group outside any recorded change.",
         ("critical",), ("DC-EAST01", "DC-WEST02"), "windows", "Microsoft-Windows-Security-Auditing", "security",
         4728, "security group changes", "A member was added to a security-enabled global group: {user}",
         img_class="fw-icon fw-icn-user-group"),
    Kind("Burst of file renames on {host}",
         "Thousands of files renamed to an unknown extension within minutes by {user}; looks like encryption.",
         ("critical",), ("\\\\FS-ENG01\\Projects", "\\\\NAS02\\Shared"), "windows",
         "Microsoft-Windows-Security-Auditing", "security", 4663, "file integrity",
         "An attempt was made to access an object: rename by {user}, {count} objects",
         img_class="fw-icon fw-icn-file", threshold=True),
    Kind("Audit log wiped on {host}",
         "The security log was cleared by {user}; whatever came before is gone from the host.",
         ("critical", "trouble"), ("DC-EAST01", "SQL-FIN02"), "windows", "Microsoft-Windows-Eventlog", "security",
         1102, "log tampering", "The audit log was cleared. Subject: {user}"),
    Kind("RC4 service tickets requested for many SPNs",
         "{user} requested RC4-encrypted Kerberos tickets for {count} service accounts in a short time.",
         ("trouble",), ("DC-WEST02",), "windows", "Microsoft-Windows-Security-Auditing", "security", 4769,
         "kerberos attacks", "A Kerberos service ticket was requested. Account {user}, encryption 0x17",
         threshold=True),
    Kind("Brute force over SSH against {host}",
         "{count} failed SSH password attempts from {ip}; the targeted accounts include root.",
         ("trouble", "attention"), ("jump-lnx01", "build-lnx04"), "linux", "sshd", "syslog", 0,
         "ssh logon failures", "Failed password for {user} from {ip} port 52144 ssh2", threshold=True,
         external=True),
    Kind("Unexpected service created on {host}",
         "A new auto-start service pointing into a user profile appeared on {host}.",
         ("critical", "trouble"), ("HR-LT-221", "ENG-WS-090"), "windows", "Service Control Manager", "system",
         7045, "persistence", "A service was installed in the system. Service file: C:\\Users\\{user}\\svc.exe",
         img_class="fw-icon fw-icn-service"),
    Kind("Directory replication requested from {host}",
         "A non-domain-controller host asked a DC for replication of secrets as {user}.",
         ("critical",), ("ENG-WS-090", "HR-LT-221"), "windows", "Microsoft-Windows-Security-Auditing", "security",
         4662, "credential access", "An operation was performed on an object: replication by {user}"),
    Kind("Sign-ins from two distant places for {user}",
         "{user} signed in through the VPN from two countries an hour apart.",
         ("attention", "trouble"), ("vpn-gw01",), "fortigate", "sslvpn", "event", 39424, "anomalous logons",
         "VPN tunnel up: user={user} remote={ip}", external=True),
    Kind("Injection patterns in requests to {host}",
         "Requests from {ip} carried SQL fragments in query strings; the application answered with errors.",
         ("trouble", "attention"), ("intranet-web", "portal-dmz"), "iis", "W3SVC", "application", 0,
         "web attacks", "GET /search.aspx?q=1%27%20OR%201=1-- 500 from {ip}", img_class="fw-icon fw-icn-web",
         external=True),
    Kind("Bulk copy to removable storage on {host}",
         "{user} copied {count} files to a USB drive shortly after resigning.",
         ("attention",), ("FIN-LT-033", "SALES-LT-12"), "windows", "Microsoft-Windows-Kernel-PnP", "security",
         6416, "removable storage", "A new external device was recognised; {count} files written by {user}",
         img_class="fw-icon fw-icn-usb", threshold=True),
    Kind("Connections to a listed threat address from {host}",
         "{host} opened outbound sessions to {ip}, which a threat feed lists as a command server.",
         ("trouble", "critical"), ("ENG-WS-090", "FIN-LT-033"), "fortigate", "traffic", "traffic", 13,
         "threat intelligence", "Allowed outbound session to {ip}:443 (threat feed match)",
         img_class="fw-icon fw-icn-network", external=True),
    Kind("Firewall rule changed out of hours on {host}",
         "{user} edited a firewall policy outside the change window.",
         ("attention",), ("edge-fw02",), "fortigate", "config", "event", 44547, "configuration changes",
         "Policy 41 edited by {user}: action accept, source all", img_class="fw-icon fw-icn-config"),
    Kind("SYN flood towards {host}",
         "{count} half-open connections a second from spoofed addresses; the anomaly sensor tripped.",
         ("attention", "trouble"), ("edge-fw02", "vpn-gw01"), "fortigate", "anomaly", "anomaly", 18432,
         "denial of service", "Anomaly tcp_syn_flood: {count} pps towards {host}", threshold=True, external=True),
)

ACCOUNTS = ("svc_backup", "a.hartmann", "b.nguyen", "administrator", "svc_sql", "t.moreau", "root", "k.yilmaz")
NOTES = (
    "Checked with the owner; not an approved change.",
    "Blocked the source at the edge for 24h.\nWatching for a return from the same range.",
    "Host isolated from the network pending reimage.",
    "False positive: scheduled maintenance from the patching team.",
    "Escalated to the on-call engineer.",
    "Password reset forced and sessions revoked.",
)


class Log360Generator:
    """Makes incidents in ``state`` from ``seed``."""

    def __init__(self, state: Log360State, seed: int | str) -> None:
        self.state = state
        self.rng = random.Random(str(seed))
        self._next_number: dict[str, int] = {}  # base name -> the number to try next, so a big backlog stays fast

    def populate(self, backlog: int, *, days: int = 14) -> list[int]:
        """``backlog`` incidents over the last ``days``, oldest first; older ones mostly closed."""
        now = self.state.now()
        times = sorted(now - self.rng.randint(60, days * 86400) for _ in range(backlog))
        return [self.new_incident(created=created).incident_id for created in times]

    def live_step(self) -> int:
        """One new incident, now."""
        return self.new_incident().incident_id

    def new_incident(self, *, created: int | None = None) -> Incident:
        rng, state = self.rng, self.state
        now = state.now()
        created = now if created is None else created
        kind = rng.choice(KINDS)
        fill = {
            "host": self._hostile_or(rng.choice(kind.hosts)),
            "user": self._hostile_or(rng.choice(ACCOUNTS)),
            "ip": self._address(kind.external),
            "count": rng.randint(12, 4000),
        }
        users = sorted(state.users)
        author = self._hostile_or(state.user_name(users[0]) or "admin") if users else "admin"
        age = now - created
        status = rng.choices(("open", "in_progress", "closed"),
                             weights=(1, 1, 6) if age > 3 * 86400 else (5, 3, 1))[0]
        severity = rng.choice(kind.severities)
        assignee = UNASSIGNED if status == "open" and rng.random() < 0.5 or not users else rng.choice(users)
        due = None if rng.random() < 0.15 else created + rng.choice((4, 8, 24, 48, 72)) * 3600
        with state.lock:
            incident = state.create(
                name=self._unique_name(kind.name.format(**fill)),
                description=self._hostile_or(kind.description.format(**fill)),
                severity=severity if severity in SEVERITIES else "attention",
                status=status, assignee=assignee, due_date=due, by=author, created=created,
                actors=[{"entity": [fill["host"]]}, {"suspect": [fill["ip"] if kind.external else fill["user"]]}],
                evidence=[self._evidence(kind, fill, author, created) for _ in range(rng.choice((1, 1, 1, 2, 3)))],
            )
            if status != "open" or rng.random() < 0.3:
                self._work_on(incident, created, now)
        return incident

    def _work_on(self, incident: Incident, created: int, now: int) -> None:
        """Notes by the assignee (or another analyst) after creation, as the history shows."""
        rng, state = self.rng, self.state
        worker = state.user_name(incident.assignee) or rng.choice(state.user_names() or ["admin"])
        when = min(now, created + rng.randint(120, 4 * 3600))
        for _ in range(rng.choice((0, 1, 1, 2))):
            state.update(incident.incident_id, worker, {}, notes=[self._hostile_or(rng.choice(NOTES))], at=when)
            when = min(now, when + rng.randint(60, 3600))

    def _evidence(self, kind: Kind, fill: dict[str, Any], added_by: str, attached: int) -> dict[str, Any]:
        rng = self.rng
        message = self._hostile_or(kind.message.format(**fill))
        happened = attached - rng.randint(30, 3600)
        return {
            "severity": rng.choice(("information", "information", "warning", "critical")),
            "eventid": kind.eventid,
            "incident_tab": "evidence",
            "formatted_message": message,
            "type_of_evidence": "LOG",
            "_zl_timestamp": timefmt.format_time(attached),
            "hosttype": kind.hosttype,
            "incident_added_by": added_by,
            "img_class": kind.img_class,
            "log_org_time": timefmt.format_time(happened),
            "source": kind.source,
            "message": message,
            "type": kind.log_type,
            "incident_uuid": f"{uuid.UUID(int=rng.getrandbits(128), version=4)}_objectidcustom_logs",
            "source_ip": fill["ip"],
            "hostname": fill["host"],
            "is_threshold_incident": kind.threshold,
            "log_obtained_from": rng.choice(("REPORT", "ALERT", "SEARCH")),
            "category": kind.category,
            "username": fill["user"],
            "incident_time": timefmt.format_time(attached),
        }

    def _address(self, external: bool) -> str:
        rng = self.rng
        if external:
            first = rng.choice((45, 89, 103, 185, 193, 203))
        else:
            first = 10
        return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"

    def _hostile_or(self, value: str) -> str:
        return self.rng.choice(HOSTILE_VALUES) if self.rng.random() < HOSTILE_SHARE else value

    def _unique_name(self, name: str) -> str:
        """Names are unique on this server: a repeated kind and host gets a number."""
        candidate, number = name, self._next_number.get(name, 2)
        while self.state.find_by_name(candidate) is not None:
            candidate, number = f"{name} ({number})", number + 1
        self._next_number[name] = number
        return candidate


def populate(state: Log360State, backlog: int, seed: int | str) -> list[int]:
    return Log360Generator(state, seed).populate(backlog)
