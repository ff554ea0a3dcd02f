"""The C++ client (clients/cpp) end to end: its README example and the shared scenarios."""

import pytest

from tests.e2e.clients.harness import LANGUAGES, TEST_TIMEOUT_S, check_flow, run_language

# One gateway and one set of builds serve every language: under pytest-xdist they share a worker.
pytestmark = pytest.mark.xdist_group("clients")


@pytest.mark.timeout(TEST_TIMEOUT_S)
async def test_cpp_client(clients_gateway, client_builds, fault_server, sft_dataset, tmp_path):
    lang = LANGUAGES["cpp"]
    summary = await run_language(lang, client_builds[lang.name], clients_gateway, fault_server, sft_dataset, tmp_path)
    check_flow(summary)
