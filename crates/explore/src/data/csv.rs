//! Reading and writing the points as CSV: a header naming the x and y columns (`x` and `y` unless
//! told otherwise; any order, any case, other columns ignored), one point per row, separated by
//! commas, tabs or semicolons, from a file or from standard input (`-`).

use std::io::Read;
use std::path::Path;

use candle_core::DType;
use rayon::prelude::*;

use super::{Collect, Dataset, Load};
use crate::{Error, Result};

/// The longest line a data file may have: a real row is a few dozen bytes, and a file without
/// line breaks (`/dev/zero`, a binary file) must fail quickly rather than fill the memory.
pub const MAX_LINE: usize = 1 << 20;

/// How to read a CSV: which columns are x and y, and what separates the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    /// The names of the x and y columns, matched without regard to case.
    pub x: String,
    pub y: String,
    /// The field separator; `None`: a tab for `.tsv` files, else whichever of comma, tab and
    /// semicolon the header line has most of (a comma on a tie).
    pub delimiter: Option<u8>,
}

impl Default for Columns {
    fn default() -> Self {
        Self {
            x: "x".into(),
            y: "y".into(),
            delimiter: None,
        }
    }
}

/// The separator the first line of `head` uses most: comma, tab or semicolon (comma on a tie).
pub(crate) fn sniff(head: &[u8]) -> u8 {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    let count = |c: u8| line.iter().filter(|&&b| b == c).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&c| (count(c), c == b','))
        .unwrap_or(b',')
}

/// Reads a CSV file (or standard input, for the path `-`) whose header names the columns of
/// `columns` (any order, other columns ignored), one point per row, finite numbers only, into
/// f64 points. See [`read`].
pub fn read_csv(path: &Path, columns: &Columns) -> Result<Dataset> {
    read(path, columns, Load::Points(DType::F64))
}

/// How much is read at a time: blocks of whole lines, parsed on every core.
const BLOCK: usize = 2 << 20;

/// The first block's size: it is parsed alone, before the pipeline fills.
const FIRST_BLOCK: usize = 64 << 10;

/// Reads a CSV file (or standard input, `-`) as [`read_csv`] does, keeping what `load` asks for.
///
/// The input is streamed a block of whole lines at a time, never held whole. A block with no
/// quote character (a plain numeric file) is cut at line boundaries into pieces that every core
/// parses at once, floats by an exact fast parser (`fast-float2`, which rounds as `str::parse`
/// does), while the next block is read and the last one's points are gathered. From the first
/// block with a quote on, the `csv` crate reads the rest, so quoted fields (even with
/// separators or line breaks inside) read as they always have.
pub fn read(path: &Path, columns: &Columns, load: Load) -> Result<Dataset> {
    let stdin = path == Path::new("-");
    let file = if stdin {
        "stdin".to_string()
    } else {
        path.display().to_string()
    };
    let err = |at: String, msg: String| Error::Data { at, msg };
    let (source, size): (Box<dyn Read + Send>, Option<u64>) = if stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        if path.is_dir() {
            return Err(err(file, "is a directory, not a CSV file".into()));
        }
        let f = std::fs::File::open(path)
            .map_err(|e| err(file.clone(), format!("cannot read: {e}")))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let mut input = Blocks::new(source);
    let mut first = match input.next() {
        Ok(Next::Block(b)) => b,
        Ok(Next::End) => Vec::new(),
        Ok(Next::TooLong) => return Err(err(format!("{file}:1"), too_long())),
        Err(e) => return Err(read_failure(&file, &e)),
    };
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let delimiter = match columns.delimiter {
        Some(d) => d,
        None if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("tsv")) =>
        {
            b'\t'
        }
        None => sniff(&first),
    };
    let mut sink = Sink {
        file: &file,
        load,
        size,
        collect: None,
        line: 1,
        bytes: 0,
    };
    if needs_csv_crate(&first) {
        return read_quoted(first, input, None, &mut sink, columns, delimiter);
    }
    // The header: the first line that is not blank (as the csv crate skips blank lines).
    let mut skipped = 0;
    let (line, end) = loop {
        let end = memchr::memchr(b'\n', &first).unwrap_or(first.len());
        let at = skipped + 1;
        let Ok(line) = std::str::from_utf8(&first[..end]) else {
            return Err(err(format!("{file}:{at}"), "not UTF-8 text".into()));
        };
        let line = line.trim_end_matches('\r');
        if !blank(line.as_bytes(), delimiter) || end == first.len() {
            break (line.to_string(), end);
        }
        first.drain(..end + 1);
        skipped += 1;
    };
    sink.line = skipped + 1;
    let names: Vec<String> = line
        .split(delimiter as char)
        .map(|f| f.trim().to_string())
        .collect();
    let header = Header::new(names, columns, &file, sink.line)?;
    first.drain(..(end + 1).min(first.len()));
    sink.line += 1;

    // On a worker of the pool, so that each block's fork and join stay inside it.
    rayon::scope(|_| read_plain(first, input, &header, sink, columns, delimiter))
}

/// The fast reader, from the first data line of the input: block k is parsed while block
/// k − 1's points are gathered and block k + 1 is read.
fn read_plain(
    first: Vec<u8>,
    mut input: Blocks,
    header: &Header,
    mut sink: Sink<'_>,
    columns: &Columns,
    delimiter: u8,
) -> Result<Dataset> {
    let file = sink.file;
    let err = |at: String, msg: String| Error::Data { at, msg };
    let mut pending: Option<Parsed> = None;
    let mut next: std::io::Result<Next> = Ok(Next::Block(first));
    loop {
        let block = match next {
            Ok(Next::Block(b)) => b,
            other => {
                sink.flush(pending.take(), header)?;
                match other {
                    Ok(Next::TooLong) => {
                        return Err(err(format!("{file}:{}", sink.line), too_long()))
                    }
                    Err(e) => return Err(read_failure(file, &e)),
                    _ => break,
                }
            }
        };
        if needs_csv_crate(&block) {
            sink.flush(pending.take(), header)?;
            return read_quoted(block, input, Some(header), &mut sink, columns, delimiter);
        }
        let parts = 4 * rayon::current_num_threads();
        let (parsed, (flushed, following)) = rayon::join(
            || Parsed {
                pieces: split_lines(&block, parts)
                    .par_iter()
                    .map(|piece| parse_piece(piece, delimiter, header))
                    .collect(),
                bytes: block.len(),
            },
            || (sink.flush(pending.take(), header), input.next()),
        );
        flushed?;
        input.recycle(block);
        pending = Some(parsed);
        next = following;
    }
    match sink.collect {
        Some(c) if c.n() > 0 => Ok(c.finish()),
        _ => Err(err(
            file.to_string(),
            "no data rows after the header".into(),
        )),
    }
}

/// "line longer than 1 MiB".
fn too_long() -> String {
    LineTooLong { line: 0 }.to_string()
}

/// A block's pieces, parsed, and the block's length.
struct Parsed {
    pieces: Vec<std::result::Result<Piece, (usize, Bad)>>,
    bytes: usize,
}

/// Where parsed pieces go, in order: their points into a [`Collect`], made once the first block
/// tells how many rows the file seems to hold; their lines counted, for messages.
struct Sink<'a> {
    file: &'a str,
    load: Load,
    size: Option<u64>,
    collect: Option<Collect>,
    /// The line (from 1) the next piece starts at.
    line: usize,
    /// The bytes parsed so far.
    bytes: usize,
}

impl Sink<'_> {
    fn collect(&mut self, rows: usize, bytes: usize) -> &mut Collect {
        let (file, load, size) = (self.file, self.load, self.size);
        self.collect.get_or_insert_with(|| {
            // Room for as many rows as the file seems to hold, so the columns are not grown
            // (and copied) as they fill.
            let expected = match size {
                Some(size) if rows > 0 && bytes > 0 => {
                    (size as f64 / bytes as f64 * rows as f64 * 1.02) as usize + 64
                }
                _ => rows,
            };
            Collect::new(file.to_string(), load, expected)
        })
    }

    fn flush(&mut self, parsed: Option<Parsed>, header: &Header) -> Result<()> {
        let Some(parsed) = parsed else {
            return Ok(());
        };
        let rows: usize = parsed
            .pieces
            .iter()
            .map(|p| p.as_ref().map_or(0, |p| p.x.len()))
            .sum();
        self.bytes += parsed.bytes;
        let (file, size, read, mut line) = (self.file, self.size, self.bytes, self.line);
        let collect = self.collect(rows, parsed.bytes);
        if let Some(size) = size {
            // A file with longer lines at its start than later: room for the rows it now seems
            // to hold, rather than doubling.
            let (n, bytes) = ((collect.n() + rows) as f64, read as f64);
            if n > 0.0 {
                collect.expect((size as f64 / bytes * n * 1.02) as usize + 64);
            }
        }
        for piece in parsed.pieces {
            match piece {
                Ok(p) => {
                    collect.push(&p.x, &p.y)?;
                    line += p.lines;
                }
                Err((at, bad)) => return Err(header.error(file, line + at, bad)),
            }
        }
        self.line = line;
        Ok(())
    }
}

/// What the input gives next.
enum Next {
    /// Whole lines (all that is left, at the end of the input).
    Block(Vec<u8>),
    /// A line that does not end within a block.
    TooLong,
    End,
}

/// The input, a block of whole lines at a time.
struct Blocks {
    source: Box<dyn Read + Send>,
    /// What was read past the last whole line.
    carry: Vec<u8>,
    eof: bool,
    /// Blocks handed back, to be filled again without allocating.
    spare: Vec<Vec<u8>>,
    /// The size of the last block.
    size: usize,
}

impl Blocks {
    fn new(source: Box<dyn Read + Send>) -> Self {
        Self {
            source,
            carry: Vec::new(),
            eof: false,
            spare: Vec::new(),
            size: 0,
        }
    }

    fn next(&mut self) -> std::io::Result<Next> {
        let mut block = self.spare.pop().unwrap_or_default();
        block.clear();
        block.append(&mut self.carry);
        // The first blocks are small, so that the cores start parsing at once; then
        // [`BLOCK`]s, each in as few reads as the source allows (a file: one).
        self.size = (2 * self.size).clamp(FIRST_BLOCK, BLOCK);
        let mut filled = block.len();
        loop {
            block.resize(self.size.max(filled), 0);
            while !self.eof && filled < block.len() {
                match self.source.read(&mut block[filled..]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            block.truncate(filled);
            if block.is_empty() {
                return Ok(Next::End);
            }
            if self.eof {
                return Ok(Next::Block(block));
            }
            match memchr::memrchr(b'\n', &block) {
                Some(i) => {
                    self.carry.extend_from_slice(&block[i + 1..]);
                    block.truncate(i + 1);
                    return Ok(Next::Block(block));
                }
                // A line longer than a small block: read on, up to a whole one.
                None if self.size < BLOCK => self.size = BLOCK,
                None => return Ok(Next::TooLong),
            }
        }
    }

    fn recycle(&mut self, block: Vec<u8>) {
        self.spare.push(block);
    }
}

/// Whether a line (UTF-8, its `\r` taken off) is blank as the `csv` crate, trimming, sees it:
/// no separator, and nothing but white space.
fn blank(line: &[u8], delimiter: u8) -> bool {
    memchr::memchr(delimiter, line).is_none()
        && std::str::from_utf8(line).is_ok_and(|l| l.trim().is_empty())
}

/// Whether a block needs the `csv` crate: a quote (quoted fields), or a carriage return that
/// ends a line on its own (old Mac line breaks).
fn needs_csv_crate(block: &[u8]) -> bool {
    memchr::memchr(b'"', block).is_some()
        || memchr::memchr_iter(b'\r', block).any(|i| block.get(i + 1).is_some_and(|&b| b != b'\n'))
}

/// The header's columns: how many, and which are x and y.
struct Header {
    names: Vec<String>,
    x: usize,
    y: usize,
    x_name: String,
    y_name: String,
}

impl Header {
    /// The header `names`, on line `line` of `file`.
    fn new(names: Vec<String>, columns: &Columns, file: &str, line: usize) -> Result<Self> {
        let err = |at: String, msg: String| Error::Data { at, msg };
        if names.iter().all(String::is_empty) {
            return Err(err(
                file.to_string(),
                "the file is empty; expected a header line naming columns x and y".into(),
            ));
        }
        let column = |name: &str| super::find_column(&names, name, &format!("{file}:{line}"));
        Ok(Self {
            x: column(&columns.x)?,
            y: column(&columns.y)?,
            x_name: columns.x.clone(),
            y_name: columns.y.clone(),
            names,
        })
    }

    /// The message for what is wrong at `line` of `file`.
    fn error(&self, file: &str, line: usize, bad: Bad) -> Error {
        let (at, msg) = match bad {
            Bad::Fields(n) => (
                format!("{file}:{line}"),
                format!(
                    "{}, but the header has {}",
                    crate::number::count(n, "field"),
                    self.names.len()
                ),
            ),
            Bad::Utf8 => (format!("{file}:{line}"), "not UTF-8 text".to_string()),
            Bad::TooLong => (format!("{file}:{line}"), too_long()),
            Bad::Number(column, e) => {
                let name = if column == self.x {
                    &self.x_name
                } else {
                    &self.y_name
                };
                (
                    format!("{file}:{line}:{}", column + 1),
                    format!("`{}` in column {name} is {}", e.text(), e.reason()),
                )
            }
        };
        Error::Data { at, msg }
    }
}

/// What is wrong with a line.
enum Bad {
    /// It has this many fields, not the header's number.
    Fields(usize),
    /// This field (from 0) is not a finite number.
    Number(usize, crate::number::BadNumber),
    Utf8,
    TooLong,
}

/// The points of one piece of a block, and how many lines it had.
struct Piece {
    x: Vec<f64>,
    y: Vec<f64>,
    lines: usize,
}

/// `block` (whole lines) cut at line boundaries into about `parts` pieces of similar size;
/// small blocks stay whole.
fn split_lines(block: &[u8], parts: usize) -> Vec<&[u8]> {
    if parts < 2 || block.len() < 1 << 16 {
        return vec![block];
    }
    let mut pieces = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let target = (block.len() * k / parts).max(start);
        let Some(nl) = memchr::memchr(b'\n', &block[target..]) else {
            break;
        };
        let end = target + nl + 1;
        pieces.push(&block[start..end]);
        start = end;
    }
    pieces.push(&block[start..]);
    pieces
}

/// Parses whole lines without quotes, each by [`plain_line`] or, failing that, field by field:
/// a failure is the line it is on (from 0) and what is wrong.
fn parse_piece(
    piece: &[u8],
    delimiter: u8,
    header: &Header,
) -> std::result::Result<Piece, (usize, Bad)> {
    // About 40 bytes a row: room for the usual numeric file without growing.
    let guess = piece.len() / 32 + 1;
    let (mut x, mut y) = (Vec::with_capacity(guess), Vec::with_capacity(guess));
    let (want_x, want_y, fields) = (header.x, header.y, header.names.len());
    let mut lines = 0;
    let mut rest = piece;
    while !rest.is_empty() {
        if let Some((vx, vy, used)) = plain_line(rest, delimiter, header) {
            if used > MAX_LINE {
                return Err((lines, Bad::TooLong));
            }
            x.push(vx);
            y.push(vy);
            lines += 1;
            rest = &rest[used..];
            continue;
        }
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let at = lines;
        lines += 1;
        if line.len() > MAX_LINE {
            return Err((at, Bad::TooLong));
        }
        if std::str::from_utf8(line).is_err() {
            return Err((at, Bad::Utf8));
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if blank(line, delimiter) {
            continue; // a blank line
        }
        let (mut cx, mut cy, mut n, mut start) = (&line[..0], &line[..0], 0, 0);
        for end in memchr::memchr_iter(delimiter, line).chain(std::iter::once(line.len())) {
            if n == want_x {
                cx = &line[start..end];
            }
            if n == want_y {
                cy = &line[start..end];
            }
            n += 1;
            start = end + 1;
        }
        if n != fields {
            return Err((at, Bad::Fields(n)));
        }
        x.push(number(cx).map_err(|e| (at, Bad::Number(want_x, e)))?);
        y.push(number(cy).map_err(|e| (at, Bad::Number(want_y, e)))?);
    }
    Ok(Piece { x, y, lines })
}

/// The common line, read in one pass: every field wanted a plain finite number that runs up
/// to its separator, the line ending in `\n` or `\r\n` (or the input). Gives x, y and the
/// bytes used; anything else (spaces, a bad number, a wrong count) is left to the careful path.
fn plain_line(bytes: &[u8], delimiter: u8, header: &Header) -> Option<(f64, f64, usize)> {
    let fields = header.names.len();
    let (mut vx, mut vy, mut at) = (0.0, 0.0, 0);
    for field in 0..fields {
        let last = field + 1 == fields;
        let end = if field == header.x || field == header.y {
            let (v, used) = fast_float2::parse_partial::<f64, _>(&bytes[at..]).ok()?;
            if !v.is_finite() || used == 0 {
                return None;
            }
            if field == header.x {
                vx = v;
            }
            if field == header.y {
                vy = v;
            }
            at + used
        } else {
            let end =
                at + memchr::memchr2(delimiter, b'\n', &bytes[at..]).unwrap_or(bytes.len() - at);
            // Text in a column not read must still be text.
            std::str::from_utf8(&bytes[at..end]).ok()?;
            end
        };
        // What ends the field: the separator, or for the last field the end of the line.
        match (bytes.get(end), last) {
            (Some(&b), false) if b == delimiter => at = end + 1,
            (Some(b'\n'), true) => return Some((vx, vy, end + 1)),
            (Some(b'\r'), true) if bytes.get(end + 1) == Some(&b'\n') => {
                return Some((vx, vy, end + 2))
            }
            (None, true) => return Some((vx, vy, end)),
            _ => return None,
        }
    }
    None
}

/// A field as a finite number: by the fast parser, or, for anything it refuses, by the one
/// parser every number in the project goes through (so the same texts are refused with the
/// same words).
fn number(field: &[u8]) -> std::result::Result<f64, crate::number::BadNumber> {
    match fast_float2::parse::<f64, _>(field.trim_ascii()) {
        Ok(v) if v.is_finite() => Ok(v),
        // The piece is UTF-8, and a field is cut at ASCII bytes.
        _ => crate::number::parse_finite(std::str::from_utf8(field).unwrap_or_default()),
    }
}

/// A read error as `file: cannot read: why`, or the line that was too long.
fn read_failure(file: &str, e: &std::io::Error) -> Error {
    match e.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>()) {
        Some(long) => Error::Data {
            at: format!("{file}:{}", long.line),
            msg: long.to_string(),
        },
        None => Error::Data {
            at: file.to_string(),
            msg: format!("cannot read: {e}"),
        },
    }
}

/// The rest of the input, from a record boundary (`block`, then what `input` has left), read by
/// the `csv` crate: for quoted fields. `header` is known when the fast reader has begun.
fn read_quoted(
    block: Vec<u8>,
    input: Blocks,
    header: Option<&Header>,
    sink: &mut Sink<'_>,
    columns: &Columns,
    delimiter: u8,
) -> Result<Dataset> {
    let file = sink.file;
    let err = |at: String, msg: String| Error::Data { at, msg };
    let first_line = sink.line;
    let rest = std::io::Cursor::new(block)
        .chain(std::io::Cursor::new(input.carry))
        .chain(input.source);
    let breaks = std::rc::Rc::new(std::cell::RefCell::new(Breaks::default()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(Lines {
            inner: rest,
            breaks: breaks.clone(),
            first: first_line,
        });
    // The line in the file of the byte at `at` of what the csv reader read: its own line count
    // skips blank lines and takes `\r\n` as two breaks.
    let in_file = |at: Option<&csv::Position>| {
        first_line + at.map_or(0, |p| breaks.borrow_mut().before(p.byte()))
    };
    // Every problem the csv reader meets, as `file:line: what`.
    let read_error = |e: csv::Error| {
        let line = in_file(e.position());
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => err(format!("{file}:{line}"), "not UTF-8 text".into()),
            csv::ErrorKind::Io(io) => read_failure(file, io),
            _ => err(format!("{file}:{line}"), e.to_string()),
        }
    };
    let read_header;
    let header = match header {
        Some(h) => h,
        None => {
            let mut names = csv::StringRecord::new();
            // The first record that is not blank (a line of spaces is one, trimmed).
            let mut has_header = reader.read_record(&mut names).map_err(read_error)?;
            while has_header && names.len() == 1 && names[0].is_empty() {
                has_header = reader.read_record(&mut names).map_err(read_error)?;
            }
            if !has_header {
                return Err(err(
                    file.to_string(),
                    "the file is empty; expected a header line naming columns x and y".into(),
                ));
            }
            let line = in_file(names.position());
            let names = names.iter().map(str::to_string).collect();
            read_header = Header::new(names, columns, file, line)?;
            &read_header
        }
    };
    let guess = sink.size.map_or(0, |s| (s / 40) as usize);
    let collect = sink.collect(guess, 1);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    // One record, reused for every row.
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(read_error)? {
        let line = in_file(record.position());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != header.names.len() {
            return Err(header.error(file, line, Bad::Fields(record.len())));
        }
        let cell = |i: usize| {
            crate::number::parse_finite(&record[i])
                .map_err(|e| header.error(file, line, Bad::Number(i, e)))
        };
        x.push(cell(header.x)?);
        y.push(cell(header.y)?);
        if x.len() == model::GROUP {
            collect.push(&x, &y)?;
            x.clear();
            y.clear();
        }
    }
    collect.push(&x, &y)?;
    if collect.n() == 0 {
        return Err(err(
            file.to_string(),
            "no data rows after the header".into(),
        ));
    }
    Ok(sink.collect.take().expect("made above").finish())
}

/// Writes points as CSV with an `x,y` header, every value in full precision.
pub fn write_csv(
    points: impl Iterator<Item = (f64, f64)>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let exact = |v: f64| crate::number::exact(v, candle_core::DType::F64);
    writeln!(out, "x,y")?;
    for (x, y) in points {
        writeln!(out, "{},{}", exact(x), exact(y))?;
    }
    Ok(())
}

/// The data set as CSV text (see [`write_csv`]).
pub fn to_csv(data: &Dataset) -> Result<String> {
    let (x, y) = data.values()?;
    let mut text = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_csv(x.into_iter().zip(y), &mut text);
    Ok(String::from_utf8(text).unwrap_or_default())
}

/// A line longer than [`MAX_LINE`].
#[derive(Debug)]
struct LineTooLong {
    line: u64,
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line longer than {} MiB", MAX_LINE >> 20)
    }
}

impl std::error::Error for LineTooLong {}

/// Where the line breaks are in what the `csv` crate has read (`\n`, `\r\n` or a lone `\r`, as
/// csv-core takes them), so that a record's byte position gives its line, blank lines and
/// quoted line breaks counted.
#[derive(Debug, Default)]
struct Breaks {
    /// `(start, end)` byte offsets of the breaks not yet passed, in order.
    ahead: std::collections::VecDeque<(u64, u64)>,
    /// Breaks passed.
    passed: usize,
    /// A `\r` at this offset, waiting to see whether a `\n` follows.
    pending_cr: Option<u64>,
    /// Bytes scanned so far, and since the last break.
    scanned: u64,
    since_break: usize,
}

impl Breaks {
    fn scan(&mut self, bytes: &[u8]) {
        let base = self.scanned;
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            let at = base + i as u64;
            if let Some(cr) = self.pending_cr.take() {
                if bytes[i] == b'\n' && at == cr + 1 {
                    self.ahead.push_back((cr, at + 1));
                    continue;
                }
                self.ahead.push_back((cr, cr + 1));
            }
            if bytes[i] == b'\r' {
                self.pending_cr = Some(at);
            } else {
                self.ahead.push_back((at, at + 1));
            }
        }
        self.since_break = match memchr::memrchr2(b'\n', b'\r', bytes) {
            Some(i) => bytes.len() - i - 1,
            None => self.since_break + bytes.len(),
        };
        self.scanned += bytes.len() as u64;
    }

    /// The number of breaks before a record the csv crate says starts at byte `at` (never
    /// going back). Its position is where the previous record ended, so the empty lines the
    /// crate skipped there come before the record too.
    fn before(&mut self, mut at: u64) -> usize {
        while let Some(&(start, end)) = self.ahead.front() {
            if start > at {
                break;
            }
            // A break wholly before, or one `at` falls in or starts: an empty line skipped, or
            // the `\n` of the previous record's `\r\n`.
            if end > at {
                at = end;
            }
            self.passed += 1;
            self.ahead.pop_front();
        }
        self.passed
    }
}

/// A reader that records the [`Breaks`] of what passes through it, and fails once a line grows
/// past [`MAX_LINE`] bytes.
struct Lines<R> {
    inner: R,
    breaks: std::rc::Rc<std::cell::RefCell<Breaks>>,
    /// The line (from 1) the first byte is on.
    first: usize,
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        breaks.scan(&buf[..n]);
        if breaks.since_break > MAX_LINE {
            let line = (self.first + breaks.passed + breaks.ahead.len()) as u64;
            let long = LineTooLong { line };
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, long));
        }
        Ok(n)
    }
}
