//! End to end over a real socket (ureq as the client): issue, verify, revoke; and restart
//! persistence — a new server on the same storage still verifies what the old one issued.

use std::net::SocketAddr;

use ler_crypto::Kek;
use ler_server::Limits;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::harness::{Harness, Storage};

/// A running server and the way to stop it.
struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ler_server::ServeError>>,
}

impl Running {
    async fn start(listener: TcpListener, h: &Harness) -> Running {
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let state = h.state.clone();
        let task = tokio::spawn(ler_server::serve_on(listener, state, async move {
            let _ = stopped.await;
        }));
        Running {
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.task.await.expect("join").expect("served");
    }

    /// A blocking HTTP call, off the async threads: (status, JSON body).
    async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("http://{}{path}", self.addr);
        let method = method.to_string();
        let key = key.map(String::from);
        tokio::task::spawn_blocking(move || {
            let mut req = ureq::request(&method, &url);
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
                Ok(r) => r,
                Err(ureq::Error::Status(_, r)) => r,
                Err(e) => panic!("{method} {url}: {e}"),
            };
            let status = res.status();
            let text = res.into_string().expect("body");
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        })
        .await
        .expect("join")
    }
}

async fn bind() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, format!("http://localhost:{port}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_over_a_socket() {
    for storage in Storage::all().await {
        let (listener, public) = bind().await;
        let h = Harness::open(&storage, &public, Limits::default()).await;
        let server = Running::start(listener, &h).await;
        let (status, body) = server.call("GET", "/healthz", None, None).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = server
            .call(
                "POST",
                "/credentials/issue",
                Some(&h.keys.issue),
                Some(json!({"credential": h.credential()})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let vc = body["verifiableCredential"].clone();
        let (status, report) = server
            .call(
                "POST",
                "/credentials/verify",
                None,
                Some(json!({"verifiableCredential": vc})),
            )
            .await;
        assert_eq!(status, 200, "{report}");
        let (status, _) = server
            .call(
                "POST",
                "/credentials/status",
                Some(&h.keys.revoke),
                Some(json!({"credentialId": vc["id"], "credentialStatus": {"statusPurpose": "revocation"}, "status": true})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, report) = server
            .call(
                "POST",
                "/credentials/verify",
                None,
                Some(json!({"verifiableCredential": vc})),
            )
            .await;
        assert_eq!(status, 422, "{report}");
        let (status, problem) = server
            .call("POST", "/credentials/issue", None, Some(json!({})))
            .await;
        assert_eq!(status, 401);
        assert_eq!(problem["status"], 401);
        server.stop().await;
        assert_eq!(
            h.refusing.calls.load(std::sync::atomic::Ordering::SeqCst),
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_credentials_keys_and_lists() {
    for storage in Storage::all().await {
        let (listener, public) = bind().await;
        let kek = Kek::generate();
        let kek_b64 = kek.to_base64().to_string();
        let h = Harness::open_with(&storage, &public, Limits::default(), kek, true).await;
        let server = Running::start(listener, &h).await;
        let (status, body) = server
            .call(
                "POST",
                "/credentials/issue",
                Some(&h.keys.issue),
                Some(json!({"credential": h.credential()})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let vc = body["verifiableCredential"].clone();
        let port = server.addr.port();
        server.stop().await;
        drop(h);

        // A new process: the same storage, the same KEK, the same address.
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind");
        let kek = Kek::parse(&kek_b64).expect("kek");
        let h = Harness::open_with(&storage, &public, Limits::default(), kek, false).await;
        let server = Running::start(listener, &h).await;
        let (status, doc) = server.call("GET", "/orgs/acme/did.json", None, None).await;
        assert_eq!(status, 200);
        assert_eq!(doc["assertionMethod"][0], format!("{}#key-1", h.org.did));
        let (status, report) = server
            .call(
                "POST",
                "/credentials/verify",
                None,
                Some(json!({"verifiableCredential": vc})),
            )
            .await;
        assert_eq!(status, 200, "{report}");
        // The new server signs with the stored key: the KEK still opens it.
        let (status, body) = server
            .call(
                "POST",
                "/credentials/issue",
                Some(&h.keys.issue),
                Some(json!({"credential": h.credential()})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            body["verifiableCredential"]["proof"]["verificationMethod"],
            format!("{}#key-1", h.org.did)
        );
        server.stop().await;
    }
}
