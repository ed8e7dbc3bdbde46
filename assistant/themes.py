"""Themes of the interviews: the interviewees' words clustered on the vectors already in the index.

The units are the index's chunks of interviewee turns (never the interviewers' questions, the
summary's own prose or unattributed text), one speaker each. Their stored MiniLM vectors (nothing
is re-embedded) are L2-normalised and clustered agglomeratively with Ward linkage
(:mod:`~interview_qa.assistant.theme_clusters`). The tree is built once; the number of themes is
given, or chosen by the best cosine silhouette among the cuts of that tree whose every theme has
two passages and two speakers or more. Rows are read sorted by chunk id and the tree has no
random start, so a given index always yields the same themes.

Each theme gets:

* a label, a short phrase of the theme's own words: the heading its passages answer that is
  most distinctive of it, else its most central passage's key phrase
  (:mod:`~interview_qa.assistant.theme_labels`), and keywords, the top terms of class-based
  TF-IDF (:mod:`~interview_qa.assistant.theme_terms`);
* a one-line extractive takeaway: the sentence of a central passage that carries most of the
  theme's top terms, quoted verbatim;
* the speakers who speak to it, and 2–4 representative quotes (the most central passages, one
  per speaker first), each verified like an answer's quotes
  (:mod:`~interview_qa.assistant.theme_quotes`). With a cross-encoder configured
  (``rerank.kind=cross-encoder``), each passage's centrality is also moved by the
  cross-encoder's reading of it against the theme's label, as an answer's units are moved
  against the question; the clusters themselves stay the vectors'.

The speaker × theme matrix holds the share of each speaker's words in each theme and the
speaker's best quote there. The result types are in :mod:`~interview_qa.assistant.theme_model`.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from interview_qa.assistant import prompts
from interview_qa.assistant.questions import lookup_speaker
from interview_qa.assistant.theme_clusters import ThemeProgress, cluster, normalised
from interview_qa.assistant.theme_labels import theme_labels
from interview_qa.assistant.theme_model import SpeakerThemes, Theme, ThemeError, ThemeReport, Unit
from interview_qa.assistant.theme_quotes import best_quote, representatives, takeaway
from interview_qa.assistant.theme_terms import class_tfidf, shown_weights, top_terms, unit_terms
from interview_qa.ingest.turns import SUMMARY_SPEAKER, UNKNOWN_SPEAKER

if TYPE_CHECKING:
    import numpy as np

    from interview_qa.assistant.relevance import PairScorer
    from interview_qa.ingest.index import Index, StoredChunks

#: Most themes a caller may ask for.
MAX_ASKED = 50
#: Fewest passages worth clustering, and most: the distance matrix grows as the square
#: (10,000 passages take about 1 GB while the tree is built).
MIN_UNITS = 4
MAX_UNITS = 10_000


# ---- selecting the units --------------------------------------------------------------------


def is_interviewee(meta: dict[str, Any]) -> bool:
    """Whether a stored chunk holds an interviewee's own words (not the summary's prose, not
    unattributed text)."""
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
        if not is_interviewee(meta) or str(meta.get("kind", "")).lower() not in wanted:
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
    """The interviewee labels ``names`` mean, read as ``ask --speaker`` reads them
    (:func:`~interview_qa.assistant.questions.lookup_speaker`: a label or initials in any case,
    else everyone bearing that first or last name)."""
    if not names:
        return None
    labels = {
        str(m.get("speaker"))
        for m in chunks.metadatas
        if is_interviewee(m) and str(m.get("kind", "")).lower() in kinds
    }
    people = {label: registry.get(label) or label for label in sorted(labels)}
    keep: set[str] = set()
    for name in names:
        hits = lookup_speaker(name, people)
        if not hits:
            shown = ", ".join(sorted(people.values())) or "none"
            raise ThemeError(prompts.THEMES_UNKNOWN_SPEAKER.format(name=name, speakers=shown))
        keep.update(hits)
    return keep


def _check_count(units: list[Unit], kinds: Sequence[str]) -> None:
    if not units:
        scope = f" ({', '.join(kinds)})" if kinds else ""
        raise ThemeError(prompts.THEMES_NONE.format(scope=scope))
    if len(units) < MIN_UNITS:
        raise ThemeError(prompts.THEMES_TOO_FEW.format(units=len(units), minimum=MIN_UNITS))
    if len(units) > MAX_UNITS:
        raise ThemeError(prompts.THEMES_TOO_MANY.format(units=len(units), maximum=MAX_UNITS))


# ---- the whole computation ------------------------------------------------------------------


def find_themes(
    index: Index,
    *,
    speakers: Sequence[str] = (),
    kinds: Sequence[str] = ("transcript",),
    n_themes: int | None = None,
    progress: ThemeProgress | None = None,
    scorer: PairScorer | None = None,
) -> ThemeReport:
    """Themes of the interviewees' words in ``index`` (see the module's docstring).

    ``n_themes`` None chooses the number automatically. ``scorer``, the relevance stage's
    cross-encoder (:func:`~interview_qa.assistant.relevance.pair_scorer_for`), reads each
    passage against its theme's label, and the quotes follow its reading as well as the
    vectors'. Raises ThemeError when there is nothing (or too little) to cluster, or a speaker
    is unknown; the index's own errors (IndexEmptyError, IndexUnavailableError) pass through.
    """
    started = time.perf_counter()
    if n_themes is not None and not 1 <= n_themes <= MAX_ASKED:
        raise ThemeError(prompts.THEMES_BAD_COUNT.format(maximum=MAX_ASKED, value=n_themes))
    if progress:
        progress("read", 0, 1)
    chunks = index.stored_chunks()
    units, vectors = select_units(chunks, chunks.registry, speakers=speakers, kinds=kinds)
    if progress:
        progress("read", 1, 1)
    _check_count(units, kinds)
    x = normalised(vectors)
    raw, silhouette, candidates = cluster(x, n_themes, progress, [u.initials for u in units])
    labels, centroids = _place(units, x, raw)
    reading = (scorer, index.settings.rerank.cross_encoder_weight) if scorer else None
    themes, theme_weights = _describe(units, labels, len(centroids), progress, reading)
    documents = len({str(u.meta.get("doc_id", "")) for u in units})
    k = len(themes)
    method = f"agglomerative clustering (Ward) of {len(units)} passage vectors, " + (
        f"{k} themes asked" if n_themes is not None else f"{k} themes by best silhouette"
    )
    if scorer is not None:
        method += f", quotes read against each theme's label by {scorer.name}"
    return ThemeReport(
        themes=themes,
        speakers=speaker_rows(units, theme_weights),
        units=units,
        method=method,
        kinds=list(kinds),
        silhouette=silhouette,
        candidates=candidates,
        documents=documents,
        seconds=time.perf_counter() - started,
        centroids=centroids,
    )


def _place(units: list[Unit], x: np.ndarray, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the clusters 1.. by size (largest first, ties by their first passage's id), give
    each unit its theme and its similarity to the theme's centroid; (labels, centroids)."""
    import numpy as np

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
    return labels, centroids


def _describe(
    units: list[Unit],
    labels: np.ndarray,
    k: int,
    progress: ThemeProgress | None,
    reading: tuple[PairScorer, float] | None = None,
) -> tuple[list[Theme], dict[int, dict[str, float]]]:
    """Each theme's keywords, label, takeaway, speakers and quotes; and each theme's term
    weights by surface form (for the speakers' best quotes). With ``reading`` (a cross-encoder
    and its weight), each passage is scored against its theme's label before the quotes are
    chosen."""
    import numpy as np

    members: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        members[u.theme].append(u)
    terms = unit_terms([u.text for u in units])
    if terms.names:
        weights, passages = class_tfidf(terms, labels, k)
    else:
        weights = passages = np.zeros((k, 0))
    speaker_total = len({u.initials for u in units})
    keywords: dict[int, list[str]] = {}
    theme_weights: dict[int, dict[str, float]] = {}
    for t in range(1, k + 1):
        if progress:
            progress("label", t - 1, k)
        if terms.names:
            row = weights[t - 1]
            keywords[t] = top_terms(terms, row, passages[t - 1], len(members[t]))
            theme_weights[t] = shown_weights(terms, row)
        else:
            keywords[t], theme_weights[t] = [], {}
    names = theme_labels(members, theme_weights)
    if reading is not None:
        read_against_labels(members, names, keywords, *reading)
    themes = [
        _theme(t, names[t], members[t], keywords[t], theme_weights[t], speaker_total)
        for t in range(1, k + 1)
    ]
    if progress:
        progress("label", k, k)
    return themes, theme_weights


def read_against_labels(
    members: dict[int, list[Unit]],
    names: dict[int, str],
    keywords: dict[int, list[str]],
    scorer: PairScorer,
    weight: float,
) -> None:
    """Score every passage against its theme's label and first keywords with ``scorer``, and
    move its centrality as the relevance stage moves an answer's units
    (:func:`~interview_qa.assistant.relevance.cross_encoder_shift`)."""
    from interview_qa.assistant.relevance import cross_encoder_shift

    for t, group in members.items():
        query = names.get(t, "")
        if keywords.get(t):
            query = (
                f"{query}: {', '.join(keywords[t][:3])}" if query else ", ".join(keywords[t][:3])
            )
        if not query or not group:
            continue
        shifts = cross_encoder_shift(scorer.predict([(query, u.text) for u in group]), weight)
        for u, shift in zip(group, shifts.tolist(), strict=True):
            u.shift = float(shift)


def _theme(
    t: int,
    label: str,
    group: list[Unit],
    keywords: list[str],
    weights: dict[str, float],
    speaker_total: int,
) -> Theme:
    import numpy as np

    words: Counter[str] = Counter()
    for u in group:
        words[u.initials] += len(u.text.split())
    line = takeaway(group, weights)
    return Theme(
        id=t,
        label=label,
        keywords=keywords,
        takeaway=line if line is not None and line.verified else None,
        speakers=[s for s, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))],
        speaker_total=speaker_total,
        quotes=representatives(group, weights),
        size=len(group),
        cohesion=float(np.mean([u.similarity for u in group])),
        members=[u.id for u in group],
    )


def speaker_rows(
    units: list[Unit], theme_weights: dict[int, dict[str, float]]
) -> list[SpeakerThemes]:
    """The speaker × theme matrix: each speaker's share of words per theme and best quote
    there (their most central passage in it), speakers with the most passages first."""
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
            if held is None or (u.centrality, held.id) > (held.centrality, u.id):
                best_unit[u.theme] = u
        best = {t: best_quote(u, theme_weights.get(t, {})) for t, u in best_unit.items()}
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
