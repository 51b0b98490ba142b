"""Where apps above assessments add to its pages (config/panels.py)."""

from config.panels import Slot

# The family's assessment page; each panel's context function takes `user` and `family`.
assessment_page = Slot("assessment page")
