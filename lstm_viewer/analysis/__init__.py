"""What the numbers mean: exact decompositions of a trace (numpy only, on the core).

``unit_story``, ``retention`` and ``logit_contributions`` follow one unit through its equations;
``occlusion`` and ``saliency`` say which rows and pixels carried the answer.
"""

from .importance import occlusion, saliency
from .unit import UnitStory, logit_contributions, retention, unit_story

__all__ = ["UnitStory", "logit_contributions", "occlusion", "retention", "saliency", "unit_story"]
