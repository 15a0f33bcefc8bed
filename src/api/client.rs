//! Who is calling, as far as the network says: the client's address for per-client limits.

use std::net::IpAddr;

use actix_web::http::header::HeaderName;
use actix_web::HttpRequest;
use ipnet::IpNet;

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Addresses a client put in
/// the header itself stand to the left of those its proxies added, so an untrusted client
/// cannot choose the address it is counted by.
pub fn address(request: &HttpRequest, trusted: &[IpNet]) -> IpAddr {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = request
        .headers()
        .get_all(HeaderName::from_static("x-forwarded-for"))
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    // From the nearest hop outwards, while each was added by a trusted proxy.
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn from(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr(format!("{peer}:5000").parse().unwrap());
        if let Some(header) = forwarded {
            request = request.insert_header(("X-Forwarded-For", header));
        }
        request.to_http_request()
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let client = |peer, header| address(&from(peer, header), &proxies).to_string();
        assert_eq!(client("203.0.113.9", Some("1.2.3.4")), "203.0.113.9");
        assert_eq!(client("10.0.0.5", Some("1.2.3.4")), "1.2.3.4");
        // A client's own claim stands left of what the proxies saw.
        assert_eq!(
            client("10.0.0.5", Some("6.6.6.6, 1.2.3.4, 10.0.0.7")),
            "1.2.3.4"
        );
        assert_eq!(client("10.0.0.5", None), "10.0.0.5");
        assert_eq!(
            address(&from("10.0.0.5", Some("1.2.3.4")), &[]).to_string(),
            "10.0.0.5"
        );
    }
}
