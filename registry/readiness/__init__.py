"""Readiness: the scorecard, snapshots, the leaders' board, alerts and the weekly circular."""
