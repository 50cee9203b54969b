"""Ports: every outside thing the use cases talk to, as small typing.Protocols, one module per
kind of thing. Adapters (adapters/) implement them, and turn SDK, HTTP and Redis failures into
the exceptions declared here, once.

- state.py: what we keep (codes and quotas, tickets, delivery marks, breakers, rate limits,
  the audit log, liveness)
- partners.py: the operators and the internet companies
- messages.py: the SMS gateway and the platform notices
- identity.py: platform logins
- runtime.py: sealing, the clock, the task queue, metrics
"""
