"""The login a run uses for a broker: the user name and password of the AsyncAPI security
scheme the operation (or its server) asks for, from the run's credentials.

Credentials have the HTTP ones' shape and sources (``ARAZZO_<SOURCE>_<SCHEME>_USERNAME`` /
``_PASSWORD``, ``credentials={"events": {"brokerLogin": {"username": ..., "password": ...}}}``,
docs/credentials.md); a credential pinned to hosts (``..._HOSTS``) is used only for a broker
on one of them.  (A broker whose servers declare no security takes the login of the
``--server`` URL, if any: see :meth:`~.message_step.MessageStep.broker_server`.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..credentials import BROKER_LOGINS, host_matches, parse_hosts

__all__ = ["broker_login"]


def broker_login(credentials: Any, source: str, security: Any, url: str) -> tuple[str | None, str | None]:
    """(user name, password) for the broker at ``url`` of ``source``, or (None, None).

    ``credentials`` is an Authenticator (its ``credentials``) or the mapping itself;
    ``security`` the alternatives of requirements (AsyncAPI ``security``), any one of which
    suffices: the first alternative whose login schemes all have credentials wins.
    """
    given = getattr(credentials, "credentials", credentials)
    schemes: Mapping[str, Any] = given.get(source, {}) if isinstance(given, Mapping) else {}
    if not schemes:
        return None, None
    host = (urlsplit(url).hostname or "").lower()

    def usable(name: str | None) -> Mapping[str, Any] | None:
        entry = schemes.get(name) if name is not None else None
        if not isinstance(entry, Mapping) or "username" not in entry:
            return None
        hosts = entry.get("hosts")
        if hosts and not host_matches(host, parse_hosts(hosts)):
            return None
        return entry

    for alternative in security or ():
        logins = [r for r in alternative if r.type in BROKER_LOGINS or r.type == "http"]
        if not logins:
            continue
        entry = usable(logins[0].scheme_name)
        if entry is not None:
            return str(entry["username"]), _text(entry.get("password"))
    return None, None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
