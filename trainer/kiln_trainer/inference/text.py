"""Turning a growing list of token ids into text deltas, holding back what a stop string or an
unfinished UTF-8 character could still change."""

from __future__ import annotations

from collections.abc import Callable

REPLACEMENT = "\ufffd"


class TextStream:
    """Feed the ids of one sample; get back the text that is safe to emit.

    `decode` maps ids to text. Text is re-decoded from all ids each time (outputs are at most a
    few hundred tokens, and incremental decoding is wrong for tokenizers that merge bytes).
    """

    def __init__(self, decode: Callable[[list[int]], str], stop: tuple[str, ...] = ()):
        self.decode = decode
        self.stop = stop
        self.ids: list[int] = []
        self.emitted = 0  # characters of the text already handed out
        self.text = ""
        self.stopped = False

    def push(self, token_id: int) -> str:
        """Add one token; return the new safe text (may be empty). Sets `stopped` on a stop string."""
        self.ids.append(token_id)
        text = self.decode(self.ids)
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
