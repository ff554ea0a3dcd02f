"""`python -m kiln_server.cli` runs the CLI (the gateway tests start `serve` this way)."""

from kiln_server.cli import main

main()
