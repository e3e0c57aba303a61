"""Cross-cutting parts: actors, the audit log and its actions, access rules, encrypted fields,
receipts, row locks, hooks, throttles, base pages and `lifeline worker`."""
