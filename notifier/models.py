"""Subscribers, their subscriptions and the delivery ledger."""
