//! Endpoints for the laboratory: a tube's result.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Actor;
use super::{answer, json_text, ApiError, Idempotent};
use crate::access::Role;
use crate::store::{access as stored_access, tubes, Writer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LabResult {
    Negative,
    Positive,
    Invalid,
}

impl LabResult {
    fn as_str(self) -> &'static str {
        match self {
            LabResult::Negative => "negative",
            LabResult::Positive => "positive",
            LabResult::Invalid => "invalid",
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TubeResult {
    request_id: uuid::Uuid,
    tube: String,
    result: LabResult,
}

#[derive(Serialize, ToSchema)]
pub struct Recorded {
    tube: String,
    result: LabResult,
    /// Residents now to be sampled again (single tube after a positive pool).
    recalled: i32,
}

/// `POST /api/v1/lab/results` — a closed tube's result. Positive: its residents go on the
/// recall list for a single-tube retest (and into the home-visit plan if they cannot walk);
/// invalid: they are sampled again.
#[utoipa::path(
    post,
    path = "/api/v1/lab/results",
    tag = "lab",
    security(("bearer" = ["lab"])),
    responses(
        (status = 201, description = "Recorded (or recorded before under this `request_id`)", body = Recorded),
        (status = 404, description = "`unknown_tube`: no such tube", body = ApiError),
        (status = 409, description = "`tube_open`: the tube is still open; `result_exists`: it has a result already", body = ApiError),
        (status = 422, description = "`request_id_reused`: this `request_id` was used before for another request", body = ApiError),
    )
)]
pub async fn record_result(
    actor: Actor,
    http: HttpRequest,
    writer: web::Data<Writer>,
    body: web::Json<TubeResult>,
) -> Result<HttpResponse, ApiError> {
    actor.require(Role::Lab)?;
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let code = body.tube.trim();
                let find = |conn: &mut _| {
                    tubes::tube(conn, code)?.ok_or_else(|| {
                        ApiError::new(
                            StatusCode::NOT_FOUND,
                            "unknown_tube",
                            format!("no tube {}", super::shown(code)),
                        )
                        .with_field("tube")
                    })
                };
                let tube = find(conn)?;
                let now = Utc::now().naive_utc();
                // Only a closed tube takes a result, checked by the update itself: of two
                // results sent at once, one is recorded and the other refused, never lost.
                if tubes::set_result(conn, tube.id, body.result.as_str(), now)? {
                    stored_access::audit(
                        conn,
                        &actor.name,
                        &format!("result {}", body.result.as_str()),
                        &format!("tube {code}"),
                        now,
                    )?;
                    let recalled = if body.result == LabResult::Negative {
                        0
                    } else {
                        // Read again: the tube may have filled since it was read above.
                        find(conn)?.swabs
                    };
                    return Ok((
                        201,
                        json_text(&Recorded {
                            tube: code.to_string(),
                            result: body.result,
                            recalled,
                        })?,
                    ));
                }
                match find(conn)?.status.as_str() {
                    "open" => Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "tube_open",
                        format!("tube {} is still open", super::shown(code)),
                    )
                    .with_field("tube")),
                    done => Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "result_exists",
                        format!("tube {} already has a result: {done}", super::shown(code)),
                    )
                    .with_field("tube")),
                }
            })
        })
        .await?;
    Ok(answer(stored.counted_as("result")))
}
