//! Unit tests for configuration precedence and the public URL.

use super::*;

const KEK: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| {
        pairs
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn refuses_to_start_without_a_kek() {
    let err = Config::resolve(&Flags::default(), &env_of(&[])).err();
    assert!(matches!(err, Some(ConfigError::NoKek)), "{err:?}");
}

#[test]
fn dev_mode_uses_a_throwaway_kek() {
    let flags = Flags {
        dev: true,
        ..Flags::default()
    };
    let config = Config::resolve(&flags, &env_of(&[])).expect("dev config");
    assert!(config.dev);
    assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(config.public_url.base(), "http://localhost:8080");
    assert_eq!(config.location, Location::SqliteDir(DEFAULT_DATA.into()));
}

#[test]
fn flags_win_over_environment_and_environment_over_file() {
    let dir = std::env::temp_dir().join(format!("ler-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ler.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\npublic_url = \"https://file.example\"\ndata = \"/from/file\"\nlog_format = \"json\"\n[limits]\nverify_per_second = 0.0\n",
    )
    .expect("write config");
    let env = env_of(&[
        ("LER_KEK", KEK),
        ("LER_PUBLIC_URL", "https://env.example"),
        ("LER_DATABASE_URL", "postgres://db.example/ler"),
    ]);
    let flags = Flags {
        config: Some(file.clone()),
        listen: Some("127.0.0.1:7000".into()),
        ..Flags::default()
    };
    let config = Config::resolve(&flags, &env).expect("config");
    assert!(!config.dev);
    assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(config.public_url.base(), "https://env.example");
    assert_eq!(
        config.location,
        Location::Postgres("postgres://db.example/ler".into())
    );
    assert_eq!(config.log_format, LogFormat::Json);
    assert!(config.limits.verify_per_second.abs() < f64::EPSILON);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn both_locations_at_one_level_is_an_error() {
    let flags = Flags {
        data: Some("d".into()),
        database: Some("postgres://x/y".into()),
        dev: true,
        ..Flags::default()
    };
    let err = Config::resolve(&flags, &env_of(&[])).err();
    assert!(
        matches!(err, Some(ConfigError::BothLocations(_))),
        "{err:?}"
    );
}

#[test]
fn public_url_makes_did_web_and_recognizes_its_own_urls() {
    let u = PublicUrl::parse("http://localhost:8080/").expect("url");
    assert_eq!(u.org_did("acme"), "did:web:localhost%3A8080:orgs:acme");
    assert_eq!(
        u.local_path("https://localhost:8080/orgs/acme/did.json"),
        Some("/orgs/acme/did.json")
    );
    assert_eq!(
        u.local_path("https://localhost:8081/orgs/acme/did.json"),
        None
    );
    assert_eq!(u.local_path("https://example.org/orgs/acme/did.json"), None);
    let u = PublicUrl::parse("https://Creds.Example.org").expect("url");
    assert_eq!(u.org_did("a"), "did:web:creds.example.org:orgs:a");
    assert_eq!(u.base(), "https://creds.example.org");
    assert!(u.is_https());
    for bad in [
        "ftp://x",
        "http://127.0.0.1:8080",
        "http://x/path",
        "http://x:0",
        "http://",
    ] {
        assert!(PublicUrl::parse(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn pseudonym_secret_comes_from_the_environment_or_the_file_and_must_be_long() {
    let config = Config::resolve(&Flags::default(), &env_of(&[("LER_KEK", KEK)])).expect("config");
    assert!(config.pseudonym_secret.is_none(), "derived from the KEK");
    let env = env_of(&[
        ("LER_KEK", KEK),
        (
            "LER_PSEUDONYM_SECRET",
            "a secret of more than thirty-two characters",
        ),
    ]);
    let config = Config::resolve(&Flags::default(), &env).expect("config");
    assert_eq!(
        config.pseudonym_secret.as_deref().map(|s| s.as_slice()),
        Some(&b"a secret of more than thirty-two characters"[..])
    );
    assert!(!format!("{config:?}").contains("thirty-two"), "hidden");
    let env = env_of(&[("LER_KEK", KEK), ("LER_PSEUDONYM_SECRET", "too short")]);
    let err = Config::resolve(&Flags::default(), &env).err();
    assert!(
        matches!(
            err,
            Some(ConfigError::PseudonymSecret("LER_PSEUDONYM_SECRET"))
        ),
        "{err:?}"
    );
    let dir = std::env::temp_dir().join(format!("ler-config-pseudonym-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ler.toml");
    std::fs::write(
        &file,
        "pseudonym_secret = \"from the file, and long enough to use\"\n",
    )
    .expect("write config");
    let flags = Flags {
        config: Some(file),
        ..Flags::default()
    };
    let config = Config::resolve(&flags, &env_of(&[("LER_KEK", KEK)])).expect("config");
    assert_eq!(
        config.pseudonym_secret.as_deref().map(|s| s.as_slice()),
        Some(&b"from the file, and long enough to use"[..])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn trusted_proxies_come_from_the_environment_or_the_file() {
    let config = Config::resolve(&Flags::default(), &env_of(&[("LER_KEK", KEK)])).expect("config");
    assert!(config.trusted_proxies.is_empty(), "none by default");
    let dir = std::env::temp_dir().join(format!("ler-config-proxies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ler.toml");
    std::fs::write(
        &file,
        "trusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\", \"fd00::/8\"]\n",
    )
    .expect("write config");
    let flags = Flags {
        config: Some(file.clone()),
        ..Flags::default()
    };
    let shown = |config: &Config| {
        config
            .trusted_proxies
            .nets()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    let config = Config::resolve(&flags, &env_of(&[("LER_KEK", KEK)])).expect("config");
    assert_eq!(
        shown(&config),
        ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"],
        "from the file"
    );
    let env = env_of(&[
        ("LER_KEK", KEK),
        ("LER_TRUSTED_PROXIES", " 192.0.2.0/24 ,::1,"),
    ]);
    let config = Config::resolve(&flags, &env).expect("config");
    assert_eq!(
        shown(&config),
        ["192.0.2.0/24", "::1/128"],
        "the environment wins"
    );
    let env = env_of(&[("LER_KEK", KEK), ("LER_TRUSTED_PROXIES", "")]);
    let config = Config::resolve(&flags, &env).expect("config");
    assert!(
        config.trusted_proxies.is_empty(),
        "set but empty trusts none"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_trusted_proxy_is_an_error_naming_it() {
    let env = env_of(&[
        ("LER_KEK", KEK),
        ("LER_TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33"),
    ]);
    let err = Config::resolve(&Flags::default(), &env).err();
    match &err {
        Some(e @ ConfigError::TrustedProxy { from, entry, .. }) => {
            assert_eq!(*from, "LER_TRUSTED_PROXIES");
            assert_eq!(entry, "10.0.0.0/33");
            assert!(e.to_string().contains("\"10.0.0.0/33\""), "{e}");
        }
        other => panic!("expected a trusted proxy error, got {other:?}"),
    }
    let dir = std::env::temp_dir().join(format!("ler-config-bad-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ler.toml");
    std::fs::write(&file, "trusted_proxies = [\"proxy.internal\"]\n").expect("write config");
    let flags = Flags {
        config: Some(file),
        ..Flags::default()
    };
    let err = Config::resolve(&flags, &env_of(&[("LER_KEK", KEK)])).err();
    assert!(
        matches!(
            &err,
            Some(ConfigError::TrustedProxy { from: "the configuration file", entry, .. })
                if entry == "proxy.internal"
        ),
        "{err:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
