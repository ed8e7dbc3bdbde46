"""The Themes page (a Streamlit page script, registered by ``ui/app.py``'s navigation)."""

from interview_qa.ui.theme_pages import themes_page

themes_page()
