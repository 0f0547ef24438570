"""Tags: derived origin (real, synthetic, mixed, unknown) and sensitive classifications.

`propagate(graph)` returns `Tags`: per node id, the effective origin, the classifications, and for
each derived tag the path of nodes that explains it (`Tags.why`). The rules are in the module
docstrings of `lineage.tagging.origin` and `lineage.tagging.classes`. Pure: no I/O.
"""

from lineage.tagging.propagate import propagate
from lineage.tagging.tags import TagReason, Tags

__all__ = ["TagReason", "Tags", "propagate"]
