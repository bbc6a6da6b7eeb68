//! Seed bytes → text. Chinese news archives are mostly UTF-8 but also hold GB18030/GBK and Big5
//! files. Those are decoded only when the detector names the encoding and the whole file decodes
//! in it without a single error; anything else is rejected — never served as mojibake.
//!
//! Control bytes (NUL and the other C0 codes but tab, line feed and carriage return) inside
//! otherwise good text are a torn write or a bad copy: they cost those bytes, not the article
//! (the index logs how many went). A file with more of them than text has is binary.

use std::borrow::Cow;

use encoding_rs::{BIG5, Encoding, GB18030, GBK};

use super::SeedError;

pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, SeedError> {
    decode_counting(bytes).map(|decoded| decoded.text)
}

/// A seed's text and how many control bytes were dropped from it.
pub struct Decoded<'b> {
    pub text: Cow<'b, str>,
    pub dropped: usize,
}

/// [`decode`], with the count of control bytes dropped (counted once: the index logs it).
pub fn decode_counting(bytes: &[u8]) -> Result<Decoded<'_>, SeedError> {
    // A byte-order mark settles it (UTF-8, UTF-16LE, UTF-16BE).
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let rest = &bytes[bom_length..];
        return encoding
            .decode_without_bom_handling_and_without_replacement(rest)
            .map(|text| Decoded { text, dropped: 0 })
            .ok_or_else(|| SeedError::Undecodable(format!("invalid {}", encoding.name())));
    }
    let dropped = control_bytes(bytes);
    if dropped == 0 {
        return decode_text(bytes).map(|text| Decoded { text, dropped });
    }
    // Binary data has them by the percent, and no clean text around them. (In UTF-8, GB18030
    // and Big5 alike a byte below 0x20 is never part of a longer character.)
    if dropped > MAX_CONTROL_BYTES.max(bytes.len() / 100) {
        return Err(SeedError::Binary);
    }
    let has_nul = bytes.contains(&0);
    let text: Vec<u8> = bytes.iter().copied().filter(|&b| !is_control(b)).collect();
    match decode_text(&text) {
        Ok(text) => Ok(Decoded {
            text: Cow::Owned(text.into_owned()),
            dropped,
        }),
        Err(_) if has_nul => Err(SeedError::Binary),
        Err(error) => Err(error),
    }
}

/// Control bytes a seed may hold and still be text, however short it is.
const MAX_CONTROL_BYTES: usize = 16;

/// How many control bytes `decode` drops from `bytes` (none from a file with a byte-order
/// mark: UTF-16 is full of zero bytes).
pub fn control_bytes(bytes: &[u8]) -> usize {
    match Encoding::for_bom(bytes) {
        Some(_) => 0,
        // Counted in bytes, a chunk of at most 255 at a time, so the loop runs 32 bytes a step
        // (seeds are counted by the million at a cold start).
        None => bytes
            .chunks(255)
            .map(|chunk| {
                let found = chunk.iter().fold(0u8, |n, &b| n + u8::from(is_control(b)));
                usize::from(found)
            })
            .sum(),
    }
}

/// NUL and the C0 control codes, but tab, line feed and carriage return.
fn is_control(byte: u8) -> bool {
    (byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r')
}

/// Bytes without a byte-order mark or NULs: UTF-8, or detected GB18030/GBK or Big5.
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, SeedError> {
    // Checked with SIMD: several times std's speed on Chinese text.
    let utf8_error = match simdutf8::compat::from_utf8(bytes) {
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
    fn stray_control_bytes_in_text_are_dropped_not_the_seed() {
        let mut bytes = SIMPLIFIED.as_bytes().to_vec();
        for (at, byte) in [(60, 0), (30, 0x01), (0, 0x1b), (90, 0x0c)] {
            bytes.insert(at, byte);
        }
        assert_eq!(control_bytes(&bytes), 4);
        assert_eq!(decode(&bytes).unwrap(), SIMPLIFIED);
        let mut gbk = encode(SIMPLIFIED, GBK);
        gbk.insert(0, 0);
        assert_eq!(decode(&gbk).unwrap(), SIMPLIFIED);
        // A short seed keeps its few too; tab, line feed and carriage return are text.
        let short = "[t](https://x.example/a)\r\n------\n\n\t<p>a\0b</p>";
        assert_eq!(decode(short.as_bytes()).unwrap(), short.replace('\0', ""));
        assert_eq!(control_bytes(b"a\tb\nc\rd"), 0);
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
        assert_eq!(decode(b"ab\0cd\xff"), Err(SeedError::Binary));
        assert_eq!(
            decode(&[0u8; 40]),
            Err(SeedError::Binary),
            "more controls than text"
        );
        let mut binary_with_few_nuls: Vec<u8> = (1..=255u8).cycle().take(5000).collect();
        binary_with_few_nuls[100] = 0;
        assert_eq!(decode(&binary_with_few_nuls), Err(SeedError::Binary));
        let mut bad_utf16 = vec![0xFF, 0xFE];
        bad_utf16.extend([0x00, 0xD8, 0x41, 0x00]); // a lone surrogate
        assert!(matches!(decode(&bad_utf16), Err(SeedError::Undecodable(_))));
    }
}
