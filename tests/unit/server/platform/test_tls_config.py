"""TLS settings go together, and quota defaults come from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kiln_server.platform.config import KilnConfig
from kiln_server.platform.tls import server_credentials


def test_tls_settings_must_be_complete():
    with pytest.raises(ValidationError, match="go together"):
        KilnConfig(tls_cert_file=Path("c.pem"))
    with pytest.raises(ValidationError, match="mutual TLS is TLS"):
        KilnConfig(tls_client_ca_file=Path("ca.pem"))
    assert server_credentials(KilnConfig()) is None  # plaintext by default


def test_quota_defaults_come_from_settings():
    quotas = KilnConfig(quota_gpus=2, quota_sampling_requests_per_s=0.5).quotas()
    assert (quotas.gpus, quotas.sampling_requests_per_s, quotas.queued_jobs) == (2, 0.5, 20)
    with pytest.raises(ValidationError):
        KilnConfig(quota_sampling_tokens_per_s=float("inf"))
