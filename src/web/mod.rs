//! The pages people use — a resident's slot and ticket, a team's route, scanning at a
//! site, the office's dashboard — served by the
//! same binary. Every asset is built into it (`include_str!`): nothing is fetched from
//! elsewhere, so the pages work on a district's own network. The pages are plain HTML and
//! JavaScript calling the JSON API under `/api/v1`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// Every asset by name.
const ASSETS: &[(&str, &str)] = &[
    ("common.css", include_str!("assets/common.css")),
    ("sweep.js", include_str!("assets/sweep.js")),
    ("resident.js", include_str!("assets/resident.js")),
    ("team.js", include_str!("assets/team.js")),
    ("site.js", include_str!("assets/site.js")),
    ("office.js", include_str!("assets/office.js")),
];

/// Pages by path.
const PAGES: &[(&str, &str)] = &[
    ("/", include_str!("assets/resident.html")),
    ("/team", include_str!("assets/team.html")),
    ("/site", include_str!("assets/site.html")),
    ("/office", include_str!("assets/office.html")),
];

/// Only this server's own scripts, styles and images; no framing by other sites.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; frame-ancestors 'none'";

pub fn configure(config: &mut web::ServiceConfig) {
    for &(path, html) in PAGES {
        config.route(
            path,
            web::get().to(move || async move { page(html, "text/html; charset=utf-8") }),
        );
    }
    config.route("/assets/{name}", web::get().to(asset));
    // At the root, so that it may keep the pages under `/`.
    config.route(
        "/sw.js",
        web::get().to(|| async {
            page(
                include_str!("assets/sw.js"),
                "text/javascript; charset=utf-8",
            )
        }),
    );
}

fn page(body: &'static str, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        // Revalidated on every load: a new sweep binary brings new pages at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(n, _)| *n == name.as_str()) {
        Some(&(name, body)) if name.ends_with(".css") => page(body, "text/css; charset=utf-8"),
        Some(&(_, body)) => page(body, "text/javascript; charset=utf-8"),
        None => HttpResponse::NotFound().finish(),
    }
}
pub mod plots;
