"""The registry: persons, name forms, status events and their sources; merges, capture cards and
exports for a central tracing agency."""
