//! Errors of the safe API and the status codes the C API maps them to.

use std::any::Any;
use std::ffi::CStr;

use thiserror::Error;

/// Every way a venc call can fail. The message is what the C API's `enc_last_error` returns.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// An argument is out of range or malformed; the text says what was expected.
    #[error("{0}")]
    InvalidArgument(String),
    /// The handle is NULL, was never valid, or has been closed.
    #[error("{0}")]
    BadHandle(String),
    /// The call is not allowed in the channel's present state (e.g. send after flush).
    #[error("{0}")]
    WrongState(String),
    /// A valid request venc does not implement (e.g. H.264).
    #[error("{0}")]
    Unsupported(String),
    /// The requested channel number is taken, or all channels are in use.
    #[error("{0}")]
    Busy(String),
    /// An allocation failed.
    #[error("{0}")]
    OutOfMemory(String),
    /// A bug: a panic caught at the boundary. The channel is marked failed.
    #[error("{0}")]
    Internal(String),
    /// The caller's buffer cannot hold the data (a packet, the headers); `needed` bytes are
    /// required. Nothing was lost.
    #[error("capacity is {capacity} bytes, expected at least {needed} (the size of {what})")]
    BufferTooSmall {
        /// Bytes the data needs.
        needed: usize,
        /// Bytes the caller's buffer holds.
        capacity: usize,
        /// What did not fit: "the next packet, which stays queued", "the headers".
        what: &'static str,
    },
}

impl Error {
    /// An `InvalidArgument` error with this message.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
    /// The C status code of this error.
    pub fn status(&self) -> Status {
        match self {
            Error::InvalidArgument(_) => Status::ERR_INVALID_ARG,
            Error::BadHandle(_) => Status::ERR_BAD_HANDLE,
            Error::WrongState(_) => Status::ERR_WRONG_STATE,
            Error::Unsupported(_) => Status::ERR_UNSUPPORTED,
            Error::Busy(_) => Status::ERR_BUSY,
            Error::OutOfMemory(_) => Status::ERR_NO_MEMORY,
            Error::Internal(_) => Status::ERR_INTERNAL,
            Error::BufferTooSmall { .. } => Status::ERR_BUFFER_TOO_SMALL,
        }
    }
}

/// The result of a venc call.
pub type Result<T> = std::result::Result<T, Error>;

/// A status code as C sees it: an integer newtype, never a Rust enum, because a C caller can hand
/// back any integer (to `enc_strerror`, say) and that must not be undefined behaviour.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub i32);

#[allow(non_upper_case_globals)]
impl Status {
    /// Success.
    pub const OK: Status = Status(0);
    /// Nothing yet: the queue is full (send) or no packet is ready (get) within the timeout.
    pub const AGAIN: Status = Status(1);
    /// End of stream: the channel was flushed and every packet has been returned.
    pub const EOF: Status = Status(2);
    /// An argument is NULL, out of range or malformed.
    pub const ERR_INVALID_ARG: Status = Status(-1);
    /// The handle is NULL, unknown, or closed.
    pub const ERR_BAD_HANDLE: Status = Status(-2);
    /// Not allowed in the channel's present state (send after flush, use of a failed channel).
    pub const ERR_WRONG_STATE: Status = Status(-3);
    /// Valid but not implemented (H.264).
    pub const ERR_UNSUPPORTED: Status = Status(-4);
    /// The requested channel is in use, or all 32 are.
    pub const ERR_BUSY: Status = Status(-5);
    /// Out of memory.
    pub const ERR_NO_MEMORY: Status = Status(-6);
    /// Internal error: a panic was caught; the channel is marked failed.
    pub const ERR_INTERNAL: Status = Status(-7);
    /// The caller's buffer is too small; the size needed was reported and the packet kept.
    pub const ERR_BUFFER_TOO_SMALL: Status = Status(-8);

    /// A static description of the code; any integer is accepted.
    pub fn describe(self) -> &'static str {
        self.describe_c()
            .to_str()
            .expect("the descriptions are ASCII")
    }

    /// The same description, NUL-terminated, as `enc_strerror` hands it to C.
    // One table for both: C needs the terminating NUL in static storage, Rust wants a &str.
    pub fn describe_c(self) -> &'static CStr {
        match self.0 {
            0 => c"success",
            1 => c"try again: queue full or no packet ready within the timeout",
            2 => c"end of stream: all packets have been returned",
            -1 => c"invalid argument",
            -2 => c"bad handle: NULL, unknown or already closed",
            -3 => c"wrong state for this call",
            -4 => c"unsupported",
            -5 => c"channel busy: the requested channel is open, or all channels are in use",
            -6 => c"out of memory",
            -7 => c"internal error (a bug in venc was caught; the channel is failed)",
            -8 => c"buffer too small: the needed size was returned and the packet kept",
            _ => c"unknown status code",
        }
    }
}

/// The text of a caught panic's payload (`panic!` with a literal or with format arguments).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic payload"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_of_both_payload_kinds() {
        let p = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        assert_eq!(panic_message(&*p), "plain");
        let n = 7;
        let p = std::panic::catch_unwind(|| panic!("formatted {n}")).unwrap_err();
        assert_eq!(panic_message(&*p), "formatted 7");
        let p = std::panic::catch_unwind(|| std::panic::panic_any(5u8)).unwrap_err();
        assert_eq!(panic_message(&*p), "unknown panic payload");
    }

    #[test]
    fn every_status_has_its_own_description() {
        let codes = [0, 1, 2, -1, -2, -3, -4, -5, -6, -7, -8];
        let unknown = Status(99).describe();
        let mut seen = std::collections::HashSet::new();
        for c in codes {
            let d = Status(c).describe();
            assert_ne!(d, unknown, "status {c} has a description");
            assert!(seen.insert(d), "status {c}'s description is not shared");
        }
        assert_eq!(Status(i32::MIN).describe(), "unknown status code");
    }
}
