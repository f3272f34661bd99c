//! `usage` and `status` bodies: who asks, and about which project. `usage` may name one
//! project to narrow its list (`{}`, or an empty body, asks about them all); `status` names
//! the project it is about.

use serde::Deserialize;

use super::{StatusRequest, UsageRequest, check_envelope, check_id, parse, tenant};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageBody {
    user_id: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    user_id: Option<String>,
    project_id: String,
}

/// Reads a `usage` body.
pub fn parse_usage(config: &Config, user: &str, body: &[u8]) -> Result<UsageRequest, RequestError> {
    let parsed: UsageBody = if body.iter().all(u8::is_ascii_whitespace) {
        check_envelope(config, user, body)?;
        UsageBody {
            user_id: None,
            project_id: None,
        }
    } else {
        parse(config, user, body)?
    };
    if parsed
        .user_id
        .as_deref()
        .is_some_and(|claimed| claimed != user)
    {
        return Err(RequestError::new(
            Kind::UserMismatch,
            "the body's userId is not the authenticated user",
        ));
    }
    check_id("userId", user, config)?;
    if let Some(project) = &parsed.project_id {
        check_id("projectId", project, config)?;
    }
    Ok(UsageRequest {
        user: user.to_owned(),
        project: parsed.project_id,
    })
}

/// Reads a `status` body.
pub fn parse_status(
    config: &Config,
    user: &str,
    body: &[u8],
) -> Result<StatusRequest, RequestError> {
    let parsed: StatusBody = parse(config, user, body)?;
    let tenant = tenant(config, user, parsed.user_id, parsed.project_id)?;
    Ok(StatusRequest { tenant })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_asks_about_every_project_or_one_and_status_about_one() {
        let config = Config::default();
        for empty in ["", " \n", "{}"] {
            let r = parse_usage(&config, "u", empty.as_bytes()).unwrap();
            assert_eq!((r.user.as_str(), r.project), ("u", None), "{empty:?}");
        }
        let r = parse_usage(&config, "u", br#"{"projectId": "p", "userId": "u"}"#).unwrap();
        assert_eq!(r.project.as_deref(), Some("p"));
        let refused = |body: &str| {
            parse_usage(&config, "u", body.as_bytes())
                .unwrap_err()
                .code()
        };
        assert_eq!(refused(r#"{"userId": "v"}"#), "user_mismatch");
        assert_eq!(refused(r#"{"projectId": " "}"#), "invalid_id");
        assert_eq!(refused(r#"{"projectId": 1}"#), "invalid_body");
        assert_eq!(refused("{"), "invalid_json");
        assert_eq!(
            parse_usage(&config, "", b"").unwrap_err().code(),
            "unauthenticated"
        );
        let s = parse_status(&config, "u", br#"{"projectId": "p"}"#).unwrap();
        assert_eq!(s.tenant.project, "p");
        assert_eq!(
            parse_status(&config, "u", b"{}").unwrap_err().code(),
            "invalid_body"
        );
    }
}
