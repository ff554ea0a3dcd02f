"""Services whose RPCs are in the contract but not built yet answer UNIMPLEMENTED, clearly."""

from __future__ import annotations

import inspect

from server.errors import Unimplemented


def unimplemented_servicer(base: type, service: str) -> object:
    """An instance of the generated servicer `base` whose every RPC raises Unimplemented."""

    def make(rpc: str, streaming: bool):
        message = f"{service}.{rpc} is not available yet in this Kiln version"
        if streaming:
            async def stream(self, request, context):
                raise Unimplemented(message)
                yield  # pragma: no cover - makes this an async generator
            return stream

        async def unary(self, request, context):
            raise Unimplemented(message)
        return unary

    rpcs = {name: fn for name, fn in inspect.getmembers(base, inspect.isfunction) if name[0].isupper()}
    descriptor = _service_descriptor(service)
    methods = {
        name: make(name, descriptor.methods_by_name[name].server_streaming if descriptor else False)
        for name in rpcs
    }
    return type(f"Unimplemented{service.rsplit('.', 1)[-1]}", (base,), methods)()


def _service_descriptor(service: str):
    from google.protobuf import descriptor_pool

    try:
        return descriptor_pool.Default().FindServiceByName(service)
    except KeyError:
        return None
