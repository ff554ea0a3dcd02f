"""Server reflection v1 (what grpcurl and Postman ask first) lists and describes every Kiln service.

The v1 client's message classes are built from the vendored upstream reflection.proto, so the
test speaks the real v1 protocol rather than reusing the server's own v1alpha classes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message_factory import GetMessageClass

from kiln_server.platform.app import SERVICES

ROOT = Path(__file__).resolve().parents[2]


class ReflectionV1:
    """A reflection v1 client over a channel.

    Its classes live in a private descriptor pool: the gateway, in this same process, registers
    its own v1 descriptor in the default one.
    """

    METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"

    def __init__(self, channel, descriptor_set: descriptor_pb2.FileDescriptorSet):
        pool = descriptor_pool.DescriptorPool()
        for fdp in descriptor_set.file:
            pool.Add(fdp)
        self.request_type = GetMessageClass(pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionRequest"))
        response_type = GetMessageClass(pool.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionResponse"))
        self._call = channel.stream_stream(
            self.METHOD,
            request_serializer=self.request_type.SerializeToString,
            response_deserializer=response_type.FromString,
        )

    async def ask(self, **request) -> list:
        async def one():
            yield self.request_type(**request)

        return [response async for response in self._call(one())]

    async def describe(self, symbol: str) -> descriptor_pool.DescriptorPool:
        """What grpcurl's describe does: the file holding `symbol` and all its imports, in a pool."""
        files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        pending = [{"file_containing_symbol": symbol}]
        while pending:
            (response,) = await self.ask(**pending.pop())
            assert response.WhichOneof("message_response") == "file_descriptor_response", response
            for raw in response.file_descriptor_response.file_descriptor_proto:
                fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
                files[fdp.name] = fdp
            pending += [
                {"file_by_filename": dep} for f in list(files.values()) for dep in f.dependency if dep not in files
            ]
        return _pool_of(files)


def _pool_of(files: dict[str, descriptor_pb2.FileDescriptorProto]) -> descriptor_pool.DescriptorPool:
    """A pool holding `files`, each added after its imports."""
    pool, added = descriptor_pool.DescriptorPool(), set()

    def add(name: str) -> None:
        if name not in added:
            for dep in files[name].dependency:
                add(dep)
            pool.Add(files[name])
            added.add(name)

    for name in files:
        add(name)
    return pool


@pytest.fixture(scope="module")
def v1_descriptors(tmp_path_factory) -> descriptor_pb2.FileDescriptorSet:
    from grpc_tools import protoc  # type: ignore[import-untyped]

    out = tmp_path_factory.mktemp("reflection_v1") / "set.pb"
    third_party = ROOT / "protos" / "third_party"
    args = ["protoc", f"-I{third_party}", f"--descriptor_set_out={out}", "grpc/reflection/v1/reflection.proto"]
    assert protoc.main(args) == 0
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


async def test_reflection_v1_lists_and_describes_every_kiln_service(gateway, v1_descriptors):
    client = ReflectionV1(gateway.channel, v1_descriptors)  # no API key: reflection is public

    (listing,) = await client.ask(list_services="")
    listed = {s.name for s in listing.list_services_response.service}
    assert set(SERVICES) <= listed
    assert {"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} <= listed

    for service in SERVICES:
        described = (await client.describe(service)).FindServiceByName(service)
        local = descriptor_pool.Default().FindServiceByName(service)
        assert [(m.name, m.input_type.full_name, m.output_type.full_name) for m in described.methods] == [
            (m.name, m.input_type.full_name, m.output_type.full_name) for m in local.methods
        ]


async def test_reflection_v1_describes_itself(gateway, v1_descriptors):
    client = ReflectionV1(gateway.channel, v1_descriptors)
    (method,) = (
        (await client.describe("grpc.reflection.v1.ServerReflection"))
        .FindServiceByName("grpc.reflection.v1.ServerReflection")
        .methods
    )
    assert method.input_type.full_name == "grpc.reflection.v1.ServerReflectionRequest"
    assert method.client_streaming and method.server_streaming
