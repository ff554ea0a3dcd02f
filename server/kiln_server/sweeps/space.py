"""A sweep's search space: SearchParameter protos -> typed parameters, checked against the Job
message they write into, and the two things a driver does with them: sample one configuration
from an Optuna trial (define-by-run, so conditional parameters simply are not suggested), and
write a configuration into a copy of the job template.

Everything here is pure (protos and values in, violations or values out): the checks that need
the trainer config (is this learning rate valid for this method?) are in spec.py.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from kiln.v1 import jobs_pb2, sweeps_pb2
from kiln_server.platform.errors import FieldViolation

MAX_PARAMETERS = 32
MAX_GRID = 100_000
# Job fields a parameter may write under: the shared hyperparameters and the method's own message
# (checked against the template's method). Everything else (datasets, base model, resources,
# labels, output fields) is not a tunable of the trained model. The image methods' messages hold
# their networks' architecture (base_channels: the width; latent_dim), searchable like the rest;
# Job.architecture holds a built-in language model's shape (SFT jobs on kiln-gpt built-ins).
_ROOTS = (
    "hyperparameters",
    "architecture",
    "sft",
    "reward_model",
    "ppo",
    "dpo",
    "distill",
    "grpo",
    "rloo",
    "online_dpo",
    "vae",
    "gan",
    "diffusion",
    "darts",
)
_FLOATS = (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT)
_INTS = (
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
)
_UNSIGNED = (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_UINT64)
_KINDS = {FieldDescriptor.TYPE_BOOL: "bool", FieldDescriptor.TYPE_ENUM: "enum"}


@dataclass(frozen=True)
class Parameter:
    """One searched field. `kind` is the domain ("float", "int", "categorical"); `field_type` the
    target's type ("float", "int", "bool", "enum"). Categorical choices stay text (Optuna stores
    them as given) and are converted to the field's type when written."""

    target: str
    kind: str
    field_type: str
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    step: float = 0.0
    choices: tuple[str, ...] = ()
    condition_parameter: str = ""
    condition_values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Parameter:
        return cls(**{**d, "choices": tuple(d["choices"]), "condition_values": tuple(d["condition_values"])})

    def extremes(self) -> list[Any]:
        """The values that bound the domain: the ones a config check must accept."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            return [int(self.low), int(self.high)]
        return [self.low, self.high]

    def grid(self) -> list[Any]:
        """Every value of a finite domain, in order (GRID)."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        n = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        return [min(self.high, round(self.low + i * self.step, 12)) for i in range(n)]


@dataclass
class SearchSpace:
    parameters: list[Parameter] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"parameters": [p.to_dict() for p in self.parameters]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SearchSpace:
        return cls([Parameter.from_dict(p) for p in d["parameters"]])

    @property
    def conditional(self) -> bool:
        return any(p.condition_parameter for p in self.parameters)

    def grid(self) -> dict[str, list[Any]]:
        return {p.target: p.grid() for p in self.parameters}

    def grid_size(self) -> int:
        return math.prod(len(v) for v in self.grid().values())

    def sample(self, trial: Any) -> dict[str, Any]:
        """One configuration from an Optuna trial (ask/tell); parameters whose condition does not
        hold are left out (the template's value stays)."""
        values: dict[str, Any] = {}
        for p in self.parameters:
            if p.condition_parameter and values.get(p.condition_parameter) not in p.condition_values:
                continue
            if p.kind == "float":
                values[p.target] = trial.suggest_float(p.target, p.low, p.high, log=p.log, step=p.step or None)
            elif p.kind == "int":
                values[p.target] = trial.suggest_int(
                    p.target, int(p.low), int(p.high), step=int(p.step or 1), log=p.log
                )
            else:
                values[p.target] = trial.suggest_categorical(p.target, list(p.choices))
        return values

    def apply(self, template: jobs_pb2.Job, values: dict[str, Any]) -> jobs_pb2.Job:
        """A copy of `template` with each target set to its value."""
        job = jobs_pb2.Job()
        job.CopyFrom(template)
        by_target = {p.target: p for p in self.parameters}
        for target, value in values.items():
            set_path(job, target, by_target[target].field_type, value)
        return job


def resolve(path: str, descriptor: Any = jobs_pb2.Job.DESCRIPTOR) -> FieldDescriptor | str:
    """The scalar field at dotted `path` in `descriptor`, or why there is none."""
    parts = path.split(".")
    if not path or parts[0] not in _ROOTS:
        return f"must start with one of {', '.join(_ROOTS)}, got {path!r}"
    desc: Any = descriptor
    fd: Any = None
    for i, part in enumerate(parts):
        fd = desc.fields_by_name.get(part)
        if fd is None:
            return f"no field {part!r} in {desc.name} (at {'.'.join(parts[: i + 1])!r})"
        if fd.is_repeated:
            return f"{'.'.join(parts[: i + 1])!r} is a list; only single values can be searched"
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            if i == len(parts) - 1:
                return f"{path!r} is a message; name one of its fields"
            desc = fd.message_type
        elif i != len(parts) - 1:
            return f"{'.'.join(parts[: i + 1])!r} is not a message"
    assert fd is not None
    if fd.type == FieldDescriptor.TYPE_STRING or fd.type == FieldDescriptor.TYPE_BYTES:
        return f"{path!r} is a text field; only numeric, boolean and enum fields can be searched"
    return fd


def field_type(fd: FieldDescriptor) -> str:
    if fd.type in _FLOATS:
        return "float"
    if fd.type in _INTS:
        return "int"
    return _KINDS[fd.type]


def convert(fd: FieldDescriptor, text: str) -> Any:
    """A categorical choice as a value of the field; ValueError when it is not one."""
    kind = field_type(fd)
    if kind == "float":
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        return value
    if kind == "int":
        number = int(text)
        if fd.type in _UNSIGNED and number < 0:
            raise ValueError(f"{text!r} is negative; the field is unsigned")
        return number
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text.lower() == "true"
    enum: Any = fd.enum_type
    prefix = enum.values_by_number[0].name.removesuffix("UNSPECIFIED")
    found = enum.values_by_name.get(text) or enum.values_by_name.get(prefix + text.upper())
    if found is None or found.number == 0:
        names = ", ".join(v.name.removeprefix(prefix) for v in enum.values if v.number)
        raise ValueError(f"{text!r} is not a {enum.name} value ({names})")
    return found.number


def set_path(message: Message, path: str, kind: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        message = getattr(message, part)
    fd: Any = message.DESCRIPTOR.fields_by_name[leaf]
    if isinstance(value, str):
        value = convert(fd, value)
    elif kind == "int":
        value = int(value)
    elif kind == "float":
        value = float(value)
    setattr(message, leaf, value)


def build_space(
    params: list[sweeps_pb2.SearchParameter], method_oneof: str | None
) -> tuple[SearchSpace, list[FieldViolation]]:
    """The typed space of `params` and every violation found (paths "sweep.parameters[i]...")."""
    v: list[FieldViolation] = []
    if not params:
        v.append(FieldViolation("sweep.parameters", "at least one parameter is required"))
    if len(params) > MAX_PARAMETERS:
        v.append(FieldViolation("sweep.parameters", f"at most {MAX_PARAMETERS}, got {len(params)}"))
    out: list[Parameter] = []
    seen: dict[str, Parameter] = {}
    for i, p in enumerate(params):
        at = f"sweep.parameters[{i}]"
        fd = resolve(p.target)
        if isinstance(fd, str):
            v.append(FieldViolation(f"{at}.target", fd))
            continue
        root = p.target.split(".")[0]
        if root not in ("hyperparameters", "architecture") and method_oneof is not None and root != method_oneof:
            v.append(FieldViolation(f"{at}.target", f"the template's method reads {method_oneof}.*, not {root}.*"))
            continue
        if p.target in seen:
            v.append(FieldViolation(f"{at}.target", f"{p.target!r} is searched twice"))
            continue
        param, problems = _parameter(p, fd, at)
        v += problems
        if param is None:
            continue
        cond, problems = _condition(p.condition, seen, at)
        v += problems
        if cond is not None:
            param = Parameter(**{**param.to_dict(), **cond})
        seen[p.target] = param
        out.append(param)
    return SearchSpace(out), v


def _parameter(
    p: sweeps_pb2.SearchParameter, fd: FieldDescriptor, at: str
) -> tuple[Parameter | None, list[FieldViolation]]:
    kind = field_type(fd)
    domain = p.WhichOneof("domain")
    if domain is None:
        return None, [FieldViolation(f"{at}.domain", "one of float_range, int_range or categorical is required")]
    if domain == "float_range":
        fr = p.float_range
        where = f"{at}.float_range"
        if kind != "float":
            return None, [FieldViolation(where, f"{p.target} is a {kind} field; use int_range or categorical")]
        problems = _range_violations(where, fr.low, fr.high, fr.log, fr.step, None)
        return Parameter(p.target, "float", kind, fr.low, fr.high, fr.log, fr.step), problems
    if domain == "int_range":
        ir = p.int_range
        where = f"{at}.int_range"
        if kind != "int":
            return None, [FieldViolation(where, f"{p.target} is a {kind} field; use float_range or categorical")]
        floor = 0 if fd.type in _UNSIGNED else None
        problems = _range_violations(where, ir.low, ir.high, ir.log, ir.step, 1 if ir.log else floor)
        return Parameter(p.target, "int", kind, ir.low, ir.high, ir.log, ir.step), problems
    values = list(p.categorical.values)
    where = f"{at}.categorical.values"
    if not values:
        return None, [FieldViolation(where, "at least one choice is required")]
    if len(set(values)) != len(values):
        return None, [FieldViolation(where, "choices must be distinct")]
    problems = []
    for j, text in enumerate(values):
        try:
            convert(fd, text)
        except ValueError as exc:
            problems.append(FieldViolation(f"{where}[{j}]", f"not a value of {p.target}: {exc}"))
    return Parameter(p.target, "categorical", kind, choices=tuple(values)), problems


def _range_violations(
    where: str, low: float, high: float, log: bool, step: float, floor: float | None
) -> list[FieldViolation]:
    v = []
    if not (math.isfinite(low) and math.isfinite(high)):
        return [FieldViolation(where, "low and high must be finite")]
    if low >= high:
        what = "empty" if low == high else "inverted"
        v.append(FieldViolation(f"{where}.high", f"the range is {what}: high ({high:g}) must be > low ({low:g})"))
    if log and low <= 0:
        v.append(FieldViolation(f"{where}.low", f"a log range needs low > 0, got {low:g}"))
    elif floor is not None and low < floor:
        v.append(FieldViolation(f"{where}.low", f"must be >= {floor:g}, got {low:g}"))
    if step < 0 or not math.isfinite(step):
        v.append(FieldViolation(f"{where}.step", f"must be >= 0, got {step:g}"))
    elif step and log:
        v.append(FieldViolation(f"{where}.step", "a log range cannot have a step"))
    elif step and high > low and step > high - low:
        v.append(FieldViolation(f"{where}.step", f"larger than the range ({high - low:g})"))
    return v


def _condition(
    c: sweeps_pb2.Condition, seen: dict[str, Parameter], at: str
) -> tuple[dict | None, list[FieldViolation]]:
    if not c.parameter and not c.values:
        return None, []
    parent = seen.get(c.parameter)
    if parent is None or parent.kind != "categorical":
        return None, [
            FieldViolation(f"{at}.condition.parameter", f"{c.parameter!r} is not an earlier categorical parameter")
        ]
    if not c.values:
        return None, [FieldViolation(f"{at}.condition.values", "at least one value is required")]
    unknown = [x for x in c.values if x not in parent.choices]
    if unknown:
        return None, [FieldViolation(f"{at}.condition.values", f"{unknown[0]!r} is not a choice of {c.parameter}")]
    return {"condition_parameter": c.parameter, "condition_values": tuple(c.values)}, []
