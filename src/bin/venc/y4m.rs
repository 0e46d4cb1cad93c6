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
mod tests {
    //! Headers that once crashed the CLI or were read as something else are refused with a
    //! message.

    use super::*;
    use std::panic::{catch_unwind, AssertUnwindSafe};

    fn input(bytes: &[u8], raw: Option<(u32, u32, Layout)>) -> Result<Input, String> {
        Input::from_reader(
            Box::new(std::io::Cursor::new(bytes.to_vec())),
            "in.y4m",
            raw,
        )
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
