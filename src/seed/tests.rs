use super::*;
use chrono_tz::Asia::Shanghai;

static OUTLETS: std::sync::LazyLock<Outlets> =
    std::sync::LazyLock::new(crate::config::builtin_outlets);

fn context() -> SeedContext<'static> {
    SeedContext {
        timezone: Shanghai,
        modified: utc("2030-01-01T00:00:00Z"),
        outlets: &OUTLETS,
        site: Default::default(),
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn entry(text: &str) -> Entry {
    parse(text.as_bytes(), &context()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

const NYT: &str = concat!(
    "<!--1712711221000-->\n",
    "[习近平会见俄罗斯外长，继续深化中俄关系](https://cn.nytimes.com/world/20240410/xi-lavrov-russia-china/)\n",
    "------\n\n",
    r#"<address>DAVID PIERSON, IVAN NECHEPURENKO</address><time pudate="2024-04-10 08:37:36" datetime="2024-04-10 08:37:36">2024年4月10日</time>"#,
    r#"<figure><img src="https://images.weserv.nl/?url=static01.nyt.com/images/a-master1050.jpg" width="1050" height="700"><figcaption>拉夫罗夫在北京。 <cite>Russian Foreign Ministry Press Service, via Associated Press</cite></figcaption></figure>"#,
    r#"<section><p>周二，中国最高领导人习近平在北京会见了俄罗斯外长拉夫罗夫。</p><p>second</p></section>"#,
    r#"<footer><p>bio</p><p><a href="https://www.nytimes.com/x.html">点击查看本文英文版。</a></p></footer>"#,
    r#"<br><hr><div>获取更多RSS：<br><a href="https://feedx.net">https://feedx.net</a></div>"#,
    "\n"
);

#[test]
fn the_project_seed_becomes_a_full_entry() {
    let e = entry(NYT);
    assert_eq!(e.title, "习近平会见俄罗斯外长，继续深化中俄关系");
    assert_eq!(
        e.link,
        "https://cn.nytimes.com/world/20240410/xi-lavrov-russia-china/"
    );
    assert_eq!(e.id, e.link);
    assert_eq!(e.authors, ["DAVID PIERSON", "IVAN NECHEPURENKO"]);
    assert_eq!(e.published, utc("2024-04-10T00:37:36Z"));
    assert_eq!(
        e.updated,
        utc("2024-04-10T01:07:01Z"),
        "the epoch comment is later"
    );
    assert_eq!(
        e.summary,
        "周二，中国最高领导人习近平在北京会见了俄罗斯外长拉夫罗夫。"
    );
    assert_eq!(e.media.len(), 1);
    assert_eq!(
        e.media[0].credit.as_deref(),
        Some("Russian Foreign Ministry Press Service, via Associated Press")
    );
    assert_eq!(e.categories, ["国际", "纽约时报中文网"]);
    assert!(
        e.content
            .starts_with("<figure><img src=\"https://images.weserv.nl/"),
        "{}",
        e.content
    );
    assert!(
        e.content.ends_with("</footer>"),
        "advert removed: {}",
        e.content
    );
    assert!(
        !e.content.contains("DAVID PIERSON"),
        "byline is metadata, not content"
    );
}

#[test]
fn date_precedence() {
    let seed = |epoch: &str, date_line: &str, body: &str| {
        entry(&format!(
            "{epoch}[t](https://x.example/a/b)\n------\n\n{date_line}{body}\n"
        ))
    };
    // <time> wins over everything
    let e = seed(
        "<!--1712711221000-->\n",
        "",
        r#"<time pudate="2024-04-10 08:37:36">x</time>"#,
    );
    assert_eq!(e.published, utc("2024-04-10T00:37:36Z"));
    // the 日期 line when there is no <time>
    let e = seed("", "日期：Sat, 27 Jun 2020 13:30:55 +0000\n", "<p>x</p>");
    assert_eq!(e.published, utc("2020-06-27T13:30:55Z"));
    assert_eq!(e.updated, e.published);
    // then the epoch
    let e = seed("<!--1593744278000-->\n", "", "<p>x</p>");
    assert_eq!(e.published, utc("2020-07-03T02:44:38Z"));
    // then the file's mtime
    let e = seed("", "", "<p>x</p>");
    assert_eq!(e.published, context().modified);
    // a bare date on the epoch's day takes the epoch's precision (less what the page said it
    // was ago)
    let e = seed(
        "<!--1620290510000-->\n",
        "",
        r#"<time datetime="2021-05-06">2021年5月6日</time>"#,
    );
    assert_eq!(e.published, utc("2021-05-06T08:41:50Z"));
    let e = seed(
        "<!--1620290510000-->\n",
        "",
        r#"<time datetime="2021-05-06">10 分钟前</time>"#,
    );
    assert_eq!(e.published, utc("2021-05-06T08:31:50Z"));
    // updated is never before published
    let e = seed(
        "<!--1000-->\n",
        "",
        r#"<time pudate="2024-04-10 08:37:36">x</time>"#,
    );
    assert_eq!(e.updated, e.published);
}

/// A seed at `link` fetched at `epoch_ms`, whose body is `body`.
fn fetched(epoch_ms: i64, link: &str, body: &str) -> String {
    format!("<!--{epoch_ms}-->\n[t]({link})\n------\n\n{body}\n")
}

#[test]
fn dates_without_an_offset_are_read_in_the_outlet_s_zone() {
    // (link, lead, fetched at, published as UTC)
    let cases = [
        // Reuters states UTC without the Z (the archive fetched it 32 minutes later)
        (
            "https://cn.reuters.com/article/x-idCNKBS24I0BF",
            "<div><i>2020-07-17T00:23:25</i></div><p>x</p>",
            "2020-07-17T00:55:14Z",
            "2020-07-17T00:23:25Z",
        ),
        // RFI states Paris time: summer (UTC+2) and winter (UTC+1)
        (
            "https://www.rfi.fr/cn/中国/20200709-x",
            "<div>09/07/2020 - 13:26</div><p>x</p>",
            "2020-07-09T12:00:00Z",
            "2020-07-09T11:26:00Z",
        ),
        (
            "https://www.rfi.fr/cn/中国/20201101-x",
            "<div>01/11/2020 - 22:42</div><p>x</p>",
            "2020-11-01T23:00:00Z",
            "2020-11-01T21:42:00Z",
        ),
        // NYT states Beijing time
        (
            "https://cn.nytimes.com/world/20240410/x/",
            r#"<time pudate="2024-04-10 08:37:36">x</time>"#,
            "2024-04-10T01:07:01Z",
            "2024-04-10T00:37:36Z",
        ),
        // an outlet nobody knows: the configured zone (Asia/Shanghai here)
        (
            "https://unknown.example/a/b",
            "<div><i>2020-07-17 08:23:25</i></div><p>x</p>",
            "2020-07-17T01:00:00Z",
            "2020-07-17T00:23:25Z",
        ),
    ];
    for (link, body, fetched_at, want) in cases {
        let epoch = utc(fetched_at).timestamp_millis();
        let e = entry(&fetched(epoch, link, body));
        assert_eq!(e.published, utc(want), "{link} {body}");
        let key = parse_key(fetched(epoch, link, body).as_bytes(), &context()).unwrap();
        assert_eq!(key.published, e.published, "{link}: key and entry agree");
    }
}

#[test]
fn a_day_without_a_time_keeps_its_calendar_day_in_utc() {
    // BBC: `2020年 7月 17日`, fetched the day before in UTC (the 17th in Beijing): the stated
    // day's midnight is after the fetch, so the fetch time is the better answer.
    let e = entry(&fetched(
        utc("2020-07-16T20:00:00Z").timestamp_millis(),
        "https://www.bbc.com/zhongwen/simp/world-53436020",
        "<div><i>2020年 7月 17日</i></div><p>x</p>",
    ));
    assert_eq!(e.published, utc("2020-07-16T20:00:00Z"));
    // fetched later the same UTC day: the fetch time, more precise than the day
    let e = entry(&fetched(
        utc("2020-07-17T09:30:00Z").timestamp_millis(),
        "https://www.bbc.com/zhongwen/simp/world-53436020",
        "<div><i>2020年 7月 17日</i></div><p>x</p>",
    ));
    assert_eq!(e.published, utc("2020-07-17T09:30:00Z"));
    // fetched days later: the stated day, at noon UTC (the 17th from UTC−12 to UTC+11)
    let e = entry(&fetched(
        utc("2020-07-20T09:30:00Z").timestamp_millis(),
        "https://www.bbc.com/zhongwen/simp/world-53436020",
        r#"<time datetime="2020-07-17">x</time>"#,
    ));
    assert_eq!(e.published, utc("2020-07-17T12:00:00Z"));
}

#[test]
fn a_stated_date_after_the_fetch_is_passed_over_and_noted() {
    let seed = fetched(
        utc("2021-06-01T00:00:00Z").timestamp_millis(),
        "https://cn.nytimes.com/world/20210601/x/",
        r#"<time pudate="2021-06-06 12:00:00">x</time>"#,
    );
    let (key, doubts) = parse_key_with_doubts(seed.as_bytes(), &context()).unwrap();
    assert_eq!(key.published, utc("2021-06-01T00:00:00Z"), "the fetch time");
    assert_eq!(entry(&seed).published, key.published);
    assert_eq!(
        doubts,
        [
            "the date in the body 2021-06-06T04:00:00+00:00 is later than the fetch time \
             2021-06-01T00:00:00+00:00; not used"
        ]
    );
    // the 日期 line is next in trust, and bound the same way
    let seed = format!(
        "<!--{}-->\n[t](https://chinadigitaltimes.net/chinese/2020/06/x/)\n------\n\n\
         日期：Sat, 27 Jun 2020 13:30:55 +0000\n<p>x</p>\n",
        utc("2020-06-27T14:00:00Z").timestamp_millis()
    );
    let (key, doubts) = parse_key_with_doubts(seed.as_bytes(), &context()).unwrap();
    assert_eq!(key.published, utc("2020-06-27T13:30:55Z"));
    assert!(doubts.is_empty());
    // an epoch before 2000 is a broken header: it bounds nothing
    let (key, doubts) = parse_key_with_doubts(
        fetched(
            1000,
            "https://cn.nytimes.com/a/",
            r#"<time pudate="2024-04-10 08:37:36">x</time>"#,
        )
        .as_bytes(),
        &context(),
    )
    .unwrap();
    assert_eq!(key.published, utc("2024-04-10T00:37:36Z"));
    assert!(doubts.is_empty());
}

#[test]
fn ids_have_upper_case_percent_escapes_and_links_stay_as_written() {
    let e = entry(
        "[t](https://chinadigitaltimes.net/chinese/2020/07/%e5%be%b7-%E5%9B%BD-100%25/?q=%zz)\n------\n\n<p>x</p>\n",
    );
    assert_eq!(
        e.id,
        "https://chinadigitaltimes.net/chinese/2020/07/%E5%BE%B7-%E5%9B%BD-100%25/?q=%zz"
    );
    assert_eq!(
        e.link,
        "https://chinadigitaltimes.net/chinese/2020/07/%e5%be%b7-%E5%9B%BD-100%25/?q=%zz"
    );
    let key = parse_key(
        "[t](https://chinadigitaltimes.net/chinese/2020/07/%e5%be%b7-%E5%9B%BD-100%25/?q=%zz)\n------\n\n<p>x</p>\n"
            .as_bytes(),
        &context(),
    )
    .unwrap();
    assert_eq!(*key.id, *e.id);
}

#[test]
fn an_outlet_s_title_suffix_is_cut() {
    let e = entry(
        "[香港国安公署揭牌 北京收紧对港掌控 – 法国国际广播电台 - RFI](https://www.rfi.fr/cn/x)\n------\n\n<p>x</p>\n",
    );
    assert_eq!(e.title, "香港国安公署揭牌 北京收紧对港掌控");
    // another outlet's title keeps it
    let e = entry("[专访 - RFI](https://x.example/a)\n------\n\n<p>x</p>\n");
    assert_eq!(e.title, "专访 - RFI");
}

#[test]
fn an_archive_label_before_the_title_is_cut_and_names_the_section() {
    let bbc = |title: &str| {
        entry(&format!(
            "[{title}](https://www.bbc.com/zhongwen/simp/world-57746922)\n------\n\n<p>x</p>\n"
        ))
    };
    let e = bbc("[World] 美国在台协会公布新任处长");
    assert_eq!(e.title, "美国在台协会公布新任处长");
    assert_eq!(e.categories, ["国际", "BBC中文"]);
    // `Chinese` alone would name a language; BBC's sections say it is its China news
    let e = bbc("[Chinese] 耿潇男获刑三年");
    assert_eq!(e.title, "耿潇男获刑三年");
    assert_eq!(e.categories, ["中国", "BBC中文"]);
    // a label no rule names is shown as written
    assert_eq!(
        bbc("[Travelogue] 游记").categories,
        ["travelogue", "BBC中文"]
    );
    // a label alone is the whole title: kept
    assert_eq!(bbc("[World]").title, "[World]");
    // another outlet's title keeps its brackets
    let e = entry("[[World] x](https://x.example/a)\n------\n\n<p>x</p>\n");
    assert_eq!(e.title, "[World] x");
    // RTI's labels are Chinese
    let e = entry(
        "[[國際] 中領館遭關升級美中衝突](https://www.rti.org.tw/news/view/id/2071234)\n------\n\n<p>x</p>\n",
    );
    assert_eq!(e.title, "中領館遭關升級美中衝突");
    assert_eq!(e.categories, ["國際", "中央廣播電臺"]);
}

#[test]
fn a_bbc_byline_is_its_list_or_its_correspondent_crosshead_never_a_bullet_point() {
    let bbc = |body: &str| {
        entry(&format!(
            "[t](https://www.bbc.com/zhongwen/simp/world-1)\n------\n\n{body}\n"
        ))
        .authors
    };
    assert_eq!(
        bbc(r#"<ul role="list"><li>白麦克（Michael Bristow）</li><li>BBC News</li></ul><p>x</p>"#),
        ["白麦克（Michael Bristow）"]
    );
    // a bulleted list in the article reads as prose, not as names
    assert!(
        bbc(r#"<p>x</p><ul role="list"><li>承认公诉人对她提出的所有控罪，所有证据“全部认可”。</li><li>强调她是公司的实际控制人。</li></ul>"#)
            .is_empty()
    );
    assert_eq!(
        bbc(
            r#"<p>x</p><h2 class="story-body__crosshead">BBC驻北美记者 安东尼泽克尔（Anthony Zurcher）</h2><p>y</p>"#
        ),
        ["安东尼泽克尔（Anthony Zurcher）"]
    );
}

#[test]
fn each_outlet_s_byline_forms_give_every_author() {
    let cases: &[(&str, &str, &[&str])] = &[
        // RFA closing lines
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>记者：郑日尧 责编：胡力汉 网编：瑞哲</p>",
            &["郑日尧"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。（记者：韩洁 责编：何平 网编：洪伟）</p>",
            &["韩洁"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>记者:高锋 责编：胡力汉 梒青</p>",
            &["高锋"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>记者：吕熙 文海欣 责编：许书婷</p>",
            &["吕熙", "文海欣"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>自由亚洲电台记者 夏小华、李宗翰 台北、台中综合报导 责编 许书婷</p>",
            &["夏小华", "李宗翰"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>自由亚洲电台记者家傲华盛顿报道 责编：申铧</p>",
            &["家傲"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>x。</p><p>自由亚洲电台记者　夏小华　台北报导</p>",
            &["夏小华"],
        ),
        (
            "https://www.rfa.org/mandarin/a.html",
            "<p>(记者 李宗翰摄) Photo: RFA</p><p>自由亚洲电台记者黄春梅 李宗翰台北报道</p>",
            &["黄春梅", "李宗翰"],
        ),
        // Reuters sign-offs and the lead's 作者
        (
            "https://cn.reuters.com/article/a",
            "<p>x。(完)</p><p>编译 汪红英/王灿；审校 徐文焰 我们的标准</p>",
            &["汪红英", "王灿"],
        ),
        (
            "https://cn.reuters.com/article/a",
            "<p>被记者问及时说。(完) 记者 梁慧仪; 审校 杨淑祯</p>",
            &["梁慧仪"],
        ),
        (
            "https://cn.reuters.com/article/a",
            "<p>x。（完） 发稿 沈燕/乔艳红；审校 张喜良</p>",
            &["沈燕", "乔艳红"],
        ),
        (
            "https://cn.reuters.com/article/a",
            "<div><i>2020-07-17T08:16:29</i></div><p>作者 张金栋</p><p>x</p>",
            &["张金栋"],
        ),
        (
            "https://cn.reuters.com/article/a",
            "<p>Paytm没有回应记者的置评请求。</p>",
            &[],
        ),
        // China Digital Times reposts
        (
            "https://chinadigitaltimes.net/chinese/2020/07/a/",
            "<p>删除又再重发</p><p>作者：慎说sk</p><p>x</p>",
            &["慎说sk"],
        ),
        (
            "https://chinadigitaltimes.net/chinese/2020/07/a/",
            "<p>文/周岩</p><p>x</p>",
            &["周岩"],
        ),
        // BBC 2021 pages; related-link lists are not bylines
        (
            "https://www.bbc.com/zhongwen/simp/world-1",
            r#"<ul role="list"><li role="listitem"><a href="https://www.bbc.com/zhongwen/simp/x">相关报道标题</a></li></ul><ul role="list"><li role="listitem">白麦克（Michael Bristow）</li><li role="listitem">BBC News</li></ul><p>x</p>"#,
            &["白麦克（Michael Bristow）"],
        ),
        // DW leads
        (
            "https://www.dw.com/zh/a/a-1",
            "<div><i>null 李澄欣<br>2020-06-27T06:45:03.131Z</i></div><p>x</p>",
            &["李澄欣"],
        ),
        (
            "https://www.dw.com/zh/a/a-1",
            "<div><i>  洪沙 （综合报道）<br>2020-06-27T06:45:03.131Z</i></div><p>x</p>",
            &["洪沙"],
        ),
        (
            "https://www.dw.com/zh/a/a-1",
            "<div><i>采访记者： William Yang<br>2020-06-29T08:59:37.889Z</i></div><p>x</p>",
            &["William Yang"],
        ),
    ];
    for (link, body, want) in cases {
        let e = entry(&format!("[t]({link})\n------\n\n{body}\n"));
        assert_eq!(e.authors, *want, "{link} {body}");
    }
}

#[test]
fn the_summary_is_the_first_paragraph_of_the_article_itself() {
    let cases = [
        ("<p>作者 张金栋</p><p>正文第一段。</p>", "正文第一段。"),
        ("<p>文/周岩</p><p>正文第一段。</p>", "正文第一段。"),
        ("<p>图像来源，AFP</p><p>正文第一段。</p>", "正文第一段。"),
        ("<p>（7.1 采访手记）</p><p>正文第一段。</p>", "正文第一段。"),
        (
            "<p>（新增外交部回应）</p><p>正文第一段。</p>",
            "正文第一段。",
        ),
        (
            "<p>CDT编辑注：原文已被删除</p><p>正文第一段。</p>",
            "正文第一段。",
        ),
        ("<p>致编辑：</p><p>正文第一段。</p>", "正文第一段。"),
        (
            "<p><strong>開放天空條約小百科</strong></p><p>正文第一段。</p>",
            "正文第一段。",
        ),
        // the outlet's dateline is no part of the summary: the feed names the outlet
        ("<p>（德国之声中文网）正文第一段。</p>", "正文第一段。"),
        // a long paragraph that starts like a byline is article text
        (
            "<p>作者说，这是一段很长的正文，讲述了许多事情，远远超过一个署名的长度，因此它就是文章的开头。</p>",
            "作者说，这是一段很长的正文，讲述了许多事情，远远超过一个署名的长度，因此它就是文章的开头。",
        ),
    ];
    for (body, want) in cases {
        let e = entry(&format!("[t](https://x.example/a)\n------\n\n{body}\n"));
        assert_eq!(e.summary, want, "{body}");
    }
}

#[test]
fn titles_are_cleaned() {
    let cases = [
        ("[  a &amp; b\u{1}\u{7f}  ](https://x.example/)", "a & b"),
        (
            "[[World] 中美 &quot;关系&quot;](https://x.example/)",
            "[World] 中美 \"关系\"",
        ),
        ("[line\none\n](https://x.example/)", "line one"),
    ];
    for (head, want) in cases {
        assert_eq!(entry(&format!("{head}\n------\n\n<p>x</p>\n")).title, want);
    }
}

#[test]
fn summary_skips_blurbs_and_is_cut() {
    let e = entry(concat!(
        "[t](https://x.example/)\n------\n\n",
        "<figure><figcaption><p>caption para</p></figcaption></figure>",
        "<p><i>（欢迎</i><i><a href=\"x\">点击此处</a></i><i>订阅</i></p>",
        "<p>  </p><p>The real opening.</p>\n"
    ));
    assert_eq!(e.summary, "The real opening.");
    let long = format!(
        "[t](https://x.example/)\n------\n\n<p>{}</p>\n",
        "长".repeat(1000)
    );
    assert_eq!(entry(&long).summary.chars().count(), SUMMARY_CHARS);
    let bare = entry(
        "[t](https://x.example/)\n------\n\nSolidot style <a href=\"x\">text</a> without paragraphs\n",
    );
    assert_eq!(bare.summary, "Solidot style text without paragraphs");
}

#[test]
fn bad_seeds_are_rejected_with_a_reason() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x00\x01\x02garbage\xff", "binary data"),
        (
            b"[t](https://x.example/)\n------\n\n\xff\xfe<p>x</p>",
            "not UTF-8",
        ),
        (b"<p>body without header</p>\n", "no ------ line"),
        (b"<!--1-->\n[t](https://x.example/)\n", "no ------ line"),
        (b"[t](/relative/link)\n------\n\nx\n", "absolute http(s)"),
        (b"[t](ftp://x.example/)\n------\n\nx\n", "absolute http(s)"),
        (
            b"[t](javascript:alert(1))\n------\n\nx\n",
            "absolute http(s)",
        ),
        (
            b"[ \x01 ](https://x.example/)\n------\n\nx\n",
            "title is empty",
        ),
        (b"not a title\n------\n\nx\n", "[title](url)"),
    ];
    for (bytes, reason) in cases {
        let err = parse(bytes, &context())
            .expect_err("should be rejected")
            .to_string();
        assert!(
            err.contains(reason),
            "{:?}: got {err:?}, want {reason:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn hostile_bodies_still_parse_safely() {
    let cases = [
        "<script>alert(1)</script><p>]]></p><p>x</p>",
        "<div><div><div><p>unclosed",
        "</p></p><<<>>>&&&;",
        "<img src=\"javascript:alert(1)\" onerror=\"x\"><a href=\"vbscript:x\">y</a>",
        "\u{1}\u{2}\u{b}\u{c}\u{feff}\u{fffe}",
    ];
    for body in cases {
        let e = entry(&format!("[t](https://x.example/)\n------\n\n{body}\n"));
        assert!(
            !e.content.contains("<script")
                && !e.content.contains("javascript:")
                && !e.content.contains("onerror")
        );
        assert!(!e.content.contains("]]>"));
        assert!(
            !e.content
                .chars()
                .any(|c| c < ' ' && c != '\n' && c != '\t' && c != '\r'),
            "{:?}",
            e.content
        );
    }
}

/// Readers see the outlet's name for a section; its feed's URL and `?section=` keep the term.
#[test]
fn a_section_is_shown_by_its_outlet_s_name_and_keyed_by_its_term() {
    let seed = "[t](https://www.rfa.org/mandarin/yataibaodao/gangtai/x.html)\n------\n\n<p>x</p>\n";
    let key = parse_key(seed.as_bytes(), &context()).unwrap();
    let section = key.section.as_ref().unwrap();
    assert_eq!((&*section.term, &*section.name), ("gangtai", "港台"));
    let entry = entry(seed);
    assert_eq!(entry.categories, ["港台", "自由亚洲电台"]);
    assert!(key.agrees_with(&entry));
    // an outlet's folder it names nothing for: shown as written, one string
    let seed = seed.replace("gangtai", "xinjiang");
    let section = parse_key(seed.as_bytes(), &context())
        .unwrap()
        .section
        .unwrap();
    assert!(Arc::ptr_eq(&section.term, &section.name));
}

#[test]
fn categories_come_from_the_link() {
    let cat = |link: &str| {
        let link = Url::parse(link).unwrap();
        categories(&link, context().outlet_of(&link), None)
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "https://cn.nytimes.com/opinion/20210709/x/",
            &["观点与评论", "纽约时报中文网"],
        ),
        (
            "https://www.nytimes.com/zh-hans/2021/06/24/world/x.html",
            &["纽约时报中文网"],
        ),
        (
            "https://www.voachinese.com/a/x-20200709/5496497.html",
            &["美国之音"],
        ),
        (
            "http://www.rfi.fr//cn/%E5%9B%BD%E9%99%85/x",
            &["国际", "法国国际广播电台"],
        ),
        (
            "https://www.rfi.fr/cn/contenu/20200709-x",
            &["法国国际广播电台"],
        ),
        ("https://cn.ft.com/story/001088460?full=y", &["FT中文网"]),
        (
            "https://cn.reuters.com/article/x-idCNKBS24I0BF",
            &["路透中文网"],
        ),
        (
            "https://www.bbc.com/zhongwen/simp/world-53436020",
            &["BBC中文"],
        ),
        ("https://www.dw.com/zh/%E5%A2%99/a-54036727", &["德国之声"]),
        (
            "https://www.rfa.org/mandarin/yataibaodao/gangtai/x.html",
            &["港台", "自由亚洲电台"],
        ),
        (
            "https://chinadigitaltimes.net/chinese/2020/07/x/",
            &["中国数字时代"],
        ),
        (
            "https://www.zaobao.com/realtime/china/story20210525",
            &["中国", "联合早报"],
        ),
        (
            "https://www.economist.com/leaders/2020/12/05/x",
            &["Leaders", "经济学人"],
        ),
        (
            "https://www.cna.com.tw/news/aipl/202105070364.aspx",
            &["政治", "中央社"],
        ),
        // an outlet nobody described: the first folder that is a section, and the host
        (
            "https://news.example.org/zh/article/politics/x.html",
            &["politics", "news.example.org"],
        ),
        ("https://www.example.org/2020/x", &["example.org"]),
    ];
    for (link, want) in cases {
        assert_eq!(cat(link), *want, "{link}");
    }
}

#[test]
fn the_index_key_reads_only_the_top_when_that_settles_the_date() {
    let filler = "<p>正文段落，足够长的一段文字。</p>".repeat(200); // well past the quick prefix
    let seed = |body: &str| {
        format!("<!--1593744278000-->\n[t](https://x.example/a/b)\n------\n\n{body}\n")
    };
    let lead = r#"<div><i>JANE DOE<br>2020-07-17T00:23:25</i></div>"#;
    let time = r#"<time pudate="2024-04-10 08:37:36">x</time>"#;
    // (body, whether the first 4 KB settle the date)
    let cases: Vec<(String, bool)> = vec![
        (format!("{time}{filler}"), true),
        (format!("<address>A</address>{time}{filler}"), true),
        (format!("{lead}{filler}"), true),
        (format!("<p>no date</p>{filler}"), true),
        // a <time> anywhere outranks the lead: only the whole body can say
        (format!("{lead}{filler}{time}"), false),
        (
            format!("{lead}{filler}<TIME datetime=\"2024-04-10\">x</TIME>"),
            false,
        ),
        // a <time> only in a comment or an attribute is not one, but a prefix cannot tell
        (format!("<!-- {time} -->{lead}{filler}"), false),
        // an unparsable first <time>: the lead decides, after a whole parse
        (
            format!("<time pudate=\"soon\">x</time>{lead}{filler}"),
            false,
        ),
        // tables may move later content before earlier content
        (
            format!("<table><tr><td>{time}</td></tr></table>{filler}"),
            false,
        ),
        // the first element goes past the prefix: its end is unknown
        (
            format!("<div>{filler}<i>x<br>2020-07-17T00:23:25</i></div>"),
            false,
        ),
        (filler.clone(), true),
    ];
    for (body, quick) in cases {
        assert_eq!(
            byline::quick(&body, Shanghai).is_some(),
            quick,
            "{:.120}",
            body
        );
        let text = seed(&body);
        let whole = entry(&text);
        let key = parse_key(text.as_bytes(), &context()).unwrap();
        assert!(key.agrees_with(&whole), "{:.120}", body);
    }
}

#[test]
fn bbc_text_for_screen_readers_only_is_not_article_text() {
    let figure = |hidden_class: &str| {
        format!(
            r#"<figure><img src="https://ichef.bbci.co.uk/news/800/a.jpg"><figcaption><span class="{hidden_class}">图像加注文字，</span><p>耿潇男（左）和许章润</p></figcaption></figure>"#
        )
    };
    for class in [
        "css-ow3j0s-VisuallyHiddenText e1yt7oin0",
        "bbc-1gnhmg2 e1yt7oin0",
    ] {
        let seed = format!(
            "<!--1612870312000-->\n[t](https://www.bbc.com/zhongwen/simp/chinese-news-55997019)\n------\n\n<p>正文。</p>{}\n",
            figure(class)
        );
        let entry = entry(&seed);
        assert!(
            !entry.content.contains("图像加注文字"),
            "{class}: {}",
            entry.content
        );
        assert!(
            entry.content.contains("耿潇男（左）和许章润"),
            "{class}: {}",
            entry.content
        );
        assert_eq!(
            entry.media[0].caption.as_deref(),
            Some("耿潇男（左）和许章润"),
            "{class}"
        );
    }
}

/// BBC pages show the day in `datetime` and "N hours ago" as text, as of when they were saved.
#[test]
fn a_day_shown_as_hours_ago_is_that_long_before_the_fetch() {
    let seed = |time: &str| {
        format!(
            "<!--1625709347000-->\n[t](https://www.bbc.com/zhongwen/simp/world-57746922)\n------\n\n{time}<p>x</p>\n"
        )
    };
    // fetched 2021-07-08T01:55:47Z, 02:55 in London
    let e = entry(&seed(r#"<time datetime="2021-07-08">3 小时前</time>"#));
    assert_eq!(
        e.published,
        utc("2021-07-07T22:55:47Z"),
        "the evening before in UTC, 23:55 in London"
    );
    assert_eq!(e.updated, utc("2021-07-08T01:55:47Z"));
    let e = entry(&seed(r#"<time datetime="2021-07-08">45 分钟前</time>"#));
    assert_eq!(e.published, utc("2021-07-08T01:10:47Z"));
    let e = entry(&seed(r#"<time datetime="2021-07-08">2021年7月8日</time>"#));
    assert_eq!(e.published, utc("2021-07-08T01:55:47Z"));
    for (text, want) in [
        ("3 小时前", Some(3 * 3600)),
        ("28 分钟前", Some(28 * 60)),
        ("12分鐘前", Some(720)),
        ("54 分钟前", Some(54 * 60)),
        ("49 小时前", None),
        ("3 天前", None),
        ("前", None),
    ] {
        assert_eq!(dates::ago(text).map(|d| d.num_seconds()), want, "{text}");
    }
}

/// Rules taken from seeds of the public archive the sample does not hold (read in review).
#[test]
fn outlet_rules_from_unseen_seeds() {
    let seed = |link: &str, title: &str, body: &str| {
        entry(&format!(
            "<!--1601600000000-->\n[{title}]({link})\n------\n\n{body}\n"
        ))
    };
    // RFA's closing line without a colon
    let e = seed(
        "https://www.rfa.org/mandarin/yataibaodao/zhengzhi/ql1-10012020100000.html",
        "t",
        "<p>正文。</p><p>记者乔龙 责编 胡力汉</p>",
    );
    assert_eq!(e.authors, ["乔龙"]);
    // BBC 2020's analysis box, a block of its own; a correspondent named in running text is not
    // the byline
    let e = seed(
        "https://www.bbc.com/zhongwen/simp/science-54375726",
        "t",
        "<p><i>BBC科学记者格什</i><i>（Pallab Ghosh）</i><i>分析</i></p><p>BBC科学事物记者加拉格尔(James Gallagher)解释说，正文。</p>",
    );
    assert_eq!(e.authors, ["格什（Pallab Ghosh）"]);
    let e = seed(
        "https://www.bbc.com/zhongwen/simp/world-54375726",
        "t",
        r##"<p>正文。</p><a href="#skip-facebook-content-1">跳过 Facebook 帖子, 1</a><p><small>BBC对外部网站内容不负责任。</small></p><p id="skip-facebook-content-1">结尾 Facebook 帖子, 1</p><img alt="line" src="https://ichef.bbci.co.uk/x.png">"##,
    );
    assert!(!e.content.contains("Facebook 帖子"), "{}", e.content);
    assert!(
        !e.content.contains("不负责任") && !e.content.contains("x.png"),
        "{}",
        e.content
    );
    // RFI's press review logo; its column names end titles
    let e = seed(
        "https://www.rfi.fr/cn/法国报纸摘要/20201010-x",
        "李恒青看美国大选：辩论 - 国际纵横",
        r#"<p><img src="https://s.rfi.fr/media/display/fa_guo_bao_zhi_zhai_yao_wb15399-rfi-cn-20100304_cartouche.jpg"></p><p>正文。</p>"#,
    );
    assert!(e.media.is_empty(), "{:?}", e.media);
    assert_eq!(e.title, "李恒青看美国大选：辩论");
    // RFA's stringers, `自由亚洲电台特约记者孙诚旧金山报道`
    let e = seed(
        "https://www.rfa.org/mandarin/yataibaodao/shehui/sc-10092020100000.html",
        "t",
        "<p>正文。</p><p>自由亚洲电台特约记者孙诚旧金山报道</p>",
    );
    assert_eq!(e.authors, ["孙诚"]);
    // FT's standfirst with an ASCII colon
    let e = seed(
        "https://cn.ft.com/story/001089000",
        "t",
        "<p>邹剑宇:大脑就像宇宙，人类对它的了解还很少。</p><p>正文。</p>",
    );
    assert_eq!(e.authors, ["邹剑宇"]);
    // CDT's `作者：X；来源：Y`: the source is no author
    let e = seed(
        "https://chinadigitaltimes.net/chinese/391020.html",
        "t",
        "<p>作者：欧阳乾；来源：欧阳乾的小宇宙</p><p>正文。</p>",
    );
    assert_eq!(e.authors, ["欧阳乾"]);
    // BBC 2020: a caption in the picture's box is no summary
    let e = seed(
        "https://www.bbc.com/zhongwen/simp/chinese-news-54489222",
        "t",
        r#"<div class="Figure-sc-1x2y"><img src="https://ichef.bbci.co.uk/a.jpg"><div><p>蔡英文提到，台海和平是两岸彼此共同责任。</p></div></div><p><b>台湾今日（10月10日）庆祝“双十节”。</b></p>"#,
    );
    assert_eq!(e.summary, "台湾今日（10月10日）庆祝“双十节”。");
    // RTI's programme codes
    let e = seed(
        "https://www.rti.org.tw/news/view/id/2073029",
        "[生活] 商家23日起可持三倍券至金融機構兌換現金 不收手續費、不查帳 - 200722-2",
        "<p>正文。</p>",
    );
    assert_eq!(
        e.title,
        "商家23日起可持三倍券至金融機構兌換現金 不收手續費、不查帳"
    );
    assert_eq!(
        seed("https://x.example/a", "Apollo - 1969-07", "<p>x</p>").title,
        "Apollo - 1969-07"
    );
    // CNA's video mark
    let e = seed(
        "https://www.cna.com.tw/news/aopl/202010100001.aspx",
        "國際刑事法院審理[影]",
        "<p>正文。</p>",
    );
    assert_eq!(e.title, "國際刑事法院審理");
    // the fourth reading: RFI's column under `/专栏检索/`, named at the title's end, and its
    // closing author card
    let e = seed(
        "https://www.rfi.fr/cn/%E4%B8%93%E6%A0%8F%E6%A3%80%E7%B4%A2/%E6%B3%95%E5%9B%BD%E4%B8%96%E7%95%8C%E6%8A%A5/20230621-x",
        "欧洲中国商会既担心中国风险，又担心全盘否定中国 - 法国世界报",
        r#"<p>正文。</p><div><div><span>作者：</span><a href="/cn/%E4%BD%9C%E8%80%85/x/" title="安东尼">安东尼</a></div></div>"#,
    );
    assert_eq!(e.title, "欧洲中国商会既担心中国风险，又担心全盘否定中国");
    assert_eq!(e.categories, ["法国世界报", "法国国际广播电台"]);
    assert_eq!(e.authors, ["安东尼"]);
    // DW's zh-hant closing lines
    let e = seed(
        "https://www.dw.com/zh-hant/x/a-70082031",
        "t",
        "<p>正文。</p><p><em>© 2024年德國之聲版權聲明：本文所有內容受到著作權法保護。</em></p><p>德國之聲致力於為您提供客觀中立的新聞報導，以及展現多種角度的評論分析。</p>",
    );
    assert!(!e.content.contains("德國之聲"), "{}", e.content);
    // the fifth reading: CDT's `文｜NAME` byline; a picture's `©️…` credit is no summary
    let e = seed(
        "https://chinadigitaltimes.net/chinese/650000.html",
        "t",
        r#"<p><img src="https://x.example/a.jpg"><br><span>©️Kerekes Gábor</span></p><p><strong>文｜</strong>戴敏洁</p><p>编者按：正文开始。</p>"#,
    );
    assert_eq!(e.authors, ["戴敏洁"]);
    assert_eq!(e.summary, "编者按：正文开始。");
    // the sixth reading: a reposted WeChat piece's closing `撰文：NAME`
    let e = seed(
        "https://chinadigitaltimes.net/chinese/672032.html",
        "t",
        "<p>今天，上班的时候。</p><p><strong>撰文</strong>：无头&nbsp; &nbsp;<strong>编辑</strong>：小鑫鑫</p>",
    );
    assert_eq!(e.authors, ["无头"]);
    let e = seed(
        "https://www.rfa.org/mandarin/yataibaodao/kejiaowen/lf-09172021140553.html",
        "t",
        "<p>正文。</p><p>自由亚洲电台柳飞   责编：嘉远   网编：洪伟</p>",
    );
    assert_eq!(e.authors, ["柳飞"]);
    assert_eq!(e.categories[0], "科教文");
    let e = seed(
        "https://www.bbc.com/zhongwen/simp/world-56889000",
        "t",
        "<p>正文。</p><p><i>BBC驻阿富汗记者（Secunder Kermani）</i></p>",
    );
    assert_eq!(e.authors, ["Secunder Kermani"]);
}

/// The seventh reading of unseen seeds: a player and a picture written so no parser can read
/// them, a `<p>` holding several paragraphs, a file's name as a tooltip.
#[test]
fn what_the_seventh_reading_of_unseen_seeds_found() {
    let seed = |link: &str, body: &str| {
        entry(&format!(
            "<!--1601600000000-->\n[t]({link})\n------\n\n{body}\n"
        ))
    };
    // RFI's video player, saved with its attributes glued to the tag's
    // name (the parser would lower-case the video's id into a name), and its poster, a figure
    // whose picture no parser can read
    let e = seed(
        "https://www.rfi.fr/cn/%E5%9B%BD%E9%99%85/20230404-x",
        concat!(
            r#"<p><strong>导语。</strong></p><div><p>点击视频收看本期节目的讨论。</p><div data-wrapper-video-player>"#,
            r#"<divdata-hidden-video-player="W1"><video-playermedia-id="W1"video-type="youtube"source="https://www.youtube.com/embed/llO6SULUJq0"video-id="llO6SULUJq0"playlist=""autoplay    title=""><div><div></div></div></video-player></div>"#,
            r#"<figure><div><picture><sourcetype="image/webp"srcset="https://s.rfi.fr/a.webp 246w"/><imgsrc="data:image/gif;base64,R0lGOD" alt="马克龙 2018" srcset="https://s.rfi.fr/a.jpg 246w"/></picture><button aria-label="播放影片"><span><svg viewBox="0 0 60 60"><path d="M0 0z"/></svg></span></button><time>10:36</time></div>"#,
            r#"<figcaption><span>马克龙2018年1月9日访问中国时照片</span> <span>REUTERS/Pool</span></figcaption></figure></div></div>"#,
        ),
    );
    assert!(
        e.content
            .contains(r#"<a href="https://www.youtube.com/watch?v=llO6SULUJq0""#),
        "{}",
        e.content
    );
    assert!(!e.content.contains("figcaption"), "{}", e.content);
    // NYT's 2021 newsletters: a figure whose picture the saved page never held
    let e = seed(
        "https://www.nytimes.com/zh-hans/2021/07/12/world/asia/chinese-vaccines-covax.html",
        r#"<p>正文。</p><figure aria-label="media" role="group">Image<figcaption>5月，香港移民享受英国乡村风光。Credit...Mary Turner</figcaption></figure><p>又一段。</p>"#,
    );
    assert!(
        !e.content.contains("Image") && !e.content.contains("乡村风光"),
        "{}",
        e.content
    );
    // VOA's paragraphs in one `<p>`, each ending `<br /><br />`: the opening is the first
    let e = seed(
        "https://www.voachinese.com/a/a-20240801/7725923.html",
        "布拉格， 华盛顿 — <p>美国政府星期四确认，美俄达成了协议。<br /><br />拜登发表声明。<br /><br /></p>",
    );
    assert_eq!(e.summary, "美国政府星期四确认，美俄达成了协议。");
    // RFA's pictures carry their file's name as a tooltip
    let e = seed(
        "https://www.rfa.org/mandarin/yataibaodao/junshiwaijiao/cl-02162022131413.html",
        r#"<p>正文。</p><figure><img alt="北约会议" src="https://www.rfa.org/a.jpeg" title="000_322U39U.jpg"/><figcaption>北约会议。</figcaption></figure>"#,
    );
    assert!(!e.content.contains("000_322U39U"), "{}", e.content);
}
