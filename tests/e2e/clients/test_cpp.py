"""The C++ client (clients/cpp) end to end: its README example and the shared scenarios."""

import pytest

from tests.e2e.clients.harness import TEST_TIMEOUT_S, Language, check_flow, run_language

CPP = Language(
    name="cpp", flow=["build/flow"], conformance=["build/conformance"], tools=("cmake", "ninja", "g++", "protoc")
)


@pytest.mark.timeout(TEST_TIMEOUT_S)
async def test_cpp_client(clients_gateway, fault_server, sft_dataset, tmp_path):
    summary = await run_language(CPP, clients_gateway, fault_server, sft_dataset, tmp_path)
    check_flow(summary)
