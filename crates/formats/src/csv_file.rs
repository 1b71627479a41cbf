//! A CSV file as the exchange formats read it: a header row (a byte order
//! mark and case ignored), blank padding lines skipped, and whatever only a
//! broken file makes — a field too long for any value, a quote never
//! closed — refused whole, so one stray quote cannot turn the rest of a file
//! into one record. The register and the WIS card readers are built on it.

use std::io::Read;

/// The longest field a register file may hold, in bytes; a longer one is a
/// broken file (e.g. a stray quote that swallowed the rows after it).
pub const MAX_FIELD_BYTES: usize = 4096;

/// The most line breaks a quoted field may hold (an address may wrap).
const MAX_FIELD_LINE_BREAKS: usize = 4;

/// A file that cannot be read at all; nothing of it is imported.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A required column is absent from the header row.
    #[error("{file}：表头缺少必需的列“{column}”")]
    MissingColumn { file: String, column: &'static str },
    /// The same column appears twice in the header.
    #[error("{file}：表头中“{column}”列出现了两次")]
    DuplicateColumn { file: String, column: String },
    /// The bytes are not UTF-8 (registers exported as GBK must be converted first).
    #[error("{file} 第 {line} 行：文件不是 UTF-8 编码（请先转换，如 `iconv -f GBK -t UTF-8`）")]
    NotUtf8 { file: String, line: u64 },
    /// The file is empty or has no header row.
    #[error("{file}：文件为空（没有表头行）")]
    Empty { file: String },
    /// The CSV structure is broken (e.g. an unterminated quote).
    #[error("{file} 第 {line} 行：不是有效的 CSV（{reason}）")]
    Csv {
        file: String,
        line: u64,
        reason: String,
    },
    /// A field longer than any register value: a stray quote swallowed the
    /// rows after it, or the file is not a register.
    #[error(
        "{file} 第 {line} 行：一个字段长 {bytes} 字节（最多 {MAX_FIELD_BYTES}），可能多了一个引号"
    )]
    FieldTooLong {
        file: String,
        line: u64,
        bytes: usize,
    },
    /// A quoted field runs over many lines or to the end of the file.
    #[error("{file} 第 {line} 行：引号内的字段跨越 {lines} 行以上或直到文件末尾，可能多了一个引号")]
    UnterminatedQuote {
        file: String,
        line: u64,
        lines: usize,
    },
    /// Reading failed.
    #[error("{file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

/// A CSV file being read, record by record.
pub(crate) struct CsvFile<R: Read> {
    file: String,
    reader: csv::Reader<LastByte<R>>,
    headers: Vec<String>,
    /// The line of the last record read, if its last field holds a line
    /// break: at the end of the file it tells an unterminated quote.
    open_quote: Option<u64>,
}

/// A reader that remembers the last byte other than a line break, so that a
/// file ending inside a quoted field is told from one ending after it.
struct LastByte<R> {
    inner: R,
    last: Option<u8>,
}

impl<R: Read> Read for LastByte<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = buf[..n].iter().rev().find(|b| !matches!(b, b'\n' | b'\r')) {
            self.last = Some(*b);
        }
        Ok(n)
    }
}

impl<R: Read> CsvFile<R> {
    /// Opens a file and reads its header row (lower-cased, trimmed).
    pub(crate) fn open(input: R, file: &str) -> Result<Self, FileError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(LastByte {
                inner: input,
                last: None,
            });
        let header_record = reader.headers().map_err(|e| csv_error(file, e))?.clone();
        let headers: Vec<String> = header_record
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim().to_ascii_lowercase()
            })
            .collect();
        if headers.iter().all(String::is_empty) {
            return Err(FileError::Empty {
                file: file.to_string(),
            });
        }
        Ok(CsvFile {
            file: file.to_string(),
            reader,
            headers,
            open_quote: None,
        })
    }

    /// The file's name, as errors give it.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The header row.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Reads the next non-blank record; its line, or `None` at the end.
    pub(crate) fn next_record(
        &mut self,
        record: &mut csv::StringRecord,
    ) -> Result<Option<u64>, FileError> {
        loop {
            let more = self
                .reader
                .read_record(record)
                .map_err(|e| csv_error(&self.file, e))?;
            if !more {
                // A multi-line field in the last record, and the file's last
                // byte is not the closing quote: the quote was never closed.
                if let Some(line) = self.open_quote
                    && self.reader.get_ref().last != Some(b'"')
                {
                    return Err(FileError::UnterminatedQuote {
                        file: self.file.clone(),
                        line,
                        lines: 0,
                    });
                }
                return Ok(None);
            }
            // A line of only commas or spaces is padding, not a record.
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = record.position().map_or(0, |p| p.line());
            self.check_structure(record, line)?;
            return Ok(Some(line));
        }
    }

    /// Refuses a record that only a broken file makes: a field too long for
    /// any register value, or a quoted field over many lines or to the end
    /// of the file (an unterminated quote), so one stray quote cannot turn
    /// the rest of a file into one record.
    fn check_structure(&mut self, record: &csv::StringRecord, line: u64) -> Result<(), FileError> {
        self.open_quote = None;
        let last = record.len().saturating_sub(1);
        for (i, field) in record.iter().enumerate() {
            if field.len() > MAX_FIELD_BYTES {
                return Err(FileError::FieldTooLong {
                    file: self.file.clone(),
                    line,
                    bytes: field.len(),
                });
            }
            let breaks = field.matches('\n').count();
            if breaks > MAX_FIELD_LINE_BREAKS {
                return Err(FileError::UnterminatedQuote {
                    file: self.file.clone(),
                    line,
                    lines: breaks,
                });
            }
            // A quote never closed swallows the rest: its field is the last.
            if breaks > 0 && i == last {
                self.open_quote = Some(line);
            }
        }
        Ok(())
    }
}

fn csv_error(file: &str, e: csv::Error) -> FileError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Utf8 { pos, .. } => FileError::NotUtf8 {
            file: file.into(),
            line: pos.map_or(line, |p| p.line()),
        },
        csv::ErrorKind::Io(source) => FileError::Io {
            file: file.into(),
            source,
        },
        other => FileError::Csv {
            file: file.into(),
            line,
            reason: format!("{other:?}"),
        },
    }
}
