//! `index --ai workers-ai` and `search` against a stand-in of Cloudflare's REST API on a
//! loopback port (`CLOUDFLARE_API_BASE_URL`): every call is `POST
//! /accounts/{account}/ai/run/{model}` with the token as a bearer credential and exactly
//! the engine's input as the body (`{"text": [...]}` for embeddings, `{"messages": [...]}`
//! for summaries), the Worker's models and batch sizes, nothing of the user, project or
//! paths in it (invariant 3); a 429 is sent again after its `Retry-After`. The stand-in
//! answers as Workers AI would, its outputs those of the deterministic fake.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{figure, index_sync_with, succeeded, two_file_project};
use index_sync_core::Config;
use index_sync_native::fakes::ai;
use serde_json::{Value, json};
use tiny_http::{Header, Response, Server};

const ACCOUNT: &str = "0123abcd";
const TOKEN: &str = "tok-workers-ai";
const USER: &str = "alice@example.com";

/// A call the stand-in received: its path, authorization and body, and the status it
/// answered.
#[derive(Clone, Debug)]
struct Call {
    path: String,
    authorization: String,
    body: Value,
    status: u16,
}

/// The stand-in on a loopback port; answers the first call 429 (`Retry-After: 1`).
fn stand_in() -> (String, Arc<Mutex<Vec<Call>>>) {
    let server = Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}/client/v4", server.server_addr());
    let calls = Arc::new(Mutex::new(Vec::<Call>::new()));
    let seen = Arc::clone(&calls);
    std::thread::spawn(move || {
        for mut request in server.incoming_requests() {
            let mut text = String::new();
            request.as_reader().read_to_string(&mut text).unwrap();
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let authorization = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("authorization"))
                .map(|h| h.value.to_string())
                .unwrap_or_default();
            let path = request.url().to_owned();
            let prefix = format!("/client/v4/accounts/{ACCOUNT}/ai/run/");
            let first = seen.lock().unwrap().is_empty();
            let (status, answer) = match path.strip_prefix(&prefix) {
                _ if first => (
                    429,
                    json!({"success": false, "errors": [{"code": 3040, "message": "Capacity temporarily exceeded"}]}),
                ),
                _ if authorization != format!("Bearer {TOKEN}") => (
                    401,
                    json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}]}),
                ),
                Some(model) => match ai::run(model, &body) {
                    Ok(result) => (
                        200,
                        json!({"result": result, "success": true, "errors": [], "messages": []}),
                    ),
                    Err(e) => (
                        400,
                        json!({"success": false, "errors": [{"code": 5006, "message": e.message}]}),
                    ),
                },
                None => (
                    404,
                    json!({"success": false, "errors": [{"code": 7000, "message": "No route"}]}),
                ),
            };
            seen.lock().unwrap().push(Call {
                path,
                authorization,
                body,
                status,
            });
            let mut response = Response::from_string(answer.to_string()).with_status_code(status);
            if status == 429 {
                response.add_header(Header::from_bytes("retry-after", "1").unwrap());
            }
            let _ = request.respond(response);
        }
    });
    (base, calls)
}

#[test]
fn index_and_search_call_workers_ai_over_rest_with_the_workers_models_and_resend_a_429() {
    let (base, calls) = stand_in();
    let folder = two_file_project();
    let store_dir = tempfile::tempdir().unwrap();
    let store = store_dir.path().join("store.sqlite");
    let (dir, store) = (folder.path().to_str().unwrap(), store.to_str().unwrap());
    let tenant = ["--user", USER, "--project", "demo", "--store", store];
    let env = [
        ("CLOUDFLARE_ACCOUNT_ID", ACCOUNT),
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_API_BASE_URL", base.as_str()),
    ];
    let args = [&["index", dir, "--ai", "workers-ai"][..], &tenant].concat();
    let started = Instant::now();
    let report = succeeded(&args, &index_sync_with(&args, &env));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the 429's Retry-After was waited for"
    );
    assert!(report.contains("AI: workers-ai (--ai)"), "{report}");
    assert!(
        report.contains("phase 2: 2 chunks indexed, 0 not indexed"),
        "{report}"
    );

    let worker = Config::default();
    let seen = calls.lock().unwrap().clone();
    assert_eq!(seen[0].status, 429);
    assert_eq!(
        (&seen[1].path, &seen[1].body),
        (&seen[0].path, &seen[0].body),
        "the refused call is sent again as it was"
    );
    let (mut summaries, mut embeddings) = (0, 0);
    for call in &seen[1..] {
        assert_eq!(call.status, 200, "{call:?}");
        assert_eq!(call.authorization, format!("Bearer {TOKEN}"));
        let model = call.path.rsplit_once("/ai/run/").unwrap().1;
        let sent = call.body.to_string();
        assert!(
            !sent.contains(USER) && !sent.contains("demo") && !sent.contains("src/"),
            "the AI input depends on the code and the config only: {sent}"
        );
        if model == worker.embedding_model {
            embeddings += 1;
            let texts = call.body["text"].as_array().expect("{\"text\": [...]}");
            assert!(texts.len() <= worker.embedding_batch_size && !texts.is_empty());
            assert!(texts.iter().all(Value::is_string));
            assert_eq!(call.body["pooling"], worker.embedding_pooling.as_str());
        } else {
            assert_eq!(model, worker.summary_model);
            summaries += 1;
            let messages = call.body["messages"].as_array().expect("{\"messages\"}");
            assert_eq!(messages[0]["role"], "system");
            assert_eq!(messages[0]["content"], worker.summary_prompt.as_str());
            assert_eq!(messages[1]["role"], "user");
            assert!(messages[1]["content"].as_str().unwrap().starts_with("fn "));
            assert_eq!(call.body["max_tokens"], worker.summary_max_tokens);
        }
    }
    assert_eq!(
        (summaries, embeddings),
        (2, 1),
        "one summary per chunk (the Worker's summaryBatchSize 1), one embedding batch"
    );
    assert_eq!(
        figure(&report, "AI calls:"),
        seen.len() as u64 - 1,
        "{report}"
    );

    // The search embeds its query with the project's AI, recorded by index.
    let args = [&["search", "--json", "parse header"][..], &tenant].concat();
    let found: Value =
        serde_json::from_str(&succeeded(&args, &index_sync_with(&args, &env))).unwrap();
    let best = &found["results"][0];
    assert_eq!(
        best["locations"][0]["filePath"], "src/parse.rs",
        "{found:#}"
    );
    assert_eq!(
        best["summary"], "Summary: fn parse_header(input: &str) -> Header {",
        "Workers AI's summary"
    );
    let last = calls.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        last.body,
        json!({"text": ["parse header"], "pooling": "mean"})
    );

    let without = std::process::Command::new(env!("CARGO_BIN_EXE_index-sync"))
        .args(&args)
        .env_remove("CLOUDFLARE_ACCOUNT_ID")
        .env_remove("CLOUDFLARE_API_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(!without.status.success());
    assert!(
        stderr.contains("CLOUDFLARE_ACCOUNT_ID") && stderr.contains("CLOUDFLARE_API_TOKEN"),
        "{stderr}"
    );
}
