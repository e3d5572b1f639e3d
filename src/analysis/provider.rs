//! Provider roll-up: recipient domains grouped by who runs their mail
//! servers, so `gmail.com` and the domains hosted on Google show together.
//! A domain's provider comes from the MX host it was delivered to (its
//! suffix), else from the domain itself; with neither known, a host's
//! provider is its last two labels (three under a short second-level
//! label such as `co.uk`), and a domain with no host seen is its own.
//! The providers and their domains are the registry's,
//! [`crate::classify::provider`].

use crate::classify::provider;

/// The registrable part of a host name, roughly: `mx1.mail.example.co.uk` →
/// `example.co.uk`, `mx.example.net` → `example.net`.
fn base_domain(host: &str) -> &str {
    let host = host.trim_end_matches('.');
    let labels: Vec<&str> = host.rsplitn(4, '.').collect();
    let keep = match labels.as_slice() {
        [tld, second, ..] if tld.len() == 2 && second.len() <= 3 && labels.len() >= 3 => 3,
        _ => 2,
    };
    if labels.len() <= keep {
        return host;
    }
    let cut: usize = labels[..keep].iter().map(|l| l.len() + 1).sum();
    &host[host.len() + 1 - cut..]
}

/// The provider of a recipient domain, given the first MX host seen for it.
pub fn provider_of(domain: &str, host: Option<&str>) -> String {
    let is_name = |h: &&str| {
        h.contains('.')
            && !h.contains(':')
            && !h.starts_with('[')
            && !h.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    };
    let host = host.filter(is_name);
    if let Some(p) = host
        .and_then(provider::by_name)
        .or_else(|| provider::by_name(domain))
    {
        return p.id.to_owned();
    }
    match host {
        Some(h) => base_domain(h).to_ascii_lowercase(),
        None => domain.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosted_domains_join_their_provider() {
        assert_eq!(
            provider_of("gmail.com", Some("gmail-smtp-in.l.google.com")),
            "google"
        );
        assert_eq!(
            provider_of("acme.example", Some("aspmx.l.google.com")),
            "google"
        );
        assert_eq!(provider_of("gmail.com", None), "google");
        assert_eq!(
            provider_of(
                "contoso.example",
                Some("contoso-example.mail.protection.outlook.com")
            ),
            "microsoft"
        );
        assert_eq!(
            provider_of("yahoo.com", Some("mta5.am0.yahoodns.net")),
            "yahoo"
        );
    }

    #[test]
    fn more_mailbox_providers() {
        assert_eq!(
            provider_of("163.com", Some("163mx01.mxmail.netease.com")),
            "netease"
        );
        assert_eq!(provider_of("wanadoo.fr", None), "orange");
        assert_eq!(
            provider_of("aol.com", Some("mx-aol.mail.gm0.yahoodns.net")),
            "yahoo"
        );
        assert_eq!(provider_of("bk.ru", None), "mail.ru");
        assert_eq!(provider_of("qq.com", None), "tencent");
    }

    #[test]
    fn unknown_hosts_group_by_their_base_domain() {
        assert_eq!(
            provider_of("a.example", Some("mx1.hosting.example.net")),
            "example.net"
        );
        assert_eq!(
            provider_of("b.example", Some("mx.isp.example.co.uk")),
            "example.co.uk"
        );
        assert_eq!(provider_of("c.example", None), "c.example");
        assert_eq!(provider_of("d.example", Some("[192.0.2.1]")), "d.example");
        assert_eq!(provider_of("d.example", Some("192.0.2.1")), "d.example");
        // A suffix must match whole labels.
        assert_eq!(
            provider_of("e.example", Some("mx.notgoogle.com")),
            "notgoogle.com"
        );
    }
}
