"""Writes docs/api.md, the API reference, from the comments in protos/kiln/v1/*.proto.

    python scripts/gen_api_docs.py           # rewrite docs/api.md
    python scripts/gen_api_docs.py --check   # exit 1 if docs/api.md is stale

protoc parses the protos with source info, so the comments come from the same parse that
generates the code; a test runs --check, so the reference never drifts from the contract.
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
OUT = ROOT / "docs" / "api.md"

# FileDescriptorProto field numbers used in SourceCodeInfo paths.
_MESSAGE, _ENUM, _SERVICE = 4, 5, 6
_FIELD, _NESTED, _ENUM_VALUE, _METHOD = 2, 3, 2, 2


def descriptor_set():
    from google.protobuf import descriptor_pb2
    from grpc_tools import protoc  # type: ignore[import-untyped]

    files = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "kiln" / "v1").glob("*.proto"))
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        code = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{PROTO_ROOT}",
                f"-I{well_known}",
                "--include_source_info",
                f"--descriptor_set_out={out}",
                *files,
            ]
        )
        if code != 0:
            raise SystemExit(f"protoc failed with exit code {code}")
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(out.read_bytes())
    return fds


def _comments(f) -> dict[tuple[int, ...], str]:
    out = {}
    for loc in f.source_code_info.location:
        text = loc.leading_comments.strip()
        if text:
            out[tuple(loc.path)] = " ".join(line.strip() for line in text.splitlines())
    return out


def _type_name(field, map_entries: dict | None = None) -> str:
    """The field's type as it is written in the .proto: `map<K, V>` for map fields."""
    from google.protobuf import descriptor_pb2 as d

    # protoc lowers `map<K, V> f` to `repeated FEntry f` with a synthetic nested FEntry
    # message (options.map_entry) whose fields are key = 1 and value = 2.
    entry = (map_entries or {}).get(field.type_name)
    if entry is not None and field.label == d.FieldDescriptorProto.LABEL_REPEATED:
        key, value = (_type_name(f) for f in sorted(entry.field, key=lambda f: f.number))
        return f"map<{key}, {value}>"
    if field.type_name:
        name = field.type_name.lstrip(".").removeprefix("kiln.v1.")
    else:
        name = d.FieldDescriptorProto.Type.Name(field.type).removeprefix("TYPE_").lower()
    if field.label == d.FieldDescriptorProto.LABEL_REPEATED:
        return f"repeated {name}"
    return f"optional {name}" if field.proto3_optional else name


def _message(lines: list[str], msg, path: tuple[int, ...], comments, package: str, prefix: str = "") -> None:
    name = f"{prefix}{msg.name}"
    if msg.options.map_entry:
        return
    entries = {f".{package}.{name}.{n.name}": n for n in msg.nested_type if n.options.map_entry}
    lines += [f"### {name}", "", comments.get(path, ""), ""]
    if msg.field:
        lines += ["| field | type | description |", "|---|---|---|"]
        for i, fld in enumerate(msg.field):
            text = comments.get((*path, _FIELD, i), "").replace("|", "\\|")
            lines.append(f"| `{fld.name}` | `{_type_name(fld, entries)}` | {text} |")
        lines.append("")
    for i, nested in enumerate(msg.nested_type):
        _message(lines, nested, (*path, _NESTED, i), comments, package, f"{name}.")


def render(fds) -> str:
    lines = [
        "# Kiln API reference (kiln.v1)",
        "",
        "Generated from the comments in `protos/kiln/v1/` by `python scripts/gen_api_docs.py`; do not edit.",
        "",
    ]
    for f in fds.file:
        if not f.name.startswith("kiln/"):
            continue
        comments = _comments(f)
        lines += [f"## {f.name}", ""]
        for si, svc in enumerate(f.service):
            lines += [
                f"### service {svc.name}",
                "",
                comments.get((_SERVICE, si), ""),
                "",
                "| rpc | request | response | description |",
                "|---|---|---|---|",
            ]
            for mi, m in enumerate(svc.method):
                req = ("stream " if m.client_streaming else "") + m.input_type.split(".")[-1]
                resp = ("stream " if m.server_streaming else "") + m.output_type.split(".")[-1]
                text = comments.get((_SERVICE, si, _METHOD, mi), "").replace("|", "\\|")
                lines.append(f"| `{m.name}` | `{req}` | `{resp}` | {text} |")
            lines.append("")
        for ei, enum in enumerate(f.enum_type):
            lines += [
                f"### enum {enum.name}",
                "",
                comments.get((_ENUM, ei), ""),
                "",
                "| value | description |",
                "|---|---|",
            ]
            for vi, v in enumerate(enum.value):
                text = comments.get((_ENUM, ei, _ENUM_VALUE, vi), "").replace("|", "\\|")
                lines.append(f"| `{v.name}` | {text} |")
            lines.append("")
        for mi, msg in enumerate(f.message_type):
            _message(lines, msg, (_MESSAGE, mi), comments, f.package)
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description="Generate docs/api.md from the proto comments.")
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/api.md is stale")
    args = ap.parse_args()
    text = render(descriptor_set())
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is stale: run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
