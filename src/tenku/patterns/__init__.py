"""Event patterns, EventBridge's grammar: compiling a pattern (with AWS's validation
messages) and matching JSON events against it.

Shared by EventBridge rules and archives, `TestEventPattern`, and the filter criteria
of Lambda event-source mappings (which use the same grammar). Pure logic: imports
nothing of Tenku but `core`, keeps no state.
"""

from tenku.patterns.compile import InvalidPattern, Pattern, compile_pattern
from tenku.patterns.matching import matches, parse_event

__all__ = ["InvalidPattern", "Pattern", "compile_pattern", "matches", "parse_event"]
