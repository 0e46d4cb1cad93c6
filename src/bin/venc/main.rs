//! `venc`: encode Y4M or raw NV12/I420 video to H.265 or MJPEG with libvenc, or run `venc demo`.
//! A user of the library's public API, not a second encoder.

mod plot;
mod y4m;

use std::io::Write;
use std::time::Instant;

use venc::config::flags;
use venc::{CodecId, Encoder, EncoderConfig, Packet, Poll, Preset, RcMode};

const USAGE: &str = "\
venc — H.265 and MJPEG encoding of NV12 video

USAGE:
    venc [OPTIONS] INPUT -o OUTPUT      INPUT: .y4m, raw .nv12 / .yuv (I420), or - for stdin
    venc demo [-o DIR]                  encode a generated moving scene to DIR/demo.h265 and demo.mjpeg

OPTIONS:
    -o, --output FILE       output: .h265/.hevc/.265 (Annex-B) or .mjpeg/.mjpg
        --codec h265|mjpeg  codec (default: from the output's extension)
        --size WxH          raw input size (required for raw input)
        --input-format nv12|i420   raw input layout (default: .nv12 -> nv12, else i420)
        --fps N[/D]         frame rate (default: the Y4M header's, else 30)
        --bitrate KBPS      target bitrate (default 8000)
        --rc cbr|vbr|cqp|quality   rate control (default cbr)
        --qp N              H.265 QP for --rc cqp (0..51)
        --quality N         MJPEG quality for --rc quality (1..100)
        --keyint N          frames between keyframes (default 30)
        --threads N         encoder threads (default 0: every core, at most 8)
        --preset NAME       H.265 speed: ultrafast superfast veryfast faster fast medium (default ultrafast)
        --frames N          encode at most N frames
        --seek N            skip the first N frames
        --recon FILE        write the encoder's reconstruction (raw I420, or Y4M if FILE ends in .y4m)
        --psnr              compute and print PSNR
        --csv FILE          per-frame log: frame,type,bytes,bits,qp,psnr_y,psnr_u,psnr_v
        --plot FILE.svg     per-frame size and QP against the target rate
        --md5               H.265: write MD5 picture-hash SEI (decoders verify every picture)
        --quiet             no progress, no summary
    -h, --help, -V, --version
";

struct Opts {
    input: Option<String>,
    output: Option<String>,
    codec: Option<CodecId>,
    size: Option<(u32, u32)>,
    layout: Option<String>,
    fps: Option<(u32, u32)>,
    bitrate: Option<u32>,
    rc: Option<RcMode>,
    qp: Option<u32>,
    quality: Option<u32>,
    keyint: Option<u32>,
    preset: Option<Preset>,
    threads: Option<u32>,
    frames: Option<u64>,
    seek: u64,
    recon: Option<String>,
    psnr: bool,
    csv: Option<String>,
    plot: Option<String>,
    md5: bool,
    quiet: bool,
}

fn die(code: i32, msg: impl std::fmt::Display) -> ! {
    eprintln!("venc: error: {msg}");
    std::process::exit(code);
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| die(2, format!("{opt} takes a number, not '{v}'")))
}

fn parse_args(args: &[String]) -> Opts {
    let mut o = Opts {
        input: None,
        output: None,
        codec: None,
        size: None,
        layout: None,
        fps: None,
        bitrate: None,
        rc: None,
        qp: None,
        quality: None,
        keyint: None,
        preset: None,
        threads: None,
        frames: None,
        seek: 0,
        recon: None,
        psnr: false,
        csv: None,
        plot: None,
        md5: false,
        quiet: false,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut val = || -> String {
            i += 1;
            args.get(i)
                .cloned()
                .unwrap_or_else(|| die(2, format!("{a} needs a value")))
        };
        match a {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "-V" | "--version" => {
                println!(
                    "venc {} (kernels: {})",
                    env!("CARGO_PKG_VERSION"),
                    venc::cpu_level()
                );
                std::process::exit(0);
            }
            "-o" | "--output" => o.output = Some(val()),
            "--codec" => {
                o.codec = Some(match val().as_str() {
                    "h265" | "hevc" => CodecId::H265,
                    "mjpeg" | "jpeg" => CodecId::Mjpeg,
                    other => die(2, format!("--codec is h265 or mjpeg, not '{other}'")),
                })
            }
            "--size" => {
                let v = val();
                let (w, h) = v
                    .split_once('x')
                    .unwrap_or_else(|| die(2, format!("--size is WxH, not '{v}'")));
                o.size = Some((parse_num("--size", w), parse_num("--size", h)));
            }
            "--input-format" => o.layout = Some(val()),
            "--fps" => {
                let v = val();
                o.fps = Some(match v.split_once('/') {
                    Some((n, d)) => (parse_num("--fps", n), parse_num("--fps", d)),
                    None => match v.parse::<f64>() {
                        Ok(f) if f > 0.0 && f.fract() == 0.0 => (f as u32, 1),
                        Ok(f) if f > 0.0 => ((f * 1000.0).round() as u32, 1000),
                        _ => die(2, format!("--fps is N or N/D, not '{v}'")),
                    },
                });
            }
            "--bitrate" => o.bitrate = Some(parse_num(a, &val())),
            "--rc" => {
                o.rc = Some(match val().as_str() {
                    "cbr" => RcMode::Cbr,
                    "vbr" => RcMode::Vbr,
                    "cqp" => RcMode::FixedQp,
                    "quality" | "cq" => RcMode::ConstQuality,
                    other => die(
                        2,
                        format!("--rc is cbr, vbr, cqp or quality, not '{other}'"),
                    ),
                })
            }
            "--qp" => o.qp = Some(parse_num(a, &val())),
            "--quality" => o.quality = Some(parse_num(a, &val())),
            "--keyint" => o.keyint = Some(parse_num(a, &val())),
            "--threads" => o.threads = Some(parse_num(a, &val())),
            "--preset" => {
                o.preset = Some(Preset::from_name(&val()).unwrap_or_else(|e| die(2, e)));
            }
            "--frames" => o.frames = Some(parse_num(a, &val())),
            "--seek" => o.seek = parse_num(a, &val()),
            "--recon" => o.recon = Some(val()),
            "--psnr" => o.psnr = true,
            "--csv" => o.csv = Some(val()),
            "--plot" => o.plot = Some(val()),
            "--md5" => o.md5 = true,
            "--quiet" | "-q" => o.quiet = true,
            s if s.starts_with('-') && s != "-" => {
                die(2, format!("unknown option '{s}' (see venc --help)"))
            }
            s => {
                if let Some(first) = &o.input {
                    die(2, format!("more than one input: '{first}' and '{s}'"));
                }
                o.input = Some(s.to_string());
            }
        }
        i += 1;
    }
    o
}

fn codec_from_ext(path: &str) -> Option<CodecId> {
    let l = path.to_ascii_lowercase();
    if l.ends_with(".h265") || l.ends_with(".hevc") || l.ends_with(".265") {
        Some(CodecId::H265)
    } else if l.ends_with(".mjpeg") || l.ends_with(".mjpg") || l.ends_with(".jpg") {
        Some(CodecId::Mjpeg)
    } else {
        None
    }
}

fn is_tty() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// What an encode did, for the summary.
struct Summary {
    frames: u64,
    secs: f64,
    bytes: u64,
    keyframes: u64,
    psnr_sum: [f64; 3],
    psnr_n: u64,
    target_kbps: Option<u32>,
    fps: f64,
    note: Option<String>,
}

impl Summary {
    fn print(&self, out: &str, codec: CodecId) {
        let kbps = if self.frames > 0 {
            self.bytes as f64 * 8.0 * self.fps / self.frames as f64 / 1000.0
        } else {
            0.0
        };
        eprintln!(
            "encoded {} frames to {} ({}) in {:.2} s, {:.1} fps, {} kernels",
            self.frames,
            out,
            codec.name(),
            self.secs,
            self.frames as f64 / self.secs.max(1e-9),
            venc::cpu_level()
        );
        match self.target_kbps {
            Some(t) => eprintln!(
                "bitrate {kbps:.0} kbps (target {t} kbps, {:+.1} %), {} bytes",
                (kbps / t as f64 - 1.0) * 100.0,
                self.bytes
            ),
            None => eprintln!("bitrate {kbps:.0} kbps, {} bytes", self.bytes),
        }
        eprintln!("keyframes {}", self.keyframes);
        if self.psnr_n > 0 {
            let n = self.psnr_n as f64;
            eprintln!(
                "PSNR Y {:.2} dB, U {:.2} dB, V {:.2} dB",
                self.psnr_sum[0] / n,
                self.psnr_sum[1] / n,
                self.psnr_sum[2] / n
            );
        }
        if let Some(note) = &self.note {
            eprintln!("rate control: {note}");
        }
        eprintln!("play it: ffplay {out}");
    }
}

/// Receives packets: writes the stream, the recon, the CSV; collects the plot points.
struct Sink {
    out: std::io::BufWriter<std::fs::File>,
    recon: Option<(std::io::BufWriter<std::fs::File>, bool)>,
    csv: Option<std::io::BufWriter<std::fs::File>>,
    points: Vec<plot::Point>,
    sum: Summary,
    out_path: String,
}

impl Sink {
    fn take(&mut self, p: Packet) -> Result<(), String> {
        let werr = |e: std::io::Error| format!("writing {}: {e}", self.out_path);
        self.out.write_all(&p.data).map_err(werr)?;
        self.sum.frames += 1;
        self.sum.bytes += p.data.len() as u64;
        if p.is_keyframe() {
            self.sum.keyframes += 1;
        }
        if let Some(ps) = p.psnr {
            for (s, v) in self.sum.psnr_sum.iter_mut().zip(ps) {
                *s += v;
            }
            self.sum.psnr_n += 1;
        }
        if let (Some((w, y4m)), Some(r)) = (&mut self.recon, &p.recon) {
            if *y4m {
                w.write_all(b"FRAME\n").map_err(|e| e.to_string())?;
            }
            for plane in [&r.y, &r.u, &r.v] {
                w.write_all(plane).map_err(|e| e.to_string())?;
            }
        }
        let ty = match p.frame_type {
            venc::api::FrameType::Idr => "IDR",
            venc::api::FrameType::I => "I",
            venc::api::FrameType::P => "P",
        };
        if let Some(c) = &mut self.csv {
            let ps = p
                .psnr
                .map(|v| format!("{:.3},{:.3},{:.3}", v[0], v[1], v[2]))
                .unwrap_or_else(|| ",,".into());
            writeln!(
                c,
                "{},{},{},{},{},{}",
                p.frame_num,
                ty,
                p.data.len(),
                p.data.len() * 8,
                p.qp,
                ps
            )
            .map_err(|e| e.to_string())?;
        }
        self.points.push(plot::Point {
            bits: p.data.len() as f64 * 8.0,
            qp: p.qp,
            key: p.is_keyframe(),
        });
        Ok(())
    }
}

fn create(path: &str, what: &str) -> std::io::BufWriter<std::fs::File> {
    std::io::BufWriter::new(
        std::fs::File::create(path)
            .unwrap_or_else(|e| die(1, format!("cannot write {what} {path}: {e}"))),
    )
}

/// Encodes frames from `next` with `cfg`; everything around the library calls is I/O.
fn encode(
    cfg: EncoderConfig,
    total: Option<u64>,
    mut next: impl FnMut() -> Result<Option<Vec<u8>>, String>,
    o: &Opts,
    out_path: &str,
) -> Result<Summary, String> {
    let (w, h) = (cfg.width, cfg.height);
    let fps = cfg.fps_num as f64 / cfg.fps_den as f64;
    let target = cfg.rc_mode.targets_bitrate().then_some(cfg.bitrate_kbps);
    let codec = cfg.codec;
    let enc = Encoder::open(cfg).map_err(|e| e.to_string())?;
    let mut sink = Sink {
        out: create(out_path, "output"),
        recon: o.recon.as_ref().map(|p| {
            let y4m = p.ends_with(".y4m");
            let mut f = create(p, "reconstruction");
            if y4m {
                let _ = writeln!(
                    f,
                    "YUV4MPEG2 W{w} H{h} F{}:{} Ip A1:1 C420jpeg",
                    enc.config().fps_num,
                    enc.config().fps_den
                );
            }
            (f, y4m)
        }),
        csv: o.csv.as_ref().map(|p| {
            let mut f = create(p, "CSV");
            let _ = writeln!(f, "frame,type,bytes,bits,qp,psnr_y,psnr_u,psnr_v");
            f
        }),
        points: Vec::new(),
        sum: Summary {
            frames: 0,
            secs: 0.0,
            bytes: 0,
            keyframes: 0,
            psnr_sum: [0.0; 3],
            psnr_n: 0,
            target_kbps: target,
            fps,
            note: None,
        },
        out_path: out_path.to_string(),
    };
    let progress = !o.quiet && is_tty();
    let t0 = Instant::now();
    let mut last_draw = Instant::now();
    let mut sent = 0i64;
    let draw = |sink: &Sink, done: bool| {
        let el = t0.elapsed().as_secs_f64();
        let f = sink.sum.frames;
        let kbps = if f > 0 {
            sink.sum.bytes as f64 * 8.0 * fps / f as f64 / 1000.0
        } else {
            0.0
        };
        let eta = match total {
            Some(t) if f > 0 && t > f => format!(", ETA {:.0} s", el / f as f64 * (t - f) as f64),
            _ => String::new(),
        };
        let of = total.map(|t| format!("/{t}")).unwrap_or_default();
        eprint!(
            "\r{f}{of} frames, {:.1} fps, {kbps:.0} kbps{eta}   {}",
            f as f64 / el.max(1e-9),
            if done { "\n" } else { "" }
        );
    };
    while let Some(frame) = next()? {
        loop {
            match enc
                .send_packed(&frame, sent, 20)
                .map_err(|e| e.to_string())?
            {
                Poll::Ready(()) => break,
                _ => {
                    if let Poll::Ready(p) = enc.get(20).map_err(|e| e.to_string())? {
                        sink.take(p)?;
                    }
                }
            }
        }
        sent += 1;
        while let Poll::Ready(p) = enc.get(0).map_err(|e| e.to_string())? {
            sink.take(p)?;
        }
        if progress && last_draw.elapsed().as_millis() > 200 {
            draw(&sink, false);
            last_draw = Instant::now();
        }
    }
    enc.flush().map_err(|e| e.to_string())?;
    loop {
        match enc.get(-1).map_err(|e| e.to_string())? {
            Poll::Ready(p) => sink.take(p)?,
            Poll::Eof => break,
            Poll::Again => {}
        }
    }
    if progress {
        draw(&sink, true);
    }
    sink.sum.secs = t0.elapsed().as_secs_f64();
    sink.sum.note = enc.stats().ok().and_then(|s| s.rc_note);
    sink.out
        .flush()
        .map_err(|e| format!("writing {out_path}: {e}"))?;
    if let Some((r, _)) = &mut sink.recon {
        r.flush().map_err(|e| e.to_string())?;
    }
    if let Some(c) = &mut sink.csv {
        c.flush().map_err(|e| e.to_string())?;
    }
    if let Some(p) = &o.plot {
        let title = format!(
            "{} {}x{}: frame sizes and {}",
            codec.name(),
            w,
            h,
            if codec == CodecId::Mjpeg {
                "quality"
            } else {
                "QP"
            }
        );
        let tb = target.map(|k| k as f64 * 1000.0 / fps);
        let label = if codec == CodecId::Mjpeg {
            "quality"
        } else {
            "QP"
        };
        std::fs::write(p, plot::svg(&title, &sink.points, tb, label))
            .map_err(|e| format!("cannot write plot {p}: {e}"))?;
    }
    Ok(sink.sum)
}

fn config_for(codec: CodecId, w: u32, h: u32, fps: (u32, u32), o: &Opts) -> EncoderConfig {
    let mut c = EncoderConfig::new(codec, w, h);
    (c.fps_num, c.fps_den) = fps;
    if let Some(b) = o.bitrate {
        c.bitrate_kbps = b;
    }
    if let Some(r) = o.rc {
        c.rc_mode = r;
    } else if o.qp.is_some() && codec == CodecId::H265 {
        c.rc_mode = RcMode::FixedQp;
    } else if o.quality.is_some() && codec == CodecId::Mjpeg {
        c.rc_mode = RcMode::ConstQuality;
    }
    if let Some(q) = o.qp {
        c.qp = q;
    }
    if let Some(q) = o.quality {
        c.quality = q;
    }
    if let Some(k) = o.keyint {
        c.intra_period = k;
    }
    // Real-time defaults, as enc_open_simple: the fastest preset on every core available.
    c.threads = o.threads.unwrap_or(0);
    c.preset = o.preset.unwrap_or(Preset::Ultrafast);
    if o.psnr {
        c.flags |= flags::PSNR;
    }
    if o.recon.is_some() {
        c.flags |= flags::RECON;
    }
    if o.md5 {
        c.flags |= flags::MD5_SEI;
    }
    c
}

fn run_file(o: Opts) {
    let input = o
        .input
        .clone()
        .unwrap_or_else(|| die(2, "no input (see venc --help)"));
    let output = o
        .output
        .clone()
        .unwrap_or_else(|| die(2, "no output: give -o FILE.h265 or -o FILE.mjpeg"));
    let codec = o
        .codec
        .or_else(|| codec_from_ext(&output))
        .unwrap_or_else(|| {
            die(
                2,
                format!(
                    "cannot tell the codec from '{output}': use .h265/.hevc or .mjpeg, or --codec"
                ),
            )
        });
    let is_y4m = input.to_ascii_lowercase().ends_with(".y4m") || (input == "-" && o.size.is_none());
    let raw = if is_y4m {
        None
    } else {
        let (w, h) = o.size.unwrap_or_else(|| {
            die(
                2,
                format!("raw input {input} needs --size WxH (or give a .y4m)"),
            )
        });
        let layout = match o.layout.as_deref() {
            Some("nv12") => y4m::Layout::Nv12,
            Some("i420") | Some("yuv420p") => y4m::Layout::I420,
            Some(other) => die(2, format!("--input-format is nv12 or i420, not '{other}'")),
            None if input.to_ascii_lowercase().ends_with(".nv12") => y4m::Layout::Nv12,
            None => y4m::Layout::I420,
        };
        Some((w, h, layout))
    };
    let mut inp = y4m::Input::open(&input, raw).unwrap_or_else(|e| die(1, e));
    let fps = o.fps.or(inp.fps).unwrap_or((30, 1));
    let cfg = config_for(codec, inp.width, inp.height, fps, &o);
    if let Err(e) = cfg.validate() {
        die(1, e);
    }
    if o.seek > 0 {
        let n = inp.skip(o.seek).unwrap_or_else(|e| die(1, e));
        if n < o.seek {
            die(
                1,
                format!("--seek {}: the input has only {n} frames", o.seek),
            );
        }
    }
    let limit = o.frames;
    let mut count = 0u64;
    let mut warning = None;
    let next = || -> Result<Option<Vec<u8>>, String> {
        if limit.is_some_and(|l| count >= l) {
            return Ok(None);
        }
        match inp.next()? {
            y4m::Frame::Whole(f) => {
                count += 1;
                Ok(Some(f))
            }
            y4m::Frame::Truncated(got, need) => {
                warning = Some(format!(
                    "input ended inside frame {}: {got} of {need} bytes; dropped it",
                    count + o.seek
                ));
                Ok(None)
            }
            y4m::Frame::End => Ok(None),
        }
    };
    let sum = encode(cfg, limit, next, &o, &output).unwrap_or_else(|e| die(1, e));
    if let Some(w) = warning {
        eprintln!("venc: warning: {w}");
    }
    if !o.quiet {
        sum.print(&output, codec);
    }
}

/// The built-in default: a generated moving scene (a pan across a detailed pattern, moving
/// objects, a scene change halfway), encoded to H.265 and MJPEG.
fn run_demo(o: Opts) {
    let dir = o.output.clone().unwrap_or_else(|| ".".into());
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(1, format!("cannot create {dir}: {e}")));
    let (w, h, n) = (640u32, 360u32, o.frames.unwrap_or(60));
    let mut ok = 0;
    for (codec, name) in [(CodecId::H265, "demo.h265"), (CodecId::Mjpeg, "demo.mjpeg")] {
        let path = format!("{}/{name}", dir.trim_end_matches('/'));
        let mut cfg = config_for(codec, w, h, (30, 1), &o);
        if o.bitrate.is_none() {
            cfg.bitrate_kbps = if codec == CodecId::Mjpeg { 12000 } else { 1500 };
        }
        cfg.flags |= flags::PSNR;
        let mut t = 0u64;
        let next = || -> Result<Option<Vec<u8>>, String> {
            if t >= n {
                return Ok(None);
            }
            t += 1;
            Ok(Some(demo_frame(
                w as usize,
                h as usize,
                t as usize - 1,
                n as usize,
            )))
        };
        match encode(cfg, Some(n), next, &o, &path) {
            Ok(sum) => {
                ok += 1;
                sum.print(&path, codec);
                eprintln!();
            }
            Err(e) => eprintln!("venc: {}: {e}; skipping {path}", codec.name()),
        }
    }
    if ok == 0 {
        die(1, "no codec could encode the demo");
    }
}

/// One frame of the demo scene.
fn demo_frame(w: usize, h: usize, t: usize, n: usize) -> Vec<u8> {
    let mut f = vec![0u8; w * h * 3 / 2];
    let second_scene = t >= n / 2;
    let pan = t * 3;
    for y in 0..h {
        for x in 0..w {
            let (u, v) = (x + pan, y);
            let base = if !second_scene {
                // detailed pattern: rings plus fine checker, panning left
                let d = ((u as f64 - 400.0).hypot(v as f64 - 180.0) / 6.0).sin();
                (128.0 + 70.0 * d) as i32 + if (u / 4 + v / 4) % 2 == 0 { 20 } else { -20 }
            } else {
                // scene change: diagonal stripes with text-like blocks
                let s = ((u + 2 * v) / 12) % 2;
                let txt = (v % 24 < 12) && ((u / 6) % 3 != 0) && (v / 24) % 2 == 0;
                (if s == 0 { 70 } else { 170 }) + if txt { 60 } else { 0 }
            };
            // a moving ball and a moving bar
            let (bx, by) = (
                (t * 7) % w,
                h / 2 + ((t as f64 / 6.0).sin() * 80.0) as usize,
            );
            let ball = (x as i64 - bx as i64).pow(2) + (y as i64 - by as i64).pow(2) < 900;
            let bar = y >= (t * 4) % h && y < (t * 4) % h + 16;
            f[y * w + x] = if ball {
                235
            } else if bar {
                30
            } else {
                base.clamp(16, 235) as u8
            };
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            let i = w * h + y * w + 2 * x;
            f[i] = (128 + ((x + t) % 64) as i32 - 32) as u8;
            f[i + 1] = (128 + if second_scene { 40 } else { -30 } + (y % 32) as i32 - 16) as u8;
        }
    }
    f
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprint!("{USAGE}");
        std::process::exit(2);
    }
    if args[0] == "demo" {
        run_demo(parse_args(&args[1..]));
    } else {
        run_file(parse_args(&args));
    }
}
