"""Generated gRPC code for the kiln.v1 API.

Do not edit: regenerate with `python scripts/gen_protos.py`.

Submodules are not imported here, so importing one service's stubs stays cheap:
`from kiln.v1 import sampling_pb2, sampling_pb2_grpc`.
"""
