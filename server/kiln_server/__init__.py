"""Kiln gateway: a stateless grpc.aio server that validates, records, routes and streams.

It never runs a model in its own process; training runs on Ray workers (server/kiln_server/jobs) and
state lives in Redis (server/kiln_server/platform).
"""
