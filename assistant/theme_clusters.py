"""Clustering of the themes' passages: Ward's agglomerative clustering on unit vectors, the
number of themes given or chosen by cosine silhouette.

Euclidean distance on unit vectors orders pairs as cosine does; the tree is SciPy's Ward
linkage (the one scikit-learn's ``AgglomerativeClustering(linkage="ward")`` builds), fed
distances from one matrix product instead of a pairwise loop. It is built once and cut at each
number of themes considered; it has no random start, so given vectors always give the same
themes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: Called as ``progress(stage, done, total)``; stages are the keys of prompts.THEMES_PROGRESS.
ThemeProgress = Callable[[str, int, int], None]

#: Most themes ``auto`` considers.
MAX_THEMES = 12


def normalised(vectors: Sequence[Any]) -> np.ndarray:
    """The vectors as float32 rows of unit length (a zero vector stays zero)."""
    import numpy as np

    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def cut_tree(children: np.ndarray, n: int, k: int) -> np.ndarray:
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


@dataclass
class WardTree:
    """Ward's merge tree of ``n`` unit vectors, and their cosine distances (for silhouettes)."""

    n: int
    tree: Any
    distances: Any

    @classmethod
    def build(cls, x: np.ndarray) -> WardTree:
        """The tree of the rows of ``x`` (unit vectors)."""
        import numpy as np
        from scipy.cluster.hierarchy import linkage
        from scipy.spatial.distance import squareform

        x = np.asarray(x, dtype=np.float32)
        distances = x @ x.T
        np.subtract(1.0, distances, out=distances)
        np.clip(distances, 0.0, 2.0, out=distances)
        np.fill_diagonal(distances, 0.0)
        # Ward on unit vectors: Euclidean distance is sqrt(2 × cosine distance).
        condensed = squareform(distances, checks=False).astype(np.float64)
        np.sqrt(2.0 * condensed, out=condensed)
        return cls(len(x), linkage(condensed, method="ward"), distances)

    def cut(self, k: int) -> np.ndarray:
        """Labels 0..k-1 of the tree cut into ``k`` clusters."""
        import numpy as np
        from scipy.cluster.hierarchy import fcluster

        # SciPy cuts a monotone tree at k clusters quickly; ties in merge heights can make it
        # give fewer, and then the exact cut after n - k merges is taken.
        flat = fcluster(self.tree, k, criterion="maxclust")
        if int(flat.max()) == k:
            return np.asarray(flat, dtype=np.int64) - 1
        return cut_tree(self.tree[:, :2].astype(np.int64), self.n, k)

    def score(self, labels: np.ndarray) -> float | None:
        """Cosine silhouette of a cut; None for one cluster or one passage per cluster."""
        k = int(labels.max()) + 1 if len(labels) else 0
        if k < 2 or k >= self.n:
            return None
        return silhouette(self.distances, labels, k)


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

    tree = WardTree.build(x)
    n = tree.n
    if n_themes is not None:
        labels = tree.cut(max(1, min(n_themes, n)))
        if progress:
            progress("cluster", 1, 1)
        return labels, tree.score(labels), {}
    top = max(2, min(MAX_THEMES, n // 2))
    candidates: dict[int, float] = {}
    cuts: dict[int, np.ndarray] = {}
    for i, k in enumerate(range(2, top + 1)):
        labels = tree.cut(k)
        value = tree.score(labels)
        if value is not None:
            candidates[k], cuts[k] = value, labels
        if progress:
            progress("cluster", i + 1, top - 1)
    if not candidates:
        return np.zeros(n, dtype=np.int64), None, {}
    pool = [k for k in candidates if _shared(cuts[k], owners)] or list(candidates)
    best = max(pool, key=lambda k: (round(candidates[k], 6), -k))
    return cuts[best], candidates[best], candidates


def _shared(labels: np.ndarray, owners: Sequence[str]) -> bool:
    """Whether every cluster has two passages or more and, when the owners are several, two
    owners or more."""
    import numpy as np

    if np.bincount(labels).min() < 2:
        return False
    if len(set(owners)) < 2:
        return True
    voices: dict[int, set[str]] = defaultdict(set)
    for label, owner in zip(labels.tolist(), owners, strict=True):
        voices[label].add(owner)
    return min(len(v) for v in voices.values()) >= 2
