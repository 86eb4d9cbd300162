"""Templates to resources: CloudFormation templates (and SAM, serverless.yml and CDK
output turned into them) loaded, checked, evaluated and ordered.

Pure logic apart from the resource handlers, which act only through an `ApiCaller`
(the public API). Must not: import services, the gateway, the runtime or storage.
"""
