"""Amazon EventBridge Scheduler: schedule groups, schedules, and firing them at targets."""
