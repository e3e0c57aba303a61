"""Cases: kinds, workflows, timeline, assignment, replies, the console queue and log a call."""
