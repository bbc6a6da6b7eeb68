//! Seed bytes → text. Chinese news archives are mostly UTF-8 but also hold GB18030/GBK and Big5
//! files. Those are decoded only when the detector names the encoding and the whole file decodes
//! in it without a single error; anything else is rejected — never served as mojibake.

use std::borrow::Cow;

use encoding_rs::{BIG5, Encoding, GB18030, GBK};

use super::SeedError;

pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, SeedError> {
    // A byte-order mark settles it (UTF-8, UTF-16LE, UTF-16BE).
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_length..];
        return encoding
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or_else(|| SeedError::Undecodable(format!("invalid {}", encoding.name())));
    }
    let nuls = bytes.iter().filter(|&&b| b == 0).count();
    if nuls > 0 {
        // A stray NUL in a text seed (a torn write, a bad copy) costs that byte, not the
        // article. Binary data has them by the percent, and no clean text around them.
        if nuls * 100 > bytes.len() {
            return Err(SeedError::Binary);
        }
        let text: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
        return decode_text(&text)
            .map(|text| Cow::Owned(text.into_owned()))
            .map_err(|_| SeedError::Binary);
    }
    decode_text(bytes)
}

/// Bytes without a byte-order mark or NULs: UTF-8, or detected GB18030/GBK or Big5.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, SeedError> {
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(e) => e,
    };
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    // GB18030 is a superset of GBK: decoding with it accepts both.
    let encoding = if guess == GBK || guess == GB18030 {
        GB18030
    } else if guess == BIG5 {
        BIG5
    } else {
        return Err(SeedError::NotUtf8(utf8_error.valid_up_to()));
    };
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| Cow::Owned(text.into_owned()))
        .ok_or_else(|| {
            SeedError::Undecodable(format!(
                "not UTF-8 (invalid byte at offset {}), and not cleanly {} either",
                utf8_error.valid_up_to(),
                encoding.name()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLIFIED: &str = "[习近平会见俄罗斯外长，继续深化中俄关系](https://cn.nytimes.com/world/x/)\n------\n\n<p>周二，中国最高领导人习近平在北京会见了俄罗斯外长拉夫罗夫，此番会晤被认为是为俄罗斯总统普京预计中的访华行程做筹备工作。</p>";
    const TRADITIONAL: &str = "[習近平會見俄羅斯外長，繼續深化中俄關係](https://cn.nytimes.com/world/x/)\n------\n\n<p>週二，中國最高領導人習近平在北京會見了俄羅斯外長拉夫羅夫，此番會晤被認為是為俄羅斯總統普京預計中的訪華行程做籌備工作。</p>";

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    #[test]
    fn utf8_passes_through_borrowed() {
        assert!(matches!(decode(SIMPLIFIED.as_bytes()), Ok(Cow::Borrowed(t)) if t == SIMPLIFIED));
    }

    #[test]
    fn gbk_gb18030_and_big5_seeds_decode_to_the_same_text() {
        assert_eq!(decode(&encode(SIMPLIFIED, GBK)).unwrap(), SIMPLIFIED);
        assert_eq!(decode(&encode(SIMPLIFIED, GB18030)).unwrap(), SIMPLIFIED);
        assert_eq!(decode(&encode(TRADITIONAL, BIG5)).unwrap(), TRADITIONAL);
    }

    #[test]
    fn a_stray_nul_in_text_is_dropped_not_the_seed() {
        let mut bytes = SIMPLIFIED.as_bytes().to_vec();
        bytes.insert(60, 0);
        assert_eq!(decode(&bytes).unwrap(), SIMPLIFIED);
        let mut gbk = encode(SIMPLIFIED, GBK);
        gbk.insert(0, 0);
        assert_eq!(decode(&gbk).unwrap(), SIMPLIFIED);
    }

    #[test]
    fn byte_order_marks_decide() {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(SIMPLIFIED.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).unwrap(), SIMPLIFIED);
        let mut utf8 = "\u{feff}".as_bytes().to_vec();
        utf8.extend(SIMPLIFIED.as_bytes());
        assert_eq!(decode(&utf8).unwrap(), SIMPLIFIED);
    }

    #[test]
    fn broken_or_foreign_bytes_are_rejected_not_guessed() {
        // GBK with a truncated final character.
        let mut truncated = encode(SIMPLIFIED, GBK);
        truncated.push(0x81);
        assert!(decode(&truncated).is_err());
        // Latin-1 text is not a Chinese seed.
        assert!(matches!(
            decode(b"[caf\xe9](https://x.example/a)\n------\n\n<p>na\xefve</p>"),
            Err(SeedError::NotUtf8(_))
        ));
        assert_eq!(decode(b"ab\0cd"), Err(SeedError::Binary));
        let mut binary_with_few_nuls: Vec<u8> = (1..=255u8).cycle().take(5000).collect();
        binary_with_few_nuls[100] = 0;
        assert_eq!(decode(&binary_with_few_nuls), Err(SeedError::Binary));
        let mut bad_utf16 = vec![0xFF, 0xFE];
        bad_utf16.extend([0x00, 0xD8, 0x41, 0x00]); // a lone surrogate
        assert!(matches!(decode(&bad_utf16), Err(SeedError::Undecodable(_))));
    }
}
