//! The provider registry: who runs a mail service, under one entry each.
//! The roll-up id reports print, the name a reply signature carries, the
//! domains and MX host suffixes that belong to it, the words that name it in
//! a reply, and the advice `explain` shows. The phrase table
//! ([`super::PHRASES`]) points at these entries for its signatures, the
//! provider roll-up ([`crate::analysis::provider`]) groups domains by them,
//! and the guidance ([`crate::guidance`]) shows their advice.

use serde::Serialize;

/// One mail provider.
#[derive(Debug)]
pub struct Provider {
    /// The roll-up id, as reports print it in the provider column.
    pub id: &'static str,
    /// The name its reply signatures carry (rule listings, `explain`), for
    /// a provider whose replies the phrase table knows or people name.
    pub name: Option<&'static str>,
    /// A host or domain equal to one of these or ending in `.` and one of
    /// these belongs to the provider.
    pub domains: &'static [&'static str],
    /// Words (ASCII case-insensitive) that name the provider in a reply no
    /// signature matched.
    pub reply_words: &'static [&'static str],
    /// Provider-specific advice for `explain`.
    pub advice: Option<Advice>,
}

/// Notes for one large mailbox provider, shown when a reply is theirs.
#[derive(Debug, Serialize)]
pub struct Advice {
    /// The heading (`Yahoo / AOL specifics`).
    #[serde(rename = "name")]
    pub title: &'static str,
    #[serde(rename = "advice")]
    pub items: &'static [&'static str],
}

const BLANK: Provider = Provider {
    id: "",
    name: None,
    domains: &[],
    reply_words: &[],
    advice: None,
};

pub const GOOGLE: Provider = Provider {
    id: "google",
    name: Some("Gmail"),
    domains: &["google.com", "googlemail.com", "gmail.com"],
    reply_words: &["gsmtp", "google"],
    advice: Some(Advice {
        title: "Gmail / Google Workspace",
        items: &[
            "4.7.28 means an unusual rate from our IP or domain; Postmaster Tools \
             (postmaster.google.com) shows spam rate and reputation.",
            "Google's sender rules: SPF, DKIM and DMARC, one-click unsubscribe for \
             bulk mail, spam rate well under 0.3%.",
            "Google offers little one-to-one help: fix what Postmaster Tools shows, \
             then slow down and let retries drain.",
        ],
    }),
};

pub const YAHOO: Provider = Provider {
    id: "yahoo",
    name: Some("Yahoo"),
    domains: &["yahoodns.net", "yahoo.com", "aol.com", "aol.net"],
    reply_words: &["yahoo", "aol.com"],
    advice: Some(Advice {
        title: "Yahoo / AOL",
        items: &[
            "Their tags: [TSS04] volume or complaints, [TS01]-[TS03] and \
             [TSS01]-[TSS03] reputation, [GL01] greylisting.",
            "Register at Yahoo Sender Hub (senders.yahooinc.com) for the complaint \
             feedback loop and its support form.",
            "Yahoo, AOL and other yahoodns.net MX hosts share limits: route them all \
             through one slow transport.",
            "If [TSS04] persists a day after slowing down, open a Sender Hub ticket \
             with the reply and our IP.",
        ],
    }),
};

pub const MICROSOFT: Provider = Provider {
    id: "microsoft",
    name: Some("Microsoft"),
    domains: &["outlook.com", "hotmail.com", "live.com", "msn.com"],
    reply_words: &["outlook", "hotmail", "microsoft"],
    advice: Some(Advice {
        title: "Microsoft (Outlook.com, Hotmail, Microsoft 365)",
        items: &[
            "SNDS (sendersupport.olc.protection.outlook.com/snds) shows our IP's \
             data; JMRP sends us the complaints.",
            "4.7.650/4.7.651, S775 and RP-00x are IP reputation: cut volume first, \
             then ask their sender support for mitigation.",
            "Blocks that name S3150 or similar can be lifted at the delist portal, \
             sender.office.com.",
        ],
    }),
};

pub const APPLE: Provider = Provider {
    id: "apple",
    name: Some("Apple"),
    domains: &["icloud.com", "me.com", "mac.com", "apple.com"],
    ..BLANK
};

pub const MAIL_RU: Provider = Provider {
    id: "mail.ru",
    name: Some("Mail.ru"),
    domains: &["mail.ru", "bk.ru", "inbox.ru", "list.ru"],
    ..BLANK
};

pub const NETEASE: Provider = Provider {
    id: "netease",
    name: Some("NetEase"),
    domains: &["163.com", "126.com", "yeah.net", "netease.com"],
    ..BLANK
};

pub const ORANGE: Provider = Provider {
    id: "orange",
    name: Some("Orange"),
    domains: &["orange.fr", "wanadoo.fr"],
    ..BLANK
};

pub const COMCAST: Provider = Provider {
    id: "comcast",
    name: Some("Comcast"),
    domains: &["comcast.net"],
    ..BLANK
};

/// Every provider. The order decides which provider's reply words are
/// looked for first; domains never belong to two providers.
pub const PROVIDERS: &[Provider] = &[
    GOOGLE,
    YAHOO,
    MICROSOFT,
    APPLE,
    Provider {
        id: "proton",
        domains: &["protonmail.ch", "proton.me"],
        ..BLANK
    },
    Provider {
        id: "zoho",
        domains: &["zoho.com", "zoho.eu", "zohomail.com"],
        ..BLANK
    },
    Provider {
        id: "fastmail",
        domains: &["messagingengine.com", "fastmail.com"],
        ..BLANK
    },
    Provider {
        id: "yandex",
        name: Some("Yandex"),
        domains: &["yandex.net", "yandex.ru", "yandex.com", "ya.ru"],
        ..BLANK
    },
    MAIL_RU,
    NETEASE,
    Provider {
        id: "tencent",
        name: Some("QQ"),
        domains: &["qq.com"],
        ..BLANK
    },
    Provider {
        id: "united-internet",
        name: Some("GMX/web.de"),
        domains: &[
            "gmx.net",
            "gmx.de",
            "web.de",
            "kundenserver.de",
            "ionos.com",
        ],
        ..BLANK
    },
    Provider {
        id: "t-online",
        name: Some("T-Online"),
        domains: &["t-online.de"],
        ..BLANK
    },
    ORANGE,
    Provider {
        id: "free",
        name: Some("Free"),
        domains: &["free.fr"],
        ..BLANK
    },
    COMCAST,
    Provider {
        id: "mimecast",
        domains: &["mimecast.com"],
        ..BLANK
    },
    Provider {
        id: "proofpoint",
        domains: &["pphosted.com", "ppe-hosted.com"],
        ..BLANK
    },
    Provider {
        id: "cisco",
        domains: &["iphmx.com"],
        ..BLANK
    },
    Provider {
        id: "barracuda",
        domains: &["barracudanetworks.com"],
        ..BLANK
    },
    Provider {
        id: "broadcom",
        domains: &["messagelabs.com"],
        ..BLANK
    },
    Provider {
        id: "godaddy",
        domains: &["secureserver.net"],
        ..BLANK
    },
    Provider {
        id: "amazon",
        domains: &["amazonaws.com"],
        ..BLANK
    },
];

/// The provider a host or domain name belongs to (whole labels; a
/// trailing `.` is ignored).
pub fn by_name(name: &str) -> Option<&'static Provider> {
    let name = name.trim_end_matches('.');
    PROVIDERS.iter().find(|p| {
        p.domains.iter().any(|suffix| {
            name == *suffix
                || (name.len() > suffix.len()
                    && name.ends_with(suffix)
                    && name.as_bytes()[name.len() - suffix.len() - 1] == b'.')
        })
    })
}

/// The first provider (in registry order) that a reply's text names by one
/// of its words.
pub fn named_in_reply(text: &[u8]) -> Option<&'static Provider> {
    let has = |needle: &str| {
        text.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    PROVIDERS
        .iter()
        .find(|p| p.reply_words.iter().any(|w| has(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_domains_belong_to_one_provider() {
        for (i, p) in PROVIDERS.iter().enumerate() {
            for q in &PROVIDERS[i + 1..] {
                assert_ne!(p.id, q.id);
                assert!(p.name.is_none() || p.name != q.name, "{}", p.id);
            }
            for d in p.domains {
                assert_eq!(by_name(d).map(|f| f.id), Some(p.id), "{d}");
            }
        }
    }
}
