//! The door page's QR reader for browsers without `BarcodeDetector` (Chromium on Linux,
//! Firefox, most Chinese Android browsers' WebViews). A plain WebAssembly module with
//! no JavaScript glue: the page asks for a buffer (`frame_buffer`), copies a camera
//! frame's RGBA pixels into it, calls `read_frame`, and reads the text at `text_ptr`.

use std::cell::RefCell;

thread_local! {
    static FRAME: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static TEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The frame's luminance at (x, y) from RGBA pixels (ITU-R BT.601 weights, integers).
fn luma(rgba: &[u8], width: usize, x: usize, y: usize) -> u8 {
    let i = (y * width + x) * 4;
    match rgba.get(i..i + 3) {
        Some([r, g, b]) => ((u32::from(*r) * 77 + u32::from(*g) * 150 + u32::from(*b) * 29) >> 8) as u8,
        _ => 0,
    }
}

/// The first QR code's text found in an RGBA frame, if any.
pub fn read_rgba(rgba: &[u8], width: usize, height: usize) -> Option<String> {
    if width == 0 || height == 0 || rgba.len() < width * height * 4 {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma(rgba, width, x, y));
    image.detect_grids().into_iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// A buffer for one `width` × `height` RGBA frame; its address, for the page to fill.
#[no_mangle]
pub extern "C" fn frame_buffer(width: u32, height: u32) -> *mut u8 {
    FRAME.with(|frame| {
        let mut frame = frame.borrow_mut();
        frame.resize(width as usize * height as usize * 4, 0);
        frame.as_mut_ptr()
    })
}

/// Reads the frame in the buffer; the length in bytes of the text found (UTF-8, at
/// `text_ptr`), or 0 when the frame holds no readable code.
#[no_mangle]
pub extern "C" fn read_frame(width: u32, height: u32) -> u32 {
    let found = FRAME.with(|frame| read_rgba(&frame.borrow(), width as usize, height as usize));
    TEXT.with(|text| {
        let mut text = text.borrow_mut();
        text.clear();
        text.extend_from_slice(found.unwrap_or_default().as_bytes());
        text.len() as u32
    })
}

/// Where the text of the last `read_frame` is.
#[no_mangle]
pub extern "C" fn text_ptr() -> *const u8 {
    TEXT.with(|text| text.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_short_frame_reads_nothing() {
        assert_eq!(read_rgba(&[], 0, 0), None);
        assert_eq!(read_rgba(&[255; 16], 4, 4), None, "a white frame");
        assert_eq!(read_rgba(&[0; 8], 4, 4), None, "fewer pixels than the size says");
    }
}
