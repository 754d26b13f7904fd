"""Built-in rule kinds (`rule: <id>` in a requirement)."""
