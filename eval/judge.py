"""The support judge, measured: its false-support and false-rejection rates on a labelled set.

``eval/judge_pairs.jsonl`` holds labelled (sentence, passage) pairs of the bundled corpus, one
JSON object a line: ``id``, ``split``, ``kind``, ``label`` (``supported`` or ``unsupported``),
``sentence`` (a statement the way an llm answer would put it, citation markers left out),
``passage`` (an indexed chunk's text, or an exact excerpt of one), ``speaker`` (the passage's
initials) and, optionally, ``question`` (what the sentence answers). Splits: ``dev``, written by
hand, what the judge was tuned on; ``test``, written by hand and held out; ``llm``, held out
too: the sentences Qwen2.5-Coder-1.5B-Instruct wrote in llm mode over the open questions
(``python -m bench.llm``), each with the passage it cites after the system's citing and its
question, labelled by reading.

Kinds: ``paraphrase`` and ``verbatim`` (a quote lightly reworded, or credited "G. says…") are
supported; ``wrong_speaker`` (another speaker's claim, credited to this passage's speaker or to
the other, paired with this passage), ``negated``, ``exaggerated`` ("always", "every", "only",
numbers changed), ``off_topic`` and ``mixed`` (half the passage's, half invented) are not.

What the judge alone can be asked to catch: it reads the claim, not who is credited with it
(names and initials are not claim words), so a ``wrong_speaker`` pair is one whose *claim* this
passage doesn't make. A sentence that restates this passage word for word but credits another
speaker is the attribution check's to refuse (``llm_check``: the speaker a sentence names must be
the cited passage's), and is not in the set.

Rates: false support = unsupported pairs judged supported, over the unsupported pairs; false
rejection = supported pairs judged unsupported, over the supported pairs; overall, per split and
per kind. ``interview-qa eval`` reports them for the judge it scores citations with (the
configured embedder, or ``--embedding-model``'s), gated by the ``[judge.max]`` table of the
thresholds file; ``python -m interview_qa.eval.judge`` prints them alone.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from interview_qa.eval.gold import read_jsonl
from interview_qa.ingest import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from interview_qa.assistant import SupportScorer

DEFAULT_PAIRS = Path(__file__).resolve().parent / "judge_pairs.jsonl"
SUPPORTED_KINDS = ("paraphrase", "verbatim")
UNSUPPORTED_KINDS = ("wrong_speaker", "negated", "exaggerated", "off_topic", "mixed")
SPLITS = ("dev", "test", "llm")
_FIELDS = ("id", "split", "kind", "label", "sentence", "passage", "speaker")


@dataclass(frozen=True)
class JudgePair:
    """One labelled (sentence, passage) pair."""

    id: str
    split: str
    kind: str
    label: str
    sentence: str
    passage: str
    speaker: str
    #: The question the sentence answers, when known (the ``llm`` split's): a sentence may not
    #: read its words into a passage that doesn't use them.
    question: str = ""

    @property
    def supported(self) -> bool:
        """Whether the passage supports the sentence (the label)."""
        return self.label == "supported"


def _check_pair(path: Path, n: int, row: Any) -> JudgePair:
    if not isinstance(row, dict):
        raise InputError(path, f"line {n}: not a JSON object")
    missing = [f for f in _FIELDS if not isinstance(row.get(f), str) or not row[f].strip()]
    if missing:
        raise InputError(path, f"line {n}: missing or empty {', '.join(missing)}")
    question = row.get("question", "")
    if not isinstance(question, str):
        raise InputError(path, f"line {n}: question must be a string")
    pair = JudgePair(**{f: row[f] for f in _FIELDS}, question=question)
    if pair.split not in SPLITS:
        raise InputError(path, f"line {n}: split must be one of {', '.join(SPLITS)}")
    if pair.kind not in (*SUPPORTED_KINDS, *UNSUPPORTED_KINDS):
        raise InputError(path, f"line {n}: unknown kind {pair.kind!r}")
    if pair.supported != (pair.kind in SUPPORTED_KINDS) or pair.label not in (
        "supported",
        "unsupported",
    ):
        raise InputError(path, f"line {n}: kind {pair.kind} is never labelled {pair.label!r}")
    return pair


def load_pairs(path: Path | None = None) -> list[JudgePair]:
    """Read and validate a labelled pair file (default: the bundled eval/judge_pairs.jsonl).
    Raises InputError, one line naming the file and line, on the first problem found."""
    path = Path(path) if path is not None else DEFAULT_PAIRS
    pairs = [_check_pair(path, n, row) for n, row in read_jsonl(path, "pair file")]
    ids = [p.id for p in pairs]
    if len(set(ids)) != len(ids):
        raise InputError(path, "pair ids must be unique")
    if not pairs:
        raise InputError(path, "holds no pairs")
    return pairs


@dataclass(frozen=True)
class Verdict:
    """The judge's decision on one pair: supported or not, its score (None: verbatim), and the
    contradiction it found, if any."""

    pair: JudgePair
    supported: bool
    score: float | None
    reason: str | None = None

    @property
    def wrong(self) -> bool:
        """Whether the judge disagrees with the label."""
        return self.supported != self.pair.supported


def judge(scorer: SupportScorer, pair: JudgePair) -> Verdict:
    """The judge's verdict on one pair, the way llm mode decides a sentence citing one passage
    (:func:`interview_qa.assistant.passage_support`): the question's words (when the pair has
    its question) not read into the passage, verbatim in it or ``scorer.score >=
    scorer.threshold``, and no clause added that the passage lacks."""
    from interview_qa.assistant import asked_words, passage_support, prompts, verbatim_support

    if verbatim_support(pair.sentence, (), pair.passage):
        return Verdict(pair, True, None)
    asked = asked_words(pair.question)
    found = passage_support(scorer, pair.sentence, pair.passage, asked)
    reason: str | None = None
    if found.missing:  # the reasons llm mode gives (assistant/prompts.py)
        words = ", ".join(sorted({asked[w] for w in found.missing}))
        reason = prompts.STATEMENT_QUESTION_WORDS.format(words=words)
    elif found.added:
        reason = prompts.STATEMENT_ADDED.format(clause=found.added)
    elif not found.ok and callable(parts := getattr(scorer, "parts", None)):
        reason = parts(pair.sentence, pair.passage).contradiction
    return Verdict(pair, found.ok, found.score, reason)


@dataclass(frozen=True)
class Rates:
    """False support and false rejection over some verdicts."""

    false_support: int
    unsupported: int
    false_rejection: int
    supported: int

    @classmethod
    def of(cls, verdicts: Sequence[Verdict]) -> Rates:
        """Count the wrong verdicts on each side."""
        neg = [v for v in verdicts if not v.pair.supported]
        pos = [v for v in verdicts if v.pair.supported]
        return cls(sum(v.supported for v in neg), len(neg), sum(v.wrong for v in pos), len(pos))

    @property
    def false_support_rate(self) -> float | None:
        """Unsupported pairs judged supported, over the unsupported pairs."""
        return self.false_support / self.unsupported if self.unsupported else None

    @property
    def false_rejection_rate(self) -> float | None:
        """Supported pairs judged unsupported, over the supported pairs."""
        return self.false_rejection / self.supported if self.supported else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts and rates."""
        return {
            "false_support": self.false_support_rate,
            "false_support_count": self.false_support,
            "unsupported": self.unsupported,
            "false_rejection": self.false_rejection_rate,
            "false_rejection_count": self.false_rejection,
            "supported": self.supported,
        }


def _by_split(verdicts: Sequence[Verdict]) -> dict[str, dict[str, Any]]:
    """The rates of each split and of all the verdicts together (``"all"``)."""
    out = {s: Rates.of([v for v in verdicts if v.pair.split == s]).to_dict() for s in SPLITS}
    return {**out, "all": Rates.of(verdicts).to_dict()}


def evaluate_judge(
    scorer: SupportScorer, embedder: str, path: Path | None = None
) -> dict[str, Any]:
    """Judge every pair of ``path`` (default: the bundled set): the rates per split and overall
    (``"all"``), the same per kind, and every verdict, JSON-ready (``meta["judge"]`` of the eval
    report)."""
    pairs = load_pairs(path)
    warm = getattr(scorer, "warm", None)
    if callable(warm):  # the lexical + embedding judge: embed every text in one batch
        warm([(p.sentence, p.passage) for p in pairs])
    verdicts = [judge(scorer, p) for p in pairs]
    kinds = [k for k in (*SUPPORTED_KINDS, *UNSUPPORTED_KINDS) if any(p.kind == k for p in pairs)]
    return {
        "pairs_file": str(path or DEFAULT_PAIRS),
        "pairs": len(pairs),
        "scorer": scorer.name,
        "embedder": embedder,
        "threshold": scorer.threshold,
        "rates": _by_split(verdicts),
        "kinds": {k: _by_split([v for v in verdicts if v.pair.kind == k]) for k in kinds},
        "verdicts": [
            {
                "id": v.pair.id,
                "kind": v.pair.kind,
                "split": v.pair.split,
                "label": v.pair.label,
                "supported": v.supported,
                "score": v.score,
                "reason": v.reason,
                "sentence": v.pair.sentence,
            }
            for v in verdicts
        ],
    }


# ---- the gate --------------------------------------------------------------------------------

#: The rates the ``[judge.max]`` table of a thresholds file can hold ceilings for.
GATED = ("false_support", "false_rejection")


def judge_thresholds(path: Path | None) -> dict[str, float]:
    """The ceilings of the ``[judge.max]`` table of a thresholds file (none without a file)."""
    import tomllib

    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(path, f"cannot read the thresholds ({exc})") from None
    table = dict(dict(data.get("judge", {})).get("max", {}))
    unknown = sorted(set(table) - set(GATED))
    if unknown:
        raise InputError(path, f"[judge.max] knows {', '.join(GATED)}, not {', '.join(unknown)}")
    return {k: float(v) for k, v in table.items()}


def judge_gate(report: Mapping[str, Any], ceilings: Mapping[str, float]) -> list[str]:
    """One line per rate (over all the pairs) above its ceiling; empty when the judge passes."""
    rates = report["rates"]["all"]
    return [
        f"support judge {key.replace('_', ' ')}: {rates[key]:.3f} is above its ceiling {limit:g}"
        for key, limit in ceilings.items()
        if rates.get(key) is not None and rates[key] > limit + 1e-9
    ]


# ---- showing it ------------------------------------------------------------------------------


def _cell(rates: Mapping[str, Any], side: str) -> str:
    """``2/44 (4.5%)`` for one side (``false_support`` or ``false_rejection``), ``—`` if none."""
    total = rates["unsupported" if side == "false_support" else "supported"]
    if not total:
        return "—"
    return f"{rates[side + '_count']}/{total} ({rates[side]:.1%})"


def judge_rows(report: Mapping[str, Any]) -> list[list[str]]:
    """Table rows: each kind, then the two rates overall; columns: what is measured, dev, test,
    all."""
    rows = []
    for kind, by_split in report["kinds"].items():
        side = "false_rejection" if kind in SUPPORTED_KINDS else "false_support"
        label = f"{kind} ({'rejected' if side == 'false_rejection' else 'judged supported'})"
        rows.append([label, *[_cell(by_split[s], side) for s in (*SPLITS, "all")]])
    for side in GATED:
        name = side.replace("_", " ")
        rows.append([name, *[_cell(report["rates"][s], side) for s in (*SPLITS, "all")]])
    return rows


def judge_title(report: Mapping[str, Any]) -> str:
    """What was measured: the judge, its embedder, the pairs."""
    return (
        f"support judge ({report['scorer']}, {report['embedder']}, threshold "
        f"{report['threshold']:g}): {report['pairs']} labelled pairs of "
        f"{Path(report['pairs_file']).name}"
    )


def print_judge(console: Console, report: Mapping[str, Any]) -> None:
    """The judge's rates as a terminal table, and its gate's failures."""
    from rich.table import Table

    table = Table("pairs", *SPLITS, "all", title=judge_title(report), title_justify="left")
    rows = judge_rows(report)
    for i, row in enumerate(rows):
        if i == len(rows) - len(GATED):
            table.add_section()
        table.add_row(*row)
    console.print(table)
    for line in report.get("gate", {}).get("failures", []):
        console.print(f"[yellow]below threshold:[/] {line}")


def judge_markdown(report: Mapping[str, Any] | None) -> list[str]:
    """report.md's support judge section: the rates, the gate, the pairs judged wrong."""
    if not report:
        return []
    out = ["", "## Support judge", "", judge_title(report) + ".", ""]
    header = ["pairs (misjudged / n)", *SPLITS, "all"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in judge_rows(report)]
    out += [*lines, ""]
    gate = report.get("gate")
    if gate and gate.get("ceilings"):
        limits = ", ".join(f"{k.replace('_', ' ')} ≤ {v:g}" for k, v in gate["ceilings"].items())
        out.append(f"Gate ({limits}, all pairs): " + ("pass." if gate["passed"] else "FAIL."))
        out += [f"- FAIL {line}" for line in gate["failures"]]
        out.append("")
    wrong = [v for v in report["verdicts"] if v["supported"] != (v["label"] == "supported")]
    out.append(f"Misjudged pairs ({len(wrong)}):" if wrong else "No pair misjudged.")
    for v in wrong:
        score = "verbatim" if v["score"] is None else f"{v['score']:.2f}"
        why = f"; {v['reason']}" if v.get("reason") else ""
        out.append(f"- {v['id']} ({v['split']}, {v['label']}, score {score}{why}): {v['sentence']}")
    return out


def add_gate(report: dict[str, Any], thresholds: Path | None) -> dict[str, Any]:
    """Gate an :func:`evaluate_judge` report by the ceilings of ``thresholds``' ``[judge.max]``
    table (none without a file): ``report["gate"]`` says which they are, whether the rates hold
    them and the lines that don't. Returns ``report``."""
    ceilings = judge_thresholds(thresholds)
    failures = judge_gate(report, ceilings)
    report["gate"] = {"ceilings": ceilings, "passed": not failures, "failures": failures}
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m interview_qa.eval.judge [--embedding-model DIR] [--json]``: the support
    judge's rates on the bundled pairs, gated by eval/thresholds.toml (exit 1 when above a
    ceiling)."""
    from rich.console import Console

    from interview_qa.assistant import make_scorer
    from interview_qa.eval.gate import DEFAULT_THRESHOLDS
    from interview_qa.ingest import Settings, make_embedder

    parser = argparse.ArgumentParser(prog="python -m interview_qa.eval.judge")
    parser.add_argument("--embedding-model", metavar="DIR", help="a sentence-transformers folder")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.embedding_model:
        settings = settings.with_overrides(embedding={"model_dir": args.embedding_model})
    embedder = make_embedder(settings)
    scorer = make_scorer(embedder, settings.support)
    report = add_gate(evaluate_judge(scorer, embedder.name), DEFAULT_THRESHOLDS)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_judge(Console(highlight=False), report)
    return 0 if report["gate"]["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
