"""SamplingService's conversion boundary: GenerateRequest proto -> plain values (validated), and
replica result dicts -> Completion / GenerateStreamResponse protos."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.v1 import sampling_pb2
from kiln_server.platform.errors import FieldViolation, InvalidArgument
from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.params import SamplingParams

MAX_N = 16
IMAGE_PARAMS = ("seed", "class_label", "guidance_scale")  # the SamplingParams fields image models use
FINISH = {
    "STOP": sampling_pb2.FINISH_REASON_STOP,
    "LENGTH": sampling_pb2.FINISH_REASON_LENGTH,
    "CANCELLED": sampling_pb2.FINISH_REASON_CANCELLED,
}


@dataclass(frozen=True)
class SampleCall:
    model: str
    prompt: str
    params: SamplingParams
    n: int
    bypass_cache: bool
    request_id: str
    text_params: tuple[str, ...] = ()  # the text-only SamplingParams fields the request set

    def replica_request(self) -> dict:
        return {"prompt": self.prompt, "params": self.params.canonical(), "n": self.n}

    def check_for(self, family: str) -> None:
        """What a request may set depends on the model it reaches: a text model needs a prompt;
        an image model takes only n, the seed, a class label and a guidance scale (INVALID_ARGUMENT
        naming every field set that it does not use)."""
        if family != "image":
            v = [] if self.prompt else [FieldViolation("prompt", "must not be empty")]
            if self.params.class_label is not None:
                v.append(FieldViolation("params.class_label", "only image models take a class label"))
            if self.params.guidance_scale is not None:
                v.append(FieldViolation("params.guidance_scale", "only image models take a guidance scale"))
            if v:
                raise InvalidArgument(v)
            return
        v = [FieldViolation(f"params.{name}", "not used by image models") for name in self.text_params]
        if self.prompt:
            v.insert(0, FieldViolation("prompt", "must be empty for image models"))
        if v:
            raise InvalidArgument(v)


def parse(req: sampling_pb2.GenerateRequest) -> SampleCall:
    v: list[FieldViolation] = []
    if not req.model:
        v.append(FieldViolation("model", "required"))
    if req.n > MAX_N:
        v.append(FieldViolation("n", f"must be in [1, {MAX_N}], got {req.n}"))
    if len(req.request_id) > 128:
        v.append(FieldViolation("request_id", "at most 128 characters"))
    params = None
    try:
        params = params_of(req.params)
    except ConfigError as exc:
        v.append(FieldViolation(f"params.{exc.field}", exc.message))
    if v:
        raise InvalidArgument(v)
    return SampleCall(
        req.model, req.prompt, params, max(1, req.n), req.bypass_cache, req.request_id, text_params_set(req.params)
    )


def text_params_set(p: sampling_pb2.SamplingParams) -> tuple[str, ...]:
    """The SamplingParams fields set in `p` that only text models use (all but IMAGE_PARAMS)."""
    out = []
    for fd in p.DESCRIPTOR.fields:
        if fd.name in IMAGE_PARAMS:
            continue
        value = getattr(p, fd.name)
        if p.HasField(fd.name) if fd.has_presence else bool(value):
            out.append(fd.name)
    return tuple(out)


def params_of(p: sampling_pb2.SamplingParams) -> SamplingParams:
    return SamplingParams(
        temperature=p.temperature if p.HasField("temperature") else 1.0,
        top_k=p.top_k,
        top_p=p.top_p if p.HasField("top_p") else 1.0,
        max_tokens=p.max_tokens if p.HasField("max_tokens") else None,
        stop=tuple(p.stop),
        repetition_penalty=p.repetition_penalty if p.HasField("repetition_penalty") else 1.0,
        seed=p.seed if p.HasField("seed") else None,
        logprobs=p.logprobs,
        top_logprobs=p.top_logprobs,
        class_label=p.class_label if p.HasField("class_label") else None,
        guidance_scale=p.guidance_scale if p.HasField("guidance_scale") else None,
    )


def token_logprobs(items: list) -> list[sampling_pb2.TokenLogprob]:
    out = []
    for token_id, lp, tops, text in items:
        out.append(
            sampling_pb2.TokenLogprob(
                token=text,
                token_id=token_id,
                logprob=lp,
                top_logprobs=[sampling_pb2.TokenAlternative(token=t, token_id=a, logprob=alp) for a, alp, t in tops],
            )
        )
    return out


def image_of(c: dict) -> sampling_pb2.Image:
    return sampling_pb2.Image(png=c["png"], width=c["width"], height=c["height"])


def completion(c: dict, sample_id: str) -> sampling_pb2.Completion:
    if "png" in c:  # an image model's sample
        return sampling_pb2.Completion(
            sample_id=f"samples/{sample_id}", index=c["index"], image=image_of(c), finish_reason=FINISH["STOP"]
        )
    return sampling_pb2.Completion(
        sample_id=f"samples/{sample_id}",
        index=c["index"],
        text=c["text"],
        token_ids=c["token_ids"],
        logprobs=token_logprobs(c["logprobs"]),
        finish_reason=FINISH[c["finish_reason"]],
    )


def chunk(item: dict, sample_id: str) -> sampling_pb2.GenerateStreamResponse:
    if "png" in item:  # an image model sends each sample whole, in one chunk
        return sampling_pb2.GenerateStreamResponse(
            index=item["index"], sample_id=f"samples/{sample_id}", image=image_of(item), finish_reason=FINISH["STOP"]
        )
    return sampling_pb2.GenerateStreamResponse(
        index=item["index"],
        sample_id=f"samples/{sample_id}",
        text=item["text"],
        token_ids=item["token_ids"],
        logprobs=token_logprobs(item["logprobs"]),
        finish_reason=FINISH.get(item["finish_reason"] or "", 0),
    )


def chunks_from_response(resp: sampling_pb2.GenerateResponse) -> list[sampling_pb2.GenerateStreamResponse]:
    """A stored unary result as a stream: one chunk per sample, then the totals."""
    out = []
    for c in resp.completions:
        msg = sampling_pb2.GenerateStreamResponse(
            index=c.index,
            sample_id=c.sample_id,
            token_ids=c.token_ids,
            logprobs=c.logprobs,
            finish_reason=c.finish_reason,
        )
        if c.WhichOneof("output") == "image":
            msg.image.CopyFrom(c.image)
        else:
            msg.text = c.text
        out.append(msg)
    out.append(sampling_pb2.GenerateStreamResponse(usage=resp.usage, model_version=resp.model_version))
    return out
