"""Secrets in URLs stay out of the logs: the tokens of confirm, manage and unsubscribe links
and of private calendar feeds are replaced by ``[token]`` in gunicorn's access log (including
the Referer, which carries the page a static file was asked from) and in Django's log lines."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

_TOKEN_PATH = re.compile(r"(/(?:subscribe/confirm|manage|unsubscribe|calendar)/)[^/?#\s\".]+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """For Django's handlers: "Bad Request: /manage/<token>/" becomes ".../manage/[token]/"."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class GunicornLogger(Logger):
    """gunicorn's logger (``--logger-class depcal.logs.GunicornLogger``), its access log
    lines redacted."""

    def atoms(self, resp, req, environ, request_time):
        values = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in values.items()}
