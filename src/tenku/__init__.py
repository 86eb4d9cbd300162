"""Tenku: the AWS serverless stack on one machine, behind one endpoint, with no Docker."""

__version__ = "0.1.0"
