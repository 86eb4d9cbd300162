"""AWS Systems Manager Parameter Store (`ssm`)."""
