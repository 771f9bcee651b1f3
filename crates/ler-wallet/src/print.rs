//! The printable LER: every record with a QR code leading to its verification page, as a
//! self-contained HTML page (print CSS, QR codes as inline SVG) or as a PDF 1.4 document
//! written here (Helvetica text, QR modules as filled rectangles, a link over each code).

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

use crate::record::{Record, RecordKind};
use crate::{Result, WalletError};

#[cfg(test)]
mod tests;

/// Light modules around a QR code, as the standard asks.
const QUIET_ZONE: usize = 4;

/// The verification page of a record: `verify_url_base`, a slash, the record id.
pub fn verify_url(verify_url_base: &str, record: &Record) -> String {
    format!("{}/{}", verify_url_base.trim_end_matches('/'), record.id)
}

/// A QR code of `text` as an inline SVG element (white quiet zone included, one black path,
/// `class="qr"`), with `label` as its accessible name: the codes of the printable LER, and of
/// share and claim links.
pub fn qr_svg(text: &str, label: &str) -> Result<String> {
    Ok(Modules::of(text)?.svg(label))
}

/// A QR code's modules: `width` × `width`, row by row, `true` for dark.
struct Modules {
    width: usize,
    dark: Vec<bool>,
}

impl Modules {
    fn of(text: &str) -> Result<Modules> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|_| WalletError::Qr(text.len()))?;
        let width = code.width();
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(Modules { width, dark })
    }

    /// Runs of dark modules: (row, first column, length).
    fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for (y, row) in self.dark.chunks(self.width.max(1)).enumerate() {
            let mut x = 0;
            while x < row.len() {
                if row[x] {
                    let start = x;
                    while x < row.len() && row[x] {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// The code as an SVG element, one path, quiet zone included.
    fn svg(&self, label: &str) -> String {
        let size = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for (y, x, len) in self.runs() {
            let _ = write!(
                path,
                "M{} {}h{len}v1h-{len}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
        format!(
            "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
             shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\">\
             <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
             <path d=\"{path}\" fill=\"#000\"/></svg>",
            html_escape(label)
        )
    }
}

/// The lines shown for a record: (label, value).
fn details(record: &Record) -> Vec<(&'static str, String)> {
    let s = &record.summary;
    let mut out = Vec::new();
    let kind = match record.kind {
        RecordKind::Education => "Education and achievements",
        RecordKind::Employment => "Employment",
        RecordKind::Other => "Credential",
    };
    out.push(("Kind", kind.to_owned()));
    if let Some(issuer) = s.issuer_name.as_ref().or(s.issuer.as_ref()) {
        out.push(("Issued by", issuer.clone()));
    }
    if let Some(awarded) = s.awarded.as_ref().or(s.valid_from.as_ref()) {
        out.push(("Issued", awarded.clone()));
    }
    if let Some(until) = &s.valid_until {
        out.push(("Valid until", until.clone()));
    }
    if let Some(e) = &s.employment {
        let fields = [
            ("Employer", e.employer.clone()),
            ("Position", e.position_title.clone()),
            ("Started", e.start_date.clone()),
            ("Ended", e.end_date.clone()),
            ("Hours per week", e.hours_per_week.map(|h| h.to_string())),
            ("Location", e.location.clone()),
        ];
        out.extend(fields.into_iter().filter_map(|(k, v)| Some((k, v?))));
    }
    if !s.skills.is_empty() {
        let skills: Vec<String> = s
            .skills
            .iter()
            .map(|k| match &k.target_code {
                Some(code) => format!("{} ({code})", k.target_name),
                None => k.target_name.clone(),
            })
            .collect();
        out.push(("Skills", skills.join("; ")));
    }
    let checked = if record.verified() {
        "verified"
    } else {
        "did not verify"
    };
    out.push(("Checked on receipt", checked.to_owned()));
    out
}

fn title(record: &Record) -> String {
    record
        .summary
        .name
        .clone()
        .unwrap_or_else(|| "Untitled record".to_owned())
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#111}\
h1{font-size:1.5rem}\
.record{display:flex;gap:1.5rem;justify-content:space-between;border-top:1px solid #999;padding:1rem 0;break-inside:avoid;page-break-inside:avoid}\
.record h2{font-size:1.15rem;margin:0 0 .5rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}\
dt{font-weight:600}dd{margin:0}\
.qr{width:8rem;height:8rem;flex:none}\
.link{font-size:.75rem;word-break:break-all;max-width:8rem}\
@media print{body{margin:0}a{color:inherit;text-decoration:none}@page{margin:1.5cm}}";

/// The printable LER as one self-contained HTML page: each record with its details and a QR
/// code (inline SVG) linking to [`verify_url`].
pub fn printable_html(records: &[Record], verify_url_base: &str) -> Result<String> {
    let mut html = String::new();
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    html.push_str("<title>Learning and Employment Record</title><style>");
    html.push_str(CSS);
    html.push_str("</style></head><body><h1>Learning and Employment Record</h1>\n");
    if records.is_empty() {
        html.push_str("<p>No records.</p>\n");
    }
    for record in records {
        let url = verify_url(verify_url_base, record);
        let qr = Modules::of(&url)?.svg(&format!("QR code: verify at {url}"));
        let _ = write!(
            html,
            "<section class=\"record\"><div><h2>{}</h2><dl>",
            html_escape(&title(record))
        );
        for (label, value) in details(record) {
            let _ = write!(
                html,
                "<dt>{}</dt><dd>{}</dd>",
                html_escape(label),
                html_escape(&value)
            );
        }
        let _ = writeln!(
            html,
            "</dl></div><div><a href=\"{0}\">{qr}</a><div class=\"link\">Verify: {0}</div></div></section>",
            html_escape(&url)
        );
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

/// A page being laid out: its content stream, and the links on it (lower-left corner of the
/// code, URL).
struct Page {
    content: String,
    links: Vec<(f64, f64, String)>,
}

/// Page size (US Letter) and layout, in points.
const PAGE_W: f64 = 612.0;
const PAGE_H: f64 = 792.0;
const MARGIN: f64 = 54.0;
const QR_SIZE: f64 = 108.0;
const LINE: f64 = 14.0;
/// Characters per value line beside the code: about 280 pt between the labels and the code, and
/// Helvetica 10 pt averages about 5 pt a character.
const VALUE_WRAP: usize = 52;
/// Characters per title line (Helvetica-Bold 13 pt, about 7 pt a character, over about 390 pt).
const TITLE_WRAP: usize = 52;

/// The printable LER as a PDF 1.4 document: Helvetica text, each record's QR code drawn as
/// filled rectangles with a link to [`verify_url`] over it.
pub fn printable_pdf(records: &[Record], verify_url_base: &str) -> Result<Vec<u8>> {
    let mut pages: Vec<Page> = Vec::new();
    let mut content = String::new();
    let mut links: Vec<(f64, f64, String)> = Vec::new();
    let mut y = PAGE_H - MARGIN;
    text(
        &mut content,
        "F2",
        18.0,
        MARGIN,
        y - 18.0,
        "Learning and Employment Record",
    );
    y -= 40.0;
    if records.is_empty() {
        text(&mut content, "F1", 10.0, MARGIN, y - 10.0, "No records.");
    }
    for record in records {
        let url = verify_url(verify_url_base, record);
        let modules = Modules::of(&url)?;
        let mut lines: Vec<(String, String)> = Vec::new();
        for (label, value) in details(record) {
            for (i, chunk) in wrap(&value, VALUE_WRAP).into_iter().enumerate() {
                lines.push((
                    if i == 0 {
                        format!("{label}: ")
                    } else {
                        String::new()
                    },
                    chunk,
                ));
            }
        }
        let title_lines = wrap(&title(record), TITLE_WRAP);
        let text_height = (title_lines.len() as f64) * 16.0 + (lines.len() as f64) * LINE + 12.0;
        let height = text_height.max(QR_SIZE + 24.0);
        if y - height < MARGIN {
            pages.push(Page {
                content: std::mem::take(&mut content),
                links: std::mem::take(&mut links),
            });
            y = PAGE_H - MARGIN;
        }
        // A rule above the record.
        let _ = writeln!(
            content,
            "0.6 G 0.5 w {MARGIN} {y:.2} m {:.2} {y:.2} l S",
            PAGE_W - MARGIN
        );
        let mut ty = y - 18.0;
        for line in &title_lines {
            text(&mut content, "F2", 13.0, MARGIN, ty, line);
            ty -= 16.0;
        }
        for (label, value) in &lines {
            let x = MARGIN + 4.0;
            if !label.is_empty() {
                text(&mut content, "F2", 10.0, x, ty, label);
            }
            text(&mut content, "F1", 10.0, x + 110.0, ty, value);
            ty -= LINE;
        }
        let qx = PAGE_W - MARGIN - QR_SIZE;
        let qy = y - 8.0 - QR_SIZE;
        draw_qr(&mut content, &modules, qx, qy);
        text(&mut content, "F1", 7.0, qx, qy - 9.0, "Scan to verify");
        links.push((qx, qy, url));
        y -= height;
    }
    pages.push(Page { content, links });
    Ok(assemble(&pages))
}

/// Draws the modules with the code's lower-left corner (quiet zone included) at `(x, y)`.
fn draw_qr(out: &mut String, m: &Modules, x: f64, y: f64) {
    let size = (m.width + 2 * QUIET_ZONE) as f64;
    let unit = QR_SIZE / size;
    out.push_str("0 g\n");
    for (row, col, len) in m.runs() {
        let rx = x + (col + QUIET_ZONE) as f64 * unit;
        let ry = y + QR_SIZE - (row + QUIET_ZONE + 1) as f64 * unit;
        let _ = writeln!(out, "{rx:.3} {ry:.3} {:.3} {unit:.3} re", len as f64 * unit);
    }
    out.push_str("f\n");
}

/// One line of text at `(x, y)`.
fn text(out: &mut String, font: &str, size: f64, x: f64, y: f64, s: &str) {
    let _ = writeln!(
        out,
        "0 g BT /{font} {size} Tf {x:.2} {y:.2} Td ({}) Tj ET",
        pdf_string(s)
    );
}

/// Splits text into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The inside of a PDF literal string in WinAnsiEncoding: `(`, `)` and `\` escaped, Latin-1
/// and the common typographic characters as octal escapes, anything else as `?`.
fn pdf_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let byte: u8 = match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
                continue;
            }
            ' '..='~' => {
                out.push(c);
                continue;
            }
            '\u{a0}'..='\u{ff}' => u32::from(c) as u8,
            '€' => 0x80,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        };
        if byte == b'?' {
            out.push('?');
        } else {
            let _ = write!(out, "\\{byte:03o}");
        }
    }
    out
}

/// Writes the objects, the cross-reference table and the trailer.
fn assemble(pages: &[Page]) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, then a page and its content per page.
    let page_ids: Vec<usize> = (0..pages.len()).map(|i| 5 + 2 * i).collect();
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, Page { content, links }) in pages.iter().enumerate() {
        let content_id = page_ids[i] + 1;
        let annots: Vec<String> = links
            .iter()
            .map(|(x, y, url)| {
                format!(
                    "<< /Type /Annot /Subtype /Link /Rect [{x:.2} {y:.2} {:.2} {:.2}] /Border [0 0 0] /A << /S /URI /URI ({}) >> >>",
                    x + QR_SIZE,
                    y + QR_SIZE,
                    pdf_string(url)
                )
            })
            .collect();
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_id} 0 R /Annots [{}] >>",
                annots.join(" ")
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        // Each entry is 20 bytes: the line ends in a space and a newline.
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.extend_from_slice(table.as_bytes());
    pdf
}
