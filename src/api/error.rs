use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::accounts::AccountError;
use crate::districts::DistrictError;
use crate::rounds::RoundError;

/// The stable codes the API answers with, one per kind of refusal: what a program (and the
/// pages, which say each in the reader's language) tests. Serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The resident was sampled this round already (`params`: `tube`, `at`).
    AlreadySampled,
    /// Another change made at the same moment conflicts with this one.
    Conflict,
    /// The caller's role may not do this.
    Forbidden,
    /// Our fault: logged, not the caller's.
    Internal,
    /// A value sent is out of range or malformed (`field` names it).
    InvalidField,
    InvalidPath,
    InvalidQuery,
    /// A roster upload with bad rows: every problem is listed.
    InvalidRoster,
    InvalidResults,
    MalformedForm,
    MalformedJson,
    NeedsSingleTube,
    NoRound,
    NoSites,
    NoSlot,
    NoSuchSlot,
    NotFound,
    NotOnYourRoute,
    NotPublished,
    NotYourTube,
    PayloadTooLarge,
    PlanInProgress,
    /// This `request_id` was used before for another request.
    RequestIdReused,
    ResultExists,
    SlotFull,
    TooManyLookups,
    TooManyRequests,
    TubeClosed,
    TubeEmpty,
    TubeExists,
    TubeOpen,
    /// No token, an expired one, or wrong credentials.
    Unauthorized,
    /// The database is not reachable, or the change was not saved: send it again.
    Unavailable,
    UnknownBuilding,
    UnknownResident,
    UnknownSite,
    UnknownTicket,
    UnknownTube,
    UnsupportedMediaType,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AlreadySampled => "already_sampled",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidField => "invalid_field",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidRoster => "invalid_roster",
            ErrorCode::InvalidResults => "invalid_results",
            ErrorCode::MalformedForm => "malformed_form",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::NeedsSingleTube => "needs_single_tube",
            ErrorCode::NoRound => "no_round",
            ErrorCode::NoSites => "no_sites",
            ErrorCode::NoSlot => "no_slot",
            ErrorCode::NoSuchSlot => "no_such_slot",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotOnYourRoute => "not_on_your_route",
            ErrorCode::NotPublished => "not_published",
            ErrorCode::NotYourTube => "not_your_tube",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::PlanInProgress => "plan_in_progress",
            ErrorCode::RequestIdReused => "request_id_reused",
            ErrorCode::ResultExists => "result_exists",
            ErrorCode::SlotFull => "slot_full",
            ErrorCode::TooManyLookups => "too_many_lookups",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::TubeClosed => "tube_closed",
            ErrorCode::TubeEmpty => "tube_empty",
            ErrorCode::TubeExists => "tube_exists",
            ErrorCode::TubeOpen => "tube_open",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::UnknownBuilding => "unknown_building",
            ErrorCode::UnknownResident => "unknown_resident",
            ErrorCode::UnknownSite => "unknown_site",
            ErrorCode::UnknownTicket => "unknown_ticket",
            ErrorCode::UnknownTube => "unknown_tube",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
        }
    }
}

/// Every error the API returns: a stable code for programs, a message for people, and the
/// field at fault when there is one.
#[derive(Debug, Serialize, thiserror::Error, utoipa::ToSchema)]
#[error("{message}")]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// Stable, snake_case: what a program should test.
    error: ErrorCode,
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
    pub fn new(status: StatusCode, error: ErrorCode, message: impl Into<String>) -> Self {
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

    /// Names the request field at fault.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(shown(field));
        self
    }

    /// 422 for a value the client sent that is out of range or malformed, naming it.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
            message,
        )
        .with_field(field)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            message,
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            message,
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(code = self.error.as_str(), message = %self.message, "request failed");
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
                ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NoRound, e.to_string())
                    .with_field("date")
            }
            RoundError::NoSites => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::NoSites, e.to_string())
            }
            RoundError::DateOutOfRange { .. } => ApiError::invalid("date", e.to_string()),
            RoundError::PlanInProgress(_) => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::PlanInProgress,
                e.to_string(),
            )
            .with_field("date"),
            RoundError::BadOption(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidField,
                e.to_string(),
            ),
            RoundError::UnknownResident => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownResident,
                e.to_string(),
            )
            .with_field("resident"),
            RoundError::NotOnYourRoute => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotOnYourRoute,
                e.to_string(),
            )
            .with_field("resident"),
            RoundError::UnknownBuilding(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownBuilding,
                "no building has this code",
            )
            .with_field("building"),
            RoundError::UnknownSite(ref code) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownSite,
                format!("no site {}", shown(code)),
            )
            .with_field("site"),
            RoundError::NoSlotToMove => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::NoSlot, e.to_string())
                    .with_field("resident")
            }
            RoundError::NoSuchSlot { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NoSuchSlot, e.to_string())
                    .with_field("start")
            }
            RoundError::AlreadyInSlot => ApiError::invalid("start", e.to_string()),
            RoundError::SlotFull { .. } => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::SlotFull, e.to_string())
                    .with_field("start")
            }
            RoundError::LanesOutOfRange { .. } => ApiError::invalid("closed", e.to_string()),
            RoundError::Invalid { field, ref message } => ApiError::invalid(field, message.clone()),
            RoundError::TubeExists(ref tube) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::TubeExists, e.to_string())
                    .with_field("tube")
                    .with_param("tube", tube.as_str())
            }
            RoundError::UnknownTube(ref tube) => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownTube,
                format!("no tube {}", shown(tube)),
            )
            .with_field("tube"),
            RoundError::NotYourTube(ref tube) => ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotYourTube,
                format!("tube {} was opened by other samplers", shown(tube)),
            )
            .with_field("tube"),
            RoundError::TubeClosed(ref tube) | RoundError::TubeAlreadyClosed(ref tube) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::TubeClosed, e.to_string())
                    .with_field("tube")
                    .with_param("tube", tube.as_str())
            }
            RoundError::TubeEmpty(_) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::TubeEmpty, e.to_string())
                    .with_field("tube")
            }
            RoundError::TubeStillOpen(ref tube) => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::TubeOpen,
                format!("tube {} is still open", shown(tube)),
            )
            .with_field("tube"),
            RoundError::ResultExists {
                ref tube,
                ref result,
            } => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::ResultExists,
                format!("tube {} already has a result: {result}", shown(tube)),
            )
            .with_field("tube"),
            RoundError::NotPublished => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotPublished,
                e.to_string(),
            ),
            RoundError::NoSlotFound => {
                ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, e.to_string())
            }
            RoundError::UnknownTicket => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownTicket,
                e.to_string(),
            )
            .with_field("ticket"),
            RoundError::UnknownIdNumber => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownResident,
                e.to_string(),
            )
            .with_field("id_number"),
            RoundError::AlreadySampled { ref tube, at } => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::AlreadySampled,
                e.to_string(),
            )
            .with_field("resident")
            .with_param("tube", tube.as_str())
            .with_param("at", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
            RoundError::NeedsSingleTube(ref tube) => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::NeedsSingleTube,
                e.to_string(),
            )
            .with_field("tube")
            .with_param("tube", tube.as_str()),
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
            AccountError::WrongPassword | AccountError::WrongPin => ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                e.to_string(),
            ),
            AccountError::Store(e) => e.into(),
            AccountError::Query(e) => e.into(),
            AccountError::District(e) => e.into(),
            other => match other.field() {
                Some(field) => ApiError::invalid(field, other.to_string()),
                None => ApiError::internal(other.to_string()),
            },
        }
    }
}

impl From<DistrictError> for ApiError {
    fn from(e: DistrictError) -> Self {
        match e {
            DistrictError::Store(e) => e.into(),
            DistrictError::Query(e) => e.into(),
            other => ApiError::invalid("district", other.to_string()),
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
                    ErrorCode::Conflict,
                    "another change made at the same moment conflicts with this one; reload and try again",
                )
            }
            // PostgreSQL broke a deadlock between this change and another by refusing this
            // one: nothing of it was written, and sent again it goes through. diesel gives
            // no kind for it; the server's message (in English unless lc_messages says
            // otherwise) names it.
            Error::DatabaseError(Kind::Unknown, info)
                if info.message().starts_with("deadlock detected") =>
            {
                tracing::warn!(error = %e, "a change lost a deadlock");
                ApiError::unavailable("the change was not saved; send it again")
            }
            // The server went away under a pooled connection (a restart, a replica that
            // stopped): the pool drops that connection, and sent again the request gets
            // another.
            Error::DatabaseError(Kind::ClosedConnection, _) => {
                tracing::warn!(error = %e, "a database connection was closed");
                ApiError::unavailable("the database connection was lost; send it again")
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
        ErrorCode::NotFound,
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
            ErrorCode::InvalidField,
            inner.to_string(),
        ),
        E::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            e.to_string(),
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            e.to_string(),
        ),
    };
    error.into()
}

pub fn query_error(e: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidQuery,
        e.to_string(),
    )
    .into()
}

pub fn path_error(e: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::InvalidPath, e.to_string()).into()
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
