"""docs/api.md is generated from the proto comments and must match them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_api_reference_is_fresh():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_api_docs.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr


def test_every_rpc_and_field_is_documented():
    text = (ROOT / "docs" / "api.md").read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    undocumented = [row for row in rows if row.rstrip().endswith("| |") or row.rstrip().endswith("|  |")]
    assert rows and not undocumented, undocumented[:5]


def test_map_fields_render_as_maps():
    # protoc lowers map<K, V> to a repeated synthetic *Entry message; the reference shows the map.
    text = (ROOT / "docs" / "api.md").read_text()
    assert "| `labels` | `map<string, string>` |" in text
    assert "| `latest_metrics` | `map<string, double>` |" in text
    assert "Entry`" not in text
