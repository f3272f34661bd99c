//! `search` bodies: the query, how many results, and optional filters on where a result's
//! code is (`search/filter.rs`). A filter of the wrong type or form is refused whole, 400
//! `invalid_filter`, before any call; one that is well formed but matches nothing answers
//! an empty list.

use serde::Deserialize;
use serde_json::Value;

use super::{SearchRequest, check_size, parse, tenant};
use crate::config::Config;
use crate::error::{RequestError, RequestErrorKind as Kind};
use crate::glob::Glob;
use crate::search::Filter;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    user_id: Option<String>,
    project_id: String,
    query: String,
    top_k: Option<u32>,
    /// The filters, read as any JSON so that a wrong type is `invalid_filter`.
    #[serde(default)]
    path_prefix: Option<Value>,
    #[serde(default)]
    include: Option<Value>,
    #[serde(default)]
    exclude: Option<Value>,
    #[serde(default)]
    lang: Option<Value>,
}

/// Reads a `search` body.
pub fn parse_search(
    config: &Config,
    user: &str,
    body: &[u8],
) -> Result<SearchRequest, RequestError> {
    let parsed: SearchBody = parse(config, user, body)?;
    let tenant = tenant(config, user, parsed.user_id, parsed.project_id)?;
    if parsed.query.trim().is_empty() {
        return Err(RequestError::new(Kind::InvalidQuery, "query is empty"));
    }
    check_size("query", &parsed.query, config.max_query_bytes)?;
    let top_k = parsed.top_k.unwrap_or(config.default_top_k);
    if top_k == 0 || top_k > config.max_top_k {
        return Err(RequestError::new(
            Kind::InvalidQuery,
            format!(
                "topK must be between 1 and {}, not {top_k}",
                config.max_top_k
            ),
        ));
    }
    let filter = filter(
        config,
        parsed.path_prefix,
        parsed.include,
        parsed.exclude,
        parsed.lang,
    )?;
    Ok(SearchRequest {
        tenant,
        query: parsed.query,
        top_k,
        filter,
    })
}

fn refuse<T>(message: String) -> Result<T, RequestError> {
    Err(RequestError::new(Kind::InvalidFilter, message))
}

/// The filters of a body, checked: `None` when it gives none.
fn filter(
    config: &Config,
    path_prefix: Option<Value>,
    include: Option<Value>,
    exclude: Option<Value>,
    lang: Option<Value>,
) -> Result<Option<Filter>, RequestError> {
    if path_prefix.is_none() && include.is_none() && exclude.is_none() && lang.is_none() {
        return Ok(None);
    }
    let path_prefix = match path_prefix {
        None => None,
        Some(Value::String(prefix)) if prefix.len() > config.max_file_path_bytes => {
            return refuse(format!(
                "a pathPrefix of {} bytes; at most {}, as a path",
                prefix.len(),
                config.max_file_path_bytes
            ));
        }
        Some(Value::String(prefix)) => Some(prefix),
        Some(other) => return refuse(format!("pathPrefix is a string, not {other}")),
    };
    let include = include.map(|v| strings(config, "include", v)).transpose()?;
    let exclude = exclude
        .map(|v| strings(config, "exclude", v))
        .transpose()?
        .unwrap_or_default();
    let lang = match lang {
        None => None,
        Some(Value::String(one)) => Some(vec![sized(config, "lang", one)?]),
        Some(many) => Some(strings(config, "lang", many)?),
    };
    let count =
        include.as_ref().map_or(0, Vec::len) + exclude.len() + lang.as_ref().map_or(0, Vec::len);
    if count > config.max_filter_patterns {
        return refuse(format!(
            "{count} patterns in include, exclude and lang; at most {}",
            config.max_filter_patterns
        ));
    }
    // Loops rather than `collect` into a `Result`: each such collect is its own code in
    // the WebAssembly.
    let globs = |patterns: Vec<String>| -> Result<Vec<Glob>, RequestError> {
        let mut globs = Vec::with_capacity(patterns.len());
        for pattern in &patterns {
            globs.push(Glob::new(pattern).or_else(refuse)?);
        }
        Ok(globs)
    };
    let extensions = |names: Vec<String>| -> Result<Vec<String>, RequestError> {
        let mut extensions = Vec::with_capacity(names.len());
        for ext in names {
            if ext.is_empty() || ext.starts_with('.') || ext.contains('/') {
                return refuse(format!(
                    "lang {ext:?}: a file extension without the dot, like \"rs\""
                ));
            }
            extensions.push(format!(".{}", ext.to_ascii_lowercase()));
        }
        Ok(extensions)
    };
    Ok(Some(Filter {
        path_prefix,
        include: include.map(globs).transpose()?,
        exclude: globs(exclude)?,
        lang: lang.map(extensions).transpose()?,
    }))
}

/// A list of strings, each within `maxFilterPatternBytes`.
fn strings(config: &Config, name: &str, value: Value) -> Result<Vec<String>, RequestError> {
    let Value::Array(items) = value else {
        return refuse(format!("{name} is a list of strings, not {value}"));
    };
    if items.len() > config.max_filter_patterns {
        return refuse(format!(
            "{name} holds {} patterns; at most {}",
            items.len(),
            config.max_filter_patterns
        ));
    }
    let mut strings = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => strings.push(sized(config, name, s)?),
            other => return refuse(format!("{name} is a list of strings; it holds {other}")),
        }
    }
    Ok(strings)
}

fn sized(config: &Config, name: &str, value: String) -> Result<String, RequestError> {
    if value.len() > config.max_filter_pattern_bytes {
        return refuse(format!(
            "a {name} of {} bytes; at most {}",
            value.len(),
            config.max_filter_pattern_bytes
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(extra: &str) -> Result<Option<Filter>, &'static str> {
        let body = format!(r#"{{"projectId": "p", "query": "q"{extra}}}"#);
        parse_search(&Config::default(), "u", body.as_bytes())
            .map(|r| r.filter)
            .map_err(|e| e.code())
    }

    #[test]
    fn filters_are_optional_and_read_in_their_forms() {
        assert_eq!(search(""), Ok(None));
        assert_eq!(search(r#", "pathPrefix": null"#), Ok(None));
        let f = search(r#", "pathPrefix": "src/", "include": ["*.rs"], "lang": "RS""#)
            .unwrap()
            .unwrap();
        assert_eq!(f.path_prefix.as_deref(), Some("src/"));
        assert_eq!(f.lang, Some(vec![".rs".to_owned()]));
        assert_eq!(f.include.map(|g| g.len()), Some(1));
        let f = search(r#", "lang": ["ts", "tsx"], "exclude": ["vendor/"]"#)
            .unwrap()
            .unwrap();
        assert_eq!(f.lang, Some(vec![".ts".to_owned(), ".tsx".to_owned()]));
        assert!(f.include.is_none() && f.exclude.len() == 1);
    }

    #[test]
    fn bad_filters_are_refused_with_their_own_code() {
        let long = "a".repeat(Config::default().max_filter_pattern_bytes + 1);
        let too_deep = "a".repeat(Config::default().max_file_path_bytes + 1);
        let many = vec!["\"*.rs\""; Config::default().max_filter_patterns + 1].join(",");
        for bad in [
            r#", "pathPrefix": 3"#.to_owned(),
            r#", "include": "*.rs""#.to_owned(),
            r#", "include": [1]"#.to_owned(),
            r#", "exclude": ["[abc"]"#.to_owned(),
            r#", "lang": ".rs""#.to_owned(),
            r#", "lang": [""]"#.to_owned(),
            r#", "lang": {"rs": true}"#.to_owned(),
            format!(r#", "include": ["{long}"]"#),
            format!(r#", "pathPrefix": "{too_deep}""#),
            format!(r#", "include": [{many}]"#),
        ] {
            assert_eq!(search(&bad).map(|_| ()), Err("invalid_filter"), "{bad}");
        }
        let three = Config {
            max_filter_patterns: 3,
            ..Config::default()
        };
        let body = r#"{"projectId": "p", "query": "q", "include": ["*.rs", "*.ts"],
            "exclude": ["a"], "lang": ["rs"]}"#;
        assert_eq!(
            parse_search(&three, "u", body.as_bytes())
                .map(|_| ())
                .map_err(|e| e.code()),
            Err("invalid_filter"),
            "include, exclude and lang count together"
        );
    }
}
