"""The `kiln` command line: run the gateway, manage tenants and keys, and drive the API.

root.py is the app and its global options; one module per noun holds that noun's commands
(serve, admin, datasets, jobs, models, sample, feedback, evaluations, demo_command); render.py,
watch.py, choices.py and errors.py are what they share. demo.py is the in-process gateway that
`kiln demo` and tests run.
"""

from kiln_server.cli.root import app, main

__all__ = ["app", "main"]
