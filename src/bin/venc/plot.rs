//! --plot: a self-contained SVG of per-frame size against the target, with QP/quality.

use std::fmt::Write;

pub struct Point {
    pub bits: f64,
    pub qp: i32,
    pub key: bool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn svg(title: &str, points: &[Point], target_bits: Option<f64>, qp_label: &str) -> String {
    let (w, h) = (960.0, 420.0);
    let (l, r, t, b) = (70.0, 60.0, 40.0, 50.0);
    let pw = w - l - r;
    let ph = h - t - b;
    let n = points.len().max(1);
    let max_kb = points
        .iter()
        .map(|p| p.bits / 1000.0)
        .chain(target_bits.map(|x| x / 1000.0))
        .fold(1.0f64, f64::max)
        * 1.1;
    let (qmin, qmax) = points
        .iter()
        .fold((i32::MAX, i32::MIN), |(a, c), p| (a.min(p.qp), c.max(p.qp)));
    let (qmin, qmax) = if qmin > qmax {
        (0, 1)
    } else if qmin == qmax {
        (qmin - 1, qmax + 1)
    } else {
        (qmin, qmax)
    };
    let x = |i: usize| l + pw * (i as f64 + 0.5) / n as f64;
    let y = |kb: f64| t + ph * (1.0 - kb / max_kb);
    let yq = |q: i32| t + ph * (1.0 - (q - qmin) as f64 / (qmax - qmin) as f64);
    let bw = (pw / n as f64 * 0.8).max(0.5);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
        w / 2.0,
        esc(title)
    );
    // grid and left axis (kbits)
    for i in 0..=5 {
        let kb = max_kb * i as f64 / 5.0;
        let yy = y(kb);
        let _ = writeln!(
            s,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#e0e0e0"/>"##,
            w - r
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{kb:.0}</text>"#,
            l - 6.0,
            yy + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">kbits per frame</text>"#,
        t + ph / 2.0,
        t + ph / 2.0
    );
    // bars
    for (i, p) in points.iter().enumerate() {
        let color = if p.key { "#d95f02" } else { "#1b9e77" };
        let top = y(p.bits / 1000.0);
        let _ = writeln!(
            s,
            r#"<rect x="{:.2}" y="{top:.2}" width="{bw:.2}" height="{:.2}" fill="{color}"/>"#,
            x(i) - bw / 2.0,
            t + ph - top
        );
    }
    // target line
    if let Some(tb) = target_bits {
        let yy = y(tb / 1000.0);
        let _ = writeln!(
            s,
            r##"<line x1="{l}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4"/>"##,
            w - r
        );
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{:.1}" fill="#d62728">target {:.0} kbits</text>"##,
            l + 6.0,
            yy - 5.0,
            tb / 1000.0
        );
    }
    // QP / quality line on the right axis
    let mut d = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            d,
            "{}{:.1},{:.1} ",
            if i == 0 { "M" } else { "L" },
            x(i),
            yq(p.qp)
        );
    }
    let _ = writeln!(
        s,
        r##"<path d="{d}" fill="none" stroke="#7570b3" stroke-width="1.5"/>"##
    );
    for i in 0..=4 {
        let q = qmin + (qmax - qmin) * i / 4;
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{:.1}" fill="#7570b3">{q}</text>"##,
            w - r + 6.0,
            yq(q) + 4.0
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" transform="rotate(90 {} {})" text-anchor="middle" fill="#7570b3">{}</text>"##,
        w - 12.0,
        t + ph / 2.0,
        w - 12.0,
        t + ph / 2.0,
        esc(qp_label)
    );
    // x axis
    let _ = writeln!(
        s,
        r##"<line x1="{l}" y1="{}" x2="{}" y2="{}" stroke="#333333"/>"##,
        t + ph,
        w - r,
        t + ph
    );
    let step = (n / 10).max(1);
    for i in (0..n).step_by(step) {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{i}</text>"#,
            x(i),
            t + ph + 16.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">frame (orange = keyframe)</text>"#,
        l + pw / 2.0,
        h - 10.0
    );
    s.push_str("</svg>\n");
    s
}
