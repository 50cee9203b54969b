"""The composition root: the only place that builds concrete adapters from Settings, and the
use cases from them. Nothing here runs at import; each builder opens no connection (clients
connect lazily).

- files.py: the data files (YAML), read and checked at start
- policies.py: the domain's policies, from Settings
- state.py: the state ports on Redis
- outside.py: the SMS gateway, platform logins and notices, the partner client
- api.py: the API's use cases (ApiServices)
- worker.py: the worker's use case (RunQuery)
"""
