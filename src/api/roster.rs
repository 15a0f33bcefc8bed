//! The office's roster upload: the same four CSV files and the same all-or-nothing import as
//! `sweep import`, sent as `multipart/form-data`.

use std::io::{Seek, Write};

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::auth::Actor;
use super::multipart::{self, malformed};
use super::{answer, blocking, json_text, ApiError, ErrorCode, Idempotent};
use crate::access::Role;
use crate::config::Config;
use crate::import::{self, ImportError, RosterFiles, RowError};
use crate::store::{access as stored_access, Db};

/// The answer when any row was bad: how many rows and problems, and the first
/// `server.roster_errors_shown` problems, located as `sweep import` prints them.
#[derive(Serialize, ToSchema)]
pub struct InvalidRoster<'a> {
    error: ErrorCode,
    message: String,
    /// Rows with at least one problem (a bad header counts as its line 1).
    bad_rows: u64,
    /// Problems in all; more than `errors` lists when the list was cut.
    problems: u64,
    #[schema(value_type = Vec<super::schemas::RowError>)]
    errors: &'a [RowError],
}

/// The form the upload reads: `request_id` and at least one of the four files. (For the API
/// document only: the handler streams the parts itself.)
#[derive(ToSchema)]
#[allow(dead_code)] // never built: it only describes the form
pub struct RosterForm {
    /// A UUID made by the client; a retry sends the same one.
    request_id: uuid::Uuid,
    /// Also accepted as a part named `buildings`, or as any part whose file name is
    /// `buildings.csv` (and so for the others).
    #[schema(
        rename = "buildings.csv",
        content_media_type = "text/csv",
        required = false
    )]
    buildings: String,
    #[schema(
        rename = "residents.csv",
        content_media_type = "text/csv",
        required = false
    )]
    residents: String,
    #[schema(
        rename = "sites.csv",
        content_media_type = "text/csv",
        required = false
    )]
    sites: String,
    #[schema(
        rename = "teams.csv",
        content_media_type = "text/csv",
        required = false
    )]
    teams: String,
}

/// A refused upload: `invalid_roster` with every bad row in `errors`, or another error that
/// names its `field`. One schema for both (not a `oneOf`, which an `invalid_roster` body
/// would match twice, since an error's schema admits more properties).
#[derive(ToSchema)]
#[allow(dead_code)] // never built: the answers are written where they arise
pub struct RosterRefused {
    #[schema(example = "invalid_roster")]
    error: String,
    message: String,
    field: Option<String>,
    /// With `invalid_roster`: rows with a problem.
    bad_rows: Option<u64>,
    /// With `invalid_roster`: problems in all.
    problems: Option<u64>,
    /// With `invalid_roster`: the first problems.
    #[schema(value_type = Option<Vec<super::schemas::RowError>>)]
    errors: Option<()>,
}

/// `POST /api/v1/office/roster` — a form with a `request_id` field and one or more of
/// `buildings.csv`, `residents.csv`, `sites.csv`, `teams.csv`, each named by its form field
/// (`residents` or `residents.csv`) or by its file name (so one `<input type=file multiple>`
/// works). Answers what the district holds after the import, or 422 `invalid_roster` with
/// every bad row; then nothing was imported.
#[utoipa::path(
    post,
    path = "/api/v1/office/roster",
    tag = "office",
    security(("bearer" = ["office"])),
    request_body(content = RosterForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Imported (or imported before under this `request_id`): the totals the district now holds", body = super::schemas::Totals),
        (status = 400, description = "`malformed_form`: not a readable multipart/form-data body", body = ApiError),
        (status = 413, description = "`payload_too_large`: the files together exceed `server.upload_limit_mb`", body = ApiError),
        (status = 422, description = "`invalid_roster`: bad rows, every one listed in `errors`, and nothing was imported; `invalid_field`: a missing or malformed `request_id`, no roster file, a part that is not a roster file, or one sent twice (`field` names it); `request_id_reused`: this `request_id` was used before for another request", body = RosterRefused),
    )
)]
pub async fn upload(
    actor: Actor,
    http: HttpRequest,
    db: web::Data<Db>,
    config: web::Data<Config>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let district = actor.require(Role::Office)?.clone();
    let limit = config.server.upload_limit_mb.saturating_mul(1 << 20);
    let mut received = 0u64;
    let mut request_id = None;
    let mut files = RosterFiles::default();
    let mut names = Vec::new();
    // What was sent, for telling a retry from another upload under the same request_id.
    let mut digests = Vec::new();
    while let Some(mut field) = form.try_next().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "request_id" {
            request_id = Some(multipart::request_id(&mut field).await?);
            continue;
        }
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or_default()
            .to_string();
        let Some(roster_name) = [name.clone(), format!("{name}.csv"), file_name.clone()]
            .into_iter()
            .find(|candidate| RosterFiles::NAMES.contains(&candidate.as_str()))
        else {
            return Err(ApiError::invalid(
                &name,
                format!(
                    "'{}' is not a roster file: send {}",
                    super::shown(if file_name.is_empty() {
                        &name
                    } else {
                        &file_name
                    }),
                    RosterFiles::NAMES.join(", ")
                ),
            ));
        };
        let slot = files.slot(&roster_name).expect("a roster file name");
        if slot.is_some() {
            return Err(ApiError::invalid(
                &name,
                format!("{roster_name} was sent twice"),
            ));
        }
        // Spooled to an unnamed temporary file, so that a million-resident file is
        // streamed through the import instead of held in memory. Writes go to the page
        // cache and are short enough to make on the request's thread.
        let mut spool = tempfile::tempfile().map_err(io_failed)?;
        let mut digest = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = field.try_next().await.map_err(malformed)? {
            digest.update(&chunk);
            received += chunk.len() as u64;
            if received > limit {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!(
                        "the roster files together exceed server.upload_limit_mb = {}",
                        config.server.upload_limit_mb
                    ),
                )
                .with_field(&name));
            }
            spool.write_all(&chunk).map_err(io_failed)?;
            size += chunk.len() as u64;
        }
        digests.push((roster_name.clone(), digest.finalize()));
        // Read from the start each time it is opened (an import reads it twice).
        *slot = Some(Box::new(move || {
            let mut file = spool.try_clone()?;
            file.rewind()?;
            Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
        }));
        files.sized(&roster_name, size);
        names.push(roster_name);
    }
    let request_id =
        request_id.ok_or_else(|| ApiError::invalid("request_id", "send a request_id (a UUID)"))?;
    if files.is_empty() {
        return Err(ApiError::invalid(
            "files",
            format!("send at least one of {}", RosterFiles::NAMES.join(", ")),
        ));
    }
    digests.sort();
    let sent: Vec<u8> = digests
        .iter()
        .flat_map(|(name, digest)| name.bytes().chain(digest.iter().copied()))
        .collect();
    let request = Idempotent::of_bytes(&actor, &http, request_id, &sent);
    let errors_shown = config.server.roster_errors_shown;
    let stored = blocking(move || {
        request.once_outside(&db, || {
            match import::import(&db, &district, files, errors_shown) {
                Ok(totals) => {
                    stored_access::audit(
                        &mut *db.conn()?,
                        Some(district.id),
                        &actor.name,
                        "import roster",
                        &names.join(", "),
                        chrono::Utc::now().naive_utc(),
                    )?;
                    Ok((200, json_text(&totals)?))
                }
                // Not remembered: the office mends the files and sends them again.
                Err(ImportError::Invalid(errors)) => Ok((
                    422,
                    json_text(&InvalidRoster {
                        error: ErrorCode::InvalidRoster,
                        message: errors.to_string(),
                        bad_rows: errors.rows,
                        problems: errors.errors,
                        errors: &errors.shown,
                    })?,
                )),
                Err(other) => Err(ApiError::internal(other.to_string())),
            }
        })
    })
    .await?;
    Ok(answer(stored))
}

fn io_failed(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("cannot spool the upload: {e}"))
}
