//! Endpoints for the laboratory: a tube's result, and a batch of results as CSV.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::auth::Actor;
use super::multipart::{self, malformed};
use super::{answer, blocking, json_text, ApiError, ErrorCode, Idempotent};
use crate::access::Role;
use crate::config::Config;
use crate::import::{lab_results, ImportError, Problems, RowError};
use crate::rounds;
use crate::store::{Db, Writer};

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

/// The form `results.csv` takes. (For the API document only: the handler streams the parts.)
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it only describes the form
pub struct ResultsForm {
    /// A UUID made by the client; a retry sends the same one.
    request_id: uuid::Uuid,
    /// `tube,result[,ct_value][,tested_at]`; also accepted as any one part whose file name
    /// ends in `.csv`.
    #[schema(content_media_type = "text/csv")]
    results: String,
}

/// What a batch did (`unchanged`: rows whose tube had that result already).
#[derive(ToSchema)]
#[allow(dead_code)] // the answer is `lab_results::Recorded`; this describes it
pub struct BatchRecorded {
    recorded: u64,
    negative: u64,
    positive: u64,
    invalid: u64,
    unchanged: u64,
    /// Residents now to be sampled again.
    recalled: i64,
}

/// The answer when any row was bad: every problem counted, the first ones listed.
#[derive(Serialize, ToSchema)]
pub struct InvalidResults<'a> {
    error: ErrorCode,
    message: String,
    bad_rows: u64,
    problems: u64,
    #[schema(value_type = Vec<super::schemas::RowError>)]
    errors: &'a [RowError],
}

/// `POST /api/v1/lab/results.csv` — a batch of results from the lab's instruments, as
/// `multipart/form-data`: `request_id` and the CSV file. Every row is checked (its values,
/// then against the district's tubes) and every bad one reported by line; then all results
/// are recorded, or none. A result recorded the same before is left as it is: the same file
/// sent again changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/lab/results.csv",
    tag = "lab",
    security(("bearer" = ["lab"])),
    request_body(content = ResultsForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Recorded (or recorded before under this `request_id`)", body = BatchRecorded),
        (status = 400, description = "`malformed_form`: not a readable multipart/form-data body", body = ApiError),
        (status = 409, description = "`result_exists`: a tube got another result while the batch was being recorded; nothing was recorded", body = ApiError),
        (status = 413, description = "`payload_too_large`: the file exceeds `server.upload_limit_mb`", body = ApiError),
        (status = 422, description = "`invalid_results`: bad rows, every one counted and the first listed in `errors`, and nothing was recorded; `invalid_field`: a missing or malformed `request_id`, no file or two; `request_id_reused`", body = InvalidResults),
    )
)]
pub async fn upload_results(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    writer: web::Data<Writer>,
    config: web::Data<Config>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Lab)?.clone();
    let limit = config.server.upload_limit_mb.saturating_mul(1 << 20);
    let mut request_id = None;
    let mut file: Option<Vec<u8>> = None;
    while let Some(mut field) = form.try_next().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or_default()
            .to_string();
        let is_file = name == "results" || file_name.ends_with(".csv");
        if name != "request_id" && !is_file {
            return Err(ApiError::invalid(
                &name,
                "send request_id and the results file (a part named results)",
            ));
        }
        if !is_file {
            request_id = Some(multipart::request_id(&mut field).await?);
            continue;
        }
        if file.is_some() {
            return Err(ApiError::invalid(&name, "send one results file at a time"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(malformed)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limit {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!(
                        "the results file exceeds server.upload_limit_mb = {}",
                        config.server.upload_limit_mb
                    ),
                )
                .with_field(&name));
            }
        }
        file = Some(bytes);
    }
    let request_id =
        request_id.ok_or_else(|| ApiError::invalid("request_id", "send a request_id (a UUID)"))?;
    let file = file.ok_or_else(|| ApiError::invalid("results", "send the results file"))?;
    let request = Idempotent::of_bytes(&actor, &http, request_id, &Sha256::digest(&file));
    let most = config.server.roster_errors_shown;

    // Every row checked, its values and then against the tubes, before anything is written:
    // the refusal lists every bad row (and is not remembered: the lab mends the file).
    let checked = {
        let district = district.clone();
        blocking(move || {
            let rows = lab_results::read(&file[..], district.timezone, chrono::Utc::now(), most)
                .map_err(ImportError::Invalid)
                .and_then(|rows| {
                    lab_results::check(&mut *db.conn()?, &district, &rows, most)?;
                    Ok(rows)
                });
            match rows {
                Ok(rows) => Ok(Ok(rows)),
                Err(ImportError::Invalid(problems)) => Ok(Err(problems)),
                Err(other) => Err(ApiError::internal(other.to_string())),
            }
        })
        .await?
    };
    let rows = match checked {
        Ok(rows) => rows,
        Err(problems) => return Ok(refused(&problems)),
    };
    let stored = writer
        .write(move |conn| {
            request.once(conn, |conn| {
                match lab_results::record(conn, &district, &actor.name, &rows, most) {
                    Ok(done) => Ok((200, json_text(&done)?)),
                    // A tube's result came from elsewhere since the check: nothing recorded.
                    Err(ImportError::Invalid(problems)) => Err(ApiError::new(
                        StatusCode::CONFLICT,
                        ErrorCode::ResultExists,
                        problems.to_string(),
                    )),
                    Err(other) => Err(ApiError::internal(other.to_string())),
                }
            })
        })
        .await?;
    Ok(answer(stored.counted_as("results")))
}

fn refused(problems: &Problems) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(InvalidResults {
        error: ErrorCode::InvalidResults,
        message: problems.to_string(),
        bad_rows: problems.rows,
        problems: problems.errors,
        errors: &problems.shown,
    })
}
