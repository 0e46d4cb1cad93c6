//! The flush contract under races: once a flush has started, a send that has not been queued
//! fails with `ENC_ERR_WRONG_STATE`, and every send that returned OK has its packet before EOF.
//!
//! A send copies the frame outside the channel's lock (a large frame takes milliseconds), so
//! the dangerous moment is a flush while a send is inside that copy. The flushing thread waits
//! until the sender has just finished a send (the sender then starts the next one at once, and
//! the queue has room, so it is copying) and flushes then. Each round checks the contract;
//! enough rounds that a channel which accepts the frame copied across the flush fails.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use venc::{CodecId, Encoder, EncoderConfig, Poll, RcMode, Status};

const ROUNDS: u64 = 40;
// Large enough that the copy takes a few milliseconds; MJPEG of a flat picture is quick to
// encode, so a round stays short.
const W: u32 = 1920;
const H: u32 = 1088;
const DEPTH: u32 = 4;

fn cfg() -> EncoderConfig {
    let mut c = EncoderConfig::new(CodecId::Mjpeg, W, H);
    c.rc_mode = RcMode::ConstQuality;
    c.quality = 30;
    c.queue_depth = DEPTH;
    c
}

/// What one round saw.
struct Round {
    /// pts of the sends that returned OK.
    ok: Vec<i64>,
    /// The status of the first refused send and of three more after it.
    refused: Vec<Status>,
    /// The first refused send's message.
    first_refusal: String,
    /// pts of the packets up to EOF, then `-1 - pts` of any packet still found after EOF.
    got: Vec<i64>,
}

fn round(r: u64, frame: &Arc<Vec<u8>>) -> Round {
    let enc = Arc::new(Encoder::open(cfg()).expect("open"));
    let done = Arc::new(AtomicU64::new(0));
    // Flush after 1..DEPTH-1 accepted sends: the queue has room, the next send is copying.
    let flush_after = 1 + r % (DEPTH as u64 - 1);

    let sender = {
        let (enc, done, frame) = (enc.clone(), done.clone(), frame.clone());
        std::thread::spawn(move || {
            let mut ok = Vec::new();
            let mut refused = Vec::new();
            let mut first_refusal = String::new();
            for pts in 0.. {
                match enc.send_packed(&frame, pts, -1) {
                    Ok(Poll::Ready(())) => {
                        ok.push(pts);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(other) => panic!("send waiting forever returned {other:?}"),
                    Err(e) => {
                        refused.push(e.status());
                        first_refusal = e.to_string();
                        break;
                    }
                }
            }
            // Every later send is refused the same way.
            for pts in 0..3 {
                refused.push(enc.send_packed(&frame, 1000 + pts, 0).unwrap_err().status());
            }
            (ok, refused, first_refusal)
        })
    };
    let flusher = {
        let (enc, done) = (enc.clone(), done.clone());
        std::thread::spawn(move || {
            while done.load(Ordering::SeqCst) < flush_after {
                std::hint::spin_loop();
            }
            enc.flush().expect("flush");
        })
    };
    let mut got = Vec::new();
    loop {
        match enc.get(-1).expect("get") {
            Poll::Ready(p) => got.push(p.pts),
            Poll::Eof => break,
            Poll::Again => unreachable!("waiting forever"),
        }
    }
    flusher.join().unwrap();
    let (ok, refused, first_refusal) = sender.join().unwrap();
    // What a reader that went on past EOF would still find (the bug's packets).
    std::thread::sleep(std::time::Duration::from_millis(5));
    while let Poll::Ready(p) = enc.get(0).expect("get after EOF") {
        got.push(-1 - p.pts);
    }
    Round {
        ok,
        refused,
        first_refusal,
        got,
    }
}

#[test]
fn every_accepted_send_has_its_packet_before_eof() {
    let frame = Arc::new(vec![128u8; (W * H * 3 / 2) as usize]);
    let mut failures = Vec::new();
    let mut caught_copying = 0;
    for r in 0..ROUNDS {
        let Round {
            ok,
            refused,
            first_refusal,
            got,
        } = round(r, &frame);
        if got != ok || refused.iter().any(|&s| s != Status::ERR_WRONG_STATE) {
            failures.push(format!(
                "round {r}: sends accepted {ok:?}, packets before EOF (negative: after EOF, \
                 -1-pts) {got:?}, then {refused:?} ({first_refusal})"
            ));
        }
        caught_copying += first_refusal.contains("while this frame was being copied") as u32;
    }
    assert!(
        failures.is_empty(),
        "{} of {ROUNDS} rounds broke the flush contract:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The test is only worth its time if the flush does land inside a send's copy.
    assert!(
        caught_copying > 0,
        "in none of {ROUNDS} rounds did the flush come while a send was copying"
    );
    eprintln!("{caught_copying} of {ROUNDS} rounds flushed while a send was copying");
}
