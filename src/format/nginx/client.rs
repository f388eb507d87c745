//! The client behind trusted proxies, as nginx's `real_ip_recursive on` finds it.
//!
//! Behind a load balancer `$remote_addr` is the load balancer. Each proxy appends the address
//! it was connected from to `X-Forwarded-For`, so the list reads client, proxy, proxy, … and
//! only its right end was written by hosts the team trusts: the leftmost entry is whatever
//! the client sent. The client is the rightmost address that is not a trusted proxy.

use std::net::IpAddr;

use crate::net::Cidr;

/// The address part of an address as written in a log or a header (`1.2.3.4`, `1.2.3.4:80`,
/// `::1`, `[::1]:80`), and the address it is.
pub fn parse_addr(text: &str) -> Option<(&str, IpAddr)> {
    let t = text.trim();
    if let Ok(ip) = t.parse() {
        return Some((t, ip));
    }
    let host = match t.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?.0,
        // ipv4:port (an IPv6 address without brackets parsed above)
        None => t.rsplit_once(':')?.0,
    };
    Some((host, host.parse().ok()?))
}

fn trusted(proxies: &[Cidr], text: &str) -> bool {
    parse_addr(text).is_some_and(|(_, ip)| proxies.iter().any(|c| c.contains(ip)))
}

/// The client address: `remote_addr` unless it is a trusted proxy; then, walking
/// `X-Forwarded-For` from the right, the first address that is not a trusted proxy. When every
/// address is trusted the leftmost is the client; an entry that is not an address stops the
/// walk at the last trusted one (as nginx does: it cannot tell who sent the garbage).
/// Without `remote_addr` the walk starts at the list's right end. A port is left out.
pub fn client<'a>(
    remote_addr: Option<&'a str>,
    forwarded_for: Option<&'a str>,
    proxies: &[Cidr],
) -> Option<&'a str> {
    let remote = remote_addr.filter(|a| *a != "-");
    if proxies.is_empty() {
        return remote;
    }
    if let Some(r) = remote {
        if !trusted(proxies, r) {
            return Some(r);
        }
    }
    let mut found = remote;
    let Some(xff) = forwarded_for.filter(|x| *x != "-") else {
        return found;
    };
    for entry in xff.rsplit(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((host, ip)) = parse_addr(entry) else {
            return found;
        };
        found = Some(host);
        if !proxies.iter().any(|c| c.contains(ip)) {
            return found;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| Cidr::parse(c).unwrap()).collect()
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "130.176.0.0/16"]);
        // viewer, CloudFront edge (trusted); the ALB node (trusted) connected to nginx
        let xff = Some("203.0.113.9, 130.176.12.34");
        assert_eq!(client(Some("10.0.1.7"), xff, &p), Some("203.0.113.9"));
        // a client that writes its own X-Forwarded-For gets its leftmost entry ignored
        let spoofed = Some("1.2.3.4, 198.51.100.23, 130.176.12.34");
        assert_eq!(client(Some("10.0.1.7"), spoofed, &p), Some("198.51.100.23"));
        // every hop trusted: the leftmost is all there is
        assert_eq!(
            client(Some("10.0.1.7"), Some("10.9.9.9, 10.0.0.2"), &p),
            Some("10.9.9.9")
        );
        // not behind a trusted proxy: the header is the client's own words
        assert_eq!(
            client(Some("198.51.100.1"), Some("1.2.3.4"), &p),
            Some("198.51.100.1")
        );
        // garbage stops the walk at the last trusted hop
        assert_eq!(
            client(Some("10.0.1.7"), Some("203.0.113.9, evil, 10.0.0.3"), &p),
            Some("10.0.0.3")
        );
        assert_eq!(client(Some("10.0.1.7"), Some("-"), &p), Some("10.0.1.7"));
        // ports and IPv6
        let p6 = proxies(&["2001:db8::/32"]);
        assert_eq!(
            client(
                Some("2001:db8::1"),
                Some("[2001:db9::5]:443, 2001:db8::2"),
                &p6
            ),
            Some("2001:db9::5")
        );
        // no trusted proxies: $remote_addr, whatever the header says
        assert_eq!(client(Some("10.0.1.7"), xff, &[]), Some("10.0.1.7"));
    }

    #[test]
    fn addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(parse_addr("1.2.3.4:80"), Some(("1.2.3.4", ip("1.2.3.4"))));
        assert_eq!(parse_addr("[::1]:80"), Some(("::1", ip("::1"))));
        assert_eq!(parse_addr(" ::1"), Some(("::1", ip("::1"))));
        assert_eq!(parse_addr("10.xx.xx.xx"), None);
        assert_eq!(parse_addr("unix:/run/x.sock"), None);
    }
}
