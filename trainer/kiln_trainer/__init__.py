"""Kiln trainer: the code that runs on Ray workers (models, data, algorithms, losses).

Nothing here imports the gateway; the gateway hands each algorithm a plain config and a
`TrainContext` and gets a `TrainResult` back.
"""
