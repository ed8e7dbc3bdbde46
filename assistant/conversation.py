"""A conversation: what was asked, how each question was read, and what was shown.

One object used by ``interview-qa chat``, the app and the evaluation, so that follow-ups
("why?", "tell me more", "what about retrospectives?") resolve the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interview_qa.assistant.results import Answer
from interview_qa.assistant.verify import normalize


@dataclass
class Conversation:
    """The answers so far, oldest first. Each Answer records how its question was read
    (``query``, ``follow_up``, ``notes``) and what it showed (``statements``)."""

    answers: list[Answer] = field(default_factory=list)

    def ask(self, assistant: Any, question: str, **options: Any) -> Answer:
        """Ask ``question`` of ``assistant`` (anything with the Assistant's ``ask(question,
        history, **options)``) as the next turn of this conversation, and keep the answer."""
        answer = assistant.ask(question, list(self.answers), **options)
        self.answers.append(answer)
        return answer

    def ask_anew(self, assistant: Any, question: str, **options: Any) -> Answer:
        """Ask ``question`` as a question of its own (not a follow-up), and keep the answer."""
        answer = assistant.ask(question, (), **options)
        self.answers.append(answer)
        return answer

    def shown(self) -> frozenset[str]:
        """Every quote shown so far, normalised."""
        return frozenset(
            normalize(q.text) for a in self.answers for st in a.statements for q in st.quotes
        )

    def branch(self) -> Conversation:
        """A copy to go on from without changing this one (evaluation chains)."""
        return Conversation(list(self.answers))

    def clear(self) -> None:
        """Start over."""
        self.answers.clear()
