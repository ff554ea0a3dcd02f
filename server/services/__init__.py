"""Thin servicers: proto in, domain call, proto out. No business logic lives here."""
