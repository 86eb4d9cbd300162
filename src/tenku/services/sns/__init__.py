"""SNS: topics, subscriptions, publishing, filter policies and durable fan-out delivery."""
