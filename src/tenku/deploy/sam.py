"""Expanding `Transform: AWS::Serverless-2016-10-31` with AWS's own aws-sam-translator.

The translator turns SAM resources into plain CloudFormation exactly as the service
does. It wants to list IAM's managed policies (Tenku has no IAM to ask: its bundled
policy map is used instead) and a region from a boto3 session (one made here with the
stack's region and dummy keys; it never calls out).
Its messages become the template error CloudFormation shows: `Transform
AWS::Serverless-2016-10-31 failed with: ...`.
Must not: evaluate the expanded template (the engine does).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from tenku.deploy.errors import TemplateError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
log = logging.getLogger("tenku.deploy")
_lock = threading.Lock()  # the translator keeps its region in a class attribute


class _NoIam:
    """The managed policy loader the translator asks; names resolve from its own map."""

    def load(self) -> dict[str, str]:
        return {}


class _OfflineRepository:
    """What the translator's application plugin asks instead of the Serverless Application
    Repository (Tenku runs offline and has none): every application version is there and
    its template is ready at a URL naming it. The `AWS::CloudFormation::Stack` the
    application becomes is an unknown type to Tenku, so only a stack deployed with unknown
    types skipped gets past it, and it is recorded, not run."""

    def __init__(self, region: str) -> None:
        self.region = region

    def _template(self, application_id: str, version: str) -> dict[str, Any]:
        name = application_id.rsplit("/", 1)[-1]
        return {
            "ApplicationId": application_id,
            "SemanticVersion": version,
            "Status": "ACTIVE",
            "TemplateId": f"{name}-{version}",
            "TemplateUrl": f"https://awsserverlessrepo-changesets-{self.region}.s3."
            f"amazonaws.com/{name}/{version}/template.yaml",
        }

    def create_cloud_formation_template(
        self,
        ApplicationId: str,
        SemanticVersion: str,
    ) -> dict[str, Any]:
        return self._template(ApplicationId, SemanticVersion)

    def get_cloud_formation_template(
        self,
        ApplicationId: str,
        TemplateId: str,
    ) -> dict[str, Any]:
        version = TemplateId.rpartition("-")[2]
        return self._template(ApplicationId, version)

    def get_application(
        self,
        ApplicationId: str,
        SemanticVersion: str,
    ) -> dict[str, Any]:
        return {"ApplicationId": ApplicationId, "Version": {"SemanticVersion": SemanticVersion}}


def transforms_of(template: dict[str, Any]) -> list[str]:
    declared = template.get("Transform")
    if declared is None:
        return []
    return [declared] if isinstance(declared, str) else [str(t) for t in declared]


def needs_sam(template: dict[str, Any]) -> bool:
    return SAM_TRANSFORM in transforms_of(template)


def expand_sam(
    template: dict[str, Any], parameters: dict[str, Any], region: str, account: str
) -> dict[str, Any]:
    """The template with its SAM resources expanded (slow: run it off the event loop)."""
    import boto3  # the translator's own dependency; a session only names the region
    from samtranslator.model.exceptions import (  # imported only for SAM templates
        InvalidDocumentException,
        InvalidResourceException,
        InvalidTemplateException,
    )
    from samtranslator.parser.parser import Parser
    from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    values = {**parameters, "AWS::Region": region, "AWS::AccountId": account}
    session = boto3.session.Session(
        region_name=region, aws_access_key_id="tenku", aws_secret_access_key="tenku"
    )
    with _lock:
        try:
            # As the translator's own `transform()` does, so generated ids match AWS's.
            to_py27_compatible_template(template, values)
            repository = ServerlessAppPlugin(
                parameters=values,
                sar_client_creator=lambda: _OfflineRepository(region),
            )
            translator = Translator(None, Parser(), [repository], boto_session=session)
            expanded: dict[str, Any] = undo_mark_unicode_str_in_template(
                translator.translate(
                    template, parameter_values=values, get_managed_policy_map=_NoIam().load
                )
            )
        except InvalidDocumentException as error:
            details = " ".join(str(cause.message) for cause in error.causes)
            raise TemplateError(
                f"Transform {SAM_TRANSFORM} failed with: Invalid Serverless Application "
                f"Specification document. Number of errors found: {len(error.causes)}. {details}"
            ) from error
        except (InvalidResourceException, InvalidTemplateException) as error:
            raise TemplateError(
                f"Transform {SAM_TRANSFORM} failed with: {error.message}"
            ) from error
        except Exception as error:  # the translator's own bugs: AWS words them so too
            log.warning("SAM translator failed", exc_info=True)
            raise TemplateError(
                f"Transform {SAM_TRANSFORM} failed with: Internal transform failure."
            ) from error
    rest = [t for t in transforms_of(expanded) if t != SAM_TRANSFORM]
    if rest:
        raise TemplateError(f"Tenku does not run the transforms {rest}")
    expanded.pop("Transform", None)
    return expanded
