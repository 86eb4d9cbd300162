"""The Lambda API: functions, versions, aliases, concurrency, tags and Invoke."""
