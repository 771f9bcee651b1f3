//! Laws: whatever text is baked is read back, and no damage to a baked image makes it yield a
//! different credential (or panic).

use ler_bake::{bake, unbake};
use proptest::prelude::*;

use crate::png::tiny_png;
use crate::svg::SVG;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn bake_then_unbake_returns_the_text(text in any::<String>(), jws in "[A-Za-z0-9_-]{1,40}\\.[A-Za-z0-9_-]{1,40}\\.[A-Za-z0-9_-]{0,40}") {
        for t in [text.as_str(), jws.as_str()] {
            let t = t.trim();
            if t.is_empty() {
                continue;
            }
            for image in [tiny_png(), SVG.as_bytes().to_vec()] {
                let baked = bake(&image, t).expect("bake");
                prop_assert_eq!(unbake(&baked).expect("unbake"), t);
            }
        }
    }

    #[test]
    fn a_damaged_png_never_yields_another_credential(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let text = r#"{"name":"Forklift Safety"}"#;
        let mut baked = bake(&tiny_png(), text).expect("bake");
        let i = at.index(baked.len());
        if baked[i] == byte {
            return Ok(());
        }
        baked[i] = byte;
        // Every byte is the signature, or covered by a chunk length or a CRC.
        prop_assert!(unbake(&baked).is_err(), "byte {} changed to {} still unbakes", i, byte);
    }

    #[test]
    fn arbitrary_svg_text_never_panics(body in "[<>/a-z:=\"' !\\[\\]CDATA&;#x0-9-]{0,200}") {
        let doc = format!("<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">{body}</svg>");
        let _ = unbake(doc.as_bytes());
        let _ = bake(doc.as_bytes(), "{}");
    }
}
