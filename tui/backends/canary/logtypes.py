"""Canary logtype numbers and their names (spec section 8).

Thinkst publishes no single canonical table; this is compiled from the incident
objects page, the syslog event ids and canarytools-python.  Where sources
conflict (22001/22011, 17002/17004) both numbers are named.  Unknown logtypes
are shown by number, never an error.
"""

from __future__ import annotations

LOGTYPE_NAMES: dict[int, str] = {
    1004: 'Canary Disconnected',
    2000: 'FTP Login Attempt',
    3000: 'HTTP Page Load',
    3001: 'HTTP Login Attempt',
    3002: 'HTTP POST',
    3003: 'HTTP Error Page',
    3004: 'HTTP Service Scan',
    3005: 'HTTP API Request',
    3006: 'HTTP Post Request to an Error Page',
    4000: 'SSH New Connection',
    4001: 'SSH Remote Version Sent',
    4002: 'SSH Login Attempt',
    5000: 'Shared File Opened',
    5001: 'Host Port Scan (SYN)',
    5002: 'Host Port Scan (Net)',
    5003: 'Host Port Scan',
    5004: 'NMAP OS Scan Detected',
    5005: 'NMAP NULL Scan Detected',
    5006: 'NMAP XMAS Scan Detected',
    5007: 'Consolidated Network Port Scan',
    5008: 'NMAP FIN Scan Detected',
    5009: 'Host Port Scan (Runfinger)',
    5010: 'SMB Login',
    5011: 'Host Port Scan (Dialect)',
    5012: 'Host Port Scan (LANMAN)',
    5013: 'SMB Group Enumeration',
    5014: 'SMB Share Connect',
    5015: 'SMB Registry',
    6001: 'Telnet Login Attempt',
    7001: 'HTTP Proxy Request',
    8001: 'MySQL Login Attempt',
    9001: 'MSSQL Login Attempt',
    9002: 'MSSQL Login Attempt (Windows)',
    10001: 'TFTP Request',
    11001: 'NTP Monlist Request',
    12001: 'VNC Login Attempt',
    13001: 'SNMP Request',
    14001: 'RDP New Connection',
    14002: 'RDP Failed Connection',
    14003: 'RDP Confirmed Connection',
    14004: 'RDP Login Attempt',
    15001: 'SIP Request',
    16000: 'DNS Canarytoken',
    16006: 'Windows Folder Token',
    16008: 'Acrobat Reader PDF Token',
    16009: 'MS Word Macro Token',
    16010: 'MS Excel Macro Token',
    16011: 'Sensitive Command Token',
    16012: 'AD Login Token',
    17000: 'HTTP Canarytoken',
    17001: 'Remote Image Token',
    17002: 'MS Word Token',
    17003: 'Cloned Website Token',
    17004: 'MS Word Token',
    17005: 'AWS S3 Token',
    17006: 'Google Docs Token',
    17007: 'Google Sheets Token',
    17008: 'Signed EXE Token',
    17009: 'QR Code Token',
    17010: 'SVN Token',
    17011: 'SQL Server Token',
    17012: 'AWS API Key Token',
    17016: 'Fast Redirect Token',
    17017: 'Slow Redirect Token',
    17019: 'Office 365 Mail Token',
    17020: 'Slack API Token',
    17021: 'Gmail Token',
    17022: 'WireGuard Token',
    17023: 'MS Excel Token',
    17024: 'Azure ID Token',
    17025: 'Cloned CSS Token',
    17026: 'Azure Entra Login Token',
    17027: 'Credit Card Token',
    17028: 'PWA Token',
    17029: 'MySQL Dump Token',
    18001: 'ModBus Query Function',
    18002: 'ModBus Read Function',
    18003: 'ModBus Write Function',
    19001: 'Git Repository Clone Attempt',
    20001: 'Custom TCP Service Request',
    20002: 'Custom TCP Banner Reply',
    20003: 'Custom TCP Keep-alive',
    20004: 'Custom TCP Keep-alive Secret',
    20005: 'Custom TCP Keep-alive Data',
    20006: 'Custom TCP Connection Refused',
    21001: 'Redis Command',
    22001: 'Network Settings Roll-back',
    22011: 'Network Settings Roll-back',
    23001: 'Console Settings Changed',
    23002: 'Canary Settings Changed',
    23003: 'Flock Settings Changed',
    28001: 'Mongo Authentication Attempt',
    28002: 'Mongo Auth Command',
    29001: 'WinRM Login Attempt',
    30001: 'Local Tampering Detected',
    31001: 'LDAP Bind Attempt Detected',
    32001: 'TN3270 Login Attempt',
    111111: 'Dummy Incident',
}


def logtype_name(logtype: int | None) -> str:
    if logtype is None:
        return "Unknown"
    return LOGTYPE_NAMES.get(logtype, f"Logtype {logtype}")


def logtype_by_name(text: str) -> set[int]:
    """Logtypes whose name contains ``text`` (case-insensitive), or the number itself."""
    needle = text.strip().lower()
    if needle.isdigit():
        return {int(needle)}
    return {code for code, name in LOGTYPE_NAMES.items() if needle and needle in name.lower()}
