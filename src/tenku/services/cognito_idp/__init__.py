"""Cognito user pools (`cognito-idp`): pools, app clients, users, groups, sign-in and JWTs."""
