//! Throughput of the line parsers alone, of the fold alone (parsed records
//! into the aggregate and the retry tracker, 421s classified) and of the
//! whole per-file pipeline (read, parse, classify, aggregate), on the bundled
//! fixtures repeated to about 16 MiB, in bytes/s and lines/s. Run:
//! `cargo bench --bench parse`.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maillog421::bench::{Aggregate, Clock, Tracker, YearHint};
use maillog421::{Event, LogFormat as Format, Parsed, Record, ScanConfig, Source, Zone, scan};

const TARGET: usize = 16 << 20;

fn repeated(fixture: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");
    let one = std::fs::read(format!("{path}{fixture}")).expect("fixture");
    let mut out = Vec::with_capacity(TARGET + one.len());
    while out.len() < TARGET {
        out.extend_from_slice(&one);
    }
    out
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for (name, fixture, format) in [
        ("exim", "exim/mainlog", Format::Exim),
        ("postfix", "postfix/maillog", Format::Syslog),
    ] {
        let data = repeated(fixture);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("{name}_lines"), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for line in data.split(|b| *b == b'\n') {
                    if matches!(format.parse_line(black_box(line)), Parsed::Entry { .. }) {
                        n += 1;
                    }
                }
                n
            })
        });
        // The fold alone: every line parsed once, outside the timing.
        let parsed: Vec<Parsed<'_>> = data
            .split(|b| *b == b'\n')
            .map(|l| format.parse_line(l))
            .collect();
        g.bench_function(format!("{name}_fold"), |b| {
            b.iter(|| {
                let mut agg = Aggregate::new(3600, 0);
                let mut retries = Tracker::new();
                let mut clock = Clock::new(Zone::Utc, YearHint::from_unix(1_795_000_000));
                for p in &parsed {
                    let Parsed::Entry { stamp, mta, record } = p else {
                        agg.line(None);
                        continue;
                    };
                    let Some(time) = clock.resolve(stamp) else {
                        continue;
                    };
                    agg.line(Some(time));
                    match record {
                        Record::Arrival(id) => {
                            agg.arrival(time);
                            retries.arrival(id);
                        }
                        Record::Delivery(d) => {
                            agg.delivery(time, d);
                            retries.delivery(
                                d.id,
                                d.rcpt,
                                d.outcome,
                                d.tried,
                                time,
                                d.reply.as_ref(),
                            );
                        }
                        Record::Ended(id) => retries.ended(id, time),
                        Record::Expired(id) => retries.expired(id, time),
                        _ => {}
                    }
                    if let Some(ev) = Event::from_record(time, *mta, record) {
                        agg.event(&ev);
                    }
                }
                black_box((agg.totals, retries))
            })
        });
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(&data).expect("write");
        let source = Source::File(file.path().to_path_buf());
        let cfg = ScanConfig {
            zone: Zone::Utc,
            ..ScanConfig::default()
        };
        g.bench_function(format!("{name}_scan"), |b| {
            b.iter(|| black_box(scan(&source, &cfg).aggregate.totals))
        });
    }
    g.finish();
    // The same parsers counted in lines per second.
    let mut g = c.benchmark_group("parse_lines_per_sec");
    for (name, fixture, format) in [
        ("exim", "exim/mainlog", Format::Exim),
        ("postfix", "postfix/maillog", Format::Syslog),
    ] {
        let data = repeated(fixture);
        let lines = data.split(|b| *b == b'\n').count() as u64;
        g.throughput(Throughput::Elements(lines));
        g.bench_function(name, |b| {
            b.iter(|| {
                data.split(|b| *b == b'\n')
                    .filter(|l| matches!(format.parse_line(black_box(l)), Parsed::Entry { .. }))
                    .count()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
