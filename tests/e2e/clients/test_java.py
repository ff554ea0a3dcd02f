"""The Java client (clients/java) end to end: its README example and the shared scenarios."""

import pytest

from tests.e2e.clients.harness import TEST_TIMEOUT_S, Language, check_flow, run_language

JAVA = Language(
    name="java",
    flow=["bash", "run.sh", "kiln.examples.Flow"],
    conformance=["bash", "run.sh", "kiln.conformance.Conformance"],
    tools=("java", "javac"),
)


@pytest.mark.timeout(TEST_TIMEOUT_S)
async def test_java_client(clients_gateway, fault_server, sft_dataset, tmp_path):
    summary = await run_language(JAVA, clients_gateway, fault_server, sft_dataset, tmp_path)
    check_flow(summary)
