//! Unit tests of [`super::Tail`]: each rotation in logrotate's real order.

use super::*;
use std::fs::File;
use std::io::Write;

use crate::input::lines::MAX_LINE;

fn lines(t: &mut Tail) -> (Vec<String>, Option<Note>) {
    let mut v = Vec::new();
    let note = t
        .poll(&mut |l, _| v.push(String::from_utf8_lossy(l).into_owned()))
        .unwrap();
    (v, note)
}

fn append(p: &Path, s: &str) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(p)
        .unwrap();
    f.write_all(s.as_bytes()).unwrap();
}

/// A directory with `name` holding the line `a`, followed from its start,
/// `a` read.
fn started(name: &str) -> (tempfile::TempDir, PathBuf, Tail) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    append(&p, "a\n");
    let (mut t, _) = Tail::new(&p, Start::Beginning);
    assert_eq!(lines(&mut t).0, ["a"]);
    (d, p, t)
}

/// The note of a truncation whose lines were all found, in `copies`.
fn recovered(copies: &[PathBuf]) -> Option<Note> {
    Some(Note::Truncated {
        recovered_from: copies.to_vec(),
        lost: None,
    })
}

#[test]
fn starts_at_the_end_and_holds_a_partial_line() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mainlog");
    append(&p, "old 1\nold 2\n");
    let (mut t, note) = Tail::new(&p, Start::End);
    assert_eq!(note, Note::Opened);
    append(&p, "new 1\nnew ");
    assert_eq!(lines(&mut t).0, ["new 1"]);
    append(&p, "2\n");
    assert_eq!(lines(&mut t).0, ["new 2"]);
}

#[test]
fn a_line_that_never_ends_is_held_to_its_cap() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mainlog");
    append(&p, "");
    let (mut t, _) = Tail::new(&p, Start::Beginning);
    let block = "y".repeat(1 << 20);
    for _ in 0..5 {
        append(&p, &block);
        assert_eq!(lines(&mut t).0, Vec::<String>::new());
        let held = t.cur.as_ref().unwrap().partial.len();
        assert!(held <= MAX_LINE, "{held}");
    }
    append(&p, "\nnext\n");
    let got = lines(&mut t).0;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].len(), MAX_LINE);
    assert_eq!(got[1], "next");
}

#[test]
fn rename_and_create() {
    let (d, p, mut t) = started("mainlog");
    append(&p, "b\n");
    std::fs::rename(&p, d.path().join("mainlog.1")).unwrap();
    append(&d.path().join("mainlog.1"), "c\n");
    append(&p, "d\n");
    let (got, note) = lines(&mut t);
    assert_eq!(got, ["b", "c", "d"]);
    assert_eq!(note, Some(Note::Rotated));
}

#[test]
fn copytruncate_reads_the_missed_lines_from_the_copy() {
    let (d, p, mut t) = started("maillog");
    append(&p, "b\nc\n");
    std::fs::copy(&p, d.path().join("maillog-20261123")).unwrap();
    truncate(&p);
    // Rewritten past our offset before we look: still noticed.
    append(&p, "new line 1\n");
    let (got, note) = lines(&mut t);
    assert_eq!(got, ["b", "c", "new line 1"]);
    assert_eq!(note, recovered(&[d.path().join("maillog-20261123")]));
}

#[test]
fn rotated_file_compressed_before_we_look() {
    let (d, p, mut t) = started("maillog");
    append(&p, "b\n");
    let old = d.path().join("maillog-20261123");
    std::fs::rename(&p, &old).unwrap();
    append(&p, "c\n");
    // logrotate's compress: a .gz is written and the rotated file removed.
    std::fs::write(d.path().join("maillog-20261123.gz"), [0x1f, 0x8b, 8, 0]).unwrap();
    std::fs::remove_file(&old).unwrap();
    let (got, note) = lines(&mut t);
    assert_eq!(got, ["b", "c"]);
    assert_eq!(note, Some(Note::Rotated));
}

#[test]
fn deleted_then_recreated_and_missing_at_start() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mail.log");
    let (mut t, note) = Tail::new(&p, Start::End);
    assert_eq!(note, Note::Waiting);
    assert_eq!(lines(&mut t), (vec![], None));
    append(&p, "first\n");
    assert_eq!(
        lines(&mut t),
        (vec!["first".to_string()], Some(Note::Opened))
    );
    std::fs::remove_file(&p).unwrap();
    assert_eq!(lines(&mut t), (vec![], Some(Note::Removed)));
    assert_eq!(lines(&mut t), (vec![], None));
    append(&p, "second\n");
    assert_eq!(
        lines(&mut t),
        (vec!["second".to_string()], Some(Note::Rotated))
    );
}

fn gzip(p: &Path, to: &Path) {
    let data = std::fs::read(p).unwrap();
    let mut gz =
        flate2::write::GzEncoder::new(File::create(to).unwrap(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    gz.finish().unwrap();
}

fn truncate(p: &Path) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(p)
        .unwrap()
        .set_len(0)
        .unwrap();
}

#[test]
fn late_writes_to_the_renamed_file_are_read_until_it_is_quiet() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mainlog");
    let old = d.path().join("mainlog.1");
    append(&p, "a\n");
    let (t, _) = Tail::new(&p, Start::Beginning);
    let mut t = t.rotate_wait(Duration::from_millis(300));
    assert_eq!(lines(&mut t).0, ["a"]);
    // logrotate: rename, create; the daemon has not reopened yet.
    std::fs::rename(&p, &old).unwrap();
    append(&p, "");
    append(&old, "b\n");
    assert_eq!(lines(&mut t), (vec!["b".to_string()], Some(Note::Rotated)));
    append(&old, "c\nd");
    assert_eq!(lines(&mut t).0, ["c"]);
    // Reopened: new lines go to the new file, the old one is finished.
    append(&old, "\n");
    append(&p, "e\n");
    assert_eq!(lines(&mut t).0, ["d", "e"]);
    // Quiet for the rotate wait: the old file is let go.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.olds.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(lines(&mut t).0, Vec::<String>::new());
    }
    assert!(t.olds.is_empty());
    append(&old, "too late\n");
    append(&p, "f\n");
    assert_eq!(lines(&mut t).0, ["f"]);
}

#[test]
fn copytruncate_then_compress_reads_the_gzip_copy() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("maillog");
    // An older rotation there from before: never read as new.
    let older = d.path().join("maillog.2.gz");
    append(&d.path().join("x"), "older 1\nolder 2\n");
    gzip(&d.path().join("x"), &older);
    append(&p, "a\n");
    let (mut t, _) = Tail::new(&p, Start::Beginning);
    assert_eq!(lines(&mut t).0, ["a"]);
    append(&p, "b\nc\n");
    // copytruncate, then compress (no delaycompress) before we look.
    let copy = d.path().join("maillog.1");
    std::fs::copy(&p, &copy).unwrap();
    truncate(&p);
    gzip(&copy, &d.path().join("maillog.1.gz"));
    std::fs::remove_file(&copy).unwrap();
    append(&p, "d\n");
    let (got, note) = lines(&mut t);
    assert_eq!(got, ["b", "c", "d"]);
    assert_eq!(note, recovered(&[d.path().join("maillog.1.gz")]));
}

#[test]
fn copytruncate_twice_before_we_look_reads_both_copies() {
    let (d, p, mut t) = started("maillog");
    append(&p, "b\n");
    std::fs::copy(&p, d.path().join("maillog.1")).unwrap();
    truncate(&p);
    append(&p, "c\nd\n");
    std::thread::sleep(Duration::from_millis(20));
    // The second rotation: maillog.1 -> maillog.2.gz (compressed
    // later, so newer), a new copy in maillog.1.
    std::fs::rename(d.path().join("maillog.1"), d.path().join("maillog.2")).unwrap();
    std::fs::copy(&p, d.path().join("maillog.1")).unwrap();
    truncate(&p);
    gzip(&d.path().join("maillog.2"), &d.path().join("maillog.2.gz"));
    std::fs::remove_file(d.path().join("maillog.2")).unwrap();
    append(&p, "e\n");
    let (got, note) = lines(&mut t);
    assert_eq!(got, ["b", "c", "d", "e"]);
    let Some(Note::Truncated {
        recovered_from,
        lost,
    }) = note
    else {
        panic!("{note:?}")
    };
    assert_eq!(lost, None);
    assert_eq!(
        recovered_from,
        [d.path().join("maillog.2.gz"), d.path().join("maillog.1")]
    );
}

#[test]
fn truncation_without_a_copy_is_counted() {
    let (_d, p, mut t) = started("maillog");
    for (i, expect) in [(1u64, "x1"), (2, "x2")] {
        append(&p, "lost\n");
        truncate(&p);
        append(&p, &format!("{expect}\n"));
        let (got, note) = lines(&mut t);
        assert_eq!(got, [expect]);
        assert_eq!(
            note,
            Some(Note::Truncated {
                recovered_from: vec![],
                lost: Some(i)
            })
        );
    }
}

/// Polls until a poll leaves nothing more to read; the lines, and the
/// number of polls.
fn lines_to_end(t: &mut Tail) -> (Vec<String>, usize) {
    let (mut all, mut polls) = (Vec::new(), 0);
    loop {
        let mut got = 0;
        t.poll(&mut |l, _| {
            got += l.len() + 1;
            all.push(String::from_utf8_lossy(l).into_owned());
        })
        .unwrap();
        polls += 1;
        // A line cut by the cap comes out whole in the next poll.
        assert!(got <= POLL_BYTES + 200, "one poll handed out {got} bytes");
        if !t.has_more() {
            return (all, polls);
        }
    }
}

#[test]
fn a_poll_reads_at_most_its_bytes_even_across_a_rotation() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("mainlog");
    let line = |i: usize| format!("line {i:07} {}", "x".repeat(90));
    let n = 2 * POLL_BYTES / 100 + 500;
    let text: String = (0..n).map(|i| line(i) + "\n").collect();
    append(&p, &text);
    let (mut t, _) = Tail::new(&p, Start::Beginning);
    // Rotated before the first poll (no rotate wait): the old file is
    // still read to its end, in steps, before the new one.
    std::fs::rename(&p, d.path().join("mainlog.1")).unwrap();
    append(&p, "after\n");
    let (got, polls) = lines_to_end(&mut t);
    assert_eq!(polls, 3);
    assert_eq!(got.len(), n + 1);
    assert!(got[..n].iter().enumerate().all(|(i, l)| *l == line(i)));
    assert_eq!(got[n], "after");
}
