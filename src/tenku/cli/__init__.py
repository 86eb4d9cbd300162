"""The `tenku` command line (click). Commands parse options and call library code."""
