"""Feed URLs that may carry secrets: what to hide when a URL is shown, and what a registry may not write.

A secret is a value read from the environment into the user-info or the query of a URL; any
`user:password@` is hidden too. The host and path are shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

MASK = "***"

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

# Query parameters that carry credentials by their name.
CREDENTIAL_PARAMETERS = frozenset({
    "key", "apikey", "api_key", "api-key", "token", "access_token", "auth", "authorization", "secret",
    "client_secret", "password", "passwd", "pwd", "sig", "signature", "subscription-key", "app_key", "appkey",
})


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """`url` with its password, any user-info holding a secret, and every query value holding a
    secret (or named like a credential) replaced by ***."""
    hidden = [secret for secret in secrets if secret]
    try:
        parts = urlsplit(url)
    except ValueError:
        return _mask_text(url, hidden)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, has_password, password = userinfo.partition(":")
        if any(secret in user for secret in hidden):
            user = MASK
        if has_password and not ENV_REFERENCE.fullmatch(password):
            password = MASK
        netloc = f"{user}:{password}@{host}" if has_password else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_is_secret(name, value, hidden) for name, value in pairs):
            query = "&".join(
                f"{quote(name, safe='')}={MASK if _is_secret(name, value, hidden) else quote(value, safe='')}"
                for name, value in pairs
            )
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _mask_text(shown, hidden)


def _is_secret(name: str, value: str, hidden: list[str]) -> bool:
    if not value or ENV_REFERENCE.fullmatch(value):
        return False  # a template's ${VAR} shows no secret
    return name.lower() in CREDENTIAL_PARAMETERS or any(secret in value for secret in hidden)


def _mask_text(text: str, hidden: list[str]) -> str:
    for secret in sorted(hidden, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def literal_credentials(template: str) -> str | None:
    """Why a registry URL (before `${VAR}` expansion) holds a credential in clear, or None."""
    try:
        parts = urlsplit(template)
    except ValueError:
        return None
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        _user, has_password, password = userinfo.partition(":")
        if has_password and password and not ENV_REFERENCE.fullmatch(password):
            return "a password in the URL's user-info"
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in CREDENTIAL_PARAMETERS and value and not ENV_REFERENCE.fullmatch(value):
            return f"the query parameter {name!r}"
    return None


def secrets_in(template: str, env: dict[str, str]) -> tuple[str, ...]:
    """The environment values a template puts into its user-info or query (its secrets)."""
    try:
        parts = urlsplit(template)
    except ValueError:
        return ()
    userinfo = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else ""
    names = [match.group(1) for match in ENV_REFERENCE.finditer(userinfo + "?" + parts.query)]
    return tuple(dict.fromkeys(env[name] for name in names if env.get(name)))
