"""Alert channels: the webhooks and chats a subscription's alerts also go to.

One module per kind of channel, each with the same small interface (as healthchecks'
integrations): ``check(url) -> str`` says whether a URL can be a channel of that kind (and
how to show it with its secrets hidden) or raises ``BadChannel``; ``send(channel, message,
shared=...) -> Outcome`` sends one message (``content.Message``; ``shared`` keeps what a
batch's messages have in common), never raising: accepted, retry later, or refused.

- ``webhook``: any ``http(s)://`` URL; a JSON body signed as the Standard Webhooks
  specification says, so a receiver verifies it with the ``standardwebhooks`` package.
- ``chat``: an Apprise URL (``slack://``, ``discord://``, ``ntfy://``...): Slack, Teams,
  Discord, Mattermost, Matrix, Google Chat, ntfy, Telegram and more, no client written here.

Around them: ``http`` is the only way channels reach the network (the collector's guarded
transport, and what an answer means); ``content`` says what a message tells; ``deliver``
turns what the alert runs recorded into one message per channel per run and sends them
through the same ledger functions as mail (``notifier.outbox``); ``lifecycle`` holds the
only functions that change a channel (add, test, pause, remove).
"""

from __future__ import annotations

from notifier.channels.errors import BadChannel

__all__ = ["BadChannel", "kind_of", "transport"]


def kind_of(url: str) -> str:
    """``webhook`` for a plain http(s) URL, ``chat`` for anything else (an Apprise URL)."""
    from notifier.models import Channel

    scheme = url.strip().partition("://")[0].lower()
    return Channel.Kind.WEBHOOK if scheme in ("http", "https") else Channel.Kind.CHAT


def transport(kind: str):
    """The module that sends to channels of ``kind``."""
    from notifier.channels import chat, webhook
    from notifier.models import Channel

    return {Channel.Kind.WEBHOOK: webhook, Channel.Kind.CHAT: chat}[kind]
