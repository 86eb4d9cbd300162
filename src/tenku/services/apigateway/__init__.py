"""API Gateway REST APIs (`apigateway`): the control plane, and the read side its data
plane serves from."""
