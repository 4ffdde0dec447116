//! Server-rendered SVG charts: a trend line, horizontal bars and a heatmap.
//!
//! Each chart is a finished `<svg>` string with `role="img"`, a `<title>` and a `<desc>`, axis
//! labels and the value written beside every mark, so it reads without JavaScript, prints, and does
//! not depend on colour alone. Colours come from the Okabe–Ito palette (lines and bars) and
//! ColorBrewer YlGnBu (heatmaps), both distinguishable with the common colour-vision deficiencies. The
//! page's CSP forbids inline styles, so only presentation attributes are used. Every label may hold
//! user text and is escaped here; the templates insert the result with `|safe`.

use std::fmt::Write;

/// Okabe–Ito blue: the trainee's own figures.
pub const BLUE: &str = "#0072B2";
/// Okabe–Ito orange: a comparison series (the reference classifier, a threshold).
pub const ORANGE: &str = "#E69F00";
/// Okabe–Ito vermillion: below a threshold.
pub const VERMILLION: &str = "#D55E00";
const INK: &str = "#1d2433";
const GRID: &str = "#d9dee7";
const FONT: &str = "system-ui, sans-serif";

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// Cuts a label to `max` characters, with an ellipsis when it was longer.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// A linear map from a data interval onto a pixel interval (either may be reversed).
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    /// The pixel of a value; values outside the domain are clamped to it.
    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return r0;
        }
        let t = ((v - d0) / (d1 - d0)).clamp(0.0, 1.0);
        r0 + t * (r1 - r0)
    }
}

/// ColorBrewer YlGnBu, nine classes: a sequential ramp from pale yellow to dark blue that stays
/// ordered in lightness for the common colour-vision deficiencies and in greyscale print.
const YLGNBU: [(u8, u8, u8); 9] = [
    (0xff, 0xff, 0xd9),
    (0xed, 0xf8, 0xb1),
    (0xc7, 0xe9, 0xb4),
    (0x7f, 0xcd, 0xbb),
    (0x41, 0xb6, 0xc4),
    (0x1d, 0x91, 0xc0),
    (0x22, 0x5e, 0xa8),
    (0x25, 0x34, 0x94),
    (0x08, 0x1d, 0x58),
];

/// A sequential colour for a share in [0, 1]: 0 is a neutral near-white (no answers), then YlGnBu
/// from pale (few) to dark (many), so darker means more, as readers expect of a heatmap.
pub fn sequential(share: f64) -> String {
    if share <= 0.0 {
        return "#f7f8fa".to_string();
    }
    let t = share.clamp(0.0, 1.0);
    let pos = t * (YLGNBU.len() - 1) as f64;
    let i = (pos.floor() as usize).min(YLGNBU.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (YLGNBU[i], YLGNBU[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Black or white text, whichever reads better on a `#rrggbb` background (WCAG relative luminance).
pub fn text_on(background: &str) -> &'static str {
    let hex = background.trim_start_matches('#');
    let channel = |i: usize| {
        let v = u8::from_str_radix(hex.get(i..i + 2).unwrap_or("ff"), 16).unwrap_or(255);
        let c = f64::from(v) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    // Contrast with black (l + 0.05) / 0.05 against with white 1.05 / (l + 0.05).
    if (l + 0.05) * (l + 0.05) > 0.0525 {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// A percentage for a chart label: `87%`, or `87.5%` when a decimal matters.
pub fn percent_label(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{:.0}%", p)
    } else {
        format!("{:.1}%", p)
    }
}

fn open_svg(out: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let id = escape(id);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}" font-size="12" fill="{INK}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, extra: &str, content: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}"{extra}>{}</text>"#,
        escape(content)
    );
}

/// One point of a trend: a label on the x axis (a week), a share in [0, 1] or None (no data), and
/// the number of answers behind it.
#[derive(Clone, Debug)]
pub struct TrendPoint {
    pub label: String,
    pub value: Option<f64>,
    pub n: i64,
}

/// Text for a trend chart.
pub struct TrendText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// "{n} answers" style note under each point; `{n}` is replaced.
    pub n_note: &'a str,
}

/// A line of shares over time, 0–100% on the y axis, with the value and the count at every point.
/// Points without data break the line.
pub fn trend_line(points: &[TrendPoint], text_of: &TrendText<'_>) -> String {
    let (left, right, top, bottom) = (56.0, 20.0, 16.0, 64.0);
    let step = 64.0_f64;
    let width = (left + right + step * points.len().max(1) as f64).max(320.0);
    let height = 260.0;
    let y = Scale::new((0.0, 1.0), (height - bottom, top));
    let x = |i: usize| left + step * (i as f64 + 0.5);
    let mut out = String::new();
    open_svg(
        &mut out,
        text_of.id,
        width,
        height,
        text_of.title,
        text_of.desc,
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let py = y.map(tick);
        let _ = write!(
            out,
            r#"<line x1="{left:.1}" x2="{:.1}" y1="{py:.1}" y2="{py:.1}" stroke="{GRID}" stroke-width="1"/>"#,
            width - right
        );
        text(
            &mut out,
            left - 6.0,
            py + 4.0,
            "end",
            "",
            &percent_label(tick),
        );
    }
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut segments = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => segment.push((x(i), y.map(v))),
            None => segments.push(std::mem::take(&mut segment)),
        }
    }
    segments.push(segment);
    for s in segments.iter().filter(|s| s.len() > 1) {
        let pts: Vec<String> = s.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{BLUE}" stroke-width="2.5"/>"#,
            pts.join(" ")
        );
    }
    for (i, p) in points.iter().enumerate() {
        let px = x(i);
        text(&mut out, px, height - bottom + 16.0, "middle", "", &p.label);
        text(
            &mut out,
            px,
            height - bottom + 30.0,
            "middle",
            r##" font-size="10" fill="#5b6578""##,
            &text_of.n_note.replace("{n}", &p.n.to_string()),
        );
        if let Some(v) = p.value {
            let py = y.map(v);
            let _ = write!(
                out,
                r##"<circle cx="{px:.1}" cy="{py:.1}" r="4" fill="{BLUE}" stroke="#ffffff" stroke-width="1.5"/>"##
            );
            let label_y = if py < top + 14.0 { py + 16.0 } else { py - 8.0 };
            text(
                &mut out,
                px,
                label_y,
                "middle",
                r#" font-weight="600""#,
                &percent_label(v),
            );
        }
    }
    text(
        &mut out,
        left + (width - left - right) / 2.0,
        height - 6.0,
        "middle",
        "",
        text_of.x_label,
    );
    let mid = (top + height - bottom) / 2.0;
    let _ = write!(
        out,
        r#"<text x="14" y="{mid:.1}" text-anchor="middle" transform="rotate(-90 14 {mid:.1})">{}</text>"#,
        escape(text_of.y_label)
    );
    out.push_str("</svg>");
    out
}

/// One bar: a label, a share in [0, 1], the figures written after it ("12 of 20") and an optional
/// link for the label.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub note: String,
    pub href: Option<String>,
    /// A second, comparison share drawn as a thin orange mark (e.g. the classifier's accuracy).
    pub compare: Option<f64>,
}

pub struct BarText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub x_label: &'a str,
}

/// Horizontal bars of shares, 0–100%. Bars under `threshold` are drawn in vermillion with a hatch
/// mark (so the difference does not rest on colour alone) and the threshold as a dashed line.
pub fn bar_chart(bars: &[Bar], threshold: Option<f64>, text_of: &BarText<'_>) -> String {
    let (label_w, right, top, row) = (190.0, 130.0, 12.0, 24.0);
    let plot_w = 300.0;
    let width = label_w + plot_w + right;
    let height = top + row * bars.len().max(1) as f64 + 44.0;
    let x = Scale::new((0.0, 1.0), (label_w, label_w + plot_w));
    let mut out = String::new();
    open_svg(
        &mut out,
        text_of.id,
        width,
        height,
        text_of.title,
        text_of.desc,
    );
    let axis_y = top + row * bars.len().max(1) as f64;
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let px = x.map(tick);
        let _ = write!(
            out,
            r#"<line x1="{px:.1}" x2="{px:.1}" y1="{top:.1}" y2="{axis_y:.1}" stroke="{GRID}" stroke-width="1"/>"#
        );
        text(
            &mut out,
            px,
            axis_y + 14.0,
            "middle",
            "",
            &percent_label(tick),
        );
    }
    for (i, b) in bars.iter().enumerate() {
        let y0 = top + row * i as f64;
        let below = threshold.is_some_and(|t| b.value < t);
        let colour = if below { VERMILLION } else { BLUE };
        let label = escape(&shorten(&b.label, 28));
        let label_y = y0 + row / 2.0 + 4.0;
        match &b.href {
            Some(href) => {
                let _ = write!(
                    out,
                    r#"<a href="{}"><text x="{:.1}" y="{label_y:.1}" text-anchor="end" fill="{BLUE}" text-decoration="underline">{label}</text></a>"#,
                    escape(href),
                    label_w - 8.0
                );
            }
            None => {
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{label_y:.1}" text-anchor="end">{label}</text>"#,
                    label_w - 8.0
                );
            }
        }
        let w = (x.map(b.value) - label_w).max(0.0);
        let _ = write!(
            out,
            r#"<rect x="{label_w:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{colour}"/>"#,
            y0 + 4.0,
            row - 8.0
        );
        if below {
            // A white diagonal stripe: "below" reads in greyscale too.
            let _ = write!(
                out,
                r##"<line x1="{label_w:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#ffffff" stroke-width="1.5"/>"##,
                y0 + row - 4.0,
                label_w + w,
                y0 + 4.0
            );
        }
        if let Some(c) = b.compare {
            let cx = x.map(c);
            let _ = write!(
                out,
                r#"<line x1="{cx:.1}" x2="{cx:.1}" y1="{:.1}" y2="{:.1}" stroke="{ORANGE}" stroke-width="3"/>"#,
                y0 + 1.0,
                y0 + row - 1.0
            );
        }
        text(
            &mut out,
            label_w + plot_w + 6.0,
            label_y,
            "start",
            "",
            &format!("{} {}", percent_label(b.value), b.note),
        );
    }
    if let Some(t) = threshold {
        let px = x.map(t);
        let _ = write!(
            out,
            r#"<line x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{axis_y:.1}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>"#,
            top - 6.0
        );
    }
    text(
        &mut out,
        label_w + plot_w / 2.0,
        height - 8.0,
        "middle",
        "",
        text_of.x_label,
    );
    out.push_str("</svg>");
    out
}

/// One heatmap cell: a count, the share that colours it, and an optional link.
#[derive(Clone, Debug)]
pub struct Cell {
    pub count: i64,
    pub share: f64,
    pub label: String,
    pub href: Option<String>,
}

pub struct HeatmapText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    pub row_axis: &'a str,
    pub col_axis: &'a str,
}

/// A matrix of cells: rows and columns named, each cell coloured by its share and labelled with its
/// text; cells with a link are clickable. Rows × columns must match `cells`.
pub fn heatmap(
    rows: &[String],
    cols: &[String],
    cells: &[Vec<Cell>],
    text_of: &HeatmapText<'_>,
) -> String {
    let (label_w, top_h, cell) = (170.0, 150.0, 40.0);
    // Room on the right for the last column's slanted label.
    let width = label_w + cell * cols.len() as f64 + 90.0;
    let height = top_h + cell * rows.len() as f64 + 12.0;
    let mut out = String::new();
    open_svg(
        &mut out,
        text_of.id,
        width,
        height,
        text_of.title,
        text_of.desc,
    );
    text(
        &mut out,
        8.0,
        16.0,
        "start",
        r#" font-weight="600""#,
        &format!("{} ↓  {} →", text_of.row_axis, text_of.col_axis),
    );
    for (j, c) in cols.iter().enumerate() {
        let cx = label_w + cell * (j as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text x="{cx:.1}" y="{:.1}" text-anchor="start" transform="rotate(-55 {cx:.1} {:.1})">{}</text>"#,
            top_h - 6.0,
            top_h - 6.0,
            escape(&shorten(c, 22))
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y0 = top_h + cell * i as f64;
        text(
            &mut out,
            label_w - 6.0,
            y0 + cell / 2.0 + 4.0,
            "end",
            "",
            &shorten(r, 24),
        );
        for (j, c) in cells
            .get(i)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let x0 = label_w + cell * j as f64;
            let fill = sequential(c.share);
            let ink = text_on(&fill);
            let diagonal = i == j;
            let mut body = format!(
                r#"<rect x="{x0:.1}" y="{y0:.1}" width="{cell:.1}" height="{cell:.1}" fill="{fill}" stroke="{}" stroke-width="{}"/>"#,
                if diagonal { INK } else { "#ffffff" },
                if diagonal { "1.5" } else { "1" }
            );
            if c.count > 0 {
                let _ = write!(
                    body,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{ink}">{}</text>"#,
                    x0 + cell / 2.0,
                    y0 + cell / 2.0 + 4.0,
                    escape(&c.label)
                );
            }
            match &c.href {
                Some(href) if c.count > 0 => {
                    let _ = write!(
                        out,
                        r#"<a href="{}"><title>{}</title>{body}</a>"#,
                        escape(href),
                        escape(&format!("{r} → {} : {}", cols[j], c.count))
                    );
                }
                _ => out.push_str(&body),
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_and_clamp() {
        let s = Scale::new((0.0, 1.0), (200.0, 10.0));
        assert_eq!(s.map(0.0), 200.0);
        assert_eq!(s.map(1.0), 10.0);
        assert_eq!(s.map(0.5), 105.0);
        assert_eq!(s.map(2.0), 10.0, "clamped");
        assert_eq!(s.map(-1.0), 200.0, "clamped");
        assert_eq!(Scale::new((3.0, 3.0), (0.0, 9.0)).map(3.0), 0.0);
    }

    #[test]
    fn labels_are_escaped_everywhere() {
        let evil = r#"<script>alert("x")</script> & 'q'"#;
        assert_eq!(
            escape(evil),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
        );
        assert_eq!(escape("a\u{1}b"), "ab");
        let bars = [Bar {
            label: evil.into(),
            value: 0.4,
            note: evil.into(),
            href: Some("/x?a=1&b=\"2\"".into()),
            compare: None,
        }];
        let svg = bar_chart(
            &bars,
            Some(0.8),
            &BarText {
                id: "b",
                title: evil,
                desc: evil,
                x_label: evil,
            },
        );
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("href=\"/x?a=1&amp;b=&quot;2&quot;\""));
        let points = [TrendPoint {
            label: evil.into(),
            value: Some(0.5),
            n: 3,
        }];
        let t = TrendText {
            id: "t",
            title: evil,
            desc: evil,
            x_label: evil,
            y_label: evil,
            n_note: "{n} answers",
        };
        assert!(!trend_line(&points, &t).contains("<script"));
        let h = heatmap(
            &[evil.into()],
            &[evil.into()],
            &[vec![Cell {
                count: 1,
                share: 1.0,
                label: evil.into(),
                href: Some("/c".into()),
            }]],
            &HeatmapText {
                id: "h",
                title: evil,
                desc: evil,
                row_axis: evil,
                col_axis: evil,
            },
        );
        assert!(!h.contains("<script"));
    }

    #[test]
    fn charts_are_accessible_svg() {
        let points = vec![
            TrendPoint {
                label: "W1".into(),
                value: Some(0.5),
                n: 10,
            },
            TrendPoint {
                label: "W2".into(),
                value: None,
                n: 0,
            },
            TrendPoint {
                label: "W3".into(),
                value: Some(0.75),
                n: 8,
            },
            TrendPoint {
                label: "W4".into(),
                value: Some(1.0),
                n: 4,
            },
        ];
        let svg = trend_line(
            &points,
            &TrendText {
                id: "trend",
                title: "Accuracy by week",
                desc: "Rising",
                x_label: "Week",
                y_label: "Accuracy",
                n_note: "{n} answers",
            },
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"<title id="trend-title">Accuracy by week</title>"#));
        assert!(svg.contains("<desc id=\"trend-desc\">Rising</desc>"));
        assert!(svg.contains(">50%<") && svg.contains(">75%<") && svg.contains(">100%<"));
        assert!(svg.contains(">8 answers<"));
        assert!(!svg.contains("style="), "CSP: no inline styles");
        // The gap at W2 breaks the line: only W3–W4 is a polyline.
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn bars_mark_values_below_the_threshold() {
        let bars = vec![
            Bar {
                label: "Good".into(),
                value: 0.9,
                note: "(9/10)".into(),
                href: None,
                compare: Some(0.7),
            },
            Bar {
                label: "Weak".into(),
                value: 0.5,
                note: "(5/10)".into(),
                href: None,
                compare: None,
            },
        ];
        let svg = bar_chart(
            &bars,
            Some(0.8),
            &BarText {
                id: "b",
                title: "t",
                desc: "d",
                x_label: "x",
            },
        );
        assert_eq!(svg.matches(VERMILLION).count(), 1);
        assert!(svg.contains(">90% (9/10)<") && svg.contains(">50% (5/10)<"));
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(ORANGE), "comparison mark");
    }

    #[test]
    fn sequential_colours_run_light_to_dark() {
        assert_eq!(sequential(0.0), "#f7f8fa");
        assert_eq!(sequential(1.0), "#081d58");
        assert_eq!(sequential(0.000_001), "#ffffd9");
        assert_eq!(sequential(0.5), "#41b6c4");
        assert_eq!(text_on("#081d58"), "#ffffff");
        assert_eq!(text_on("#ffffd9"), "#000000");
        assert_eq!(text_on("#f7f8fa"), "#000000");
        assert_eq!(percent_label(0.5), "50%");
        assert_eq!(percent_label(0.875), "87.5%");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }

    #[test]
    fn heatmap_cells_link_to_their_answers() {
        let svg = heatmap(
            &["a".into(), "b".into()],
            &["a".into(), "b".into()],
            &[
                vec![
                    Cell {
                        count: 3,
                        share: 0.75,
                        label: "3".into(),
                        href: Some("/c/a/a".into()),
                    },
                    Cell {
                        count: 1,
                        share: 0.25,
                        label: "1".into(),
                        href: Some("/c/a/b".into()),
                    },
                ],
                vec![
                    Cell {
                        count: 0,
                        share: 0.0,
                        label: "0".into(),
                        href: Some("/c/b/a".into()),
                    },
                    Cell {
                        count: 2,
                        share: 1.0,
                        label: "2".into(),
                        href: None,
                    },
                ],
            ],
            &HeatmapText {
                id: "h",
                title: "t",
                desc: "d",
                row_axis: "gold",
                col_axis: "given",
            },
        );
        assert_eq!(
            svg.matches("<a href=").count(),
            2,
            "empty cells link nowhere"
        );
        assert!(svg.contains(r#"href="/c/a/b""#));
        assert_eq!(svg.matches("<rect").count(), 4);
    }
}
