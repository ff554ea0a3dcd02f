"""Where sampling requests go: Ray Serve deployments of Kiln's engine (and Triton, later)."""
