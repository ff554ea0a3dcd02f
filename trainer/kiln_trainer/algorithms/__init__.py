"""Training algorithms, one per module (`sft`, ...). Each exposes a config dataclass and `train`.

Kept torch-free: import `kiln_trainer.algorithms.sft` itself to get at the trainer; the config classes
only import torch inside `train`.
"""
