//! MJPEG rate control: picks each frame's quality so the stream holds a target bitrate.
//!
//! Model: frame bits B ≈ k · S^(−a), S the IJG percentage scale of the quality (the quant tables
//! scale linearly with S). `k` is re-fitted after every frame (log domain, recent frames
//! weighted), `a` by regression once frames with different S have been seen. The next frame
//! aims at the per-frame budget corrected by the running error, spread over ~10 frames, so the
//! mean converges fast and then holds.

use super::tables::{quality_for_scale, quality_scale};

#[derive(Debug, Clone)]
pub(crate) struct JpegRate {
    target_bpf: f64,
    /// ln k and the exponent a of the model.
    ln_k: Option<f64>,
    a: f64,
    /// Recent (ln S, ln B) pairs for refitting `a`.
    hist: Vec<(f64, f64)>,
    total_bits: f64,
    frames: u64,
    min_q: u32,
    max_q: u32,
    /// VBR lets single frames deviate more: the correction horizon is longer.
    horizon: f64,
}

/// The IJG scale as a number the model can take the log of (quality 100 has scale 0: use 1).
fn scale_of(q: u32) -> f64 {
    quality_scale(q).max(1) as f64
}

impl JpegRate {
    pub(crate) fn new(kbps: u32, fps: f64, min_q: u32, max_q: u32, vbr: bool) -> Self {
        JpegRate {
            target_bpf: kbps as f64 * 1000.0 / fps,
            ln_k: None,
            a: 0.7,
            hist: Vec::new(),
            total_bits: 0.0,
            frames: 0,
            min_q,
            max_q,
            horizon: if vbr { 30.0 } else { 10.0 },
        }
    }

    pub(crate) fn set_bitrate(&mut self, kbps: u32, fps: f64) {
        self.target_bpf = kbps as f64 * 1000.0 / fps;
        self.total_bits = 0.0;
        self.frames = 0;
    }

    pub(crate) fn target_bpf(&self) -> f64 {
        self.target_bpf
    }

    /// Bits the next frame should cost.
    fn frame_target(&self) -> f64 {
        let debt = self.frames as f64 * self.target_bpf - self.total_bits;
        (self.target_bpf + debt / self.horizon).max(self.target_bpf * 0.2)
    }

    /// Quality for the next frame; `first_guess` before anything is known.
    pub(crate) fn next_quality(&self, first_guess: u32) -> u32 {
        let Some(ln_k) = self.ln_k else {
            return first_guess.clamp(self.min_q, self.max_q);
        };
        // B = k S^-a  =>  S = (k / B)^(1/a)
        let ln_s = (ln_k - self.frame_target().ln()) / self.a;
        quality_for_scale(ln_s.exp()).clamp(self.min_q, self.max_q)
    }

    pub(crate) fn update(&mut self, q: u32, bits: f64) {
        self.frames += 1;
        self.total_bits += bits;
        let ls = scale_of(q).ln();
        let lb = bits.max(8.0).ln();
        self.hist.push((ls, lb));
        if self.hist.len() > 12 {
            self.hist.remove(0);
        }
        // Refit the slope when the recent scales differ enough to say something.
        let n = self.hist.len() as f64;
        if n >= 3.0 {
            let mx = self.hist.iter().map(|p| p.0).sum::<f64>() / n;
            let my = self.hist.iter().map(|p| p.1).sum::<f64>() / n;
            let sxx: f64 = self.hist.iter().map(|p| (p.0 - mx).powi(2)).sum();
            let sxy: f64 = self.hist.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            // Only when the scales really differ (quality moved by tens): small wiggles of the
            // quality with noisy sizes give wild slopes and the quality would jump.
            if sxx > 0.5 {
                self.a = 0.7 * self.a + 0.3 * (-sxy / sxx).clamp(0.4, 1.2);
            }
        }
        let observed = lb + self.a * ls;
        self.ln_k = Some(match self.ln_k {
            Some(k) => 0.5 * k + 0.5 * observed,
            None => observed,
        });
    }
}
