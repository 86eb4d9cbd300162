"""Cognito user pools' AWS-facing errors, with the codes and messages the service uses.

Cognito answers every client error with HTTP 400; the code names the problem and the
message is the one Cognito writes (as seen in SDK error reports and the API reference).
Must not: decide when an error applies (the operations do that).
"""

from __future__ import annotations

from tenku.core.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def not_authorized(message: str) -> ServiceError:
    return ServiceError("NotAuthorizedException", message)


def pool_not_found(pool_id: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")


def client_not_found(client_id: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", f"User pool client {client_id} does not exist."
    )


def group_not_found() -> ServiceError:
    return ServiceError("ResourceNotFoundException", "Group not found.")


def group_exists() -> ServiceError:
    return ServiceError("GroupExistsException", "A group with the name already exists.")


def user_not_found() -> ServiceError:
    return ServiceError("UserNotFoundException", "User does not exist.")


def username_exists(message: str = "User already exists") -> ServiceError:
    return ServiceError("UsernameExistsException", message)


def alias_exists() -> ServiceError:
    return ServiceError("AliasExistsException", "An account with the email already exists.")


def user_not_confirmed() -> ServiceError:
    return ServiceError("UserNotConfirmedException", "User is not confirmed.")


def password_reset_required() -> ServiceError:
    return ServiceError("PasswordResetRequiredException", "Password reset required for the user")


def incorrect_credentials() -> ServiceError:
    return not_authorized("Incorrect username or password.")


def user_disabled() -> ServiceError:
    return not_authorized("User is disabled.")


def invalid_password(reason: str, *, admin: bool = False) -> ServiceError:
    # Admin operations word it "password policy", the user-facing ones "policy".
    noun = "password policy" if admin else "policy"
    return ServiceError(
        "InvalidPasswordException", f"Password did not conform with {noun}: {reason}"
    )


def code_mismatch() -> ServiceError:
    return ServiceError(
        "CodeMismatchException", "Invalid verification code provided, please try again."
    )


def expired_code() -> ServiceError:
    return ServiceError(
        "ExpiredCodeException", "Invalid code provided, please request a code again."
    )


def missing_auth_parameter(name: str) -> ServiceError:
    return invalid_parameter(f"Missing required parameter {name}")


def auth_method_not_supported() -> ServiceError:
    return invalid_parameter("Initiate Auth method not supported.")


def secret_hash_missing(client_id: str) -> ServiceError:
    return not_authorized(
        f"Client {client_id} is configured with secret but SECRET_HASH was not received"
    )


def secret_hash_wrong(client_id: str) -> ServiceError:
    return not_authorized(f"Unable to verify secret hash for client {client_id}")


def invalid_session() -> ServiceError:
    return not_authorized("Invalid session for the user.")


def expired_session() -> ServiceError:
    return not_authorized("Invalid session for the user, session is expired.")


def invalid_access_token() -> ServiceError:
    return not_authorized("Invalid Access Token")


def expired_access_token() -> ServiceError:
    return not_authorized("Access Token has expired")


def revoked_access_token() -> ServiceError:
    return not_authorized("Access Token has been revoked")


def invalid_refresh_token() -> ServiceError:
    return not_authorized("Invalid Refresh Token")


def revoked_refresh_token() -> ServiceError:
    return not_authorized("Refresh Token has been revoked")


def schema_violation(detail: str) -> ServiceError:
    return invalid_parameter(f"Attributes did not conform to the schema: {detail}")


def unsupported_user_state() -> ServiceError:
    return ServiceError(
        "UnsupportedUserStateException", "User is not in a state to resend the invitation."
    )
