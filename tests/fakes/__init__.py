"""Small fakes of the ports (app/ports), for unit tests of the core.

The state fakes (tests/fakes/state.py) share one in-memory key-value store with TTLs on a fixed
clock, and apply the domain's policies as the Redis adapters do; tests/contracts runs the same
cases on both, so they cannot drift apart. The others (tests/fakes/outside.py) stand for the
SMS gateway, the platforms, the partners and the task queue.
"""
