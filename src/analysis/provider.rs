//! Provider roll-up: recipient domains grouped by who runs their mail
//! servers, so `gmail.com` and the domains hosted on Google show together.
//! A domain's provider comes from the MX host it was delivered to (its
//! suffix), else from the domain itself; with neither known, a host's
//! provider is its last two labels (three under a short second-level
//! label such as `co.uk`), and a domain with no host seen is its own.

/// `(suffix, provider)`: a host or domain equal to the suffix or ending in
/// `.suffix` belongs to the provider.
const PROVIDERS: &[(&str, &str)] = &[
    ("google.com", "google"),
    ("googlemail.com", "google"),
    ("gmail.com", "google"),
    ("outlook.com", "microsoft"),
    ("hotmail.com", "microsoft"),
    ("live.com", "microsoft"),
    ("msn.com", "microsoft"),
    ("yahoodns.net", "yahoo"),
    ("yahoo.com", "yahoo"),
    ("aol.com", "yahoo"),
    ("aol.net", "yahoo"),
    ("icloud.com", "apple"),
    ("me.com", "apple"),
    ("mac.com", "apple"),
    ("apple.com", "apple"),
    ("protonmail.ch", "proton"),
    ("proton.me", "proton"),
    ("zoho.com", "zoho"),
    ("zoho.eu", "zoho"),
    ("zohomail.com", "zoho"),
    ("messagingengine.com", "fastmail"),
    ("fastmail.com", "fastmail"),
    ("yandex.net", "yandex"),
    ("yandex.ru", "yandex"),
    ("yandex.com", "yandex"),
    ("ya.ru", "yandex"),
    ("mail.ru", "mail.ru"),
    ("bk.ru", "mail.ru"),
    ("inbox.ru", "mail.ru"),
    ("list.ru", "mail.ru"),
    ("163.com", "netease"),
    ("126.com", "netease"),
    ("yeah.net", "netease"),
    ("netease.com", "netease"),
    ("qq.com", "tencent"),
    ("gmx.net", "united-internet"),
    ("gmx.de", "united-internet"),
    ("web.de", "united-internet"),
    ("kundenserver.de", "united-internet"),
    ("ionos.com", "united-internet"),
    ("t-online.de", "t-online"),
    ("orange.fr", "orange"),
    ("wanadoo.fr", "orange"),
    ("free.fr", "free"),
    ("comcast.net", "comcast"),
    ("mimecast.com", "mimecast"),
    ("pphosted.com", "proofpoint"),
    ("ppe-hosted.com", "proofpoint"),
    ("iphmx.com", "cisco"),
    ("barracudanetworks.com", "barracuda"),
    ("messagelabs.com", "broadcom"),
    ("secureserver.net", "godaddy"),
    ("amazonaws.com", "amazon"),
];

/// `(provider, display name)`: the name a reply's signature carries
/// ([`crate::classify::Rule::source`]), so a rule and the roll-up name the
/// same provider.
pub const DISPLAY: &[(&str, &str)] = &[
    ("google", "Gmail"),
    ("microsoft", "Microsoft"),
    ("yahoo", "Yahoo"),
    ("apple", "Apple"),
    ("comcast", "Comcast"),
    ("united-internet", "GMX/web.de"),
    ("orange", "Orange"),
    ("t-online", "T-Online"),
    ("mail.ru", "Mail.ru"),
    ("yandex", "Yandex"),
    ("netease", "NetEase"),
    ("tencent", "QQ"),
    ("free", "Free"),
];

/// The provider id (as [`provider_of`] returns it) of a display name.
pub fn id_of_display(name: &str) -> Option<&'static str> {
    DISPLAY.iter().find(|(_, d)| *d == name).map(|(id, _)| *id)
}

fn known(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.');
    PROVIDERS.iter().find_map(|(suffix, p)| {
        let hit = name == *suffix
            || (name.len() > suffix.len()
                && name.ends_with(suffix)
                && name.as_bytes()[name.len() - suffix.len() - 1] == b'.');
        hit.then_some(*p)
    })
}

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
    if let Some(p) = host.and_then(known).or_else(|| known(domain)) {
        return p.to_owned();
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
    fn every_rule_signature_names_a_registered_provider() {
        for r in crate::classify::PHRASES
            .iter()
            .filter(|r| !r.source.is_empty())
        {
            let id = id_of_display(r.source)
                .unwrap_or_else(|| panic!("rule {:?}: unknown provider {:?}", r.phrase, r.source));
            assert!(
                PROVIDERS.iter().any(|(_, p)| *p == id),
                "{id} has no domain in PROVIDERS"
            );
        }
        for (id, _) in DISPLAY {
            assert!(PROVIDERS.iter().any(|(_, p)| p == id), "{id}");
        }
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
