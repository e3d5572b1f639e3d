//! Unit tests of the retry tracker.
use super::*;

/// The budget of an open pair (issue 18: at most 300 bytes): the
/// message's hash entry, the pair, its recipient. Fails when a field
/// added to either type breaks it.
#[test]
fn open_pair_state_stays_compact() {
    assert!(std::mem::size_of::<PairLog>() <= 56);
    assert!(std::mem::size_of::<IdKey>() + std::mem::size_of::<MsgLog>() <= 80);
}

/// `follow`'s tracker keeps nothing for deliveries without a 421 of
/// messages it never saw arrive, and still follows a 421 to delivery.
#[test]
fn standalone_forgets_unseen_deliveries() {
    let stage = crate::parse::Stage::ALL[0];
    let text = b"421 4.7.0 try later";
    let reply = Reply {
        code: 421,
        enhanced: None,
        text,
        stage,
    };
    let mut t = Tracker::standalone();
    for i in 0..1000u32 {
        let id = format!("m{i}");
        t.delivery(
            id.as_bytes(),
            b"u@d.test",
            Outcome::Delivered,
            true,
            1,
            None,
        );
    }
    assert!(t.open.is_empty());
    t.delivery(b"m7", b"u@d.test", Outcome::Deferred, true, 2, Some(&reply));
    t.delivery(b"m7", b"u@d.test", Outcome::Delivered, true, 3, None);
    assert_eq!(t.open.len(), 1);
    let o = t.finish();
    assert_eq!((o.total().recovered, o.pending.len()), (1, 0));
}

#[test]
fn reply_ids_survive_absorb() {
    let stage = crate::parse::Stage::ALL[0];
    let reply = Reply {
        code: 421,
        enhanced: None,
        text: b"421 4.7.0 try later",
        stage,
    };
    let other = Reply {
        code: 421,
        enhanced: None,
        text: b"421 other",
        stage,
    };
    let mut a = Tracker::new();
    a.arrival(b"m1");
    let mut b = Tracker::new();
    // Another text first, so the later tracker's ids differ from the earlier's.
    b.delivery(b"m0", b"x@y.test", Outcome::Deferred, true, 5, Some(&other));
    b.delivery(
        b"m1",
        b"u@d.test",
        Outcome::Deferred,
        true,
        10,
        Some(&reply),
    );
    a.absorb(b);
    let out = a.finish();
    let p: Vec<(&str, &str)> = out
        .pending
        .iter()
        .map(|p| (p.id.as_str(), &*p.last_reply))
        .collect();
    assert_eq!(p, [("m0", "421 other"), ("m1", "421 4.7.0 try later")]);
}

fn reply_421() -> Reply<'static> {
    Reply {
        code: 421,
        enhanced: None,
        text: b"421 4.7.0 try later",
        stage: crate::parse::Stage::ALL[0],
    }
}

/// Arrivals of `n` other messages, enough to push any earlier one out of
/// the ring of quiet messages into the map.
fn others(t: &mut Tracker, n: usize) {
    for i in 0..n {
        t.arrival(format!("other{i}").as_bytes());
    }
}

/// A reused id's arrival in a later stretch ends the earlier message's
/// story (its 421 pair stays pending), whether or not the new message was
/// pushed out of the ring of quiet messages before its lines came.
#[test]
fn a_quiet_message_stays_fresh_when_pushed_out() {
    for crowd in [0, 3, 40, 500] {
        let mut earlier = Tracker::new();
        earlier.delivery(
            b"m0",
            b"u@d.test",
            Outcome::Deferred,
            true,
            1,
            Some(&reply_421()),
        );
        let mut later = Tracker::new();
        later.arrival(b"m0");
        others(&mut later, crowd);
        later.delivery(b"m0", b"u@d.test", Outcome::Delivered, true, 5, None);
        later.ended(b"m0", 6);
        earlier.absorb(later);
        let o = earlier.finish();
        assert_eq!((o.total().recovered, o.pending.len()), (0, 1), "{crowd}");
    }
}

/// A quiet message that meets a 421 is followed to its delivery, however
/// many messages arrived in between.
#[test]
fn a_quiet_message_meeting_a_421_is_followed() {
    for crowd in [0, 3, 40, 500] {
        let mut t = Tracker::new();
        t.arrival(b"m0");
        others(&mut t, crowd);
        t.delivery(
            b"m0",
            b"u@d.test",
            Outcome::Deferred,
            true,
            2,
            Some(&reply_421()),
        );
        others(&mut t, crowd);
        t.delivery(b"m0", b"u@d.test", Outcome::Delivered, true, 9, None);
        t.ended(b"m0", 10);
        // A message ended while quiet, and one never ended, count nothing.
        t.ended(b"other1", 11);
        let o = t.finish();
        assert_eq!((o.total().recovered, o.pending.len()), (1, 0), "{crowd}");
    }
}

/// A message that arrives, meets the 421 `text`, is delivered and ends.
fn recovered_after_421(t: &mut Tracker, id: &str, text: &str) {
    let reply = Reply {
        code: 421,
        enhanced: None,
        text: text.as_bytes(),
        stage: crate::parse::Stage::ALL[0],
    };
    let id = id.as_bytes();
    t.arrival(id);
    t.delivery(id, b"u@d.test", Outcome::Deferred, true, 2, Some(&reply));
    t.delivery(id, b"u@d.test", Outcome::Delivered, true, 3, None);
    t.ended(id, 3);
}

/// Gmail-style replies carry a per-message token, so every 421 is a new
/// text: the table keeps only what open pairs refer to, and a pending pair
/// still shows its own last reply after compactions.
#[test]
fn reply_texts_of_settled_pairs_are_not_kept() {
    let stage = crate::parse::Stage::ALL[0];
    let mut t = Tracker::new();
    let text = |i: u32| format!("421 4.7.0 Try again later {i:08x}q4si.{i} - gsmtp");
    t.arrival(b"stuck");
    let first = text(u32::MAX);
    let stuck = Reply {
        code: 421,
        enhanced: None,
        text: first.as_bytes(),
        stage,
    };
    t.delivery(
        b"stuck",
        b"s@d.test",
        Outcome::Deferred,
        true,
        1,
        Some(&stuck),
    );
    for i in 0..50_000u32 {
        recovered_after_421(&mut t, &format!("m{i}"), &text(i));
    }
    assert!(
        t.replies.texts().len() <= 4096,
        "{}",
        t.replies.texts().len()
    );
    let o = t.finish();
    assert_eq!(o.total().recovered, 50_000);
    assert_eq!(o.pending.len(), 1);
    assert_eq!(&*o.pending[0].last_reply, first.as_str());
}

/// Stretches joined (a file's chunks, rotated files) bring over only the
/// reply texts of pairs still open.
#[test]
fn absorbing_a_stretch_brings_only_live_reply_texts() {
    let mut whole = Tracker::new();
    for chunk in 0..8u32 {
        let mut t = Tracker::new();
        for i in 0..2_000u32 {
            let raw = format!("421 4.7.0 Try again later {chunk:04x}{i:08x}q4si.{i} - gsmtp");
            recovered_after_421(&mut t, &format!("m{chunk}-{i}"), &raw);
        }
        whole.absorb(t);
    }
    assert!(
        whole.replies.texts().is_empty(),
        "{}",
        whole.replies.texts().len()
    );
    assert_eq!(whole.finish().total().recovered, 16_000);
}
