"""What a trial records about its architecture: the user-attr names shared by the search loop and the samplers.

Kept apart from :mod:`latentnas.study` so that samplers (upstream of objectives in the pipeline) can read a study's
trials without importing the search loop.
"""

from __future__ import annotations

#: The architecture's string form (``space.to_string``).
ARCH_ATTR = "arch"
#: Its canonical key: isomorphic architectures share one.
KEY_ATTR = "arch_key"
#: On a trial answered from an earlier one: that trial's number (the trial is not a new evaluation).
DUPLICATE_ATTR = "duplicate_of"
#: On a failed trial: why it failed.
FAIL_ATTR = "fail_reason"
