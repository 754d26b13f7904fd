"""The `apprise` channel kind: every URL Apprise knows."""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from typing import ClassVar

from nervecenter import ChannelKind, DeliveryError, mask_url, scrub


class AppriseChannel(ChannelKind):
    """Any URL Apprise knows (mailto://, json://, slack://, SMS services...).

    One Apprise object per send, so each channel has its own result. The service a URL names
    (Apprise parsing the URL and loading its plugin: more CPU than a local webhook's POST) is
    built once and kept for the URL's next messages, each used by one thread at a time.
    Apprise's own retries are off: the outbox decides when to try again. Email gets the HTML
    body (with its text part).
    Shown as scheme and host only (the default): Apprise's own privacy form keeps header values,
    path tokens and whole URLs it cannot parse.
    """

    id = "apprise"
    schemes = ("*",)

    @functools.cached_property
    def asset(self):
        # Imported on first use: Apprise takes longer to import than `nervecenter --help` may.
        import apprise

        return apprise.AppriseAsset(async_mode=False, default_service_retry=0)

    _idle: ClassVar[dict[str, list]] = {}  # URL -> services built for it and not in use now
    _lock = threading.Lock()

    @contextlib.contextmanager
    def _service(self, url: str):
        """The service of `url` (None when Apprise knows no such URL), this thread's alone
        until the block ends."""
        with self._lock:
            kept = self._idle.get(url)
            service = kept.pop() if kept else None
        if service is None:
            import apprise

            with _scrubbed_logs(url):
                service = apprise.Apprise.instantiate(url, asset=self.asset)
        try:
            yield service
        finally:
            with self._lock:
                if service is not None and (url in self._idle or len(self._idle) < _KEPT):
                    self._idle.setdefault(url, []).append(service)

    def check(self, url: str) -> str | None:
        with self._service(url) as service:
            if service is None:
                return (f"not a URL Apprise can send to ({mask_url(url)}); see "
                        "https://github.com/caronc/apprise/wiki for the URL of each service")
        return None

    def max_length(self, url: str) -> int | None:
        """The limit Apprise knows for this service (Slack 35,000 characters, Discord 2,000, an
        SMS service 160: one segment), when the service declares one; not Apprise's general
        32,768, which no service is known to need (email, JSON webhooks). Where Apprise puts
        the title into the body (SMS), the title's room (a subject: at most 78 characters and
        a line break) comes off."""
        with self._service(url) as service:
            declared = next((cls for cls in type(service).__mro__ if "body_maxlen" in vars(cls)),
                            None)
            if service is None or declared is None or declared.__name__ == "NotifyBase":
                return None
            room = service.body_maxlen - (_TITLE_ROOM if service.title_maxlen <= 0 else 0)
        return max(room, 1)

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        import apprise

        with self._service(url) as service:
            if service is None:
                raise DeliveryError(self.check(url), permanent=True)
            formats = service.notify_format
            first = formats[0] if isinstance(formats, tuple) else formats
            wants_html = html is not None and first == apprise.NotifyFormat.HTML
            a = apprise.Apprise(asset=self.asset)
            a.add(service)
            with _scrubbed_logs(url):
                result = a.notify(body=html if wants_html else body, title=title,
                                  body_format=apprise.NotifyFormat.HTML if wants_html
                                  else apprise.NotifyFormat.TEXT)
        if not result:
            reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
            detail = "; ".join(dict.fromkeys(reasons)) or "the service did not accept it"
            raise DeliveryError(f"{service.service_name} to {mask_url(url)}: {detail}")


@contextlib.contextmanager
def _scrubbed_logs(url: str):
    """Apprise and urllib3 log the URLs they load and post to, path tokens and all: while `url`
    is in use their records pass through scrub()."""
    hide = _Scrub(url)
    loggers = [logging.getLogger(name) for name in _CHATTY]
    for logger in loggers:
        logger.addFilter(hide)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(hide)


_KEPT = 1000  # URLs whose built services are kept
_TITLE_ROOM = 80  # a subject (at most 78 characters) and the line break after it

_CHATTY = ("apprise", "urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry")


class _Scrub(logging.Filter):
    """Rewrites Apprise's log records so that no part of the URL being sent survives."""

    def __init__(self, url: str):
        super().__init__()
        self.url, self.masked = url, mask_url(url)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage(), self.url, self.masked), ()
        return True
