//! The web pages through the router: the verifier's verdicts, the console's sign-in, issue,
//! revoke and bulk flows, the language switch, and the weight of every page.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request};
use ler_server::admin;
use serde_json::{Value, json};

use crate::harness::{Answer, Harness, Storage};

const PASSWORD: &str = "correct horse battery";

fn urlencode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A browser: its cookies, sent back with every request.
struct Browser<'h> {
    h: &'h Harness,
    cookies: Vec<String>,
    lang: &'static str,
}

impl<'h> Browser<'h> {
    fn new(h: &'h Harness) -> Browser<'h> {
        Browser {
            h,
            cookies: vec![],
            lang: "en",
        }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<String>) -> Answer {
        let body = form.map(|f| {
            (
                "application/x-www-form-urlencoded".to_owned(),
                f.into_bytes(),
            )
        });
        self.send_body(method, path, body).await
    }

    /// POSTs a multipart form: text fields, then files (name, file name, bytes).
    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        let boundary = "----lerformtest";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .into_bytes(),
            );
        }
        for (name, file, bytes) in files {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .into_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send_body(Method::POST, path, Some((content_type, body)))
            .await
    }

    async fn send_body(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> Answer {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("accept-language", self.lang);
        if !self.cookies.is_empty() {
            b = b.header("cookie", self.cookies.join("; "));
        }
        let body = match body {
            Some((content_type, bytes)) => {
                b = b.header("content-type", content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).expect("request");
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let a = self.h.send(req).await;
        for c in a.headers.get_all("set-cookie") {
            let pair = c
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .to_string();
            let name = pair.split('=').next().unwrap_or("").to_string();
            self.cookies.retain(|x| !x.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
        a
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Answer {
        self.send(Method::POST, path, Some(urlencode(pairs))).await
    }

    /// Follows a 303 to its page.
    async fn follow(&mut self, a: &Answer) -> Answer {
        assert_eq!(
            a.status.as_u16(),
            303,
            "expected a redirect: {}",
            String::from_utf8_lossy(&a.bytes)
        );
        let to = a.header("location").expect("location");
        self.get(&to).await
    }
}

fn text(a: &Answer) -> String {
    String::from_utf8_lossy(&a.bytes).into_owned()
}

/// The value of the first hidden `csrf` field on a page.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap_or("").to_string()
}

async fn signed_in(h: &Harness) -> Browser<'_> {
    admin::create_user(
        &h.state.store,
        "acme",
        "staff@acme.example",
        PASSWORD,
        "admin",
        h.state.now(),
    )
    .await
    .expect("user");
    let mut b = Browser::new(h);
    let a = b
        .post(
            "/console/login",
            &[
                ("email", "staff@acme.example"),
                ("password", PASSWORD),
                ("next", "/console"),
            ],
        )
        .await;
    let home = b.follow(&a).await;
    home.expect(200);
    assert!(text(&home).contains("Acme College"));
    b
}

/// Creates the achievement `forklift` through the console.
async fn achievement(b: &mut Browser<'_>) {
    let page = text(&b.get("/console/achievements/new").await);
    let token = csrf(&page);
    let a = b
        .post(
            "/console/achievements",
            &[
                ("csrf", &token),
                ("name", "Forklift Safety"),
                ("description", "Operates a forklift safely."),
                ("criteria", "Passed the practical test."),
                ("targetName", "Operate forklifts"),
                (
                    "targetUrl",
                    "https://www.onetonline.org/link/summary/53-7051.00",
                ),
                ("targetFramework", "O*NET"),
                ("targetCode", "53-7051.00"),
                ("targetName", ""),
                ("targetUrl", ""),
            ],
        )
        .await;
    let list = b.follow(&a).await;
    assert!(text(&list).contains("Forklift Safety"), "{}", text(&list));
    // The catalog has it under a generated id; give it a stable one through the API too.
    let h = b.h;
    let doc = json!({"type": ["Achievement"], "name": "Forklift Safety", "description": "Operates a forklift safely.", "criteria": {"narrative": "Passed the practical test."}});
    h.call(
        Method::PUT,
        "/orgs/acme/achievements/forklift",
        Some(&doc),
        &[("authorization", &format!("Bearer {}", h.keys.issue))],
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn the_verifier_page_speaks_the_browsers_language_and_the_switch_overrides_it() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let mut b = Browser::new(&h);
    b.lang = "es-MX,es;q=0.9";
    let page = b.get("/").await;
    page.expect(200);
    let html = text(&page);
    assert!(html.contains("<html lang=\"es\">") && html.contains("Verificar un registro"));
    assert!(page.header("content-security-policy").is_some());
    let switched = b.get("/lang?to=en&next=/verify").await;
    assert_eq!(switched.header("location").as_deref(), Some("/verify"));
    let page = b.get("/verify").await;
    assert!(text(&page).contains("<html lang=\"en\">"));
    // The switch never leads off the site.
    let away = b.get("/lang?to=en&next=//evil.example/").await;
    assert_eq!(away.header("location").as_deref(), Some("/"));
}

#[tokio::test]
async fn a_pasted_credential_gets_a_verdict_and_a_tampered_one_fails() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let vc = h.issue().await;
    let mut b = Browser::new(&h);
    let ok = b.post("/verify", &[("text", &vc.to_string())]).await;
    ok.expect(200);
    let html = text(&ok);
    assert!(
        html.contains("verdict ok") && html.contains("Verified"),
        "{html}"
    );
    assert!(html.contains("Acme College") && html.contains("Registered here"));
    assert!(html.contains("The digital signature is valid"));
    let mut tampered = vc.clone();
    tampered["credentialSubject"]["name"] = json!("Mallory");
    let bad = text(&b.post("/verify", &[("text", &tampered.to_string())]).await);
    assert!(bad.contains("verdict bad") && bad.contains("Not verified"));
    assert!(bad.contains("The digital signature does not match"));
    // Nothing given: the forms again, with a message.
    b.post("/verify", &[("text", "")]).await.expect(422);
}

#[tokio::test]
async fn staff_sign_in_issue_a_record_and_revoke_it() {
    for storage in Storage::all().await {
        let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
        let mut b = signed_in(&h).await;
        achievement(&mut b).await;
        let page = text(&b.get("/console/issue?achievement=forklift").await);
        let token = csrf(&page);
        let done = b
            .post(
                "/console/issue",
                &[
                    ("csrf", &token),
                    ("achievementId", "forklift"),
                    ("name", "Ana Ruiz"),
                    ("email", "ana@example.org"),
                    ("did", ""),
                    ("awarded", "2026-05-01"),
                ],
            )
            .await;
        done.expect(200);
        let html = text(&done);
        assert!(html.contains("Record issued"), "{html}");
        let list = text(&b.get("/console/records?q=ana").await);
        assert!(list.contains("ana@example.org") && list.contains("Active"));
        // A record issued without a suspension entry offers no suspend button; one issued
        // suspendable through the API does.
        assert!(!list.contains("value=\"suspend\""), "{list}");
        h.issue_suspendable().await;
        let suspendable = text(&b.get("/console/records?q=learner").await);
        assert!(suspendable.contains("value=\"suspend\""), "{suspendable}");
        let id = {
            let at = list.find("/console/records/").expect("a status form") + 17;
            list[at..].split('/').next().unwrap_or("").to_string()
        };
        let a = b
            .post(
                &format!("/console/records/{id}/status"),
                &[("csrf", &csrf(&list)), ("action", "revoke")],
            )
            .await;
        let after = text(&b.follow(&a).await);
        assert!(after.contains("Revoked"));
        // A post without the CSRF token changes nothing.
        let forged = b
            .post(
                &format!("/console/records/{id}/status"),
                &[("csrf", "forged"), ("action", "suspend")],
            )
            .await;
        assert_eq!(forged.status.as_u16(), 403);
        // The verifier now says so.
        let row = h
            .state
            .store
            .credential(&id.replace("%3A", ":"))
            .await
            .expect("store")
            .expect("row");
        let verdict = text(&b.post("/verify", &[("text", &row.json.to_string())]).await);
        assert!(verdict.contains("Not verified") && verdict.contains("revoked"));
    }
}

#[tokio::test]
async fn console_pages_need_a_session_and_wrong_passwords_are_refused() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let mut b = Browser::new(&h);
    let a = b.get("/console/records").await;
    assert_eq!(a.status.as_u16(), 303);
    assert_eq!(
        a.header("location").as_deref(),
        Some("/console/login?next=/console/records")
    );
    let wrong = b
        .post(
            "/console/login",
            &[("email", "nobody@acme.example"), ("password", "nope")],
        )
        .await;
    wrong.expect(401);
    assert!(text(&wrong).contains("Wrong email or password"));
}

#[tokio::test]
async fn a_bulk_file_with_one_bad_row_issues_the_others() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let mut b = signed_in(&h).await;
    achievement(&mut b).await;
    let page = text(&b.get("/console/bulk").await);
    let csv = "recipient,name,achievement,result,awarded\n\
               ana@example.org,Ana,forklift,Pass,2026-05-01\n\
               not-an-email,Bo,forklift,,\n\
               did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK,Cy,forklift,,\n";
    let a = b
        .post("/console/bulk", &[("csrf", &csrf(&page)), ("text", csv)])
        .await;
    let preview = b.follow(&a).await;
    let html = text(&preview);
    assert!(
        html.contains("2 row(s) ready to issue, 1 with problems"),
        "{html}"
    );
    assert!(
        html.contains("&quot;not-an-email&quot; is not an email address"),
        "{html}"
    );
    let job = a.header("location").expect("job page");
    let started = b
        .post(&format!("{job}/start"), &[("csrf", &csrf(&html))])
        .await;
    assert_eq!(started.status.as_u16(), 303);
    let mut finished = false;
    for _ in 0..100 {
        let p = b.get(&format!("{job}/progress")).await;
        if p.json()["finished"] == Value::Bool(true) {
            finished = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(finished, "the job did not finish");
    let result = text(&b.get(&job).await);
    assert!(result.contains("2 record(s) issued, 1 skipped"), "{result}");
    assert!(result.matches("/wallet/claim/").count() >= 2, "{result}");
    let issued = h
        .state
        .store
        .list_credentials(
            h.org.id,
            &ler_store::CredentialQuery {
                text: None,
                limit: 10,
                offset: 0,
            },
        )
        .await
        .expect("list");
    assert_eq!(issued.len(), 2);
}

#[tokio::test]
async fn bulk_row_errors_are_shown_in_the_pages_language() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let mut b = signed_in(&h).await;
    achievement(&mut b).await;
    b.lang = "es";
    let page = text(&b.get("/console/bulk").await);
    let csv = "recipient,name,achievement,result,awarded\n\
               ana@example.org,Ana,forklift,Pass,2026-05-01\n\
               not-an-email,Bo,forklift,,\n\
               ana@example.org,Ana,welding,Pass,2026-05-01\n";
    let a = b
        .post("/console/bulk", &[("csrf", &csrf(&page)), ("text", csv)])
        .await;
    let html = text(&b.follow(&a).await);
    let spanish = "recipient: «not-an-email» no es una dirección de correo electrónico";
    assert!(html.contains(spanish), "{html}");
    assert!(!html.contains("is not an email address"), "{html}");
    assert!(
        html.contains("no está en el catálogo de logros de acme"),
        "{html}"
    );
    let job = a.header("location").expect("job page");
    b.post(&format!("{job}/start"), &[("csrf", &csrf(&html))])
        .await
        .expect(303);
    for _ in 0..100 {
        let p = b.get(&format!("{job}/progress")).await;
        if p.json()["finished"] == Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let results = text(&b.get(&job).await);
    assert!(results.contains(spanish), "{results}");
    b.lang = "en";
    let results = text(&b.get(&job).await);
    assert!(
        results.contains("recipient: &quot;not-an-email&quot; is not an email address"),
        "{results}"
    );
}

#[tokio::test]
async fn every_page_weighs_under_200_kb_with_its_stylesheet_and_script() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let vc = h.issue().await;
    let mut b = signed_in(&h).await;
    achievement(&mut b).await;
    let css = b.get("/static/style.css").await;
    let js = b.get("/static/app.js").await;
    css.expect(200);
    js.expect(200);
    let assets = css.bytes.len() + js.bytes.len();
    let mut pages = vec![];
    for path in [
        "/",
        "/verify",
        "/console",
        "/console/org",
        "/console/achievements",
        "/console/achievements/new",
        "/console/achievements/forklift",
        "/console/issue",
        "/console/bulk",
        "/console/records",
    ] {
        let a = b.get(path).await;
        a.expect(200);
        pages.push((path.to_string(), a.bytes.len()));
    }
    let verdict = b.post("/verify", &[("text", &vc.to_string())]).await;
    pages.push(("verdict".into(), verdict.bytes.len()));
    ler_server::demo::seed(&h.state).await.expect("demo");
    let mut maria = wallet_of(&h, "maria@example.org").await;
    let home = text(&maria.get("/me").await);
    let record = format!("/me/records/{}", after(&home, "<a href=\"/me/records/"));
    for path in [
        "/me",
        record.as_str(),
        "/me/receive",
        "/me/share",
        "/me/grants",
        "/me/log",
        "/me/data",
    ] {
        let a = maria.get(path).await;
        a.expect(200);
        pages.push((path.to_string(), a.bytes.len()));
    }
    for (path, size) in pages {
        assert!(
            size + assets < 200 * 1024,
            "{path}: {size} bytes of HTML + {assets} of CSS and JS"
        );
    }
}

/// Opens a page as a browser does (asking for HTML), without cookies.
async fn open_as_browser(h: &Harness, path: &str) -> Answer {
    let mut req = Request::builder()
        .uri(path)
        .header("accept", "text/html,application/xhtml+xml")
        .body(Body::empty())
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40001))));
    h.send(req).await
}

/// Signs a participant of the demo pilot into the wallet pages.
async fn wallet_of<'h>(h: &'h Harness, email: &str) -> Browser<'h> {
    let mut b = Browser::new(h);
    let a = b
        .post(
            "/me/login",
            &[
                ("email", email),
                ("password", ler_server::demo::DEMO_PASSWORD),
                ("next", "/me"),
            ],
        )
        .await;
    let home = b.follow(&a).await;
    home.expect(200);
    b
}

/// The first `href`/`value` after `marker` on a page.
fn after<'p>(page: &'p str, marker: &str) -> &'p str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not on the page: {page}"))
        + marker.len();
    page[at..].split('"').next().unwrap_or("")
}

#[tokio::test]
async fn a_participant_shares_a_record_the_employer_opens_it_and_revoking_stops_the_link() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let demo = ler_server::demo::seed(&h.state).await.expect("demo");
    assert_eq!(demo.participants.len(), 3);
    let mut maria = wallet_of(&h, "maria@example.org").await;
    let home = text(&maria.get("/me").await);
    assert!(home.contains("Forklift Operator Safety") && home.contains("Employment record"));
    assert!(
        home.contains("Education and training") && home.contains("Work") && home.contains("Skills")
    );
    let record = after(&home, "<a href=\"/me/records/").to_string();
    let detail = text(&maria.get(&format!("/me/records/{record}")).await);
    assert!(detail.contains("verdict ok"), "{detail}");
    let form = text(&maria.get(&format!("/me/share?record={record}")).await);
    let shared = maria
        .post(
            "/me/share",
            &[
                ("csrf", &csrf(&form)),
                ("record", &record),
                ("recipient", "harbor"),
                ("recipient_other", ""),
                ("purpose", "employment"),
                ("purpose_text", "Forklift opening"),
                ("until", "2099-01-01"),
            ],
        )
        .await;
    shared.expect(200);
    let page = text(&shared);
    assert!(page.contains("Shared with Harbor Logistics") && page.contains("<svg class=\"qr\""));
    let link = after(&page, "id=\"share-url\" class=\"mono\" readonly value=\"").to_string();
    let path = link
        .trim_start_matches(crate::harness::PUBLIC_URL)
        .to_string();
    // The employer opens the link in a browser.
    let seen = open_as_browser(&h, &path).await;
    seen.expect(200);
    let seen = text(&seen);
    assert!(
        seen.contains("verdict ok") && seen.contains("Forklift opening"),
        "{seen}"
    );
    // API clients still get JSON.
    let json = h.get(&path).await;
    assert!(json.json()["records"].is_array());
    // The access log shows it.
    let log = text(&maria.get("/me/log").await);
    assert!(log.contains("Harbor Logistics"));
    // One click stops it; the link then tells the employer it does not work.
    let grants = text(&maria.get("/me/grants").await);
    let card = grants
        .split("<article")
        .find(|c| c.contains("Forklift opening"))
        .expect("the new grant's card");
    let action = after(card, "<form method=\"post\" action=\"").to_string();
    let revoked = maria.post(&action, &[("csrf", &csrf(&grants))]).await;
    let after_revoke = text(&maria.follow(&revoked).await);
    assert!(after_revoke.contains("Sharing stopped"));
    let gone = open_as_browser(&h, &path).await;
    gone.expect(404);
    assert!(text(&gone).contains("This link does not work"));
}

#[tokio::test]
async fn an_issued_record_is_claimed_into_a_wallet() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    ler_server::demo::seed(&h.state).await.expect("demo");
    let mut staff = signed_in(&h).await;
    achievement(&mut staff).await;
    let page = text(&staff.get("/console/issue").await);
    let done = text(
        &staff
            .post(
                "/console/issue",
                &[
                    ("csrf", &csrf(&page)),
                    ("achievementId", "forklift"),
                    ("name", "James Carter"),
                    ("email", "james@example.org"),
                ],
            )
            .await,
    );
    let link = after(&done, "id=\"claim-url\" class=\"mono\" readonly value=\"").to_string();
    let path = link
        .trim_start_matches(crate::harness::PUBLIC_URL)
        .to_string();
    let mut james = Browser::new(&h);
    // Signed out, the claim page asks to sign in and comes back.
    let ask = text(&james.get(&path).await);
    assert!(ask.contains("Sign in, or create your wallet"));
    let a = james
        .post(
            "/me/login",
            &[
                ("email", "james@example.org"),
                ("password", ler_server::demo::DEMO_PASSWORD),
                ("next", &path),
            ],
        )
        .await;
    let claim = text(&james.follow(&a).await);
    let action = after(&claim, "<form method=\"post\" action=\"/me/claim/").to_string();
    let added = james
        .post(&format!("/me/claim/{action}"), &[("csrf", &csrf(&claim))])
        .await;
    let home = text(&james.follow(&added).await);
    assert!(home.contains("The record is in your wallet") && home.contains("Forklift Safety"));
    // A claim link works once.
    let again = text(
        &james
            .post(&format!("/me/claim/{action}"), &[("csrf", &csrf(&claim))])
            .await,
    );
    assert!(again.contains("does not work any more"), "{again}");
}

/// A PNG picture of a QR code holding `text`, as a phone would photograph a screen.
fn qr_png(text: &str) -> Vec<u8> {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("qr");
    let width = u32::try_from(code.width()).expect("width");
    let colors = code.to_colors();
    let (scale, quiet) = (5, 4);
    let size = (width + 2 * quiet) * scale;
    let mut pixels = vec![255u8; (size * size) as usize];
    for y in 0..size {
        for x in 0..size {
            let (mx, my) = (x / scale, y / scale);
            if (quiet..width + quiet).contains(&mx)
                && (quiet..width + quiet).contains(&my)
                && colors[((my - quiet) * width + (mx - quiet)) as usize] == qrcode::Color::Dark
            {
                pixels[(y * size + x) as usize] = 0;
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size, size);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&pixels).expect("png data");
    drop(writer);
    out
}

#[tokio::test]
async fn a_photo_of_a_share_links_qr_code_is_read_on_the_server_and_verified() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let demo = ler_server::demo::seed(&h.state).await.expect("demo");
    let link = demo.share_link.expect("a share link");
    let boundary = "----lerqrtest";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"qr\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(qr_png(&link));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/verify")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40002))));
    let a = h.send(req).await;
    a.expect(200);
    let page = text(&a);
    assert!(
        page.contains("verdict ok") && page.contains("What was shared"),
        "{page}"
    );
    assert!(page.contains("Harbor Logistics"));
    // A picture without a code says so, in plain words.
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/verify")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"qr\"; filename=\"x.jpg\"\r\n\r\nnot a picture\r\n--{boundary}--\r\n"
            ),
        ))
        .expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40002))));
    let bad = h.send(req).await;
    bad.expect(422);
    assert!(text(&bad).contains("not a photo we can read"));
}

#[tokio::test]
async fn the_wallet_prints_with_a_form_that_posts_not_a_link() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    ler_server::demo::seed(&h.state).await.expect("demo");
    let mut maria = wallet_of(&h, "maria@example.org").await;
    let page = text(&maria.get("/me/data").await);
    assert!(!page.contains("href=\"/wallet/print"), "{page}");
    assert!(
        page.contains("<form method=\"post\" action=\"/wallet/print\"")
            && page.contains("formaction=\"/wallet/print.pdf\""),
        "{page}"
    );
    let token = csrf(&page);
    let html = maria.post("/wallet/print", &[("csrf", &token)]).await;
    html.expect(200);
    assert!(text(&html).contains("<svg class=\"qr\""));
    let pdf = maria.post("/wallet/print.pdf", &[("csrf", &token)]).await;
    pdf.expect(200);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    maria.get("/wallet/print").await.problem(405);
}

#[tokio::test]
async fn the_console_lists_an_sd_jwt_record_without_status_buttons() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let employment: Value = serde_json::from_str(
        &include_str!("../../../../fixtures/employment.json").replace("did:key:ISSUER", &h.org.did),
    )
    .expect("fixture");
    let worker = ler_crypto::did_key(&ler_crypto::KeyPair::from_seed([7; 32]).public_key());
    h.post(
        "/credentials/issue",
        &h.keys.issue,
        &json!({"credential": employment, "options": {"format": "dc+sd-jwt", "holder": worker}}),
    )
    .await
    .expect(201);
    let mut b = signed_in(&h).await;
    let list = text(&b.get("/console/records?q=worker-7d41").await);
    assert!(
        list.contains("urn:uuid:122f6e21-9388-427b-897b-1015f1ef1aef") && list.contains("Active"),
        "{list}"
    );
    // It has no status entry, so nothing offers to revoke or suspend it.
    assert!(!list.contains("/console/records/urn"), "{list}");
}

#[tokio::test]
async fn the_console_issues_from_a_oneroster_export() {
    let storage = Storage::sqlite();
    let h = Harness::open(&storage, crate::harness::PUBLIC_URL, Default::default()).await;
    let mut b = signed_in(&h).await;
    achievement(&mut b).await;
    let page = text(&b.get("/console/bulk").await);
    assert!(page.contains("name=\"lineItems\""), "{page}");
    let token = csrf(&page);
    let results = b"sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId\n\
r1,active,,li1,u1,fully graded,95,2026-05-01,,,c1\n\
r2,active,,li1,u2,fully graded,88,2026-05-01,,,c1\n";
    let line_items = b"sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax\n\
li1,active,,Forklift Safety,,2026-04-01,2026-05-01,c1,cat1,t1,0,100\n";
    let users = b"sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email\n\
u1,active,,true,ana,,Ana,Ruiz,,S-1,ana@example.org\n\
u2,active,,true,bo,,Bo,Lee,,S-2,not-an-email\n";
    // Without its two other files, the upload page says what is missing.
    let missing = b
        .post_multipart(
            "/console/bulk",
            &[("csrf", &token), ("source", "oneroster")],
            &[("csv", "results.csv", results)],
        )
        .await;
    missing.expect(422);
    assert!(
        text(&missing).contains("lineItems.csv and users.csv"),
        "{}",
        text(&missing)
    );
    let a = b
        .post_multipart(
            "/console/bulk",
            &[("csrf", &token), ("source", "oneroster"), ("deliver", "on")],
            &[
                ("csv", "results.csv", results),
                ("lineItems", "lineItems.csv", line_items),
                ("users", "users.csv", users),
            ],
        )
        .await;
    let preview = b.follow(&a).await;
    let html = text(&preview);
    assert!(
        html.contains("1 row(s) ready to issue, 1 with problems"),
        "{html}"
    );
    let job = a.header("location").expect("job page");
    let started = b
        .post(&format!("{job}/start"), &[("csrf", &csrf(&html))])
        .await;
    assert_eq!(started.status.as_u16(), 303);
    for _ in 0..100 {
        if b.get(&format!("{job}/progress")).await.json()["finished"] == Value::Bool(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let result = text(&b.get(&job).await);
    assert!(result.contains("1 record(s) issued, 1 skipped"), "{result}");
    assert!(result.contains("/wallet/claim/"), "{result}");
}
