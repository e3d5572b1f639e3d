//! Throughput of the line parsers alone and of the whole per-file pipeline
//! (read, parse, classify, aggregate), on the bundled fixtures repeated to
//! about 16 MiB, in bytes/s and lines/s. Run: `cargo bench --bench parse`.

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use maillog421::config::ScanConfig;
use maillog421::input::Source;
use maillog421::parse::Format;
use maillog421::parse::time::Zone;
use maillog421::scan::scan;

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
        ("postfix", "postfix/maillog", Format::Postfix),
    ] {
        let data = repeated(fixture);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_function(format!("{name}_lines"), |b| {
            b.iter(|| {
                let mut n = 0usize;
                for line in data.split(|b| *b == b'\n') {
                    if matches!(
                        format.parse_line(black_box(line)),
                        maillog421::parse::Parsed::Entry { .. }
                    ) {
                        n += 1;
                    }
                }
                n
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
        ("postfix", "postfix/maillog", Format::Postfix),
    ] {
        let data = repeated(fixture);
        let lines = data.split(|b| *b == b'\n').count() as u64;
        g.throughput(Throughput::Elements(lines));
        g.bench_function(name, |b| {
            b.iter(|| {
                data.split(|b| *b == b'\n')
                    .filter(|l| {
                        matches!(
                            format.parse_line(black_box(l)),
                            maillog421::parse::Parsed::Entry { .. }
                        )
                    })
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
