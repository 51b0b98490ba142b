"""Where apps above the clock engine add to its pages (config/panels.py)."""

from config.panels import Slot

# The managers' clock dashboard; each panel's context function takes `user`.
clock_dashboard = Slot("clock dashboard")
