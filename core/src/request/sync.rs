//! `sync` bodies: the phase first, then the body in that phase's shape. A phase-1 listing
//! may name each chunk's file (`filePath`, several times for code held by several files),
//! with the lines it spans there (`startLine`, `endLine`), and say it is the whole project
//! (`complete`), or one part of it (`hashPrefixes`).

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::index::{IndexBody, index_request};
use super::{
    CheckRequest, Listed, Scope, SyncRequest, check_count, check_envelope, check_id, check_size,
    group, lines, parse, tenant,
};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::location::Location;
use crate::names::MAX_HASH_PREFIX_BYTES;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckBody {
    /// Read by [`PhaseSeek`]; declared so that a second `phase` is refused.
    #[serde(default, rename = "phase")]
    _phase: Option<IgnoredAny>,
    user_id: Option<String>,
    project_id: String,
    #[serde(default)]
    chunks: Option<Vec<HashBody>>,
    #[serde(default)]
    complete: bool,
    #[serde(default)]
    hash_prefixes: Option<Vec<String>>,
    #[serde(default)]
    digest: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashBody {
    hash: String,
    #[serde(default)]
    file_path: Option<String>,
    /// Read as any JSON, kept as its text, so that a wrong type is `invalid_lines`.
    #[serde(default)]
    start_line: Option<Box<RawValue>>,
    #[serde(default)]
    end_line: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct PhaseBody {
    phase: Value,
}

/// Reads a `sync` body of either phase: the phase first, read without a pass over the rest
/// when it comes first (as clients send it), then the body in the phase's shape.
pub fn parse_sync(config: &Config, user: &str, body: &[u8]) -> Result<SyncRequest, RequestError> {
    check_envelope(config, user, body)?;
    let mut found = None;
    // serde_json reports the object's unread rest as an error once the seek stops early;
    // the full parse below judges the body.
    let _ = serde_json::Deserializer::from_slice(body).deserialize_map(PhaseSeek(&mut found));
    let phase = match found {
        Some(phase) if matches!(phase.as_u64(), Some(1 | 2)) => phase,
        // Anything else reads as it always did: the whole body answers first.
        _ => parse::<PhaseBody>(config, user, body)?.phase,
    };
    match phase.as_u64() {
        Some(1) => Ok(SyncRequest::Check(check_request(
            config,
            user,
            parse(config, user, body)?,
        )?)),
        Some(2) => {
            let parsed: IndexBody = parse(config, user, body)?;
            Ok(SyncRequest::Upload(index_request(config, user, parsed)?))
        }
        _ => Err(RequestError::new(
            Kind::InvalidPhase,
            format!("phase must be 1 or 2, not {phase}"),
        )),
    }
}

fn check_request(
    config: &Config,
    user: &str,
    body: CheckBody,
) -> Result<CheckRequest, RequestError> {
    let tenant = tenant(config, user, body.user_id, body.project_id)?;
    let (mut chunks, digest) = match (body.chunks, body.digest) {
        (Some(chunks), None) => (chunks, None),
        (None, Some(digest)) if body.complete && is_digest(&digest) => (Vec::new(), Some(digest)),
        (None, Some(_)) => {
            return Err(RequestError::new(
                Kind::InvalidBody,
                "a phase 1 with a digest instead of chunks is complete (\"complete\": true) \
                 and the digest is 64 lower-case hex digits",
            ));
        }
        (Some(_), Some(_)) | (None, None) => {
            return Err(RequestError::new(
                Kind::InvalidBody,
                "phase 1 takes either \"chunks\" or, for a complete listing, its \"digest\"",
            ));
        }
    };
    check_count(config, chunks.len())?;
    let mut places = Vec::with_capacity(chunks.len());
    for chunk in &chunks {
        check_id("hash", &chunk.hash, config)?;
        if let Some(path) = &chunk.file_path {
            check_size("filePath", path, config.max_file_path_bytes)?;
        }
        places.push(lines(
            config,
            chunk.file_path.as_deref(),
            chunk.start_line.as_deref(),
            chunk.end_line.as_deref(),
        )?);
    }
    let complete = match (body.complete, body.hash_prefixes) {
        (false, None) => None,
        (true, None) => Some(Scope::Project),
        (true, Some(prefixes)) => Some(Scope::HashPrefixes(check_prefixes(config, prefixes)?)),
        (false, Some(_)) => {
            return Err(RequestError::new(
                Kind::InvalidScope,
                "hashPrefixes name a part of a complete listing: send them with \"complete\": true",
            ));
        }
    };
    if let Some(Scope::HashPrefixes(prefixes)) = &complete
        && let Some(outside) = chunks
            .iter()
            .find(|c| !prefixes.iter().any(|p| c.hash.starts_with(p.as_str())))
    {
        return Err(RequestError::new(
            Kind::InvalidScope,
            format!(
                "hash {:?} starts with none of this part's hashPrefixes",
                outside.hash
            ),
        ));
    }
    let groups = group(chunks.iter().map(|c| c.hash.as_str()));
    let listed = groups
        .into_iter()
        .map(|occurrences| {
            let locations: Option<Vec<Location>> = occurrences
                .iter()
                .map(|&i| {
                    chunks[i].file_path.take().map(|file_path| Location {
                        file_path,
                        lines: places[i],
                    })
                })
                .collect();
            Listed {
                hash: std::mem::take(&mut chunks[occurrences[0]].hash),
                locations,
            }
        })
        .collect();
    Ok(CheckRequest {
        tenant,
        listed,
        complete,
        digest,
    })
}

fn is_digest(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Prefixes of a part: at least one, none empty or too long, none a prefix of another.
fn check_prefixes(config: &Config, mut prefixes: Vec<String>) -> Result<Vec<String>, RequestError> {
    let refuse = |message: String| Err(RequestError::new(Kind::InvalidScope, message));
    if prefixes.is_empty() || prefixes.len() > config.max_hash_prefixes {
        return refuse(format!(
            "hashPrefixes holds {}; from 1 to {}",
            prefixes.len(),
            config.max_hash_prefixes
        ));
    }
    if let Some(p) = prefixes
        .iter()
        .find(|p| p.is_empty() || p.len() > MAX_HASH_PREFIX_BYTES)
    {
        return refuse(format!(
            "hash prefix {p:?}: from 1 to {MAX_HASH_PREFIX_BYTES} bytes"
        ));
    }
    prefixes.sort_unstable();
    prefixes.dedup();
    // Sorted, a prefix comes right before the strings it begins.
    if let Some(pair) = prefixes
        .windows(2)
        .find(|w| w[1].starts_with(w[0].as_str()))
    {
        return refuse(format!(
            "hash prefixes {:?} and {:?} overlap",
            pair[0], pair[1]
        ));
    }
    Ok(prefixes)
}

/// Finds the value of `phase` in a JSON object, reading the entries before it only.
struct PhaseSeek<'a>(&'a mut Option<Value>);

impl<'de> Visitor<'de> for PhaseSeek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "phase" {
                *self.0 = Some(map.next_value()?);
                return Ok(());
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(body: &str) -> Result<SyncRequest, &'static str> {
        parse_sync(&Config::default(), "u", body.as_bytes()).map_err(|e| e.code())
    }

    fn check(body: &str) -> CheckRequest {
        match sync(body) {
            Ok(SyncRequest::Check(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_phase_is_found_wherever_it_is_and_refused_twice() {
        let hashes =
            |c: CheckRequest| -> Vec<String> { c.listed.into_iter().map(|l| l.hash).collect() };
        let first = r#"{"phase": 1, "projectId": "p", "chunks": [{"hash": "a"}]}"#;
        let last = r#"{"projectId": "p", "chunks": [{"hash": "a"}], "phase": 1}"#;
        assert_eq!(hashes(check(first)), ["a"]);
        assert_eq!(hashes(check(last)), ["a"]);
        let twice = r#"{"phase": 1, "projectId": "p", "chunks": [], "phase": 2}"#;
        assert_eq!(sync(twice).unwrap_err(), "invalid_body");
    }

    #[test]
    fn the_whole_body_answers_before_a_bad_phase() {
        assert_eq!(
            sync(r#"{"phase": 3, "chunks": [}"#).unwrap_err(),
            "invalid_json"
        );
        assert_eq!(sync(r#"{"phase": 3}"#).unwrap_err(), "invalid_phase");
        assert_eq!(sync(r#"{"chunks": []}"#).unwrap_err(), "invalid_body");
        assert_eq!(sync(r#"[1]"#).unwrap_err(), "invalid_body");
        assert_eq!(
            sync(r#"{"phase": 1, "projectId": "p", "chunks": []} x"#).unwrap_err(),
            "invalid_json"
        );
    }

    #[test]
    fn a_listing_merges_the_files_of_a_hash_and_compares_paths_only_when_all_are_named() {
        let c = check(
            r#"{"phase": 1, "projectId": "p", "complete": true, "chunks": [
                {"hash": "a", "filePath": "x"}, {"hash": "b"}, {"hash": "a", "filePath": "y"},
                {"hash": "c", "filePath": "z"}, {"hash": "c"}]}"#,
        );
        assert_eq!(c.complete, Some(Scope::Project));
        let listed: Vec<(&str, Option<Vec<String>>)> = c
            .listed
            .iter()
            .map(|l| {
                let paths = l
                    .locations
                    .as_ref()
                    .map(|places| places.iter().map(Location::to_metadata).collect());
                (l.hash.as_str(), paths)
            })
            .collect();
        let xy = Some(vec!["x".to_owned(), "y".to_owned()]);
        assert_eq!(listed, [("a", xy), ("b", None), ("c", None)]);
        let digest = crate::marker::paths_digest(&["y", "x"]);
        assert_eq!(c.listed[0].locations_digest(), Some(digest));
    }

    #[test]
    fn a_listing_may_give_lines_beside_each_file_and_never_without_one() {
        let c = check(
            r#"{"phase": 1, "projectId": "p", "chunks": [
                {"hash": "a", "filePath": "x", "startLine": 2, "endLine": 9},
                {"hash": "a", "filePath": "x", "startLine": 20, "endLine": 29}]}"#,
        );
        let places = c.listed[0].locations.clone().unwrap();
        let spelled: Vec<String> = places.iter().map(Location::to_metadata).collect();
        assert_eq!(spelled, ["x:2-9", "x:20-29"]);
        assert_ne!(
            c.listed[0].locations_digest(),
            Some(crate::marker::paths_digest(&["x"]))
        );
        for bad in [
            r#"{"hash": "a", "startLine": 1, "endLine": 2}"#,
            r#"{"hash": "a", "filePath": "x", "startLine": 2}"#,
            r#"{"hash": "a", "filePath": "x", "startLine": 2, "endLine": 1}"#,
        ] {
            let body = format!(r#"{{"phase": 1, "projectId": "p", "chunks": [{bad}]}}"#);
            assert_eq!(sync(&body).unwrap_err(), "invalid_lines", "{bad}");
        }
    }

    #[test]
    fn parts_of_a_listing_name_prefixes_that_hold_every_hash() {
        let part = |prefixes: &str, hashes: &str| {
            sync(&format!(
                r#"{{"phase": 1, "projectId": "p", "complete": true, "hashPrefixes": {prefixes}, "chunks": {hashes}}}"#
            ))
            .map(|r| match r {
                SyncRequest::Check(c) => c.complete,
                SyncRequest::Upload(_) => None,
            })
        };
        assert_eq!(
            part(r#"["b", "a"]"#, r#"[{"hash": "ab"}, {"hash": "b1"}]"#),
            Ok(Some(Scope::HashPrefixes(vec!["a".into(), "b".into()])))
        );
        for (prefixes, why) in [
            (r#"["a"]"#, "a hash outside"),
            (r#"[]"#, "none"),
            (r#"["", "b"]"#, "empty"),
            (r#"["a", "ab", "b"]"#, "overlapping"),
        ] {
            assert_eq!(
                part(prefixes, r#"[{"hash": "ab"}, {"hash": "b1"}]"#),
                Err("invalid_scope"),
                "{why}"
            );
        }
        let no_complete = r#"{"phase": 1, "projectId": "p", "hashPrefixes": ["a"], "chunks": []}"#;
        assert_eq!(sync(no_complete).unwrap_err(), "invalid_scope");
    }

    #[test]
    fn a_root_only_phase_1_is_complete_and_carries_a_digest_alone() {
        let digest = "ab".repeat(32);
        let c = check(&format!(
            r#"{{"phase": 1, "complete": true, "projectId": "p", "digest": "{digest}"}}"#
        ));
        assert_eq!(
            (c.digest.as_deref(), c.listed.len()),
            (Some(digest.as_str()), 0)
        );
        for bad in [
            format!(r#"{{"phase": 1, "projectId": "p", "digest": "{digest}"}}"#),
            format!(
                r#"{{"phase": 1, "complete": true, "projectId": "p", "digest": "{digest}", "chunks": []}}"#
            ),
            r#"{"phase": 1, "complete": true, "projectId": "p", "digest": "AB"}"#.to_owned(),
            r#"{"phase": 1, "complete": true, "projectId": "p"}"#.to_owned(),
        ] {
            assert_eq!(sync(&bad).unwrap_err(), "invalid_body", "{bad}");
        }
    }
}
