"""Why a serverless.yml cannot be translated, in the Serverless Framework's words.

`ServerlessError` is a `TemplateError` (callers that already report template errors
report these the same way); `str(error)` is the message the Framework prints, e.g.
`Cannot resolve serverless.yml: Variables resolution errored with: ...`.
"""

from __future__ import annotations

from tenku.deploy.errors import TemplateError


class ServerlessError(TemplateError):
    """The service configuration is invalid or cannot be resolved."""
