//! Input readers: Y4M (4:2:0) and raw NV12 / I420, from a file or standard input, giving NV12
//! frames for the library.

use std::io::{BufRead, BufReader, Read};

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
        let mut reader: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 20, r));
        match raw {
            Some((w, h, layout)) => Ok(Input {
                reader,
                width: w,
                height: h,
                fps: None,
                y4m: false,
                layout,
                frames_read: 0,
            }),
            None => {
                let mut line = Vec::new();
                reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| format!("reading {path}: {e}"))?;
                let (w, h, fps) = parse_header(&line)
                    .map_err(|e| format!("{path}: bad Y4M header: {e} (expected 'YUV4MPEG2 W<w> H<h> F<n>:<d> C420...')"))?;
                Ok(Input {
                    reader,
                    width: w,
                    height: h,
                    fps,
                    y4m: true,
                    layout: Layout::I420,
                    frames_read: 0,
                })
            }
        }
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
            let mut line = Vec::new();
            let n = self
                .reader
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if n == 0 {
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

/// Width, height and the frame rate (numerator, denominator) if the header gives one.
type Y4mHeader = (u32, u32, Option<(u32, u32)>);

fn parse_header(line: &[u8]) -> Result<Y4mHeader, String> {
    let s = std::str::from_utf8(line).map_err(|_| "not text".to_string())?;
    let mut it = s.split_whitespace();
    if it.next() != Some("YUV4MPEG2") {
        return Err("missing YUV4MPEG2 signature".into());
    }
    let (mut w, mut h, mut fps) = (None, None, None);
    for tok in it {
        let (k, v) = tok.split_at(1);
        match k {
            "W" => w = v.parse().ok(),
            "H" => h = v.parse().ok(),
            "F" => {
                let mut p = v.split(':');
                let n = p.next().and_then(|x| x.parse().ok());
                let d = p.next().and_then(|x| x.parse().ok());
                if let (Some(n), Some(d)) = (n, d) {
                    fps = Some((n, d));
                }
            }
            "C" if !v.starts_with("420") => {
                return Err(format!("colour space C{v} is not 4:2:0"));
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
