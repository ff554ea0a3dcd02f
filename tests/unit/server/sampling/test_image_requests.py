"""Which sampling fields an image model takes: n and the seed; text-only fields are named."""

from __future__ import annotations

import pytest

from kiln.v1 import sampling_pb2 as S
from kiln_server.platform.errors import InvalidArgument
from kiln_server.sampling.requests import chunks_from_response, completion, parse


def fields(call, family: str) -> list[str]:
    with pytest.raises(InvalidArgument) as err:
        call.check_for(family)
    return [v.field for v in err.value.violations]


def test_text_params_on_an_image_model_are_each_named():
    call = parse(S.GenerateRequest(model="models/m-1", prompt="x", params=S.SamplingParams(top_k=5, max_tokens=3)))
    assert fields(call, "image") == ["prompt", "params.top_k", "params.max_tokens"]
    parse(S.GenerateRequest(model="m", n=4, params=S.SamplingParams(seed=3))).check_for("image")


def test_a_text_model_still_needs_a_prompt():
    assert fields(parse(S.GenerateRequest(model="kiln-gpt-tiny")), "causal_lm") == ["prompt"]


def test_image_results_become_image_completions_and_chunks():
    c = completion({"index": 1, "png": b"\x89PNG", "width": 8, "height": 8}, "abc")
    assert c.WhichOneof("output") == "image" and c.image.width == 8 and c.sample_id == "samples/abc"
    chunks = chunks_from_response(S.GenerateResponse(completions=[c]))
    assert chunks[0].image.png == b"\x89PNG" and chunks[0].WhichOneof("delta") == "image"
