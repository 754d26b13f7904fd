"""Alerting: planning (pure), the messages, the ledger of what was sent, the outbox and delivery."""
