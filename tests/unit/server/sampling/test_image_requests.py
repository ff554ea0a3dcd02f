"""Which sampling fields an image model takes: n, the seed, a class label and a guidance scale;
text-only fields are named."""

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


def test_a_class_label_is_for_image_models_and_joins_the_cache_key():
    labelled = parse(S.GenerateRequest(model="m", params=S.SamplingParams(seed=3, class_label=4)))
    labelled.check_for("image")  # not a text-only field
    assert labelled.params.class_label == 4 and labelled.params.canonical()["class_label"] == 4
    plain = parse(S.GenerateRequest(model="m", params=S.SamplingParams(seed=3)))
    assert "class_label" not in plain.params.canonical()  # text requests keep their cache keys
    text = parse(S.GenerateRequest(model="kiln-gpt-tiny", prompt="hi", params=S.SamplingParams(class_label=0)))
    assert fields(text, "causal_lm") == ["params.class_label"]


def test_a_guidance_scale_is_for_image_models_checked_at_its_path_and_joins_the_cache_key():
    guided = parse(S.GenerateRequest(model="m", params=S.SamplingParams(seed=3, class_label=1, guidance_scale=2.5)))
    guided.check_for("image")
    assert guided.params.canonical()["guidance_scale"] == 2.5
    assert "guidance_scale" not in parse(S.GenerateRequest(model="m")).params.canonical()
    with pytest.raises(InvalidArgument) as err:
        parse(S.GenerateRequest(model="m", params=S.SamplingParams(guidance_scale=25)))
    assert [v.field for v in err.value.violations] == ["params.guidance_scale"]
    text = parse(S.GenerateRequest(model="kiln-gpt-tiny", prompt="hi", params=S.SamplingParams(guidance_scale=1)))
    assert fields(text, "causal_lm") == ["params.guidance_scale"]


def test_image_samples_are_kept_as_their_png_under_their_condition():
    from kiln_server.sampling.record import image_prompt, image_uri, png_of

    png = b"\x89PNG\r\n\x1a\n-bytes"
    assert png_of(image_uri(png)) == png
    assert (image_prompt(None), image_prompt(3)) == ("<image>", "<image class=3>")
    with pytest.raises(ValueError):
        png_of("a text completion")
