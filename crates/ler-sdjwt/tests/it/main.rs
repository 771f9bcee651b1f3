//! Integration tests for ler-sdjwt: an employment record issued, presented in part and
//! verified; every refusal of the verifier; the disclosure law as a property test; the
//! RFC 9901 example; and interop with the IETF reference implementation over Ed25519.

mod attacks;
mod flow;
mod properties;
mod python;
mod rfc9901;

use ler_crypto::KeyPair;
use ler_proof::DidKeyResolver;
use ler_sdjwt::{EMPLOYMENT_VCT, Expect, IssueOptions, SdJwtError, Verified};
use serde_json::{Value, json};

/// The issuer's clock at issuance, and the holder's and verifier's shortly after.
pub const ISSUED: i64 = 1_750_000_000;
pub const PRESENTED: i64 = ISSUED + 3_600;
pub const VERIFIED: i64 = PRESENTED + 60;

pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const AUD: &str = "https://hr.example.org";

/// The pay amount; no presentation that keeps pay back may contain it.
pub const PAY_AMOUNT: &str = "23.75";

pub fn employer() -> KeyPair {
    KeyPair::from_seed([1; 32])
}

pub fn worker() -> KeyPair {
    KeyPair::from_seed([2; 32])
}

pub fn stranger() -> KeyPair {
    KeyPair::from_seed([3; 32])
}

pub fn kid(key: &KeyPair) -> String {
    ler_crypto::did_key_verification_method(&key.public_key())
}

pub fn did(key: &KeyPair) -> String {
    ler_crypto::did_key(&key.public_key())
}

/// An employment record's subject fields (ler-model's `EmploymentSubject`), as SD-JWT VC claims.
pub fn record() -> Value {
    json!({
        "sub": did(&worker()),
        "employer": {"type": "Employer", "name": "Harbor Kitchens"},
        "positionTitle": "Sous Chef",
        "startDate": "2021-03-01",
        "endDate": "2024-08-31",
        "employmentType": "Employment",
        "hoursPerWeek": 40,
        "location": {
            "type": "Location",
            "addressLocality": "Portland",
            "addressRegion": "OR",
            "addressCountry": "US"
        },
        "pay": {"type": "Pay", "amount": 23.75, "currency": "USD", "period": "Hour"}
    })
}

/// Every field of the record made selectively disclosable, pay's amount on its own too.
pub const SD_PATHS: [&str; 9] = [
    "/employer",
    "/positionTitle",
    "/startDate",
    "/endDate",
    "/employmentType",
    "/hoursPerWeek",
    "/location",
    "/pay",
    "/pay/amount",
];

/// A deterministic salt source for tests (see `os_salt` for the real one): SHA-256 of the seed
/// and a counter, so salts look random and never repeat.
pub fn test_salts(seed: u8) -> impl FnMut() -> [u8; 16] {
    use sha2::Digest;
    let mut n = 0u64;
    move || {
        n += 1;
        let h = sha2::Sha256::digest([&[seed][..], &n.to_le_bytes()].concat());
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&h[..16]);
        salt
    }
}

pub fn options<'a>(holder: &'a ler_crypto::PublicKey) -> IssueOptions<'a> {
    IssueOptions {
        vct: EMPLOYMENT_VCT,
        holder,
        now: ISSUED,
        max_decoys: 3,
    }
}

/// The record issued by the employer to the worker, with [`SD_PATHS`] disclosable.
pub fn issued() -> String {
    issued_with(&record(), &SD_PATHS, 7)
}

pub fn issued_with(claims: &Value, paths: &[&str], seed: u8) -> String {
    let employer = employer();
    let holder = worker().public_key();
    ler_sdjwt::issue(
        claims,
        paths,
        &employer,
        &kid(&employer),
        &options(&holder),
        &mut test_salts(seed),
    )
    .expect("issue")
}

/// What a verifier that requires key binding, with its nonce and audience, expects.
pub fn expect() -> Expect<'static> {
    Expect {
        nonce: Some(NONCE),
        aud: Some(AUD),
        now: VERIFIED,
        require_key_binding: true,
    }
}

pub fn present(sd_jwt: &str, disclose: &[&str]) -> String {
    ler_sdjwt::present(sd_jwt, disclose, &worker(), NONCE, AUD, PRESENTED).expect("present")
}

pub fn verify(presentation: &str) -> Result<Verified, SdJwtError> {
    ler_sdjwt::verify(presentation, &DidKeyResolver, &expect())
}
