//! Reading tensors out of a `.safetensors` file: 8 bytes of header length (little endian),
//! a JSON header naming each tensor's dtype, shape and byte range, then the raw data.
//!
//! The file is read tensor by tensor with plain reads, not mapped: mapping is `unsafe` (the
//! file could change under us) and the tensors are copied into `f32` vectors anyway. Reading
//! one tensor at a time keeps the peak at the weights plus the largest tensor (47 MB, the
//! word embeddings), not twice the weights.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Error;

/// The largest header read: the model's is 8 KB; a corrupt length must not allocate gigabytes.
const MAX_HEADER_BYTES: u64 = 16 * 1024 * 1024;

/// One tensor's place in the file.
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    start: u64,
    end: u64,
}

/// An open safetensors file and its header.
pub(crate) struct SafeTensors {
    file: File,
    path: PathBuf,
    data_start: u64,
    entries: HashMap<String, Entry>,
}

impl SafeTensors {
    /// Opens `path` and reads its header.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let io = |e| Error::io(path, e);
        let mut file = File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let mut len = [0u8; 8];
        file.read_exact(&mut len).map_err(io)?;
        let header_len = u64::from_le_bytes(len);
        let invalid = |what: String| Error::Invalid(format!("{}: {what}", path.display()));
        if header_len > MAX_HEADER_BYTES || 8 + header_len > file_len {
            return Err(invalid(format!("a header of {header_len} bytes")));
        }
        let mut header = vec![0u8; header_len as usize];
        file.read_exact(&mut header).map_err(io)?;
        let header: Value = serde_json::from_slice(&header)
            .map_err(|e| invalid(format!("the header is not JSON: {e}")))?;
        let data_start = 8 + header_len;
        let mut entries = HashMap::new();
        for (name, t) in header.as_object().into_iter().flatten() {
            if name == "__metadata__" {
                continue;
            }
            let entry = parse_entry(t).ok_or_else(|| invalid(format!("{name}: a bad entry")))?;
            if entry.start > entry.end || data_start + entry.end > file_len {
                return Err(invalid(format!("{name}: data beyond the end of the file")));
            }
            entries.insert(name.clone(), entry);
        }
        Ok(Self {
            file,
            path: path.to_owned(),
            data_start,
            entries,
        })
    }

    /// Whether the file holds a tensor called `name`.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The `f32` tensor `name`, which must have the shape `shape`, row-major.
    pub(crate) fn tensor(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, Error> {
        let invalid = |what: String| Error::Invalid(format!("{}: {what}", self.path.display()));
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| invalid(format!("no tensor {name}")))?;
        if entry.dtype != "F32" || entry.shape != shape {
            return Err(invalid(format!(
                "{name} is {} {:?}, not F32 {shape:?}",
                entry.dtype, entry.shape
            )));
        }
        let count: usize = shape.iter().product();
        if entry.end - entry.start != count as u64 * 4 {
            return Err(invalid(format!("{name}: its bytes do not match its shape")));
        }
        let mut bytes = vec![0u8; count * 4];
        let io = |e| Error::io(&self.path, e);
        self.file
            .seek(SeekFrom::Start(self.data_start + entry.start))
            .map_err(io)?;
        self.file.read_exact(&mut bytes).map_err(io)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

fn parse_entry(t: &Value) -> Option<Entry> {
    let shape = t["shape"]
        .as_array()?
        .iter()
        .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
        .collect::<Option<Vec<_>>>()?;
    let offsets = t["data_offsets"].as_array()?;
    Some(Entry {
        dtype: t["dtype"].as_str()?.to_owned(),
        shape,
        start: offsets.first()?.as_u64()?,
        end: offsets.get(1)?.as_u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(header: &str, data: &[u8]) -> (PathBuf, impl Drop) {
        struct Remove(PathBuf);
        impl Drop for Remove {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "index-sync-embed-{}-{n}.safetensors",
            std::process::id()
        ));
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        std::fs::write(&path, bytes).unwrap();
        (path.clone(), Remove(path))
    }

    #[test]
    fn reads_a_tensor_by_name_and_shape() {
        let data: Vec<u8> = [1.5f32, -2.0, 0.25, 8.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let header = r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}"#;
        let (path, _guard) = file_with(header, &data);
        let mut st = SafeTensors::open(&path).unwrap();
        assert!(st.contains("w") && !st.contains("x"));
        assert_eq!(st.tensor("w", &[2, 2]).unwrap(), [1.5, -2.0, 0.25, 8.0]);
        assert!(st.tensor("w", &[4]).is_err(), "a wrong shape");
        assert!(st.tensor("ids", &[1]).is_err(), "not F32");
    }

    #[test]
    fn refuses_data_beyond_the_end() {
        let header = r#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let (path, _guard) = file_with(header, &[0u8; 4]);
        assert!(SafeTensors::open(&path).is_err());
    }
}
