//! The disclosure law, as property tests: a presentation reveals exactly the chosen claims
//! (and the parents nested ones need), and any change to what was presented fails.

use std::sync::OnceLock;

use proptest::prelude::*;

use crate::flow::decoded_text;
use crate::*;

fn sd_jwt() -> &'static str {
    static ISSUED: OnceLock<String> = OnceLock::new();
    ISSUED.get_or_init(issued)
}

/// The paths a presentation of `chosen` must disclose: the chosen ones and `/pay` for
/// `/pay/amount`.
fn expected(chosen: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = chosen.iter().map(|p| p.to_string()).collect();
    if chosen.contains(&"/pay/amount") && !chosen.contains(&"/pay") {
        out.push("/pay".into());
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_presentation_reveals_exactly_the_chosen_claims(mask in 0u16..(1 << SD_PATHS.len())) {
        let chosen: Vec<&str> = SD_PATHS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect();
        let shown = present(sd_jwt(), &chosen);
        let v = verify(&shown).expect("verifies");
        let want = expected(&chosen);
        prop_assert_eq!(&v.disclosed, &want);

        let Value::Object(record) = record() else { unreachable!() };
        for (name, value) in &record {
            let path = format!("/{name}");
            let revealed = v.claims.get(name);
            if name == "sub" {
                prop_assert_eq!(revealed, Some(value));
            } else if name == "pay" && want.contains(&path) {
                let amount_shown = want.iter().any(|p| p == "/pay/amount");
                prop_assert_eq!(revealed.and_then(|p| p.get("amount")).is_some(), amount_shown);
                prop_assert_eq!(&revealed.and_then(|p| p.get("currency")), &Some(&value["currency"]));
            } else {
                prop_assert_eq!(revealed, want.contains(&path).then_some(value), "{}", name);
            }
        }
        let amount_sent = decoded_text(&shown).contains(PAY_AMOUNT);
        prop_assert_eq!(amount_sent, chosen.contains(&"/pay/amount"));
    }

    #[test]
    fn any_change_to_the_disclosures_fails(
        mask in 1u16..(1 << SD_PATHS.len()),
        at in any::<prop::sample::Index>(),
        with in prop::sample::select(b"AQgw_-09xyZ".to_vec()),
    ) {
        let chosen: Vec<&str> = SD_PATHS
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect();
        let shown = present(sd_jwt(), &chosen);
        // A byte inside the disclosures, between the first and the last '~'.
        let first = shown.find('~').unwrap_or_default() + 1;
        let last = shown.rfind('~').unwrap_or_default();
        prop_assume!(last > first);
        let i = first + at.index(last - first);
        let mut bytes = shown.clone().into_bytes();
        prop_assume!(bytes[i] != with && bytes[i] != b'~');
        bytes[i] = with;
        let changed = String::from_utf8(bytes).expect("ASCII");
        prop_assert!(verify(&changed).is_err());
    }
}
