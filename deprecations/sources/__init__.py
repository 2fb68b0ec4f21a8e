"""Collection: fetch vendor documents, parse them into records, reconcile them into entries."""
