"""Channels that deliver alerts, and the rendering they share."""
