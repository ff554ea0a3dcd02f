"""The TypeScript client (clients/typescript) end to end: its README example and the shared scenarios."""

import pytest

from tests.e2e.clients.harness import TEST_TIMEOUT_S, Language, check_flow, run_language

TYPESCRIPT = Language(
    name="typescript",
    flow=["node", "dist/examples/flow.js"],
    conformance=["node", "dist/test/conformance.js"],
    tools=("node", "npm"),
)


@pytest.mark.timeout(TEST_TIMEOUT_S)
async def test_typescript_client(clients_gateway, fault_server, sft_dataset, tmp_path):
    summary = await run_language(TYPESCRIPT, clients_gateway, fault_server, sft_dataset, tmp_path)
    check_flow(summary)
