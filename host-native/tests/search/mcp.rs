//! `index-sync mcp` spoken to over stdio as an MCP client does, one JSON-RPC message a line:
//! the handshake at the first revision with structured tool results, the two tools listed
//! with their schemas, `search_code` answering exactly `search --json`'s results (each
//! location's lines holding the code on disk) with `path:start-end` and the code in its
//! text, `index_status` the store's counts, and the protocol's errors. Nothing but JSON-RPC
//! comes out on standard output.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::project::{Project, checked_locations};

struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Responses read while waiting for another.
    early: Vec<Value>,
    next_id: u64,
}

impl Session {
    /// `index-sync mcp` in the project's folder.
    fn start(project: &Project) -> Self {
        Self::start_in(&project.root, &[])
    }

    /// `index-sync mcp ARGS...` in `cwd`.
    fn start_in(cwd: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_index-sync"))
            .arg("mcp")
            .args(args)
            .current_dir(cwd)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("USER", "alice")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
            early: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and returns its response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        if let Some(at) = self.early.iter().position(|r| r["id"] == id) {
            return self.early.remove(at);
        }
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed"
            );
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not JSON on standard output ({e}): {line:?}"));
            assert_eq!(message["jsonrpc"], "2.0", "{message}");
            if message["id"] == id {
                return message;
            }
            self.early.push(message);
        }
    }

    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        self.request("tools/call", json!({"name": tool, "arguments": arguments}))
    }
}

/// RFC 3339 UTC seconds (`2026-12-07T05:31:08Z`) as Unix seconds.
fn unix(stamp: &str) -> u64 {
    let number = |range: std::ops::Range<usize>| -> i64 { stamp[range].parse().unwrap() };
    let (y, m, d) = (number(0..4), number(5..7), number(8..10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + number(11..13) * 3_600 + number(14..16) * 60 + number(17..19);
    u64::try_from(seconds).unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn an_mcp_client_lists_and_calls_both_tools_over_stdio() {
    let project = Project::new();
    let started = now();
    project.index();
    let mut session = Session::start(&project);

    let init = session.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "0"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18", "{init}");
    assert!(
        init["result"]["capabilities"]["tools"].is_object(),
        "{init}"
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "index-sync");
    session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    let listed = session.request("tools/list", json!({}));
    let tools = listed["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["search_code", "index_status"]);
    for tool in tools {
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        assert_eq!(tool["outputSchema"]["type"], "object", "{tool}");
    }
    assert_eq!(tools[0]["inputSchema"]["required"], json!(["query"]));

    let query = "retry with exponential backoff";
    let found = session.call("search_code", json!({"query": query, "topK": 50}));
    let result = &found["result"];
    assert_eq!(result["isError"], false, "{found}");
    assert_eq!(
        result["structuredContent"],
        project.search_json(query, &[]),
        "search_code's structured content is search --json's"
    );
    let places = checked_locations(&project.root, &result["structuredContent"]);
    let text = result["content"][0]["text"].as_str().unwrap();
    assert_eq!(result["content"][0]["type"], "text");
    for (path, start, end) in &places {
        assert!(text.contains(&format!("{path}:{start}-{end}  ")), "{text}");
    }
    assert!(
        text.contains("    pub fn backoff(attempt: u32) -> Duration {\n"),
        "{text}"
    );

    let narrowed = session.call(
        "search_code",
        json!({"query": query, "path": ["web", "docs"], "lang": "ts"}),
    );
    let places = checked_locations(&project.root, &narrowed["result"]["structuredContent"]);
    assert!(
        !places.is_empty()
            && places
                .iter()
                .all(|(p, _, _)| p.starts_with("web/") && p.ends_with(".ts"))
    );

    let status = session.call("index_status", json!({}));
    let counts = &status["result"]["structuredContent"];
    let chunks = project.search_json(query, &[])["results"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(counts["chunks"], chunks as u64, "{status}");
    assert_eq!(counts["files"], 4, "{status}");
    assert_eq!(counts["projectId"], "demo");
    assert_eq!(counts["userId"], "alice");
    let at = unix(counts["lastIndexedAt"].as_str().unwrap());
    assert!(started <= at && at <= now(), "{status}");
    let status_text = status["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        status_text.contains(&format!("{chunks} chunks in 4 files")),
        "{status_text}"
    );

    // The protocol's errors, and the tool's own.
    assert_eq!(session.request("ping", json!({}))["result"], json!({}));
    assert_eq!(
        session.request("resources/unknown", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        session.call("no_such_tool", json!({}))["error"]["code"],
        -32602
    );
    assert_eq!(
        session.call("search_code", json!({"topK": 3}))["error"]["code"],
        -32602
    );
    let refused = session.call("search_code", json!({"query": "x", "path": "src/["}));
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    let why = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(why.starts_with("invalid_filter: "), "{why}");

    // Closing standard input ends the server, cleanly.
    drop(session.stdin.take());
    let mut rest = String::new();
    while session.stdout.read_line(&mut rest).unwrap() > 0 {}
    assert!(
        rest.trim().is_empty(),
        "nothing after the last response: {rest:?}"
    );
    assert!(session.child.wait().unwrap().success());
}

#[test]
fn a_client_that_starts_servers_elsewhere_names_the_project_folder() {
    let project = Project::new();
    project.index();
    let elsewhere = project.root.parent().unwrap();
    let mut session = Session::start_in(elsewhere, &[project.root.join("src").to_str().unwrap()]);
    let init = session.request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "test", "version": "0"}}),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let status = session.call("index_status", json!({}));
    let counts = &status["result"]["structuredContent"];
    assert_eq!(
        counts["projectId"], "demo",
        "the folder holding .index-sync/: {status}"
    );
    assert_eq!(counts["files"], 4, "{status}");
    let found = session.call("search_code", json!({"query": "backoff", "path": "src"}));
    let places = checked_locations(&project.root, &found["result"]["structuredContent"]);
    assert!(!places.is_empty() && places.iter().all(|(p, _, _)| p.starts_with("src/")));
    drop(session.stdin.take());
    assert!(session.child.wait().unwrap().success());
}
