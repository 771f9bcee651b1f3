//! Unit tests for JSON paths.

use super::Path;

#[test]
fn builds_dotted_and_bracketed_paths() {
    let root = Path::root();
    assert_eq!(root.key("@context").index(1).as_str(), "$.@context[1]");
    assert_eq!(
        root.key("credentialSubject").key("achievement").as_str(),
        "$.credentialSubject.achievement"
    );
    assert_eq!(root.key("ext:foo-bar").as_str(), "$.ext:foo-bar");
    assert_eq!(root.key("a b").as_str(), "$['a b']");
    assert_eq!(root.key("it's").as_str(), "$['it\\'s']");
    assert_eq!(root.key("1st").as_str(), "$['1st']");
    assert_eq!(root.key("").as_str(), "$['']");
}
