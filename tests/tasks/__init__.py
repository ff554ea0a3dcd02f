"""Test and benchmark tasks: problems small enough to solve exactly, used by the unit tests and
bench/rlhf.py (not shipped in the kiln_trainer package)."""
