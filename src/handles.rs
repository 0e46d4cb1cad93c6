//! A fixed table of slots addressed by opaque handles `(generation << slot_bits) | (slot + 1)`:
//! the channel registry and the board layer's module objects both hand these out.
//!
//! A handle is looked up, never dereferenced, so NULL (0), forged and stale handles (use after
//! close, double close) are detected: the slot bits must name a slot and the generation must be
//! the one the slot has had since its value was installed.
//!
//! A slot can be reserved before its value exists, so that building the value (a codec and a
//! worker thread, for a channel) happens outside the table's lock while nobody else can take
//! the slot.

use parking_lot::Mutex;

enum Entry<T> {
    Free,
    /// Taken by a `Reservation` whose value is still being built.
    Reserved,
    Live(T),
}

struct Slot<T> {
    generation: usize,
    entry: Entry<T>,
}

/// Why `reserve` found no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    /// The requested slot is live or reserved.
    Slot(usize),
    /// The requested slot number is not below the table's size.
    NoSuchSlot(usize),
    /// Every slot is live or reserved.
    All,
}

/// `N` slots behind one mutex. Const-constructible: a plain `static` with no lazy
/// initialisation and nothing to tear down when the library is unloaded.
pub(crate) struct HandleTable<T, const N: usize> {
    slots: Mutex<[Slot<T>; N]>,
    slot_bits: u32,
}

impl<T, const N: usize> HandleTable<T, N> {
    /// An empty table whose handles keep the slot number in the low `slot_bits` bits.
    pub(crate) const fn new(slot_bits: u32) -> Self {
        // Slot numbers are stored plus one (0 stays the NULL handle), so N itself must fit.
        assert!(slot_bits < usize::BITS && N < (1 << slot_bits));
        HandleTable {
            slots: Mutex::new(
                [const {
                    Slot {
                        generation: 0,
                        entry: Entry::Free,
                    }
                }; N],
            ),
            slot_bits,
        }
    }

    fn encode(&self, slot: usize, generation: usize) -> usize {
        (generation << self.slot_bits) | (slot + 1)
    }

    /// `(slot, generation)` of a handle whose slot bits name a slot of this table.
    fn decode(&self, handle: usize) -> Option<(usize, usize)> {
        let slot = (handle & ((1 << self.slot_bits) - 1)).checked_sub(1)?;
        (slot < N).then_some((slot, handle >> self.slot_bits))
    }

    /// Takes the requested slot, or the first free one, until the reservation is installed or
    /// dropped. Only this call holds the lock; building the value does not.
    pub(crate) fn reserve(&self, requested: Option<usize>) -> Result<Reservation<'_, T, N>, Taken> {
        let mut t = self.slots.lock();
        let slot = match requested {
            Some(s) if s >= N => return Err(Taken::NoSuchSlot(s)),
            Some(s) if !matches!(t[s].entry, Entry::Free) => return Err(Taken::Slot(s)),
            Some(s) => s,
            None => t
                .iter()
                .position(|s| matches!(s.entry, Entry::Free))
                .ok_or(Taken::All)?,
        };
        t[slot].entry = Entry::Reserved;
        Ok(Reservation {
            table: self,
            slot,
            installed: false,
        })
    }

    /// Reserves the first free slot and installs `value` in one step.
    pub(crate) fn insert(&self, value: T) -> Result<usize, Taken> {
        Ok(self.reserve(None)?.install(value))
    }

    /// Runs `f` on the value of a live handle; None for NULL, forged, stale or reserved ones.
    pub(crate) fn with<R>(&self, handle: usize, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let (slot, generation) = self.decode(handle)?;
        let mut t = self.slots.lock();
        match &mut t[slot] {
            Slot {
                generation: g,
                entry: Entry::Live(v),
            } if *g == generation => Some(f(v)),
            _ => None,
        }
    }

    /// Frees the slot of a live handle and gives back its value; the handle is stale from now on.
    pub(crate) fn remove(&self, handle: usize) -> Option<T> {
        let (slot, generation) = self.decode(handle)?;
        let mut t = self.slots.lock();
        let s = &mut t[slot];
        if s.generation != generation || !matches!(s.entry, Entry::Live(_)) {
            return None;
        }
        match std::mem::replace(&mut s.entry, Entry::Free) {
            Entry::Live(v) => Some(v),
            _ => unreachable!("checked live above"),
        }
    }

    /// Slots holding a value (reservations not yet installed are not counted).
    pub(crate) fn live(&self) -> usize {
        let t = self.slots.lock();
        t.iter()
            .filter(|s| matches!(s.entry, Entry::Live(_)))
            .count()
    }
}

impl<T: Clone, const N: usize> HandleTable<T, N> {
    /// A copy of the value behind a live handle.
    pub(crate) fn get(&self, handle: usize) -> Option<T> {
        self.with(handle, |v| v.clone())
    }
}

/// A reserved slot: `install` puts the value in and returns its handle; dropping it without
/// installing frees the slot again (the value could not be built, or building it panicked).
pub(crate) struct Reservation<'a, T, const N: usize> {
    table: &'a HandleTable<T, N>,
    slot: usize,
    installed: bool,
}

impl<T, const N: usize> Reservation<'_, T, N> {
    pub(crate) fn slot(&self) -> usize {
        self.slot
    }

    pub(crate) fn install(mut self, value: T) -> usize {
        let mut t = self.table.slots.lock();
        let s = &mut t[self.slot];
        // Generation 0 is never handed out (slot 0's first handle must not be 1 forever), and
        // it wraps within the bits above the slot number.
        s.generation = (s.generation + 1) & (usize::MAX >> self.table.slot_bits);
        if s.generation == 0 {
            s.generation = 1;
        }
        s.entry = Entry::Live(value);
        self.installed = true;
        self.table.encode(self.slot, s.generation)
    }
}

impl<T, const N: usize> Drop for Reservation<'_, T, N> {
    fn drop(&mut self) {
        if !self.installed {
            self.table.slots.lock()[self.slot].entry = Entry::Free;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_forged_and_null_handles_are_refused() {
        let t: HandleTable<u32, 4> = HandleTable::new(8);
        let a = t.insert(10).unwrap();
        assert_eq!(t.get(a), Some(10));
        assert_eq!(t.get(0), None, "NULL");
        assert_eq!(t.get(a + 1), None, "another slot");
        assert_eq!(t.get(a ^ (1 << 8)), None, "another generation");
        assert_eq!(t.get(5), None, "slot number past the table");
        assert_eq!(t.remove(a), Some(10));
        assert_eq!(t.remove(a), None, "double remove");
        let b = t.insert(11).unwrap();
        assert_eq!(b & 0xFF, a & 0xFF, "the slot is reused");
        assert_ne!(b, a, "with a new generation");
        assert_eq!(t.get(a), None, "the old handle stays stale");
        assert_eq!(t.get(b), Some(11));
    }

    #[test]
    fn reserved_slots_are_taken_but_not_live() {
        let t: HandleTable<u32, 2> = HandleTable::new(8);
        let r = t.reserve(Some(1)).unwrap();
        assert_eq!(t.reserve(Some(1)).err(), Some(Taken::Slot(1)));
        assert_eq!(t.reserve(Some(2)).err(), Some(Taken::NoSuchSlot(2)));
        assert_eq!(t.live(), 0);
        let first_free = t.reserve(None).unwrap();
        assert_eq!(first_free.slot(), 0);
        assert_eq!(t.reserve(None).err(), Some(Taken::All));
        drop(first_free);
        let h = r.install(7);
        assert_eq!((t.live(), t.get(h)), (1, Some(7)));
        assert_eq!(
            t.reserve(None).unwrap().slot(),
            0,
            "a dropped reservation frees its slot"
        );
    }

    #[test]
    fn generations_wrap_without_reaching_zero() {
        let t: HandleTable<(), 1> = HandleTable::new(usize::BITS - 2);
        let mut seen = Vec::new();
        for _ in 0..5 {
            let h = t.insert(()).unwrap();
            assert_ne!(
                h >> (usize::BITS - 2),
                0,
                "generation 0 is never handed out"
            );
            seen.push(h);
            t.remove(h).unwrap();
        }
        // Two generation bits: 1, 2, 3, then 1 again.
        assert_eq!(seen[0], seen[3]);
        assert_ne!(seen[0], seen[1]);
    }
}
