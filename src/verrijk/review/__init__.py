"""Reviewing suggestions: the cataloger queue with leases, volunteer tasks with consensus, thresholds, stats."""
