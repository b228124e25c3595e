"""``make demo``: what a drift looks like, offline, with the real tool (see demo/run.py)."""
