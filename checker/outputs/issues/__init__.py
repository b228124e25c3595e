"""Drift issues: plan the lifecycle as data, then apply it to GitHub."""
