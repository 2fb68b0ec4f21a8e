"""Admin for subscribers and the delivery ledger."""
