//! Endpoints for the laboratory: a tube's result.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Actor;
use super::{answer, json_text, ApiError, Idempotent};
use crate::access::Role;
use crate::rounds;
use crate::store::Writer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LabResult {
    Negative,
    Positive,
    Invalid,
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
    let district = actor.require(Role::Lab)?.clone();
    let body = body.into_inner();
    let request = Idempotent::new(&actor, &http, body.request_id, &body)?;
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                let result = match body.result {
                    LabResult::Negative => rounds::LabResult::Negative,
                    LabResult::Positive => rounds::LabResult::Positive,
                    LabResult::Invalid => rounds::LabResult::Invalid,
                };
                let recalled =
                    rounds::record_result(conn, &district, &actor.name, &body.tube, result)?;
                Ok((
                    201,
                    json_text(&Recorded {
                        tube: body.tube.trim().to_string(),
                        result: body.result,
                        recalled,
                    })?,
                ))
            })
        })
        .await?;
    Ok(answer(stored.counted_as("result")))
}
