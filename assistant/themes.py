"""Themes of the interviews: the interviewees' words clustered on the vectors already in the index.

The units are the index's chunks of interviewee turns (never the interviewers' questions, the
summary's own prose or unattributed text), one speaker each. Their stored MiniLM vectors (nothing
is re-embedded) are L2-normalised and clustered agglomeratively with Ward linkage (Euclidean
distance on unit vectors orders pairs as cosine does): SciPy's Ward tree, the one scikit-learn's
``AgglomerativeClustering(linkage="ward")`` builds, fed distances from one matrix product instead
of a pairwise loop. The tree is built once; the number of themes is given, or chosen by the best
cosine silhouette among the cuts of that tree whose every theme has two passages and two
speakers or more. Rows are read sorted by chunk id and the tree has no random start, so a given
index always yields the same themes.

Each theme gets:

* a label from the corpus's own words: the top terms of class-based TF-IDF (c-TF-IDF, as in
  BERTopic: a term's frequency in the theme times the log of how rare it is across themes);
* a one-line extractive takeaway: the sentence of a central passage that carries most of the
  theme's top terms, quoted verbatim;
* the speakers who speak to it, and 2–4 representative quotes (the most central passages, one
  per speaker first), each verified like an answer's quotes: verbatim in its passage
  (:func:`interview_qa.assistant.verify.find_verbatim`) and credited to that passage's speaker.

The speaker × theme matrix holds the share of each speaker's words in each theme and the
speaker's best quote there. :func:`relate_summary` places a summary's sections and quotes
against the themes (for the evaluation and ``verify-summary``).
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.verify import find_verbatim
from interview_qa.ingest.errors import InterviewQAError
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER

if TYPE_CHECKING:
    import numpy as np

    from interview_qa.ingest.index import Index, StoredChunks

#: Called as ``progress(stage, done, total)``; stages are the keys of prompts.THEMES_PROGRESS.
ThemeProgress = Callable[[str, int, int], None]

#: Most themes ``auto`` considers, and most a caller may ask for.
MAX_THEMES = 12
MAX_ASKED = 50
#: Fewest passages worth clustering, and most: the distance matrix grows as the square
#: (10,000 passages take about 1 GB while the tree is built).
MIN_UNITS = 4
MAX_UNITS = 10_000
#: Longest quote shown whole; a longer passage is quoted by its best run of sentences.
QUOTE_CHARS = 320
#: How many terms make a label.
LABEL_TERMS = 3
#: The least cosine similarity to a theme's centroid that can support a summary section by
#: nearness (a theme's radius is its least central passage's similarity, never below this).
SUPPORT_SIMILARITY = 0.5

#: Words too common in speech to name a theme (on top of scikit-learn's English stop words).
_FILLER_WORDS = """yeah yes okay ok like just really think know mean actually lot things thing kind
sort going want way ve ll don didn doesn isn re maybe something sometimes also us"""
FILLERS = frozenset(_FILLER_WORDS.split())


class ThemeError(InterviewQAError):
    """Themes cannot be computed for this request (nothing to cluster, a bad number, an unknown
    speaker); the message is one line meant for the user."""


@dataclass
class ThemeQuote:
    """A verbatim quote of one passage, credited to that passage's speaker, with its citation."""

    speaker: str
    initials: str
    quote: str
    source_path: str
    start_char: int
    end_char: int
    chunk_id: str
    doc_id: str = ""
    start_time: float | None = None
    end_time: float | None = None
    similarity: float = 0.0
    verified: bool = False

    @property
    def where(self) -> str:
        """Where the quote is: time span if timed, else character offsets."""
        if self.start_time is not None:
            end = f"–{_clock(self.end_time)}" if self.end_time is not None else ""
            return f"{_clock(self.start_time)}{end}"
        return f"chars {self.start_char}–{self.end_char}"


@dataclass
class Theme:
    """One theme: label, takeaway, speakers and quotes."""

    id: int
    label: str
    keywords: list[str]
    takeaway: ThemeQuote | None
    speakers: list[str]
    speaker_total: int
    quotes: list[ThemeQuote]
    size: int
    cohesion: float
    members: list[str] = field(default_factory=list)

    @property
    def speaker_share(self) -> str:
        """ "4 of 6"."""
        return f"{len(self.speakers)} of {self.speaker_total}"

    @property
    def question(self) -> str:
        """The question the app asks about this theme."""
        return prompts.THEMES_ASK.format(label=" and ".join(self.keywords[:2]) or self.label)


@dataclass
class SpeakerThemes:
    """One row of the speaker × theme matrix."""

    speaker: str
    initials: str
    words: int
    units: int
    documents: list[str]
    role: str
    #: theme id → share of the speaker's words in that theme (0–1).
    shares: dict[int, float]
    #: theme id → the speaker's most central quote in that theme.
    best: dict[int, ThemeQuote]

    def top_themes(self, n: int = 3) -> list[tuple[int, float]]:
        """The themes this speaker says most on: (theme id, share), largest first."""
        ranked = sorted(self.shares.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(t, s) for t, s in ranked[:n] if s > 0]


@dataclass
class Unit:
    """A clustered passage: a chunk of one interviewee's words and its theme."""

    id: str
    text: str
    meta: dict[str, Any]
    initials: str
    theme: int = 0
    similarity: float = 0.0


@dataclass
class ThemeReport:
    """What :func:`find_themes` found."""

    themes: list[Theme]
    speakers: list[SpeakerThemes]
    units: list[Unit]
    method: str
    kinds: list[str]
    silhouette: float | None
    candidates: dict[int, float]
    documents: int
    seconds: float
    #: Unit-length centroid of each theme, row ``theme.id - 1``.
    centroids: Any = None

    def theme(self, theme_id: int) -> Theme:
        """The theme with this id."""
        return self.themes[theme_id - 1]

    def all_quotes(self) -> list[tuple[Theme, ThemeQuote]]:
        """Every quote shown: each theme's quotes, then each speaker's best quote per theme."""
        out = [(t, q) for t in self.themes for q in t.quotes]
        out += [(t, t.takeaway) for t in self.themes if t.takeaway is not None]
        out += [(self.theme(i), q) for row in self.speakers for i, q in sorted(row.best.items())]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``themes.json``)."""
        themes = []
        for t in self.themes:
            themes.append(
                {
                    "id": t.id,
                    "label": t.label,
                    "keywords": t.keywords,
                    "takeaway": t.takeaway.quote if t.takeaway else "",
                    "takeaway_quote": _quote_dict(t.takeaway) if t.takeaway else None,
                    "speakers": t.speakers,
                    "speaker_share": t.speaker_share,
                    "size": t.size,
                    "cohesion": round(t.cohesion, 4),
                    "question": t.question,
                    "quotes": [_quote_dict(q) for q in t.quotes],
                }
            )
        ids = [t.id for t in self.themes]
        matrix = {
            "themes": [t.label for t in self.themes],
            "speakers": [row.initials for row in self.speakers],
            "values": [[round(row.shares.get(i, 0.0), 4) for i in ids] for row in self.speakers],
            "unit": "share of the speaker's words",
            "best_quotes": {
                row.initials: {
                    self.theme(i).label: _quote_dict(q) for i, q in sorted(row.best.items())
                }
                for row in self.speakers
            },
        }
        return {
            "themes": themes,
            "matrix": matrix,
            "method": self.method,
            "kinds": self.kinds,
            "units": len(self.units),
            "documents": self.documents,
            "silhouette": None if self.silhouette is None else round(self.silhouette, 4),
            "silhouette_by_k": {str(k): round(v, 4) for k, v in self.candidates.items()},
            "seconds": round(self.seconds, 3),
        }


def _quote_dict(q: ThemeQuote) -> dict[str, Any]:
    data = asdict(q)
    data["similarity"] = round(q.similarity, 4)
    return {k: v for k, v in data.items() if v is not None}


def _clock(seconds: float | None) -> str:
    s = int(seconds or 0)
    return (
        f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60}:{s % 60:02d}"
    )


# ---- selecting the units --------------------------------------------------------------------


def _is_interviewee(meta: dict[str, Any]) -> bool:
    speaker = str(meta.get("speaker", ""))
    return meta.get("role") == "interviewee" and speaker not in (SUMMARY_SPEAKER, UNKNOWN_SPEAKER)


def select_units(
    chunks: StoredChunks,
    registry: dict[str, str],
    *,
    speakers: Sequence[str] = (),
    kinds: Sequence[str] = ("transcript",),
) -> tuple[list[Unit], list[Any]]:
    """The interviewees' passages of the chosen kinds (and speakers), with their vectors."""
    wanted = {k.lower() for k in kinds}
    units: list[Unit] = []
    vectors: list[Any] = []
    keep_speakers = _resolve_speakers(speakers, chunks, registry, wanted)
    for id_, text, meta, vector in zip(
        chunks.ids, chunks.texts, chunks.metadatas, chunks.vectors, strict=True
    ):
        if not _is_interviewee(meta) or str(meta.get("kind", "")).lower() not in wanted:
            continue
        label = str(meta.get("speaker"))
        if keep_speakers is not None and label not in keep_speakers:
            continue
        if not text.strip():
            continue
        initials = registry.get(label) or str(meta.get("initials") or label)
        units.append(Unit(id_, text, meta, initials))
        vectors.append(vector)
    return units, vectors


def _resolve_speakers(
    names: Sequence[str], chunks: StoredChunks, registry: dict[str, str], kinds: set[str]
) -> set[str] | None:
    if not names:
        return None
    labels = {
        str(m.get("speaker"))
        for m in chunks.metadatas
        if _is_interviewee(m) and str(m.get("kind", "")).lower() in kinds
    }
    keep: set[str] = set()
    for name in names:
        want = name.strip().lower()
        hits = {
            label
            for label in labels
            if want in (label.lower(), (registry.get(label) or "").lower())
        }
        if not hits:
            shown = ", ".join(sorted(registry.get(s) or s for s in labels)) or "none"
            raise ThemeError(prompts.THEMES_UNKNOWN_SPEAKER.format(name=name, speakers=shown))
        keep |= hits
    return keep


# ---- clustering -----------------------------------------------------------------------------


def _normalised(vectors: list[Any]) -> np.ndarray:
    import numpy as np

    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def _cut(children: np.ndarray, n: int, k: int) -> np.ndarray:
    """Flat labels (0..k-1, numbered by first member) of a merge tree cut into ``k`` clusters."""
    import numpy as np

    parent = list(range(2 * n - 1))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for step in range(n - k):
        a, b = (int(c) for c in children[step])
        parent[root(a)] = parent[root(b)] = n + step
    roots = [root(i) for i in range(n)]
    numbering: dict[int, int] = {}
    return np.array([numbering.setdefault(r, len(numbering)) for r in roots], dtype=np.int64)


def silhouette(distances: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Mean silhouette of ``labels`` (0..k-1) over a precomputed distance matrix, as
    ``sklearn.metrics.silhouette_score(..., metric="precomputed")`` defines it (a passage alone
    in its cluster scores 0), computed with one matrix product per call."""
    import numpy as np

    n = len(labels)
    rows = np.arange(n)
    onehot = np.zeros((n, k), dtype=distances.dtype)
    onehot[rows, labels] = 1.0
    sums = np.asarray(distances @ onehot, dtype=np.float64)
    sizes = onehot.sum(axis=0).astype(np.float64)
    own = sizes[labels]
    a = sums[rows, labels] / np.maximum(own - 1.0, 1.0)
    mean_to = sums / np.maximum(sizes, 1.0)
    mean_to[rows, labels] = np.inf
    mean_to[:, sizes == 0] = np.inf
    b = mean_to.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[(own <= 1) | ~np.isfinite(s)] = 0.0
    return float(s.mean())


def cluster(
    x: np.ndarray,
    n_themes: int | None,
    progress: ThemeProgress | None = None,
    owners: Sequence[str] = (),
) -> tuple[np.ndarray, float | None, dict[int, float]]:
    """Cluster unit vectors: (labels 0..k-1, silhouette of the chosen cut, silhouette by k).

    ``n_themes`` None chooses k by the best cosine silhouette among the cuts whose every theme
    has two passages or more and, when ``owners`` (each unit's speaker) name several speakers,
    two speakers or more: a theme of the interviews is something several people speak to. When
    no cut qualifies, the best silhouette of any cut wins."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    n = len(x)
    x = np.asarray(x, dtype=np.float32)
    distances = x @ x.T
    np.subtract(1.0, distances, out=distances)
    np.clip(distances, 0.0, 2.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    # Ward on unit vectors: Euclidean distance is sqrt(2 × cosine distance). The distances come
    # from one matrix product (BLAS) instead of a pairwise loop; the tree is SciPy's Ward
    # linkage, the one scikit-learn's AgglomerativeClustering(linkage="ward") builds.
    condensed = squareform(distances, checks=False).astype(np.float64)
    np.sqrt(2.0 * condensed, out=condensed)
    tree = linkage(condensed, method="ward")
    children = tree[:, :2].astype(np.int64)
    del condensed

    def cut(k: int) -> np.ndarray:
        # SciPy cuts a monotone tree at k clusters quickly; ties in merge heights can make it
        # give fewer, and then the exact cut after n - k merges is taken.
        flat = fcluster(tree, k, criterion="maxclust")
        if int(flat.max()) == k:
            return np.asarray(flat, dtype=np.int64) - 1
        return _cut(children, n, k)

    def score(labels: np.ndarray) -> float | None:
        k = int(labels.max()) + 1 if len(labels) else 0
        if k < 2 or k >= n:
            return None
        return silhouette(distances, labels, k)

    if n_themes is not None:
        k = max(1, min(n_themes, n))
        labels = cut(k)
        if progress:
            progress("cluster", 1, 1)
        return labels, score(labels), {}
    top = max(2, min(MAX_THEMES, n // 2))
    candidates: dict[int, float] = {}
    cuts: dict[int, np.ndarray] = {}
    for i, k in enumerate(range(2, top + 1)):
        labels = cut(k)
        value = score(labels)
        if value is not None:
            candidates[k], cuts[k] = value, labels
        if progress:
            progress("cluster", i + 1, top - 1)
    if not candidates:
        labels = np.zeros(n, dtype=np.int64)
        return labels, None, {}
    several = len(set(owners)) >= 2

    def shared(labels: np.ndarray) -> bool:
        if np.bincount(labels).min() < 2:
            return False
        if not several:
            return True
        voices: dict[int, set[str]] = defaultdict(set)
        for label, owner in zip(labels.tolist(), owners, strict=True):
            voices[label].add(owner)
        return min(len(v) for v in voices.values()) >= 2

    pool = [k for k in candidates if shared(cuts[k])] or list(candidates)
    best = max(pool, key=lambda k: (round(candidates[k], 6), -k))
    return cuts[best], candidates[best], candidates


# ---- labels (c-TF-IDF) ----------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")


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
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    stop = ENGLISH_STOP_WORDS | FILLERS
    stemmer = Stemmer.Stemmer("english")
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    stems: dict[str, str] = {}

    def analyse(text: str) -> list[str]:
        out: list[str] = []
        for a, b in sentence_spans(text) or [(0, len(text))]:
            previous: str | None = None
            for m in _TOKEN.finditer(text[a:b]):
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


def _term_score(text: str, weights: dict[str, float]) -> float:
    """How much of a theme's weight (by shown term) ``text`` carries, per square-root word."""
    words = [w.lower().replace("’", "'") for w in _TOKEN.findall(text)]
    if not words:
        return 0.0
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return sum(weights.get(g, 0.0) for g in grams) / math.sqrt(len(words))


# ---- quotes ---------------------------------------------------------------------------------


def _best_span(text: str, weights: dict[str, float], limit: int = QUOTE_CHARS) -> tuple[int, int]:
    """The run of whole sentences of ``text`` (at most ``limit`` characters, unless one sentence
    is longer) that carries most of the theme's terms; the whole text when short enough."""
    if len(text) <= limit:
        lead = len(text) - len(text.lstrip())
        return lead, len(text.rstrip())
    spans = sentence_spans(text) or [(0, len(text))]
    best = (spans[0][0], spans[0][1])
    best_score = -1.0
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            a, b = spans[i][0], spans[j][1]
            if b - a > limit and j > i:
                break
            value = _term_score(text[a:b], weights)
            if value > best_score:
                best, best_score = (a, b), value
    return best


def _takeaway(group: list[Unit], weights: dict[str, float]) -> ThemeQuote | None:
    """One sentence of the theme's most central passages: the one that carries most of the
    theme's terms, among sentences of six words or more when there are any."""
    central = sorted(group, key=lambda u: (-u.similarity, u.id))[:5]
    candidates = [
        (u, span) for u in central for span in (sentence_spans(u.text) or [(0, len(u.text))])
    ]
    if not candidates:
        return None
    long_enough = [c for c in candidates if len(c[0].text[c[1][0] : c[1][1]].split()) >= 6]
    pool = long_enough or candidates
    unit, span = max(
        pool,
        key=lambda c: (
            _term_score(c[0].text[c[1][0] : c[1][1]], weights) * (0.5 + c[0].similarity),
            c[0].similarity,
            -c[1][0],
        ),
    )
    return make_quote(unit, span)


def make_quote(unit: Unit, span: tuple[int, int]) -> ThemeQuote:
    """The quote of ``unit``'s text at ``span``, verified, with its citation. Offsets are the
    quote's own in the source file when the passage maps to it character for character, else
    the passage's."""
    a, b = span
    quote = unit.text[a:b]
    meta = unit.meta
    start, end = int(meta.get("start_char", 0)), int(meta.get("end_char", 0))
    if end - start == len(unit.text):
        start, end = start + a, start + b
    # An exact substring is verbatim by definition; anything else gets the full check.
    verbatim = quote in unit.text or find_verbatim(quote, unit.text) is not None
    verified = verbatim and str(meta.get("speaker")) != SUMMARY_SPEAKER
    return ThemeQuote(
        speaker=str(meta.get("speaker")),
        initials=unit.initials,
        quote=quote,
        source_path=str(meta.get("source_path", "")),
        start_char=start,
        end_char=end,
        chunk_id=unit.id,
        doc_id=str(meta.get("doc_id", "")),
        start_time=_float(meta.get("start_time")),
        end_time=_float(meta.get("end_time")),
        similarity=unit.similarity,
        verified=verified,
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _representatives(members: list[Unit], weights: dict[str, float]) -> list[ThemeQuote]:
    """2–4 quotes: the most central passages, one per speaker first, then the next central."""
    ranked = sorted(members, key=lambda u: (-u.similarity, u.id))
    picked: list[Unit] = []
    seen: set[str] = set()
    for u in ranked:
        if u.initials not in seen and len(picked) < 4:
            picked.append(u)
            seen.add(u.initials)
    for u in ranked:
        if len(picked) >= min(2, len(ranked)):
            break
        if u not in picked:
            picked.append(u)
    quotes = [make_quote(u, _best_span(u.text, weights)) for u in picked]
    return [q for q in quotes if q.verified]


# ---- the whole computation ------------------------------------------------------------------


def find_themes(
    index: Index,
    *,
    speakers: Sequence[str] = (),
    kinds: Sequence[str] = ("transcript",),
    n_themes: int | None = None,
    progress: ThemeProgress | None = None,
) -> ThemeReport:
    """Themes of the interviewees' words in ``index`` (see the module's docstring).

    ``n_themes`` None chooses the number automatically. Raises ThemeError when there is
    nothing (or too little) to cluster, or a speaker is unknown; the index's own errors
    (IndexEmptyError, IndexUnavailableError) pass through.
    """
    import numpy as np

    started = time.perf_counter()
    if n_themes is not None and not 1 <= n_themes <= MAX_ASKED:
        raise ThemeError(prompts.THEMES_BAD_COUNT.format(maximum=MAX_ASKED, value=n_themes))
    if progress:
        progress("read", 0, 1)
    chunks = index.stored_chunks()
    registry = chunks.registry
    units, vectors = select_units(chunks, registry, speakers=speakers, kinds=kinds)
    if progress:
        progress("read", 1, 1)
    if not units:
        scope = f" ({', '.join(kinds)})" if kinds else ""
        raise ThemeError(prompts.THEMES_NONE.format(scope=scope))
    if len(units) < MIN_UNITS:
        raise ThemeError(prompts.THEMES_TOO_FEW.format(units=len(units), minimum=MIN_UNITS))
    if len(units) > MAX_UNITS:
        raise ThemeError(prompts.THEMES_TOO_MANY.format(units=len(units), maximum=MAX_UNITS))
    x = _normalised(vectors)
    raw, silhouette, candidates = cluster(x, n_themes, progress, [u.initials for u in units])

    # Themes numbered 1.. by size (largest first), ties by their first passage's id.
    sizes = Counter(raw.tolist())
    first = {c: i for i, c in reversed(list(enumerate(raw.tolist())))}
    order = sorted(sizes, key=lambda c: (-sizes[c], units[first[c]].id))
    renumber = {c: n + 1 for n, c in enumerate(order)}
    labels = np.array([renumber[c] for c in raw.tolist()])
    k = len(order)
    centroids = np.zeros((k, x.shape[1]), dtype=np.float32)
    for t in range(1, k + 1):
        centre = x[labels == t].mean(axis=0)
        centroids[t - 1] = centre / max(float(np.linalg.norm(centre)), 1e-12)
    similarity = np.einsum("ij,ij->i", x, centroids[labels - 1])
    for u, t, s in zip(units, labels.tolist(), similarity.tolist(), strict=True):
        u.theme, u.similarity = int(t), float(s)

    members: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        members[u.theme].append(u)
    terms = unit_terms([u.text for u in units])
    if terms.names:
        weights, passages = class_tfidf(terms, labels, k)
    else:
        weights = passages = np.zeros((k, 0))
    speaker_total = len({u.initials for u in units})
    themes: list[Theme] = []
    theme_weights: dict[int, dict[str, float]] = {}
    for t in range(1, k + 1):
        if progress:
            progress("label", t - 1, k)
        group = members[t]
        row = weights[t - 1]
        keywords = top_terms(terms, row, passages[t - 1], len(group)) if terms.names else []
        strongest = np.argsort(-row)[:40]
        theme_weights[t] = {}
        for i in strongest:
            if row[i] > 0:
                # Surface forms of the term, so sentences can be scored without stemming.
                for form in {terms.shown[i], terms.names[i]}:
                    theme_weights[t][form] = max(theme_weights[t].get(form, 0.0), float(row[i]))
        words: Counter[str] = Counter()
        for u in group:
            words[u.initials] += len(u.text.split())
        takeaway = _takeaway(group, theme_weights[t])
        themes.append(
            Theme(
                id=t,
                label=" · ".join(keywords) if keywords else f"theme {t}",
                keywords=keywords,
                takeaway=takeaway if takeaway is not None and takeaway.verified else None,
                speakers=[s for s, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))],
                speaker_total=speaker_total,
                quotes=_representatives(group, theme_weights[t]),
                size=len(group),
                cohesion=float(np.mean([u.similarity for u in group])),
                members=[u.id for u in group],
            )
        )
    if progress:
        progress("label", k, k)
    rows = _speaker_rows(units, theme_weights)
    documents = len({str(u.meta.get("doc_id", "")) for u in units})
    method = f"agglomerative clustering (Ward) of {len(units)} passage vectors, " + (
        f"{k} themes asked" if n_themes is not None else f"{k} themes by best silhouette"
    )
    return ThemeReport(
        themes=themes,
        speakers=rows,
        units=units,
        method=method,
        kinds=list(kinds),
        silhouette=silhouette,
        candidates=candidates,
        documents=documents,
        seconds=time.perf_counter() - started,
        centroids=centroids,
    )


def _speaker_rows(
    units: list[Unit], theme_weights: dict[int, dict[str, float]]
) -> list[SpeakerThemes]:
    by_speaker: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_speaker[u.initials].append(u)
    rows = []
    for initials in sorted(by_speaker, key=lambda s: (-len(by_speaker[s]), s)):
        group = by_speaker[initials]
        total = sum(len(u.text.split()) for u in group) or 1
        per_theme: Counter[int] = Counter()
        best_unit: dict[int, Unit] = {}
        for u in group:
            per_theme[u.theme] += len(u.text.split())
            held = best_unit.get(u.theme)
            if held is None or (u.similarity, held.id) > (held.similarity, u.id):
                best_unit[u.theme] = u
        best = {
            t: make_quote(u, _best_span(u.text, theme_weights.get(t, {})))
            for t, u in best_unit.items()
        }
        rows.append(
            SpeakerThemes(
                speaker=str(group[0].meta.get("speaker")),
                initials=initials,
                words=total,
                units=len(group),
                documents=sorted({str(u.meta.get("doc_id", "")) for u in group}),
                role=str(group[0].meta.get("role", "")),
                shares={t: per_theme[t] / total for t in sorted(per_theme)},
                best={t: q for t, q in best.items() if q.verified},
            )
        )
    return rows


def parse_theme_count(value: str | int | None) -> int | None:
    """``--themes``: a number, or ``auto`` (None)."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
        return None
    try:
        number = int(value)
    except ValueError:
        raise ThemeError(prompts.THEMES_BAD_COUNT.format(maximum=MAX_ASKED, value=value)) from None
    if not 1 <= number <= MAX_ASKED:
        raise ThemeError(prompts.THEMES_BAD_COUNT.format(maximum=MAX_ASKED, value=value))
    return number


# ---- a summary against the themes -----------------------------------------------------------


@dataclass
class SummaryQuote:
    """A quote the summary attributes to a speaker, placed in a theme: through the transcript
    passage that holds it verbatim (``unit``), else by its nearest theme centroid."""

    section: str
    initials: str
    quote: str
    theme: int
    unit: str | None


@dataclass
class SectionSupport:
    """One section of a summary against the themes of the transcripts."""

    section: str
    passages: int
    quotes: int
    #: The theme nearest the section's centroid, and their cosine similarity.
    best_theme: int
    similarity: float
    #: How close the section must be to that theme's centroid to be supported by nearness
    #: (:func:`theme_radius`).
    radius: float
    #: Themes of the transcript passages the section quotes verbatim.
    quoted_themes: list[int] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        """Whether some theme of the transcripts supports the section: it quotes passages of a
        theme, or it lies as close to a theme's centroid as that theme's own passages do."""
        return bool(self.quoted_themes) or self.similarity >= self.radius

    @property
    def supporting(self) -> list[int]:
        """The themes that support the section."""
        near = [self.best_theme] if self.similarity >= self.radius else []
        return sorted(set(self.quoted_themes) | set(near))


@dataclass
class SummaryRelation:
    """A summary's sections against the themes: which are supported, which themes it omits."""

    sections: list[SectionSupport]
    quotes: list[SummaryQuote]
    left_out: list[int]

    def unsupported(self) -> list[SectionSupport]:
        """Sections no theme of the transcripts supports."""
        return [s for s in self.sections if not s.supported]

    def covered_share(self) -> float:
        """Share of the sections that some theme supports."""
        if not self.sections:
            return 0.0
        return sum(s.supported for s in self.sections) / len(self.sections)


def theme_radius(report: ThemeReport, theme_id: int) -> float:
    """How close to a theme's centroid its own passages lie (the cosine similarity of its least
    central passage), never below :data:`SUPPORT_SIMILARITY`."""
    sims = [u.similarity for u in report.units if u.theme == theme_id]
    return max(SUPPORT_SIMILARITY, min(sims)) if sims else 1.0


def relate_summary(
    report: ThemeReport, index: Index, chunks: StoredChunks | None = None
) -> SummaryRelation:
    """Place the index's summary against ``report``'s themes.

    Each section (the summary's chunks sharing a section path) is supported by the themes of
    the transcript passages it quotes, and by its nearest theme when the centroid of its stored
    vectors lies within that theme's radius (:func:`theme_radius`). Each attributed quote of
    the summary goes to the theme of the transcript passage of the same speaker that holds it
    verbatim, or that it holds (quotes in a row merge into one chunk), else to the theme
    nearest its own vector. A theme is left
    out when no section is supported by it and no quote falls in it."""
    import numpy as np

    chunks = chunks or index.stored_chunks()
    registry = chunks.registry
    by_section: dict[str, list[int]] = defaultdict(list)
    for i, meta in enumerate(chunks.metadatas):
        if str(meta.get("kind")) == "summary" and meta.get("section"):
            by_section[str(meta["section"])].append(i)
    centroids = np.asarray(report.centroids)
    radii = {t.id: theme_radius(report, t.id) for t in report.themes}
    by_speaker: dict[str, list[Unit]] = defaultdict(list)
    for u in report.units:
        by_speaker[u.initials.lower()].append(u)
    sections: list[SectionSupport] = []
    quotes: list[SummaryQuote] = []
    for section, rows in by_section.items():
        x = _normalised([chunks.vectors[i] for i in rows])
        centre = x.mean(axis=0)
        centre = centre / max(float(np.linalg.norm(centre)), 1e-12)
        sims = centroids @ centre
        best = int(np.argmax(sims)) + 1
        count = 0
        quoted: list[int] = []
        for i in rows:
            meta = chunks.metadatas[i]
            if not _is_interviewee(meta):
                continue
            label = str(meta.get("speaker"))
            initials = registry.get(label) or str(meta.get("initials") or label)
            text = chunks.texts[i]
            held = _holders(text, by_speaker.get(initials.lower(), []))
            if held:
                placed = [SummaryQuote(section, initials, u.text, u.theme, u.id) for u in held]
                quoted.extend(u.theme for u in held)
            else:
                nearest = int(np.argmax(centroids @ x[rows.index(i)])) + 1
                placed = [SummaryQuote(section, initials, text, nearest, None)]
            quotes.extend(placed)
            count += len(placed)
        sections.append(
            SectionSupport(
                section=section,
                passages=len(rows),
                quotes=count,
                best_theme=best,
                similarity=float(sims[best - 1]),
                radius=radii[best],
                quoted_themes=sorted(set(quoted)),
            )
        )
    used = {t for s in sections for t in s.supporting} | {q.theme for q in quotes}
    left_out = [t.id for t in report.themes if t.id not in used]
    return SummaryRelation(sections=sections, quotes=quotes, left_out=left_out)


def _holders(text: str, units: list[Unit]) -> list[Unit]:
    """The passages that hold ``text`` verbatim, else those ``text`` holds, in order."""
    inside = [u for u in units if find_verbatim(text, u.text) is not None]
    if inside:
        return inside[:1]
    return [u for u in units if find_verbatim(u.text, text) is not None]
