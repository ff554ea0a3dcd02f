"""Kiln's sampling engine: KV-cached decoding with iteration-level (continuous) batching.

Runs wherever a model is served (a Ray Serve replica, a Triton Python-backend instance) and in
training loops that sample (PPO rollouts, evaluations). Torch is imported by the submodules.
"""
