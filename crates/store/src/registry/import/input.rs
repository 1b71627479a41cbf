//! A register CSV read whole into records and refused rows, with its digest.

use renkou_formats::{RegisterRecord, RejectedRow};
use sha2::{Digest, Sha256};

/// A parsed file, ready to import.
#[derive(Debug, Clone)]
pub struct ImportInput {
    /// The source register's name (`police`, `wis`, ...): records are matched
    /// to earlier imports of the same source by their record id.
    pub source: String,
    /// The file's name, for reports and the kept rows.
    pub file: String,
    /// SHA-256 of the file's bytes.
    pub file_sha256: String,
    /// Who runs the import.
    pub recorder: String,
    /// Rows the reader normalised.
    pub records: Vec<RegisterRecord>,
    /// Rows the reader refused.
    pub rejected: Vec<RejectedRow>,
}

impl ImportInput {
    /// Reads a whole register CSV. A file that cannot be read as a whole (not
    /// UTF-8, not CSV, a required column missing) is an error and nothing of it
    /// is imported; bad rows are kept in `rejected`.
    pub fn read(
        input: impl std::io::Read,
        file: &str,
        source: &str,
        recorder: &str,
    ) -> Result<ImportInput, renkou_formats::FileError> {
        let mut hashing = HashingReader {
            inner: input,
            hasher: Sha256::new(),
        };
        let (records, rejected) =
            renkou_formats::RegisterReader::new(&mut hashing, file)?.read_all()?;
        Ok(ImportInput {
            source: source.to_string(),
            file: file.to_string(),
            file_sha256: hex::encode(hashing.hasher.finalize()),
            recorder: recorder.to_string(),
            records,
            rejected,
        })
    }
}

/// Hashes the bytes as they are read.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
