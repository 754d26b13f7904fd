"""The `apprise` channel kind: every URL Apprise knows."""

from __future__ import annotations

import functools

from nervecenter import ChannelKind, DeliveryError


class AppriseChannel(ChannelKind):
    """Any URL Apprise knows (mailto://, json://, slack://, SMS services...).

    One Apprise object per send, so each channel has its own result. Apprise's own retries are
    off: the outbox decides when to try again. Email gets the HTML body (with its text part).
    """

    id = "apprise"
    schemes = ("*",)

    @functools.cached_property
    def asset(self):
        # Imported on first use: Apprise takes longer to import than `nervecenter --help` may.
        import apprise

        return apprise.AppriseAsset(async_mode=False, default_service_retry=0)

    def _service(self, url: str):
        import apprise

        return apprise.Apprise.instantiate(url, asset=self.asset)

    def check(self, url: str) -> str | None:
        if self._service(url) is None:
            return (f"not a URL Apprise can send to (scheme {url.split('://')[0]!r}); see "
                    "https://github.com/caronc/apprise/wiki for the URL of each service")
        return None

    def privacy(self, url: str) -> str:
        service = self._service(url)
        return service.url(privacy=True) if service else f"{url.split('://')[0]}://****"

    def send(self, url: str, title: str, body: str, html: str | None) -> None:
        import apprise

        service = self._service(url)
        if service is None:
            raise DeliveryError(self.check(url), permanent=True)
        formats = service.notify_format
        first = formats[0] if isinstance(formats, tuple) else formats
        wants_html = html is not None and first == apprise.NotifyFormat.HTML
        a = apprise.Apprise(asset=self.asset)
        a.add(service)
        result = a.notify(body=html if wants_html else body, title=title,
                          body_format=apprise.NotifyFormat.HTML if wants_html
                          else apprise.NotifyFormat.TEXT)
        if not result:
            reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
            detail = "; ".join(dict.fromkeys(reasons)) or "the service did not accept it"
            raise DeliveryError(f"{service.service_name} to {service.url(privacy=True)}: {detail}")
