//! The boundary every exported function goes through: panics caught, `Result` mapped to a
//! status code, the error message recorded for `enc_last_error`; and handle lookup.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::Arc;

use parking_lot::Mutex;

use super::types::{EncEncoder, EncStatus};
use crate::channel::{registry, Channel, Poll};
use crate::error::{panic_message, Error, Result, Status};

/// The last error of a call that had no valid handle (open, NULL or stale handles).
pub(super) static GLOBAL_ERROR: Mutex<String> = Mutex::new(String::new());

thread_local! {
    /// The message of this thread's last failed call. Not part of the C API (enc_last_error
    /// reads the channel's or the process-wide one); the board layer keeps it per module
    /// object, where the process-wide one may already be another thread's.
    static THREAD_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn record(ch: Option<&Channel>, e: &Error) {
    let msg = e.to_string();
    if let Some(c) = ch {
        c.set_last_error(msg.clone());
    }
    // try_with: a call from a thread-local destructor at thread exit must not panic here.
    let _ = THREAD_ERROR.try_with(|t| t.replace(msg.clone()));
    *GLOBAL_ERROR.lock() = msg;
}

/// The message of the calling thread's last failed C API call ("" if none).
pub(crate) fn thread_last_error() -> String {
    THREAD_ERROR
        .try_with(|t| t.borrow().clone())
        .unwrap_or_default()
}

/// Copies `msg` into `buf` (NUL-terminated, truncated to `capacity`) and returns its full
/// length without the NUL, like snprintf; a NULL `buf` or capacity 0 only gives the length.
///
/// # Safety
/// `buf` is NULL or has `capacity` writable bytes.
pub(crate) unsafe fn copy_message(msg: &str, buf: *mut c_char, capacity: usize) -> usize {
    if !buf.is_null() && capacity > 0 {
        let n = msg.len().min(capacity - 1);
        // SAFETY: `buf` has `capacity` writable bytes; we write n + 1 <= capacity.
        unsafe {
            ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    msg.len()
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
