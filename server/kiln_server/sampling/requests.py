"""SamplingService's conversion boundary: GenerateRequest proto -> plain values (validated), and
replica result dicts -> Completion / GenerateStreamResponse protos."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.v1 import sampling_pb2
from kiln_server.platform.errors import FieldViolation, InvalidArgument
from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.params import SamplingParams

MAX_N = 16
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

    def replica_request(self) -> dict:
        return {"prompt": self.prompt, "params": self.params.canonical(), "n": self.n}


def parse(req: sampling_pb2.GenerateRequest) -> SampleCall:
    v: list[FieldViolation] = []
    if not req.model:
        v.append(FieldViolation("model", "required"))
    if not req.prompt:
        v.append(FieldViolation("prompt", "must not be empty"))
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
    return SampleCall(req.model, req.prompt, params, max(1, req.n), req.bypass_cache, req.request_id)


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


def completion(c: dict, sample_id: str) -> sampling_pb2.Completion:
    return sampling_pb2.Completion(
        sample_id=f"samples/{sample_id}",
        index=c["index"],
        text=c["text"],
        token_ids=c["token_ids"],
        logprobs=token_logprobs(c["logprobs"]),
        finish_reason=FINISH[c["finish_reason"]],
    )


def chunk(item: dict, sample_id: str) -> sampling_pb2.GenerateStreamResponse:
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
    out = [
        sampling_pb2.GenerateStreamResponse(
            index=c.index,
            sample_id=c.sample_id,
            text=c.text,
            token_ids=c.token_ids,
            logprobs=c.logprobs,
            finish_reason=c.finish_reason,
        )
        for c in resp.completions
    ]
    out.append(sampling_pb2.GenerateStreamResponse(usage=resp.usage, model_version=resp.model_version))
    return out
