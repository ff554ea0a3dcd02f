"""Training methods, one package per method (`sft`, `reward`, `dpo`, `ppo`, `distill`).

Each package exposes `train(config, ctx) -> TrainResult` and re-exports its config class (from
kiln_trainer.configs); importing the package is cheap, its trainer module (torch) loads when
`train` runs. Every trainer is built on kiln_trainer.training: `Trainer` for the methods that
step through a dataset, the `StepLoop` under it for PPO's rollout iterations.
"""
