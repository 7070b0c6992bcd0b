"""Launch-schedule tracker: polls sources of scheduled space events, keeps every
revision, classifies what moved and tells the people who follow it."""

__version__ = "0.1.0"

USER_AGENT = "launch-schedule-tracker/0.1 (+https://github.com/launch-tracker; contact: set-me@example.org)"
"""What the tracker says it is to the sites it polls ([http] user_agent overrides it)."""
