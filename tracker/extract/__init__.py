"""Reading news prose: which scheduled events an article says moved, and to when.

`rules` reads one text (its docstring is the map of the whole reader); the other modules are
its parts: `sentences`, `times`, `cues`, `scope`, `names` and `article`; Russian is read by
`russian` with `morph` (pymorphy3 lemmas), `ru_times` and `ru_cues`; `trace` collects the notes
of `explain`.
"""

from tracker.extract.article import Finding
from tracker.extract.rules import explain, extract

__all__ = ["Finding", "explain", "extract"]
