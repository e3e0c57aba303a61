"""Cross-cutting parts: encrypted fields, the audit log, access rules, receipts, base pages."""
