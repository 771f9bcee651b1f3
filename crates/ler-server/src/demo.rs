//! `ler serve --demo`: a pilot seeded into fresh storage so a newcomer meets a populated
//! product at once — a community college, a community-based organization and an employer
//! (each with a did:web, achievements aligned to skills and a staff login), and three
//! participants whose wallets hold Open Badges and an employment record, with grants given.
//!
//! Everything after the organizations and staff accounts goes through the service's own API
//! (catalog, issue, delivery into wallets, grants), exactly as a client would do it.

use axum::http::{HeaderMap, HeaderValue, Method, header};
use ler_store::Scope;
use serde_json::{Value, json};

use crate::{AppError, AppState, admin, ids};

mod cbo;

/// The password of every demo login (staff and participants).
pub const DEMO_PASSWORD: &str = "ler-demo-password";

/// A demo organization: slug, name, what it is, its staff login, and its achievements
/// (id, name, description, criteria, skills as (name, URL, framework, code)).
struct OrgSeed {
    slug: &'static str,
    name: &'static str,
    description: &'static str,
    staff: &'static str,
    achievements: &'static [AchievementSeed],
}

type Skill = (&'static str, &'static str, &'static str, &'static str);

struct AchievementSeed {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    description: &'static str,
    criteria: &'static str,
    skills: &'static [Skill],
}

const ORGS: &[OrgSeed] = &[
    OrgSeed {
        slug: "riverside",
        name: "Riverside Community College",
        description: "A public community college offering workforce certificates and degrees.",
        staff: "registrar@riverside.example",
        achievements: &[
            AchievementSeed {
                id: "forklift-safety",
                name: "Forklift Operator Safety",
                kind: "Certificate",
                description: "Operates counterbalance and reach forklifts safely in a warehouse, following OSHA 1910.178.",
                criteria: "Completed 16 hours of instruction and passed the written test and the practical driving evaluation.",
                skills: &[
                    (
                        "Operate industrial trucks and forklifts",
                        "https://www.onetonline.org/link/summary/53-7051.00",
                        "O*NET-SOC",
                        "53-7051.00",
                    ),
                    (
                        "Workplace safety procedures",
                        "https://osn.example.org/rsd/workplace-safety",
                        "Open Skills Network RSD",
                        "OSN-SAFE-01",
                    ),
                ],
            },
            AchievementSeed {
                id: "customer-service",
                name: "Customer Service Fundamentals",
                kind: "Course",
                description: "Communicates with customers clearly and resolves common problems.",
                criteria: "Completed the 30-hour course with a final grade of C or better.",
                skills: &[
                    (
                        "Customer service",
                        "https://www.onetonline.org/find/descriptor/result/2.B.1.f",
                        "O*NET",
                        "2.B.1.f",
                    ),
                    (
                        "Active listening",
                        "https://www.onetonline.org/find/descriptor/result/2.A.1.b",
                        "O*NET",
                        "2.A.1.b",
                    ),
                ],
            },
            AchievementSeed {
                id: "intro-welding",
                name: "Introduction to Welding",
                kind: "Certificate",
                description: "Performs basic SMAW and GMAW welds on mild steel.",
                criteria: "Passed the shop practical: four fillet welds inspected to AWS D1.1 visual criteria.",
                skills: &[(
                    "Welding, soldering and brazing",
                    "https://www.onetonline.org/link/summary/51-4121.00",
                    "O*NET-SOC",
                    "51-4121.00",
                )],
            },
        ],
    },
    OrgSeed {
        slug: "bridges",
        name: "Bridges Community Services",
        description: "A community-based organization helping neighbors into training and work.",
        staff: "coach@bridges.example",
        achievements: &[
            AchievementSeed {
                id: "job-readiness",
                name: "Job Readiness Workshop",
                kind: "Badge",
                description: "Prepared a résumé and practiced interviews with a career coach.",
                criteria: "Attended all four sessions and completed a mock interview.",
                skills: &[
                    (
                        "Résumé writing",
                        "https://osn.example.org/rsd/resume-writing",
                        "Open Skills Network RSD",
                        "OSN-CAREER-02",
                    ),
                    (
                        "Interviewing",
                        "https://osn.example.org/rsd/interviewing",
                        "Open Skills Network RSD",
                        "OSN-CAREER-03",
                    ),
                ],
            },
            AchievementSeed {
                id: "digital-literacy",
                name: "Digital Literacy Basics",
                kind: "Badge",
                description: "Uses email, online forms and a word processor to apply for jobs.",
                criteria: "Completed the six guided exercises.",
                skills: &[(
                    "Basic computer skills",
                    "https://www.onetonline.org/find/descriptor/result/4.A.3.b.1",
                    "O*NET",
                    "4.A.3.b.1",
                )],
            },
        ],
    },
    OrgSeed {
        slug: "harbor",
        name: "Harbor Logistics",
        description: "A regional warehousing and distribution employer.",
        staff: "hr@harbor.example",
        achievements: &[AchievementSeed {
            id: "warehouse-onboarding",
            name: "Warehouse Safety Onboarding",
            kind: "Badge",
            description: "Completed Harbor Logistics' site safety onboarding.",
            criteria: "Completed the site walk-through and the safety quiz.",
            skills: &[(
                "Workplace safety procedures",
                "https://osn.example.org/rsd/workplace-safety",
                "Open Skills Network RSD",
                "OSN-SAFE-01",
            )],
        }],
    },
];

/// A demo participant: name, email, what they earned (org, achievement), and whether they
/// worked at Harbor (an employment record).
struct PersonSeed {
    name: &'static str,
    email: &'static str,
    earned: &'static [(&'static str, &'static str)],
    employment: Option<(&'static str, &'static str, Option<&'static str>)>,
}

const PEOPLE: &[PersonSeed] = &[
    PersonSeed {
        name: "María López",
        email: "maria@example.org",
        earned: &[
            ("riverside", "forklift-safety"),
            ("riverside", "customer-service"),
            ("bridges", "job-readiness"),
        ],
        employment: Some(("Warehouse Associate", "2024-03-04", Some("2025-12-19"))),
    },
    PersonSeed {
        name: "James Carter",
        email: "james@example.org",
        earned: &[
            ("riverside", "intro-welding"),
            ("bridges", "digital-literacy"),
        ],
        employment: None,
    },
    PersonSeed {
        name: "Aisha Rahman",
        email: "aisha@example.org",
        earned: &[
            ("riverside", "customer-service"),
            ("bridges", "job-readiness"),
            ("harbor", "warehouse-onboarding"),
        ],
        employment: Some(("Inventory Clerk", "2025-01-13", None)),
    },
];

/// What the demo made, for `ler serve --demo` to print.
#[derive(Debug, Clone)]
pub struct Demo {
    /// Staff logins: (organization, email).
    pub staff: Vec<(String, String)>,
    /// Participants' wallet logins: (name, email).
    pub participants: Vec<(String, String)>,
    /// A share link María gave Harbor Logistics.
    pub share_link: Option<String>,
}

/// Calls the API with these headers; fails on anything but success.
async fn call(
    state: &AppState,
    method: Method,
    path: &str,
    headers: &HeaderMap,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> Result<crate::web::ApiAnswer, AppError> {
    let a = crate::web::api(state, method, path, headers, None, csrf, body).await?;
    if !a.status.is_success() {
        return Err(AppError::Internal(format!(
            "demo: {path} answered {}: {}",
            a.status,
            a.detail()
        )));
    }
    Ok(a)
}

fn bearer(key: &str) -> Result<HeaderMap, AppError> {
    let mut h = HeaderMap::new();
    let v = HeaderValue::from_str(&format!("Bearer {key}"))
        .map_err(|e| AppError::Internal(format!("demo: api key header: {e}")))?;
    h.insert(header::AUTHORIZATION, v);
    Ok(h)
}

/// Seeds the pilot into `state` (whose storage must be fresh).
pub async fn seed(state: &AppState) -> Result<Demo, AppError> {
    let now = state.now();
    let mut keys = std::collections::HashMap::new();
    let mut staff = Vec::new();
    for o in ORGS {
        let (org, _) = admin::create_org(
            &state.store,
            &state.kek,
            &state.public_url,
            o.slug,
            o.name,
            now,
        )
        .await?;
        state
            .store
            .update_org(org.id, o.name, &json!({"description": o.description}))
            .await?;
        admin::create_user(&state.store, o.slug, o.staff, DEMO_PASSWORD, "admin", now).await?;
        let (key, _) = admin::create_api_key(
            &state.store,
            o.slug,
            &[Scope::Issue, Scope::Revoke, Scope::Read],
            now,
        )
        .await?;
        let auth = bearer(&key)?;
        for a in o.achievements {
            let alignment: Vec<Value> = a
                .skills
                .iter()
                .map(|(name, url, framework, code)| {
                    json!({"type": ["Alignment"], "targetName": name, "targetUrl": url, "targetFramework": framework, "targetCode": code})
                })
                .collect();
            let doc = json!({
                "type": ["Achievement"],
                "achievementType": a.kind,
                "name": a.name,
                "description": a.description,
                "criteria": {"narrative": a.criteria},
                "alignment": alignment,
            });
            let path = format!("/orgs/{}/achievements/{}", o.slug, a.id);
            call(state, Method::PUT, &path, &auth, None, Some(&doc)).await?;
        }
        keys.insert(o.slug, auth);
        staff.push((o.name.to_string(), o.staff.to_string()));
    }

    let mut participants = Vec::new();
    let mut share_link = None;
    let mut wallets = Vec::new();
    for p in PEOPLE {
        // A wallet, signed in.
        let signup = call(
            state,
            Method::POST,
            "/wallet/signup",
            &HeaderMap::new(),
            None,
            Some(&json!({"email": p.email, "password": DEMO_PASSWORD})),
        )
        .await?;
        let mut wallet = HeaderMap::new();
        for c in signup.headers.get_all(header::SET_COOKIE) {
            if let Some(pair) = c.to_str().ok().and_then(|s| s.split(';').next())
                && let Ok(v) = HeaderValue::from_str(pair)
            {
                wallet.append(header::COOKIE, v);
            }
        }
        let csrf = signup
            .json
            .get("csrfToken")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let me = call(state, Method::GET, "/wallet/me", &wallet, None, None).await?;
        let did = me
            .json
            .get("did")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // Records issued to the wallet's DID and delivered into it.
        for (slug, achievement) in p.earned {
            let auth = keys
                .get(slug)
                .ok_or_else(|| AppError::Internal(format!("demo: no key for {slug}")))?;
            let issued = call(
                state,
                Method::POST,
                &format!("/orgs/{slug}/issue"),
                auth,
                None,
                Some(&json!({"achievementId": achievement, "recipient": {"id": did, "name": p.name}, "result": "Pass"})),
            )
            .await?;
            let id = issued.json["verifiableCredential"]["id"]
                .as_str()
                .unwrap_or("")
                .to_string();
            call(
                state,
                Method::POST,
                &format!("/orgs/{slug}/deliver"),
                auth,
                None,
                Some(&json!({"credentialId": id, "holderDid": did})),
            )
            .await?;
        }
        if let Some((title, start, end)) = p.employment {
            let auth = keys
                .get("harbor")
                .ok_or_else(|| AppError::Internal("demo: no key for harbor".into()))?;
            let harbor = admin::org(&state.store, "harbor").await?;
            let mut subject = json!({
                "id": did,
                "type": ["EmploymentSubject"],
                "employer": {"id": "https://harbor-logistics.example", "type": ["Employer"], "name": "Harbor Logistics"},
                "positionTitle": title,
                "employmentType": "Employment",
                "startDate": start,
                "hoursPerWeek": 40,
                "location": {"type": ["Location"], "addressLocality": "Riverside", "addressRegion": "CA", "addressCountry": "US"},
                "pay": {"type": ["Pay"], "amount": if title == "Inventory Clerk" { 20.25 } else { 18.75 }, "currency": "USD", "period": "Hour"},
            });
            if let Some(end) = end {
                subject["endDate"] = end.into();
            }
            let credential = json!({
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/ler/employment/v1"],
                "type": ["VerifiableCredential", "EmploymentCredential"],
                "name": format!("Employment record: {title}"),
                "issuer": {"id": harbor.did, "name": harbor.name},
                "validFrom": ids::format_datetime(now),
                "credentialSubject": subject,
            });
            let issued = call(
                state,
                Method::POST,
                "/credentials/issue",
                auth,
                None,
                Some(&json!({"credential": credential})),
            )
            .await?;
            let id = issued.json["verifiableCredential"]["id"]
                .as_str()
                .unwrap_or("")
                .to_string();
            call(
                state,
                Method::POST,
                "/orgs/harbor/deliver",
                auth,
                None,
                Some(&json!({"credentialId": id, "holderDid": did})),
            )
            .await?;
        }
        // A grant: the first person shares her forklift certificate and employment record
        // with Harbor Logistics; the others share everything with Bridges for intake.
        let records = call(state, Method::GET, "/wallet/records", &wallet, None, None).await?;
        let ids_of = |group: &str| -> Vec<String> {
            records.json[group]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["id"].as_str().map(String::from))
                .collect()
        };
        let education = ids_of("education");
        let employment = ids_of("employment");
        let expires = ids::format_datetime(now + 30 * 86_400);
        let grant = if share_link.is_none() {
            let mut chosen: Vec<String> = education.iter().take(1).cloned().collect();
            chosen.extend(employment.iter().cloned());
            json!({"recipient": "harbor", "purposes": ["employment"], "purposeText": "Application for the Forklift Operator opening", "recordIds": chosen, "expires": expires, "access": "repeated"})
        } else {
            let mut all = education.clone();
            all.extend(employment.iter().cloned());
            json!({"recipient": "bridges", "purposes": ["program-intake"], "purposeText": "Intake for the Bridges career program", "recordIds": all, "expires": expires, "access": "repeated"})
        };
        let given = call(
            state,
            Method::POST,
            "/wallet/grants",
            &wallet,
            Some(&csrf),
            Some(&grant),
        )
        .await?;
        if share_link.is_none() {
            share_link = given.json["shareUrl"].as_str().map(String::from);
        }
        participants.push((p.name.to_string(), p.email.to_string()));
        wallets.push(cbo::Wallet {
            name: p.name,
            email: p.email,
            headers: wallet,
            csrf,
            did,
        });
    }
    // Bridges' community program, run end to end (see `cbo`).
    staff.push(cbo::seed(state, &keys, &wallets).await?);
    tracing::info!("demo pilot seeded");
    Ok(Demo {
        staff,
        participants,
        share_link,
    })
}
