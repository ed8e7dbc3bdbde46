"""Speaker-aware chunking, as a llama-index node parser.

A chunk never spans two speakers or two documents: each turn is chunked on its own; a turn
longer than ``max_chars`` is split at sentence boundaries, the next piece repeating the last
``overlap_sentences`` sentences of the previous one. Interviewer turns are not chunks of their
own: their text rides along as the ``question`` of the answer that follows. Notes (show notes,
disclaimers, bios before the first question) are nobody's words and are not indexed. Hosts'
turns are chunks like the guests' (role ``host``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.bridge.pydantic import Field
from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, Document, NodeRelationship, TextNode

from interview_qa.ingest.parsers import parse_text
from interview_qa.ingest.sentences import sentence_spans
from interview_qa.ingest.speakers import base_initials
from interview_qa.ingest.turns import SPOKEN_ROLES, ParsedDocument, Turn

#: Metadata shown to the embedder and BM25 beside the text; every other key is bookkeeping.
EMBEDDED_KEYS = ("section", "question")


def chunk_id(
    doc_id: str, turn_index: int, piece: int, text: str, speaker: str = "", role: str = ""
) -> str:
    """Stable chunk id: the same document, position, text and speaker always give the same id
    (a speaker renamed in ``speakers.yaml`` re-writes its chunks)."""
    key = f"{doc_id}\x00{turn_index}\x00{piece}\x00{text}\x00{speaker}\x00{role}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def split_turn(text: str, max_chars: int, overlap: int) -> list[tuple[int, int]]:
    """Spans of ``text`` no longer than ``max_chars`` (unless one sentence is), cut between
    sentences, each after the first starting ``overlap`` sentences back."""
    if len(text) <= max_chars:
        return [(0, len(text))]
    sentences = _bounded(sentence_spans(text), max_chars, text)
    pieces: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last = first
        while (
            last + 1 < len(sentences) and sentences[last + 1][1] - sentences[first][0] <= max_chars
        ):
            last += 1
        pieces.append((sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        first = max(last + 1 - overlap, first + 1)
    return pieces


def _bounded(spans: list[tuple[int, int]], max_chars: int, text: str) -> list[tuple[int, int]]:
    """Cut any sentence longer than ``max_chars`` at word boundaries."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while end - start > max_chars:
            cut = text.rfind(" ", start, start + max_chars)
            cut = cut if cut > start else start + max_chars
            out.append((start, cut))
            start = cut + (1 if text[cut : cut + 1] == " " else 0)
        out.append((start, end))
    return out


def turn_cues(turn: Turn) -> list[tuple[int, float, float | None]]:
    """Where each timed segment of ``turn`` starts in its text, and its start and end times."""
    cues: list[tuple[int, float, float | None]] = []
    offset = 0
    for seg in turn.segments:
        if seg.start_time is not None:
            cues.append((offset, seg.start_time, seg.end_time))
        offset += len(seg.text) + len(turn.joiner)
    return cues


def piece_cues(turn: Turn, a: int, b: int) -> list[list[float | int | None]]:
    """The timed segments said in ``turn.text[a:b]``, as ``[offset in the piece, start, end]``:
    the segment the piece starts in (offset 0), then each one starting inside it."""
    cues = turn_cues(turn)
    first = max((i for i, c in enumerate(cues) if c[0] <= a), default=None)
    out: list[list[float | int | None]] = []
    if first is not None:
        out.append([0, cues[first][1], cues[first][2]])
    out += [[off - a, start, end] for off, start, end in cues if a < off < b]
    return out


class SpeakerTurnNodeParser(NodeParser):
    """Parse transcript and summary Documents into one-speaker chunks with speaker metadata.

    Each input Document's text is a source file's full text; its metadata must hold
    ``source_path`` (format detection and error messages). Parsing errors raise InputError.
    """

    max_chars: int = Field(default=900, description="Longest chunk before a turn is split.")
    overlap_sentences: int = Field(default=1, description="Sentences repeated after a split.")
    hosts: list[str] = Field(
        default_factory=list, description="Names or labels of hosts (role `host`) in every file."
    )

    @classmethod
    def class_name(cls) -> str:
        """Name used by llama-index serialisation."""
        return "SpeakerTurnNodeParser"

    def _parse_nodes(
        self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any
    ) -> list[BaseNode]:
        out: list[BaseNode] = []
        for node in nodes:
            if not isinstance(node, Document):
                raise TypeError("SpeakerTurnNodeParser takes Documents (whole source files)")
            out.extend(self.chunk_document(node))
        return out

    def _postprocess_parsed_nodes(
        self, nodes: list[BaseNode], parent_doc_map: dict[str, Document]
    ) -> list[BaseNode]:
        # Offsets, metadata and relationships are set exactly in chunk_document; the base class
        # would re-locate each chunk by searching its text, which is wrong for repeated text.
        return nodes

    def chunk_document(self, document: Document) -> list[TextNode]:
        """Chunk one Document (a whole source file) into TextNodes."""
        path = Path(document.metadata["source_path"])
        parsed = parse_text(path, document.text, self.hosts)
        nodes: list[TextNode] = []
        turn_index = -1
        for turn in parsed.turns:
            if turn.role not in SPOKEN_ROLES:
                continue
            turn_index += 1
            for piece, (a, b) in enumerate(
                split_turn(turn.text, self.max_chars, self.overlap_sentences)
            ):
                nodes.append(self._node(document, parsed, turn, turn_index, piece, a, b))
        for prev, nxt in itertools.pairwise(nodes):
            prev.relationships[NodeRelationship.NEXT] = nxt.as_related_node_info()
            nxt.relationships[NodeRelationship.PREVIOUS] = prev.as_related_node_info()
        return nodes

    def _node(
        self,
        document: Document,
        parsed: ParsedDocument,
        turn: Turn,
        turn_index: int,
        piece: int,
        a: int,
        b: int,
    ) -> TextNode:
        text = turn.text[a:b]
        start, end = turn.source_span(a, b)
        doc_id = document.id_
        metadata: dict[str, Any] = {
            "doc_id": doc_id,
            "source_path": document.metadata["source_path"],
            "doc_hash": document.metadata.get("doc_hash", ""),
            "title": parsed.title,
            "kind": parsed.kind,
            "format": parsed.format,
            "speaker": turn.speaker,
            "initials": base_initials(turn.speaker),
            "role": turn.role,
            "turn_index": turn_index,
            "chunk_index": piece,
            "start_char": start,
            "end_char": end,
            "section": turn.section,
            "question": turn.question,
        }
        cues = piece_cues(turn, a, b)
        start_time = cues[0][1] if cues else turn.start_time
        end_time = cues[-1][2] if cues and cues[-1][2] is not None else turn.end_time
        if start_time is not None:
            metadata["start_time"] = start_time
        if end_time is not None:
            metadata["end_time"] = end_time
        if len(cues) > 1:
            metadata["cues"] = json.dumps(cues, separators=(",", ":"))
        shown = {k for k in EMBEDDED_KEYS if metadata[k]}
        excluded = [k for k in metadata if k not in shown]
        node = TextNode(
            id_=chunk_id(doc_id, turn_index, piece, text, turn.speaker, turn.role),
            text=text,
            metadata=metadata,
            excluded_embed_metadata_keys=excluded,
            excluded_llm_metadata_keys=excluded,
            start_char_idx=start,
            end_char_idx=end,
        )
        node.relationships[NodeRelationship.SOURCE] = document.as_related_node_info()
        return node
