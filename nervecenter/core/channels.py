"""Channel kinds: how an alert reaches a channel URL. Plugins register them (`register_channels`).

    class ChannelKind:
        id = "file"                       # unique name, shown by `nervecenter plugins`
        schemes = ("file",)               # URL schemes it handles; ("*",) = any other URL
        def send(self, url, title, body, html) -> None   # raise DeliveryError on failure
        def privacy(self, url) -> str     # optional: a safe display form (default: mask_url)
        def resolve(self, url, base_dir) -> str           # optional: relative paths etc.
        def check(self, url) -> str | None                # optional: what is wrong with url

`Channels` picks the kind of a URL by its scheme (a `*` kind such as Apprise takes the rest).
Only `privacy()` forms of URLs are ever printed, logged or stored for display, and error texts
pass through `scrub()` so that no secret of the URL survives in them. The default privacy form
is the scheme and host alone (`mask_url`); a kind overrides it only when it knows a fuller form
is safe. `${NAME}` in a URL is taken from the environment when sending (`expand`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, unquote_plus, urlsplit

from nervecenter.core.errors import DeliveryError


class ChannelKind:
    """The interface of a channel plugin; subclass it or provide the same attributes."""

    id: str = ""
    schemes: tuple[str, ...] = ()

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        raise NotImplementedError

    def privacy(self, url: str) -> str:
        """The URL as it may be shown: by default the scheme and host alone."""
        return mask_url(url)

    def resolve(self, url: str, base_dir: Path) -> str:
        return url

    def check(self, url: str) -> str | None:
        return None


def mask_url(url: str) -> str:
    """`scheme://host/****`: the scheme and the host, everything else masked. A host that is not a
    domain name or an address (Apprise puts tokens there: `tgram://BOTTOKEN/...`) is masked too,
    and a URL that does not parse is never echoed."""
    scheme = scheme_of(url) or url.split(":", 1)[0]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,30}", scheme):
        return "****"
    if "://" not in url:
        return f"{scheme.lower()}:****"
    try:
        parts = urlsplit(url)  # as written: a ${NAME} is shown as its name, never its value
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return f"{scheme.lower()}://****"
    if ":" in host:
        host = f"[{host}]"  # IPv6
    elif not (host == "localhost" or re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", host)):
        return f"{scheme.lower()}://****"
    shown = f"{scheme.lower()}://{host}" + (f":{port}" if port else "")
    rest = url.split("://", 1)[1]
    return shown + "/****" if rest.rstrip("/") != (parts.netloc or "") else shown


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(url: str) -> str:
    """`url` with each `${NAME}` replaced by the environment variable NAME, so practice files
    can be committed without the secrets; DeliveryError naming an unset variable."""
    def value(m):
        if m.group(1) in os.environ:
            return os.environ[m.group(1)]
        raise DeliveryError(f"the channel URL takes ${{{m.group(1)}}} from the environment, but "
                            f"{m.group(1)} is not set; set it where nervecenter runs",
                            permanent=True)

    return _VARIABLE.sub(value, url)


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def scrub(text: str, url: str, masked: str) -> str:
    """`text` with every part of `url` (as written and percent-decoded) that its privacy form
    `masked` does not show replaced by ****."""
    parts = set()
    for form in (url, unquote(url), unquote_plus(url)):
        parts.update(p.lstrip("+-") for p in re.split(r"[/:@?&=#\s,;]+", form))
    for part in sorted(parts, key=len, reverse=True):
        if len(part) >= 3 and part not in masked:
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
            return self.kind_for(url).check(expand(url))
        except DeliveryError as e:
            return str(e)

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        """Deliver one message; DeliveryError with a secret-free reason when it fails."""
        kind = self.kind_for(url)
        masked = self.privacy(url)
        full = url
        try:
            full = expand(url)
            kind.send(kind.resolve(full, self.base_dir), title, body, html)
        except DeliveryError as e:
            raise DeliveryError(scrub(str(e), full, masked), e.permanent) from None
        except Exception as e:  # noqa: BLE001 - a plugin's bug is this delivery's failure
            raise DeliveryError(scrub(f"{kind.id} channel {masked}: {type(e).__name__}: {e}",
                                      full, masked)) from None


def load(base_dir: Path | None = None) -> Channels:
    """The channel kinds every plugin registered (nervecenter.core.plugins)."""
    from nervecenter.core.plugins import registry

    return Channels(registry().channels.values(), base_dir)
