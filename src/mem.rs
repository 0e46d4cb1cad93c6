//! Fallible allocation: every buffer a channel needs is made here, at open, so that a machine
//! that cannot hold a channel gets `ENC_ERR_NO_MEMORY` from `enc_open` instead of an abort in a
//! worker later. What still grows while coding (bitstream buffers, the packet) grows through
//! [`grow`], and a failure fails that frame with `ENC_ERR_NO_MEMORY`, leaving the channel usable.

use crate::error::{Error, Result};

/// `n` copies of `v`, or `OutOfMemory` saying how many bytes `what` needed.
pub(crate) fn try_vec<T: Clone>(n: usize, v: T, what: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    reserve_exact(&mut out, n, what)?;
    out.resize(n, v);
    Ok(out)
}

/// Makes room for `extra` more elements in `buf` (exactly), or `OutOfMemory` naming `what`.
pub(crate) fn reserve_exact<T>(buf: &mut Vec<T>, extra: usize, what: &str) -> Result<()> {
    buf.try_reserve_exact(extra)
        .map_err(|_| no_memory(extra.saturating_mul(std::mem::size_of::<T>()), what))
}

/// Makes room for `extra` more bytes in a growing buffer (amortised doubling), or
/// `OutOfMemory` naming `what`. Called before each piece of a bitstream is written, with a
/// bound of what that piece can take, so the writes themselves never reallocate.
pub(crate) fn grow(buf: &mut Vec<u8>, extra: usize, what: &str) -> Result<()> {
    if buf.capacity() - buf.len() >= extra {
        return Ok(());
    }
    buf.try_reserve(extra).map_err(|_| no_memory(extra, what))
}

/// The error of a failed allocation of `bytes` for `what`.
pub(crate) fn no_memory(bytes: usize, what: &str) -> Error {
    Error::OutOfMemory(format!(
        "out of memory: allocating {bytes} bytes for {what} failed"
    ))
}

/// Bytes as "12.3 MiB" for messages.
pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        let e = try_vec(usize::MAX / 2, 0u8, "a test buffer").unwrap_err();
        assert!(matches!(e, Error::OutOfMemory(_)), "{e:?}");
        assert!(e.to_string().contains("for a test buffer"), "{e}");
        let mut v = vec![1u8; 16];
        assert!(grow(&mut v, usize::MAX / 2, "a packet").is_err());
        assert_eq!(v, vec![1u8; 16], "a failed growth keeps the contents");
        assert!(grow(&mut v, 1000, "a packet").is_ok());
        assert!(v.capacity() >= 1016);
        assert_eq!(try_vec(3, 7u16, "x").unwrap(), vec![7, 7, 7]);
    }
}
