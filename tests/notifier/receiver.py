"""Loopback receivers for channel tests: a generic webhook that checks Standard Webhooks
signatures with the ``standardwebhooks`` package, and a Slack-compatible incoming webhook
(Mattermost's, which Apprise's ``mmost://`` speaks: ``{"text": ...}`` POSTed to
``/hooks/TOKEN``)."""

from __future__ import annotations

import json

from standardwebhooks import Webhook

from tests.httpserver import LoopbackServer

HOOK = "/hook"
SLACK_TOKEN = "abcdefghijklmnopqrstuvwxyz"
SLACK = f"/hooks/{SLACK_TOKEN}"


def accept(handler):
    return 204, {}, b""


def answer(status: int, headers: dict | None = None, body: bytes = b"no"):
    def route(handler):
        return status, {"Content-Type": "text/plain", **(headers or {})}, body
    return route


class Receiver(LoopbackServer):
    """Accepts POSTs on ``HOOK`` and ``SLACK`` unless a test routes them otherwise."""

    def __init__(self):
        super().__init__()
        self.routes[HOOK] = accept
        self.routes[SLACK] = answer(200, body=b"ok")

    @property
    def webhook_url(self) -> str:
        return self.url(HOOK)

    @property
    def slack_url(self) -> str:
        return f"mmost://127.0.0.1:{self.port}/{SLACK_TOKEN}"

    def bodies(self, path: str = HOOK) -> list[bytes]:
        return [body for p, _, body in self.posts if p == path]

    def verified(self, secret: str, path: str = HOOK) -> list[tuple[dict, dict]]:
        """(headers, payload) of every POST to ``path``, each checked by ``standardwebhooks``
        (raises ``WebhookVerificationError`` on a bad signature)."""
        hook = Webhook(secret)
        return [(headers, hook.verify(body, headers)) for p, headers, body in self.posts
                if p == path]

    def chat_texts(self) -> list[str]:
        return [json.loads(body)["text"] for body in self.bodies(SLACK)]
