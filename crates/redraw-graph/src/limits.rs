//! The resource policy of every reader in redraw: what is read whole, what is streamed, and the
//! caps that keep memory and time bounded whatever a file claims or contains. ARCHITECTURE.md
//! ("Resource policy") lists every input against these constants.
//!
//! Three rules, applied at the edges (the readers that open files):
//! - **Text is text.** Every text format (JSON, CSV, TOML) is refused at its first NUL byte:
//!   no valid document contains one, and a sparse file or `/dev/zero` is nothing but NULs, so
//!   such input fails after one buffer instead of after gigabytes.
//! - **Documents read whole have a size cap** ([`read_text`]): the file's length is checked
//!   before reading (a large regular file is refused at once) and the bytes actually read are
//!   counted (pipes and devices have no length).
//! - **Streamed line formats have a line cap** ([`TextGuard`]): a CSV line longer than
//!   [`MAX_LINE_BYTES`] is an error, so a file without line breaks cannot grow a record buffer
//!   without bound. Memory then grows only with the rows a reader keeps (the data itself).
//!
//! Errors are `io::Error`s of kind `InvalidData` whose message says what was found and where
//! (line and byte offset), so every caller's "cannot read FILE: ..." wrapping stays as it is.

use std::io::{self, Read};
use std::path::Path;

/// The longest line a streamed text reader accepts (CSV rows). A stats.csv row of 65,536
/// districts and ten elections is about 12 MB.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// JSON documents read whole: networkx and rdabase graphs, GeoJSON and TopoJSON. A state's
/// census blocks as networkx JSON are a few hundred megabytes; larger graphs stream as
/// edge-list CSV and larger shapes as shapefiles.
pub const MAX_JSON_BYTES: u64 = 2 << 30;

/// Small text files read whole: scenario TOML, populations CSV, manifest.json, `.prj`, `.cpg`.
pub const MAX_SMALL_TEXT_BYTES: u64 = 16 << 20;

/// A member of a zip archive, decompressed in memory (`.shp`, `.dbf`, GeoJSON): its declared
/// size is checked before reading and the bytes inflated are counted.
pub const MAX_ZIP_MEMBER_BYTES: u64 = 2 << 30;

/// Chunk size of [`read_text`].
const CHUNK: usize = 1 << 16;

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// A byte count for messages: "2.8 GiB", "16 MiB", "1000 bytes".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            return if n % size == 0 {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// Line (1-based) and column (1-based, in bytes) of `offset` in `bytes`.
fn line_col(bytes: &[u8], offset: usize) -> (u64, u64) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() as u64 + 1;
    (line, col)
}

fn nul_error(line: u64, col: u64, offset: u64) -> io::Error {
    invalid(format!(
        "not a text file: NUL byte at line {line}, column {col} (byte {offset}); expected UTF-8 text"
    ))
}

/// Reads a whole text file of at most `cap` bytes. `what` names the kind of file in the error
/// ("a networkx JSON graph"). Refuses, without reading the rest: a file whose length exceeds
/// `cap`, a NUL byte, and invalid UTF-8. A leading UTF-8 byte-order mark is kept (parsers skip
/// it).
pub fn read_text(path: &Path, cap: u64, what: &str) -> io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let too_large = |len: String| {
        invalid(format!(
            "the file holds {len}, more than the {} redraw reads for {what} (see ARCHITECTURE.md, \
             \"Resource policy\")",
            human_bytes(cap)
        ))
    };
    let declared = f.metadata().map(|m| if m.is_file() { m.len() } else { 0 }).unwrap_or(0);
    if declared > cap {
        return Err(too_large(human_bytes(declared)));
    }
    read_text_from(&mut f, cap, declared as usize).map_err(|e| match e {
        ReadTextError::Io(e) => e,
        ReadTextError::TooLarge => too_large(format!("more than {}", human_bytes(cap))),
    })
}

enum ReadTextError {
    Io(io::Error),
    TooLarge,
}

/// [`read_text`] over any reader: reads at most `cap` bytes, checking each chunk for NUL as it
/// arrives, so memory never exceeds what was read before the first NUL or the cap.
fn read_text_from<R: Read>(r: &mut R, cap: u64, hint: usize) -> Result<String, ReadTextError> {
    let mut buf: Vec<u8> = Vec::with_capacity(hint.min(cap as usize).saturating_add(1));
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadTextError::Io(e)),
        };
        if let Some(i) = chunk[..n].iter().position(|&b| b == 0) {
            let offset = buf.len() + i;
            buf.extend_from_slice(&chunk[..n]);
            let (line, col) = line_col(&buf, offset);
            return Err(ReadTextError::Io(nul_error(line, col, offset as u64)));
        }
        if (buf.len() + n) as u64 > cap {
            return Err(ReadTextError::TooLarge);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buf).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let (line, col) = line_col(e.as_bytes(), at);
        ReadTextError::Io(invalid(format!("not valid UTF-8 at line {line}, column {col} (byte {at})")))
    })
}

/// [`read_text`] for in-memory readers (zip members, tests): at most `cap` bytes, NUL-free UTF-8.
pub fn read_text_capped<R: Read>(mut r: R, cap: u64, what: &str) -> io::Result<String> {
    read_text_from(&mut r, cap, 0).map_err(|e| match e {
        ReadTextError::Io(e) => e,
        ReadTextError::TooLarge => invalid(format!(
            "more than the {} redraw reads for {what} (see ARCHITECTURE.md, \"Resource policy\")",
            human_bytes(cap)
        )),
    })
}

/// Reads at most `cap` bytes of binary data from `r` (a zip member, a checkpoint), growing the
/// buffer only as bytes arrive: a size claimed by a header is never trusted for allocation.
pub fn read_bytes_capped<R: Read>(r: R, cap: u64, what: &str) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(cap.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(invalid(format!(
            "{what} holds more than the {} redraw reads (see ARCHITECTURE.md, \"Resource policy\")",
            human_bytes(cap)
        )));
    }
    Ok(buf)
}

/// A `Read` adapter for streamed text (CSV): passes bytes through unchanged and fails with a
/// clear `InvalidData` error at the first NUL byte or at a line longer than `max_line` bytes,
/// naming the line. Costs one scan of each buffer.
pub struct TextGuard<R> {
    inner: R,
    max_line: usize,
    /// 1-based number of the line being read.
    line: u64,
    /// Bytes of the current line so far.
    line_len: usize,
    offset: u64,
}

impl<R: Read> TextGuard<R> {
    /// Guards `inner` with the default line cap [`MAX_LINE_BYTES`].
    pub fn new(inner: R) -> TextGuard<R> {
        TextGuard::with_max_line(inner, MAX_LINE_BYTES)
    }

    pub fn with_max_line(inner: R, max_line: usize) -> TextGuard<R> {
        TextGuard { inner, max_line, line: 1, line_len: 0, offset: 0 }
    }
}

impl<R: Read> Read for TextGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        if let Some(i) = data.iter().position(|&b| b == 0) {
            let (l, c) = line_col(&data[..i], i);
            let line = self.line + l - 1;
            let col = if l == 1 { self.line_len as u64 + c } else { c };
            return Err(nul_error(line, col, self.offset + i as u64));
        }
        let mut start = 0;
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_len = 0;
                start = i + 1;
            }
        }
        self.line_len += n - start;
        if self.line_len > self.max_line {
            return Err(invalid(format!(
                "line {} is longer than {}: not a line-oriented text file (or a runaway quoted field)",
                self.line,
                human_bytes(self.max_line as u64)
            )));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_passes_text_and_stops_at_nul_or_long_lines() {
        let mut out = String::new();
        TextGuard::new("a,b\nc,d\n".as_bytes()).read_to_string(&mut out).unwrap();
        assert_eq!(out, "a,b\nc,d\n");
        let e = TextGuard::new("a,b\nc\0d\n".as_bytes()).read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a text file: NUL byte at line 2, column 2 (byte 5); expected UTF-8 text"
        );
        // An endless stream without line breaks fails at the cap, having buffered little.
        let mut sink = Vec::new();
        let e = TextGuard::with_max_line(io::repeat(b'x'), 1 << 20).read_to_end(&mut sink).unwrap_err();
        assert!(e.to_string().starts_with("line 1 is longer than 1 MiB"), "{e}");
        assert!(sink.len() <= (1 << 20) + (64 << 10), "{}", sink.len());
        // /dev/zero-like input fails on the first buffer.
        let e = TextGuard::new(io::repeat(0)).read_to_end(&mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("NUL byte at line 1, column 1 (byte 0)"), "{e}");
    }

    #[test]
    fn read_text_caps_size_and_refuses_binary() {
        let ok = read_text_capped("héllo\n".as_bytes(), 100, "a test file").unwrap();
        assert_eq!(ok, "héllo\n");
        let e = read_text_capped(io::repeat(b'a'), 1000, "a test file").unwrap_err();
        assert_eq!(
            e.to_string(),
            "more than the 1000 bytes redraw reads for a test file (see ARCHITECTURE.md, \"Resource policy\")"
        );
        let e = read_text_capped(io::repeat(0), 1 << 40, "x").unwrap_err();
        assert!(e.to_string().starts_with("not a text file: NUL byte at line 1, column 1"), "{e}");
        let e = read_text_capped(&b"ok\n\xff"[..], 100, "x").unwrap_err();
        assert_eq!(e.to_string(), "not valid UTF-8 at line 2, column 1 (byte 3)");
        let e = read_bytes_capped(io::repeat(7), 10, "a member").unwrap_err();
        assert!(e.to_string().starts_with("a member holds more than the 10 bytes"), "{e}");
        assert_eq!(human_bytes(2 << 30), "2 GiB");
        assert_eq!(human_bytes(16 << 20), "16 MiB");
        assert_eq!(human_bytes(3_000_000_000), "2.8 GiB");
    }

    #[test]
    fn read_text_refuses_a_large_file_by_its_length() {
        let dir = std::env::temp_dir().join(format!("redraw-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("sparse.json");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(3 << 30).unwrap(); // sparse: no disk used
        let e = read_text(&p, MAX_JSON_BYTES, "a JSON graph").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the file holds 3 GiB, more than the 2 GiB redraw reads for a JSON graph (see \
             ARCHITECTURE.md, \"Resource policy\")"
        );
        f.set_len(1 << 30).unwrap();
        let e = read_text(&p, MAX_JSON_BYTES, "a JSON graph").unwrap_err();
        assert!(e.to_string().starts_with("not a text file: NUL byte at line 1, column 1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
