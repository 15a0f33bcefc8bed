//! What the uploads (`roster.rs`, `lab.rs`) share in reading a `multipart/form-data` body.

use actix_multipart::{Field, MultipartError};
use actix_web::http::StatusCode;
use futures_util::TryStreamExt;

use super::{ApiError, ErrorCode};

/// A body that is not readable `multipart/form-data`.
pub fn malformed(e: MultipartError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::MalformedForm,
        format!("send the files as multipart/form-data: {e}"),
    )
}

/// The `request_id` part: a UUID (a longer part is not read to its end).
pub async fn request_id(field: &mut Field) -> Result<uuid::Uuid, ApiError> {
    let mut text = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        text.extend_from_slice(&chunk);
        if text.len() > 64 {
            break;
        }
    }
    std::str::from_utf8(&text)
        .ok()
        .and_then(|t| uuid::Uuid::parse_str(t.trim()).ok())
        .ok_or_else(|| ApiError::invalid("request_id", "must be a UUID"))
}
