"""The registry: persons, name forms, status events and their sources."""
