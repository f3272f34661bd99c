//! The REST client against a loopback stand-in of Cloudflare's API that answers from a
//! script: the resend after "later" answers, the final refusals, and when it gives up. The
//! engine's own calls through `index --ai workers-ai` are `tests/workers_ai.rs`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tiny_http::{Header, Response, Server};

use super::*;
use crate::cli::ai::unobserved;

/// A loopback server answering each request with the next `(status, headers, body)`, and
/// keeping what it was sent: `(url, authorization, body)`.
struct Stand {
    url: String,
    seen: Arc<Mutex<Vec<(String, String, Value)>>>,
}

fn stand(script: Vec<(u16, Option<&'static str>, Value)>) -> Stand {
    let server = Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}/client/v4", server.server_addr());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    std::thread::spawn(move || {
        for (status, retry_after, body) in script {
            let Ok(mut request) = server.recv() else {
                return;
            };
            let mut sent = String::new();
            request.as_reader().read_to_string(&mut sent).unwrap();
            let authorization = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("authorization"))
                .map(|h| h.value.to_string())
                .unwrap_or_default();
            kept.lock().unwrap().push((
                request.url().to_owned(),
                authorization,
                serde_json::from_str(&sent).unwrap_or(Value::Null),
            ));
            let mut response = Response::from_string(body.to_string()).with_status_code(status);
            if let Some(after) = retry_after {
                response.add_header(Header::from_bytes("retry-after", after).unwrap());
            }
            let _ = request.respond(response);
        }
    });
    Stand { url, seen }
}

fn client(stand: &Stand, retries: u32) -> WorkersAi {
    let backoff = Backoff::new(retries, Duration::from_millis(1));
    WorkersAi::new(&stand.url, "acct", "tok", backoff, unobserved())
}

fn ok(result: Value) -> Value {
    json!({"result": result, "success": true, "errors": [], "messages": []})
}

#[test]
fn a_429_is_sent_again_after_its_retry_after_and_the_result_is_the_output() {
    let later = json!({"success": false, "errors": [{"code": 3040, "message": "Capacity temporarily exceeded"}]});
    let stand = stand(vec![
        (429, Some("1"), later.clone()),
        (503, None, later),
        (
            200,
            None,
            ok(json!({"shape": [1, 2], "data": [[0.6, 0.8]]})),
        ),
    ]);
    let input = json!({"text": ["fn a() {}"], "pooling": "mean"});
    let started = Instant::now();
    let output = client(&stand, 3)
        .run("@cf/baai/bge-base-en-v1.5", &input)
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the Retry-After was waited for"
    );
    assert_eq!(output, json!({"shape": [1, 2], "data": [[0.6, 0.8]]}));
    let seen = stand.seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (url, authorization, body) in seen.iter() {
        assert_eq!(
            url,
            "/client/v4/accounts/acct/ai/run/@cf/baai/bge-base-en-v1.5"
        );
        assert_eq!(authorization, "Bearer tok");
        assert_eq!(body, &input, "the engine's input, as it is");
    }
}

#[test]
fn refusals_are_final_and_say_cloudflares_message() {
    let stand = stand(vec![
        (
            401,
            None,
            json!({"success": false, "errors": [{"code": 10000, "message": "Authentication error"}]}),
        ),
        (
            400,
            None,
            json!({"success": false, "errors": [{"code": 5006, "message": "Bad input"}]}),
        ),
        (
            200,
            None,
            json!({"success": false, "errors": [{"message": "failed"}]}),
        ),
    ]);
    let mut ai = client(&stand, 3);
    let input = json!({"messages": [{"role": "user", "content": "x"}], "max_tokens": 256});
    let unauthorized = ai.run("@cf/m", &input).unwrap_err();
    assert_eq!(unauthorized.code, "unauthorized");
    assert!(
        unauthorized.message.contains("10000: Authentication error"),
        "{unauthorized:?}"
    );
    assert!(unauthorized.message.contains(TOKEN_VAR));
    let bad = ai.run("@cf/m", &input).unwrap_err();
    assert_eq!(bad.code, "ai_refused");
    assert!(bad.message.contains("Bad input"), "{bad:?}");
    let unsuccessful = ai.run("@cf/m", &input).unwrap_err();
    assert!(unsuccessful.message.contains("failed"), "{unsuccessful:?}");
    assert_eq!(stand.seen.lock().unwrap().len(), 3, "none was sent again");
}

#[test]
fn resends_stop_at_the_limit_and_at_a_retry_after_too_long() {
    let later = json!({"success": false, "errors": []});
    let stand = stand(vec![
        (500, None, later.clone()),
        (502, None, later.clone()),
        (503, None, later.clone()),
        (429, Some("3600"), later),
    ]);
    let mut ai = client(&stand, 2);
    let input = json!({"text": "x"});
    let exhausted = ai.run("@cf/m", &input).unwrap_err();
    assert_eq!(exhausted.code, "throttled");
    assert!(
        exhausted.message.contains("after 2 resends"),
        "{exhausted:?}"
    );
    let too_long = ai.run("@cf/m", &input).unwrap_err();
    assert!(too_long.message.contains("wait 3600 s"), "{too_long:?}");
    assert_eq!(stand.seen.lock().unwrap().len(), 4);
}

#[test]
fn later_is_429_and_every_5xx() {
    for status in [429, 500, 502, 503, 504, 599] {
        assert!(later(status), "{status}");
    }
    for status in [200, 400, 401, 403, 404, 413] {
        assert!(!later(status), "{status}");
    }
}
