//! The process-wide channel table: 32 slots, like the board's VPU channels.
//!
//! A handle is `(generation << 8) | (slot + 1)`, never a pointer to memory: a stale or forged
//! handle is looked up, not dereferenced, so use after close and double close are detected
//! ("bad handle") instead of crashing.

use std::sync::Arc;

use parking_lot::Mutex;

use super::Channel;
use crate::config::MAX_CHANNELS;
use crate::error::{Error, Result};

struct Slot {
    generation: usize,
    channel: Option<Arc<Channel>>,
}

// A plain static with a const initialiser: no lazy init, no thread-local, nothing to tear down
// at dlclose.
static TABLE: Mutex<[Slot; MAX_CHANNELS]> = Mutex::new(
    [const {
        Slot {
            generation: 0,
            channel: None,
        }
    }; MAX_CHANNELS],
);

const SLOT_BITS: u32 = 8;

/// Handle value for a slot and generation.
fn encode(slot: usize, generation: usize) -> usize {
    (generation << SLOT_BITS) | (slot + 1)
}

fn decode(handle: usize) -> Option<(usize, usize)> {
    let slot = (handle & ((1 << SLOT_BITS) - 1)).checked_sub(1)?;
    if slot >= MAX_CHANNELS {
        return None;
    }
    Some((slot, handle >> SLOT_BITS))
}

/// Reserves a slot (the requested one, or the first free) and installs the channel `make`
/// builds for that slot number. Returns the handle.
pub(crate) fn insert(
    requested: Option<u32>,
    make: impl FnOnce(usize) -> Result<Arc<Channel>>,
) -> Result<(usize, Arc<Channel>)> {
    let mut t = TABLE.lock();
    let slot = match requested {
        Some(c) => {
            let c = c as usize;
            if t[c].channel.is_some() {
                return Err(Error::Busy(format!(
                    "channel {c} is already open; close it first or ask for channel -1 (first free)"
                )));
            }
            c
        }
        None => t.iter().position(|s| s.channel.is_none()).ok_or_else(|| {
            Error::Busy(format!(
                "all {MAX_CHANNELS} channels are open; close one first"
            ))
        })?,
    };
    let ch = make(slot)?;
    let s = &mut t[slot];
    // Generation 0 is never handed out, and wraps past the bits a pointer can carry.
    s.generation = (s.generation + 1) & (usize::MAX >> SLOT_BITS);
    if s.generation == 0 {
        s.generation = 1;
    }
    s.channel = Some(ch.clone());
    Ok((encode(slot, s.generation), ch))
}

/// The channel behind a live handle.
pub(crate) fn get(handle: usize) -> Result<Arc<Channel>> {
    let (slot, gen) = decode(handle).ok_or_else(bad)?;
    let t = TABLE.lock();
    match &t[slot] {
        Slot {
            generation,
            channel: Some(ch),
        } if *generation == gen => Ok(ch.clone()),
        _ => Err(bad()),
    }
}

/// Removes a live handle from the table; the caller then closes the channel.
pub(crate) fn remove(handle: usize) -> Result<Arc<Channel>> {
    let (slot, gen) = decode(handle).ok_or_else(bad)?;
    let mut t = TABLE.lock();
    let s = &mut t[slot];
    if s.generation != gen || s.channel.is_none() {
        return Err(bad());
    }
    Ok(s.channel.take().expect("checked above"))
}

/// Number of open channels.
pub fn open_count() -> usize {
    TABLE.lock().iter().filter(|s| s.channel.is_some()).count()
}

fn bad() -> Error {
    Error::BadHandle("bad handle: not open (never opened, or already closed)".into())
}
