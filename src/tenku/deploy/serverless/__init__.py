"""serverless.yml (Serverless Framework v3 and v4) translated into CloudFormation.

Public interface:
- `translate_service(service_dir, *, stage, region, options, env, ssm_lookup, cf_lookup,
  account, instance_id, config_file, strict) -> Translation`
- `Translation(template, stack_name, service, stage, region, artifacts, warnings, config)`
  with `parameter_values(bucket, keys)` and `bind(bucket, keys)`
- `Artifact(name, root_dir, patterns, logical_ids, key_parameter, prebuilt)` with
  `files()`, `zip_bytes()`, `digest()`, `default_key(service, stage)`
- `ServerlessError` (a `TemplateError`) for configurations that cannot be translated.

Pure logic: reads the service directory, never imports services, the gateway, the
runtime, storage or protocol, and resolves `${ssm:}`/`${cf:}` through callables.
"""

from tenku.deploy.serverless.context import BUCKET_PARAMETER
from tenku.deploy.serverless.errors import ServerlessError
from tenku.deploy.serverless.packaging import Artifact
from tenku.deploy.serverless.translate import Translation, translate_service

__all__ = ["BUCKET_PARAMETER", "Artifact", "ServerlessError", "Translation", "translate_service"]
