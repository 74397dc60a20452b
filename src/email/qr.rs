//! QR codes as `qrcode::QrCode::new` draws them, with its choice of mask made faster.
//! The crate tries all eight masks and keeps the one its penalty score likes best (the
//! standard's rule, which keeps codes easy to scan); scoring a mask there allocates a
//! closure for every position of every row, so one ticket's code took ~0.55 ms of a
//! core, 10 % of an app process's CPU while the first 500 fans' tickets went out in a
//! flash sale (BENCHMARKS.md, issue 29). `masked_best` gives the same score on a plain
//! grid: the same mask, the same code, module for module (see the tests).
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{bits, ec, Color, EcLevel};

/// The masks in the crate's order: of two with the same score the first is kept.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// A QR code of `data` at error correction M, the smallest version it fits: its width
/// in modules and its modules (row by row). `None` if the data is too long.
pub fn encode(data: &[u8]) -> Option<(usize, Vec<Color>)> {
    let ec_level = EcLevel::M;
    let bits = bits::encode_auto(data, ec_level).ok()?;
    let version = bits.version();
    let (encoded, error_correction) = ec::construct_codewords(&bits.into_bytes(), version, ec_level).ok()?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &error_correction);
    let width = usize::try_from(version.width()).ok()?;
    Some((width, masked_best(&canvas, width)))
}

/// The canvas under each mask; the modules of the one with the lowest penalty.
fn masked_best(canvas: &Canvas, width: usize) -> Vec<Color> {
    let mut best: Option<(u32, Vec<Color>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let modules = masked.into_colors();
        let dark: Vec<bool> = modules.iter().map(|c| *c == Color::Dark).collect();
        let score = penalty(width, &dark);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, modules));
        }
    }
    best.map(|(_, modules)| modules).unwrap_or_default()
}

/// The crate's penalty score of a masked code (`width`² modules, dark or not, row by
/// row): runs of five or more alike, 2×2 blocks alike, finder-like patterns, and the
/// balance of dark and light.
fn penalty(width: usize, dark: &[bool]) -> u32 {
    // Columns as rows of a transposed copy: every line is then a slice.
    let transposed: Vec<bool> = (0..width * width).map(|i| dark[(i % width) * width + i / width]).collect();
    let mut score = 0;
    for lines in [dark, &transposed] {
        for line in lines.chunks_exact(width) {
            score += runs(line) + finder_like(line);
        }
    }
    for (row, below) in dark.chunks_exact(width).zip(dark.chunks_exact(width).skip(1)) {
        for x in 0..width - 1 {
            let here = row[x];
            score += 3 * u32::from(row[x + 1] == here && below[x] == here && below[x + 1] == here);
        }
    }
    // The three finder patterns themselves match three times across and three down
    // (40 each); the crate leaves them out.
    let dark_modules = dark.iter().filter(|d| **d).count();
    let ratio = (dark_modules * 200 / dark.len().max(1)) as u32;
    score.saturating_sub(2 * 360) + ratio.abs_diff(100)
}

/// Five or more alike in a row score 3, and 1 more for each further module. (Without
/// branches: modules come at random, a branch per module would mostly be mispredicted.)
fn runs(line: &[bool]) -> u32 {
    let scored = |length: u32| u32::from(length >= 5) * length.wrapping_sub(2);
    let (mut score, mut length) = (0u32, 1u32);
    for pair in line.windows(2) {
        let same = u32::from(pair[0] == pair[1]);
        score = score.wrapping_add((1 - same).wrapping_mul(scored(length)));
        length = same * length + 1;
    }
    score + scored(length)
}

/// Dark, light, three dark, light, dark with four light (or the edge) on either side:
/// 40 each. A window of 15 modules slides along the line (bit 0 the newest): the
/// pattern in bits 4–10, the four before it in 11–14, the four after in 0–3.
fn finder_like(line: &[bool]) -> u32 {
    const PATTERN: u32 = 0b101_1101;
    let (mut window, mut score) = (0u32, 0u32);
    for (end, module) in line.iter().copied().chain([false; 4]).enumerate() {
        window = ((window << 1) | u32::from(module)) & 0x7FFF;
        let found = end >= 10 && (window >> 4) & 0x7F == PATTERN;
        let light_beside = (window >> 11) & 0xF == 0 || window & 0xF == 0;
        score += 40 * u32::from(found && light_beside);
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts of every length a ticket's, a meetup's or a poster's link may have, and some
    /// of other kinds (digits, upper-case letters, Chinese) that the crate encodes in
    /// other modes.
    fn texts() -> Vec<String> {
        let mut texts = Vec::new();
        for length in 1..=160 {
            let link: String = format!("https://tongcheng.example/staff/check-in?event={length}&code=K7QX-M2PA-9HVD&x=").chars().cycle().take(length).collect();
            texts.push(link);
            texts.push("0123456789".chars().cycle().take(length).collect());
            texts.push("TICKET K7QX-M2PA-9HVD ".chars().cycle().take(length).collect());
        }
        for event in [1, 42, 12_345, 9_876_543] {
            for code in ["K7QX-M2PA-9HVD", "ABCD-EFGH-JKLM", "2345-6789-WXYZ"] {
                texts.push(format!("http://127.0.0.1:43123/staff/check-in?event={event}&code={code}"));
            }
        }
        texts.push("米粉节 同城会 小米".into());
        texts
    }

    #[test]
    fn the_same_code_as_the_crate_module_for_module() {
        for text in texts() {
            let crate_code = qrcode::QrCode::new(text.as_bytes()).expect("fits");
            let (width, modules) = encode(text.as_bytes()).expect("fits");
            assert_eq!(width, crate_code.width(), "{text}");
            assert_eq!(modules, crate_code.to_colors(), "{text}");
        }
        // And the ticket page's SVG as the crate drew it.
        let ticket = "http://127.0.0.1:43123/staff/check-in?event=42&code=K7QX-M2PA-9HVD";
        let drawn = qrcode::QrCode::new(ticket.as_bytes()).expect("fits").render::<qrcode::render::svg::Color<'_>>().min_dimensions(180, 180).build();
        assert_eq!(crate::email::qr_svg(ticket), Some(drawn));
    }

    #[test]
    fn too_long_is_none() {
        assert!(encode(&[b'x'; 3_000]).is_none());
    }

    #[test]
    fn penalties_count_as_the_standard_says() {
        // One row of seven, the rest alternating: a run of 7 scores 5.
        assert_eq!(runs(&[true; 7]), 5);
        assert_eq!(runs(&[true, true, true, true, false, false, false, false, false]), 3);
        assert_eq!(runs(&[true, false, true, false]), 0);
        // A finder-like pattern with light on one side counts; dark on both does not.
        let pattern = [true, false, true, true, true, false, true];
        let lone: Vec<bool> = [false; 4].iter().chain(&pattern).chain(&[false; 4]).copied().collect();
        assert_eq!(finder_like(&lone), 40);
        let hemmed: Vec<bool> = [true, false, false, false].iter().chain(&pattern).chain(&[false, false, false, true]).copied().collect();
        assert_eq!(finder_like(&hemmed), 0);
        let at_the_edge: Vec<bool> = pattern.iter().chain(&[true, true, true, true]).copied().collect();
        assert_eq!(finder_like(&at_the_edge), 40, "the edge counts as light");
    }
}
