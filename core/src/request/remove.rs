//! `remove` bodies: `{projectId, hashes: [...]}` or `{projectId, all: true}`.

use serde::Deserialize;

use super::{RemoveRequest, RemoveTarget, check_count, check_id, parse, tenant};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveBody {
    user_id: Option<String>,
    project_id: String,
    #[serde(default)]
    hashes: Option<Vec<String>>,
    #[serde(default)]
    all: bool,
}

/// Reads a `remove` body: exactly one of `hashes` and `"all": true`.
pub fn parse_remove(
    config: &Config,
    user: &str,
    body: &[u8],
) -> Result<RemoveRequest, RequestError> {
    let parsed: RemoveBody = parse(config, user, body)?;
    let tenant = tenant(config, user, parsed.user_id, parsed.project_id)?;
    let target = match (parsed.hashes, parsed.all) {
        (Some(mut hashes), false) => {
            check_count(config, hashes.len())?;
            for hash in &hashes {
                check_id("hash", hash, config)?;
            }
            let mut seen = std::collections::HashSet::with_capacity(hashes.len());
            hashes.retain(|h| seen.insert(h.clone()));
            RemoveTarget::Hashes(hashes)
        }
        (None, true) => RemoveTarget::All,
        _ => {
            return Err(RequestError::new(
                Kind::InvalidBody,
                "remove takes either \"hashes\": [...] or \"all\": true",
            ));
        }
    };
    Ok(RemoveRequest { tenant, target })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remove(body: &str) -> Result<RemoveRequest, &'static str> {
        parse_remove(&Config::default(), "u", body.as_bytes()).map_err(|e| e.code())
    }

    #[test]
    fn one_target_exactly() {
        match remove(r#"{"projectId": "p", "hashes": ["a", "b", "a"]}"#)
            .unwrap()
            .target
        {
            RemoveTarget::Hashes(h) => assert_eq!(h, ["a", "b"]),
            RemoveTarget::All => panic!("hashes"),
        }
        assert!(matches!(
            remove(r#"{"projectId": "p", "all": true}"#).unwrap().target,
            RemoveTarget::All
        ));
        for bad in [
            r#"{"projectId": "p"}"#,
            r#"{"projectId": "p", "all": false}"#,
            r#"{"projectId": "p", "all": true, "hashes": []}"#,
        ] {
            assert_eq!(remove(bad).unwrap_err(), "invalid_body", "{bad}");
        }
        assert_eq!(
            remove(r#"{"projectId": "p", "hashes": [" "]}"#).unwrap_err(),
            "invalid_id"
        );
        assert_eq!(
            remove(r#"{"userId": "v", "projectId": "p", "all": true}"#).unwrap_err(),
            "user_mismatch"
        );
    }
}
