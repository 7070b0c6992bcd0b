"""Reading news prose: which scheduled events an article says moved, and to when.

`rules` reads one text (its docstring is the map of the whole reader); the other modules are
its parts: `sentences`, `times`, `cues`, `scope`, `names` and `article`.
"""

from tracker.extract.article import Finding
from tracker.extract.rules import explain, extract

__all__ = ["Finding", "explain", "extract"]
