"""``make bench``: measure infra-checker against the loopback world, write docs/benchmarks.md.

Nothing here leaves loopback: every endpoint is pointed at the world's fakes (or at a closed
loopback port for a service the world does not fake), and the measured child process refuses
any connection that is not to loopback (see :mod:`bench.measure`).
"""
