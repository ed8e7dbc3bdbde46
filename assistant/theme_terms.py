"""The themes' terms: class-based TF-IDF (c-TF-IDF, as in BERTopic: a term's frequency in the
theme times the log of how rare it is across themes) over stemmed words and two-word phrases of
adjacent words, stop words out. The terms are a theme's keywords, and weigh the sentences its
takeaway, quotes and label phrase are chosen from."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from interview_qa.ingest.sentences import sentence_spans

if TYPE_CHECKING:
    import numpy as np

#: How many terms make a theme's keywords.
LABEL_TERMS = 3
#: How many of a theme's strongest terms weigh its sentences.
WEIGHTED_TERMS = 40

#: Words too common in speech to name a theme (on top of scikit-learn's English stop words).
_FILLER_WORDS = """yeah yes okay ok like just really think know mean actually lot things thing kind
sort going want way ve ll don didn doesn isn re maybe something sometimes also us"""
FILLERS = frozenset(_FILLER_WORDS.split())
#: A word: letters, with inner apostrophes and hyphens.
TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


@functools.cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words and :data:`FILLERS`."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | FILLERS)


@dataclass
class Terms:
    """The units' terms (stemmed words and two-word phrases of adjacent words, stop words out):
    a unit × term count matrix, and each term shown in its words' most frequent forms."""

    names: list[str]
    shown: list[str]
    counts: Any


def unit_terms(texts: Sequence[str]) -> Terms:
    """Count every unit's terms (see :class:`Terms`)."""
    import Stemmer
    from sklearn.feature_extraction.text import CountVectorizer

    stop = stop_words()
    stemmer = Stemmer.Stemmer("english")
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    stems: dict[str, str] = {}

    def analyse(text: str) -> list[str]:
        out: list[str] = []
        for a, b in sentence_spans(text) or [(0, len(text))]:
            previous: str | None = None
            for m in TOKEN.finditer(text[a:b]):
                word = m.group(0).lower().replace("’", "'")
                if word in stop or "'" in word or len(word) < 3:
                    previous = None
                    continue
                stem = stems.get(word)
                if stem is None:
                    stem = stems[word] = stemmer.stemWord(word)
                surface[stem][word] += 1
                out.append(stem)
                if previous is not None:
                    out.append(f"{previous} {stem}")
                previous = stem
        return out

    vectorizer = CountVectorizer(analyzer=analyse)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words anywhere
        return Terms([], [], None)
    names = list(vectorizer.get_feature_names_out())
    common = {
        stem: min(forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        for stem, forms in surface.items()
    }
    shown = [" ".join(common[part] for part in n.split()) for n in names]
    return Terms(names, shown, counts.tocsr())


def class_tfidf(terms: Terms, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """c-TF-IDF weights of every term in each theme (rows, theme ``t`` at ``t - 1``), and in how
    many of the theme's passages each term occurs."""
    import numpy as np
    from scipy import sparse

    n = len(labels)
    membership = sparse.csr_matrix(
        (np.ones(n), (labels - 1, np.arange(n))), shape=(k, n), dtype=np.float64
    )
    tf = np.asarray((membership @ terms.counts).toarray(), dtype=np.float64)
    passages = np.asarray((membership @ (terms.counts > 0).astype(np.float64)).toarray())
    per_class = tf.sum(axis=1, keepdims=True)
    average = float(np.mean(per_class))
    frequency = tf.sum(axis=0)
    idf = np.log(1.0 + average / np.maximum(frequency, 1.0))
    return tf / np.maximum(per_class, 1.0) * idf, passages


def top_terms(
    terms: Terms, weights: np.ndarray, passages: np.ndarray, size: int, n: int = LABEL_TERMS
) -> list[str]:
    """The best ``n`` terms of one theme, shown in their commonest form: terms used in at least
    two of its passages first (when it has two), a phrase before a word of equal weight; a
    phrase replaces the words of it already chosen, and no other term repeats a chosen word."""
    recurring = size >= 2
    order = sorted(
        range(len(terms.names)),
        key=lambda i: (
            not (recurring and passages[i] >= 2),
            -round(float(weights[i]), 9),
            -terms.names[i].count(" "),
            terms.names[i],
        ),
    )
    chosen: list[int] = []
    for i in order:
        if weights[i] <= 0 or len(chosen) >= n:
            break
        words = set(terms.names[i].split())
        overlapping = [c for c in chosen if words & set(terms.names[c].split())]
        if overlapping:
            # A phrase replaces the single words of it already chosen; anything else that
            # repeats a chosen word is skipped.
            if len(words) < 2 or any(" " in terms.names[c] for c in overlapping):
                continue
            chosen = [c for c in chosen if c not in overlapping]
        chosen.append(i)
    return [terms.shown[i] for i in chosen[:n]]


def shown_weights(terms: Terms, row: np.ndarray, n: int = WEIGHTED_TERMS) -> dict[str, float]:
    """A theme's ``n`` strongest terms by their surface forms (shown and stemmed), so that
    sentences can be scored without stemming: form → c-TF-IDF weight."""
    import numpy as np

    weights: dict[str, float] = {}
    for i in np.argsort(-row)[:n]:
        if row[i] > 0:
            for form in {terms.shown[i], terms.names[i]}:
                weights[form] = max(weights.get(form, 0.0), float(row[i]))
    return weights


def term_score(text: str, weights: dict[str, float]) -> float:
    """How much of a theme's weight (by shown term) ``text`` carries, per square-root word."""
    words = [w.lower().replace("’", "'") for w in TOKEN.findall(text)]
    if not words:
        return 0.0
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return sum(weights.get(g, 0.0) for g in grams) / math.sqrt(len(words))
