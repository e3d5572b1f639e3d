//! genlog: synthetic Exim `mainlog` / Postfix `maillog` traffic with a known 421 truth.
//!
//! ```sh
//! cargo run --release --example genlog -- exim|postfix SIZE_MB OUT [--messages N] [--seed N] [--rotate K] [--truth PATH] [--jammed]
//! cargo run --release --example genlog -- exim 0 - --messages 10000000 | maillog421 report -
//! ```
//!
//! Writes realistic mail traffic (consecutive days from 2026-11-01, a daily load curve with busy
//! hours 09-17, 421 bursts in busy hours, one long 421 outage a day at a small domain) to OUT
//! until it holds SIZE_MB MiB or, with `--messages N`, until N messages have arrived (from the
//! internet or local senders; the bounces the MTA writes come on top), whichever comes first.
//! SIZE_MB 0 means no size limit (with `--messages` only). The period lasts 30 days at most and
//! ends in the middle of its last day. OUT `-` is standard output.
//!
//! Every message's life ends in the log once each of its recipients is delivered or bounced: Exim
//! `ID Completed`, Postfix `QID: removed`. A deferred recipient group (the recipients of one
//! domain) is retried 4 times, 10 min, 15 min, 30 min and 1 h apart (plus up to 5 min), and an
//! hour after the last try the MTA gives up: Exim `ID ** RCPT R=dnslookup T=remote_smtp: retry
//! timeout exceeded`, Postfix `status=bounced` per recipient or, for some last groups, qmgr's
//! `QID: from=<S>, status=expired, returned to sender`; then the bounce to the sender. A group
//! that finds the retry queue full (`MAX_RETRIES`) is given up at once, so nothing vanishes.
//! Groups still queued at the end have no end line (pending). Ids are never reused.
//!
//! `--jammed` leaves every recipient group that met a 421 open: it is never retried, never given
//! up, and its message never ends (a queue jammed by its providers); its pairs are `pending`.
//!
//! The truth goes to `OUT.truth.json`, or `--truth PATH`; with OUT `-` and no `--truth`, to stderr
//! as one JSON line. It holds the counts of what was written, by the README's definitions
//! (`lines`, `delivered`, `deferred`, `bounced`, `messages_received`, `deferrals_421`,
//! `suspended_421`, `replies_421`, `inbound_421`, `by_category` of the `deferrals_421`), and
//! `retries`: the (message, recipient) pairs that met a deferred or suspended 421
//! (`with_421`), each `recovered` (delivered later), `bounced` or `pending` at the end, and
//! `time_to_delivery_p50_s` / `time_to_delivery_p90_s` (nearest rank, whole seconds from the first
//! 421 to delivery; null without a recovered pair) over the recovered ones. Also `messages` (the
//! arrivals), `bytes`, `files`, `outbound_delivery_lines`, `format`, `seed`. Output is a
//! deterministic function of the arguments; memory is constant for any size (streamed through a
//! `BufWriter`, the retry queue bounded).
//!
//! `--rotate K` writes `OUT.K.gz` (oldest) ... `OUT.1.gz` and `OUT` instead of one file, the
//! period split into K+1 consecutive parts of about equal size (or message count, by whichever
//! limit ends the run; gzip without name or time, like `gzip -n`), and one truth file for the
//! whole set. Each file's modification time is its last stamp (UTC), so even without `--year` the
//! syslog stamps get the year 2026.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, UNIX_EPOCH};

use chrono::{Datelike, NaiveDate};
use flate2::{Compression, GzBuilder, write::GzEncoder};

// ---------------------------------------------------------------------------------------------
// PRNG (splitmix64)

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Inclusive range.
    fn range(&mut self, a: u64, b: u64) -> u64 {
        a + self.below(b - a + 1)
    }
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len() as u64) as usize]
    }
    fn alnum(&mut self, out: &mut String, n: usize) {
        const A: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for _ in 0..n {
            out.push(A[self.below(62) as usize] as char);
        }
    }
    fn token(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        self.alnum(&mut s, n);
        s
    }
    fn hex_upper(&mut self, n: usize) -> String {
        const H: &[u8] = b"0123456789ABCDEF";
        (0..n).map(|_| H[self.below(16) as usize] as char).collect()
    }
    fn hex_lower(&mut self, n: usize) -> String {
        const H: &[u8] = b"0123456789abcdef";
        (0..n).map(|_| H[self.below(16) as usize] as char).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Static world: categories, replies, domains

const CATS: [&str; 9] = [
    "capacity",
    "connection-limit",
    "timeout",
    "rate-limit",
    "reputation",
    "auth-policy",
    "greylisting",
    "downstream",
    "unknown",
];
const CAPACITY: usize = 0;
const CONNLIMIT: usize = 1;
const TIMEOUT: usize = 2;
const RATE: usize = 3;
const REPUTATION: usize = 4;
const AUTH: usize = 5;
const GREY: usize = 6;
const DOWNSTREAM: usize = 7;
const UNKNOWN: usize = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Connect,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    EndData,
}

/// A 421 reply. Placeholders: `{host}` (the remote MX), `{rcpt}`, `{gid}` (Gmail trace id),
/// `{msid}` (Microsoft trace). `\n` separates the lines of a multi-line reply.
struct Reply {
    cat: usize,
    stage: Stage,
    text: &'static str,
}

const fn r(cat: usize, stage: Stage, text: &'static str) -> Reply {
    Reply { cat, stage, text }
}

use Stage::*;

static GMAIL_421: &[Reply] = &[
    r(
        RATE,
        EndData,
        "421-4.7.28 [203.0.113.5      15] Gmail has detected an unusual rate of unsolicited mail originating\n421-4.7.28 from your IP address. To protect our users from spam, mail sent from your IP address\n421-4.7.28 has been temporarily rate limited. For more information, go to\n421 4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError {gid} - gsmtp",
    ),
    r(
        RATE,
        Rcpt,
        "421-4.7.28 [203.0.113.5      19] Our system has detected an unusual rate of\n421-4.7.28 unsolicited mail originating from your IP address. To protect our\n421 4.7.28 users from spam, mail sent from your IP address has been temporarily rate limited. {gid} - gsmtp",
    ),
    r(
        CAPACITY,
        Data,
        "421 4.3.0 Temporary System Problem.  Try again later (10). {gid} - gsmtp",
    ),
];
static YAHOO_421: &[Reply] = &[
    r(
        RATE,
        Mail,
        "421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
    r(
        REPUTATION,
        Mail,
        "421 4.7.0 [TS01] Messages from 203.0.113.5 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    ),
    r(
        GREY,
        Connect,
        "421 4.7.0 [GL01] Message from (203.0.113.5) temporarily deferred - 4.16.50. Please refer to https://postmaster.yahooinc.com/error-codes",
    ),
];
static MS_421: &[Reply] = &[
    r(
        REPUTATION,
        Rcpt,
        "421 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [{msid}]",
    ),
    r(
        CAPACITY,
        Connect,
        "421 4.3.2 System not accepting network messages",
    ),
];
static GMX_421: &[Reply] = &[r(
    RATE,
    Mail,
    "421 gmx.net (mxgmx104) Nemesis ESMTP Service not available, rate limit for 203.0.113.5 exceeded, try again later",
)];
static WEBDE_421: &[Reply] = &[r(
    RATE,
    Mail,
    "421 web.de (mxweb112) Nemesis ESMTP Service not available, rate limit for 203.0.113.5 exceeded, try again later",
)];
static COMCAST_421: &[Reply] = &[r(
    CONNLIMIT,
    Connect,
    "421 {host} comcast 203.0.113.5 Too many sessions opened from your IP, try again later",
)];
static ORANGE_421: &[Reply] = &[
    r(
        CONNLIMIT,
        Connect,
        "421 mwinf5c42 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR005_104 [104]",
    ),
    r(CAPACITY, Connect, "421 {host} Server busy, try again later"),
];
static ICLOUD_421: &[Reply] = &[r(
    AUTH,
    Mail,
    "421 4.7.0 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
)];
/// Every category, for the example-NNN domains, baseline noise and diverse bursts.
static GENERIC_421: &[Reply] = &[
    r(
        CAPACITY,
        Connect,
        "421 4.3.2 System not accepting network messages",
    ),
    r(
        CAPACITY,
        Data,
        "421 4.3.2 Server busy, insufficient system resources, try again later",
    ),
    r(
        CONNLIMIT,
        Connect,
        "421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later.",
    ),
    r(CONNLIMIT, Mail, "421 too many messages in this connection"),
    r(TIMEOUT, Data, "421 4.4.2 Connection timed out"),
    r(TIMEOUT, Rcpt, "421 4.4.2 {host} Error: timeout exceeded"),
    r(
        RATE,
        Mail,
        "421 4.7.0 Too many messages from 203.0.113.5, slow down",
    ),
    r(
        RATE,
        Rcpt,
        "421 4.7.1 Rate limit exceeded for 203.0.113.5, try again later",
    ),
    r(
        REPUTATION,
        Connect,
        "421 4.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org",
    ),
    r(
        REPUTATION,
        Mail,
        "421 4.7.0 IP reputation of 203.0.113.5 too low, try again later",
    ),
    r(AUTH, Ehlo, "421 4.7.0 TLS required"),
    r(
        AUTH,
        Ehlo,
        "421 4.7.1 {host}: PTR record for 203.0.113.5 is missing, closing connection",
    ),
    r(
        AUTH,
        EndData,
        "421 4.7.26 Temporary DMARC evaluation failure for example.org, try again later",
    ),
    r(GREY, Rcpt, "421 4.7.0 Greylisted, try again later"),
    r(
        GREY,
        Rcpt,
        "421 4.7.0 <{rcpt}>: Recipient address rejected: Greylisted for 300 seconds",
    ),
    r(DOWNSTREAM, EndData, "421 4.3.0 Downstream server error"),
    r(DOWNSTREAM, Data, "421 4.4.0 Downstream server error"),
    r(
        UNKNOWN,
        Connect,
        "421 Service not available, closing transmission channel",
    ),
    r(UNKNOWN, Mail, "421 Please try again later"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prov {
    Gmail,
    Yahoo,
    Microsoft,
    Gmx,
    WebDe,
    Orange,
    Comcast,
    Icloud,
    Generic,
}

impl Prov {
    fn replies(self) -> &'static [Reply] {
        match self {
            Prov::Gmail => GMAIL_421,
            Prov::Yahoo => YAHOO_421,
            Prov::Microsoft => MS_421,
            Prov::Gmx => GMX_421,
            Prov::WebDe => WEBDE_421,
            Prov::Orange => ORANGE_421,
            Prov::Comcast => COMCAST_421,
            Prov::Icloud => ICLOUD_421,
            Prov::Generic => GENERIC_421,
        }
    }
}

struct Domain {
    name: String,
    prov: Prov,
    /// (host, ip)
    mx: Vec<(String, String)>,
}

struct World {
    domains: Vec<Domain>,
    /// cumulative weights over domains
    cum: Vec<u64>,
    /// cumulative weights for choosing a burst's domain
    burst_cum: Vec<u64>,
}

fn mx(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(h, i)| (h.to_string(), i.to_string()))
        .collect()
}

impl World {
    fn new() -> World {
        let mut d = vec![
            (
                Domain {
                    name: "gmail.com".into(),
                    prov: Prov::Gmail,
                    mx: mx(&[
                        ("gmail-smtp-in.l.google.com", "198.51.100.26"),
                        ("alt1.gmail-smtp-in.l.google.com", "198.51.100.27"),
                    ]),
                },
                2800u64,
                250u64,
            ),
            (
                Domain {
                    name: "yahoo.com".into(),
                    prov: Prov::Yahoo,
                    mx: mx(&[
                        ("mta5.am0.yahoodns.net", "198.51.100.41"),
                        ("mta6.am0.yahoodns.net", "198.51.100.42"),
                        ("mta7.am0.yahoodns.net", "198.51.100.43"),
                    ]),
                },
                800,
                200,
            ),
            (
                Domain {
                    name: "outlook.com".into(),
                    prov: Prov::Microsoft,
                    mx: mx(&[
                        ("outlook-com.olc.protection.outlook.com", "192.0.2.51"),
                        ("outlook-com.olc.protection.outlook.com", "192.0.2.53"),
                    ]),
                },
                700,
                120,
            ),
            (
                Domain {
                    name: "hotmail.com".into(),
                    prov: Prov::Microsoft,
                    mx: mx(&[
                        ("hotmail-com.olc.protection.outlook.com", "192.0.2.52"),
                        ("hotmail-com.olc.protection.outlook.com", "192.0.2.54"),
                    ]),
                },
                500,
                80,
            ),
            (
                Domain {
                    name: "gmx.de".into(),
                    prov: Prov::Gmx,
                    mx: mx(&[
                        ("mx00.emig.gmx.net", "192.0.2.80"),
                        ("mx01.emig.gmx.net", "192.0.2.81"),
                    ]),
                },
                300,
                60,
            ),
            (
                Domain {
                    name: "web.de".into(),
                    prov: Prov::WebDe,
                    mx: mx(&[
                        ("mx-ha03.web.de", "192.0.2.82"),
                        ("mx-ha02.web.de", "192.0.2.83"),
                    ]),
                },
                200,
                40,
            ),
            (
                Domain {
                    name: "orange.fr".into(),
                    prov: Prov::Orange,
                    mx: mx(&[
                        ("smtp-in.orange.fr", "192.0.2.60"),
                        ("smtp-in.orange.fr", "192.0.2.61"),
                    ]),
                },
                200,
                50,
            ),
            (
                Domain {
                    name: "comcast.net".into(),
                    prov: Prov::Comcast,
                    mx: mx(&[
                        ("mx1a1.comcast.net", "192.0.2.70"),
                        ("mx2a1.comcast.net", "192.0.2.71"),
                    ]),
                },
                300,
                80,
            ),
            (
                Domain {
                    name: "icloud.com".into(),
                    prov: Prov::Icloud,
                    mx: mx(&[
                        ("mx01.mail.icloud.com", "198.51.100.90"),
                        ("mx02.mail.icloud.com", "198.51.100.91"),
                    ]),
                },
                600,
                40,
            ),
        ];
        // hundreds of example-NNN.com/net domains (example-421.com among them)
        for n in 1..=450u32 {
            let tld = if n % 3 == 0 { "net" } else { "com" };
            let name = format!("example-{n:03}.{tld}");
            let net = ["192.0.2", "198.51.100", "203.0.113"][(n % 3) as usize];
            let o1 = 100 + (n * 7) % 150;
            let o2 = 100 + (n * 7 + 1) % 150;
            let mx = vec![
                (format!("mx.{name}"), format!("{net}.{o1}")),
                (format!("mx2.{name}"), format!("{net}.{o2}")),
            ];
            // skewed: low numbers get more mail
            let w = 4 + 400 / n as u64;
            let bw = if n % 7 == 0 { 3 } else { 1 };
            d.push((
                Domain {
                    name,
                    prov: Prov::Generic,
                    mx,
                },
                w,
                bw,
            ));
        }
        let mut cum = Vec::new();
        let mut burst_cum = Vec::new();
        let (mut a, mut b) = (0, 0);
        let mut domains = Vec::new();
        for (dom, w, bw) in d {
            a += w;
            b += bw;
            cum.push(a);
            burst_cum.push(b);
            domains.push(dom);
        }
        World {
            domains,
            cum,
            burst_cum,
        }
    }

    fn pick(cum: &[u64], rng: &mut Rng) -> usize {
        let x = rng.below(*cum.last().unwrap());
        cum.partition_point(|&c| c <= x)
    }
}

const FIRST: &[&str] = &[
    "ann", "ben", "kim", "lena", "marc", "olga", "pat", "sue", "tim", "zoe", "ivan", "rosa", "dan",
    "hal", "nina", "ella", "joe", "sam", "ray", "lucie", "lucas", "tom", "paul", "vera", "nora",
    "max", "lea", "finn", "mia", "noah", "emma", "liam", "chloe", "hugo", "ines", "jack", "karl",
    "lisa", "omar", "priya", "raj", "sara", "yuki", "wei", "ali", "eva", "jon", "kai",
];
const LAST: &[&str] = &[
    "wells", "kraus", "lee", "bauer", "dupont", "marsh", "ng", "park", "reyes", "hill", "petrov",
    "diaz", "cole", "stone", "miller", "ortiz", "quinn", "martin", "smith", "jones", "brown",
    "garcia", "muller", "schmidt", "rossi", "silva", "tanaka", "chen", "kumar", "novak", "moreau",
    "fischer",
];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "greg", "hannah", "news", "billing",
    "support", "noreply", "sales", "hr", "ops", "judy",
];

// ---------------------------------------------------------------------------------------------
// Output: plain or gzip files, rotation, counting

enum Sink {
    Plain(BufWriter<File>),
    Gz(Box<GzEncoder<BufWriter<File>>>),
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
}

struct Out {
    /// `-`: standard output (never rotated)
    base: PathBuf,
    rotate: u32,
    /// index of the current part, 0 = oldest
    part: u32,
    sink: Option<Sink>,
    path: PathBuf,
    bytes: u64,
    last_t: i64,
    files: Vec<String>,
}

impl Out {
    fn part_path(&self, part: u32) -> PathBuf {
        if self.rotate == 0 || part == self.rotate {
            self.base.clone()
        } else {
            let n = self.rotate - part;
            PathBuf::from(format!("{}.{n}.gz", self.base.display()))
        }
    }

    fn stdout(&self) -> bool {
        self.base.as_os_str() == "-"
    }

    fn open(&mut self) {
        if self.stdout() {
            let w = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            self.sink = Some(Sink::Stdout(w));
            self.files.push("-".into());
            self.path = self.base.clone();
            return;
        }
        let path = self.part_path(self.part);
        let f = File::create(&path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
        let bw = BufWriter::with_capacity(1 << 20, f);
        self.sink = Some(if self.rotate > 0 && self.part < self.rotate {
            Sink::Gz(Box::new(GzBuilder::new().write(bw, Compression::default())))
        } else {
            Sink::Plain(bw)
        });
        self.files.push(path.display().to_string());
        self.path = path;
    }

    fn write(&mut self, b: &[u8]) {
        let res = match self.sink.as_mut().unwrap() {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gz(w) => w.write_all(b),
            Sink::Stdout(w) => w.write_all(b),
        };
        if let Err(e) = res {
            die(&format!("{}: {e}", self.path.display()));
        }
        self.bytes += b.len() as u64;
    }

    fn close(&mut self) {
        let Some(sink) = self.sink.take() else { return };
        let res = match sink {
            Sink::Stdout(mut w) => {
                if let Err(e) = w.flush() {
                    die(&format!("-: {e}"));
                }
                return;
            }
            Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error()),
            Sink::Gz(w) => w
                .finish()
                .and_then(|bw| bw.into_inner().map_err(|e| e.into_error())),
        };
        let f = res.unwrap_or_else(|e| die(&format!("{}: {e}", self.path.display())));
        // modification time = last stamp, so syslog stamps get the right year without --year
        let _ = f.set_modified(UNIX_EPOCH + Duration::from_secs(self.last_t.max(0) as u64 + 60));
    }

    fn next_part(&mut self) {
        self.close();
        self.part += 1;
        self.open();
    }
}

fn die(msg: &str) -> ! {
    eprintln!("genlog: {msg}");
    std::process::exit(2)
}

// ---------------------------------------------------------------------------------------------
// Truth

#[derive(Default)]
struct Truth {
    lines: u64,
    delivered: u64,
    deferred: u64,
    bounced: u64,
    /// Delivery lines on which nothing was tried (README "Definitions"):
    /// Exim's `retry time not reached` and `retry timeout exceeded`,
    /// Postfix's `delivery temporarily suspended`. Not in `deferred` or
    /// `bounced`, which count attempts.
    retry_skipped: u64,
    received: u64,
    d421: u64,
    s421: u64,
    r421: u64,
    i421: u64,
    cat: [u64; 9],
    outbound_lines: u64,
    retries: RetryTruth,
}

// ---------------------------------------------------------------------------------------------
// Generator

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Exim,
    Postfix,
}

struct Burst {
    dom: usize,
    reply: &'static Reply,
    start: i64,
    end: i64,
    p: f64,
    hit: bool,
}

/// One domain's recipients of a message, waiting in the retry queue.
struct Retry {
    due: i64,
    seq: u64,
    msg: Rc<Msg>,
    dom: usize,
    rcpts: Vec<String>,
    /// delivery attempts made so far; `ATTEMPTS` means the next turn gives up
    attempts: u32,
    /// stamp of the group's first 421 line (its recipients always share their fate)
    first_421: Option<i64>,
}

impl PartialEq for Retry {
    fn eq(&self, o: &Self) -> bool {
        (self.due, self.seq) == (o.due, o.seq)
    }
}
impl Eq for Retry {}
impl PartialOrd for Retry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Retry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(o.due, o.seq))
    }
}

enum Outcome {
    Deliver,
    Defer421(&'static Reply),
    Suspended(&'static Reply),
    Defer4xx(u32),
    /// Exim: the host is in its retry period after a recent 421
    RetryNotReached,
}

/// An outbound message.
struct Msg {
    id: String,
    sender: String,
    size: u32,
    arrived: i64,
    /// its recipient groups in the retry queue: its life ends (`Completed`, `removed`) at 0
    open: Cell<u32>,
}

const P421_BASE: f64 = 0.005;
const P4XX: f64 = 0.025;
const P_BOUNCE: f64 = 0.01;
/// Delivery attempts of a recipient group before the MTA gives up on it (retry timeout).
const ATTEMPTS: u32 = 5;
/// Delay before the retry after the n-th failed attempt (plus up to 5 minutes); the last one is
/// the delay before giving up.
const RETRY_DELAY: [i64; ATTEMPTS as usize] = [600, 900, 1800, 3600, 3600];
/// Bound of the retry queue: a group that finds it full is given up at once.
const MAX_RETRIES: usize = 20_000;
/// Postfix: share of the last groups of a message given up by qmgr's message-level
/// `status=expired, returned to sender` (the others: `status=bounced` per recipient).
const P_EXPIRED: f64 = 0.4;

/// What the retry truth counts: (message, recipient) pairs that met a 421.
#[derive(Default)]
struct RetryTruth {
    with_421: u64,
    recovered: u64,
    bounced: u64,
    /// time to delivery of the recovered pairs: count per whole second
    ttd: Vec<u64>,
}

impl RetryTruth {
    fn recover(&mut self, first_421: i64, t: i64) {
        let d = (t - first_421).max(0) as usize;
        if self.ttd.len() <= d {
            self.ttd.resize(d + 1, 0);
        }
        self.ttd[d] += 1;
        self.recovered += 1;
    }

    /// Nearest-rank percentile: the ceil(p/100*n)-th smallest time to delivery.
    fn percentile(&self, p: u64) -> Option<u64> {
        let rank = (p * self.recovered).div_ceil(100).max(1);
        let mut seen = 0;
        for (secs, &n) in self.ttd.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(secs as u64);
            }
        }
        None
    }
}

struct Generator {
    fmt: Fmt,
    w: &'static World,
    rng: Rng,
    out: Out,
    truth: Truth,
    t: i64,
    base: i64,
    line: String,
    day_cached: i64,
    day_str: String,
    /// the stamp (and host) that starts every line of second `stamp_t`
    stamp: String,
    stamp_t: i64,
    /// YYYYMMDD of the current day, for message ids
    ymd: u32,
    bursts: Vec<Burst>,
    /// inbound attack window: (start, end, client ip)
    attack: Option<(i64, i64, String)>,
    retries: BinaryHeap<Reverse<Retry>>,
    seq: u64,
    /// `--jammed`: a group that met a 421 is never retried (a queue jammed by its providers).
    jammed: bool,
    /// Pairs of groups left open by `--jammed`.
    jammed_pending: u64,
    next_qrun: i64,
    /// the next arrival: `tick` does not pass it
    limit: i64,
    cleanup_pid: u32,
}

macro_rules! emit {
    ($g:expr, $($arg:tt)*) => {{
        $g.begin();
        let _ = write!($g.line, $($arg)*);
        $g.end();
    }};
}

impl Generator {
    fn begin(&mut self) {
        if self.t != self.stamp_t {
            self.stamp_t = self.t;
            let day = (self.t - self.base).div_euclid(86400);
            if day != self.day_cached {
                self.day_cached = day;
                let date =
                    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + chrono::Days::new(day as u64);
                self.day_str = match self.fmt {
                    Fmt::Exim => date.format("%Y-%m-%d").to_string(),
                    Fmt::Postfix => {
                        format!("{} {:>2}", date.format("%b"), date.day())
                    }
                };
                self.ymd = date.year() as u32 * 10000 + date.month() * 100 + date.day();
                self.cleanup_pid = 2000 + self.rng.below(28000) as u32;
            }
            let s = (self.t - self.base).rem_euclid(86400);
            self.stamp.clear();
            let _ = write!(
                self.stamp,
                "{} {:02}:{:02}:{:02} ",
                self.day_str,
                s / 3600,
                s / 60 % 60,
                s % 60
            );
            if self.fmt == Fmt::Postfix {
                self.stamp.push_str("mx1 ");
            }
        }
        self.line.clear();
        self.line.push_str(&self.stamp);
    }

    /// HHMMSS of the current time, as a number
    fn hms(&self) -> i64 {
        let s = (self.t - self.base).rem_euclid(86400);
        s / 3600 * 10000 + s / 60 % 60 * 100 + s % 60
    }

    fn end(&mut self) {
        self.line.push('\n');
        self.out.write(self.line.as_bytes());
        self.out.last_t = self.t;
        self.truth.lines += 1;
    }

    /// Let a few seconds pass within a message, never beyond the next arrival, so that stamps
    /// stay in order and the clock follows the load curve at any volume.
    fn tick(&mut self, max: u64) {
        let t = self.t + self.rng.range(0, max) as i64;
        self.t = t.min(self.limit).max(self.t);
    }

    fn pid(&mut self) -> u32 {
        if self.rng.chance(0.02) {
            [19421, 4210, 24213, 14217][self.rng.below(4) as usize]
        } else {
            2000 + self.rng.below(30000) as u32
        }
    }

    fn size(&mut self) -> u32 {
        if self.rng.chance(0.03) {
            [421, 4213, 14210, 42100, 7421][self.rng.below(5) as usize]
        } else {
            let base = 800 + self.rng.below(6000) as u32;
            if self.rng.chance(0.1) {
                base * 10 + self.rng.below(1000) as u32
            } else {
                base
            }
        }
    }

    fn client_ip(&mut self) -> String {
        let net = ["192.0.2", "198.51.100", "203.0.113"][self.rng.below(3) as usize];
        if self.rng.chance(0.05) {
            format!("{net}.42")
        } else {
            format!("{net}.{}", 1 + self.rng.below(254))
        }
    }

    fn port(&mut self) -> u32 {
        if self.rng.chance(0.03) {
            [4210, 54213, 42199, 34421][self.rng.below(4) as usize]
        } else {
            1024 + self.rng.below(64000) as u32
        }
    }

    fn rcpt_local(&mut self) -> String {
        if self.rng.chance(0.01) {
            return format!("a{}", [421, 4421, 1421][self.rng.below(3) as usize]);
        }
        let f = *self.rng.pick(FIRST);
        let l = *self.rng.pick(LAST);
        match self.rng.below(4) {
            0 => format!("{f}.{l}"),
            1 => format!("{f}{}", self.rng.below(100)),
            2 => format!("{}.{l}", &f[..1]),
            _ => format!("{f}_{l}"),
        }
    }

    fn exim_id(&mut self) -> String {
        const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut s = String::with_capacity(16);
        let mut v = self.t as u64;
        let mut buf = [0u8; 6];
        for b in buf.iter_mut().rev() {
            *b = B62[(v % 62) as usize];
            v /= 62;
        }
        s.push_str(std::str::from_utf8(&buf).unwrap());
        s.push('-');
        // random, then a counter: unique among the ids of one second
        let mut v = self.rng.below(62u64.pow(3)) * 62u64.pow(3) + self.seq % 62u64.pow(3);
        for b in buf.iter_mut().rev() {
            *b = B62[(v % 62) as usize];
            v /= 62;
        }
        s.push_str(std::str::from_utf8(&buf).unwrap());
        s.push('-');
        self.rng.alnum(&mut s, 2);
        self.seq += 1;
        s
    }

    /// A queue id, never repeated: a bijective scramble of the counter on 40 bits.
    fn postfix_qid(&mut self) -> String {
        const M: u64 = 0xFF_FFFF_FFFF;
        self.seq += 1;
        let mut v = self.seq.wrapping_mul(0x9E37_79B1) & M;
        v ^= v >> 19;
        v = v.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) & M;
        v ^= v >> 21;
        format!("{v:010X}")
    }

    fn render(&mut self, reply: &Reply, host: &str, rcpt: &str) -> String {
        let mut s = reply.text.to_string();
        if s.contains('{') {
            if s.contains("{gid}") {
                let gid = format!(
                    "{}-{}si{}f8f.{}",
                    self.rng.hex_lower(13),
                    self.rng.hex_lower(11),
                    1_000_000 + self.rng.below(9_000_000),
                    self.rng.below(500)
                );
                s = s.replace("{gid}", &gid);
            }
            if s.contains("{msid}") {
                let s2 = (self.t - self.base).rem_euclid(86400);
                let msid = format!(
                    "AM9P195CA{:04}.EURP195.PROD.OUTLOOK.COM {}T{:02}:{:02}:{:02}.{:03}Z {}",
                    self.rng.below(10000),
                    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
                        + chrono::Days::new(((self.t - self.base) / 86400) as u64),
                    s2 / 3600,
                    s2 / 60 % 60,
                    s2 % 60,
                    self.rng.below(1000),
                    self.rng.hex_upper(16)
                );
                s = s.replace("{msid}", &msid);
            }
            s = s.replace("{host}", host).replace("{rcpt}", rcpt);
        }
        s
    }

    // -----------------------------------------------------------------------------------------
    // outcomes

    fn outcome(&mut self, dom: usize, retry: bool) -> Outcome {
        let t = self.t;
        let fmt = self.fmt;
        let mut res = None;
        for b in self.bursts.iter_mut() {
            if b.dom == dom && t >= b.start && t < b.end {
                if fmt == Fmt::Postfix && b.reply.stage == Connect && b.hit && self.rng.chance(0.3)
                {
                    res = Some(Outcome::Suspended(b.reply));
                } else if fmt == Fmt::Exim && retry && b.hit && self.rng.chance(0.4) {
                    res = Some(Outcome::RetryNotReached);
                } else if self.rng.chance(b.p) {
                    b.hit = true;
                    res = Some(Outcome::Defer421(b.reply));
                }
                break;
            }
        }
        if let Some(o) = res {
            return o;
        }
        if self.rng.chance(P421_BASE) {
            let prov = self.w.domains[dom].prov;
            let list = if prov != Prov::Generic && self.rng.chance(0.85) {
                prov.replies()
            } else {
                GENERIC_421
            };
            return Outcome::Defer421(self.rng.pick(list));
        }
        if self.rng.chance(P4XX) {
            return Outcome::Defer4xx(self.rng.below(5) as u32);
        }
        Outcome::Deliver
    }

    fn plan_day(&mut self, day_start: i64) {
        self.bursts.clear();
        let n = self.rng.range(5, 10);
        for _ in 0..n {
            let dom = World::pick(&self.w.burst_cum, &mut self.rng);
            let prov = self.w.domains[dom].prov;
            let list = if prov != Prov::Generic && self.rng.chance(0.75) {
                prov.replies()
            } else {
                GENERIC_421
            };
            let reply = self.rng.pick(list);
            let start = day_start + 9 * 3600 + self.rng.below(8 * 3600) as i64;
            let end = start + self.rng.range(15 * 60, 75 * 60) as i64;
            let p = match self.fmt {
                Fmt::Exim => 0.35 + self.rng.f64() * 0.4,
                Fmt::Postfix => 0.2 + self.rng.f64() * 0.3,
            };
            self.bursts.push(Burst {
                dom,
                reply,
                start,
                end,
                p,
                hit: false,
            });
        }
        // one long outage a day at a small domain: its mail is retried until the MTA gives up
        let dom = 9 + self.rng.range(50, 449) as usize; // example-051 .. example-450
        let start = day_start + self.rng.below(16 * 3600) as i64;
        self.bursts.push(Burst {
            dom,
            reply: self.rng.pick(GENERIC_421),
            start,
            end: start + self.rng.range(4 * 3600, 8 * 3600) as i64,
            p: 0.95,
            hit: false,
        });
        let a = day_start + 9 * 3600 + self.rng.below(8 * 3600) as i64;
        let ip = self.client_ip();
        self.attack = Some((a, a + self.rng.range(60, 600) as i64, ip));
    }

    /// A failed attempt (the `attempts`-th) of a recipient group: queue it for the next retry,
    /// or after the last attempt for giving up. Returns true when the group is finished: the
    /// queue was full, so it was given up at once (visibly: memory stays bounded, truth exact).
    fn defer(
        &mut self,
        msg: &Rc<Msg>,
        dom: usize,
        rcpts: Vec<String>,
        attempts: u32,
        first_421: Option<i64>,
    ) -> bool {
        if self.jammed && first_421.is_some() {
            // Left open for good: no retry, no give-up, no end line for its message.
            msg.open.set(msg.open.get() + 1);
            self.jammed_pending += rcpts.len() as u64;
            return false;
        }
        if self.retries.len() >= MAX_RETRIES {
            self.give_up(msg, rcpts, first_421, false);
            return true;
        }
        self.seq += 1;
        let i = (attempts as usize - 1).min(RETRY_DELAY.len() - 1);
        let delay = RETRY_DELAY[i] + self.rng.below(300) as i64;
        msg.open.set(msg.open.get() + 1);
        self.retries.push(Reverse(Retry {
            due: self.t + delay,
            seq: self.seq,
            msg: msg.clone(),
            dom,
            rcpts,
            attempts,
            first_421,
        }));
        false
    }

    /// The next queue entry due by now, if any (its message's `open` already counts it out).
    fn due_retry(&mut self) -> Option<Retry> {
        let Reverse(top) = self.retries.peek()?;
        if top.due > self.t {
            return None;
        }
        let Reverse(rt) = self.retries.pop()?;
        rt.msg.open.set(rt.msg.open.get() - 1);
        Some(rt)
    }

    /// The MTA gives up on a recipient group (retry timeout, or a full queue): Exim `**` lines
    /// `retry timeout exceeded`, Postfix `status=bounced` per recipient or, with `whole`, qmgr's
    /// message-level `status=expired, returned to sender`; then the bounce to the sender.
    fn give_up(&mut self, msg: &Msg, rcpts: Vec<String>, first_421: Option<i64>, whole: bool) {
        let id = &msg.id;
        match self.fmt {
            Fmt::Exim => {
                for rc in &rcpts {
                    emit!(
                        self,
                        "{id} ** {rc} R=dnslookup T=remote_smtp: retry timeout exceeded"
                    );
                    self.truth.retry_skipped += 1;
                    self.truth.outbound_lines += 1;
                }
                self.exim_bounce_msg(msg);
            }
            Fmt::Postfix if whole => {
                emit!(
                    self,
                    "postfix/qmgr[1104]: {id}: from=<{}>, status=expired, returned to sender",
                    msg.sender
                );
                self.pf_bounce_msg(msg);
            }
            Fmt::Postfix => {
                let epid = self.pid();
                let d = self.t - msg.arrived;
                for rc in &rcpts {
                    emit!(
                        self,
                        "postfix/error[{epid}]: {id}: to=<{rc}>, relay=none, delay={d}, delays={d}/0.01/0/0, dsn=4.4.7, status=bounced (delivery time expired)"
                    );
                    self.truth.bounced += 1;
                    self.truth.outbound_lines += 1;
                }
                self.pf_bounce_msg(msg);
            }
        }
        if first_421.is_some() {
            self.truth.retries.bounced += rcpts.len() as u64;
        }
    }

    /// A recipient whose group met a 421 was delivered or bounced now.
    fn settle(&mut self, first_421: Option<i64>, delivered: bool) {
        if let Some(f) = first_421 {
            if delivered {
                self.truth.retries.recover(f, self.t);
            } else {
                self.truth.retries.bounced += 1;
            }
        }
    }

    /// A 421 line (deferred or suspended) named the group's recipients now.
    fn met_421(&mut self, first_421: &mut Option<i64>, n: usize) {
        if first_421.is_none() {
            *first_421 = Some(self.t);
            self.truth.retries.with_421 += n as u64;
        }
    }

    fn stage_exim(&self, st: Stage, msg: &Msg, rcpt: &str, dom: &Domain) -> (String, i32) {
        match st {
            Connect => ("initial connection".into(), 0),
            Ehlo => ("EHLO mail.example.org".into(), 0),
            Mail => {
                let pipe = if dom.prov == Prov::Yahoo {
                    "pipelined "
                } else {
                    ""
                };
                (
                    format!("{pipe}MAIL FROM:<{}> SIZE={}", msg.sender, msg.size + 1049),
                    -45,
                )
            }
            Rcpt => (format!("RCPT TO:<{rcpt}>"), -44),
            Data => ("DATA".into(), -46),
            EndData => ("end of data".into(), -46),
        }
    }

    fn ok_reply(&mut self, dom: &Domain, msg: &Msg) -> String {
        match dom.prov {
            Prov::Gmail => format!(
                "250 2.0.0 OK  {} {}-{}si{}f8f.{} - gsmtp",
                1_795_000_000 + self.rng.below(900_000),
                self.rng.hex_lower(13),
                self.rng.hex_lower(11),
                1_000_000 + self.rng.below(9_000_000),
                self.rng.below(500)
            ),
            Prov::Yahoo => "250 ok dirdel".into(),
            Prov::Microsoft => format!(
                "250 2.6.0 <{}@mail.example.org> [InternalId={}, Hostname=AM9P195MB{:04}.EURP195.PROD.OUTLOOK.COM] {} bytes in 0.{:03}, {}.{:03} KB/sec Queued mail for delivery",
                msg.id,
                self.rng.below(1u64 << 45),
                self.rng.below(10000),
                msg.size + 1100,
                self.rng.below(1000),
                10 + self.rng.below(90),
                self.rng.below(1000)
            ),
            Prov::Gmx | Prov::WebDe => format!(
                "250 Requested mail action okay, completed: id={}-{}-{}",
                self.rng.token(6),
                self.rng.token(11),
                self.rng.token(6)
            ),
            Prov::Orange => format!(
                "250 2.0.0 Ovfr{} mail accepted for delivery",
                self.rng.token(11)
            ),
            Prov::Comcast => format!("250 2.0.0 {} mail accepted for delivery", self.rng.token(9)),
            Prov::Icloud => format!("250 2.0.0 Ok: queued as {}", self.rng.hex_upper(10)),
            Prov::Generic => {
                if self.rng.chance(0.6) {
                    format!("250 2.0.0 Ok: queued as {}", self.rng.hex_upper(10))
                } else {
                    let id = self.exim_id();
                    format!("250 OK id={id}")
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Exim

    fn exim_tls(&mut self, dom: &Domain) -> &'static str {
        match dom.prov {
            Prov::Gmail => " X=TLS1.3:ECDHE_X25519__ECDSA_SECP256R1_SHA256__AES_256_GCM:256 CV=yes",
            Prov::Generic if self.rng.chance(0.3) => "",
            _ => " X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes",
        }
    }

    /// The bounce message to the sender (`<=` from `<>`), delivered locally.
    fn exim_bounce_msg(&mut self, msg: &Msg) {
        let id = &msg.id;
        let bid = self.exim_id();
        let sz = 2900 + self.rng.below(900);
        emit!(self, "{bid} <= <> R={id} U=Debian-exim P=local S={sz}");
        self.truth.received += 1;
        let user = msg.sender.split('@').next().unwrap_or("alice").to_string();
        self.tick(1);
        emit!(
            self,
            "{bid} => {user} <{user}@example.org> R=local_user T=mail_spool"
        );
        self.truth.delivered += 1;
        emit!(self, "{bid} Completed");
    }

    /// One delivery attempt of the recipients of one domain, after `attempts` earlier ones.
    /// Returns true when the group is finished (delivered, bounced or given up), false when it
    /// waits in the retry queue.
    fn exim_attempt(
        &mut self,
        msg: &Rc<Msg>,
        dom_i: usize,
        rcpts: Vec<String>,
        attempts: u32,
        mut first_421: Option<i64>,
    ) -> bool {
        let w = self.w;
        let dom = &w.domains[dom_i];
        let (host, ip) = &dom.mx[self.rng.below(dom.mx.len() as u64) as usize];
        let id = &msg.id;
        self.tick(2);
        match self.outcome(dom_i, attempts > 0) {
            Outcome::Deliver => {
                let mut first = true;
                for rc in &rcpts {
                    if self.rng.chance(P_BOUNCE) {
                        let tls = self.exim_tls(dom);
                        let tls = if tls.is_empty() {
                            "".to_string()
                        } else {
                            format!("{tls}:")
                        };
                        let tls = if tls.is_empty() { ":".to_string() } else { tls };
                        emit!(
                            self,
                            "{id} ** {rc} R=dnslookup T=remote_smtp H={host} [{ip}]{tls} SMTP error from remote mail server after RCPT TO:<{rc}>: 550 5.1.1 <{rc}>: Recipient address rejected: User unknown in virtual mailbox table"
                        );
                        self.truth.bounced += 1;
                        self.truth.outbound_lines += 1;
                        self.settle(first_421, false);
                        self.exim_bounce_msg(msg);
                    } else {
                        let arrow = if first { "=>" } else { "->" };
                        first = false;
                        let tls = self.exim_tls(dom);
                        let ok = self.ok_reply(dom, msg);
                        emit!(
                            self,
                            "{id} {arrow} {rc} R=dnslookup T=remote_smtp H={host} [{ip}]{tls} C=\"{ok}\""
                        );
                        self.truth.delivered += 1;
                        self.truth.outbound_lines += 1;
                        self.settle(first_421, true);
                    }
                }
                true
            }
            Outcome::Defer421(reply) => {
                let first = rcpts[0].clone();
                let text = self.render(reply, host, &first).replace('\n', "\\n");
                let (words, code) = self.stage_exim(reply.stage, msg, &first, dom);
                self.met_421(&mut first_421, rcpts.len());
                if self.rng.chance(0.1) {
                    // older layout: host after the command
                    emit!(
                        self,
                        "{id} SMTP error from remote mail server after {words}: host {host} [{ip}]: {text}"
                    );
                    self.truth.r421 += 1;
                    for rc in &rcpts {
                        emit!(
                            self,
                            "{id} == {rc} R=dnslookup T=remote_smtp defer ({code}): SMTP error from remote mail server after {words}: host {host} [{ip}]: {text}"
                        );
                        self.count_d421(reply);
                    }
                } else {
                    emit!(
                        self,
                        "{id} H={host} [{ip}]: SMTP error from remote mail server after {words}: {text}"
                    );
                    self.truth.r421 += 1;
                    for rc in &rcpts {
                        emit!(
                            self,
                            "{id} == {rc} R=dnslookup T=remote_smtp defer ({code}) H={host} [{ip}]: SMTP error from remote mail server after {words}: {text}"
                        );
                        self.count_d421(reply);
                    }
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
            Outcome::Suspended(_) | Outcome::RetryNotReached => {
                for rc in &rcpts {
                    if self.rng.chance(0.8) {
                        emit!(
                            self,
                            "{id} == {rc} R=dnslookup T=remote_smtp defer (-54): retry time not reached for any host for '{}'",
                            dom.name
                        );
                    } else {
                        emit!(
                            self,
                            "{id} == {rc} R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host"
                        );
                    }
                    self.truth.retry_skipped += 1;
                    self.truth.outbound_lines += 1;
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
            Outcome::Defer4xx(kind) => {
                let first = rcpts[0].clone();
                match kind {
                    0 => {
                        emit!(
                            self,
                            "{id} H={host} [{ip}]: SMTP error from remote mail server after RCPT TO:<{first}>: 451 4.7.1 Service temporarily unavailable, please retry later"
                        );
                        for rc in &rcpts {
                            emit!(
                                self,
                                "{id} == {rc} R=dnslookup T=remote_smtp defer (-44) H={host} [{ip}]: SMTP error from remote mail server after RCPT TO:<{rc}>: 451 4.7.1 Service temporarily unavailable, please retry later"
                            );
                            self.count_def();
                        }
                    }
                    1 => {
                        for rc in &rcpts {
                            emit!(
                                self,
                                "{id} == {rc} R=dnslookup T=remote_smtp defer (-44) H={host} [{ip}]: SMTP error from remote mail server after RCPT TO:<{rc}>: 452 4.2.2 <{rc}>: Mailbox full, try again later"
                            );
                            self.count_def();
                        }
                    }
                    2 => {
                        emit!(self, "{id} H={host} [{ip}] Connection timed out");
                        for rc in &rcpts {
                            emit!(
                                self,
                                "{id} == {rc} R=dnslookup T=remote_smtp defer (110): Connection timed out"
                            );
                            self.count_def();
                        }
                    }
                    3 => {
                        for rc in &rcpts {
                            emit!(
                                self,
                                "{id} == {rc} R=dnslookup T=remote_smtp defer (-44) H={host} [{ip}]: SMTP error from remote mail server after RCPT TO:<{rc}>: 450 4.2.0 <{rc}>: mailbox temporarily unavailable"
                            );
                            self.count_def();
                        }
                    }
                    _ => {
                        emit!(self, "{id} H={host} [{ip}] Connection refused");
                        for rc in &rcpts {
                            emit!(
                                self,
                                "{id} == {rc} R=dnslookup T=remote_smtp defer (111): Connection refused"
                            );
                            self.count_def();
                        }
                    }
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
        }
    }

    fn count_d421(&mut self, reply: &Reply) {
        self.truth.deferred += 1;
        self.truth.d421 += 1;
        self.truth.cat[reply.cat] += 1;
        self.truth.outbound_lines += 1;
    }

    fn count_def(&mut self) {
        self.truth.deferred += 1;
        self.truth.outbound_lines += 1;
    }

    fn pick_rcpts(&mut self) -> Vec<(usize, Vec<String>)> {
        let n = if self.rng.chance(0.05) {
            self.rng.range(4, 12)
        } else if self.rng.chance(0.25) {
            2
        } else {
            1
        };
        let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
        for _ in 0..n {
            let d = World::pick(&self.w.cum, &mut self.rng);
            let local = self.rcpt_local();
            let addr = format!("{local}@{}", self.w.domains[d].name);
            match groups.iter_mut().find(|g| g.0 == d) {
                // a recipient appears once per message (an MTA drops duplicates)
                Some(g) if g.1.contains(&addr) => {}
                Some(g) => g.1.push(addr),
                None => groups.push((d, vec![addr])),
            }
        }
        groups
    }

    fn exim_message(&mut self) {
        if self.rng.chance(0.3) {
            // inbound from the internet to local users
            let ip = self.client_ip();
            let port = self.port();
            let host = format!("mail.example-{:03}.net", 1 + self.rng.below(450));
            let n = 1 + self.rng.below(8);
            emit!(
                self,
                "SMTP connection from [{ip}]:{port} (TCP/IP connection count = {n})"
            );
            self.tick(1);
            let id = self.exim_id();
            let from = format!("{}@{}", self.rcpt_local(), &host[5..]);
            let size = self.size();
            let mid = format!(
                "{}{:06}.GA{}@{}",
                self.ymd,
                self.hms(),
                self.rng.below(10000),
                &host[5..]
            );
            emit!(
                self,
                "{id} <= {from} H={host} [{ip}]:{port} P=esmtps X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no S={size} id={mid}"
            );
            self.truth.received += 1;
            let k = if self.rng.chance(0.2) { 2 } else { 1 };
            for _ in 0..k {
                let u = *self.rng.pick(USERS);
                emit!(
                    self,
                    "{id} => {u} <{u}@example.org> R=local_user T=mail_spool"
                );
                self.truth.delivered += 1;
            }
            emit!(self, "{id} Completed");
            let d = 1 + self.rng.below(4);
            emit!(
                self,
                "SMTP connection from {host} [{ip}]:{port} D={d}s closed by QUIT"
            );
            return;
        }
        let user = *self.rng.pick(USERS);
        let id = self.exim_id();
        let size = self.size();
        let msg = Rc::new(Msg {
            id: id.clone(),
            sender: format!("{user}@example.org"),
            size,
            arrived: self.t,
            open: Cell::new(0),
        });
        if self.rng.chance(0.2) {
            let port = self.port();
            let mid = format!(
                "{}-{}-{}@example.org",
                self.rng.hex_lower(8),
                self.rng.hex_lower(4),
                self.rng.hex_lower(12)
            );
            emit!(
                self,
                "{id} <= {user}@example.org H=laptop.example.net (laptop) [198.51.100.61]:{port} P=esmtpsa X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no A=dovecot_plain:{user} S={size} id={mid}"
            );
        } else {
            emit!(self, "{id} <= {user}@example.org U={user} P=local S={size}");
        }
        self.truth.received += 1;
        let groups = self.pick_rcpts();
        for (d, rc) in groups {
            self.exim_attempt(&msg, d, rc, 0, None);
        }
        if msg.open.get() == 0 {
            emit!(self, "{id} Completed");
        }
    }

    fn exim_queue_run(&mut self) {
        let pid = 10000 + self.rng.below(50000);
        emit!(self, "Start queue run: pid={pid}");
        let mut n = 0;
        while n <= 2000
            && let Some(rt) = self.due_retry()
        {
            n += 1;
            let msg = rt.msg;
            if rt.attempts >= ATTEMPTS {
                self.give_up(&msg, rt.rcpts, rt.first_421, false);
            } else {
                self.exim_attempt(&msg, rt.dom, rt.rcpts, rt.attempts, rt.first_421);
            }
            if msg.open.get() == 0 {
                let id = &msg.id;
                emit!(self, "{id} Completed");
            }
        }
        self.tick(1);
        emit!(self, "End queue run: pid={pid}");
    }

    fn exim_inbound_421(&mut self) {
        let ip = self.client_ip();
        let port = self.port();
        match self.rng.below(7) {
            0 | 1 => {
                emit!(
                    self,
                    "SMTP command timeout on connection from (hello) [{ip}]:{port} D=5m{}s",
                    self.rng.below(10)
                );
            }
            2 => {
                emit!(
                    self,
                    "SMTP command timeout on TLS connection from mail.example.com [{ip}]:{port} D=5m{}s",
                    self.rng.below(10)
                );
            }
            3 => {
                emit!(
                    self,
                    "SMTP data timeout (message abandoned) on connection from laptop.example.net (laptop) [{ip}]:{port} F=<greg@example.org> D=5m32s"
                );
            }
            4 => {
                emit!(
                    self,
                    "Connection from [{ip}]:{port} refused: load average = {}.{:02}",
                    10 + self.rng.below(10),
                    self.rng.below(100)
                );
            }
            5 => {
                emit!(
                    self,
                    "temporarily refused connection from [{ip}]:{port}: not in reserve list: connected=45 max=50 reserve=5"
                );
            }
            _ => {
                emit!(
                    self,
                    "rejected MAIL command H=relay.example.com [{ip}]:{port}: too many messages in one connection"
                );
            }
        }
        self.truth.i421 += 1;
    }

    fn exim_attack(&mut self, ip: &str) {
        let n = self.rng.range(1, 4);
        let port = self.port();
        emit!(
            self,
            "SMTP connection from [{ip}]:{port} (TCP/IP connection count = {})",
            10 + self.rng.below(40)
        );
        for k in 0..n {
            emit!(
                self,
                "Connection from [{ip}]:{} refused: too many connections from that IP address",
                port + 1 + k as u32
            );
            self.truth.i421 += 1;
        }
    }

    fn exim_noise(&mut self) {
        let ip = self.client_ip();
        let port = self.port();
        match self.rng.below(6) {
            0 => {
                emit!(
                    self,
                    "H=(ylmf-pc) [{ip}]:{port} F=<promo@example.com> rejected RCPT <nobody@example.org>: Unrouteable address"
                );
            }
            1 => {
                emit!(
                    self,
                    "unexpected disconnection while reading SMTP command from (ylmf-pc) [{ip}]:{port} D=6s"
                );
            }
            2 => {
                emit!(
                    self,
                    "SMTP call from (win-4ad1) [{ip}]:{port} dropped: too many syntax or protocol errors (last command was \"AUTH LOGIN\",  C=EHLO,AUTH,AUTH,AUTH)"
                );
            }
            3 => {
                emit!(
                    self,
                    "SMTP connection from [{ip}]:{port} (TCP/IP connection count = {})",
                    1 + self.rng.below(5)
                );
            }
            4 => {
                emit!(
                    self,
                    "H=(mailer.example.com) [{ip}]:{port} F=<bounce-4421@example.com> rejected RCPT <x421@example.org>: Unrouteable address"
                );
            }
            _ => {
                emit!(self, "no host name found for IP address {ip}");
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Postfix

    fn pf_delays(&mut self) -> (String, String) {
        let a = self.rng.below(100) as f64 / 1000.0 + 0.01;
        let b = 0.01;
        let c = self.rng.below(1500) as f64 / 1000.0 + 0.2;
        let d = self.rng.below(1200) as f64 / 1000.0 + 0.02;
        (
            format!("{:.1}", a + b + c + d),
            format!("{a:.2}/{b:.2}/{c:.2}/{d:.2}"),
        )
    }

    fn pf_smtp_name(&mut self) -> &'static str {
        if self.rng.chance(0.15) {
            "postfix-out/smtp"
        } else {
            "postfix/smtp"
        }
    }

    fn enhanced(text: &str) -> String {
        let t = text.strip_prefix("421").unwrap_or(text);
        let t = t.trim_start_matches(['-', ' ']);
        let tok = t.split(' ').next().unwrap_or("");
        let parts: Vec<&str> = tok.split('.').collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            tok.to_string()
        } else {
            "4.0.0".into()
        }
    }

    /// The non-delivery notification to the sender, delivered locally.
    fn pf_bounce_msg(&mut self, msg: &Msg) {
        let q = &msg.id;
        let b = self.postfix_qid();
        let cp = self.cleanup_pid;
        emit!(
            self,
            "postfix/cleanup[{cp}]: {b}: message-id=<{}{:06}.{b}@mx1.example.org>",
            self.ymd,
            self.hms()
        );
        self.truth.received += 1;
        let bpid = self.pid();
        emit!(
            self,
            "postfix/bounce[{bpid}]: {q}: sender non-delivery notification: {b}"
        );
        emit!(
            self,
            "postfix/qmgr[1104]: {b}: from=<>, size={}, nrcpt=1 (queue active)",
            3000 + self.rng.below(2000)
        );
        let s = &msg.sender;
        emit!(
            self,
            "postfix/lmtp[2219]: {b}: to=<{s}>, relay=mx1.example.org[private/dovecot-lmtp], delay=0.06, delays=0.01/0.01/0.01/0.03, dsn=2.0.0, status=sent (250 2.0.0 <{s}> {} Saved)",
            self.rng.token(22)
        );
        self.truth.delivered += 1;
        emit!(self, "postfix/qmgr[1104]: {b}: removed");
    }

    /// One delivery attempt of the recipients of one domain, after `attempts` earlier ones.
    /// Returns true when the group is finished (delivered, bounced or given up), false when it
    /// waits in the retry queue.
    fn pf_attempt(
        &mut self,
        msg: &Rc<Msg>,
        dom_i: usize,
        rcpts: Vec<String>,
        attempts: u32,
        mut first_421: Option<i64>,
    ) -> bool {
        let w = self.w;
        let q = &msg.id;
        let dom = &w.domains[dom_i];
        let mxi = self.rng.below(dom.mx.len() as u64) as usize;
        let (host, ip) = &dom.mx[mxi];
        let svc = self.pf_smtp_name();
        let pid = self.pid();
        self.tick(2);
        match self.outcome(dom_i, attempts > 0) {
            Outcome::Deliver => {
                for rc in &rcpts {
                    let (delay, delays) = self.pf_delays();
                    if self.rng.chance(P_BOUNCE) {
                        emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay={delay}, delays={delays}, dsn=5.1.1, status=bounced (host {host}[{ip}] said: 550 5.1.1 <{rc}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))"
                        );
                        self.truth.bounced += 1;
                        self.truth.outbound_lines += 1;
                        self.settle(first_421, false);
                        self.pf_bounce_msg(msg);
                    } else {
                        let ok = self.ok_reply(dom, msg);
                        let dsn = if dom.prov == Prov::Microsoft {
                            "2.6.0"
                        } else {
                            "2.0.0"
                        };
                        emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay={delay}, delays={delays}, dsn={dsn}, status=sent ({ok})"
                        );
                        self.truth.delivered += 1;
                        self.truth.outbound_lines += 1;
                        self.settle(first_421, true);
                    }
                }
                true
            }
            Outcome::Defer421(reply) => {
                let first = rcpts[0].clone();
                let text = self.render(reply, host, &first).replace('\n', " ");
                let dsn = Self::enhanced(&text);
                let (h2, ip2) = &dom.mx[(mxi + 1) % dom.mx.len()];
                let inreply = match reply.stage {
                    Connect => "",
                    Ehlo => " (in reply to EHLO command)",
                    Mail => " (in reply to MAIL FROM command)",
                    Rcpt => " (in reply to RCPT TO command)",
                    Data => " (in reply to DATA command)",
                    EndData => " (in reply to end of DATA command)",
                };
                let verb = if reply.stage == Connect {
                    "refused to talk to me:"
                } else {
                    "said:"
                };
                let (fh, fip) = if dom.mx.len() > 1 && self.rng.chance(0.5) {
                    // first MX answered 421 too: a session line without recipient
                    emit!(
                        self,
                        "{svc}[{pid}]: {q}: host {host}[{ip}] {verb} {text}{inreply}"
                    );
                    self.truth.r421 += 1;
                    self.tick(1);
                    (h2, ip2)
                } else {
                    (host, ip)
                };
                let text = if fh != host {
                    text.replace(host.as_str(), fh)
                } else {
                    text
                };
                self.met_421(&mut first_421, rcpts.len());
                for rc in &rcpts {
                    let (delay, delays) = self.pf_delays();
                    emit!(
                        self,
                        "{svc}[{pid}]: {q}: to=<{rc}>, relay={fh}[{fip}]:25, delay={delay}, delays={delays}, dsn={dsn}, status=deferred (host {fh}[{fip}] {verb} {text}{inreply})"
                    );
                    self.count_d421(reply);
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
            Outcome::Suspended(reply) => {
                let text = self.render(reply, host, &rcpts[0]).replace('\n', " ");
                let epid = self.pid();
                self.met_421(&mut first_421, rcpts.len());
                for rc in &rcpts {
                    emit!(
                        self,
                        "postfix/error[{epid}]: {q}: to=<{rc}>, relay=none, delay=0.04, delays=0.03/0.01/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host {host}[{ip}] refused to talk to me: {text})"
                    );
                    self.truth.retry_skipped += 1;
                    self.truth.s421 += 1;
                    self.truth.outbound_lines += 1;
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
            Outcome::RetryNotReached | Outcome::Defer4xx(_) => {
                let kind = self.rng.below(5);
                if kind == 2 {
                    emit!(
                        self,
                        "{svc}[{pid}]: connect to {host}[{ip}]:25: Connection refused"
                    );
                }
                for rc in &rcpts {
                    let (delay, delays) = self.pf_delays();
                    match kind {
                        0 => emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay={delay}, delays={delays}, dsn=4.7.1, status=deferred (host {host}[{ip}] said: 451 4.7.1 Service temporarily unavailable, please retry later (in reply to RCPT TO command))"
                        ),
                        1 => emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay={delay}, delays={delays}, dsn=4.2.2, status=deferred (host {host}[{ip}] said: 452 4.2.2 <{rc}>: Mailbox full, try again later (in reply to RCPT TO command))"
                        ),
                        2 => emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay=none, delay=30, delays=0.03/0.01/30/0, dsn=4.4.1, status=deferred (connect to {host}[{ip}]:25: Connection timed out)"
                        ),
                        3 => emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay={delay}, delays={delays}, dsn=4.2.0, status=deferred (host {host}[{ip}] said: 450 4.2.0 <{rc}>: mailbox temporarily unavailable (in reply to RCPT TO command))"
                        ),
                        _ => emit!(
                            self,
                            "{svc}[{pid}]: {q}: to=<{rc}>, relay={host}[{ip}]:25, delay=300, delays=0.04/0.01/300/0, dsn=4.4.2, status=deferred (conversation with {host}[{ip}] timed out while receiving the initial server greeting)"
                        ),
                    }
                    self.count_def();
                }
                self.defer(msg, dom_i, rcpts, attempts + 1, first_421)
            }
        }
    }

    fn pf_message(&mut self) {
        let cp = self.cleanup_pid;
        if self.rng.chance(0.3) {
            // inbound from the internet, delivered to dovecot by lmtp
            let ip = self.client_ip();
            let port = self.port();
            let host = format!("mail.example-{:03}.net", 1 + self.rng.below(450));
            let spid = self.pid();
            let q = self.postfix_qid();
            emit!(
                self,
                "postfix/postscreen[812]: CONNECT from [{ip}]:{port} to [203.0.113.5]:25"
            );
            emit!(self, "postfix/postscreen[812]: PASS OLD [{ip}]:{port}");
            emit!(self, "postfix/smtpd[{spid}]: connect from {host}[{ip}]");
            if self.rng.chance(0.5) {
                emit!(
                    self,
                    "postfix/smtpd[{spid}]: Anonymous TLS connection established from {host}[{ip}]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256"
                );
            }
            self.tick(1);
            emit!(self, "postfix/smtpd[{spid}]: {q}: client={host}[{ip}]");
            emit!(
                self,
                "postfix/cleanup[{cp}]: {q}: message-id=<{}{:06}.GA{}@{}>",
                self.ymd,
                self.hms(),
                self.rng.below(10000),
                &host[5..]
            );
            self.truth.received += 1;
            let size = self.size();
            let from = format!("{}@{}", self.rcpt_local(), &host[5..]);
            let u = *self.rng.pick(USERS);
            if self.rng.chance(0.5) {
                emit!(
                    self,
                    "amavis[2417]: ({:05}-{:02}) Passed CLEAN {{RelayedInbound}}, [{ip}]:{port} [{ip}] <{from}> -> <{u}@example.org>, Queue-ID: {q}, Message-ID: <x{}@{}>, mail_id: {}, Hits: -{}.{:03}, size: {size}, {} ms",
                    self.rng.below(99999),
                    self.rng.below(99),
                    self.rng.below(1_000_000),
                    &host[5..],
                    self.rng.token(12),
                    self.rng.below(3),
                    self.rng.below(1000),
                    100 + self.rng.below(900)
                );
            }
            emit!(
                self,
                "postfix/qmgr[1104]: {q}: from=<{from}>, size={size}, nrcpt=1 (queue active)"
            );
            emit!(
                self,
                "postfix/smtpd[{spid}]: disconnect from {host}[{ip}] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7"
            );
            let tok = self.rng.token(22);
            emit!(
                self,
                "postfix/lmtp[2219]: {q}: to=<{u}@example.org>, relay=mx1.example.org[private/dovecot-lmtp], delay=0.52, delays=0.44/0.01/0.02/0.05, dsn=2.0.0, status=sent (250 2.0.0 <{u}@example.org> {tok} Saved)"
            );
            self.truth.delivered += 1;
            let dpid = self.pid();
            emit!(
                self,
                "dovecot: lmtp({u}@example.org)<{dpid}><{tok}>: msgid=<x@{}>: saved mail to INBOX",
                &host[5..]
            );
            emit!(self, "postfix/qmgr[1104]: {q}: removed");
            return;
        }
        let user = *self.rng.pick(USERS);
        let q = self.postfix_qid();
        let size = self.size();
        let msg = Rc::new(Msg {
            id: q.clone(),
            sender: format!("{user}@example.org"),
            size,
            arrived: self.t,
            open: Cell::new(0),
        });
        let groups = self.pick_rcpts();
        let nrcpt: usize = groups.iter().map(|g| g.1.len()).sum();
        let sub = self.rng.chance(0.2);
        let spid = self.pid();
        if sub {
            emit!(
                self,
                "postfix/submission/smtpd[{spid}]: connect from laptop.example.net[198.51.100.61]"
            );
            emit!(
                self,
                "postfix/submission/smtpd[{spid}]: {q}: client=laptop.example.net[198.51.100.61], sasl_method=PLAIN, sasl_username={user}@example.org"
            );
            emit!(
                self,
                "postfix/cleanup[{cp}]: {q}: message-id=<{}-{}-{}@example.org>",
                self.rng.hex_lower(8),
                self.rng.hex_lower(4),
                self.rng.hex_lower(12)
            );
        } else {
            emit!(
                self,
                "postfix/pickup[990]: {q}: uid={} from=<{user}>",
                1001 + self.rng.below(20)
            );
            let (ymd, hms) = (self.ymd, self.hms());
            emit!(
                self,
                "postfix/cleanup[{cp}]: {q}: message-id=<{ymd}{hms:06}.{q}@mx1.example.org>"
            );
        }
        self.truth.received += 1;
        if self.rng.chance(0.5) {
            emit!(
                self,
                "opendkim[640]: {q}: DKIM-Signature field added (s=mail2026, d=example.org)"
            );
        }
        emit!(
            self,
            "postfix/qmgr[1104]: {q}: from=<{user}@example.org>, size={size}, nrcpt={nrcpt} (queue active)"
        );
        if sub {
            emit!(
                self,
                "postfix/submission/smtpd[{spid}]: disconnect from laptop.example.net[198.51.100.61] ehlo=2 starttls=1 auth=1 mail=1 rcpt={nrcpt} data=1 quit=1 commands={}",
                7 + nrcpt
            );
        }
        for (d, rc) in groups {
            self.pf_attempt(&msg, d, rc, 0, None);
        }
        if msg.open.get() == 0 {
            emit!(self, "postfix/qmgr[1104]: {q}: removed");
        }
    }

    fn pf_retries(&mut self) {
        let mut n = 0;
        while n <= 50
            && let Some(rt) = self.due_retry()
        {
            n += 1;
            let msg = rt.msg;
            let q = &msg.id;
            emit!(
                self,
                "postfix/qmgr[1104]: {q}: from=<{}>, size={}, nrcpt={} (queue active)",
                msg.sender,
                msg.size,
                rt.rcpts.len()
            );
            if rt.attempts >= ATTEMPTS {
                // the message-level expiry closes every open recipient: only for its last group
                let whole = msg.open.get() == 0 && self.rng.chance(P_EXPIRED);
                self.give_up(&msg, rt.rcpts, rt.first_421, whole);
            } else {
                self.pf_attempt(&msg, rt.dom, rt.rcpts, rt.attempts, rt.first_421);
            }
            if msg.open.get() == 0 {
                emit!(self, "postfix/qmgr[1104]: {q}: removed");
            }
        }
    }

    fn pf_inbound_421(&mut self) {
        let ip = self.client_ip();
        let port = self.port();
        let pid = self.pid();
        match self.rng.below(8) {
            0 => emit!(
                self,
                "postfix/smtpd[{pid}]: timeout after DATA ({} bytes) from unknown[{ip}]",
                self.rng.below(50000)
            ),
            1 => emit!(
                self,
                "postfix/submission/smtpd[{pid}]: timeout after DATA ({} bytes) from laptop.example.net[{ip}]",
                self.rng.below(50000)
            ),
            2 => emit!(
                self,
                "postfix/smtpd[{pid}]: timeout after RCPT from unknown[{ip}]"
            ),
            3 => emit!(
                self,
                "postfix/smtpd[{pid}]: too many errors after RCPT from unknown[{ip}]"
            ),
            4 => emit!(
                self,
                "postfix/postscreen[812]: COMMAND TIME LIMIT from [{ip}]:{port} after RCPT"
            ),
            5 => emit!(
                self,
                "postfix/smtpd[{pid}]: warning: Connection rate limit exceeded: {} from unknown[{ip}] for service smtp",
                31 + self.rng.below(20)
            ),
            6 => emit!(
                self,
                "postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 421 4.7.0 <unknown[{ip}]>: Client host rejected: too many messages from your host, try again later; from=<bulk@example.com> to=<info@example.org> proto=ESMTP helo=<bulk-sender.example.com>"
            ),
            _ => emit!(
                self,
                "postfix/postscreen[812]: NOQUEUE: reject: CONNECT from [{ip}]:{port}: all screening ports busy"
            ),
        }
        self.truth.i421 += 1;
    }

    fn pf_attack(&mut self, ip: &str) {
        let port = self.port();
        let pid = self.pid();
        emit!(
            self,
            "postfix/smtpd[{pid}]: warning: Connection concurrency limit exceeded: {} from unknown[{ip}] for service smtp",
            51 + self.rng.below(10)
        );
        self.truth.i421 += 1;
        for k in 0..self.rng.range(1, 3) {
            emit!(
                self,
                "postfix/postscreen[812]: CONNECT from [{ip}]:{} to [203.0.113.5]:25",
                port + 1 + k as u32
            );
            emit!(
                self,
                "postfix/postscreen[812]: NOQUEUE: reject: CONNECT from [{ip}]:{}: too many connections",
                port + 1 + k as u32
            );
            self.truth.i421 += 1;
        }
    }

    fn pf_noise(&mut self) {
        let ip = self.client_ip();
        let port = self.port();
        let pid = self.pid();
        match self.rng.below(8) {
            0 => emit!(
                self,
                "dovecot: imap-login: Login: user=<{}@example.org>, method=PLAIN, rip={ip}, lip=203.0.113.5, mpid={pid}, TLS, session=<{}>",
                self.rng.pick(USERS),
                self.rng.token(16)
            ),
            1 => {
                emit!(
                    self,
                    "postfix/postscreen[812]: CONNECT from [{ip}]:{port} to [203.0.113.5]:25"
                );
                emit!(
                    self,
                    "postfix/postscreen[812]: PREGREET 11 after 0.05 from [{ip}]:{port}: EHLO ylmf-pc\\r\\n"
                );
                emit!(
                    self,
                    "postfix/dnsblog[{pid}]: addr {ip} listed by domain zen.spamhaus.org as 127.0.0.4"
                );
                emit!(self, "postfix/postscreen[812]: DISCONNECT [{ip}]:{port}");
            }
            2 => {
                emit!(self, "postfix/smtpd[{pid}]: connect from unknown[{ip}]");
                emit!(
                    self,
                    "postfix/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 <x421@example.com>: Relay access denied; from=<promo@example.com> to=<x421@example.com> proto=ESMTP helo=<ylmf-pc>"
                );
                emit!(
                    self,
                    "postfix/smtpd[{pid}]: disconnect from unknown[{ip}] ehlo=1 mail=1 rcpt=0/1 commands=2/3"
                );
            }
            3 => emit!(
                self,
                "postfix/smtpd[{pid}]: lost connection after DATA (0 bytes) from unknown[{ip}]"
            ),
            4 => emit!(
                self,
                "postfix/anvil[{pid}]: statistics: max connection rate {}/60s for (smtp:{ip}) at Nov  1 10:10:27",
                1 + self.rng.below(30)
            ),
            5 => emit!(
                self,
                "postfix/submission/smtpd[{pid}]: warning: Message delivery request rate limit exceeded: 121 from laptop.example.net[198.51.100.61] for service submission"
            ),
            6 => emit!(
                self,
                "opendkim[640]: {}: s=sel421 d=example.net SSL",
                self.rng.hex_upper(10)
            ),
            _ => emit!(
                self,
                "postfix/scache[{pid}]: statistics: start interval Nov  1 09:00:01"
            ),
        }
    }

    // -----------------------------------------------------------------------------------------

    fn step(&mut self) {
        match self.fmt {
            Fmt::Exim => {
                if self.t >= self.next_qrun {
                    self.exim_queue_run();
                    self.next_qrun = (self.t / 900 + 1) * 900;
                }
            }
            Fmt::Postfix => self.pf_retries(),
        }
        if self.rng.chance(0.08) {
            match self.fmt {
                Fmt::Exim => self.exim_noise(),
                Fmt::Postfix => self.pf_noise(),
            }
        }
        let s = (self.t - self.base).rem_euclid(86400);
        let busy = (9 * 3600..18 * 3600).contains(&s);
        if self.rng.chance(if busy { 0.004 } else { 0.0015 }) {
            match self.fmt {
                Fmt::Exim => self.exim_inbound_421(),
                Fmt::Postfix => self.pf_inbound_421(),
            }
        }
        if let Some((a, b, ip)) = &self.attack
            && self.t >= *a
            && self.t < *b
            && self.rng.chance(0.05)
        {
            let ip = ip.clone();
            match self.fmt {
                Fmt::Exim => self.exim_attack(&ip),
                Fmt::Postfix => self.pf_attack(&ip),
            }
        }
        match self.fmt {
            Fmt::Exim => self.exim_message(),
            Fmt::Postfix => self.pf_message(),
        }
    }
}

fn load(hour: i64) -> f64 {
    match hour {
        0..=5 => 0.25,
        6..=7 => 0.5,
        8 => 1.0,
        9..=17 => 1.6,
        18..=20 => 0.8,
        _ => 0.4,
    }
}

fn usage() -> ! {
    die(
        "usage: genlog exim|postfix SIZE_MB OUT [--messages N] [--seed N] [--rotate K] [--truth PATH] [--jammed]",
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut pos = Vec::new();
    let mut seed = 421u64;
    let mut rotate = 0u32;
    let mut max_msgs: Option<u64> = None;
    let mut truth_path: Option<String> = None;
    let mut jammed = false;
    fn value<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>) -> T {
        args.next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| usage())
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = value(&mut args),
            "--rotate" => rotate = value(&mut args),
            "--messages" => {
                max_msgs = Some(value(&mut args))
                    .filter(|&n| n > 0)
                    .or_else(|| usage())
            }
            "--truth" => truth_path = Some(value(&mut args)),
            "--jammed" => jammed = true,
            "-h" | "--help" => usage(),
            _ => pos.push(a),
        }
    }
    if pos.len() != 3 {
        usage();
    }
    let fmt = match pos[0].as_str() {
        "exim" => Fmt::Exim,
        "postfix" => Fmt::Postfix,
        _ => usage(),
    };
    let size_mb: f64 = pos[1]
        .parse()
        .ok()
        .filter(|v: &f64| *v > 0.0 || (*v == 0.0 && max_msgs.is_some()))
        .unwrap_or_else(|| usage());
    // 0: no size limit (only with --messages)
    let target = (size_mb * 1024.0 * 1024.0) as u64;
    let base_path = PathBuf::from(&pos[2]);
    let to_stdout = pos[2] == "-";
    if to_stdout && rotate > 0 {
        die("--rotate needs a file OUT, not -");
    }

    let world: &'static World = Box::leak(Box::new(World::new()));
    let base = NaiveDate::from_ymd_opt(2026, 11, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let mut g = Generator {
        fmt,
        w: world,
        rng: Rng(seed ^ 0x6765_6E6C_6F67),
        out: Out {
            base: base_path.clone(),
            rotate,
            part: 0,
            sink: None,
            path: PathBuf::new(),
            bytes: 0,
            last_t: base,
            files: Vec::new(),
        },
        truth: Truth::default(),
        t: base,
        base,
        line: String::with_capacity(1024),
        day_cached: i64::MIN,
        day_str: String::new(),
        stamp: String::new(),
        stamp_t: i64::MIN,
        ymd: 20261101,
        bursts: Vec::new(),
        attack: None,
        retries: BinaryHeap::new(),
        seq: 0,
        jammed,
        jammed_pending: 0,
        next_qrun: base,
        limit: base,
        cleanup_pid: 2214,
    };
    g.out.open();

    let est_bytes_per_msg = match fmt {
        Fmt::Exim => 600.0,
        Fmt::Postfix => 1400.0,
    };
    // Spread the volume over a month at most (so Postfix stamps stay in Nov/Dec 2026).
    let mut est_mb = if target > 0 { size_mb } else { f64::MAX };
    if let Some(n) = max_msgs {
        est_mb = est_mb.min(n as f64 * est_bytes_per_msg / (1024.0 * 1024.0));
    }
    let days_planned = ((est_mb / 32.0).ceil() as i64).clamp(1, 30);
    let sum_w: f64 = (0..24).map(load).sum();
    let parts = rotate as u128 + 1;
    // arrivals so far: one message each (from the internet or a local sender)
    let mut msgs = 0u64;
    let mut day = 0i64;
    'days: loop {
        let day_start = base + day * 86400;
        g.plan_day(day_start);
        // the period ends in the middle of its last day: busy, with messages still queued
        let remaining_days = ((days_planned - day) as f64 - 0.5).max(0.5);
        let per_msg = if msgs > 1000 {
            g.out.bytes as f64 / msgs as f64
        } else {
            est_bytes_per_msg
        };
        let mut n_day = f64::MAX;
        if target > 0 {
            n_day = target.saturating_sub(g.out.bytes) as f64 / remaining_days / per_msg;
        }
        if let Some(n) = max_msgs {
            n_day = n_day.min((n - msgs) as f64 / remaining_days);
        }
        let n_day = n_day.max(50.0);
        let weekend = matches!((day + 6) % 7, 5 | 6); // 2026-11-01 is a Sunday
        let day_end = (day_start + 86400) as f64;
        let gap = |tf: f64, rng: &mut Rng| {
            let h = ((tf as i64 - day_start) / 3600).clamp(0, 23);
            let mut rate = n_day * load(h) / sum_w / 3600.0;
            if weekend {
                rate *= 0.8;
            }
            rng.f64() * 2.0 / rate
        };
        let mut tf = day_start as f64 + gap(day_start as f64, &mut g.rng);
        loop {
            if tf >= day_end {
                break;
            }
            let next = tf + gap(tf, &mut g.rng);
            g.t = g.t.max(tf as i64);
            g.limit = g.t.max(next.min(day_end - 1.0) as i64);
            g.step();
            tf = next;
            msgs += 1;
            if (target > 0 && g.out.bytes >= target) || max_msgs.is_some_and(|n| msgs >= n) {
                break 'days;
            }
            // the next part starts when either limit is that far
            let k = g.out.part as u128 + 1;
            if g.out.part < rotate
                && ((target > 0 && g.out.bytes as u128 * parts >= target as u128 * k)
                    || max_msgs.is_some_and(|n| msgs as u128 * parts >= n as u128 * k))
            {
                g.out.next_part();
            }
        }
        day += 1;
    }
    while g.out.part < rotate {
        // tiny sizes: still create every file of the set
        g.out.next_part();
    }
    g.out.close();

    // recipient groups still being retried: their pairs that met a 421 are pending
    let pending: u64 = g
        .retries
        .iter()
        .filter(|Reverse(r)| r.first_421.is_some())
        .map(|Reverse(r)| r.rcpts.len() as u64)
        .sum::<u64>()
        + g.jammed_pending;
    let t = &g.truth;
    let rt = &t.retries;
    assert_eq!(rt.with_421, rt.recovered + rt.bounced + pending);
    let mut cats = serde_json::Map::new();
    for (i, c) in CATS.iter().enumerate() {
        cats.insert(c.to_string(), t.cat[i].into());
    }
    let truth = serde_json::json!({
        "lines": t.lines,
        "delivered": t.delivered,
        "deferred": t.deferred,
        "bounced": t.bounced,
        "retry_skipped": t.retry_skipped,
        "messages_received": t.received,
        "deferrals_421": t.d421,
        "suspended_421": t.s421,
        "replies_421": t.r421,
        "inbound_421": t.i421,
        "by_category": cats,
        "retries": {
            "with_421": rt.with_421,
            "recovered": rt.recovered,
            "bounced": rt.bounced,
            "pending": pending,
            "time_to_delivery_p50_s": rt.percentile(50),
            "time_to_delivery_p90_s": rt.percentile(90),
        },
        "format": pos[0],
        "seed": seed,
        "messages": msgs,
        "bytes": g.out.bytes,
        "files": g.out.files,
        "outbound_delivery_lines": t.outbound_lines,
    });
    let tpath = match truth_path {
        Some(p) => Some(p),
        None if to_stdout => None,
        None => Some(format!("{}.truth.json", base_path.display())),
    };
    let Some(tpath) = tpath else {
        // OUT is -: the truth is the one line on stderr
        eprintln!("{truth}");
        return;
    };
    let mut s = serde_json::to_string_pretty(&truth).unwrap();
    s.push('\n');
    std::fs::write(&tpath, s).unwrap_or_else(|e| die(&format!("{tpath}: {e}")));
    eprintln!(
        "genlog: {} messages, {} lines, {} bytes in {} file(s); {} days; 421 deferrals {} of {} outbound delivery lines ({:.2}%)",
        msgs,
        t.lines,
        g.out.bytes,
        g.out.files.len(),
        day + 1,
        t.d421,
        t.outbound_lines,
        100.0 * t.d421 as f64 / t.outbound_lines.max(1) as f64
    );
}
