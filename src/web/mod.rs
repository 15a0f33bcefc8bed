//! The pages people use — a resident's slot and ticket, a team's route, scanning at a
//! site, the office's dashboard, the city's headquarters — served by
//! the same binary. Every asset is built into it (`include_str!`): nothing is fetched from
//! elsewhere, so the pages work on a district's own network. The pages are plain HTML and
//! JavaScript calling the JSON API under `/api/v1`.
//!
//! Every file carries an ETag (a hash of its bytes) and is revalidated on each load: a
//! phone on a poor signal downloads a page only when a new sweep binary changed it, and
//! otherwise gets a `304` of a few bytes. Text is sent gzip-compressed (once, at first
//! use) to browsers that accept it.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// One file served as it is built in.
struct File {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! file {
    ($path:expr, $type:expr, $source:expr) => {
        File {
            path: $path,
            content_type: $type,
            body: include_bytes!($source),
        }
    };
}

/// Every page and asset by path. The service worker sits at the root, so that it may keep
/// the pages under `/`.
const FILES: &[File] = &[
    file!("/", HTML, "assets/resident.html"),
    file!("/team", HTML, "assets/team.html"),
    file!("/site", HTML, "assets/site.html"),
    file!("/office", HTML, "assets/office.html"),
    file!("/city", HTML, "assets/city.html"),
    file!("/sw.js", JS, "assets/sw.js"),
    file!("/favicon.ico", "image/x-icon", "assets/favicon.ico"),
    file!("/assets/icon.svg", "image/svg+xml", "assets/icon.svg"),
    file!("/assets/common.css", CSS, "assets/common.css"),
    file!("/assets/sweep.js", JS, "assets/sweep.js"),
    file!("/assets/resident.js", JS, "assets/resident.js"),
    file!("/assets/team.js", JS, "assets/team.js"),
    file!("/assets/site.js", JS, "assets/site.js"),
    file!("/assets/office.js", JS, "assets/office.js"),
    file!("/assets/city.js", JS, "assets/city.js"),
];

/// Only this server's own scripts, styles and images; no framing by other sites.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; frame-ancestors 'none'";

pub fn configure(config: &mut web::ServiceConfig) {
    for (index, file) in FILES.iter().enumerate() {
        config.route(
            file.path,
            web::get().to(move |request: HttpRequest| async move { serve(index, &request) }),
        );
    }
}

/// What is worked out once per file: its quoted ETag and, for text, its gzip form.
struct Prepared {
    etag: String,
    gzip: Option<Vec<u8>>,
}

/// By index in [`FILES`].
fn prepared() -> &'static [Prepared] {
    static PREPARED: OnceLock<Vec<Prepared>> = OnceLock::new();
    PREPARED.get_or_init(|| {
        FILES
            .iter()
            .map(|f| {
                let digest = Sha256::digest(f.body);
                let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                let text = f.content_type.starts_with("text/") || f.content_type.contains("svg");
                Prepared {
                    etag: format!("\"{hex}\""),
                    gzip: text.then(|| gzip(f.body)),
                }
            })
            .collect()
    })
}

fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Whether the request's Accept-Encoding takes gzip (and does not refuse it with q=0).
fn accepts_gzip(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|codings| {
            codings.split(',').any(|coding| {
                let mut parts = coding.split(';').map(str::trim);
                let name = parts.next().unwrap_or("");
                let refused = parts.any(|p| p.replace(' ', "") == "q=0");
                (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
            })
        })
}

fn serve(index: usize, request: &HttpRequest) -> HttpResponse {
    let file = &FILES[index];
    let Prepared { etag, gzip } = &prepared()[index];
    let unchanged = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        // Revalidated on every load (a 304 when unchanged): a new sweep binary brings new
        // pages at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::VARY, "Accept-Encoding"));
    if unchanged {
        return response.finish();
    }
    response.content_type(file.content_type);
    match gzip {
        Some(gzip) if accepts_gzip(request) => response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(gzip.as_slice()),
        _ => response.body(file.body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages say every roster problem in both languages: a problem the server can name
    /// that a page has no sentence for would show as its bare code.
    #[test]
    fn the_pages_have_a_sentence_for_every_roster_problem_in_both_languages() {
        let words = std::str::from_utf8(
            FILES
                .iter()
                .find(|f| f.path == "/assets/sweep.js")
                .unwrap()
                .body,
        )
        .unwrap();
        let (zh, en) = words.split_once("\n  en: {").expect("two tables");
        for (code, _) in crate::domain::problem::ENGLISH {
            let key = format!("    problem_{code}: ");
            assert!(zh.contains(&key), "no Chinese sentence for {code}");
            assert!(en.contains(&key), "no English sentence for {code}");
        }
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let asked = |codings: &str| {
            let request = actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, codings))
                .to_http_request();
            accepts_gzip(&request)
        };
        assert!(asked("gzip, deflate, br"));
        assert!(asked("br;q=1.0, gzip;q=0.8"));
        assert!(!asked("br"));
        assert!(!asked("gzip;q=0"));
        assert!(!asked("identity"));
    }
}
