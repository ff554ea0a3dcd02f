"""Model evaluation: pure metric functions (metrics.py) and the evaluation loop (run.py)."""
