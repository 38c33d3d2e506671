"""Every URL verrijk fetches goes through here (media, OAI-PMH, LDES and IIIF harvesting): http and https only;
a host refused when any address it resolves to is private, loopback, link-local, reserved or multicast, unless
the deployment allows that host by name, and again when the socket it connects to has such an address (a DNS
answer that changed after the check: DNS rebinding), before a byte is sent; at most MAX_REDIRECTS redirects, each
hop checked again; a timeout per request and a cap on the body (counted after decompression, so a gzip bomb stops
at the cap too). Connections are made directly: HTTP(S)_PROXY is not used (a proxy would hide the address).

Failures are FetchError (a BadInput; 403 for a refused host) or FetchTooLarge (413), saying which URL and why.
An answer with an error status is returned, not raised: each caller has its own rules (an OAI-PMH 503 is retried).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore  # the network backend that checks the socket connected: httpx takes it through its pool
import httpx

from verrijk.errors import BadInput, TooLarge

MAX_REDIRECTS = 3


class FetchError(BadInput):
    """A URL that cannot be fetched; the message names it and says why."""


class FetchTooLarge(FetchError, TooLarge):
    status = 413


@dataclass(frozen=True)
class Policy:
    """What one kind of fetching may do: the hosts allowed even on private addresses (and the setting that lists
    them, named in the refusal), the timeout per request and the largest body."""

    allowed_hosts: frozenset[str]
    setting: str
    timeout_s: float
    max_bytes: int
    headers: dict[str, str] = field(default_factory=lambda: {"User-Agent": "verrijk"})


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes


def check_host(url: str, policy: Policy) -> None:
    """Refuse a URL whose host is, or resolves to, an address outside the public internet (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https are read")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: no host")
    if host in policy.allowed_hosts:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"{url}: host {host!r} cannot be resolved ({exc.strerror})") from None
    except ValueError as exc:  # a port out of range
        raise FetchError(f"{url}: {exc}") from None
    for info in infos:
        address = info[4][0]
        if not _public(address):
            raise FetchError(
                f"{url}: host {host!r} resolves to {address}, a private, loopback or link-local address; "
                f"such hosts are read only when listed in {policy.setting}",
                status=403,
            )


def _public(address: str) -> bool:
    """Whether an IP address (a scope suffix and an IPv4 address mapped into IPv6 included) is on the internet."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _CheckedBackend(httpcore.NetworkBackend):
    """Connects as httpcore does, then refuses the connection when the socket's peer is not public (unless the host
    is allowed by name): what the host resolved to at connect time, whatever it resolved to when checked."""

    def __init__(self, policy: Policy):
        self.policy, self.inner = policy, httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        if host not in self.policy.allowed_hosts:
            address = stream.get_extra_info("server_addr")[0]
            if not _public(address):
                stream.close()
                raise FetchError(
                    f"{host}:{port}: connected to {address}, a private, loopback or link-local address, though the "
                    f"host resolved to a public one when checked (DNS rebinding?); such hosts are read only when "
                    f"listed in {self.policy.setting}",
                    status=403,
                )
        return stream

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise FetchError(f"{path}: only http and https are read")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's transport (its request and error mapping) over a connection pool whose connections are checked."""

    def __init__(self, policy: Policy):
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_CheckedBackend(policy)
        )


def get(url: str, policy: Policy, params: dict[str, str] | None = None) -> Fetched:
    """GET a URL within the policy, following at most MAX_REDIRECTS redirects (each checked again)."""
    with httpx.Client(
        timeout=policy.timeout_s, follow_redirects=False, headers=policy.headers, transport=_CheckedTransport(policy)
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_host(url, policy)
            try:
                with client.stream("GET", url, params=params) as response:
                    if response.is_redirect:
                        url, params = urljoin(str(response.url), response.headers.get("location", "")), None
                        continue
                    return Fetched(str(response.url), response.status_code, response.headers, _body(response, policy))
            except httpx.TimeoutException:
                raise FetchError(f"{url}: no answer within {policy.timeout_s} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {exc}") from None
    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _body(response: httpx.Response, policy: Policy) -> bytes:
    cap = policy.max_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FetchTooLarge(f"{response.url}: {declared} bytes, more than the limit of {cap}")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise FetchTooLarge(f"{response.url}: more than the limit of {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
