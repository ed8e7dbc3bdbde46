"""Reading questions: speakers named, who-said, quotes, absent people, follow-ups, quantities,
names."""

from __future__ import annotations

from interview_qa.assistant.questions import (
    analyse,
    has_new_name,
    has_quantity,
    has_time_point,
    is_follow_up,
    keeps_speakers,
    named_thing,
    rewrite_follow_up,
    speakers_named,
    wants_date,
    wants_name,
    wants_quantity,
)

REGISTRY = {"G.": "G.", "N.": "N.", "Nell Carter": "N.C.", "summary": "summary"}


def test_speakers_by_initials_label_and_name() -> None:
    assert speakers_named("What does G. say about trust?", REGISTRY) == ["G."]
    assert speakers_named("Did Nell mention books?", REGISTRY) == ["Nell Carter"]
    assert speakers_named("what did nell carter say", REGISTRY) == ["Nell Carter"]
    assert speakers_named("What do they like?", REGISTRY) == []
    assert speakers_named("Is the U.S. mentioned?", REGISTRY) == []


def test_who_said_quote_and_absent_people() -> None:
    info = analyse('Who said "Read documentation"?', REGISTRY, set())
    assert info.who_said and info.quote == "Read documentation"
    assert (
        analyse("What does Martin say about Kubernetes?", REGISTRY, set()).unknown_person
        == "Martin"
    )
    assert analyse("What does Nell say?", REGISTRY, set()).unknown_person is None
    assert analyse("What do Staff engineers think?", REGISTRY, set()).unknown_person is None
    larson = analyse("What does Will Larson say?", REGISTRY, {"will", "larson"})
    assert larson.unknown_person is None


def test_follow_ups() -> None:
    for question in ("why?", "and what did N. say?", "any books on that?", "How so?", "And G.?"):
        assert is_follow_up(question, REGISTRY), question
    for question in (
        "What do they like most about the role?",
        "How do you build trust?",
        # "he" is the speaker the question names, not the previous question's.
        "What does Nell want to do when she gets out?",
    ):
        assert not is_follow_up(question, REGISTRY), question
    assert is_follow_up("What did Nell say about that?", REGISTRY)
    assert is_follow_up("And what did she say?", REGISTRY)
    assert (
        rewrite_follow_up("any books on that?", "building trust", REGISTRY)
        == "building trust books"
    )


def test_which_follow_ups_keep_the_speakers() -> None:
    for question in ("why?", "and what did N. say?", "why is that important?", "How so?"):
        assert keeps_speakers(question, REGISTRY), question
    assert not keeps_speakers("any books on that?", REGISTRY)


def test_quantities() -> None:
    assert wants_quantity("How many people work there?")
    assert wants_quantity("When were the interviews recorded?")
    assert not wants_quantity("How do you build trust?")
    assert has_quantity("maybe a year, a year and a half")
    assert has_quantity("Two years down the line")
    assert not has_quantity("several Staff-plus engineers")


def test_points_in_time() -> None:
    assert wants_date("When were the interviews recorded?")
    assert wants_date("When did you start programming?")
    assert wants_date("In what year did she join?")
    assert not wants_date("When is it right to push back?")
    assert not wants_date("How many people work there?")
    for said in (
        "We recorded them in 2023.",
        "Three years ago.",
        "I had programmed in high school.",
        "I went to prison for the first time at 20 years old.",
        "It was back in May.",
        "when I was twelve",
        "last year we shipped it",
    ):
        assert has_time_point(said), said
    for said in ("maybe a year, a year and a half", "Two years down the line", "I may do it"):
        assert not has_time_point(said), said


def test_names_asked_for_and_given() -> None:
    for asked in (
        "What is the name of Back Market's CEO?",
        "what's the name of her book?",
        "Who is the CTO?",
        "Who was Back Market's first engineer?",
        "Tell me the names of the teams.",
    ):
        assert wants_name(asked), asked
    for asked in (
        "Who is T.?",
        'Who said "Enjoy, enjoy, have fun"?',
        "Who decides what to work on?",
        "Which problems do senior engineers take on?",
        "What does the role look like?",
    ):
        assert not wants_name(asked), asked
    asked = "What is the name of Back Market's CEO?"
    assert named_thing(asked) == {"ceo"}
    assert named_thing("Who was Back Market's first engineer?") == {"first", "engin"}
    assert has_new_name("Our CEO, Thibaud, said so.", asked)
    # The question's own names, a sentence's first word, and a title-cased line that doesn't
    # speak of the thing asked about name nothing new.
    assert not has_new_name("The CEO of Back Market drives change.", asked)
    assert not has_new_name("Thibaud is the CEO.", asked)
    assert not has_new_name("It is a role within the Individual Contributor track.", asked)
