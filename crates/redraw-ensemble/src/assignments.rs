//! The assignments file of a run (`assignments.bin`): every recorded plan, compactly.
//!
//! Layout (all integers little-endian; specified in `docs/run-format.md`):
//!
//! ```text
//! header (32 bytes):
//!   magic        8 bytes  "RDRWASG1"
//!   version      u32      1
//!   node_count   u32      n
//!   districts    u32      k
//!   label_bytes  u32      1 if k <= 256, else 2
//!   samples      u64      number of records that follow
//! record (12 + n * label_bytes bytes), in (chain, step) order:
//!   chain        u32
//!   step         u64
//!   labels       n x u8 (or u16): district index of node 0..n-1 (index into the manifest's
//!                district_labels; node order is the graph's node order)
//! ```
//!
//! [`AssignmentReader`] iterates the records of any `impl Read`. It never trusts the header's
//! sizes for allocation: a record buffer grows only as record bytes actually arrive, so a corrupt
//! header (say, a node count of four billion) fails with a clear error at the end of the data
//! instead of allocating gigabytes; [`AssignmentReader::with_file_len`] also checks the header
//! against the file's length up front.

use std::io::{self, Read, Write};

pub const MAGIC: &[u8; 8] = b"RDRWASG1";
pub const VERSION: u32 = 1;
pub const HEADER_LEN: usize = 32;

/// Bytes per node label for `k` districts.
pub fn label_bytes(k: usize) -> usize {
    if k <= 256 {
        1
    } else {
        2
    }
}

/// The file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub node_count: u32,
    pub districts: u32,
    pub label_bytes: u32,
    pub samples: u64,
}

impl Header {
    pub fn new(node_count: usize, districts: usize, samples: u64) -> Header {
        Header {
            node_count: node_count as u32,
            districts: districts as u32,
            label_bytes: label_bytes(districts) as u32,
            samples,
        }
    }
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&VERSION.to_le_bytes());
        b[12..16].copy_from_slice(&self.node_count.to_le_bytes());
        b[16..20].copy_from_slice(&self.districts.to_le_bytes());
        b[20..24].copy_from_slice(&self.label_bytes.to_le_bytes());
        b[24..32].copy_from_slice(&self.samples.to_le_bytes());
        b
    }
    /// Bytes per record.
    pub fn record_len(&self) -> usize {
        12 + self.node_count as usize * self.label_bytes as usize
    }
    /// Bytes of the whole file this header describes, or `None` if that overflows `u64`.
    pub fn file_len(&self) -> Option<u64> {
        (12 + self.node_count as u64 * self.label_bytes as u64)
            .checked_mul(self.samples)
            .and_then(|b| b.checked_add(HEADER_LEN as u64))
    }
}

/// Appends one record (without header) to `out`.
pub fn encode_record(out: &mut Vec<u8>, chain: u32, step: u64, assignment: &[u32], k: usize) {
    out.extend_from_slice(&chain.to_le_bytes());
    out.extend_from_slice(&step.to_le_bytes());
    if label_bytes(k) == 1 {
        out.extend(assignment.iter().map(|&d| d as u8));
    } else {
        for &d in assignment {
            out.extend_from_slice(&(d as u16).to_le_bytes());
        }
    }
}

/// Writes a header; records are then appended with [`encode_record`].
pub fn write_header<W: Write>(w: &mut W, h: &Header) -> io::Result<()> {
    w.write_all(&h.to_bytes())
}

/// Streams the records of an assignments file.
pub struct AssignmentReader<R: Read> {
    inner: R,
    header: Header,
    read: u64,
    buf: Vec<u8>,
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl<R: Read> AssignmentReader<R> {
    /// Reads and checks the header.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut h = [0u8; HEADER_LEN];
        inner.read_exact(&mut h).map_err(|e| bad(format!("assignments header: {e}")))?;
        if &h[..8] != MAGIC {
            return Err(bad("not a redraw assignments file (bad magic bytes)".into()));
        }
        let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().unwrap());
        let version = u32_at(8);
        if version != VERSION {
            return Err(bad(format!("assignments format version {version}, this redraw reads {VERSION}")));
        }
        let header = Header {
            node_count: u32_at(12),
            districts: u32_at(16),
            label_bytes: u32_at(20),
            samples: u64::from_le_bytes(h[24..32].try_into().unwrap()),
        };
        if header.label_bytes as usize != label_bytes(header.districts as usize) {
            return Err(bad(format!(
                "label width {} does not match {} districts",
                header.label_bytes, header.districts
            )));
        }
        // The buffer is sized to the data actually read (see `next_into`), never to the header.
        Ok(AssignmentReader { inner, header, read: 0, buf: Vec::new() })
    }

    /// Like [`AssignmentReader::new`] for a source of known length `len` (an opened file's
    /// metadata length): a header whose node count, label width and sample count do not add up to
    /// exactly `len` bytes is an error naming both sizes.
    pub fn with_file_len(inner: R, len: u64) -> io::Result<Self> {
        let reader = Self::new(inner)?;
        let h = reader.header;
        if h.file_len() != Some(len) {
            let want = h.file_len().map_or_else(|| "more than 2^64".to_string(), |b| b.to_string());
            return Err(bad(format!(
                "corrupt assignments header: {} samples of {} nodes x {} byte(s) need {want} bytes, \
                 but the file has {len}",
                h.samples, h.node_count, h.label_bytes
            )));
        }
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Reads the next record into `assignment` (resized to `n`); returns `(chain, step)`, or
    /// `None` after the last record.
    pub fn next_into(&mut self, assignment: &mut Vec<u32>) -> io::Result<Option<(u32, u64)>> {
        if self.read == self.header.samples {
            return Ok(None);
        }
        // `take` + `read_to_end` grows the buffer with the bytes that arrive (amortised: after the
        // first record its capacity is reused), so a lying header cannot force a huge allocation.
        let want = self.header.record_len();
        self.buf.clear();
        let got = (&mut self.inner)
            .take(want as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| bad(format!("record {} of {}: {e}", self.read + 1, self.header.samples)))?;
        if got != want {
            return Err(bad(format!(
                "record {} of {}: the file ends after {got} of its {want} bytes (truncated file or corrupt header)",
                self.read + 1,
                self.header.samples
            )));
        }
        self.read += 1;
        let chain = u32::from_le_bytes(self.buf[0..4].try_into().unwrap());
        let step = u64::from_le_bytes(self.buf[4..12].try_into().unwrap());
        let n = self.header.node_count as usize;
        assignment.clear();
        let body = &self.buf[12..];
        if self.header.label_bytes == 1 {
            assignment.extend(body.iter().map(|&b| b as u32));
        } else {
            assignment.extend((0..n).map(|i| u16::from_le_bytes([body[2 * i], body[2 * i + 1]]) as u32));
        }
        if let Some(&d) = assignment.iter().find(|&&d| d >= self.header.districts) {
            return Err(bad(format!(
                "record {}: district index {d} >= {}",
                self.read, self.header.districts
            )));
        }
        Ok(Some((chain, step)))
    }
}

/// One recorded plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub chain: u32,
    pub step: u64,
    pub assignment: Vec<u32>,
}

impl<R: Read> Iterator for AssignmentReader<R> {
    type Item = io::Result<Sample>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut a = Vec::new();
        match self.next_into(&mut a) {
            Ok(Some((chain, step))) => Some(Ok(Sample { chain, step, assignment: a })),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_u8_and_u16() {
        for k in [3usize, 300] {
            let h = Header::new(4, k, 2);
            let mut bytes = h.to_bytes().to_vec();
            encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], k);
            encode_record(&mut bytes, 1, 7, &[2, 2, 0, 1], k);
            assert_eq!(bytes.len(), HEADER_LEN + 2 * h.record_len());
            let got: Vec<Sample> = AssignmentReader::new(&bytes[..]).unwrap().map(Result::unwrap).collect();
            assert_eq!(got.len(), 2);
            assert_eq!(got[1], Sample { chain: 1, step: 7, assignment: vec![2, 2, 0, 1] });
        }
    }

    #[test]
    fn truncated_file_is_an_error() {
        let h = Header::new(4, 3, 2);
        let mut bytes = h.to_bytes().to_vec();
        encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], 3);
        let mut r = AssignmentReader::new(&bytes[..]).unwrap();
        assert!(r.next().unwrap().is_ok());
        assert!(r.next().unwrap().is_err());
        assert!(AssignmentReader::new(&b"NOTMAGIC0000000000000000000000000"[..]).is_err());
    }

    #[test]
    fn huge_node_count_in_a_corrupt_header_is_a_clear_error_not_an_allocation() {
        // A header claiming u32::MAX nodes x 2 bytes (8 GB per record) in front of one tiny record.
        let mut h = Header::new(4, 300, 1);
        h.node_count = u32::MAX;
        let mut bytes = h.to_bytes().to_vec();
        encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], 300);
        let len = bytes.len() as u64;
        let e = AssignmentReader::with_file_len(&bytes[..], len).err().expect("header does not fit the file");
        assert_eq!(
            e.to_string(),
            "corrupt assignments header: 1 samples of 4294967295 nodes x 2 byte(s) need 8589934634 bytes, \
             but the file has 52"
        );
        // Without the length, reading fails at the end of the data, having allocated only that.
        let mut r = AssignmentReader::new(&bytes[..]).unwrap();
        let e = r.next().unwrap().unwrap_err().to_string();
        assert_eq!(
            e,
            "record 1 of 1: the file ends after 20 of its 8589934602 bytes (truncated file or corrupt header)"
        );
        assert!(r.buf.capacity() < 1 << 20, "buffer grew to {}", r.buf.capacity());
        // A sample count whose size overflows u64 is caught too; a consistent header passes.
        let mut h = Header::new(4, 3, u64::MAX);
        h.node_count = u32::MAX;
        let e = AssignmentReader::with_file_len(&h.to_bytes()[..], 32).err().unwrap().to_string();
        assert!(e.contains("need more than 2^64 bytes"), "{e}");
        let h = Header::new(4, 3, 1);
        let mut ok = h.to_bytes().to_vec();
        encode_record(&mut ok, 0, 5, &[0, 1, 2, 1], 3);
        let n = ok.len() as u64;
        assert_eq!(AssignmentReader::with_file_len(&ok[..], n).unwrap().count(), 1);
    }
}
