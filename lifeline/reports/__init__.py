"""Statistics, the dashboard, exports and capture cards: what the bureau reports."""
