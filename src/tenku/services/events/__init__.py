"""Amazon EventBridge: buses, rules, targets, archives and replays."""
