//! `ler admin` and `ler serve` as an operator runs them: a KEK, an organization, an API key and
//! a staff account, then the service on a real port, stopped with SIGTERM.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Tmp, ler, run, stderr, stdout};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// (status, JSON body) of a request to the service.
fn http(
    port: u16,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = ureq::request(method, &format!("http://127.0.0.1:{port}{path}"));
    if let Some(k) = key {
        req = req.set("Authorization", &format!("Bearer {k}"));
    }
    let res = match body {
        Some(b) => req
            .set("Content-Type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    let res = match res {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return (0, Value::String(e.to_string())),
    };
    let status = res.status();
    let text = res.into_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

struct Server(Child);

impl Server {
    fn start(cmd: &mut Command, port: u16) -> Server {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ler serve");
        let server = Server(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/healthz", None, None).0 != 200 {
            assert!(
                Instant::now() < deadline,
                "ler serve did not come up on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// SIGTERM, then the exit status and stderr.
    fn stop(mut self) -> (bool, String) {
        let pid = self.0.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let out = std::mem::replace(&mut self.0, Command::new("true").spawn().expect("true"))
            .wait_with_output()
            .expect("wait");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_refuses_to_start_without_a_kek() {
    let t = Tmp::new("serve-nokek");
    let o = run(ler()
        .args(["serve", "--data"])
        .arg(t.path("data"))
        .env_remove("LER_KEK_FILE"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no key-encryption key"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn admin_then_serve_then_sigterm() {
    let t = Tmp::new("serve-admin");
    let data = t.path("data");
    let port = free_port();
    let public = format!("http://localhost:{port}");

    let o = run(ler().args(["admin", "gen-kek"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let kek = stdout(&o).trim().to_string();
    assert_eq!(kek.len(), 44, "base64 of 32 bytes: {kek}");

    let o = run(ler()
        .args([
            "admin",
            "create-org",
            "--slug",
            "acme",
            "--name",
            "Acme College",
            "--public-url",
            &public,
            "--data",
        ])
        .arg(&data)
        .env("LER_KEK", &kek));
    assert!(o.status.success(), "{}", stderr(&o));
    let did = format!("did:web:localhost%3A{port}:orgs:acme");
    assert!(stdout(&o).contains(&did), "{}", stdout(&o));

    let o = run(ler()
        .args([
            "admin",
            "create-api-key",
            "--org",
            "acme",
            "--scopes",
            "issue,revoke,read",
            "--data",
        ])
        .arg(&data));
    assert!(o.status.success(), "{}", stderr(&o));
    let key = stdout(&o).lines().last().expect("last line").to_string();
    assert!(key.starts_with("ler_"), "{}", stdout(&o));

    let o = run(ler()
        .args([
            "admin",
            "create-api-key",
            "--org",
            "acme",
            "--scopes",
            "issue,delete",
            "--data",
        ])
        .arg(&data));
    assert_eq!(o.status.code(), Some(2), "unknown scope: {}", stdout(&o));

    let password = t.path("password");
    std::fs::write(&password, "correct horse battery\n").expect("write");
    let o = run(ler()
        .args([
            "admin",
            "create-user",
            "--org",
            "acme",
            "--email",
            "staff@acme.example",
            "--password-file",
        ])
        .arg(&password)
        .arg("--data")
        .arg(&data));
    assert!(o.status.success(), "{}", stderr(&o));
    let mut child = ler()
        .args([
            "admin",
            "create-user",
            "--org",
            "acme",
            "--email",
            "second@acme.example",
            "--data",
        ])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"another long password\n")
        .expect("write");
    assert!(child.wait_with_output().expect("wait").status.success());

    let o = run(ler()
        .args(["admin", "rotate-key", "--org", "acme", "--data"])
        .arg(&data));
    assert_eq!(
        o.status.code(),
        Some(2),
        "rotation needs the KEK: {}",
        stdout(&o)
    );
    let o = run(ler()
        .args(["admin", "rotate-key", "--org", "acme", "--data"])
        .arg(&data)
        .env("LER_KEK", &kek));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("key-2"), "{}", stdout(&o));

    let server = Server::start(
        ler()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--public-url",
                &public,
                "--log-format",
                "json",
                "--data",
            ])
            .arg(&data)
            .env("LER_KEK", &kek),
        port,
    );
    let (status, doc) = http(port, "GET", "/orgs/acme/did.json", None, None);
    assert_eq!(status, 200);
    assert_eq!(doc["verificationMethod"].as_array().map(Vec::len), Some(2));
    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"}
    });
    let (status, body) = http(
        port,
        "POST",
        "/credentials/issue",
        Some(&key),
        Some(&json!({"credential": credential})),
    );
    assert_eq!(status, 201, "{body}");
    let vc = body["verifiableCredential"].clone();
    assert_eq!(vc["proof"]["verificationMethod"], format!("{did}#key-2"));
    let (status, report) = http(
        port,
        "POST",
        "/credentials/verify",
        None,
        Some(&json!({"verifiableCredential": vc})),
    );
    assert_eq!(status, 200, "{report}");
    let (ok, log) = server.stop();
    assert!(ok, "graceful shutdown exits 0: {log}");
    let first = log
        .lines()
        .find(|l| l.contains("listening"))
        .expect("a listening line");
    let line: Value = serde_json::from_str(first).expect("JSON log lines");
    assert_eq!(line["level"], "INFO");
}

#[test]
fn dev_mode_warns_loudly() {
    let t = Tmp::new("serve-dev");
    let port = free_port();
    let server = Server::start(
        ler()
            .args([
                "serve",
                "--dev",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data",
            ])
            .arg(t.path("data"))
            .env_remove("LER_KEK_FILE"),
        port,
    );
    let (ok, log) = server.stop();
    assert!(ok, "{log}");
    assert!(log.contains("WARNING") && log.contains("--dev"), "{log}");
}
