//! Input readers: Y4M (4:2:0) and raw NV12 / I420, from a file or standard input, giving NV12
//! frames for the library.

use std::io::{BufRead, BufReader, Read};

/// The longest Y4M header or FRAME line read (real ones are well under 100 bytes): a file with
/// no newline is refused after this many bytes instead of being read whole.
const MAX_LINE: usize = 4096;

pub enum Layout {
    Nv12,
    I420,
}

pub struct Input {
    reader: Box<dyn BufRead>,
    pub width: u32,
    pub height: u32,
    /// Frame rate from the Y4M header, if any.
    pub fps: Option<(u32, u32)>,
    y4m: bool,
    layout: Layout,
    pub frames_read: u64,
}

/// What reading one frame gave.
pub enum Frame {
    /// A whole frame, as NV12.
    Whole(Vec<u8>),
    /// The input ended inside a frame: bytes read of bytes expected.
    Truncated(usize, usize),
    End,
}

impl Input {
    pub fn open(path: &str, raw: Option<(u32, u32, Layout)>) -> Result<Input, String> {
        let r: Box<dyn Read> = if path == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(
                std::fs::File::open(path).map_err(|e| format!("cannot open input {path}: {e}"))?,
            )
        };
        Input::from_reader(Box::new(BufReader::with_capacity(1 << 20, r)), path, raw)
    }

    /// Reads from `reader` (`name` names it in messages): Y4M, or raw frames of the size and
    /// layout `raw` gives. The picture size is checked against venc's limits here, before any
    /// frame is allocated.
    pub fn from_reader(
        mut reader: Box<dyn BufRead>,
        name: &str,
        raw: Option<(u32, u32, Layout)>,
    ) -> Result<Input, String> {
        let (width, height, fps, y4m, layout, source) = match raw {
            Some((w, h, layout)) => (w, h, None, false, layout, format!("--size {w}x{h}")),
            None => {
                let line = read_line(&mut reader, "header")
                    .map_err(|e| format!("{name}: bad Y4M header: {e}"))?;
                let (w, h, fps) = parse_header(&line)
                    .map_err(|e| format!("{name}: bad Y4M header: {e} (expected 'YUV4MPEG2 W<w> H<h> F<n>:<d> C420...')"))?;
                (
                    w,
                    h,
                    fps,
                    true,
                    Layout::I420,
                    format!("the Y4M header's W{w} H{h}"),
                )
            }
        };
        venc::config::check_dims(width, height).map_err(|e| format!("{name}: {source}: {e}"))?;
        Ok(Input {
            reader,
            width,
            height,
            fps,
            y4m,
            layout,
            frames_read: 0,
        })
    }

    fn frame_bytes(&self) -> usize {
        self.width as usize * self.height as usize * 3 / 2
    }

    /// Skips `n` frames.
    pub fn skip(&mut self, n: u64) -> Result<u64, String> {
        for i in 0..n {
            match self.next()? {
                Frame::Whole(_) => {}
                _ => return Ok(i),
            }
        }
        Ok(n)
    }

    pub fn next(&mut self) -> Result<Frame, String> {
        if self.y4m {
            let what = format!("frame marker line of frame {}", self.frames_read);
            let line = read_line(&mut self.reader, &what)?;
            if line.is_empty() {
                return Ok(Frame::End);
            }
            if !line.starts_with(b"FRAME") {
                return Err(format!(
                    "bad Y4M frame marker at frame {}: expected 'FRAME'",
                    self.frames_read
                ));
            }
        }
        let need = self.frame_bytes();
        let mut buf = vec![0u8; need];
        let mut got = 0;
        while got < need {
            let n = self
                .reader
                .read(&mut buf[got..])
                .map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            got += n;
        }
        if got == 0 {
            return Ok(Frame::End);
        }
        if got < need {
            return Ok(Frame::Truncated(got, need));
        }
        self.frames_read += 1;
        Ok(Frame::Whole(match self.layout {
            Layout::Nv12 => buf,
            Layout::I420 => i420_to_nv12(&buf, self.width as usize, self.height as usize),
        }))
    }
}

/// One line up to and including its newline (without one at the end of the input), at most
/// MAX_LINE bytes; `what` names it in the message.
fn read_line(reader: &mut dyn BufRead, what: &str) -> Result<Vec<u8>, String> {
    let mut line = Vec::new();
    reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("reading the {what}: {e}"))?;
    if line.len() > MAX_LINE && !line.ends_with(b"\n") {
        return Err(format!(
            "the {what} is longer than {MAX_LINE} bytes, expected a line ending with a newline"
        ));
    }
    Ok(line)
}

/// Width, height and the frame rate (numerator, denominator) if the header gives one.
type Y4mHeader = (u32, u32, Option<(u32, u32)>);

/// The value of a W or H token: a number of pixels.
fn pixels(key: char, v: &str) -> Result<u32, String> {
    v.parse()
        .map_err(|_| format!("{key} is '{v}', expected a number of pixels"))
}

fn parse_header(line: &[u8]) -> Result<Y4mHeader, String> {
    let s = std::str::from_utf8(line).map_err(|_| "not text".to_string())?;
    let mut it = s.split_whitespace();
    if it.next() != Some("YUV4MPEG2") {
        return Err("missing YUV4MPEG2 signature".into());
    }
    let (mut w, mut h, mut fps) = (None, None, None);
    for tok in it {
        // The key is the first character, which need not be ASCII in a damaged file.
        let mut chars = tok.chars();
        let k = chars.next();
        let v = chars.as_str();
        match k {
            Some('W') => w = Some(pixels('W', v)?),
            Some('H') => h = Some(pixels('H', v)?),
            Some('F') => {
                let mut p = v.split(':');
                let n = p.next().and_then(|x| x.parse().ok());
                let d = p.next().and_then(|x| x.parse().ok());
                if let (Some(n), Some(d)) = (n, d) {
                    fps = Some((n, d));
                }
            }
            // The 8-bit 4:2:0 tags (chroma siting aside); C420p10 and the like have 2 bytes
            // a sample.
            Some('C') if !matches!(v, "420" | "420jpeg" | "420paldv" | "420mpeg2") => {
                return Err(format!(
                    "colour space C{v} is not 4:2:0 with 8 bits (C420, C420jpeg, C420mpeg2, \
                     C420paldv)"
                ));
            }
            _ => {}
        }
    }
    match (w, h) {
        (Some(w), Some(h)) => Ok((w, h, fps)),
        _ => Err("missing W or H".into()),
    }
}

pub fn i420_to_nv12(f: &[u8], w: usize, h: usize) -> Vec<u8> {
    let ysz = w * h;
    let csz = ysz / 4;
    let mut out = Vec::with_capacity(ysz * 3 / 2);
    out.extend_from_slice(&f[..ysz]);
    for i in 0..csz {
        out.push(f[ysz + i]);
        out.push(f[ysz + csz + i]);
    }
    out
}

#[cfg(test)]
#[allow(dead_code)]
#[path = "../../../tests/common/fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    //! Fuzz of the readers: random bytes, mutated valid Y4M and raw input of random sizes never
    //! panic, never loop without progress and never accept a picture larger than venc's
    //! largest (a header claiming 100000x100000 is refused before any frame is allocated); each
    //! gives whole frames of the right size, a truncated-frame report or an error message.
    //! 2000 inputs of each kind (200 000 with VENC_LONG=1); VENC_Y4M_SEED replays.

    use super::fuzz::{self, Rng};
    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    const LARGEST_FRAME: usize = 4096 * 4096 * 3 / 2;

    fn input(bytes: &[u8], raw: Option<(u32, u32, Layout)>) -> Result<Input, String> {
        Input::from_reader(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            "in.y4m",
            raw,
        )
    }

    /// Reads the whole input. The outer error is a broken rule; the inner result is what a
    /// user would see: the number of whole frames, or the error message.
    fn read_all(
        bytes: &[u8],
        raw: Option<(u32, u32, Layout)>,
    ) -> Result<Result<usize, String>, String> {
        let mut inp = match input(bytes, raw) {
            Ok(i) => i,
            Err(e) if e.is_empty() => return Err("an empty error message at open".into()),
            Err(e) => return Ok(Err(e)),
        };
        let need = inp.frame_bytes();
        if venc::config::check_dims(inp.width, inp.height).is_err() || need > LARGEST_FRAME {
            return Err(format!("accepted a {}x{} picture", inp.width, inp.height));
        }
        // Each whole frame takes `need` bytes of the input: more reads than this is no progress.
        let max_reads = bytes.len() / need + 2;
        for n in 0..max_reads {
            match inp.next() {
                Ok(Frame::Whole(f)) if f.len() == need => {}
                Ok(Frame::Whole(f)) => {
                    return Err(format!("frame {n} is {} bytes, expected {need}", f.len()))
                }
                Ok(Frame::Truncated(got, want)) if got > 0 && got < want && want == need => {
                    return Ok(Ok(n))
                }
                Ok(Frame::Truncated(got, want)) => {
                    return Err(format!(
                        "truncated: {got} of {want} bytes, frames are {need}"
                    ))
                }
                Ok(Frame::End) => return Ok(Ok(n)),
                Err(e) if e.is_empty() => {
                    return Err(format!("an empty error message at frame {n}"))
                }
                Err(e) => return Ok(Err(e)),
            }
        }
        Err(format!(
            "still reading after {max_reads} frames of {need} bytes from {} bytes",
            bytes.len()
        ))
    }

    const NUMBERS: &[&str] = &[
        "0",
        "-1",
        "17",
        "4096",
        "4098",
        "100000",
        "4294967295",
        "4294967296",
        "99999999999999999999",
        "16.5",
        "",
        "+16",
        "0x10",
        "\u{661}\u{666}",
        "16\u{e9}",
    ];
    const COLOURS: &[&str] = &[
        "420", "420jpeg", "420paldv", "420mpeg2", "422", "444", "420p10", "420p16", "mono", "",
        "\u{e9}",
    ];

    /// A valid Y4M stream of `k` frames of w x h, with some of the optional header tokens.
    fn valid_y4m(r: &mut Rng) -> (Vec<u8>, usize) {
        let (w, h, k) = (
            2 * r.range(8, 40),
            2 * r.range(8, 30),
            r.range(0, 3) as usize,
        );
        let mut s = format!("YUV4MPEG2 W{w} H{h}");
        for tok in [
            " F30000:1001",
            " Ip",
            " A1:1",
            " C420jpeg",
            " XYSCSS=420JPEG",
        ] {
            if r.chance(0.6) {
                s.push_str(tok);
            }
        }
        let mut v = s.into_bytes();
        v.push(b'\n');
        for _ in 0..k {
            v.extend_from_slice(if r.chance(0.8) {
                b"FRAME\n"
            } else {
                b"FRAME Ip\n"
            });
            let start = v.len();
            v.resize(start + (w * h * 3 / 2) as usize, 0);
            r.fill(&mut v[start..]);
        }
        (v, k)
    }

    fn mutate(r: &mut Rng, v: &mut Vec<u8>) {
        for _ in 0..r.range(1, 4) {
            let header_end = v.iter().position(|&b| b == b'\n').unwrap_or(v.len());
            let pos = r.below(v.len() as u64 + 1) as usize;
            match r.below(8) {
                0 if !v.is_empty() => {
                    let at = pos.min(v.len() - 1);
                    v[at] = r.u64() as u8;
                }
                1 => {
                    let mut extra = vec![0u8; r.range(1, 16) as usize];
                    r.fill(&mut extra);
                    v.splice(pos..pos, extra);
                }
                2 => {
                    let end = (pos + r.below(64) as usize).min(v.len());
                    v.drain(pos..end);
                }
                3 => v.truncate(pos),
                4 | 5 => {
                    // A header token replaced by an odd one.
                    let text = String::from_utf8_lossy(&v[..header_end]).into_owned();
                    let toks: Vec<&str> = text.split(' ').collect();
                    let i = r.below(toks.len() as u64) as usize;
                    let new = match r.below(4) {
                        0 => format!("W{}", r.pick(NUMBERS)),
                        1 => format!("H{}", r.pick(NUMBERS)),
                        2 => format!("C{}", r.pick(COLOURS)),
                        _ => format!("F{}:{}", r.pick(NUMBERS), r.pick(NUMBERS)),
                    };
                    let mut toks: Vec<String> = toks.iter().map(|t| t.to_string()).collect();
                    toks[i] = new;
                    let head = toks.join(" ").into_bytes();
                    v.splice(..header_end, head);
                }
                6 => {
                    // A multi-byte character or a stray byte at the start of a header token.
                    let spaces: Vec<usize> = (0..header_end).filter(|&i| v[i] == b' ').collect();
                    if let Some(&at) = spaces.get(r.below(spaces.len() as u64 + 1) as usize) {
                        let c: &[u8] =
                            r.pick(&["\u{e9}".as_bytes(), "\u{661}".as_bytes(), &[0xff], &[0]]);
                        v.splice(at + 1..at + 1, c.iter().copied());
                    }
                }
                _ => {
                    // A header line far longer than any real one.
                    let junk = vec![b'X'; r.range(4000, 70_000) as usize];
                    v.splice(header_end..header_end, junk);
                }
            }
        }
    }

    fn raw_case(r: &mut Rng) -> (Vec<u8>, (u32, u32, Layout)) {
        let dim = |r: &mut Rng| -> u32 {
            if r.chance(0.7) {
                2 * r.range(8, 40) as u32
            } else {
                r.pick(&[0, 1, 15, 17, 4098, 100_000, u32::MAX])
            }
        };
        let (w, h) = (dim(r), dim(r));
        let layout = if r.chance(0.5) {
            Layout::Nv12
        } else {
            Layout::I420
        };
        let frame = (w as u64 * h as u64 * 3 / 2).min(20_000);
        let mut v = vec![0u8; r.below(3 * frame + 2) as usize];
        r.fill(&mut v);
        (v, (w, h, layout))
    }

    fn hex(v: &[u8]) -> String {
        v.iter().take(96).map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn random_and_mutated_inputs_give_frames_or_a_message() {
        let (seed, n) = fuzz::start_seeded(
            "y4m fuzz",
            "VENC_Y4M_SEED",
            "VENC_Y4M_CASES",
            (2000, 200_000),
            "inputs of each kind",
        );
        let mut r = Rng::new(seed);
        let mut failures = Vec::new();
        let (mut frames, mut refused, mut broke) = (0usize, 0usize, 0usize);
        for case in 0..3 * n {
            let kind = case % 3;
            let (bytes, raw, whole) = match kind {
                0 => {
                    let mut v = if r.chance(0.5) {
                        b"YUV4MPEG2 ".to_vec()
                    } else {
                        Vec::new()
                    };
                    let start = v.len();
                    v.resize(start + r.below(400) as usize, 0);
                    r.fill(&mut v[start..]);
                    (v, None, None)
                }
                1 => {
                    let (mut v, k) = valid_y4m(&mut r);
                    let untouched = r.chance(0.1);
                    if !untouched {
                        mutate(&mut r, &mut v);
                    }
                    (v, None, untouched.then_some(k))
                }
                _ => {
                    let (v, raw) = raw_case(&mut r);
                    (v, Some(raw), None)
                }
            };
            let what = match &raw {
                Some((w, h, _)) => format!("raw {w}x{h}"),
                None => "Y4M".into(),
            };
            let raw_copy = raw.as_ref().map(|(w, h, l)| {
                (
                    *w,
                    *h,
                    if matches!(l, Layout::Nv12) {
                        Layout::Nv12
                    } else {
                        Layout::I420
                    },
                )
            });
            let got = catch_unwind(AssertUnwindSafe(|| read_all(&bytes, raw_copy)));
            let broken = match got {
                Err(p) => Some(format!("panicked: {}", fuzz::panic_text(&*p))),
                Ok(Err(rule)) => Some(rule),
                Ok(Ok(Ok(k))) if whole.is_some_and(|w| w != k) => Some(format!(
                    "a valid input of {} frames gave {k}",
                    whole.unwrap()
                )),
                Ok(Ok(Err(e))) if whole.is_some() => {
                    Some(format!("a valid input was refused: {e}"))
                }
                Ok(Ok(Ok(k))) => {
                    frames += k;
                    None
                }
                Ok(Ok(Err(_))) => {
                    refused += 1;
                    None
                }
            };
            if let Some(b) = broken {
                broke += 1;
                if failures.len() < 10 {
                    failures.push(format!(
                        "case {case} ({what}, {} bytes): {b}; input {}",
                        bytes.len(),
                        hex(&bytes)
                    ));
                }
            }
        }
        eprintln!("y4m fuzz: seed {seed}: {} inputs, {frames} whole frames, {refused} refused with a message", 3 * n);
        assert!(
            failures.is_empty(),
            "seed {seed} (replay: VENC_Y4M_SEED={seed}): {broke} of {} inputs broke a rule, the first:\n{}",
            3 * n,
            failures.join("\n")
        );
    }

    #[test]
    fn hostile_headers_are_refused_with_a_message() {
        let long_header = [b"YUV4MPEG2 W16 H16 ".to_vec(), vec![b'X'; 1 << 20]].concat();
        let cases: [(&[u8], &str); 6] = [
            (
                b"YUV4MPEG2 W100000 H100000 F30:1 C420jpeg\nFRAME\n",
                "width is 100000",
            ),
            (
                b"YUV4MPEG2 W4294967295 H4294967295\nFRAME\n",
                "width is 4294967295",
            ),
            ("YUV4MPEG2 \u{e9}W16 H16\n".as_bytes(), "missing W or H"),
            (b"YUV4MPEG2 W16 H16 C420p10\nFRAME\n", "C420p10"),
            (b"YUV4MPEG2 W17 H16\n", "even"),
            (&long_header, "longer than"),
        ];
        for (bytes, want) in cases {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
            let got = catch_unwind(AssertUnwindSafe(|| input(bytes, None).err()));
            match got {
                Ok(Some(e)) => assert!(e.contains(want), "{head:?}: '{e}' does not say '{want}'"),
                Ok(None) => panic!("{head:?} was accepted"),
                Err(_) => panic!("{head:?} panicked"),
            }
        }
        for (w, h, want) in [
            (100_000, 100_000, "width is 100000"),
            (17, 16, "even"),
            (0, 16, "width is 0"),
        ] {
            let e = input(b"", Some((w, h, Layout::Nv12)))
                .err()
                .unwrap_or_default();
            assert!(e.contains(want), "raw {w}x{h}: '{e}' does not say '{want}'");
        }
    }
}
