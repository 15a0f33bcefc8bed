//! The OpenAPI 3.1 document of the service, made from the handlers' `#[utoipa::path]`
//! annotations and their doc comments, and served at `GET /api/v1/openapi.json`.
//!
//! The errors every endpoint of a kind can give (no token, a body that is not JSON, a date
//! in the path that does not parse, a database that does not answer) are added here by
//! [`SharedErrors`] rather than repeated on each handler, which lists only its own.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::ApiError;

/// The path of this document.
const PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(description = "Plans and tracks a mass PCR testing round in the districts of a city. \
        Errors are JSON `ApiError` with a 4xx status for a client's mistake. Every POST that \
        changes something carries a client-made UUID `request_id`, the caller's own key for \
        that change (as an Idempotency-Key): a retry by the same caller to the same endpoint \
        with the same body gets the first successful answer (status and body, with the header \
        `Idempotent-Replayed: true`) and changes nothing twice; a retry sent while the first \
        is still running waits for it; the same key with another endpoint or body is refused \
        with 422 `request_id_reused`. A refused change is not remembered. The role an \
        endpoint needs is the scope of its `bearer` security requirement."),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
        document,
        super::auth::login,
        super::auth::team_login,
        super::team::my_route,
        super::team::record_outcome,
        super::resident::lookup,
        super::resident::ticket_svg,
        super::site::open_tube,
        super::site::close_tube,
        super::site::scan,
        super::lab::record_result,
        super::lab::upload_results,
        super::roster::upload,
        super::office::recalls,
        super::office::completion,
        super::office::sweep_list,
        super::office::progress,
        super::office::audit_trail,
        super::rounds::plan,
        super::rounds::publish,
        super::rounds::slots,
        super::rounds::move_resident,
        super::rounds::close_lanes,
        super::rounds::missing,
        super::rounds::export,
        super::rounds::routes,
        super::rounds::list,
        super::city::completion,
    ),
    components(schemas(ApiError)),
    modifiers(&BearerToken, &SharedErrors),
    tags(
        (name = "access", description = "Logging in; no token needed. Office and lab accounts use \
            `/sessions`, teams `/team-sessions`."),
        (name = "team", description = "A mobile team on its phone. Needs the `team` role."),
        (name = "site", description = "Samplers at a site (a team login) with a box of tubes. \
            Needs the `team` role."),
        (name = "lab", description = "The laboratory. Needs the `lab` role."),
        (name = "resident", description = "Residents, who have no account. No token."),
        (name = "office", description = "The community office, for its own district. Needs \
            the `office` role."),
        (name = "city", description = "The city's headquarters: every district's counts, \
            nobody named. Needs the `city` role."),
        (name = "service", description = "For load balancers and API clients. No token."),
    )
)]
pub struct ApiDoc;

/// The bearer token every endpoint but logins, residents' and the service's needs.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "`Authorization: Bearer <token>`, the token from `POST /api/v1/sessions` (office \
                 and lab accounts) or `POST /api/v1/team-sessions` (teams); it lasts \
                 `access.session_hours`. A requirement's scope is the role the endpoint needs.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Adds to each operation the errors that come from what it takes rather than from what it
/// does: the token (`auth::Actor`), a JSON body, query and path extractors (their error
/// handlers in `error.rs`) and the database. A status the handler lists already gets these
/// codes appended to its description.
struct SharedErrors;

impl Modify for SharedErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == PATH {
                continue;
            }
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                for (status, description) in shared_errors(operation) {
                    add_error(operation, status, description);
                }
            }
        }
    }
}

fn shared_errors(operation: &Operation) -> Vec<(u16, &'static str)> {
    let mut errors = Vec::new();
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        errors.push((
            401,
            "`unauthorized`: no token, or an unknown or expired one",
        ));
        errors.push((
            403,
            "`forbidden`: the token's role is not the one this needs",
        ));
    }
    let takes =
        |place: ParameterIn| {
            operation.parameters.iter().flatten().any(|p| {
                p.parameter_in == place && (place != ParameterIn::Path || p.name == "date")
            })
        };
    if takes(ParameterIn::Query) {
        errors.push((400, "`invalid_query`: a query parameter does not parse"));
    }
    if takes(ParameterIn::Path) {
        errors.push((
            404,
            "`invalid_path`: the date in the path is not `YYYY-MM-DD`",
        ));
    }
    let json_body = operation
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    if json_body {
        errors.push((400, "`malformed_json`: the body is not JSON"));
        errors.push((413, "`payload_too_large`: the body is too large"));
        errors.push((
            415,
            "`unsupported_media_type`: the body is not `application/json`",
        ));
        errors.push((
            422,
            "`invalid_field`: a field is missing, unknown or of the wrong type (the message says which)",
        ));
    }
    errors.push((500, "`internal`: a fault on the server"));
    errors.push((503, "`unavailable`: the database does not answer"));
    errors
}

fn add_error(operation: &mut Operation, status: u16, description: &str) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut(&status.to_string()) {
        Some(RefOr::T(response)) => {
            response.description = format!("{}; {description}", response.description);
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let response = ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build();
            responses.insert(status.to_string(), RefOr::T(response));
        }
    }
}

/// `GET /api/v1/openapi.json` — this document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "service",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object))
)]
pub async fn document() -> HttpResponse {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the document serialises")
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(text.as_str())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// Every `$ref` in `value`.
    fn references(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target.clone());
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_names_a_schema_in_the_document() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let name = target
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{target} is not a schema"));
            assert!(
                document["components"]["schemas"][name].is_object(),
                "{target} is not in the document"
            );
        }
    }

    #[test]
    fn every_operation_has_a_summary_a_tag_and_its_errors() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let at = format!("{method} {path}");
                assert!(operation["summary"].is_string(), "{at} has no summary");
                assert_eq!(operation["tags"].as_array().map(Vec::len), Some(1), "{at}");
                if path.as_str() != PATH {
                    assert!(operation["responses"]["500"].is_object(), "{at}");
                }
                if operation["security"].is_array() {
                    assert!(operation["responses"]["401"].is_object(), "{at}");
                }
            }
        }
    }
}
