use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::accounts::AccountError;
use crate::rounds::RoundError;

/// Every error the API returns: a stable code for programs, a message for people, and the
/// field at fault when there is one.
#[derive(Debug, Serialize, thiserror::Error, utoipa::ToSchema)]
#[error("{message}")]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// Stable, snake_case: what a program should test.
    #[schema(example = "invalid_field")]
    error: &'static str,
    /// For people.
    message: String,
    /// The request field (or query parameter, or form part) at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// The values the message names, for a page to say it in its reader's language
    /// (`already_sampled`: `tube` and `at`, ISO 8601 with the district's offset).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    params: serde_json::Map<String, serde_json::Value>,
}

/// Longest message an error carries: a message that quotes what the client sent (a parser's
/// complaint about a 300 KB value, say) is cut, not sent back whole.
const MESSAGE_MOST: usize = 200;

/// A value the client sent, as an error message quotes it: cut to a few dozen characters.
pub fn shown(value: &str) -> String {
    cut(value, 40)
}

fn cut(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            message: cut(&message.into(), MESSAGE_MOST),
            field: None,
            params: serde_json::Map::new(),
        }
    }

    /// A value the message names, given apart from it.
    pub fn with_param(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.error
    }

    /// Names the request field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(shown(field));
        self
    }

    /// 422 for a value the client sent that is out of range or malformed, naming it.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message).with_field(field)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(code = self.error, message = %self.message, "request failed");
        }
        HttpResponse::build(self.status).json(self)
    }
}

/// A use case's refusal, by its code; the message is the use case's own words unless they
/// would echo a long value back.
impl From<RoundError> for ApiError {
    fn from(e: RoundError) -> Self {
        match e {
            RoundError::NoRound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "no_round", e.to_string()).with_field("date")
            }
            RoundError::NoSites => ApiError::new(StatusCode::CONFLICT, "no_sites", e.to_string()),
            RoundError::DateOutOfRange { .. } => ApiError::invalid("date", e.to_string()),
            RoundError::PlanInProgress(_) => {
                ApiError::new(StatusCode::CONFLICT, "plan_in_progress", e.to_string())
                    .with_field("date")
            }
            RoundError::BadOption(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                e.to_string(),
            ),
            RoundError::UnknownResident => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_resident", e.to_string())
                    .with_field("resident")
            }
            RoundError::NotOnYourRoute => {
                ApiError::new(StatusCode::FORBIDDEN, "not_on_your_route", e.to_string())
                    .with_field("resident")
            }
            RoundError::UnknownBuilding(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_building",
                "no building has this code",
            )
            .with_field("building"),
            RoundError::UnknownSite(ref code) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_site",
                format!("no site {}", shown(code)),
            )
            .with_field("site"),
            RoundError::NoSlotToMove => {
                ApiError::new(StatusCode::CONFLICT, "no_slot", e.to_string()).with_field("resident")
            }
            RoundError::NoSuchSlot { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "no_such_slot", e.to_string())
                    .with_field("start")
            }
            RoundError::AlreadyInSlot => ApiError::invalid("start", e.to_string()),
            RoundError::SlotFull { .. } => {
                ApiError::new(StatusCode::CONFLICT, "slot_full", e.to_string()).with_field("start")
            }
            RoundError::LanesOutOfRange { .. } => ApiError::invalid("closed", e.to_string()),
            RoundError::Invalid { field, ref message } => ApiError::invalid(field, message.clone()),
            RoundError::TubeExists(ref tube) => {
                ApiError::new(StatusCode::CONFLICT, "tube_exists", e.to_string())
                    .with_field("tube")
                    .with_param("tube", tube.as_str())
            }
            RoundError::UnknownTube(ref tube) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_tube",
                format!("no tube {}", shown(tube)),
            )
            .with_field("tube"),
            RoundError::NotYourTube(ref tube) => ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_tube",
                format!("tube {} was opened by other samplers", shown(tube)),
            )
            .with_field("tube"),
            RoundError::TubeClosed(ref tube) | RoundError::TubeAlreadyClosed(ref tube) => {
                ApiError::new(StatusCode::CONFLICT, "tube_closed", e.to_string())
                    .with_field("tube")
                    .with_param("tube", tube.as_str())
            }
            RoundError::TubeEmpty(_) => {
                ApiError::new(StatusCode::CONFLICT, "tube_empty", e.to_string()).with_field("tube")
            }
            RoundError::TubeStillOpen(ref tube) => ApiError::new(
                StatusCode::CONFLICT,
                "tube_open",
                format!("tube {} is still open", shown(tube)),
            )
            .with_field("tube"),
            RoundError::ResultExists {
                ref tube,
                ref result,
            } => ApiError::new(
                StatusCode::CONFLICT,
                "result_exists",
                format!("tube {} already has a result: {result}", shown(tube)),
            )
            .with_field("tube"),
            RoundError::NotPublished => {
                ApiError::new(StatusCode::NOT_FOUND, "not_published", e.to_string())
            }
            RoundError::NoSlotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string())
            }
            RoundError::UnknownTicket => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_ticket", e.to_string())
                    .with_field("ticket")
            }
            RoundError::UnknownIdNumber => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_resident", e.to_string())
                    .with_field("id_number")
            }
            RoundError::AlreadySampled { ref tube, at } => {
                ApiError::new(StatusCode::CONFLICT, "already_sampled", e.to_string())
                    .with_field("resident")
                    .with_param("tube", tube.as_str())
                    .with_param("at", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
            }
            RoundError::NeedsSingleTube(ref tube) => {
                ApiError::new(StatusCode::CONFLICT, "needs_single_tube", e.to_string())
                    .with_field("tube")
                    .with_param("tube", tube.as_str())
            }
            RoundError::Inconsistent(_) => ApiError::internal(e.to_string()),
            RoundError::Store(e) => e.into(),
            RoundError::Query(e) => e.into(),
            RoundError::Io(e) => ApiError::internal(e.to_string()),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::WrongPassword | AccountError::WrongPin => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", e.to_string())
            }
            AccountError::Store(e) => e.into(),
            AccountError::Query(e) => e.into(),
            other => match other.field() {
                Some(field) => ApiError::invalid(field, other.to_string()),
                None => ApiError::internal(other.to_string()),
            },
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Pool(_) => {
                ApiError::unavailable("the database is not reachable")
            }
            crate::store::StoreError::Commit(_) | crate::store::StoreError::WriterStopped => {
                ApiError::unavailable("the change was not saved; send it again")
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}

/// A rule the database refused a change for is a conflict with a change made at the same
/// moment (each rule is checked before it is written, so only a race reaches the database);
/// anything else is ours. Neither answer carries the database's own words: they are logged.
impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &e {
            Error::DatabaseError(
                Kind::UniqueViolation
                | Kind::ForeignKeyViolation
                | Kind::CheckViolation
                | Kind::NotNullViolation
                | Kind::SerializationFailure,
                _,
            ) => {
                tracing::warn!(error = %e, "a change was refused by the database");
                ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "another change made at the same moment conflicts with this one; reload and try again",
                )
            }
            _ => {
                tracing::error!(error = %e, "database error");
                ApiError::internal("database error")
            }
        }
    }
}

pub async fn not_found(request: HttpRequest) -> HttpResponse {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no such endpoint: {} {}",
            request.method(),
            shown(request.path())
        ),
    )
    .error_response()
}

pub fn json_error(e: actix_web::error::JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let error = match &e {
        E::Deserialize(inner) if inner.is_data() => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            inner.to_string(),
        ),
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            e.to_string(),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.to_string()),
    };
    error.into()
}

pub fn query_error(e: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.to_string()).into()
}

pub fn path_error(e: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::NOT_FOUND, "invalid_path", e.to_string()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoed_input_is_cut() {
        let long = "码".repeat(100_000);
        assert_eq!(shown(&long).chars().count(), 41);
        assert_eq!(shown("GX-0001"), "GX-0001");
        let error = ApiError::invalid(&long, format!("bad value {long}"));
        assert!(error.message.chars().count() <= MESSAGE_MOST + 1);
        assert!(error.field.unwrap().chars().count() <= 41);
    }
}
