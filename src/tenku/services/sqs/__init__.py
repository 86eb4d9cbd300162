"""Amazon SQS: standard and FIFO queues, long polling, dead-letter redrive, move tasks."""
