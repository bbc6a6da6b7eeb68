//! Bylines → clean author names: split where the byline lists several, with roles, brackets
//! and placeholders taken off. Shared by every byline form (NYT `<address>`, the `<i>` leads,
//! the outlets' closing lines), so one rule cleans them all.

use super::text::one_line;

/// Words that say what someone did, not who they are: cut as a label before a name
/// (`采访记者：`), inside brackets after it (`（摘编）`), or trailing it (`综合报导`).
const ROLES: &[&str] = &[
    "采访记者",
    "特约记者",
    "记者",
    "作者",
    "撰文",
    "撰稿",
    "编译",
    "摘编",
    "编辑",
    "责编",
    "网编",
    "发稿",
    "综合报道",
    "综合报导",
    "报道",
    "报导",
    "文",
    "编者按",
];

/// What follows a name to say how the piece was made (`李鱼 综合报导`). Titles such as 记者 are
/// not cut from the end: `陈记者` names someone.
const TRAILING_ROLES: &[&str] = &[
    "综合报道",
    "综合报导",
    "报道",
    "报导",
    "摘编",
    "编译",
    "撰文",
];

/// What an empty byline field is filled with by a broken template.
const PLACEHOLDERS: &[&str] = &["null", "undefined", "none", "nil", "n/a"];

/// Newspapers, broadcasters and agencies a byline names as the source: not a person. The
/// outlet's own name stays the feed's author for an entry with no other (the Economist names
/// no writers, so the paper is the author there, and is not listed here).
const ORGANISATIONS: &[&str] = &[
    "《纽约时报》",
    "纽约时报",
    "纽约时报中文网",
    "The New York Times",
    "德国之声",
    "德国之声中文网",
    "ARD",
    "ZDF",
    "dpa",
    "美联社",
    "路透社",
    "法新社",
    "德新社",
    "新华社",
    "中央社",
    "美国之音",
    "自由亚洲电台",
];

/// Places that end a "NAME PLACE报道" line; a name written together with one
/// (`家傲华盛顿报道`) is the name without it.
const PLACES: &[&str] = &[
    "华盛顿",
    "華盛頓",
    "纽约",
    "紐約",
    "洛杉矶",
    "洛杉磯",
    "旧金山",
    "舊金山",
    "台北",
    "臺北",
    "新北",
    "桃園",
    "桃园",
    "新竹",
    "苗栗縣",
    "苗栗县",
    "苗栗",
    "台中",
    "臺中",
    "彰化",
    "嘉義",
    "台南",
    "臺南",
    "高雄",
    "屏東",
    "花蓮",
    "宜蘭",
    "台東",
    "基隆",
    "香港",
    "澳门",
    "北京",
    "上海",
    "广州",
    "深圳",
    "东京",
    "東京",
    "首尔",
    "首爾",
    "曼谷",
    "新德里",
    "伦敦",
    "倫敦",
    "巴黎",
    "柏林",
    "布鲁塞尔",
    "日内瓦",
    "莫斯科",
    "悉尼",
    "多伦多",
    "温哥华",
    "新加坡",
    "吉隆坡",
    "达兰萨拉",
];

/// Longest a real name (with its bracketed original) runs.
const MAX_NAME_CHARS: usize = 60;

/// `A, B`, `甲，乙`, `甲、乙`, `甲 乙` (Chinese names only), `甲/乙` → clean names, duplicates
/// dropped, order kept.
pub fn split(byline: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for part in one_line(byline).split([',', '，', '、', '/', '／', ';', '；', '|']) {
        let part = without_role_label(part.trim());
        let pieces: Vec<&str> = if is_han_names(part) {
            part.split(' ').collect()
        } else {
            vec![part]
        };
        for piece in pieces {
            if let Some(name) = clean(piece)
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    }
    names
}

/// Whether an element's text can be a byline at all: a name list is short and has no
/// sentence in it. A selector that also matches a list in the article (BBC's `role="list"`
/// bullet points) must not make the bullet an author.
pub fn reads_as_byline(text: &str) -> bool {
    let text = one_line(text);
    !text.is_empty()
        && text.chars().count() <= BYLINE_CHARS
        && !text.contains(['。', '！', '？', '“', '”'])
}

/// The longest byline seen in the corpus is ~40 characters (four reporters with their
/// transcriptions); a paragraph is far longer.
const BYLINE_CHARS: usize = 80;

/// One name, or nothing if no name is left once roles, placeholders and places are off.
fn clean(raw: &str) -> Option<String> {
    let mut name = without_role_label(raw.trim()).to_string();
    for placeholder in PLACEHOLDERS {
        if let Some(rest) = strip_prefix_word(&name, placeholder) {
            name = rest.to_string();
        }
    }
    name = without_bracketed_roles(&name)
        .replace("（ ", "（")
        .replace(" ）", "）");
    loop {
        let trimmed = name.trim();
        let Some(rest) = TRAILING_ROLES
            .iter()
            .find_map(|role| trimmed.strip_suffix(role))
        else {
            break;
        };
        name = rest.to_string();
    }
    let mut name = name.trim().to_string();
    if name.chars().count() > 3
        && name.chars().all(is_han)
        && let Some(rest) = PLACES.iter().find_map(|p| name.strip_suffix(p))
    {
        name = rest.to_string();
    }
    let name = name.trim();
    let name = strip_prefix_word(name, "by").unwrap_or(name);
    let plausible = !name.is_empty()
        && !ORGANISATIONS.iter().any(|o| o.eq_ignore_ascii_case(name))
        && name.chars().count() <= MAX_NAME_CHARS
        && !PLACEHOLDERS.contains(&name.to_ascii_lowercase().as_str())
        && !ROLES.contains(&name)
        && !PLACES.contains(&name)
        && !name.contains(['。', '！', '？', '：', ':'])
        && name.chars().any(char::is_alphabetic);
    plausible.then(|| name.to_string())
}

/// `采访记者：William Yang` → `William Yang`; `文/李鱼` → `李鱼`.
fn without_role_label(text: &str) -> &str {
    for role in ROLES {
        if let Some(rest) = text.strip_prefix(role) {
            let rest = rest.trim_start();
            if let Some(name) = rest
                .strip_prefix('：')
                .or_else(|| rest.strip_prefix(':'))
                .or_else(|| rest.strip_prefix('/'))
            {
                return name.trim();
            }
        }
    }
    text
}

/// `叶宣（摘编）`, `苗子(摘编)`, `张慈 （综合报道）` → the name; a bracket holding anything
/// else (an original-script name: `白麦克（Michael Bristow）`) stays.
fn without_bracketed_roles(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [('（', '）'), ('(', ')')] {
        while let Some(start) = out.find(open) {
            let Some(length) = out[start..].find(close) else {
                break;
            };
            let inner = out[start + open.len_utf8()..start + length].trim();
            if !ROLES.contains(&inner) {
                break;
            }
            out.replace_range(start..start + length + close.len_utf8(), "");
        }
    }
    out.trim().to_string()
}

fn strip_prefix_word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    (head.eq_ignore_ascii_case(word) && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim_start())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '·' | '‧')
}

/// `吕熙 文海欣`: Chinese names side by side, which a space separates; `William Yang` is one.
fn is_han_names(text: &str) -> bool {
    text.contains(' ') && text.chars().all(|c| c == ' ' || is_han(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_become_clean_names() {
        let cases: &[(&str, &[&str])] = &[
            (
                "DAVID PIERSON, IVAN NECHEPURENKO",
                &["DAVID PIERSON", "IVAN NECHEPURENKO"],
            ),
            ("储百亮、王月眉，Amy Qin", &["储百亮", "王月眉", "Amy Qin"]),
            ("KONEY BAI,KONEY BAI", &["KONEY BAI"]),
            ("《纽约时报》", &[]),
            ("德国之声中文网", &[]),
            ("ARD", &[]),
            ("by Luke Leitch", &["Luke Leitch"]),
            ("張雄風台北", &["張雄風"]),
            ("陳偉婷、許秩維台北", &["陳偉婷", "許秩維"]),
            ("管瑞平苗栗縣", &["管瑞平"]),
            ("徐简、谢佳宣、李言", &["徐简", "谢佳宣", "李言"]),
            ("James R. Gorrie撰文／原泉", &["James R. Gorrie", "原泉"]),
            ("编者按", &[]),
            ("  张平（摘编）", &["张平"]),
            ("苗子(摘编)", &["苗子"]),
            ("张慈 （综合报道）", &["张慈"]),
            ("李鱼 综合报导", &["李鱼"]),
            ("null 李澄欣", &["李澄欣"]),
            ("采访记者： William Yang", &["William Yang"]),
            ("William  Yang", &["William Yang"]),
            ("吕熙 文海欣", &["吕熙", "文海欣"]),
            ("夏小华、李宗翰", &["夏小华", "李宗翰"]),
            ("黄春梅 李宗翰台北", &["黄春梅", "李宗翰"]),
            ("夏小华、李宗翰 台北、台中", &["夏小华", "李宗翰"]),
            ("家傲华盛顿", &["家傲"]),
            ("陈记者", &["陈记者"]),
            ("沈燕/乔艳红", &["沈燕", "乔艳红"]),
            ("文/周岩", &["周岩"]),
            ("作者：慎说sk", &["慎说sk"]),
            ("白麦克（Michael Bristow）", &["白麦克（Michael Bristow）"]),
            (
                "查莉亚‧哥维特（ Zaria Gorvett）",
                &["查莉亚‧哥维特（Zaria Gorvett）"],
            ),
            (
                "Ann Author、Bo Writer, Cy Third、Di Fourth",
                &["Ann Author", "Bo Writer", "Cy Third", "Di Fourth"],
            ),
            ("null", &[]),
            ("", &[]),
            ("（综合报道）", &[]),
        ];
        for (byline, want) in cases {
            assert_eq!(split(byline), *want, "{byline:?}");
        }
    }
}
