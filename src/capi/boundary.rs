//! The boundary every exported function goes through: panics caught, `Result` mapped to a
//! status code, the error message recorded for `enc_last_error`; and handle lookup.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use parking_lot::Mutex;

use super::types::{EncEncoder, EncStatus};
use crate::channel::{registry, Channel, Poll};
use crate::error::{panic_message, Error, Result, Status};

/// The last error of a call that had no valid handle (open, NULL or stale handles).
pub(super) static GLOBAL_ERROR: Mutex<String> = Mutex::new(String::new());

fn record(ch: Option<&Channel>, e: &Error) {
    let msg = e.to_string();
    if let Some(c) = ch {
        c.set_last_error(msg.clone());
    }
    *GLOBAL_ERROR.lock() = msg;
}

/// Records a message for enc_last_error(NULL, ...) (used by the board compatibility layer).
pub(crate) fn set_global_error(msg: &str) {
    *GLOBAL_ERROR.lock() = msg.to_string();
}

pub(super) fn lookup(h: *const EncEncoder) -> Result<Arc<Channel>> {
    if h.is_null() {
        return Err(Error::BadHandle(
            "bad handle: the handle is NULL, expected one from enc_open".into(),
        ));
    }
    registry::get(h as usize)
}

/// Runs `f` with panics caught; maps its result to a status and records the error message
/// on the handle's channel (when it has one) and process-wide.
pub(super) fn ffi_call(h: *const EncEncoder, f: impl FnOnce() -> Result<Status>) -> EncStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(s)) => s.0,
        Ok(Err(e)) => {
            let ch = lookup(h).ok();
            record(ch.as_deref(), &e);
            e.status().0
        }
        Err(p) => {
            let e = Error::Internal(format!(
                "internal error (caught panic): {}",
                panic_message(&*p)
            ));
            let ch = lookup(h).ok();
            if let Some(c) = &ch {
                c.mark_failed(e.clone());
            }
            record(ch.as_deref(), &e);
            e.status().0
        }
    }
}

/// `name` is the argument, `target` what it must point to ("an EncConfig").
pub(super) fn non_null<T>(p: *const T, name: &str, target: &str) -> Result<()> {
    if p.is_null() {
        Err(Error::invalid(format!(
            "{name} is NULL, expected a pointer to {target}"
        )))
    } else {
        Ok(())
    }
}

pub(super) fn poll_status<T>(p: &Poll<T>) -> Status {
    match p {
        Poll::Ready(_) => Status::OK,
        Poll::Again => Status::AGAIN,
        Poll::Eof => Status::EOF,
    }
}
