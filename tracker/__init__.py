"""Launch-schedule tracker: polls sources of scheduled space events, keeps every
revision, classifies what moved and tells the people who follow it."""

__version__ = "0.1.0"
