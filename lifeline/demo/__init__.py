"""The demo: synthetic persons and message threads (plain Python), and `lifeline demo`."""
