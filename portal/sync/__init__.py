"""Integration with Watcher: the outbox (push), the stream sync (pull), reconciliation."""
