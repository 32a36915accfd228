"""Seeded, realistic incidents for the emulated console.

A fixed fleet (birds in several flocks, a few Canarytokens) and incidents across
the common services, shaped like the documentation's examples: brute forces
with many events, port scans, token hits, a few noisy sources that keep coming
back.  A small share of the attacker-typed values (usernames, passwords, user
agents, file names) are hostile on purpose (markup, escape sequences, bidi
overrides, very long text) so that the UI's defences get exercised.

Everything random comes from one ``random.Random(seed)`` and times from the
state's clock, so a seed and a clock give the same console every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Callable

from . import timefmt
from .state import DEFAULT_FLOCK_ID, DEFAULT_FLOCK_NAME, Canarytoken, ConsoleState, Device, md5_hex

Event = dict[str, Any]

FLOCKS = {
    DEFAULT_FLOCK_ID: DEFAULT_FLOCK_NAME,
    f"flock:{md5_hex('DMZ')}": "DMZ",
    f"flock:{md5_hex('Finance')}": "Finance",
    f"flock:{md5_hex('OT Network')}": "OT Network",
}
_FLOCK_BY_NAME = {name: flock_id for flock_id, name in FLOCKS.items()}


@dataclass(frozen=True)
class Bird:
    name: str
    flock: str
    ip_address: str
    ippers: str
    personality: str
    location: str
    services: tuple[int, ...]  # the logtypes this bird's services raise
    live: bool = True
    version: str = "4.1.0"

    @property
    def node_id(self) -> str:
        return md5_hex(f"bird:{self.name}")[:16]

    @property
    def mac_address(self) -> str:
        tail = md5_hex(f"mac:{self.name}")[:6]
        return "00:0c:29:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


BIRDS = (
    Bird("fs-nyc-01", "Default Flock", "10.20.1.15", "windows", "windows-fileshare", "NYC server room",
         (5000, 14001, 5003, 5007)),
    Bird("jump-ssh-02", "Default Flock", "10.20.1.40", "linux", "linux-ssh", "NYC server room",
         (4002, 6001, 13001, 5003)),
    Bird("nas-backup-01", "Default Flock", "10.20.3.8", "linux", "synology-nas", "Backup closet",
         (2000, 10001, 3001, 5000), live=False, version="3.9.2"),
    Bird("web-dmz-01", "DMZ", "172.16.10.21", "linux", "linux-webserver", "DMZ rack 2",
         (3000, 3001, 4002, 2000, 5007)),
    Bird("mail-dmz-02", "DMZ", "172.16.10.35", "linux", "linux-webserver", "DMZ rack 2",
         (3000, 3001, 6001, 4002)),
    Bird("sql-fin-01", "Finance", "10.40.2.30", "windows", "windows-sql", "Finance floor 3",
         (9001, 8001, 14001, 5003)),
    Bird("web-fin-02", "Finance", "10.40.2.45", "linux", "linux-db", "Finance floor 3",
         (3000, 3001, 8001, 4002)),
    Bird("plc-ot-01", "OT Network", "10.60.0.12", "linux", "scada-plc", "Plant 1 control room",
         (18001, 13001, 6001, 10001), version="3.9.2"),
)


@dataclass(frozen=True)
class Token:
    kind: str  # the "type" its events carry
    logtype: int
    memo: str
    flock: str = "Default Flock"

    @property
    def node_id(self) -> str:
        return md5_hex(f"token:{self.memo}")[:25]


TOKENS = (
    Token("aws-id", 17012, "AWS keys in ~/.aws/credentials on build-07"),
    Token("dns", 16000, "DNS token in the payroll export's comments", "Finance"),
    Token("http", 17000, "Web bug in the HR onboarding email"),
    Token("web-image", 17001, "Remote image on the intranet wiki's admin page"),
    Token("aws-s3", 17005, "S3 bucket finance-archive-2019", "Finance"),
    Token("doc-msword", 17004, r"Salary review 2024.docx on \\fs-nyc-01\HR"),
)

# Sources that keep coming back: (ip, reverse DNS).
NOISY_SOURCES = (
    ("10.20.7.113", "ws-0113.corp.example.com"),
    ("185.220.101.34", "tor-exit-34.relay.example.net"),
    ("45.155.205.233", ""),
    ("10.40.9.77", "fin-laptop-77.corp.example.com"),
)
_PUBLIC_FIRST_OCTETS = (5, 23, 31, 45, 62, 77, 89, 91, 103, 141, 159, 176, 185, 193, 194, 212)
_TOKEN_HIT_HOST = "52.18.63.80"  # where token hits land: the Canarytokens server

USERNAMES = ("root", "admin", "administrator", "user", "test", "oracle", "postgres", "ubuntu", "pi", "sa",
             "backup", "guest", "support", "j.smith", "svc_backup", "ftpuser")
PASSWORDS = ("123456", "password", "admin", "root", "toor", "qwerty", "letmein", "P@ssw0rd", "Winter2024!",
             "changeme", "12345678", "welcome1", "default", "raspberry", "Summer2023")
HOSTILE_VALUES = (
    "[bold red]root[/bold red]",
    "admin\x1b[2J\x1b[H",
    "\u202egpj.exe",
    "root\r\nOct 12 10:00:00 sshd[1]: Accepted password for root",
    "'; DROP TABLE incidents;--",
    "A" * 300,
    "\x07\x08\x7f",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 zgrab/0.x",
    "Nmap Scripting Engine",
    "Microsoft Office Word 2014",
)
SSH_CLIENTS = ("SSH-2.0-OpenSSH_7.9", "SSH-2.0-libssh2_1.10.0", "SSH-2.0-Go", "SSH-2.0-PuTTY_Release_0.80")
_LOGIN_LOGTYPES = frozenset({2000, 3001, 4002, 6001, 8001, 9001, 14001})


class IncidentGenerator:
    """Makes incidents in ``state`` from ``seed``; see ``populate`` and ``live_step``."""

    def __init__(self, state: ConsoleState, seed: int | str) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self._builders: dict[int, tuple[str, int, Callable[[], Event]]] = {
            # logtype: (title, destination port, one event's fields)
            2000: ("FTP Login Attempt", 21, self._login),
            3000: ("HTTP Page Load", 80, self._page_load),
            3001: ("HTTP Login Attempt", 80, self._http_login),
            4002: ("SSH Login Attempt", 22, self._ssh_login),
            5000: ("Shared File Opened", 445, self._file_open),
            5003: ("Host Port Scan", 0, self._port_list),
            5007: ("Consolidated Network Port Scan", 0, self._port_map),
            6001: ("Telnet Login Attempt", 23, self._telnet_login),
            8001: ("MySQL Login Attempt", 3306, self._mysql_login),
            9001: ("MSSQL Login Attempt", 1433, self._mssql_login),
            10001: ("TFTP Request", 69, self._tftp_request),
            13001: ("SNMP Request", 161, self._snmp_request),
            14001: ("RDP Login Attempt", 3389, self._rdp_login),
            18001: ("ModBus Request", 502, self._modbus_request),
        }

    # -- public ---------------------------------------------------------------

    def ensure_fleet(self) -> None:
        """Add the flocks, birds and tokens the incidents come from (once)."""
        now = self.state.now()
        for flock_id, name in FLOCKS.items():
            self.state.add_flock(flock_id, name)
        for index, bird in enumerate(BIRDS):
            if bird.node_id in self.state.devices:
                continue
            first_seen = now - (400 - 30 * index) * 86400
            self.state.add_device(Device(
                node_id=bird.node_id, name=bird.name, flock_id=_FLOCK_BY_NAME[bird.flock],
                location=bird.location, ip_address=bird.ip_address, mac_address=bird.mac_address,
                ippers=bird.ippers, personality=bird.personality, version=bird.version, live=bird.live,
                first_seen=first_seen, last_seen=now - 3 * 86400 - 1234 * index, booted=now - (9 + index) * 86400,
                reconnect_count=index % 3, service_count=len(bird.services) + 4, services=bird.services,
            ))
        for token in TOKENS:
            if token.node_id not in self.state.tokens:
                self.state.add_token(Canarytoken(token.node_id, token.kind, token.memo, _FLOCK_BY_NAME[token.flock]))

    def populate(self, backlog: int, *, days: int = 14) -> list[str]:
        """``backlog`` incidents created over the last ``days``, oldest first; older ones mostly acknowledged."""
        self.ensure_fleet()
        now = self.state.now()
        times = sorted(now - self.rng.randint(60, days * 86400) for _ in range(backlog))
        keys = []
        for created in times:
            acknowledged = self.rng.random() < (0.7 if now - created > 2 * 86400 else 0.15)
            keys.append(self.new_incident(created=created, acknowledged=acknowledged))
        return keys

    def live_step(self) -> str:
        """What happens next on a live console: usually a new incident, sometimes a brute force goes on."""
        recent = self.state.records()[-40:]
        ongoing = [r for r in recent if not r.acknowledged and r.logtype in _LOGIN_LOGTYPES]
        if ongoing and self.rng.random() < 0.25:
            record = self.rng.choice(ongoing)
            self.state.add_event(record.key, self._builders[record.logtype][2]())
            return record.key
        return self.new_incident()

    def new_incident(self, *, created: int | None = None, acknowledged: bool = False) -> str:
        """One incident at ``created`` (default now) from a random bird's service or a token."""
        self.ensure_fleet()
        when = self.state.now() if created is None else created
        if self.rng.random() < 0.18:
            return self._token_incident(self.rng.choice(TOKENS), when, acknowledged)
        bird = self.rng.choice(BIRDS)
        logtype = self.rng.choice(bird.services)
        title, port, build_event = self._builders[logtype]
        src_host, reverse = self._source(external=bird.flock == "DMZ")
        brute_force = logtype in _LOGIN_LOGTYPES and self.rng.random() < 0.3
        count = self.rng.randint(8, 120) if brute_force else self.rng.choice((1, 1, 1, 2, 3))
        gaps = [self.rng.randint(1, 9) for _ in range(count - 1)]
        start = min(when, self.state.now() - sum(gaps))  # no event from the future
        events = []
        for stamp in accumulate([start, *gaps]):
            event = build_event()
            if logtype != 5007:  # consolidated scans carry ports, not times
                event["timestamp"] = stamp
            events.append(event)
        return self.state.add_incident(
            logtype=logtype, node_id=bird.node_id, created=start, description=title, dst_port=port,
            src_host=src_host, src_host_reverse=reverse, src_port=self.rng.randint(1024, 65535), events=events,
            acknowledged=acknowledged, notified=self.rng.random() < 0.4,
            local_time=timefmt.wall_clock(start - self.rng.randint(0, 12)),  # the bird's clock drifts
        )

    # -- sources and values ---------------------------------------------------

    def _source(self, *, external: bool) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.35:
            return rng.choice(NOISY_SOURCES)
        if external or rng.random() < 0.4:
            address = f"{rng.choice(_PUBLIC_FIRST_OCTETS)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            return address, ""
        last = rng.randint(2, 254)
        address = f"10.{rng.choice((20, 30, 40))}.{rng.randint(0, 15)}.{last}"
        return address, f"ws-{last:04d}.corp.example.com" if rng.random() < 0.6 else ""

    def _attacker_text(self, choices: tuple[str, ...]) -> str:
        """A value the attacker typed: now and then a hostile one."""
        return self.rng.choice(HOSTILE_VALUES if self.rng.random() < 0.04 else choices)

    def _credentials(self) -> Event:
        return {"USERNAME": self._attacker_text(USERNAMES), "PASSWORD": self._attacker_text(PASSWORDS)}

    # -- events, per service ----------------------------------------------------

    def _login(self) -> Event:
        return self._credentials()

    def _ssh_login(self) -> Event:
        return {"LOCALVERSION": "SSH-2.0-OpenSSH_5.1p1 Debian-4", "REMOTEVERSION": self.rng.choice(SSH_CLIENTS),
                **self._credentials()}

    def _telnet_login(self) -> Event:
        size = f"{self.rng.choice((80, 91, 103, 120))}x{self.rng.choice((24, 43, 44))}"
        return {**self._credentials(), "TERMSIZE": size, "TERMTYPE": self.rng.choice(("XTERM-256COLOR", "VT100"))}

    def _page_load(self) -> Event:
        path = self.rng.choice(("/", "/index.html", "/admin/", "/wp-login.php", "/.env", "/cgi-bin/luci"))
        return {"CHANNEL": "", "HOSTNAME": self.rng.choice(("intranet", "10.20.1.15", "files.corp.example.com")),
                "METHOD": "GET", "PATH": path, "RESPONSE": 200, "SKIN": "nasLogin",
                "USERAGENT": self._attacker_text(USER_AGENTS)}

    def _http_login(self) -> Event:
        return {**self._page_load(), "METHOD": "POST", "PATH": "/index.html", **self._credentials()}

    def _mysql_login(self) -> Event:
        salt = "".join(self.rng.choice("abcdefghijkmnpqrstuvwxyz0123456789%*?_") for _ in range(20))
        return {"CLIENT_HASH": None, **self._credentials(), "SALT": salt}

    def _mssql_login(self) -> Event:
        return {"APPNAME": self.rng.choice(("SSMS", "sqlcmd", "Microsoft JDBC Driver")),
                "HOSTNAME": self.rng.choice(("WS-0113", "KALI", "FIN-LAPTOP-77")), **self._credentials()}

    def _rdp_login(self) -> Event:
        return {"DOMAIN": self.rng.choice(("CORP", "WORKGROUP", "")), "HOSTNAME": self.rng.choice(("WS-0113", "KALI")),
                "USERNAME": self._attacker_text(USERNAMES)}

    def _file_open(self) -> Event:
        name = self._attacker_text(("Q3 forecast.xlsx", "passwords.txt", "VPN setup.pdf", "payroll_2024.csv"))
        return {"AUDITACTION": "pread", "DOMAIN": "CORP", "FILENAME": name, "SHARENAME": "Finance",
                "SMBVER": "2", "USER": self._attacker_text(USERNAMES)}

    def _tftp_request(self) -> Event:
        return {"FILENAME": self.rng.choice(("/etc/passwd", "running-config", "startup-config", "boot.ini")),
                "MODE": "netascii", "OPCODE": "READ"}

    def _snmp_request(self) -> Event:
        return {"COMMUNITY_STRING": self.rng.choice(("public", "private", "cisco")),
                "REQUESTS": "1.3.6.1.2.1.1.1.0"}

    def _modbus_request(self) -> Event:
        code, name = self.rng.choice(((17, "Report Slave ID"), (43, "Read Device Identification"),
                                      (3, "Read Holding Registers")))
        return {"FUNC_CODE": code, "FUNC_NAME": name, "UNIT_ID": self.rng.randint(0, 3)}

    def _port_list(self) -> Event:
        ports = sorted(self.rng.sample((21, 22, 23, 80, 135, 139, 443, 445, 1433, 3306, 3389, 8080), 4))
        return {"ports": ",".join(map(str, ports))}

    def _port_map(self) -> Event:
        """Consolidated scans: each port probed maps to the Canaries that saw it."""
        seen_by = [bird.ip_address for bird in self.rng.sample(BIRDS, 3)]
        return {str(port): sorted(self.rng.sample(seen_by, self.rng.randint(1, 3)))
                for port in self.rng.sample((22, 80, 443, 445, 3389), 3)}

    # -- Canarytokens -----------------------------------------------------------

    def _token_incident(self, token: Token, when: int, acknowledged: bool) -> str:
        src_host = self._source(external=True)[0]
        event: Event = {
            "canarytoken": token.node_id,
            "dst_port": 53 if token.kind == "dns" else 80,
            "event_name": "",
            "geoip": {"country": self.rng.choice(("US", "NL", "DE", "RU", "ZA")), "org": "Example ISP"},
            "src_host": src_host,
            "timestamp": when,
            "type": token.kind,
        }
        if token.kind != "dns":
            agent = self._attacker_text(USER_AGENTS)
            event["headers"] = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "close",
                                "User-Agent": agent}
            event["useragent"] = agent
        return self.state.add_incident(
            logtype=token.logtype, node_id=token.node_id, created=when, src_host=src_host,
            dst_host=_TOKEN_HIT_HOST, dst_port=event["dst_port"], events=[event], acknowledged=acknowledged,
        )


def populate(state: ConsoleState, backlog: int, seed: int) -> list[str]:
    """Fill ``state`` with the fleet and ``backlog`` incidents from ``seed``; returns their keys."""
    return IncidentGenerator(state, seed).populate(backlog)
