"""DynamoDB's expression language: one tokenizer, parser, validator and evaluator for
key condition, condition, filter, projection and update expressions."""
