"""The riskmap service: HTTP API, storage and command line."""
