"""The Speakers page (a Streamlit page script, registered by ``ui/app.py``'s navigation)."""

from interview_qa.ui.theme_pages import speakers_page

speakers_page()
