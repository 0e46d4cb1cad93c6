//! Test-only hooks: compiled under `cfg(test)` only, so the library has none of this.
//!
//! `block_codec_build(n)` makes the next open of channel `n` stop inside `Channel::start`, just
//! before its codec is built, until the returned gate is released: a test can then show that
//! other channels keep working while an open is in progress, without measuring time.

// cfg(test), not a cargo feature: any dependent crate could switch a feature on, and a feature
// on for `cargo test` only gives libvenc.so (whose file name carries no hash) two builds that
// overwrite each other, so every switch between `cargo test` and `cargo build` recompiled it.

use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::config::MAX_CHANNELS;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    Open,
    /// The next build for this channel waits.
    Armed,
    /// A build for this channel is waiting.
    Holding,
}

static GATES: Mutex<[Gate; MAX_CHANNELS]> = Mutex::new([Gate::Open; MAX_CHANNELS]);
static CHANGED: Condvar = Condvar::new();

/// A closed gate in front of channel `channel`'s codec constructor; dropping it opens it.
pub(crate) struct BuildGate {
    channel: usize,
}

/// Closes the gate for channel `channel` (0..=31).
pub(crate) fn block_codec_build(channel: usize) -> BuildGate {
    assert!(
        channel < MAX_CHANNELS,
        "channel is {channel}, expected 0..=31"
    );
    GATES.lock()[channel] = Gate::Armed;
    BuildGate { channel }
}

impl BuildGate {
    /// Waits until an open of the channel is held at the gate; false if none came in `timeout`
    /// (a bound on a wait that would otherwise be a hang, not a measurement).
    pub(crate) fn wait_until_holding(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut g = GATES.lock();
        while g[self.channel] != Gate::Holding {
            if CHANGED.wait_until(&mut g, deadline).timed_out() {
                return g[self.channel] == Gate::Holding;
            }
        }
        true
    }
}

impl Drop for BuildGate {
    fn drop(&mut self) {
        GATES.lock()[self.channel] = Gate::Open;
        CHANGED.notify_all();
    }
}

/// Called by `Channel::start` for slot `channel` before it builds the codec.
pub(crate) fn before_codec_build(channel: usize) {
    let mut g = GATES.lock();
    if g[channel] != Gate::Armed {
        return;
    }
    g[channel] = Gate::Holding;
    CHANGED.notify_all();
    while g[channel] == Gate::Holding {
        CHANGED.wait(&mut g);
    }
}
