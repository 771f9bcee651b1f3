//! QR codes: read from a photo (PNG or JPEG, decoded by `png` / `jpeg-decoder`, found and read
//! by `rqrr`) for browsers without a `BarcodeDetector`, and drawn as inline SVG for share links.

use std::fmt::Write as _;
use std::io::Cursor;

use qrcode::{Color, EcLevel, QrCode};

/// Largest picture decoded, in pixels (a 24-megapixel phone photo).
const MAX_PIXELS: u64 = 24_000_000;
/// Pictures are scaled down to at most this many pixels on the long side before searching.
const SEARCH_SIDE: u32 = 1600;

/// Why no QR code could be read from a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrError {
    /// Not a PNG or JPEG, or damaged.
    Unreadable,
    /// Larger than [`MAX_PIXELS`].
    TooLarge,
    /// A picture, but no readable QR code in it.
    NotFound,
}

impl QrError {
    /// The catalog key of the message.
    pub fn key(self) -> &'static str {
        match self {
            QrError::Unreadable => "verify.qr_unreadable",
            QrError::TooLarge => "verify.qr_too_large",
            QrError::NotFound => "verify.qr_not_found",
        }
    }
}

/// A greyscale picture.
struct Grey {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// The text of the first QR code found in a PNG or JPEG picture.
pub fn read(bytes: &[u8]) -> Result<String, QrError> {
    let grey = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_grey(bytes)?
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_grey(bytes)?
    } else {
        return Err(QrError::Unreadable);
    };
    let grey = shrink(grey);
    let (w, h) = (grey.width as usize, grey.height as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        grey.pixels.get(y * w + x).copied().unwrap_or(255)
    });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
        .ok_or(QrError::NotFound)
}

fn check_size(width: u32, height: u32) -> Result<(), QrError> {
    if width == 0 || height == 0 {
        return Err(QrError::Unreadable);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(QrError::TooLarge);
    }
    Ok(())
}

fn png_grey(bytes: &[u8]) -> Result<Grey, QrError> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: (MAX_PIXELS * 4) as usize,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| match e {
        png::DecodingError::LimitsExceeded => QrError::TooLarge,
        _ => QrError::Unreadable,
    })?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(width, height)?;
    let size = reader.output_buffer_size().ok_or(QrError::TooLarge)?;
    let mut buf = vec![0; size];
    let frame = reader
        .next_frame(&mut buf)
        .map_err(|_| QrError::Unreadable)?;
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(QrError::Unreadable),
    };
    let line = frame.line_size;
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height as usize {
        let row = buf
            .get(y * line..(y + 1) * line)
            .ok_or(QrError::Unreadable)?;
        for px in row.chunks(channels).take(width as usize) {
            pixels.push(luma(px, channels));
        }
    }
    Ok(Grey {
        width,
        height,
        pixels,
    })
}

/// The luma of one pixel (transparent pixels read as white, like paper behind them).
fn luma(px: &[u8], channels: usize) -> u8 {
    let (y, alpha) = match (channels, px) {
        (1, [g]) => (u32::from(*g), 255),
        (2, [g, a]) => (u32::from(*g), u32::from(*a)),
        (3, [r, g, b]) | (4, [r, g, b, _]) => {
            let a = if channels == 4 { u32::from(px[3]) } else { 255 };
            (
                (299 * u32::from(*r) + 587 * u32::from(*g) + 114 * u32::from(*b)) / 1000,
                a,
            )
        }
        _ => (255, 255),
    };
    let blended = (y * alpha + 255 * (255 - alpha)) / 255;
    u8::try_from(blended).unwrap_or(255)
}

fn jpeg_grey(bytes: &[u8]) -> Result<Grey, QrError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|_| QrError::Unreadable)?;
    let info = decoder.info().ok_or(QrError::Unreadable)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_size(width, height)?;
    decoder.set_max_decoding_buffer_size((MAX_PIXELS * 4) as usize);
    let data = decoder.decode().map_err(|_| QrError::Unreadable)?;
    let pixels: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => data,
        jpeg_decoder::PixelFormat::L16 => data.chunks(2).map(|c| c[0]).collect(),
        jpeg_decoder::PixelFormat::RGB24 => data.chunks(3).map(|c| luma(c, 3)).collect(),
        jpeg_decoder::PixelFormat::CMYK32 => data
            .chunks(4)
            .map(|c| {
                let k = 255 - u32::from(c[3]);
                let rgb: Vec<u8> = c[..3]
                    .iter()
                    .map(|v| u8::try_from((255 - u32::from(*v)) * k / 255).unwrap_or(0))
                    .collect();
                luma(&rgb, 3)
            })
            .collect(),
    };
    if pixels.len() != width as usize * height as usize {
        return Err(QrError::Unreadable);
    }
    Ok(Grey {
        width,
        height,
        pixels,
    })
}

/// Averages blocks of pixels so the long side is at most [`SEARCH_SIDE`].
fn shrink(grey: Grey) -> Grey {
    let long = grey.width.max(grey.height);
    if long <= SEARCH_SIDE {
        return grey;
    }
    let k = long.div_ceil(SEARCH_SIDE);
    let (w, h) = (grey.width / k, grey.height / k);
    let mut pixels = Vec::with_capacity(w as usize * h as usize);
    for by in 0..h {
        for bx in 0..w {
            let mut sum = 0u32;
            for y in by * k..(by + 1) * k {
                let row = y as usize * grey.width as usize;
                for x in bx * k..(bx + 1) * k {
                    sum += u32::from(grey.pixels[row + x as usize]);
                }
            }
            pixels.push(u8::try_from(sum / (k * k)).unwrap_or(255));
        }
    }
    Grey {
        width: w,
        height: h,
        pixels,
    }
}

/// A QR code of `text` as an inline SVG (dark modules on white, with the quiet zone), or
/// `None` when the text is too long for a QR code.
pub fn svg(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (y, row) in colors.chunks(width.max(1)).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row[x] == Color::Dark {
                let start = x;
                while x < row.len() && row[x] == Color::Dark {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{} {}h{}v1h-{}z",
                    start + quiet,
                    y + quiet,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
    Some(format!(
        "<svg class=\"qr\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>",
        super::html::esc(label)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws a QR code into a PNG, as a phone camera would see a screen (scaled, with margin).
    fn png_of(text: &str, scale: u32) -> Vec<u8> {
        let code = QrCode::new(text.as_bytes()).expect("qr");
        let w = code.width() as u32;
        let colors = code.to_colors();
        let size = (w + 8) * scale;
        let mut pixels = vec![255u8; (size * size) as usize];
        for y in 0..size {
            for x in 0..size {
                let (mx, my) = (x / scale, y / scale);
                if (4..w + 4).contains(&mx) && (4..w + 4).contains(&my) {
                    let i = ((my - 4) * w + (mx - 4)) as usize;
                    if colors[i] == Color::Dark {
                        pixels[(y * size + x) as usize] = 0;
                    }
                }
            }
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, size, size);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().expect("header");
            writer.write_image_data(&pixels).expect("data");
        }
        out
    }

    #[test]
    fn reads_a_qr_code_from_a_png() {
        let url = "https://creds.example.org/share/abc123";
        assert_eq!(read(&png_of(url, 6)).as_deref(), Ok(url));
    }

    #[test]
    fn reads_a_qr_code_after_shrinking_a_large_picture() {
        let url = "https://creds.example.org/share/large";
        assert_eq!(read(&png_of(url, 70)).as_deref(), Ok(url));
    }

    #[test]
    fn says_when_there_is_no_code_or_no_picture() {
        let blank = {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, 64, 64);
            enc.set_color(png::ColorType::Grayscale);
            let mut w = enc.write_header().expect("header");
            w.write_image_data(&[255u8; 64 * 64]).expect("data");
            drop(w);
            out
        };
        assert_eq!(read(&blank), Err(QrError::NotFound));
        assert_eq!(read(b"not a picture"), Err(QrError::Unreadable));
        assert_eq!(read(b"\x89PNG\r\n\x1a\nbroken"), Err(QrError::Unreadable));
    }

    #[test]
    fn draws_svg() {
        let svg = svg("https://example.org/share/x", "QR \"code\"").expect("svg");
        assert!(svg.starts_with("<svg") && svg.contains("&quot;code&quot;"));
    }
}
