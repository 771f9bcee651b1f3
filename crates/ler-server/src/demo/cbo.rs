//! The demo's community program: Bridges Community Services runs a Warehouse Career Pathway
//! whose milestones the college issues as a partner. Everything a staffer would do goes
//! through the API: a skills framework and occupations imported, the program with its
//! milestones and cohorts, intake from the three participants' grants, María's plan applied,
//! progress as the college and Bridges issue milestones, outcome consent from the wallets
//! (James declines), and outcome data from employers' records shared through grants.
//!
//! A report needs people: with k = 10 three participants show nothing. So two earlier cohorts
//! of synthetic participants (no wallets, ids `demo-…`) are added, with their consent, past
//! progress and self-reported jobs written as history — consents and dated progress straight
//! to the store, since no API backdates them. The outcome report then shows figures for the
//! program and the larger cohort, and suppressed cells for the others, as a funder would see.

use axum::http::{HeaderMap, Method};
use ler_cbo::Date;
use ler_store::{ConsentRow, ProgressRow, Scope};
use serde_json::{Value, json};

use super::{DEMO_PASSWORD, bearer, call};
use crate::{AppError, AppState, admin};

/// A participant's wallet in the demo: name, email, session headers, CSRF token, DID.
pub(super) struct Wallet {
    pub name: &'static str,
    pub email: &'static str,
    pub headers: HeaderMap,
    pub csrf: String,
    pub did: String,
}

/// The funder's login the demo makes (aggregate reports only).
pub const FUNDER_LOGIN: &str = "funder@bridges.example";

/// Skills Bridges' program asks for: the URLs the demo's achievements align to.
const FRAMEWORK: &str = "id,name,category,code,statement
https://osn.example.org/rsd/workplace-safety,Workplace safety procedures,Safety,OSN-SAFE-01,Follows site safety rules and reports hazards.
https://www.onetonline.org/link/summary/53-7051.00,Operate industrial trucks and forklifts,Equipment,53-7051.00,Operates counterbalance and reach forklifts safely.
https://osn.example.org/rsd/inventory-control,Inventory control,Warehouse,OSN-WH-04,Counts and reconciles stock by location.
https://osn.example.org/rsd/rf-scanning,RF scanner and WMS use,Warehouse,OSN-WH-05,Receives and picks with a handheld scanner and a warehouse system.
https://www.onetonline.org/find/descriptor/result/2.B.1.f,Customer service,Service,2.B.1.f,Helps customers and resolves common problems.
https://www.onetonline.org/find/descriptor/result/2.A.1.b,Active listening,Communication,2.A.1.b,Gives full attention to what others say.
https://osn.example.org/rsd/resume-writing,Résumé writing,Career readiness,OSN-CAREER-02,Writes a résumé that fits the job.
https://osn.example.org/rsd/interviewing,Interviewing,Career readiness,OSN-CAREER-03,Prepares for and takes part in job interviews.
https://www.onetonline.org/find/descriptor/result/4.A.3.b.1,Basic computer skills,Digital,4.A.3.b.1,Uses email and online forms.
";

const SAFETY: &str = "https://osn.example.org/rsd/workplace-safety";
const FORKLIFT: &str = "https://www.onetonline.org/link/summary/53-7051.00";
const INVENTORY: &str = "https://osn.example.org/rsd/inventory-control";
const RF: &str = "https://osn.example.org/rsd/rf-scanning";
const SERVICE: &str = "https://www.onetonline.org/find/descriptor/result/2.B.1.f";
const LISTENING: &str = "https://www.onetonline.org/find/descriptor/result/2.A.1.b";
const RESUME: &str = "https://osn.example.org/rsd/resume-writing";
const INTERVIEW: &str = "https://osn.example.org/rsd/interviewing";

fn occupations() -> Value {
    json!({"occupations": [
        {"code": "53-7051.00", "title": "Industrial Truck and Tractor Operators", "skills": [
            {"skill": FORKLIFT, "name": "Operate industrial trucks and forklifts", "importance": 4.6},
            {"skill": SAFETY, "name": "Workplace safety procedures", "importance": 4.3},
            {"skill": INVENTORY, "name": "Inventory control", "importance": 3.1},
            {"skill": LISTENING, "name": "Active listening", "importance": 3.0}]},
        {"code": "53-7062.00", "title": "Laborers and Freight, Stock, and Material Movers, Hand", "skills": [
            {"skill": SAFETY, "name": "Workplace safety procedures", "importance": 4.0},
            {"skill": RF, "name": "RF scanner and WMS use", "importance": 3.4},
            {"skill": INVENTORY, "name": "Inventory control", "importance": 3.2},
            {"skill": FORKLIFT, "name": "Operate industrial trucks and forklifts", "importance": 3.0}]},
        {"code": "43-5071.00", "title": "Shipping, Receiving, and Inventory Clerks", "skills": [
            {"skill": INVENTORY, "name": "Inventory control", "importance": 4.4},
            {"skill": RF, "name": "RF scanner and WMS use", "importance": 4.0},
            {"skill": SERVICE, "name": "Customer service", "importance": 3.5},
            {"skill": LISTENING, "name": "Active listening", "importance": 3.2}]}
    ]})
}

/// The wallet of a demo participant by email.
fn wallet<'a>(wallets: &'a [Wallet], email: &str) -> Result<&'a Wallet, AppError> {
    wallets
        .iter()
        .find(|w| w.email == email)
        .ok_or_else(|| AppError::Internal(format!("demo: no wallet for {email}")))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// Seeds Bridges' program; returns the funder's login.
pub(super) async fn seed(
    state: &AppState,
    keys: &std::collections::HashMap<&str, HeaderMap>,
    wallets: &[Wallet],
) -> Result<(String, String), AppError> {
    let now = state.now();
    let today = Date::of_timestamp(now);
    let (cbo_key, _) =
        admin::create_api_key(&state.store, "bridges", &[Scope::Cbo, Scope::Funder], now).await?;
    let cbo = bearer(&cbo_key)?;
    admin::create_user(
        &state.store,
        "bridges",
        FUNDER_LOGIN,
        DEMO_PASSWORD,
        admin::FUNDER_ROLE,
        now,
    )
    .await?;
    let riverside = keys
        .get("riverside")
        .ok_or_else(|| AppError::Internal("demo: no key for riverside".into()))?;
    let bridges_issue = keys
        .get("bridges")
        .ok_or_else(|| AppError::Internal("demo: no key for bridges".into()))?;

    // Skills and occupations.
    let import = |path: &str, kind: &'static str, body: Vec<u8>| {
        let (path, cbo) = (path.to_owned(), cbo.clone());
        async move {
            let a = crate::web::api_bytes(state, Method::POST, &path, &cbo, None, None, kind, body)
                .await?;
            if !a.status.is_success() {
                return Err(AppError::Internal(format!(
                    "demo: {path} answered {}: {}",
                    a.status,
                    a.detail()
                )));
            }
            Ok(())
        }
    };
    import(
        "/orgs/bridges/cbo/frameworks?id=https://bridges.example/skills&name=Bridges%20warehouse%20and%20career%20skills",
        "text/csv",
        FRAMEWORK.as_bytes().to_vec(),
    )
    .await?;
    import(
        "/orgs/bridges/cbo/occupations",
        "application/json",
        occupations().to_string().into_bytes(),
    )
    .await?;

    // The college's new achievement, a milestone it issues as Bridges' partner.
    call(
        state,
        Method::PUT,
        "/orgs/riverside/achievements/warehouse-inventory",
        riverside,
        None,
        Some(&json!({
            "type": ["Achievement"], "achievementType": "Certificate",
            "name": "Warehouse Inventory Systems",
            "description": "Counts, receives and picks stock with an RF scanner and a warehouse management system.",
            "criteria": {"narrative": "Completed 24 hours of lab work and passed the cycle-count practical."},
            "alignment": [
                {"type": ["Alignment"], "targetName": "Inventory control", "targetUrl": INVENTORY, "targetFramework": "Bridges warehouse and career skills", "targetCode": "OSN-WH-04"},
                {"type": ["Alignment"], "targetName": "RF scanner and WMS use", "targetUrl": RF, "targetFramework": "Bridges warehouse and career skills", "targetCode": "OSN-WH-05"}
            ]
        })),
    )
    .await?;
    let id_of = |slug: &str, local: &str| {
        format!(
            "{}/orgs/{slug}/achievements/{local}",
            state.public_url.base()
        )
    };
    let riverside_did = admin::org(&state.store, "riverside").await?.did;
    let bridges_did = admin::org(&state.store, "bridges").await?.did;
    let forklift = id_of("riverside", "forklift-safety");
    let inventory = id_of("riverside", "warehouse-inventory");
    let service = id_of("riverside", "customer-service");
    let readiness = id_of("bridges", "job-readiness");

    // The program, with a current cohort and two earlier ones.
    let current_start = today.plus_days(-35);
    let program = json!({
        "id": "warehouse-pathway",
        "name": "Warehouse Career Pathway",
        "description": "Twelve weeks from job readiness to a forklift certificate and inventory systems, with Riverside Community College as the training partner.",
        "requiredSkills": [SAFETY, FORKLIFT, INVENTORY, RF, SERVICE, RESUME, INTERVIEW],
        "milestones": [
            {"achievementId": readiness, "name": "Job Readiness Workshop", "issuers": [bridges_did], "skills": [RESUME, INTERVIEW]},
            {"achievementId": forklift, "name": "Forklift Operator Safety", "issuers": [riverside_did], "skills": [FORKLIFT, SAFETY], "credential": true},
            {"achievementId": inventory, "name": "Warehouse Inventory Systems", "issuers": [riverside_did], "skills": [INVENTORY, RF], "credential": true},
            {"achievementId": service, "name": "Customer Service Fundamentals", "issuers": [riverside_did], "skills": [SERVICE, LISTENING]}
        ],
        "targetOccupations": ["53-7051.00", "53-7062.00", "43-5071.00"],
        "cohorts": [
            {"id": "cohort-a", "name": cohort_name(today.plus_days(-640)), "start": today.plus_days(-640).to_string(), "end": today.plus_days(-555).to_string()},
            {"id": "cohort-b", "name": cohort_name(today.plus_days(-390)), "start": today.plus_days(-390).to_string(), "end": today.plus_days(-305).to_string()},
            {"id": "current", "name": "Current cohort", "start": current_start.to_string(), "end": today.plus_days(50).to_string()}
        ]
    });
    call(
        state,
        Method::POST,
        "/orgs/bridges/cbo/programs",
        &cbo,
        None,
        Some(&program),
    )
    .await?;

    // Intake: María shares everything with Bridges too; James and Aisha did at sign-up.
    let maria = wallet(wallets, "maria@example.org")?;
    let records = call(
        state,
        Method::GET,
        "/wallet/records",
        &maria.headers,
        None,
        None,
    )
    .await?;
    let mut all: Vec<String> = Vec::new();
    for group in ["education", "employment", "other"] {
        for r in records.json[group].as_array().into_iter().flatten() {
            all.extend(r["id"].as_str().map(str::to_owned));
        }
    }
    call(
        state,
        Method::POST,
        "/wallet/grants",
        &maria.headers,
        Some(&maria.csrf),
        Some(&json!({"recipient": "bridges", "purposes": ["program-intake", "program-outcomes-reporting"], "purposeText": "Intake for the Warehouse Career Pathway", "recordIds": all, "expires": crate::ids::format_datetime(now + 90 * 86_400), "access": "repeated"})),
    )
    .await?;
    let grants = call(
        state,
        Method::GET,
        "/orgs/bridges/grants",
        bridges_issue,
        None,
        None,
    )
    .await?;
    let mut participants: Vec<(&Wallet, String, String)> = Vec::new();
    for w in wallets {
        let Some(g) = grants.json["grants"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["holder"] == w.did.as_str())
        else {
            continue;
        };
        let grant_id = text(g, "id");
        let a = call(
            state,
            Method::POST,
            "/orgs/bridges/cbo/intake",
            &cbo,
            None,
            Some(&json!({"grantId": grant_id, "name": w.name})),
        )
        .await?;
        let id = text(&a.json["participant"], "id");
        call(
            state,
            Method::POST,
            "/orgs/bridges/cbo/programs/warehouse-pathway/cohorts/current/participants",
            &cbo,
            None,
            Some(&json!({"participantId": id})),
        )
        .await?;
        participants.push((w, id, grant_id));
    }
    let pid = |email: &str| {
        participants
            .iter()
            .find(|(w, _, _)| w.email == email)
            .map(|(_, id, grant)| (id.clone(), grant.clone()))
            .ok_or_else(|| AppError::Internal(format!("demo: {email} was not taken in")))
    };
    let (maria_id, maria_grant) = pid("maria@example.org")?;
    let (james_id, _) = pid("james@example.org")?;
    let (aisha_id, aisha_grant) = pid("aisha@example.org")?;

    // María's plan: what she already holds is waived.
    call(
        state,
        Method::POST,
        &format!("/orgs/bridges/cbo/participants/{maria_id}/plan?program=warehouse-pathway"),
        &cbo,
        None,
        Some(&json!({})),
    )
    .await?;
    // Progress as milestones are issued: Bridges to James (counted on issuance), the college to
    // Aisha (and delivered into her wallet, where it is not counted twice); staff note James's
    // forklift course under way.
    let james = wallet(wallets, "james@example.org")?;
    let aisha = wallet(wallets, "aisha@example.org")?;
    call(
        state,
        Method::POST,
        "/orgs/bridges/issue",
        bridges_issue,
        None,
        Some(&json!({"achievementId": "job-readiness", "recipient": {"id": james.did, "name": james.name}, "result": "Pass"})),
    )
    .await?;
    let issued = call(
        state,
        Method::POST,
        "/orgs/riverside/issue",
        riverside,
        None,
        Some(&json!({"achievementId": "warehouse-inventory", "recipient": {"id": aisha.did, "name": aisha.name}, "result": "Pass"})),
    )
    .await?;
    let credential_id = text(&issued.json["verifiableCredential"], "id");
    call(
        state,
        Method::POST,
        "/orgs/riverside/deliver",
        riverside,
        None,
        Some(&json!({"credentialId": credential_id, "holderDid": aisha.did})),
    )
    .await?;
    call(
        state,
        Method::POST,
        &format!("/orgs/bridges/cbo/participants/{james_id}/progress"),
        &cbo,
        None,
        Some(&json!({"program": "warehouse-pathway", "achievementId": forklift, "status": "InProgress"})),
    )
    .await?;

    // Outcome consent from the wallets: María and Aisha agree, James declines.
    for (w, choice) in [(maria, "grant"), (aisha, "grant"), (james, "decline")] {
        call(
            state,
            Method::POST,
            "/wallet/programs/consent",
            &w.headers,
            Some(&w.csrf),
            Some(&json!({"org": "bridges", "program": "warehouse-pathway", "choice": choice})),
        )
        .await?;
    }
    // Their employers' records, shared through their grants: verified outcome data.
    for (id, grant) in [(&maria_id, &maria_grant), (&aisha_id, &aisha_grant)] {
        call(
            state,
            Method::POST,
            &format!("/orgs/bridges/cbo/participants/{id}/outcomes"),
            &cbo,
            None,
            Some(&json!({"grantId": grant})),
        )
        .await?;
    }

    // History: synthetic participants of the earlier cohorts.
    synthetic(
        state,
        &cbo,
        [
            (&readiness, &bridges_did),
            (&forklift, &riverside_did),
            (&inventory, &riverside_did),
            (&service, &riverside_did),
        ],
        today,
    )
    .await?;
    Ok((
        "Bridges Community Services (funder: aggregate reports only)".to_owned(),
        FUNDER_LOGIN.to_owned(),
    ))
}

/// A cohort's name: the month it started.
fn cohort_name(start: Date) -> String {
    format!("Cohort {}", &start.to_string()[..7])
}

/// 14 people in cohort A and 12 in cohort B, each consenting, with the milestones they earned
/// during their cohort (the partners' credentials) and jobs before and after (self-reported, so
/// unverified).
async fn synthetic(
    state: &AppState,
    cbo: &HeaderMap,
    milestones: [(&String, &String); 4],
    today: Date,
) -> Result<(), AppError> {
    let org_id = admin::org(&state.store, "bridges").await?.id;
    let cohorts = [
        (
            "cohort-a",
            14usize,
            today.plus_days(-640),
            today.plus_days(-555),
        ),
        ("cohort-b", 12, today.plus_days(-390), today.plus_days(-305)),
    ];
    let mut progress = Vec::new();
    for (cohort, n, start, end) in cohorts {
        for i in 0..n {
            let id = format!("demo-{cohort}-{:02}", i + 1);
            call(
                state,
                Method::POST,
                "/orgs/bridges/cbo/participants",
                cbo,
                None,
                Some(&json!({"id": id, "name": format!("Demo participant {} ({})", i + 1, cohort_name(start))})),
            )
            .await?;
            call(
                state,
                Method::POST,
                &format!(
                    "/orgs/bridges/cbo/programs/warehouse-pathway/cohorts/{cohort}/participants"
                ),
                cbo,
                None,
                Some(&json!({"participantId": id})),
            )
            .await?;
            // Milestones: most finish the first three, some all four, a few stop early.
            let done = [4, 3, 3, 4, 2, 3, 4, 1, 3, 4, 3, 2, 4, 3][i % 14];
            for (m, (achievement, issuer)) in milestones.iter().enumerate().take(done) {
                let day = start.plus_days(14 + 18 * m as i64).min(end);
                progress.push(ProgressRow {
                    seq: 0,
                    program_id: "warehouse-pathway".into(),
                    participant_id: id.clone(),
                    achievement_id: (*achievement).clone(),
                    status: "Completed".into(),
                    source: json!({"kind": "credential", "recordId": format!("urn:demo:{id}:{m}"), "issuer": issuer}),
                    at: day.timestamp(),
                });
            }
            consent_and_jobs(state, cbo, org_id, &id, i, start, end).await?;
        }
    }
    state.store.add_progress(org_id, &progress).await?;
    Ok(())
}

/// A synthetic participant's consent, and the jobs they reported: one before the program (for
/// most), and one after (for three in four), at wages that rise.
async fn consent_and_jobs(
    state: &AppState,
    cbo: &HeaderMap,
    org_id: i64,
    id: &str,
    i: usize,
    start: Date,
    end: Date,
) -> Result<(), AppError> {
    // Consent first (the API keeps outcome data only with it).
    state
        .store
        .add_outcome_consent(
            org_id,
            &ConsentRow {
                seq: 0,
                program_id: "warehouse-pathway".into(),
                participant_id: id.to_owned(),
                granted: true,
                at: start.timestamp(),
            },
        )
        .await?;
    let before = 14.0 + (i % 5) as f64 * 0.75;
    if i % 6 != 5 {
        let job = json!({"selfReported": {
            "employer": (["Corner Market", "Quick Mart", "City Diner", "Home Helpers"][i % 4]),
            "start": start.plus_days(-400).to_string(),
            "end": start.plus_days(-20 - (i as i64 % 3) * 30).to_string(),
            "hoursPerWeek": ([30.0, 25.0, 40.0][i % 3]),
            "pay": {"amount": before, "currency": "USD", "period": "Hour"},
        }});
        call(
            state,
            Method::POST,
            &format!("/orgs/bridges/cbo/participants/{id}/outcomes"),
            cbo,
            None,
            Some(&job),
        )
        .await?;
    }
    if i % 4 != 3 {
        let job = json!({"selfReported": {
            "employer": (["Harbor Logistics", "Valley Distribution", "Riverside Foods", "Metro Freight"][i % 4]),
            "start": end.plus_days(14 + (i as i64 % 4) * 10).to_string(),
            "hoursPerWeek": 40.0,
            "pay": {"amount": before + 3.5 + (i % 3) as f64, "currency": "USD", "period": "Hour"},
        }});
        call(
            state,
            Method::POST,
            &format!("/orgs/bridges/cbo/participants/{id}/outcomes"),
            cbo,
            None,
            Some(&job),
        )
        .await?;
    }
    Ok(())
}
