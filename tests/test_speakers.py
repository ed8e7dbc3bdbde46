"""Label normalisation and the initials rule."""

from __future__ import annotations

from interview_qa.ingest import parse_file
from interview_qa.ingest.speakers import assign_initials, base_initials, normalize_label

from .conftest import FIXTURES


def test_normalize_label() -> None:
    assert normalize_label("**g.**") == "G."
    assert normalize_label("G..") == "G."
    assert normalize_label("  GEORGE   smith: ") == "George Smith"
    assert normalize_label("george smith") == "George Smith"
    assert normalize_label("SPEAKER_1") == "SPEAKER_1"
    assert normalize_label("Dmitry Petrashko") == "Dmitry Petrashko"
    assert normalize_label("[Ana]") == "Ana"


def test_base_initials() -> None:
    assert base_initials("G.") == "G."
    assert base_initials("D.P.") == "D.P."
    assert base_initials("Dmitry Petrashko") == "D.P."
    assert base_initials("Nell") == "N."
    assert base_initials("SPEAKER_01") == "SPEAKER_01"
    assert base_initials("Jean-Luc Picard") == "J.L.P."


def test_shared_initials_are_disambiguated_deterministically() -> None:
    labels = [t.speaker for t in parse_file(FIXTURES / "transcripts" / "collide.txt").turns]
    got = assign_initials(labels)
    assert got["Interviewer"] == "I."
    assert got["Dan Park"] != got["Diana Pope"] != got["Dan Parker"]
    assert len({got["Dan Park"], got["Diana Pope"], got["Dan Parker"]}) == 3
    assert got["Diana Pope"] == "D.Po."
    assert got["Dan Park"] == "D.Park." and got["Dan Parker"] == "D.Parke."
    assert "D.P." not in got.values()  # nobody keeps the shared initials
    # Same answer whatever the order the labels come in.
    assert assign_initials(reversed(labels)) == got


def test_initials_written_as_initials_are_kept_when_a_full_name_collides() -> None:
    got = assign_initials(["G.", "Gina", "Gus"])
    assert got["G."] == "G."
    assert got["Gina"] == "Gi." and got["Gus"] == "Gu."


def test_identical_letters_fall_back_to_numbers() -> None:
    got = assign_initials(["Al B", "Al Bo", "A.B."])
    assert got == {"A.B.": "A.B.", "Al Bo": "A.Bo.", "Al B": "A.B.#2"}
