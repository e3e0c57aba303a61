"""Cases: kinds, per-kind workflows, timeline, assignment and the console queue."""
