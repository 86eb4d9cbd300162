"""CloudFormation: stacks, change sets, exports, over the deploy engine (`tenku.deploy`)."""
