"""Channel kinds: how an alert reaches a channel URL. Plugins register them (`register_channels`).

    class ChannelKind:
        id = "file"                       # unique name, shown by `nervecenter plugins`
        schemes = ("file",)               # URL schemes it handles; ("*",) = any other URL
        def send(self, url, title, body, html) -> None   # raise DeliveryError on failure
        def privacy(self, url) -> str     # the URL with its secrets masked, for display
        def resolve(self, url, base_dir) -> str           # optional: relative paths etc.
        def check(self, url) -> str | None                # optional: what is wrong with url

`Channels` picks the kind of a URL by its scheme (a `*` kind such as Apprise takes the rest).
Only `privacy()` forms of URLs are ever printed, logged or stored for display, and error texts
pass through `scrub()` so that no secret of the URL survives in them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from nervecenter.core.errors import DeliveryError


class ChannelKind:
    """The interface of a channel plugin; subclass it or provide the same attributes."""

    id: str = ""
    schemes: tuple[str, ...] = ()

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        raise NotImplementedError

    def privacy(self, url: str) -> str:
        """The URL as it may be shown: by default its password and query values masked."""
        return mask_url(url)

    def resolve(self, url: str, base_dir: Path) -> str:
        return url

    def check(self, url: str) -> str | None:
        return None


def mask_url(url: str) -> str:
    """`scheme://user:****@host/path?key=****`: what a channel without a privacy form shows."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = (user.split(":", 1)[0] + ":****" if ":" in user else "****") + "@" + host
    query = "&".join(f"{k}=****" for k, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def scrub(text: str, url: str, masked: str) -> str:
    """`text` with every part of `url` that its privacy form `masked` hides replaced by ****."""
    shown = set(re.split(r"[/:@?&=#%]+", masked))
    for part in sorted(set(re.split(r"[/:@?&=#]+", url)), key=len, reverse=True):
        if len(part) >= 3 and part not in shown and part not in masked:
            text = text.replace(part, "****")
    return text


class Channels:
    """The registered channel kinds, chosen per URL; relative paths resolved from `base_dir`."""

    def __init__(self, kinds: Iterable, base_dir: Path | None = None):
        self.kinds = list(kinds)
        self.base_dir = Path(base_dir or ".")
        self._by_scheme = {}
        self._fallback = None
        for kind in self.kinds:
            for s in kind.schemes:
                if s == "*":
                    self._fallback = self._fallback or kind
                else:
                    self._by_scheme.setdefault(s.lower(), kind)

    def kind_for(self, url: str):
        kind = self._by_scheme.get(scheme_of(url)) or self._fallback
        if kind is None:
            raise DeliveryError(f"no channel kind handles {scheme_of(url) or 'this'}:// URLs; "
                                "install a channel plugin or use an Apprise URL", permanent=True)
        return kind

    def privacy(self, url: str) -> str:
        try:
            return self.kind_for(url).privacy(url)
        except Exception:  # noqa: BLE001 - never let a display form leak the raw URL
            return f"{scheme_of(url) or '?'}://****"

    def check(self, url: str) -> str | None:
        try:
            return self.kind_for(url).check(url)
        except DeliveryError as e:
            return str(e)

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        """Deliver one message; DeliveryError with a secret-free reason when it fails."""
        kind = self.kind_for(url)
        masked = self.privacy(url)
        try:
            kind.send(kind.resolve(url, self.base_dir), title, body, html)
        except DeliveryError as e:
            raise DeliveryError(scrub(str(e), url, masked), e.permanent) from None
        except Exception as e:  # noqa: BLE001 - a plugin's bug is this delivery's failure
            raise DeliveryError(scrub(f"{kind.id} channel {masked}: {type(e).__name__}: {e}",
                                      url, masked)) from None


def load(base_dir: Path | None = None) -> Channels:
    """The channel kinds every plugin registered (nervecenter.core.plugins)."""
    from nervecenter.core.plugins import registry

    return Channels(registry().channels.values(), base_dir)
