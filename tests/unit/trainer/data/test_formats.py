"""JSONL record validators (torch-free; the gateway runs them on every uploaded line)."""

import pytest

from kiln_trainer.data.formats import RecordError, read_jsonl, validate_record

VALID = [
    ("sft", {"prompt": "Hi", "completion": "Hello"}),
    ("sft", {"prompt": "Hi", "completion": "Hello", "id": 7}),  # extra keys are allowed
    ("sft", {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}),
    (
        "sft",
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"},
                {"role": "user", "content": "Bye"},
            ]
        },
    ),
    ("preference", {"prompt": "Hi", "chosen": "Hello", "rejected": "Go away"}),
    ("prompts", {"prompt": "Hi"}),
]


@pytest.mark.parametrize(("fmt", "obj"), VALID)
def test_valid_records(fmt, obj):
    validate_record(fmt, obj)


INVALID = [
    ("sft", [], "record", "JSON object"),
    ("sft", {"prompt": "Hi"}, "completion", "missing"),
    ("sft", {"completion": "x"}, "prompt", "missing"),
    ("sft", {"prompt": "Hi", "completion": "   "}, "completion", "non-empty"),
    ("sft", {"prompt": 3, "completion": "x"}, "prompt", "string"),
    ("sft", {"messages": []}, "messages", "non-empty list"),
    ("sft", {"messages": "hi"}, "messages", "non-empty list"),
    ("sft", {"messages": ["hi"]}, "messages[0]", "object"),
    ("sft", {"messages": [{"role": "bot", "content": "x"}]}, "messages[0].role", "'bot'"),
    ("sft", {"messages": [{"role": "user", "content": ""}]}, "messages[0].content", "non-empty"),
    ("sft", {"messages": [{"role": "user", "content": "x"}]}, "messages", "assistant"),
    ("sft", {"messages": [{"role": "assistant", "content": "x"}], "prompt": "p"}, "messages", "not both"),
    ("preference", {"prompt": "p", "chosen": "c"}, "rejected", "missing"),
    ("preference", {"prompt": "p", "chosen": None, "rejected": "r"}, "chosen", "NoneType"),
    ("prompts", {"text": "p"}, "prompt", "missing"),
]


@pytest.mark.parametrize(("fmt", "obj", "field", "snippet"), INVALID)
def test_invalid_records(fmt, obj, field, snippet):
    with pytest.raises(RecordError) as e:
        validate_record(fmt, obj)
    assert e.value.field == field
    assert snippet in e.value.message


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown record format"):
        validate_record("dpo", {})


def test_read_jsonl_reports_line_numbers(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"prompt": "a", "completion": "b"}\n\n{"prompt": "a"}\n')
    with pytest.raises(RecordError) as e:
        read_jsonl(path, "sft")
    assert (e.value.line, e.value.field) == (3, "completion")
    assert str(e.value).startswith("line 3: completion")
    path.write_text('{"prompt": "a", "completion": "b"}\n{not json\n')
    with pytest.raises(RecordError, match="line 2: record: invalid JSON"):
        read_jsonl(path, "sft")
    path.write_text('{"prompt": "a", "completion": "b"}\n\n')
    assert read_jsonl(path, "sft") == [{"prompt": "a", "completion": "b"}]
