"""The corpus panel's speakers: grouped by role, and searchable when there are many, so that
the sidebar stays usable with 50 speakers or more."""

from __future__ import annotations

from typing import Any

import streamlit as st

from interview_qa.assistant import prompts
from interview_qa.ingest import IndexStats, SpeakerStat, initials_with_name
from interview_qa.ui import render

#: More speakers than this: the panel gets a search box and folds each role's list.
SPEAKER_LIST_MAX = 12


def speaker_panel(stats: IndexStats) -> None:
    """The corpus panel's speakers, grouped by role (hosts, interviewees, summary); with more
    than :data:`SPEAKER_LIST_MAX`, searchable and folded so the panel stays usable."""
    groups: dict[str, list[SpeakerStat]] = {}
    for s in stats.speakers:
        groups.setdefault(s.role, []).append(s)
    order = sorted(
        groups, key=lambda r: list(prompts.ROLE_GROUPS).index(r) if r in prompts.ROLE_GROUPS else 9
    )
    many = len(stats.speakers) > SPEAKER_LIST_MAX
    query = ""
    if many:
        query = st.text_input(
            prompts.SPEAKER_SEARCH, key="speaker_search", help=prompts.SPEAKER_SEARCH_HELP
        ).strip()
    shown_any = False
    for role in order:
        members = groups[role]
        shown = [s for s in members if _matches(query, s)]
        if not shown:
            continue
        shown_any = True
        heading = prompts.ROLE_GROUPS.get(role, role).format(n=len(members))
        box: Any
        if many:
            box = st.expander(heading, expanded=bool(query) or len(members) <= SPEAKER_LIST_MAX)
        else:
            box = st.container()
            if len(groups) > 1:
                box.caption(f"**{render.escape_markdown(heading)}**")
        with box:
            for s in shown:
                who = initials_with_name(s.initials, s.label)
                count = render.count(prompts.PASSAGES, s.chunks)
                line = prompts.SPEAKER_LINE.format(who=who, passages=count)
                st.caption(render.escape_markdown(line))
    if query and not shown_any:
        st.caption(render.escape_markdown(prompts.NO_SPEAKER_MATCH.format(query=query)))


def _matches(query: str, speaker: SpeakerStat) -> bool:
    """Whether a speaker matches the panel's search (name, initials or document, any case)."""
    q = query.lower()
    return not q or any(
        q in x.lower() for x in (speaker.label, speaker.initials, *speaker.documents)
    )
