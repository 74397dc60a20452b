//! Posters: a phone-sized PNG to post where links are not clickable (WeChat Moments),
//! with the title, when and where, seats, the community's name and a QR code to the page
//! carrying the sharer's referral. Drawn from SVG (`svg`, pure) by resvg with the font
//! subset in `assets/fonts` (`scripts/font-subset.py`), so a fresh machine needs no font.
//! Rendered posters are kept by the digest of their SVG: an unchanged event is a cache
//! hit, a changed one (title, time, seats) is a different SVG and so a new poster.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

pub const WIDTH: u32 = 750;
pub const HEIGHT: u32 = 1334;
const FONT: &[u8] = include_bytes!("../../assets/fonts/poster-sc.otf");
const FONT_FAMILY: &str = "Noto Sans CJK SC";
const MARGIN: f32 = 56.0;
const TITLE_SIZE: f32 = 56.0;
const TITLE_LINES: usize = 3;
const QR_SIDE: f32 = 300.0;

/// What a poster says, already in the sharer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosterText {
    /// The community's name, on the band at the top.
    pub community: String,
    /// "官方见面会", "同城活动", "米粉节", "米粉".
    pub kind: String,
    pub title: String,
    /// Up to four lines: when, where, seats.
    pub lines: Vec<String>,
    /// Under the QR code.
    pub call: String,
    /// What the QR code opens (with the sharer's referral).
    pub url: String,
}

/// Text as SVG takes it: escaped like HTML; what XML does not allow (control
/// characters, U+FFFE, U+FFFF) as spaces, so no title can break the drawing.
fn escape(text: &str) -> String {
    crate::text::escape(&text.chars().map(|c| if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') { ' ' } else { c }).collect::<String>())
}

/// The width of `c` in ems, near enough to break lines (CJK is square, Latin narrower).
fn em_width(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c.is_ascii_digit() { 0.62 } else { 0.5 }
    } else {
        1.0
    }
}

/// `text` broken into lines of at most `width` pixels at `size`; at most `max` lines,
/// the last ending in "…" when the text goes on.
pub fn wrap(text: &str, size: f32, width: f32, max: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0.0;
    for c in text.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        let w = em_width(c) * size;
        if used + w > width {
            if lines.len() == max {
                let last = lines.last_mut().expect("one line at least");
                last.pop();
                last.push('…');
                return lines;
            }
            lines.push(String::new());
            used = 0.0;
            if c == ' ' {
                continue;
            }
        }
        lines.last_mut().expect("one line at least").push(c);
        used += w;
    }
    lines
}

/// The QR code of `url` as one SVG path in a `side`-pixel square at (x, y).
fn qr_code(url: &str, x: f32, y: f32, side: f32) -> String {
    let Some((width, modules)) = crate::email::qr::encode(url.as_bytes()) else { return String::new() };
    let module = side / (width + 8) as f32; // a quiet zone of four modules each side
    let mut path = String::new();
    for (i, colour) in modules.iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    format!(
        r##"<rect x="{x}" y="{y}" width="{side}" height="{side}" rx="16" fill="#ffffff"/><path transform="translate({x} {y}) scale({module})" fill="#111111" shape-rendering="crispEdges" d="{path}"/>"##
    )
}

/// The poster as SVG.
pub fn svg(p: &PosterText) -> String {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}"><rect width="{w}" height="{h}" fill="#fff7f0"/><rect width="{w}" height="170" fill="#ff6900"/><text x="{MARGIN}" y="112" font-size="52" fill="#ffffff">{}</text><text x="{MARGIN}" y="262" font-size="30" fill="#ff6900">{}</text>"##,
        escape(&p.community),
        escape(&p.kind)
    );
    let mut y = 350.0;
    for line in wrap(&p.title, TITLE_SIZE, w - 2.0 * MARGIN, TITLE_LINES) {
        out.push_str(&format!(r##"<text x="{MARGIN}" y="{y}" font-size="{TITLE_SIZE}" fill="#1a1a1a">{}</text>"##, escape(&line)));
        y += TITLE_SIZE * 1.3;
    }
    y += 30.0;
    out.push_str(&format!(r##"<rect x="{MARGIN}" y="{}" width="80" height="6" fill="#ff6900"/>"##, y - 56.0));
    for line in p.lines.iter().take(4) {
        for part in wrap(line, 32.0, w - 2.0 * MARGIN, 2) {
            out.push_str(&format!(r##"<text x="{MARGIN}" y="{y}" font-size="32" fill="#444444">{}</text>"##, escape(&part)));
            y += 48.0;
        }
    }
    let qr_y = h - QR_SIDE - 170.0;
    out.push_str(&qr_code(&p.url, (w - QR_SIDE) / 2.0, qr_y, QR_SIDE));
    out.push_str(&format!(
        r##"<text x="{}" y="{}" font-size="28" fill="#666666" text-anchor="middle">{}</text></svg>"##,
        w / 2.0,
        qr_y + QR_SIDE + 64.0,
        escape(&p.call)
    ));
    out
}

static FONTS: LazyLock<Arc<resvg::usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_font_data(FONT.to_vec());
    Arc::new(fonts)
});

/// A poster ready to draw: its SVG, and the digest naming it (the ETag) — known before
/// drawing, so a browser that has it is answered without drawing anything.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub svg: String,
    pub title: String,
    pub digest: String,
}

pub fn prepare(p: &PosterText) -> Prepared {
    let svg = svg(p);
    Prepared { digest: crate::infra::secrets::digest(&svg), svg, title: p.title.clone() }
}

/// Posters drawn, by digest, with when each was last wanted: the least recently wanted
/// goes when full.
static DRAWN: LazyLock<Mutex<HashMap<String, (Arc<Vec<u8>>, u64)>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static TICK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
const KEPT: usize = 512;

/// The kept PNG of this poster, if it was drawn before.
pub fn kept(prepared: &Prepared) -> Option<Arc<Vec<u8>>> {
    let tick = TICK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut drawn = DRAWN.lock().unwrap_or_else(|e| e.into_inner());
    let entry = drawn.get_mut(&prepared.digest)?;
    entry.1 = tick;
    metrics::counter!("tongcheng_posters_total", "cache" => "hit").increment(1);
    Some(entry.0.clone())
}

/// Draws the poster (CPU-bound: call it off the async workers) and keeps it.
pub fn draw(prepared: &Prepared) -> Result<Arc<Vec<u8>>, String> {
    let png = Arc::new(render(&prepared.svg, &prepared.title)?);
    metrics::counter!("tongcheng_posters_total", "cache" => "miss").increment(1);
    let tick = TICK.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut drawn = DRAWN.lock().unwrap_or_else(|e| e.into_inner());
    if drawn.len() >= KEPT {
        if let Some(oldest) = drawn.iter().min_by_key(|(_, (_, used))| *used).map(|(digest, _)| digest.clone()) {
            drawn.remove(&oldest);
        }
    }
    drawn.insert(prepared.digest.clone(), (png.clone(), tick));
    Ok(png)
}

/// Draws `svg` as an opaque RGB PNG whose `Title` text chunk is `title`.
pub fn render(svg: &str, title: &str) -> Result<Vec<u8>, String> {
    let options = resvg::usvg::Options { fontdb: FONTS.clone(), font_family: FONT_FAMILY.into(), ..Default::default() };
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| format!("poster SVG: {e}"))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(WIDTH, HEIGHT).ok_or("poster size")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    // Opaque, so premultiplied is plain RGB: drop alpha, a quarter less to compress.
    let rgb: Vec<u8> = pixmap.data().chunks_exact(4).flat_map(|px| [px[0], px[1], px[2]]).collect();
    let mut out = Vec::with_capacity(96 * 1024);
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.add_itxt_chunk("Title".into(), title.to_string()).map_err(|e| e.to_string())?;
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poster(title: &str) -> PosterText {
        PosterText {
            community: "同城会".into(),
            kind: "官方见面会".into(),
            title: title.into(),
            lines: vec!["12月20日 周六 14:00".into(), "北京 · 小米科技园".into(), "剩余 12 个名额".into()],
            call: "长按识别二维码，一起来".into(),
            url: "https://tongcheng.example/meetups/7?ref=abcdefghjk".into(),
        }
    }

    #[test]
    fn long_titles_wrap_and_end_in_an_ellipsis() {
        assert_eq!(wrap("小米见面会", 56.0, 640.0, 3), vec!["小米见面会"]);
        let lines = wrap(&"米".repeat(60), 56.0, 640.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert!(lines.iter().all(|l| l.chars().count() <= 11));
    }

    #[test]
    fn every_text_is_escaped() {
        let svg = svg(&poster("<script>alert(1)</script> & \"x\""));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;") && svg.contains("&amp;") && svg.contains("&quot;x&quot;"));
    }

    #[test]
    fn the_poster_is_a_phone_sized_png_and_the_same_poster_is_drawn_once() {
        let title = format!("缓存测试 {}", std::process::id());
        let first = prepare(&poster(&title));
        assert!(kept(&first).is_none(), "not drawn yet");
        let png = draw(&first).expect("drawn");
        let again = prepare(&poster(&title));
        assert_eq!(again.digest, first.digest, "the same poster, the same name");
        assert!(kept(&again).is_some_and(|k| Arc::ptr_eq(&k, &png)), "the second is the kept one");
        assert_ne!(prepare(&poster(&format!("{title}!"))).digest, first.digest, "a change is a new poster");
        let info = png::Decoder::new(std::io::Cursor::new(png.as_slice())).read_info().expect("a PNG");
        assert_eq!((info.info().width, info.info().height), (WIDTH, HEIGHT));
        assert!(png.len() < 150 * 1024, "{} bytes", png.len());
    }

    #[test]
    fn characters_xml_refuses_are_drawn_as_spaces() {
        for odd in ["\u{FFFE}", "\u{FFFF}", "\u{0}", "\u{1b}[31m", "\u{7f}"] {
            let p = prepare(&poster(&format!("标题{odd}标题")));
            assert!(render(&p.svg, &p.title).is_ok(), "{odd:?}");
        }
    }
}
