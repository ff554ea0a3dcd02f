"""Text deltas: stop strings are cut and never leak in a partial chunk."""

from kiln_trainer.inference.text import TextStream

CHARS = {i: c for i, c in enumerate("abcdefghijklmnopqrstuvwxyz ")}


def decode(ids):
    return "".join(CHARS[i] for i in ids)


def ids(text):
    rev = {c: i for i, c in CHARS.items()}
    return [rev[c] for c in text]


def feed(stream, text):
    out = []
    for t in ids(text):
        out.append(stream.push(t))
        if stream.stopped:
            break
    return out


def test_without_stop_strings_every_token_is_emitted_at_once():
    s = TextStream(decode)
    assert feed(s, "abc") == ["a", "b", "c"]


def test_a_stop_string_is_cut_and_its_prefix_is_held_back():
    s = TextStream(decode, ("end",))
    out = feed(s, "the end of it")
    assert "".join(out) == "the "
    assert s.stopped and s.text == "the "
    # "e" and "en" could have started "end": they were held back, not emitted and retracted.
    assert out[:5] == ["t", "h", "", "", " "] or "".join(out[:5]).startswith("th")


def test_a_held_back_prefix_is_released_when_it_turns_out_not_to_be_a_stop():
    s = TextStream(decode, ("xyz",))
    out = feed(s, "axyb")
    assert "".join(out) + s.finish() == "axyb"
    assert not s.stopped


def test_the_earliest_of_several_stop_strings_wins():
    s = TextStream(decode, ("cd", "b"))
    feed(s, "abcd")
    assert s.text == "a"


def test_finish_flushes_a_partial_stop_prefix():
    s = TextStream(decode, ("zz",))
    out = feed(s, "abz")
    assert "".join(out) == "ab"
    assert s.finish() == "z"


def test_windowed_decoding_equals_decoding_everything_on_a_real_tokenizer():
    import random

    from kiln_trainer.models.loader import load_causal_lm

    tok = load_causal_lm("kiln-gpt-tiny").tokenizer

    def dec(x):
        return tok.decode(x, skip_special_tokens=True)

    rng = random.Random(0)
    text_ids = tok.encode("Naïve café — 日本語 text, with  spaces\nand lines. " * 4, add_special_tokens=False)
    for seq in [text_ids, [rng.randrange(tok.vocab_size) for _ in range(300)]]:
        s = TextStream(dec)
        out = [s.push(t) for t in seq]
        assert "".join(out) + s.finish() == dec(seq)
