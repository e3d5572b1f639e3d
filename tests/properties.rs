//! Properties: parsers never panic on arbitrary bytes; reading inputs split
//! apart then merging gives the same aggregate as reading them whole (so
//! parallel reading equals `--threads 1`); bytes handed over in pieces cut
//! at any byte, plain or gzip, give the whole report; a followed file
//! written at any byte boundaries gives the same lines.

use maillog421::{
    DomainRow, LogFormat as Format, Report, Retries, ScanConfig, Source, Zone, build_report,
    scan_all,
};
use proptest::prelude::*;

const EXIM: &[&str] = &[
    "2026-11-22 10:00:01 1tA2b3-000AbC-1x <= a@example.org H=mx.example.org [192.0.2.1] P=esmtp S=4213",
    "2026-11-22 10:00:02 1tA2b3-000AbC-1x == b@example.net R=dnslookup T=remote_smtp defer (-45) H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<b@example.net>: 421 4.7.0 Too many concurrent connections",
    "2026-11-22 10:05:03 1tA2b3-000AbC-1x H=mx.example.net [192.0.2.10]: SMTP error from remote mail server after end of data: 421-4.7.28 rate\\n421 4.7.28 limited - gsmtp",
    "2026-11-22 10:20:04.123 [42] 1tA2b3-000AbC-1x => c@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.11]:25 C=\"250 OK\"",
    "2026-11-22 11:00:05 1tA2b3-000AbC-1x ** d@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.11]: SMTP error from remote mail server after RCPT TO:<d@example.com>: 550 5.1.1 unknown",
    "2026-11-22 12:00:06 SMTP command timeout on connection from (helo) [192.0.2.5] D=5m",
    "  continued text",
    "******** not a log line",
];

const POSTFIX: &[&str] = &[
    "Nov 22 10:00:01 mx1 postfix/smtp[1]: 4217E3011B47: to=<a@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=4.7.0, status=deferred (host mx.example.net[192.0.2.1] said: 421 4.7.0 Try later (in reply to MAIL FROM command))",
    "Nov 22 10:30:02 mx1 postfix/smtp[1]: 4217E3011B47: to=<a@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)",
    "Nov 22 11:00:03 mx1 postfix/smtpd[2]: timeout after DATA from h.example[192.0.2.9]",
    "Nov 22 11:00:04 mx1 postfix/cleanup[3]: ABC123DEF: message-id=<x@y>",
    "Nov 22 12:00:05 mx1 dovecot: imap-login: Login: user=<u>",
    "garbage line",
];

fn line_from(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(pool).prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = Format::Exim.parse_line(&bytes);
        let _ = Format::Syslog.parse_line(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_cut_or_mutated_lines(
        line in prop_oneof![line_from(EXIM), line_from(POSTFIX)],
        cut in 0usize..400,
        junk in prop::collection::vec(any::<u8>(), 0..20),
    ) {
        let mut b = line.into_bytes();
        b.truncate(cut.min(b.len()));
        b.extend_from_slice(&junk);
        let _ = Format::Exim.parse_line(&b);
        let _ = Format::Syslog.parse_line(&b);
    }
}

fn write_files(dir: &std::path::Path, parts: &[Vec<String>]) -> Vec<Source> {
    parts
        .iter()
        .enumerate()
        .map(|(i, lines)| {
            let p = dir.join(format!("part{i}.log"));
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            Source::File(p)
        })
        .collect()
}

fn without_retries(r: &Report) -> Vec<DomainRow> {
    r.by_domain
        .iter()
        .map(|d| DomainRow {
            retries: no_retries(),
            ..d.clone()
        })
        .collect()
}

fn no_retries() -> Retries {
    Retries {
        with_421: 0,
        recovered: 0,
        bounced: 0,
        pending: 0,
        recovery_share: None,
        time_to_delivery_p50_s: None,
        time_to_delivery_p90_s: None,
        attempts_p50: None,
        attempts_p90: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any sequence of lines split at any line boundaries into files gives the
    /// same report as the whole, with one thread or two.
    #[test]
    fn split_inputs_merge_to_the_whole(
        exim in any::<bool>(),
        picks in prop::collection::vec(0usize..8, 1..60),
        cuts in prop::collection::vec(0usize..60, 0..4),
    ) {
        let pool = if exim { EXIM } else { POSTFIX };
        let lines: Vec<String> = picks.iter().map(|i| pool[i % pool.len()].to_string()).collect();
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (lines.len() + 1)).collect();
        bounds.push(0);
        bounds.push(lines.len());
        bounds.sort_unstable();
        let parts: Vec<Vec<String>> = bounds.windows(2).map(|w| lines[w[0]..w[1]].to_vec()).filter(|p| !p.is_empty()).collect();
        let dir = tempfile::tempdir().unwrap();
        let cfg = ScanConfig {
            zone: Zone::Utc,
            year: Some(2026),
            format: Some(if exim { Format::Exim } else { Format::Syslog }),
            ..ScanConfig::default()
        };
        let whole = write_files(&dir.path().join(""), std::slice::from_ref(&lines));
        let split_dir = dir.path().join("split");
        std::fs::create_dir(&split_dir).unwrap();
        let split = write_files(&split_dir, &parts);
        let one = build_report(&mut scan_all(&whole, &cfg, Some(1)).unwrap(), &cfg);
        // Whole file in chunks of a few bytes (chunk_min forces chunking).
        let chunked_cfg = ScanConfig { chunk_min: 1, keep_events: true, ..cfg.clone() };
        let mut chunked = scan_all(&whole, &chunked_cfg, Some(2)).unwrap();
        let serial = scan_all(&whole, &ScanConfig { keep_events: true, ..cfg.clone() }, Some(1)).unwrap();
        prop_assert_eq!(&chunked[0].events, &serial[0].events);
        let chunked = build_report(&mut chunked, &cfg);
        prop_assert_eq!(&one.totals, &chunked.totals);
        prop_assert_eq!(&one.by_window, &chunked.by_window);
        prop_assert_eq!(&one.by_domain, &chunked.by_domain);
        prop_assert_eq!(&one.retries, &chunked.retries);
        prop_assert_eq!(&one.pending, &chunked.pending);
        prop_assert_eq!(&one.load, &chunked.load);
        for threads in [Some(1), Some(2)] {
            let many = build_report(&mut scan_all(&split, &cfg, threads).unwrap(), &cfg);
            prop_assert_eq!(&one.totals, &many.totals);
            // Separate files are followed in the order of their stamps, and
            // these random lines are not in time order, so retry outcomes
            // may differ here (tests/retry_model.rs checks them on logs in
            // time order).
            prop_assert_eq!(without_retries(&one), without_retries(&many));
            prop_assert_eq!(&one.load, &many.load);
            prop_assert_eq!(&one.by_window, &many.by_window);
            prop_assert_eq!(&one.by_category, &many.by_category);
            prop_assert_eq!(&one.top_replies, &many.top_replies);
        }
    }
}

/// A reader that hands out its bytes in the given piece sizes (cycled), as
/// a pipe or a slow disk may: lines and gzip members cut anywhere.
struct Pieces {
    data: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl std::io::Read for Pieces {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = size.min(out.len()).min(self.data.len() - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn report_value(reader: Box<dyn std::io::Read + Send>, cfg: &ScanConfig) -> serde_json::Value {
    let scanned = maillog421::scan_reader(reader, "input", cfg);
    let mut v = serde_json::to_value(build_report(&mut [scanned], cfg)).unwrap();
    v.as_object_mut().unwrap().remove("inputs");
    v
}

fn gzip_members(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    use std::io::Write;
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    bounds.extend([0, text.len()]);
    bounds.sort_unstable();
    let mut out = Vec::new();
    for w in bounds.windows(2) {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&text[w[0]..w[1]]).unwrap();
        out.extend(e.finish().unwrap());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any sequence of valid lines, handed to the reader in pieces cut at
    /// any byte, and gzipped as members cut at any byte, gives exactly the
    /// report of reading it whole, retry outcomes included.
    #[test]
    fn bytes_cut_anywhere_give_the_whole_report(
        exim in any::<bool>(),
        picks in prop::collection::vec(0usize..8, 1..80),
        sizes in prop::collection::vec(1usize..300, 1..8),
        member_cuts in prop::collection::vec(any::<usize>(), 0..4),
        crlf in any::<bool>(),
    ) {
        let pool = if exim { EXIM } else { POSTFIX };
        let end = if crlf { "\r\n" } else { "\n" };
        let text: String = picks.iter().map(|i| format!("{}{end}", pool[i % pool.len()])).collect();
        let text = text.into_bytes();
        let cfg = ScanConfig {
            zone: Zone::Utc,
            year: Some(2026),
            format: Some(if exim { Format::Exim } else { Format::Syslog }),
            ..ScanConfig::default()
        };
        let whole = report_value(Box::new(std::io::Cursor::new(text.clone())), &cfg);
        let pieces = Pieces { data: text.clone(), at: 0, sizes: sizes.clone(), turn: 0 };
        prop_assert_eq!(&whole, &report_value(Box::new(pieces), &cfg));
        let gz = gzip_members(&text, &member_cuts);
        let pieces = Pieces { data: gz, at: 0, sizes, turn: 0 };
        prop_assert_eq!(&whole, &report_value(Box::new(pieces), &cfg));
    }

    /// A followed file written at any byte boundaries, polled between the
    /// writes, gives the lines of the whole file, numbered alike.
    #[test]
    fn follow_sees_the_same_lines_whatever_the_writes(
        picks in prop::collection::vec(0usize..8, 1..60),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        use maillog421::{Start, Tail};
        use std::io::Write;
        let text: String = picks.iter().map(|i| format!("{}\n", EXIM[i % EXIM.len()])).collect();
        let text = text.into_bytes();
        let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
        bounds.extend([0, text.len()]);
        bounds.sort_unstable();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mainlog");
        let mut file = std::fs::File::create(&path).unwrap();
        let (mut tail, _) = Tail::new(&path, Start::Beginning);
        let mut got: Vec<(Vec<u8>, u64)> = Vec::new();
        for w in bounds.windows(2) {
            file.write_all(&text[w[0]..w[1]]).unwrap();
            tail.poll(&mut |l, n| got.push((l.to_vec(), n))).unwrap();
        }
        // Every line ends with a newline: the split's last piece is empty.
        let want: Vec<(Vec<u8>, u64)> = text
            .split(|b| *b == b'\n')
            .take(picks.len())
            .zip(1..)
            .map(|(l, n)| (l.to_vec(), n))
            .collect();
        prop_assert_eq!(got, want);
    }
}
