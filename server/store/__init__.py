"""Redis repositories: every key the gateway and its workers touch is named in keys.py."""
