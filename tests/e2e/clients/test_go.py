"""The Go client (clients/go) end to end: its README example and the shared scenarios."""

import pytest

from tests.e2e.clients.harness import TEST_TIMEOUT_S, Language, check_flow, run_language

GO = Language(name="go", flow=["bin/flow"], conformance=["bin/conformance"], tools=("go",))


@pytest.mark.timeout(TEST_TIMEOUT_S)
async def test_go_client(clients_gateway, fault_server, sft_dataset, tmp_path):
    summary = await run_language(GO, clients_gateway, fault_server, sft_dataset, tmp_path)
    check_flow(summary)
