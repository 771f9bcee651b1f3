//! The CBO tables: frameworks and occupations, programs with cohorts and enrolments,
//! participants and the wallets they came from, sealed profiles and corrections, the progress and consent logs, outcome records, and the release
//! log that refuses an append when another release committed since it was read.

use ler_store::{
    CohortRow, ConsentRow, CorrectionRow, EnrolmentRow, FrameworkRow, Holder, OccupationRow,
    OutcomeRow, ParticipantRow, ProfileRow, ProgramRow, ProgressRow, ReleaseRow, SkillRow, Store,
    StoreError,
};
use serde_json::json;

use crate::harness::org;

conformance!(
    the_first_data_key_stays,
    frameworks_replace_their_skills,
    occupations_upsert,
    programs_cohorts_and_enrolments,
    participants_by_organization_and_wallet,
    milestones_are_found_in_every_organization,
    profiles_and_corrections_are_opaque,
    progress_and_consent_logs,
    outcome_records_by_participant,
    release_log_appends_only_on_the_version_read,
);

async fn the_first_data_key_stays(store: &Store) {
    let cbo = org(store, "cbo").await;
    assert_eq!(store.cbo_data_key(cbo.id).await.unwrap(), None);
    let first = store.init_cbo_data_key(cbo.id, &[1; 57], 1).await.unwrap();
    assert_eq!(first, vec![1; 57]);
    let second = store.init_cbo_data_key(cbo.id, &[2; 57], 2).await.unwrap();
    assert_eq!(second, first, "a second key does not replace the first");
    assert_eq!(store.cbo_data_key(cbo.id).await.unwrap(), Some(first));
    let err = store
        .init_cbo_data_key(9_999, &[3; 57], 3)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

fn skill(framework: &str, n: u32) -> SkillRow {
    SkillRow {
        framework_id: framework.to_owned(),
        id: format!("https://skills.example.org/s/{n}"),
        json: json!({"name": format!("Skill {n}")}),
    }
}

async fn frameworks_replace_their_skills(store: &Store) {
    let cbo = org(store, "cbo").await;
    let other = org(store, "other").await;
    let f = FrameworkRow {
        id: "https://skills.example.org/f".into(),
        name: "Sample".into(),
        json: json!({"source": "csv"}),
        updated_at: 10,
    };
    let first: Vec<SkillRow> = (0..3).map(|n| skill(&f.id, n)).collect();
    store.put_framework(cbo.id, &f, &first).await.unwrap();
    assert_eq!(store.org_skills(cbo.id).await.unwrap(), first);
    assert!(store.org_skills(other.id).await.unwrap().is_empty());
    // A new version replaces the skills, in its order.
    let second = vec![skill(&f.id, 7), skill(&f.id, 1)];
    let renamed = FrameworkRow {
        name: "Sample v2".into(),
        updated_at: 20,
        ..f.clone()
    };
    store
        .put_framework(cbo.id, &renamed, &second)
        .await
        .unwrap();
    assert_eq!(store.org_skills(cbo.id).await.unwrap(), second);
    assert_eq!(store.frameworks(cbo.id).await.unwrap(), [renamed]);
    // A skill listed twice is refused, and nothing changes.
    let err = store
        .put_framework(cbo.id, &f, &[skill(&f.id, 1), skill(&f.id, 1)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.org_skills(cbo.id).await.unwrap(), second);
    let err = store
        .put_framework(cbo.id, &f, &[skill("https://elsewhere.example/f", 1)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(store.delete_framework(cbo.id, &f.id).await.unwrap());
    assert!(!store.delete_framework(cbo.id, &f.id).await.unwrap());
    assert!(store.org_skills(cbo.id).await.unwrap().is_empty());
}

async fn occupations_upsert(store: &Store) {
    let cbo = org(store, "cbo").await;
    let mut o = OccupationRow {
        code: "31-1131.00".into(),
        title: "Nursing Assistants".into(),
        json: json!({"skills": []}),
        updated_at: 1,
    };
    store.put_occupation(cbo.id, &o).await.unwrap();
    o.json = json!({"skills": [{"skill": "https://a.example/1", "importance": 4}]});
    o.updated_at = 2;
    store.put_occupation(cbo.id, &o).await.unwrap();
    let before = OccupationRow {
        code: "15-1232.00".into(),
        title: "Computer User Support Specialists".into(),
        json: json!({}),
        updated_at: 3,
    };
    store.put_occupation(cbo.id, &before).await.unwrap();
    assert_eq!(store.occupations(cbo.id).await.unwrap(), [before, o]);
}

fn program(id: &str, milestones: &[&str]) -> ProgramRow {
    ProgramRow {
        id: id.to_owned(),
        name: format!("Program {id}"),
        json: json!({"id": id, "requiredSkills": []}),
        milestones: milestones.iter().map(|m| (*m).to_owned()).collect(),
        occupations: vec!["53-7062.00".into()],
        updated_at: 5,
    }
}

fn cohort(program: &str, id: &str, start: &str) -> CohortRow {
    CohortRow {
        program_id: program.to_owned(),
        id: id.to_owned(),
        name: format!("Cohort {id}"),
        start_date: start.to_owned(),
        end_date: "2026-12-18".to_owned(),
    }
}

fn enrolment(program: &str, cohort: &str, participant: &str) -> EnrolmentRow {
    EnrolmentRow {
        program_id: program.to_owned(),
        cohort_id: cohort.to_owned(),
        participant_id: participant.to_owned(),
        enrolled_at: 7,
    }
}

fn participant(id: &str, holder: Option<&str>, at: i64) -> ParticipantRow {
    ParticipantRow {
        id: id.to_owned(),
        holder_id: holder.map(str::to_owned),
        sealed: format!("sealed {id}").into_bytes(),
        created_at: at,
    }
}

async fn participants_by_organization_and_wallet(store: &Store) {
    let cbo = org(store, "cbo").await;
    let other = org(store, "other").await;
    store
        .create_holder(&Holder {
            id: "h_ana".into(),
            email: "ana@mail.example".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            did: "did:key:z6MkAna".into(),
            encrypted_key: "{}".into(),
            wrapped_data_key: b"WRAPPED".to_vec(),
            created_at: 1,
        })
        .await
        .unwrap();
    let ana = participant("p-ana", Some("h_ana"), 20);
    let bo = participant("p-bo", None, 10);
    store.add_participant(cbo.id, &ana).await.unwrap();
    store.add_participant(cbo.id, &bo).await.unwrap();
    // People without a wallet may share nothing but the table: two of them are fine.
    store
        .add_participant(cbo.id, &participant("p-cy", None, 30))
        .await
        .unwrap();
    assert_eq!(
        store
            .participants(cbo.id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        ["p-bo", "p-ana", "p-cy"],
        "oldest first"
    );
    assert_eq!(
        store.participant(cbo.id, "p-ana").await.unwrap(),
        Some(ana.clone())
    );
    assert!(
        store
            .participant(other.id, "p-ana")
            .await
            .unwrap()
            .is_none()
    );
    // An id once per organization; a holder once per organization.
    for dup in [
        participant("p-ana", None, 40),
        participant("p-ana-2", Some("h_ana"), 40),
    ] {
        let err = store.add_participant(cbo.id, &dup).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }
    let err = store
        .add_participant(cbo.id, &participant("p-x", Some("h_nobody"), 40))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    // The same holder in another organization.
    let elsewhere = participant("p-7", Some("h_ana"), 50);
    store.add_participant(other.id, &elsewhere).await.unwrap();
    assert_eq!(
        store.holder_participants("h_ana").await.unwrap(),
        vec![(cbo.id, ana.clone()), (other.id, elsewhere)]
    );
    assert!(store.holder_participants("h_bo").await.unwrap().is_empty());
    assert!(
        store
            .set_participant_sealed(cbo.id, "p-ana", b"resealed")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_participant_sealed(other.id, "p-bo", b"x")
            .await
            .unwrap()
    );
    let now = store.participant(cbo.id, "p-ana").await.unwrap().unwrap();
    assert_eq!(now.sealed, b"resealed");
    assert_eq!(now.holder_id.as_deref(), Some("h_ana"));
    // The records shared at intake, kept apart.
    assert_eq!(
        store.participant_records(cbo.id, "p-ana").await.unwrap(),
        None
    );
    assert!(
        store
            .set_participant_records(cbo.id, "p-ana", b"records")
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_participant_records(cbo.id, "p-nobody", b"records")
            .await
            .unwrap()
    );
    assert_eq!(
        store.participant_records(cbo.id, "p-ana").await.unwrap(),
        Some(b"records".to_vec())
    );
    let err = store
        .participant_records(other.id, "p-ana")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

async fn milestones_are_found_in_every_organization(store: &Store) {
    let cbo = org(store, "cbo").await;
    let other = org(store, "other").await;
    store
        .put_program(cbo.id, &program("wh", &["urn:a:1", "urn:a:2"]))
        .await
        .unwrap();
    store
        .put_program(other.id, &program("it", &["urn:a:2"]))
        .await
        .unwrap();
    assert_eq!(
        store.milestone_programs("urn:a:2").await.unwrap(),
        vec![(cbo.id, "wh".to_owned()), (other.id, "it".to_owned())]
    );
    assert_eq!(
        store.milestone_programs("urn:a:1").await.unwrap(),
        vec![(cbo.id, "wh".to_owned())]
    );
    assert!(
        store
            .milestone_programs("urn:a:9")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn programs_cohorts_and_enrolments(store: &Store) {
    let cbo = org(store, "cbo").await;
    assert!(
        store
            .put_program(cbo.id, &program("wh", &["urn:a:1", "urn:a:2"]))
            .await
            .unwrap()
    );
    store
        .put_program(cbo.id, &program("it", &["urn:a:2"]))
        .await
        .unwrap();
    // Replacing keeps the new milestone order and says it was not created.
    let replaced = program("wh", &["urn:a:3", "urn:a:1"]);
    assert!(!store.put_program(cbo.id, &replaced).await.unwrap());
    assert_eq!(store.program(cbo.id, "wh").await.unwrap(), Some(replaced));
    assert_eq!(store.programs(cbo.id).await.unwrap().len(), 2);
    assert_eq!(
        store
            .programs_with_milestone(cbo.id, "urn:a:1")
            .await
            .unwrap(),
        ["wh"]
    );
    assert!(
        store
            .programs_with_milestone(cbo.id, "urn:a:9")
            .await
            .unwrap()
            .is_empty()
    );
    let err = store
        .put_program(cbo.id, &program("dup", &["urn:a:1", "urn:a:1"]))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(store.program(cbo.id, "dup").await.unwrap().is_none());

    store
        .put_cohort(cbo.id, &cohort("wh", "fall", "2026-09-07"))
        .await
        .unwrap();
    store
        .put_cohort(cbo.id, &cohort("wh", "spring", "2026-03-02"))
        .await
        .unwrap();
    let err = store
        .put_cohort(cbo.id, &cohort("nope", "x", "2026-01-01"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let ids: Vec<String> = store
        .cohorts(cbo.id, "wh")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["spring", "fall"]);

    store
        .enrol(cbo.id, &enrolment("wh", "spring", "p1"))
        .await
        .unwrap();
    store
        .enrol(cbo.id, &enrolment("wh", "fall", "p2"))
        .await
        .unwrap();
    let err = store
        .enrol(cbo.id, &enrolment("wh", "fall", "p1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "one cohort per program: {err}"
    );
    let err = store
        .enrol(cbo.id, &enrolment("wh", "winter", "p3"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(
        store.enrolments(cbo.id, "wh").await.unwrap(),
        [
            enrolment("wh", "fall", "p2"),
            enrolment("wh", "spring", "p1")
        ]
    );
    assert_eq!(
        store.participant_enrolments(cbo.id, "p1").await.unwrap(),
        [enrolment("wh", "spring", "p1")]
    );
    assert!(store.unenrol(cbo.id, "wh", "p1").await.unwrap());
    assert!(!store.unenrol(cbo.id, "wh", "p1").await.unwrap());
    store
        .enrol(cbo.id, &enrolment("wh", "fall", "p1"))
        .await
        .unwrap();
}

async fn profiles_and_corrections_are_opaque(store: &Store) {
    let cbo = org(store, "cbo").await;
    let other = org(store, "other").await;
    assert!(store.profile(cbo.id, "p1").await.unwrap().is_none());
    let mut p = ProfileRow {
        participant_id: "p1".into(),
        sealed: vec![1, 2, 3],
        updated_at: 1,
    };
    store.put_profile(cbo.id, &p).await.unwrap();
    p.sealed = vec![9; 40];
    p.updated_at = 2;
    store.put_profile(cbo.id, &p).await.unwrap();
    assert_eq!(store.profile(cbo.id, "p1").await.unwrap(), Some(p));
    assert!(store.profile(other.id, "p1").await.unwrap().is_none());

    let c = |n: u8| CorrectionRow {
        seq: 0,
        participant_id: "p1".into(),
        sealed: vec![n; 8],
        by: "sam@cbo.example.org".into(),
        at: i64::from(n),
    };
    let first = store.add_correction(cbo.id, &c(1)).await.unwrap();
    let second = store.add_correction(cbo.id, &c(2)).await.unwrap();
    assert!(second > first);
    let stored = store.corrections(cbo.id, "p1").await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].seq, first);
    assert_eq!(stored[1].sealed, vec![2; 8]);
    assert!(store.corrections(cbo.id, "p2").await.unwrap().is_empty());
}

fn event(program: &str, participant: &str, status: &str, at: i64) -> ProgressRow {
    ProgressRow {
        seq: 0,
        program_id: program.to_owned(),
        participant_id: participant.to_owned(),
        achievement_id: "urn:a:1".into(),
        status: status.to_owned(),
        source: json!({"kind": "staff", "by": "sam"}),
        at,
    }
}

async fn progress_and_consent_logs(store: &Store) {
    let cbo = org(store, "cbo").await;
    let seqs = store
        .add_progress(
            cbo.id,
            &[
                event("wh", "p1", "InProgress", 1),
                event("wh", "p1", "Completed", 2),
                event("it", "p1", "Enrolled", 3),
            ],
        )
        .await
        .unwrap();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let wh = store.program_progress(cbo.id, "wh").await.unwrap();
    assert_eq!(wh.len(), 2);
    assert_eq!(wh[1].status, "Completed");
    assert_eq!(wh[1].seq, seqs[1]);
    assert_eq!(wh[0].source, json!({"kind": "staff", "by": "sam"}));
    assert_eq!(
        store
            .participant_progress(cbo.id, "p1")
            .await
            .unwrap()
            .len(),
        3
    );
    // A status outside OB 3.0's enumeration is refused, and the batch with it.
    let err = store
        .add_progress(
            cbo.id,
            &[
                event("wh", "p2", "Completed", 4),
                event("wh", "p2", "Done", 5),
            ],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(
        store
            .participant_progress(cbo.id, "p2")
            .await
            .unwrap()
            .is_empty()
    );

    let consent = |granted: bool, at: i64| ConsentRow {
        seq: 0,
        program_id: "wh".into(),
        participant_id: "p1".into(),
        granted,
        at,
    };
    store
        .add_outcome_consent(cbo.id, &consent(true, 10))
        .await
        .unwrap();
    store
        .add_outcome_consent(cbo.id, &consent(false, 20))
        .await
        .unwrap();
    let log = store.outcome_consents(cbo.id, "wh").await.unwrap();
    assert_eq!(
        log.iter().map(|c| c.granted).collect::<Vec<_>>(),
        [true, false]
    );
    assert!(
        store
            .outcome_consents(cbo.id, "it")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn outcome_records_by_participant(store: &Store) {
    let cbo = org(store, "cbo").await;
    let r = |id: &str, p: &str, verified: bool| OutcomeRow {
        id: id.to_owned(),
        participant_id: p.to_owned(),
        sealed: id.as_bytes().to_vec(),
        verified,
        received_at: 1,
    };
    for row in [
        r("o2", "p1", true),
        r("o1", "p1", false),
        r("o3", "p2", true),
    ] {
        store.add_outcome_record(cbo.id, &row).await.unwrap();
    }
    let err = store
        .add_outcome_record(cbo.id, &r("o1", "p9", true))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let ids = |rows: Vec<OutcomeRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.outcome_records(cbo.id, &["p1".into()]).await.unwrap()),
        ["o1", "o2"]
    );
    assert_eq!(
        ids(store
            .outcome_records(cbo.id, &["p2".into(), "p1".into(), "p3".into()])
            .await
            .unwrap()),
        ["o1", "o2", "o3"]
    );
    assert_eq!(store.delete_outcome_records(cbo.id, "p1").await.unwrap(), 2);
    assert_eq!(
        ids(store
            .outcome_records(cbo.id, &["p1".into(), "p2".into()])
            .await
            .unwrap()),
        ["o3"]
    );
}

fn released(report: &str, measure: &str, people: &[&str]) -> ReleaseRow {
    ReleaseRow {
        seq: 0,
        program_id: "wh".into(),
        report_id: report.to_owned(),
        measure: measure.to_owned(),
        population: people.iter().map(|p| (*p).to_owned()).collect(),
        released_at: 100,
    }
}

async fn release_log_appends_only_on_the_version_read(store: &Store) {
    let cbo = org(store, "cbo").await;
    let rows = [
        released("r1", "participants", &["p1", "p2", "p3"]),
        released("r1", "employment_q2", &["p1", "p2"]),
    ];
    let err = store
        .append_releases(cbo.id, "wh", None, &rows)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(_)),
        "no such program: {err}"
    );
    store
        .put_program(cbo.id, &program("wh", &[]))
        .await
        .unwrap();
    let seqs = store
        .append_releases(cbo.id, "wh", None, &rows)
        .await
        .unwrap();
    let log = store.releases(cbo.id, "wh").await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].population, ["p1", "p2", "p3"]);
    assert_eq!(log[1].seq, seqs[1]);
    // Another release read the empty log too: refused, nothing added.
    let err = store
        .append_releases(
            cbo.id,
            "wh",
            None,
            &[released("r2", "participants", &["p1"])],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.releases(cbo.id, "wh").await.unwrap().len(), 2);
    // On the version read, it goes in.
    store
        .append_releases(
            cbo.id,
            "wh",
            Some(seqs[1]),
            &[released("r2", "participants", &["p1", "p2", "p3"])],
        )
        .await
        .unwrap();
    assert_eq!(store.releases(cbo.id, "wh").await.unwrap().len(), 3);
    let err = store
        .append_releases(
            cbo.id,
            "wh",
            Some(seqs[1]),
            &[released("r3", "participants", &["p 1"])],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}
