"""Counts, never individuals: the dashboard, its charts and CSV/XLSX exports, public statistics."""
