//! Wavefront parallel processing (entropy_coding_sync, 7.3.8.1 and 9.3.1): one CABAC substream
//! per CTU row, each row's contexts taken from the row above after its second CTU, so row r can
//! be coded as soon as row r-1 is two CTUs ahead. Rows go round-robin to the channel's threads,
//! each with its own `PictureEncoder` (its own reconstruction and maps); a finished CTU is
//! published into a shared picture and pulled by the thread of the next row. Decisions depend
//! only on the synchronised contexts and the pixels above, never on timing: any thread count
//! above one gives the same stream.

use super::{Maps, PictureEncoder};
use crate::error::Result;
use crate::hevc::bitwriter::BitWriter;
use crate::hevc::cabac::{init_contexts, Cabac, Context};
use crate::hevc::params::CTB_LOG2;
use crate::hevc::picture::Planes;
use crate::hevc::syntax::Writer;
use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Most threads one picture is coded on.
const MAX_THREADS: usize = 8;

/// The picture the row threads publish finished CTUs into (under the mutex).
struct Shared {
    rec: Planes,
    maps: Maps,
    /// Contexts after the second CTU of each row (where the next row starts).
    ctx: Vec<Option<Vec<Context>>>,
}

/// What the row threads wait on: CTUs finished per row (stored under the mutex, so a waiter
/// that checks under it cannot miss the wake-up; read without it while spinning).
struct Progress {
    done: Vec<AtomicUsize>,
    /// A thread panicked: the others stop waiting.
    failed: AtomicBool,
    /// Spin before sleeping (only when every thread has a core: a CTU takes ~50-100 µs, and
    /// sleeping on each one cost ~7 % of the CPU in futex and scheduler work).
    spin: bool,
}

impl Progress {
    /// Waits until row `r` has finished `need` CTUs; false when a thread failed.
    fn wait(&self, shared: &Mutex<Shared>, cv: &Condvar, r: usize, need: usize) -> bool {
        let ready = || self.done[r].load(Ordering::Acquire) >= need;
        let failed = || self.failed.load(Ordering::Acquire);
        if self.spin {
            let t0 = std::time::Instant::now();
            'spin: while t0.elapsed() < std::time::Duration::from_micros(300) {
                for _ in 0..64 {
                    if ready() || failed() {
                        break 'spin;
                    }
                    std::hint::spin_loop();
                }
            }
        }
        if !ready() {
            let mut g = shared.lock();
            while !ready() && !failed() {
                cv.wait(&mut g);
            }
        }
        !failed()
    }
}

/// Copies CTU (cx, cy) — reconstruction and prediction maps, clipped to the picture.
fn copy_ctu(from: (&Planes, &Maps), to: (&mut Planes, &mut Maps), cx: usize, cy: usize) {
    let ctb = 1usize << CTB_LOG2;
    let ((sr, sm), (dr, dm)) = (from, to);
    for c in 0..3 {
        let sh = (c > 0) as usize;
        let (x0, y0, n) = ((cx * ctb) >> sh, (cy * ctb) >> sh, ctb >> sh);
        let s = sr.stride(c);
        let (x1, y1) = ((x0 + n).min(s), (y0 + n).min(sr.plane(c).len() / s));
        let (src, dst) = (sr.plane(c), dr.plane_mut(c));
        for y in y0..y1 {
            dst[y * s + x0..y * s + x1].copy_from_slice(&src[y * s + x0..y * s + x1]);
        }
    }
    let q = ctb / 4;
    let (x0, x1) = (cx * q, ((cx + 1) * q).min(sm.w4));
    for by in cy * q..((cy + 1) * q).min(sm.h4) {
        let r = by * sm.w4 + x0..by * sm.w4 + x1;
        dm.avail[r.clone()].copy_from_slice(&sm.avail[r.clone()]);
        dm.depth[r.clone()].copy_from_slice(&sm.depth[r.clone()]);
        dm.mode[r.clone()].copy_from_slice(&sm.mode[r.clone()]);
        dm.motion[r.clone()].copy_from_slice(&sm.motion[r.clone()]);
        dm.skip[r.clone()].copy_from_slice(&sm.skip[r]);
    }
}

impl PictureEncoder {
    /// Gives a helper this picture's inputs (source, reference and half-sample planes shared,
    /// read-only: one copy in the caches instead of one a thread) and QP.
    fn prepare_helper(&self, h: &mut PictureEncoder) {
        h.src = Arc::clone(&self.src);
        h.refp = Arc::clone(&self.refp);
        h.hpel = Arc::clone(&self.hpel);
        h.col = Arc::clone(&self.col);
        h.effort = self.effort;
        h.set_qp(self.qp, self.p_slice);
        h.maps.avail.fill(false);
    }

    /// Codes the CTU rows of `rows` (ascending row numbers, each with its substream buffer,
    /// cleared first) of the current picture. Ok(false) when another thread failed.
    fn code_rows(
        &mut self,
        rows: &mut [(usize, Vec<u8>)],
        shared: &Mutex<Shared>,
        progress: &Progress,
        cv: &Condvar,
    ) -> Result<bool> {
        let ctb = 1usize << CTB_LOG2;
        let (nx, ny) = (self.src.w.div_ceil(ctb), self.src.h.div_ceil(ctb));
        for (r, row_buf) in rows.iter_mut() {
            let r = *r;
            let mut buf = BitWriter::reuse(std::mem::take(row_buf));
            let mut writer = Writer {
                cabac: Cabac::new(&mut buf),
                ctx: init_contexts(self.p_slice as usize, self.qp),
            };
            let mut pulled = 0;
            for cx in 0..nx {
                // Wait for the row above to be two CTUs ahead (above-right available), then
                // take in what it has finished.
                let need = if r > 0 { (cx + 2).min(nx) } else { 0 };
                if pulled < need {
                    if !progress.wait(shared, cv, r - 1, need) {
                        return Ok(false);
                    }
                    let g = shared.lock();
                    for px in pulled..need {
                        copy_ctu(
                            (&g.rec, &g.maps),
                            (&mut self.rec, &mut self.maps),
                            px,
                            r - 1,
                        );
                    }
                    if cx == 0 && nx > 1 {
                        // 9.3.1: the above-right CTB is available, synchronise.
                        writer.ctx = g.ctx[r - 1].clone().expect("stored after CTU 1");
                    }
                    pulled = need;
                }
                self.code_ctu(&mut writer, cx, r)?;
                {
                    let mut g = shared.lock();
                    let g = &mut *g;
                    copy_ctu((&self.rec, &self.maps), (&mut g.rec, &mut g.maps), cx, r);
                    if cx == 1 {
                        g.ctx[r] = Some(writer.ctx.clone());
                    }
                    progress.done[r].store(cx + 1, Ordering::Release);
                }
                cv.notify_all();
            }
            if r + 1 < ny {
                writer.cabac.terminate(1); // end_of_subset_one_bit, then byte_alignment()
            }
            drop(writer);
            buf.align_zero();
            *row_buf = buf.buf;
        }
        Ok(true)
    }
}

/// Threads a picture of coded_w x coded_h is coded on when `threads` are asked for: a row runs
/// two CTUs behind the one above, so more threads than half the CTU columns (or than rows)
/// would only wait; and each helper holds a picture-sized encoder (~8 bytes a pixel): at most 8.
pub(crate) fn threads_used(coded_w: usize, coded_h: usize, threads: usize) -> usize {
    let ctb = 1usize << CTB_LOG2;
    let (nx, ny) = (coded_w.div_ceil(ctb), coded_h.div_ceil(ctb));
    threads.min(ny).min(nx.div_ceil(2)).clamp(1, MAX_THREADS)
}

/// Codes the picture's CTU rows on `threads` threads (the caller's and `threads - 1` helpers),
/// leaves the complete (not yet deblocked) reconstruction in `main.rec`, the deblocking
/// information in `main.dbk` and one substream per CTU row in `main.rows`. A thread that cannot
/// be started or a substream that cannot grow fails the picture with `OutOfMemory`.
pub(super) fn code_picture(
    main: &mut PictureEncoder,
    helpers: &mut Vec<PictureEncoder>,
    threads: usize,
) -> Result<()> {
    let ctb = 1usize << CTB_LOG2;
    let (cw, ch) = (main.src.w, main.src.h);
    let ny = ch.div_ceil(ctb);
    let threads = threads_used(cw, ch, threads);
    while helpers.len() < threads - 1 {
        helpers.push(PictureEncoder::helper(cw, ch)?); // made at open; here only if not
    }
    let helpers = &mut helpers[..threads - 1];
    for h in helpers.iter_mut() {
        main.prepare_helper(h);
        h.dbk.reset();
    }
    // The shared picture's buffers are kept from the previous picture (every CTU is written
    // before anyone reads it).
    let (rec, maps) = match main.wpp_spare.take() {
        Some(spare) => spare,
        None => (
            Planes::try_new(cw, ch, "the wavefront's shared picture")?,
            Maps::new(cw / 4, ch / 4)?,
        ),
    };
    let shared = Mutex::new(Shared {
        rec,
        maps,
        ctx: vec![None; ny],
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let progress = Progress {
        done: (0..ny).map(|_| AtomicUsize::new(0)).collect(),
        failed: AtomicBool::new(false),
        spin: threads <= cores,
    };
    let cv = Condvar::new();
    // Row r goes to thread r % threads, with its substream buffer (kept between pictures).
    main.rows.resize_with(ny, Vec::new);
    let mut jobs: Vec<Vec<(usize, Vec<u8>)>> = (0..threads)
        .map(|t| {
            (t..ny)
                .step_by(threads)
                .map(|r| (r, std::mem::take(&mut main.rows[r])))
                .collect()
        })
        .collect();
    let fail = || {
        let _g = shared.lock();
        progress.failed.store(true, Ordering::Release);
        drop(_g);
        cv.notify_all();
    };
    // Every thread's work runs under catch_unwind: a panic or an error marks the picture
    // failed and wakes the waiters (none may wait forever), then surfaces here once all have
    // stopped.
    let run = |pe: &mut PictureEncoder, rows: &mut [(usize, Vec<u8>)]| {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pe.code_rows(rows, &shared, &progress, &cv)
        }));
        if !matches!(r, Ok(Ok(true))) {
            fail();
        }
        r
    };
    let (mine_jobs, their_jobs) = jobs.split_first_mut().expect("one thread at least");
    let (mine, theirs) = std::thread::scope(|s| {
        let mut handles = Vec::with_capacity(helpers.len());
        let mut spawn_error = None;
        for (h, rows) in helpers.iter_mut().zip(their_jobs.iter_mut()) {
            let run = &run;
            let spawned = std::thread::Builder::new()
                .name("venc-wpp".into())
                .spawn_scoped(s, move || run(h, rows));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    // Without this thread its rows would never be coded: stop the others.
                    fail();
                    spawn_error = Some(crate::error::Error::OutOfMemory(format!(
                        "cannot start a wavefront thread ({e})"
                    )));
                    break;
                }
            }
        }
        let mine = run(main, mine_jobs);
        let theirs: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("row thread result"))
            .collect();
        (mine, (theirs, spawn_error))
    });
    let (theirs, spawn_error) = theirs;
    let mut first_error = spawn_error;
    for res in std::iter::once(mine).chain(theirs) {
        match res {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
    // The substream buffers go back (also on failure: they are kept for the next picture).
    for (r, buf) in jobs.into_iter().flatten() {
        main.rows[r] = buf;
    }
    let Shared { rec, maps, .. } = shared.into_inner();
    // The complete picture becomes main's; main's working copy is the next shared buffer.
    let spare = std::mem::replace(&mut main.rec, rec);
    main.wpp_spare = Some((spare, maps));
    // Drop the helpers' shares so the next picture's writes do not copy.
    for h in helpers.iter_mut() {
        h.src = Arc::default();
        h.refp = Arc::default();
        h.hpel = Arc::default();
        h.col = Arc::default();
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    // Each helper's rows' deblocking information lives in its map.
    let q = ctb / 4;
    let PictureEncoder { dbk, .. } = main;
    for (t, h) in helpers.iter().enumerate() {
        let l = &h.dbk;
        for r in (t + 1..ny).step_by(threads) {
            let span = r * q * l.w4..((r + 1) * q).min(l.h4) * l.w4;
            dbk.info[span.clone()].copy_from_slice(&l.info[span.clone()]);
            dbk.edges[span.clone()].copy_from_slice(&l.edges[span]);
        }
    }
    debug_assert!(main.rows.iter().all(|s| !s.is_empty()));
    Ok(())
}
