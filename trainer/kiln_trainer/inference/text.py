"""Turning a growing list of token ids into text deltas, holding back what a stop string or an
unfinished UTF-8 character could still change."""

from __future__ import annotations

from collections.abc import Callable

REPLACEMENT = "\ufffd"


class TextStream:
    """Feed the ids of one sample; get back the text that is safe to emit.

    `decode` maps ids to text. Re-decoding all ids at every token cost O(n) per token (close to a
    millisecond at 256 tokens, paid for every row on the engine's hot path), so only a short
    window is decoded: the tokens since the last committed text plus the few before them
    (`_prefix`), whose text is subtracted. The context tokens keep tokenizers whose decoding of
    a token depends on its neighbours (a sentencepiece leading space, byte-merging BPE) right;
    text is only committed once it no longer ends in half a UTF-8 character.
    """

    def __init__(self, decode: Callable[[list[int]], str], stop: tuple[str, ...] = ()):
        self.decode = decode
        self.stop = stop
        self.ids: list[int] = []
        self.emitted = 0  # characters of the text already handed out
        self.text = ""
        self.stopped = False
        self._prefix = 0  # ids[_prefix:_read] are context whose text is already in self.text
        self._read = 0

    def _window(self) -> str:
        """Text of the ids after `_read` (empty while it would end in half a character)."""
        before = self.decode(self.ids[self._prefix : self._read])
        now = self.decode(self.ids[self._prefix :])
        if len(now) <= len(before) or now.endswith(REPLACEMENT):
            return ""
        self._prefix, self._read = self._read, len(self.ids)
        return now[len(before) :]

    def push(self, token_id: int) -> str:
        """Add one token; return the new safe text (may be empty). Sets `stopped` on a stop string."""
        self.ids.append(token_id)
        text = self.text + self._window()
        # Held-back text never holds a whole stop string, so a new match starts at or after
        # what was emitted; the earliest match over all stop strings wins.
        hits = [at for s in self.stop if (at := text.find(s, self.emitted)) != -1]
        if hits:
            self.stopped = True
            text = text[: min(hits)]
        self.text = text
        if self.stopped:
            return self._take(len(text))
        return self._take(len(text) - self._holdback(text))

    def finish(self) -> str:
        """The rest of the text once the sample ended (a held-back partial stop is real output)."""
        if not self.stopped and self._read < len(self.ids):
            # A trailing partial character: emit what the full decode shows (replacement chars).
            before = self.decode(self.ids[self._prefix : self._read])
            now = self.decode(self.ids[self._prefix :])
            self.text += now[len(before) :]
            self._prefix = self._read = len(self.ids)
        return self._take(len(self.text))

    def _take(self, upto: int) -> str:
        upto = max(upto, self.emitted)
        out = self.text[self.emitted : upto]
        self.emitted = upto
        return out

    def _holdback(self, text: str) -> int:
        n = 0
        # A trailing replacement char is usually half a multi-byte character: wait for the rest.
        while n < len(text) and text[len(text) - 1 - n] == REPLACEMENT and n < 3:
            n += 1
        for s in self.stop:
            for k in range(min(len(s) - 1, len(text)), 0, -1):
                if text.endswith(s[:k]):
                    n = max(n, k)
                    break
        return n
