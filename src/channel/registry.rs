//! The process-wide channel table: 32 slots, like the board's VPU channels.
//!
//! A handle is `(generation << 8) | (slot + 1)` (see `crate::handles`), never a pointer to
//! memory: use after close and double close are detected ("bad handle") instead of crashing.
//!
//! The table's lock is held only to reserve, look up, install or remove a slot: a channel's
//! codec is built and its worker started outside it, so opening a 4096x4096 channel does not
//! stall calls on the other channels.

use std::sync::Arc;

use super::Channel;
use crate::config::MAX_CHANNELS;
use crate::error::{Error, Result};
use crate::handles::{HandleTable, Taken};

// Eight slot bits, as the handles have always had (C sees them as opaque pointers only).
static TABLE: HandleTable<Arc<Channel>, MAX_CHANNELS> = HandleTable::new(8);

/// Reserves a slot (the requested one, or the first free), builds the channel `make` gives for
/// that slot number without holding the table's lock, and installs it. Returns the handle.
/// While `make` runs, the slot is taken: an open of the same channel number gets `Busy`.
pub(crate) fn insert(
    requested: Option<u32>,
    make: impl FnOnce(usize) -> Result<Arc<Channel>>,
) -> Result<(usize, Arc<Channel>)> {
    let reservation = TABLE
        .reserve(requested.map(|c| c as usize))
        .map_err(|t| match t {
            Taken::Slot(c) => Error::Busy(format!(
                "channel {c} is already open (or being opened); close it first or ask for \
                 channel -1 (first free)"
            )),
            Taken::NoSuchSlot(c) => Error::invalid(format!(
                "channel is {c}, expected 0..={} or -1 (first free)",
                MAX_CHANNELS - 1
            )),
            Taken::All => Error::Busy(format!(
                "all {MAX_CHANNELS} channels are open; close one first"
            )),
        })?;
    // An error (or a panic) here drops the reservation, which frees the slot.
    let ch = make(reservation.slot())?;
    Ok((reservation.install(ch.clone()), ch))
}

/// The channel behind a live handle.
pub(crate) fn get(handle: usize) -> Result<Arc<Channel>> {
    TABLE.get(handle).ok_or_else(|| bad(handle))
}

/// Removes a live handle from the table; the caller then closes the channel.
pub(crate) fn remove(handle: usize) -> Result<Arc<Channel>> {
    TABLE.remove(handle).ok_or_else(|| bad(handle))
}

/// Number of open channels. A channel still being opened (its number reserved, its codec
/// being built) is not counted until its open has succeeded.
pub fn open_count() -> usize {
    TABLE.live()
}

fn bad(handle: usize) -> Error {
    Error::BadHandle(format!(
        "bad handle {handle:#x}: not an open channel (never opened, or already closed); \
         expected a handle from enc_open"
    ))
}
