//! Unit tests for DID syntax, did:key resolution and did:web mapping.

use serde_json::json;

use super::*;
use crate::KeyPair;

fn key(n: u8) -> PublicKey {
    KeyPair::from_seed([n; 32]).public_key()
}

#[test]
fn did_syntax() {
    let check = |input: &str, expect: Result<(&str, &str), &str>| {
        let got = Did::parse(input);
        match (got, expect) {
            (Ok(did), Ok((method, id))) => {
                assert_eq!(
                    (did.method(), did.method_specific_id()),
                    (method, id),
                    "{input}"
                );
                assert_eq!(did.as_str(), input);
            }
            (Err(DidError::Syntax { reason, .. }), Err(expect)) => {
                assert_eq!(reason, expect, "{input}");
            }
            (got, expect) => panic!("{input}: got {got:?}, expected {expect:?}"),
        }
    };
    check("did:key:z6Mkabc", Ok(("key", "z6Mkabc")));
    check(
        "did:web:example.com%3A8443:a:b",
        Ok(("web", "example.com%3A8443:a:b")),
    );
    check("did:example:a::b", Ok(("example", "a::b")));
    check("did:key", Err("must be did:<method>:<method-specific-id>"));
    check("DID:key:z", Err("must start with \"did:\""));
    check(
        "did:Key:z",
        Err("the method name must be lowercase letters and digits"),
    );
    check(
        "did::z",
        Err("the method name must be lowercase letters and digits"),
    );
    check(
        "did:key:",
        Err("the method-specific id must not be empty or end with ':'"),
    );
    check(
        "did:web:a:",
        Err("the method-specific id must not be empty or end with ':'"),
    );
    check("did:web:a%2", Err("'%' must be followed by two hex digits"));
    check(
        "did:web:a%zz",
        Err("'%' must be followed by two hex digits"),
    );
    let bad_char = Err(
        "the method-specific id may hold only letters, digits, '.', '-', '_', ':' and %-escapes",
    );
    check("did:web:a/b", bad_char);
    check("did:key:z#frag", bad_char);
    check("did:web:exa mple.com", bad_char);
}

#[test]
fn did_url_fragment() {
    let url = DidUrl::parse("did:web:example.com#key-1").expect("valid DID URL");
    assert_eq!(url.did().as_str(), "did:web:example.com");
    assert_eq!(url.fragment(), Some("key-1"));
    assert_eq!(url.to_string(), "did:web:example.com#key-1");
    assert_eq!(
        DidUrl::parse("did:web:example.com").map(|u| u.fragment().is_none()),
        Ok(true)
    );
    for bad in [
        "did:web:example.com#",
        "did:web:example.com/path#x",
        "did:web:x?q=1",
        "did:x:y#a b",
    ] {
        assert!(
            matches!(DidUrl::parse(bad), Err(DidError::Syntax { .. })),
            "{bad} should be rejected"
        );
    }
}

#[test]
fn did_key_round_trip() {
    let public = key(1);
    let did = did_key(&public);
    let vm = did_key_verification_method(&public);
    let multibase = public.to_multibase();
    assert_eq!(did, format!("did:key:{multibase}"));
    assert_eq!(vm, format!("{did}#{multibase}"));
    for input in [&did, &vm] {
        let (resolved, doc) = resolve_did_key(input).expect("resolves");
        assert_eq!(resolved, public);
        assert_eq!(doc, did_key_document(&public));
    }
}

#[test]
fn did_key_document_shape() {
    let public = key(2);
    let did = did_key(&public);
    let vm = did_key_verification_method(&public);
    assert_eq!(
        did_key_document(&public),
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [{
                "id": vm,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public.to_multibase(),
            }],
            "assertionMethod": [vm],
            "authentication": [vm],
            "capabilityInvocation": [vm],
            "capabilityDelegation": [vm],
        })
    );
}

#[test]
fn did_key_errors() {
    let one = key(1).to_multibase();
    let two = key(2).to_multibase();
    assert_eq!(
        resolve_did_key(&format!("did:key:{one}#{two}")).map(|r| r.0),
        Err(DidError::FragmentMismatch {
            fragment: two.clone(),
            expected: one.clone(),
        })
    );
    assert_eq!(
        resolve_did_key("did:web:example.com").map(|r| r.0),
        Err(DidError::Method {
            expected: "key",
            did: "did:web:example.com".to_owned(),
        })
    );
    // A secp256k1 did:key (multicodec 0xe701) is not an Ed25519 key.
    let secp = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme";
    assert!(matches!(
        resolve_did_key(secp),
        Err(DidError::Key {
            error: CryptoError::MulticodecHeader { .. },
            ..
        })
    ));
    // The identity point is refused here too.
    let mut weak = vec![0xed, 0x01, 1];
    weak.extend([0; 31]);
    let weak = format!("did:key:z{}", bs58::encode(weak).into_string());
    assert!(matches!(
        resolve_did_key(&weak),
        Err(DidError::Key {
            error: CryptoError::WeakPublicKey,
            ..
        })
    ));
}

#[test]
fn did_web_urls() {
    let check = |did: &str, expect: Result<&str, &str>| {
        let got = did_web_url(did).map_err(|e| e.to_string());
        assert_eq!(
            got,
            expect.map(str::to_owned).map_err(str::to_owned),
            "{did}"
        );
    };
    check(
        "did:web:example.com",
        Ok("https://example.com/.well-known/did.json"),
    );
    check(
        "did:web:Example.COM",
        Ok("https://example.com/.well-known/did.json"),
    );
    check(
        "did:web:example.com:orgs:acme",
        Ok("https://example.com/orgs/acme/did.json"),
    );
    check(
        "did:web:localhost%3A8443",
        Ok("https://localhost:8443/.well-known/did.json"),
    );
    check(
        "did:web:w3c-ccg.github.io:user:alice",
        Ok("https://w3c-ccg.github.io/user/alice/did.json"),
    );
    check(
        "did:web:example.com%3a80:a%20b",
        Ok("https://example.com:80/a%20b/did.json"),
    );

    check(
        "did:key:z6Mk",
        Err("expected a did:web DID, got \"did:key:z6Mk\""),
    );
    check(
        "did:web:example.com::a",
        Err("invalid did:web \"did:web:example.com::a\": empty path segment"),
    );
    check(
        "did:web:example.com:..",
        Err("invalid did:web \"did:web:example.com:..\": path segment \"..\" is a dot segment"),
    );
    check(
        "did:web:example.com:a:.:b",
        Err("invalid did:web \"did:web:example.com:a:.:b\": path segment \".\" is a dot segment"),
    );
    check(
        "did:web:example.com:%2e%2E",
        Err(
            "invalid did:web \"did:web:example.com:%2e%2E\": path segment \"%2e%2E\" is a dot \
             segment",
        ),
    );
    check(
        "did:web:example.com:a%2Fb",
        Err(
            "invalid did:web \"did:web:example.com:a%2Fb\": path segment \"a%2Fb\" escapes a \
             separator or control character",
        ),
    );
    check(
        "did:web:..",
        Err("invalid did:web \"did:web:..\": \"..\" is not a valid host name"),
    );
    check(
        "did:web:example..com",
        Err("invalid did:web \"did:web:example..com\": \"example..com\" is not a valid host name"),
    );
    check(
        "did:web:-example.com",
        Err("invalid did:web \"did:web:-example.com\": \"-example.com\" is not a valid host name"),
    );
    check(
        "did:web:exa_mple.com",
        Err("invalid did:web \"did:web:exa_mple.com\": \"exa_mple.com\" is not a valid host name"),
    );
    check(
        "did:web:127.0.0.1",
        Err(
            "invalid did:web \"did:web:127.0.0.1\": \"127.0.0.1\" is an IP address or not a valid \
             host name",
        ),
    );
    check(
        "did:web:example.com%2Fevil",
        Err(
            "invalid did:web \"did:web:example.com%2Fevil\": the host may not hold %-escapes \
             other than %3A before a port",
        ),
    );
    check(
        "did:web:example.com%3A",
        Err("invalid did:web \"did:web:example.com%3A\": \"\" is not a port number"),
    );
    check(
        "did:web:example.com%3A99999",
        Err("invalid did:web \"did:web:example.com%3A99999\": \"99999\" is not a port number"),
    );
    check(
        "did:web:example.com%3A80%3A81",
        Err("invalid did:web \"did:web:example.com%3A80%3A81\": \"80%3A81\" is not a port number"),
    );
    check(
        "did:web:%3A80",
        Err("invalid did:web \"did:web:%3A80\": the host is empty"),
    );
}

#[test]
fn did_web_document_lists_every_key() {
    let did = "did:web:example.com:orgs:acme";
    let (old, new) = (key(1), key(2));
    let doc = did_web_document(did, &[("key-1", old), ("key-2", new)]).expect("valid");
    let ids = [format!("{did}#key-1"), format!("{did}#key-2")];
    assert_eq!(
        doc,
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [
                {
                    "id": ids[0],
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": old.to_multibase(),
                },
                {
                    "id": ids[1],
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": new.to_multibase(),
                },
            ],
            "assertionMethod": ids,
            "authentication": ids,
        })
    );
}

#[test]
fn did_web_document_errors() {
    let did = "did:web:example.com";
    assert_eq!(did_web_document(did, &[]), Err(DidError::NoKeys));
    assert_eq!(
        did_web_document(did, &[("k", key(1)), ("k", key(2))]),
        Err(DidError::Fragment {
            fragment: "k".to_owned(),
            reason: "used for more than one key",
        })
    );
    assert!(matches!(
        did_web_document(did, &[("", key(1))]),
        Err(DidError::Fragment { .. })
    ));
    assert!(matches!(
        did_web_document(did, &[("a#b", key(1))]),
        Err(DidError::Fragment { .. })
    ));
    assert!(matches!(
        did_web_document("did:web:example.com:..", &[("k", key(1))]),
        Err(DidError::Web { .. })
    ));
}
