"""Adjacent word pairs, indexed beside the words themselves for keyword search.

BM25 scores each word on its own: a chunk with "total" and "sales" in different rows ranks like
one that prints "Total sales", and a question usually names its figure by the label printed
beside it ("the change in Fixed Price sales", "deferred tax assets"). Indexing each pair of
adjacent content words as one more term lets BM25 reward a chunk that has the question's words
in the question's order: a light form of the sequential dependence model (Metzler and Croft,
"A Markov random field model for term dependencies", SIGIR 2005), with the pair's weight left to
BM25's own IDF (a rare pair counts a lot, "fiscal year" little).

Milvus's ``standard`` tokenizer splits at every character that is not a letter or a digit, so a
pair is written as its two words joined ("totalsales"): one token on both the indexed and the
query side, computed here with the same word boundaries and stop words. Pairs are formed across
stop words ("cost of sales" -> "costsales") and only between words holding a letter (figures and
years pair with everything and would only add noise).
"""

from __future__ import annotations

import re
from itertools import pairwise

# The stop filter's "_english_" list (the one rag.store's analyzer drops).
STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into"),
        *("is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then"),
        *("there", "these", "they", "this", "to", "was", "will", "with"),
    }
)
_WORD = re.compile(r"[^\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


def word_pairs(text: str) -> list[str]:
    """Each pair of adjacent content words of ``text``, as one token ("total sales" ->
    "totalsales"); words are split, lower-cased and filtered as the BM25 analyzer does."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    return [
        first + second
        for first, second in pairwise(words)
        if _LETTER.search(first) and _LETTER.search(second)
    ]


def with_word_pairs(text: str) -> str:
    """``text`` followed by its word pairs: what BM25 indexes, or searches with."""
    pairs = word_pairs(text)
    return f"{text}\n{' '.join(pairs)}" if pairs else text
