//! From a lesson file to safe HTML: TOML front matter, CommonMark (tables, footnotes, strikethrough,
//! task lists), heading anchors and a table of contents, the `message` and `check` teaching blocks,
//! and sanitising (no script, no event handlers, no javascript: URLs). Pure functions, no I/O.

use std::collections::HashSet;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

pub const PLATFORMS: [&str; 7] = [
    "amazon",
    "ebay",
    "shopee",
    "lazada",
    "tiktok_shop",
    "mercado_libre",
    "aliexpress",
];

/// A problem in a lesson file, with the 1-based line where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub line: usize,
    pub message: String,
}

impl ContentError {
    fn at(line: usize, message: impl Into<String>) -> ContentError {
        ContentError {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ContentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The keys a lesson may use in its teaching blocks.
pub struct Vocabulary {
    pub intents: HashSet<String>,
    pub emotions: HashSet<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub minutes: u32,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A lesson file split into front matter and markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonSource {
    pub front: FrontMatter,
    pub body: String,
    /// Lines before the body (front matter and its fences), to report body errors by file line.
    pub body_line_offset: usize,
}

pub const MAX_LESSON_BYTES: usize = 200 * 1024;

pub fn parse_lesson(text: &str) -> Result<LessonSource, ContentError> {
    if text.len() > MAX_LESSON_BYTES {
        return Err(ContentError::at(
            1,
            format!("the lesson is larger than {} KiB", MAX_LESSON_BYTES / 1024),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("+++") {
        return Err(ContentError::at(
            1,
            "a lesson starts with front matter between +++ lines",
        ));
    }
    let mut front = String::new();
    let mut consumed = 1;
    let mut closed = false;
    for line in lines.by_ref() {
        consumed += 1;
        if line.trim_end() == "+++" {
            closed = true;
            break;
        }
        front.push_str(line);
    }
    if !closed {
        return Err(ContentError::at(
            1,
            "the front matter is not closed by a +++ line",
        ));
    }
    let front: FrontMatter = toml::from_str(&front).map_err(|e| {
        let line = e
            .span()
            .map(|s| front[..s.start].matches('\n').count() + 2)
            .unwrap_or(2);
        ContentError::at(line, format!("front matter: {}", e.message()))
    })?;
    if front.title.trim().is_empty() {
        return Err(ContentError::at(2, "front matter: the title is empty"));
    }
    if front.minutes == 0 || front.minutes > 600 {
        return Err(ContentError::at(
            2,
            "front matter: minutes must be between 1 and 600",
        ));
    }
    let body: String = lines.collect();
    Ok(LessonSource {
        front,
        body,
        body_line_offset: consumed,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub from_seller: bool,
    pub text: String,
}

/// A buyer message with its reference reading, shown as a chat bubble with a reveal.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBlock {
    pub lang: String,
    pub platform: String,
    pub intent: String,
    pub emotion: String,
    pub escalate: bool,
    pub turns: Vec<Turn>,
    pub text: String,
    pub explanation_html: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckOption {
    pub text: String,
    pub feedback: String,
    pub correct: bool,
}

impl CheckOption {
    /// The option's text with inline markdown (code, emphasis), sanitised.
    pub fn text_html(&self) -> String {
        inline_html(&self.text)
    }

    pub fn feedback_html(&self) -> String {
        inline_html(&self.feedback)
    }
}

/// An inline single-choice question; the trainee's answer is recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckBlock {
    pub id: String,
    pub question: String,
    pub options: Vec<CheckOption>,
}

impl CheckBlock {
    pub fn question_html(&self) -> String {
        inline_html(&self.question)
    }

    pub fn correct_index(&self) -> usize {
        self.options.iter().position(|o| o.correct).unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Html(String),
    Message(MessageBlock),
    Check(CheckBlock),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RenderedLesson {
    pub segments: Vec<Segment>,
    pub toc: Vec<TocEntry>,
}

impl RenderedLesson {
    pub fn checks(&self) -> impl Iterator<Item = &CheckBlock> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Check(c) => Some(c),
            _ => None,
        })
    }
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Sanitises HTML produced from markdown: a fixed allow-list of tags and attributes.
pub fn sanitize(html: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_tags(["input"]);
            b.add_tag_attributes("input", ["type", "checked", "disabled"]);
            b.add_tag_attribute_values("input", "type", ["checkbox"]);
            for h in ["h1", "h2", "h3", "h4", "h5", "h6"] {
                b.add_tag_attributes(h, ["id"]);
            }
            b.add_tag_attributes("div", ["id"]);
            b.add_tag_attributes("li", ["id"]);
            b.add_allowed_classes("div", ["footnote-definition"]);
            b.add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"]);
            b.add_tag_attributes("th", ["style"]);
            b.add_tag_attributes("td", ["style"]);
            b.url_schemes(HashSet::from(["http", "https", "mailto"]));
            b
        })
        .clean(html)
        .to_string()
}

/// Markdown without teaching blocks (explanations inside a block): rendered and sanitised.
pub fn render_inline_markdown(text: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(text, options()));
    sanitize(&html)
}

/// One line of inline markdown as sanitised HTML without the surrounding paragraph.
pub fn inline_html(text: &str) -> String {
    let html = render_inline_markdown(text);
    let trimmed = html.trim();
    trimmed
        .strip_prefix("<p>")
        .and_then(|t| t.strip_suffix("</p>"))
        .filter(|inner| !inner.contains("<p>"))
        .unwrap_or(trimmed)
        .to_string()
}

/// A heading id from its text: letters and digits of any script, joined by hyphens.
fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').chars().take(60).collect::<String>();
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// Renders a lesson body. `line_offset` is added to body lines so errors name the file line.
pub fn render_body(
    body: &str,
    line_offset: usize,
    vocab: &Vocabulary,
) -> Result<RenderedLesson, ContentError> {
    let mut out = RenderedLesson::default();
    let mut pending: Vec<Event> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut check_ids: HashSet<String> = HashSet::new();
    let mut events = Parser::new_ext(body, options())
        .into_offset_iter()
        .peekable();

    let flush = |pending: &mut Vec<Event>, out: &mut RenderedLesson| {
        if !pending.is_empty() {
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, pending.drain(..));
            let clean = sanitize(&html);
            if !clean.trim().is_empty() {
                out.segments.push(Segment::Html(clean));
            }
        }
    };

    while let Some((event, range)) = events.next() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref lang)))
                if lang.as_ref() == "message" || lang.as_ref() == "check" =>
            {
                let kind = lang.to_string();
                let mut text = String::new();
                for (inner, _) in events.by_ref() {
                    match inner {
                        Event::Text(t) => text.push_str(&t),
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                // The block's first content line is the line after the opening fence.
                let first_line = line_of(body, range.start) + 1 + line_offset;
                flush(&mut pending, &mut out);
                if kind == "message" {
                    out.segments
                        .push(Segment::Message(parse_message(&text, first_line, vocab)?));
                } else {
                    let check = parse_check(&text, first_line)?;
                    if !check_ids.insert(check.id.clone()) {
                        return Err(ContentError::at(
                            first_line,
                            format!("check id {:?} is used twice in this lesson", check.id),
                        ));
                    }
                    out.segments.push(Segment::Check(check));
                }
            }
            Event::Start(Tag::Heading {
                level,
                id: _,
                classes,
                attrs,
            }) => {
                let mut inner = Vec::new();
                let mut text = String::new();
                for (e, _) in events.by_ref() {
                    if let Event::End(TagEnd::Heading(_)) = e {
                        break;
                    }
                    if let Event::Text(t) | Event::Code(t) = &e {
                        text.push_str(t);
                    }
                    inner.push(e);
                }
                let mut id = format!("h-{}", slugify(&text));
                let base = id.clone();
                let mut n = 2;
                while !used_ids.insert(id.clone()) {
                    id = format!("{base}-{n}");
                    n += 1;
                }
                if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    let level_num = if level == HeadingLevel::H2 { 2 } else { 3 };
                    out.toc.push(TocEntry {
                        level: level_num,
                        id: id.clone(),
                        text: text.trim().to_string(),
                    });
                }
                pending.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(id.into()),
                    classes,
                    attrs,
                }));
                pending.extend(inner);
                pending.push(Event::End(TagEnd::Heading(level)));
            }
            other => pending.push(other),
        }
    }
    flush(&mut pending, &mut out);
    Ok(out)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" => Some(true),
        "no" | "false" | "n" => Some(false),
        _ => None,
    }
}

fn parse_message(
    text: &str,
    first_line: usize,
    vocab: &Vocabulary,
) -> Result<MessageBlock, ContentError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut fields: Vec<(&str, &str, usize)> = Vec::new();
    let mut turns = Vec::new();
    let mut i = 0;
    while i < lines.len() && lines[i].trim() != "---" {
        let line = lines[i].trim();
        let n = first_line + i;
        if line.is_empty() {
        } else if let Some(turn) = line.strip_prefix('>') {
            let (who, said) = turn.split_once(':').ok_or_else(|| {
                ContentError::at(
                    n,
                    "an earlier turn is written `> buyer: text` or `> seller: text`",
                )
            })?;
            let from_seller = match who.trim() {
                "seller" => true,
                "buyer" => false,
                other => {
                    return Err(ContentError::at(
                        n,
                        format!("an earlier turn is from `buyer` or `seller`, not {other:?}"),
                    ));
                }
            };
            turns.push(Turn {
                from_seller,
                text: said.trim().to_string(),
            });
        } else {
            let (key, value) = line.split_once(':').ok_or_else(|| {
                ContentError::at(
                    n,
                    format!("expected `key: value` in the message header, found {line:?}"),
                )
            })?;
            fields.push((key.trim(), value.trim(), n));
        }
        i += 1;
    }
    if i >= lines.len() {
        return Err(ContentError::at(
            first_line - 1,
            "a message block needs a `---` line before the buyer's message",
        ));
    }
    let rest = &lines[i + 1..];
    let split = rest.iter().position(|l| l.trim() == "---");
    let (message_lines, explanation_lines) = match split {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => {
            return Err(ContentError::at(
                first_line + i,
                "a message block needs a second `---` line before the explanation",
            ));
        }
    };
    let message = message_lines.join("\n").trim().to_string();
    if message.is_empty() {
        return Err(ContentError::at(
            first_line + i + 1,
            "the buyer's message is empty",
        ));
    }
    let get = |key: &str| -> Result<(&str, usize), ContentError> {
        fields
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, n)| (*v, *n))
            .ok_or_else(|| {
                ContentError::at(
                    first_line,
                    format!("the message block has no `{key}:` line"),
                )
            })
    };
    for (key, _, n) in &fields {
        if !["lang", "platform", "intent", "emotion", "escalate"].contains(key) {
            return Err(ContentError::at(
                *n,
                format!("unknown message field `{key}`"),
            ));
        }
    }
    let (lang, _) = get("lang")?;
    let (platform, platform_line) = get("platform")?;
    if !PLATFORMS.contains(&platform) {
        return Err(ContentError::at(
            platform_line,
            format!(
                "unknown platform {platform:?} (expected one of {})",
                PLATFORMS.join(", ")
            ),
        ));
    }
    let (intent, intent_line) = get("intent")?;
    if !vocab.intents.contains(intent) {
        return Err(ContentError::at(
            intent_line,
            format!("unknown intent {intent:?}"),
        ));
    }
    let (emotion, emotion_line) = get("emotion")?;
    if !vocab.emotions.contains(emotion) {
        return Err(ContentError::at(
            emotion_line,
            format!("unknown emotion {emotion:?}"),
        ));
    }
    let (escalate, escalate_line) = get("escalate")?;
    let escalate = parse_bool(escalate)
        .ok_or_else(|| ContentError::at(escalate_line, "escalate is `yes` or `no`"))?;
    Ok(MessageBlock {
        lang: lang.to_string(),
        platform: platform.to_string(),
        intent: intent.to_string(),
        emotion: emotion.to_string(),
        escalate,
        turns,
        text: message,
        explanation_html: render_inline_markdown(&explanation_lines.join("\n")),
    })
}

fn parse_check(text: &str, first_line: usize) -> Result<CheckBlock, ContentError> {
    let mut id = None;
    let mut question = None;
    let mut options = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = first_line + i;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(v) = line.strip_prefix("id:") {
            let v = v.trim();
            if v.is_empty()
                || v.len() > 60
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(ContentError::at(
                    n,
                    "a check id uses letters, digits, - and _ (at most 60)",
                ));
            }
            id = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("q:") {
            question = Some(v.trim().to_string());
        } else if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            let correct = line.starts_with('*');
            let (text, feedback) = rest.split_once("||").ok_or_else(|| {
                ContentError::at(
                    n,
                    "an option is written `- text || feedback` (or `* ...` for the right one)",
                )
            })?;
            if text.trim().is_empty() {
                return Err(ContentError::at(n, "an option has no text"));
            }
            options.push(CheckOption {
                text: text.trim().to_string(),
                feedback: feedback.trim().to_string(),
                correct,
            });
        } else {
            return Err(ContentError::at(
                n,
                format!("unexpected line in a check block: {line:?}"),
            ));
        }
    }
    let id =
        id.ok_or_else(|| ContentError::at(first_line - 1, "a check block needs an `id:` line"))?;
    let question = question
        .filter(|q| !q.is_empty())
        .ok_or_else(|| ContentError::at(first_line - 1, "a check block needs a `q:` line"))?;
    if options.len() < 2 {
        return Err(ContentError::at(
            first_line - 1,
            "a check block needs at least two options",
        ));
    }
    if options.iter().filter(|o| o.correct).count() != 1 {
        return Err(ContentError::at(
            first_line - 1,
            "a check block needs exactly one right option, marked with `*`",
        ));
    }
    Ok(CheckBlock {
        id,
        question,
        options,
    })
}

/// Parses and renders a whole lesson file.
pub fn render_lesson(
    text: &str,
    vocab: &Vocabulary,
) -> Result<(FrontMatter, RenderedLesson), ContentError> {
    let source = parse_lesson(text)?;
    let rendered = render_body(&source.body, source.body_line_offset, vocab)?;
    Ok((source.front, rendered))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary {
            intents: ["shipping_delay", "where_is_my_order"]
                .map(String::from)
                .into(),
            emotions: ["frustrated", "neutral"].map(String::from).into(),
        }
    }

    const GOOD: &str = "+++\ntitle = \"Delays\"\nminutes = 5\ntags = [\"intent:shipping_delay\"]\n+++\n\
## What a delay looks like\n\nText with a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
```message\nlang: es\nplatform: mercado_libre\nintent: shipping_delay\nemotion: frustrated\nescalate: no\n\
> seller: Llega el 3 de marzo.\n---\nYa es 12 y nada.\n---\nThe promised date **passed**.\n```\n\n\
### Check yourself\n\n```check\nid: delay-1\nq: Which intent?\n- Where is my order || Read the date.\n\
* Shipping delay || Right.\n```\n\n- [x] done task\n\nA footnote[^1].\n\n[^1]: The note.\n";

    #[test]
    fn a_good_lesson_renders_blocks_toc_and_extensions() {
        let (front, lesson) = render_lesson(GOOD, &vocab()).unwrap();
        assert_eq!(front.title, "Delays");
        assert_eq!(front.minutes, 5);
        assert_eq!(
            lesson.toc.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["h-what-a-delay-looks-like", "h-check-yourself"]
        );
        let Segment::Message(m) = &lesson.segments[1] else {
            panic!("{:?}", lesson.segments)
        };
        assert_eq!(
            (m.intent.as_str(), m.escalate, m.turns.len()),
            ("shipping_delay", false, 1)
        );
        assert!(m.turns[0].from_seller);
        assert_eq!(m.text, "Ya es 12 y nada.");
        assert!(m.explanation_html.contains("<strong>passed</strong>"));
        let check = lesson.checks().next().unwrap();
        assert_eq!((check.id.as_str(), check.correct_index()), ("delay-1", 1));
        let html: String = lesson
            .segments
            .iter()
            .filter_map(|s| {
                if let Segment::Html(h) = s {
                    Some(h.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert!(html.contains("<table>") && html.contains(r#"id="h-what-a-delay-looks-like""#));
        assert!(
            html.contains(r#"type="checkbox""#),
            "task lists survive sanitising: {html}"
        );
        assert!(html.contains("footnote-definition"));
    }

    #[test]
    fn hostile_markdown_is_neutralised() {
        let hostile = "+++\ntitle = \"x\"\nminutes = 1\n+++\n\
<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n\
<a href=\"JaVaScRiPt:alert(4)\">a</a>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n\
<div style=\"position:fixed\" onclick=\"alert(5)\">x</div>\n\n<svg><script>alert(6)</script></svg>\n\n\
[data](data:text/html;base64,PHNjcmlwdD4=)\n\n<form action=\"https://evil.example\"><input name=p></form>\n";
        let (_, lesson) = render_lesson(hostile, &vocab()).unwrap();
        let html: String = lesson
            .segments
            .iter()
            .filter_map(|s| {
                if let Segment::Html(h) = s {
                    Some(h.clone())
                } else {
                    None
                }
            })
            .collect();
        let lower = html.to_lowercase();
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "<svg",
            "data:text",
            "<form",
            "style=",
        ] {
            assert!(!lower.contains(bad), "{bad} survived: {html}");
        }
        // Explanations inside teaching blocks are sanitised too.
        let block = "```message\nlang: en\nplatform: amazon\nintent: shipping_delay\nemotion: neutral\nescalate: no\n---\nhi\n---\n<img src=x onerror=alert(1)>[x](javascript:alert(1))\n```\n";
        let lesson = render_body(block, 0, &vocab()).unwrap();
        let Segment::Message(m) = &lesson.segments[0] else {
            panic!()
        };
        assert!(
            !m.explanation_html.contains("onerror") && !m.explanation_html.contains("javascript:")
        );
    }

    #[test]
    fn malformed_blocks_name_the_file_line() {
        let cases = [
            (
                "```message\nlang: en\nplatform: amazon\nintent: refund_now\nemotion: neutral\nescalate: no\n---\nx\n---\ny\n```\n",
                9,
                "unknown intent",
            ),
            (
                "```message\nlang: en\nplatform: walmart\nintent: shipping_delay\nemotion: neutral\nescalate: no\n---\nx\n---\ny\n```\n",
                8,
                "unknown platform",
            ),
            (
                "```check\nid: a\nq: Q?\n- one || f\n- two || f\n```\n",
                6,
                "exactly one right option",
            ),
            (
                "```check\nid: a\nq: Q?\n- one\n* two || f\n```\n",
                9,
                "`- text || feedback`",
            ),
            (
                "```message\nlang: en\nplatform: amazon\nintent: shipping_delay\nemotion: neutral\nescalate: maybe\n---\nx\n---\ny\n```\n",
                11,
                "escalate is",
            ),
        ];
        for (block, line, needle) in cases {
            let text = format!("+++\ntitle = \"t\"\nminutes = 2\n+++\n\n{block}");
            let err = render_lesson(&text, &vocab()).unwrap_err();
            assert!(err.message.contains(needle), "{err}");
            assert_eq!(err.line, line, "{err}");
        }
        let twice = "+++\ntitle = \"t\"\nminutes = 2\n+++\n```check\nid: a\nq: Q\n* a || f\n- b || f\n```\n\n```check\nid: a\nq: Q\n* a || f\n- b || f\n```\n";
        assert!(
            render_lesson(twice, &vocab())
                .unwrap_err()
                .message
                .contains("used twice")
        );
    }

    #[test]
    fn front_matter_errors_are_reported() {
        assert_eq!(parse_lesson("# no front matter").unwrap_err().line, 1);
        assert!(
            parse_lesson("+++\ntitle = \"x\"\n")
                .unwrap_err()
                .message
                .contains("not closed")
        );
        let err = parse_lesson("+++\ntitle = \"x\"\nminutes = \"five\"\n+++\nbody").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(
            parse_lesson("+++\ntitle = \"x\"\nminutes = 3\ncolour = 1\n+++\n")
                .unwrap_err()
                .message
                .contains("colour")
        );
        let ok = parse_lesson("+++\ntitle = \"x\"\nminutes = 3\n+++\nbody\n").unwrap();
        assert_eq!((ok.body.as_str(), ok.body_line_offset), ("body\n", 4));
    }

    #[test]
    fn check_texts_allow_inline_markdown_but_no_html() {
        assert_eq!(
            inline_html("the `praise_thanks` label"),
            "the <code>praise_thanks</code> label"
        );
        assert_eq!(
            inline_html("<img src=x onerror=alert(1)>ok"),
            "<img src=\"x\">ok"
        );
    }

    #[test]
    fn heading_ids_are_unique_and_work_for_chinese() {
        let lesson = render_body("## 物流延误\n\n## 物流延误\n\n## !!!\n", 0, &vocab()).unwrap();
        let ids: Vec<_> = lesson.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["h-物流延误", "h-物流延误-2", "h-section"]);
    }
}
