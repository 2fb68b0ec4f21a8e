"""Subscribers and telling them: email alerts, digests and private calendar feeds.

Reads the catalogue (``deprecations``); never writes it.
"""
