//! `ApiError`: every failure as a status and the stable `{"error":{"code","message"}}` body.
//! Internal causes are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::formats::http_v1::{ConflictV1, ErrorBodyV1, ErrorDetailV1, RefusalV1};
use crate::store::StoreError;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: errors travel in `Result`s on every handler's path and should stay small.
    pub detail: Box<ErrorDetailV1>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: Box::new(ErrorDetailV1::new(code, message)),
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required (Authorization: Bearer …)",
        )
    }

    pub fn forbidden(needed: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs a token with the `{needed}` role"),
        )
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Conflict(conflicts) => {
                let mut api =
                    ApiError::new(StatusCode::CONFLICT, "conflict", "stale plan: re-run plan");
                api.detail.conflicts = conflicts.iter().map(ConflictV1::from).collect();
                api
            }
            StoreError::WrongStore {
                ref expected,
                ref actual,
            } => {
                let mut api = ApiError::new(StatusCode::CONFLICT, "wrong_store", error.to_string());
                api.detail.expected_store_id = Some(expected.clone());
                api.detail.store_id = Some(actual.clone());
                api
            }
            StoreError::NotEmpty { rows } => {
                let mut api = ApiError::new(StatusCode::CONFLICT, "not_empty", error.to_string());
                api.detail.rows = Some(rows);
                api
            }
            StoreError::Invalid(message) => ApiError::unprocessable(message),
            StoreError::Unsupported(message) => {
                ApiError::new(StatusCode::NOT_IMPLEMENTED, "unsupported", message)
            }
            StoreError::Refused(refusals) => {
                let mut api = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "refused",
                    StoreError::Refused(refusals.clone()).to_string(),
                );
                api.detail.refusals = refusals.iter().map(RefusalV1::from).collect();
                api
            }
            StoreError::Unknown(message) => {
                tracing::error!(error = %message, "a write's outcome is unknown");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "outcome_unknown",
                    "the store did not confirm the write: it may or may not have been applied; retry with the same Idempotency-Key, or read /v1/history",
                )
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the store could not complete the request",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(ErrorBodyV1 {
                error: *self.detail,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
