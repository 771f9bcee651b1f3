//! `ler demo pipeline`: the pilot end to end, every hop checked — a Canvas gradebook export
//! from a college's LMS, bulk issuance of Open Badges with claim links (the batch API), the
//! participants claiming them into their wallets, one participant sharing a badge with an
//! employer (a grant and a share link), the employer's HRIS told by a signed webhook and
//! reading the record through the grant, and the employer's export to HR Open LER-RS.
//!
//! It runs `ler serve` in this process on loopback, over a fresh SQLite store in a temporary
//! folder with a throwaway key-encryption key, and talks to it over HTTP as the LMS, the
//! workers and the employer would. Each hop prints ✔ or ✘ with what it saw; the exit code is
//! 1 when any hop failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use clap::Args;
use ler_connect::export::{LerRsOptions, Person};
use ler_connect::import;
use ler_connect::{Mapping, preview};
use ler_server::{AppState, Limits, PublicUrl, WebhookSettings, admin};
use ler_store::{Location, Scope, Store};
use serde_json::{Value, json};

use crate::clock;

/// The sample LMS export: a Canvas "Export Entire Gradebook" file.
const CANVAS_CSV: &str = include_str!("../../../../fixtures/lms/canvas-gradebook.csv");
/// Its mapping: the course badge to students scoring 70 or more.
const CANVAS_MAPPING: &str = include_str!("../../../../fixtures/lms/canvas.toml");
/// The course's id in the LMS, which the catalog achievement lists as an `otherIdentifier`.
const LMS_COURSE: &str = "https://college.example.edu/achievements/cna-101";
/// Every participant's wallet password in the demo.
const PASSWORD: &str = "pipeline-demo-password";

/// `ler demo pipeline`.
#[derive(Args)]
pub struct PipelineArgs {
    /// Where to write the pipeline's files (a new temporary folder when not given).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// A hop's outcome.
type Hop = anyhow::Result<String>;
/// A hop: its name, and what runs it.
type Step<'a> = (&'static str, &'a dyn Fn(&mut Pilot) -> Hop);

/// Runs the pipeline; the exit code is 1 when a hop failed.
pub fn run(args: PipelineArgs) -> anyhow::Result<std::process::ExitCode> {
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("ler-pipeline-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    println!(
        "ler demo pipeline: LMS → credentials → wallets → employer → HRIS, in {}\n",
        dir.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let pilot = Pilot::start(&runtime, &dir)?;
    let hops: [Step<'_>; 7] = [
        ("The college's LMS export is read", &|p| p.read_export()),
        (
            "Bulk issue: Open Badges signed and stored, with claim links",
            &|p| p.bulk_issue(),
        ),
        ("Participants claim their badges into their wallets", &|p| {
            p.claim()
        }),
        ("A participant shares a badge with the employer", &|p| {
            p.share()
        }),
        ("The employer's HRIS is told, by a signed webhook", &|p| {
            p.notified()
        }),
        (
            "The employer reads the record through the grant and verifies it",
            &|p| p.employer_reads(),
        ),
        (
            "The employer exports it to HR Open LER-RS for its HRIS",
            &|p| p.export(),
        ),
    ];
    let mut pilot = pilot;
    let mut failed = false;
    for (n, (name, hop)) in hops.iter().enumerate() {
        if failed {
            println!("– {}. {name}: not run (an earlier hop failed)", n + 1);
            continue;
        }
        match hop(&mut pilot) {
            Ok(detail) => println!("✔ {}. {name}\n     {detail}", n + 1),
            Err(e) => {
                println!("✘ {}. {name}\n     {e:#}", n + 1);
                failed = true;
            }
        }
    }
    pilot.stop(&runtime);
    println!("\nThe files are in {}.", dir.display());
    Ok(if failed {
        println!("The pipeline FAILED.");
        std::process::ExitCode::from(1)
    } else {
        println!("Every hop passed.");
        std::process::ExitCode::SUCCESS
    })
}

/// A participant who got a claim link.
struct Participant {
    name: String,
    email: String,
    credential_id: String,
    claim_url: String,
    cookie: Option<String>,
    csrf: Option<String>,
    record_id: Option<String>,
}

/// The running pilot: the service, its organizations and what each hop handed on.
struct Pilot {
    dir: PathBuf,
    base: String,
    http: ureq::Agent,
    college_key: String,
    employer_key: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    receiver: Receiver,
    webhook_secret: String,
    participants: Vec<Participant>,
    to_issue: u64,
    grant_id: Option<String>,
    shared: Vec<Value>,
}

impl Pilot {
    /// Opens the store, creates the college and the employer, and starts the service.
    fn start(runtime: &tokio::runtime::Runtime, dir: &Path) -> anyhow::Result<Pilot> {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .context("could not listen on loopback")?;
        let port = listener.local_addr()?.port();
        let base = format!("http://localhost:{port}");
        let public_url = PublicUrl::parse(&base)?;
        let data = dir.join("data");
        let _ = std::fs::remove_dir_all(&data);
        let kek = Arc::new(ler_crypto::Kek::generate());
        let now = clock::now();
        let (store, college_key, employer_key) = runtime.block_on(async {
            let store = Store::open(&Location::SqliteDir(data.clone())).await?;
            admin::create_org(
                &store,
                &kek,
                &public_url,
                "riverside",
                "Riverside Community College",
                now,
            )
            .await?;
            admin::create_org(&store, &kek, &public_url, "harbor", "Harbor Logistics", now).await?;
            let (college, _) = admin::create_api_key(
                &store,
                "riverside",
                &[Scope::Issue, Scope::Revoke, Scope::Read],
                now,
            )
            .await?;
            let (employer, _) =
                admin::create_api_key(&store, "harbor", &[Scope::Read], now).await?;
            anyhow::Ok((store, college, employer))
        })?;
        // The demo's HRIS listens on loopback, so this service's webhooks may go there (and
        // over plain HTTP); `ler serve` itself delivers to public HTTPS addresses only.
        let webhooks = WebhookSettings {
            policy: ler_fetch::Policy {
                allow_private: true,
                danger_allow_http: true,
                ..ler_fetch::Policy::default()
            },
            backoff_base: 1,
            poll: Duration::from_millis(100),
            ..WebhookSettings::default()
        };
        let state = AppState::new(
            store.clone(),
            kek.clone(),
            public_url,
            Arc::new(ler_fetch::HttpFetcher::new(ler_fetch::Policy::default())),
            Limits {
                login_per_minute: 0.0,
                ..Limits::default()
            },
        )
        .with_webhooks(webhooks);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            if let Err(e) = ler_server::serve_on(listener, state, stop).await {
                eprintln!("the service stopped: {e}");
            }
        });
        let http = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(30))
            .redirects(0)
            .build();
        Ok(Pilot {
            dir: dir.to_owned(),
            base,
            http,
            college_key,
            employer_key,
            shutdown: Some(tx),
            server: Some(server),
            receiver: Receiver::start()?,
            webhook_secret: String::new(),
            participants: Vec::new(),
            to_issue: 0,
            grant_id: None,
            shared: Vec::new(),
        })
    }

    fn stop(&mut self, runtime: &tokio::runtime::Runtime) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(5), server).await });
        }
    }

    /// A JSON request to the service: (status, Set-Cookie, body).
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<(u16, Option<String>, Value)> {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.http.request(method, &url);
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match body {
            Some(b) => req
                .set("content-type", "application/json")
                .send_string(&b.to_string()),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => return Err(anyhow!("{method} {path}: {e}")),
        };
        let status = res.status();
        let cookie = res.header("set-cookie").map(String::from);
        let text = res.into_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, cookie, json))
    }

    /// A GET that must answer 200; its body as text.
    fn expect_text(&self, path: &str, auth: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base);
        let res = self
            .http
            .get(&url)
            .set("authorization", auth)
            .call()
            .map_err(|e| anyhow!("GET {path}: {e}"))?;
        res.into_string().context("the answer is not text")
    }

    /// A request that must answer `expect`; its body.
    fn expect(
        &self,
        expect: u16,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let (status, _, json) = self.call(method, path, headers, body)?;
        ensure!(
            status == expect,
            "{method} {path} answered {status}, not {expect}: {json}"
        );
        Ok(json)
    }

    /// Hop 1: the export is read and previewed; the course is in the college's catalog.
    fn read_export(&mut self) -> Hop {
        std::fs::write(self.dir.join("canvas-gradebook.csv"), CANVAS_CSV)?;
        std::fs::write(self.dir.join("canvas.toml"), CANVAS_MAPPING)?;
        let mapping = Mapping::parse(CANVAS_MAPPING)?;
        let p = preview(import::csv(CANVAS_CSV.as_bytes(), &mapping)?, 10);
        ensure!(p.to_issue > 0, "the export has no row to issue");
        self.to_issue = p.to_issue;
        // The college's catalog lists the course under the LMS's id for it.
        let auth = format!("Bearer {}", self.college_key);
        self.expect(
            201,
            "PUT",
            "/orgs/riverside/achievements/cna-101",
            &[("authorization", &auth)],
            Some(&json!({
                "type": ["Achievement"],
                "name": "Certified Nursing Assistant Skills",
                "description": "Takes vital signs, assists with daily living and keeps patients safe, as a certified nursing assistant does.",
                "criteria": {"narrative": "Completed CNA 101 with a final score of 70 or more."},
                "achievementType": "Certificate",
                "otherIdentifier": [{"type": "IdentifierEntry", "identifier": LMS_COURSE, "identifierType": "identifier"}],
                "alignment": [{"type": ["Alignment"], "targetName": "Nursing Assistants", "targetCode": "31-1131.00",
                               "targetFramework": "O*NET-SOC", "targetUrl": "https://www.onetonline.org/link/summary/31-1131.00", "targetType": "ext:OnetSoc"}],
            })),
        )?;
        let errors: Vec<String> = p.first_errors.iter().map(ToString::to_string).collect();
        let skipped: Vec<String> = p
            .skip_reasons
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        Ok(format!(
            "canvas-gradebook.csv (Canvas preset): {} to issue; left out: {}; {} row(s) reported in error{}",
            p.to_issue,
            if skipped.is_empty() {
                "none".to_owned()
            } else {
                skipped.join(", ")
            },
            p.errors,
            if errors.is_empty() {
                String::new()
            } else {
                format!(" ({})", errors.join("; "))
            }
        ))
    }

    /// Hop 2: the LMS posts its export to the service's batch API (`POST /orgs/<slug>/batch`,
    /// the gradebook and its mapping as multipart), which issues a credential per passing row
    /// with a claim link each; the LMS follows the job to its per-row results, and every
    /// credential verifies at the service.
    fn bulk_issue(&mut self) -> Hop {
        let started = std::time::Instant::now();
        let boundary = "ler-pipeline-boundary";
        let mut body = String::new();
        for (name, file, content) in [
            ("mapping", "canvas.toml", CANVAS_MAPPING),
            ("file", "canvas-gradebook.csv", CANVAS_CSV),
        ] {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/plain\r\n\r\n{content}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let auth = format!("Bearer {}", self.college_key);
        let res = self
            .http
            .post(&format!("{}/orgs/riverside/batch?claimDays=30", self.base))
            .set("authorization", &auth)
            .set(
                "content-type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_string(&body);
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                bail!(
                    "POST /orgs/riverside/batch answered {code}: {}",
                    r.into_string().unwrap_or_default()
                )
            }
            Err(e) => bail!("POST /orgs/riverside/batch: {e}"),
        };
        ensure!(res.status() == 202, "the batch answered {}", res.status());
        let location = res
            .header("location")
            .map(String::from)
            .context("the batch answered no Location")?;
        let mut job = Value::Null;
        for _ in 0..600 {
            job = self.expect(200, "GET", &location, &[("authorization", &auth)], None)?;
            match job["state"].as_str() {
                Some("finished") => break,
                Some("failed") => bail!("the batch failed: {}", job["error"]),
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        ensure!(
            job["state"] == "finished",
            "the batch did not finish: {job}"
        );
        let millis = started.elapsed().as_millis();
        let results = job["results"].as_array().cloned().unwrap_or_default();
        let text = |r: &Value, k: &str| r[k].as_str().unwrap_or_default().to_owned();
        let participants: Vec<Participant> = results
            .iter()
            .filter(|r| r["outcome"] == "issued" && r["claimUrl"].is_string())
            .map(|r| Participant {
                name: display_name(&text(r, "name")),
                email: text(r, "recipient"),
                credential_id: text(r, "credentialId"),
                claim_url: text(r, "claimUrl"),
                cookie: None,
                csrf: None,
                record_id: None,
            })
            .collect();
        let issued = job["summary"]["issued"].as_u64().unwrap_or(0);
        let errors = job["summary"]["errors"].as_u64().unwrap_or(0);
        ensure!(
            issued == self.to_issue && participants.len() as u64 == self.to_issue,
            "{issued} issued and {} claim links, for {} rows to issue: {job}",
            participants.len(),
            self.to_issue
        );
        let csv = self.expect_text(&format!("{location}?format=csv"), &auth)?;
        std::fs::write(self.dir.join("batch-results.csv"), csv)?;
        let mut csv = String::from("email,name,credential_id,claim_url\n");
        for p in &participants {
            csv.push_str(&format!(
                "{},{},{},{}\n",
                p.email, p.name, p.credential_id, p.claim_url
            ));
        }
        std::fs::write(self.dir.join("claim-links.csv"), csv)?;
        for p in &participants {
            let listed = self.expect(
                200,
                "GET",
                &format!(
                    "/orgs/riverside/credentials?q={}",
                    urlencode(&p.credential_id)
                ),
                &[("authorization", &auth)],
                None,
            )?;
            let vc = listed["credentials"]
                .as_array()
                .and_then(|items| items.iter().find(|c| c["id"] == p.credential_id.as_str()))
                .map(|c| c["verifiableCredential"].clone())
                .ok_or_else(|| anyhow!("{} is not stored", p.credential_id))?;
            let (status, _, report) = self.call(
                "POST",
                "/credentials/verify",
                &[],
                Some(&json!({"verifiableCredential": vc})),
            )?;
            ensure!(
                status == 200 && report["verified"] == true,
                "{} does not verify: {report}",
                p.credential_id
            );
        }
        self.participants = participants;
        Ok(format!(
            "POST /orgs/riverside/batch: {issued} Open Badges 3.0 (eddsa-rdfc-2022, did:web, status lists) signed and stored in {millis} ms; each verifies at the service; claim links in claim-links.csv, every row's result in batch-results.csv{}",
            if errors == 0 {
                String::new()
            } else {
                format!("; rows in error reported: {errors}")
            }
        ))
    }

    /// Hop 3: each participant opens a wallet and claims the link; the record verifies on
    /// receipt, and the link works once only.
    fn claim(&mut self) -> Hop {
        let mut names = Vec::new();
        for i in 0..self.participants.len() {
            let (email, url) = {
                let p = &self.participants[i];
                (p.email.clone(), p.claim_url.clone())
            };
            let (status, cookie, body) = self.call(
                "POST",
                "/wallet/signup",
                &[],
                Some(&json!({"email": email, "password": PASSWORD})),
            )?;
            ensure!(
                status == 201,
                "signing {email} up answered {status}: {body}"
            );
            let cookie = cookie
                .and_then(|c| c.split(';').next().map(String::from))
                .ok_or_else(|| anyhow!("no session cookie for {email}"))?;
            let csrf = body["csrfToken"].as_str().unwrap_or_default().to_owned();
            let headers = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];
            let claimed = self.expect(201, "POST", &url, &headers, Some(&json!({})))?;
            let record = &claimed["record"];
            ensure!(
                record["status"] == "verified",
                "{email}'s badge is {} in the wallet",
                record["status"]
            );
            let (again, _, _) = self.call("POST", &url, &headers, Some(&json!({})))?;
            ensure!(again == 410, "a used claim link answered {again}, not 410");
            let p = &mut self.participants[i];
            p.record_id = record["id"].as_str().map(String::from);
            p.cookie = Some(cookie);
            p.csrf = Some(csrf);
            names.push(format!(
                "{} ({})",
                p.name,
                record["title"].as_str().unwrap_or("?")
            ));
        }
        ensure!(!names.is_empty(), "nobody had a claim link");
        Ok(format!(
            "{} claimed, each verified on receipt: {}; a claim link works once (410 after)",
            names.len(),
            names.join(", ")
        ))
    }

    /// Hop 4: the employer subscribes its HRIS to shares; the first participant grants the
    /// employer their badge (employment, repeated, a year) and gets a share link.
    fn share(&mut self) -> Hop {
        let auth = format!("Bearer {}", self.employer_key);
        let hook = self.expect(
            201,
            "POST",
            "/orgs/harbor/webhooks",
            &[("authorization", &auth)],
            Some(&json!({"url": self.receiver.url(), "events": ["record.shared"]})),
        )?;
        self.webhook_secret = hook["secret"].as_str().unwrap_or_default().to_owned();
        let p = self
            .participants
            .first()
            .ok_or_else(|| anyhow!("no participant"))?;
        let (cookie, csrf, record) = match (&p.cookie, &p.csrf, &p.record_id) {
            (Some(c), Some(t), Some(r)) => (c.clone(), t.clone(), r.clone()),
            _ => bail!("{} has no claimed record", p.name),
        };
        let expires = clock::format_datetime(clock::now() + 365 * 86_400);
        let given = self.expect(
            201,
            "POST",
            "/wallet/grants",
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            Some(&json!({
                "recipient": "harbor",
                "purposes": ["employment"],
                "purposeText": "Application for the warehouse health and safety role",
                "recordIds": [record],
                "expires": &expires[..10],
                "access": "repeated",
            })),
        )?;
        let grant_id = given["grant"]["id"].as_str().unwrap_or_default().to_owned();
        let share_url = given["shareUrl"].as_str().unwrap_or_default().to_owned();
        ensure!(
            given["receipt"]["proof"].is_object(),
            "the consent receipt is not signed"
        );
        let through_link = self.expect(200, "GET", &share_url, &[], None)?;
        ensure!(
            through_link["records"].as_array().map(Vec::len) == Some(1),
            "the share link shows {}",
            through_link["records"]
        );
        self.grant_id = Some(grant_id.clone());
        Ok(format!(
            "{} granted Harbor Logistics their badge for employment until {}: grant {grant_id}, a signed consent receipt, and a share link that opens it",
            p.name,
            &expires[..10]
        ))
    }

    /// Hop 5: the HRIS got `record.shared`, and its signature verifies.
    fn notified(&mut self) -> Hop {
        let grant_id = self.grant_id.clone().unwrap_or_default();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.receiver.got();
            if let Some(r) = got.first() {
                let header = r
                    .headers
                    .iter()
                    .find(|(k, _)| k == "ler-signature")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| anyhow!("the delivery has no Ler-Signature"))?;
                let t: i64 = header
                    .split(',')
                    .next()
                    .and_then(|t| t.strip_prefix("t="))
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| anyhow!("unreadable Ler-Signature {header}"))?;
                ensure!(
                    ler_server::webhook_signature(self.webhook_secret.as_bytes(), t, &r.body)
                        == header,
                    "the signature does not verify"
                );
                let event: Value = serde_json::from_str(&r.body)?;
                ensure!(
                    event["type"] == "record.shared"
                        && event["data"]["grantId"] == grant_id.as_str(),
                    "unexpected event {event}"
                );
                std::fs::write(self.dir.join("hris-webhook.json"), &r.body)?;
                return Ok(format!(
                    "POST /hook: record.shared for grant {grant_id}, HMAC-SHA-256 signature verified (hris-webhook.json)"
                ));
            }
            ensure!(
                std::time::Instant::now() < deadline,
                "no webhook arrived in 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Hop 6: with its API key, the employer lists the grants made to it and reads the
    /// record; the service verified it on the way, and it verifies again here.
    fn employer_reads(&mut self) -> Hop {
        let auth = format!("Bearer {}", self.employer_key);
        let grant_id = self.grant_id.clone().unwrap_or_default();
        let grants = self.expect(
            200,
            "GET",
            "/orgs/harbor/grants",
            &[("authorization", &auth)],
            None,
        )?;
        ensure!(
            grants["grants"]
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g["id"] == grant_id.as_str())),
            "the grant is not among the employer's: {grants}"
        );
        let read = self.expect(
            200,
            "GET",
            &format!("/orgs/harbor/grants/{grant_id}/records"),
            &[("authorization", &auth)],
            None,
        )?;
        let records = read["records"].as_array().cloned().unwrap_or_default();
        ensure!(!records.is_empty(), "the grant gives no record: {read}");
        let mut shared = Vec::new();
        for r in &records {
            ensure!(
                r["verification"]["verified"] == true,
                "the record did not verify: {}",
                r["verification"]
            );
            let (status, _, report) = self.call(
                "POST",
                "/credentials/verify",
                &[],
                Some(&json!({"verifiableCredential": r["credential"]})),
            )?;
            ensure!(
                status == 200 && report["verified"] == true,
                "re-verification failed: {report}"
            );
            shared.push(r["credential"].clone());
        }
        let n = shared.len();
        self.shared = shared;
        let p = self
            .participants
            .first()
            .ok_or_else(|| anyhow!("no participant"))?;
        let cookie = p.cookie.clone().unwrap_or_default();
        let log = self.expect(200, "GET", "/wallet/log", &[("cookie", &cookie)], None)?;
        let logged = log["entries"].as_array().is_some_and(|entries| {
            entries
                .iter()
                .any(|e| e["grantId"] == grant_id.as_str() && e["via"] == "grant")
        });
        ensure!(logged, "the read is not in {}'s access log: {log}", p.name);
        Ok(format!(
            "{n} record(s) read with the employer's API key, verified (signature, issuer did:web, revocation and suspension status); {} sees the read in their access log",
            p.name
        ))
    }

    /// Hop 7: the employer's export to HR Open LER-RS, each item pointing at its credential.
    fn export(&mut self) -> Hop {
        let p = self
            .participants
            .first()
            .ok_or_else(|| anyhow!("no participant"))?;
        let person = Person {
            name: Some(p.name.clone()),
            email: Some(p.email.clone()),
            ..Person::default()
        };
        let options = LerRsOptions {
            document_id: clock::urn_uuid()?,
            embed_credentials: true,
        };
        let doc = ler_connect::export::ler_rs(&person, &self.shared, &options);
        let text = serde_json::to_string_pretty(&doc)?;
        for c in &self.shared {
            let id = c["id"].as_str().unwrap_or_default();
            ensure!(
                !id.is_empty() && text.contains(id),
                "the export does not reference {id}"
            );
        }
        ensure!(
            text.contains(&p.name),
            "the export does not name the person"
        );
        let path = self.dir.join("harbor-hris-ler-rs.json");
        std::fs::write(&path, &text)?;
        Ok(format!(
            "{} ({} bytes): {}'s certification, referencing its verifiable credential",
            path.display(),
            text.len(),
            p.name
        ))
    }
}

fn display_name(name: &str) -> String {
    match name.split_once(", ") {
        Some((family, given)) if !given.contains(',') => format!("{given} {family}"),
        _ => name.to_owned(),
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// One request the HRIS received.
#[derive(Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

/// The employer's HRIS: a webhook receiver on loopback that answers 200 and keeps what it got.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start() -> anyhow::Result<Receiver> {
        let listener = StdListener::bind("127.0.0.1:0").context("could not listen on loopback")?;
        let port = listener.local_addr()?.port();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::clone(&got);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                if let Some(r) = read_request(&mut stream) {
                    if let Ok(mut log) = seen.lock() {
                        log.push(r);
                    }
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    );
                }
            }
        });
        Ok(Receiver { port, got })
    }

    /// The URL the employer subscribes (https; the demo's policy delivers it over HTTP).
    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/hook", self.port)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1 << 20);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
