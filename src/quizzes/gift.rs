//! Moodle GIFT import and export: [`parse`] reads a GIFT file into items, [`to_gift`] writes items
//! back so that parsing the output gives the same items.
//!
//! The rules are Moodle's: its GIFT documentation and its importer
//! (`question/format/gift/format.php`), which decides what a file means when the documentation is
//! silent. Where Moodle would quietly import something other than what the author wrote, [`parse`]
//! reports an error instead, and a file with any error is rejected whole, every error listed:
//! - an unclosed `::title`, a `}` without `{`, a second answer block or a `{` inside one;
//! - multiple-choice answers or matching pairs without their `~`, `=` marker in front;
//! - a numerical answer that is not a number (Moodle's check for this never fails), and text between
//!   `~` and `#` in a numerical question's wrong-answer feedback (Moodle drops it);
//! - a `[format]` on an answer or feedback that differs from the question's own format: an item
//!   keeps one format for all its texts;
//! - a `$CATEGORY:` line followed by a question without a blank line between them.
//!
//! Comment lines (`//`) carry what GIFT's braces cannot, as Moodle 3.6+ does: `[tag:…]` tokens are
//! the question's tags. intentdojo adds two things Moodle ignores, so such a file still imports
//! there: `[mark:2]`, the question's default mark, and a `// classify: {json}` line, which turns the
//! question (written without braces, a description to Moodle) into a "classify this message"
//! question: the buyer message, its earlier turns and the reference intent and emotion.
//!
//! The checks Moodle makes when it saves an import are made here too: weights must be one of
//! Moodle's grades, a single-answer multiple choice or short answer question needs an answer worth
//! 100%, and the positive weights of a multiple-answer question must add up to 100%.

use serde::{Deserialize, Serialize};

/// One record of a GIFT file, in file order: a question, or a `$CATEGORY:` line that puts the
/// questions after it into a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Item {
    /// `$CATEGORY: path/with/slashes`; `name` is the path.
    #[serde(rename = "category")]
    Category { name: String },
    #[serde(untagged)]
    Question(Question),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// The `::title::`; without one, Moodle's default: the start of the text (80 characters at
    /// most, cut at a word and ending in "...").
    pub name: String,
    /// The question text; a missing-word question has `_____` where its answers were.
    pub text: String,
    /// The format of every text of the question: text, answers, feedback.
    pub format: TextFormat,
    /// Shown after any answer (`####…` at the end of the answers).
    pub general_feedback: String,
    /// Tags such as `intent:return_request`, `platform:amazon`, `difficulty:hard` (`[tag:…]` in a
    /// comment). Left out of the JSON when empty, so untagged questions keep their stored hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The marks the question is worth in a quiz; 1 when unset (descriptions are worth 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_mark: Option<f64>,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

/// A "classify this message" task: the buyer's message (after any earlier turns of the
/// conversation) and the reference labels. The trainee picks an intent and an emotion; each field
/// is worth half the mark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifyTask {
    pub message: String,
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub platform: String,
    /// Earlier turns, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<Turn>,
    /// Taxonomy slugs of the reference labels.
    pub intent: String,
    pub emotion: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// `buyer` or `seller`.
    pub from: String,
    pub text: String,
}

impl ClassifyTask {
    /// What is wrong with the task, if anything (the labels are checked against the taxonomy by
    /// whoever stores the question).
    pub fn problem(&self) -> Option<String> {
        if self.message.trim().is_empty() {
            return Some("a classify question needs the buyer's message".into());
        }
        if self.intent.trim().is_empty() || self.emotion.trim().is_empty() {
            return Some("a classify question needs a reference intent and emotion".into());
        }
        if let Some(turn) = self
            .turns
            .iter()
            .find(|t| t.from != "buyer" && t.from != "seller")
        {
            return Some(format!(
                "a turn is from \"buyer\" or \"seller\", not \"{}\"",
                turn.from
            ));
        }
        None
    }
}

/// The `// classify:` line: the task and the explanation shown after answering (a description
/// has no braces to carry general feedback).
#[derive(Serialize, Deserialize)]
struct ClassifyLine {
    #[serde(flatten)]
    task: ClassifyTask,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    general_feedback: String,
}

/// The `[markdown]`, `[html]`, `[plain]` or `[moodle]` prefix of a text; Moodle's default is `moodle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    #[default]
    Moodle,
    Markdown,
    Html,
    Plain,
}

impl TextFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            TextFormat::Moodle => "moodle",
            TextFormat::Markdown => "markdown",
            TextFormat::Html => "html",
            TextFormat::Plain => "plain",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "moodle" => Some(TextFormat::Moodle),
            "markdown" => Some(TextFormat::Markdown),
            "html" => Some(TextFormat::Html),
            "plain" => Some(TextFormat::Plain),
            _ => None,
        }
    }
}

/// The question type, named as Moodle names it, with what that type needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum QuestionKind {
    /// `single` is false when no answer is marked with `=` (Moodle's rule): several answers are
    /// then chosen together and their weights add up.
    Multichoice {
        answers: Vec<Answer>,
        single: bool,
    },
    /// `feedback_true` is shown to whoever answers "true", `feedback_false` to whoever answers
    /// "false".
    Truefalse {
        correct: bool,
        feedback_true: String,
        feedback_false: String,
    },
    Shortanswer {
        answers: Vec<Answer>,
    },
    /// An answer `*` accepts any number (it carries the feedback for wrong answers).
    Numerical {
        answers: Vec<NumericalAnswer>,
    },
    Match {
        pairs: Vec<Pair>,
    },
    Essay,
    /// Text only, no answers.
    Description,
    /// Read a buyer message and pick its intent and emotion (intentdojo's own type).
    Classify(Box<ClassifyTask>),
}

impl QuestionKind {
    /// Moodle's name for the type, as in the `type` field.
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::Multichoice { .. } => "multichoice",
            QuestionKind::Truefalse { .. } => "truefalse",
            QuestionKind::Shortanswer { .. } => "shortanswer",
            QuestionKind::Numerical { .. } => "numerical",
            QuestionKind::Match { .. } => "match",
            QuestionKind::Essay => "essay",
            QuestionKind::Description => "description",
            QuestionKind::Classify(_) => "classify",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    /// The share of the marks: 1.0 for `=`, 0.0 for `~`, 0.5 for `%50%`, -1.0 for `%-100%`.
    pub fraction: f64,
    pub feedback: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericalAnswer {
    /// The number as written (`1822`, `3.1415`), the middle of a range (`{#1..5}` gives `3`), or
    /// `*` for any number.
    pub text: String,
    pub fraction: f64,
    pub feedback: String,
    /// Accepted error either side: `{#1822:5}` gives 5, `{#1..5}` gives 2.
    pub tolerance: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    /// Empty for an extra answer that matches no question.
    pub question: String,
    pub answer: String,
}

/// What is wrong on which line (1-based) of a GIFT file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parses a GIFT file. Any error rejects the whole file; the errors come in file order.
pub fn parse(input: &str) -> Result<Vec<Item>, Vec<ParseError>> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for block in blocks(input) {
        let mut block_errors = Vec::new();
        let item = read_block(&block, &mut block_errors);
        if block_errors.is_empty() {
            items.extend(item);
        } else {
            errors.append(&mut block_errors);
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// Puts the questions that come before any `$CATEGORY:` line into `category`.
pub fn with_default_category(mut items: Vec<Item>, category: &str) -> Vec<Item> {
    if matches!(items.first(), Some(Item::Question(_))) {
        items.insert(
            0,
            Item::Category {
                name: category.to_string(),
            },
        );
    }
    items
}

// ---------------------------------------------------------------------------------------------
// Reading

/// A character of a question after escape processing: `\{` becomes an escaped `{`, which is text
/// and never syntax.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    escaped: bool,
    line: usize,
}

fn is(ch: &Ch, c: char) -> bool {
    !ch.escaped && ch.c == c
}

const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\x0B'];

/// Moodle trims with PHP's `trim`, which leaves Unicode spaces such as U+00A0 alone.
fn php_trim(s: &str) -> &str {
    s.trim_matches(PHP_TRIM)
}

fn trim(s: &[Ch]) -> &[Ch] {
    let keep = |ch: &Ch| ch.escaped || !PHP_TRIM.contains(&ch.c);
    let start = s.iter().position(keep).unwrap_or(s.len());
    let end = s.iter().rposition(keep).map_or(start, |e| e + 1);
    &s[start..end]
}

fn find(s: &[Ch], c: char) -> Option<usize> {
    s.iter().position(|ch| is(ch, c))
}

fn matches_at(s: &[Ch], at: usize, pattern: &str) -> bool {
    let mut i = at;
    for p in pattern.chars() {
        match s.get(i) {
            Some(ch) if is(ch, p) => i += 1,
            _ => return false,
        }
    }
    true
}

fn find_seq(s: &[Ch], from: usize, pattern: &str) -> Option<usize> {
    (from..s.len()).find(|&i| matches_at(s, i, pattern))
}

fn rfind_seq(s: &[Ch], pattern: &str) -> Option<usize> {
    (0..s.len()).rev().find(|&i| matches_at(s, i, pattern))
}

/// The text the characters stand for, trimmed as Moodle trims after resolving escapes.
fn resolve(s: &[Ch]) -> String {
    let text: String = s.iter().map(|ch| ch.c).collect();
    php_trim(&text).to_string()
}

/// Splits at every unescaped marker; the first part has no marker.
fn split_markers<'a>(s: &'a [Ch], markers: &[char]) -> Vec<(Option<Ch>, &'a [Ch])> {
    let mut parts = Vec::new();
    let mut marker = None;
    let mut start = 0;
    for (i, ch) in s.iter().enumerate() {
        if !ch.escaped && markers.contains(&ch.c) {
            parts.push((marker, &s[start..i]));
            marker = Some(*ch);
            start = i + 1;
        }
    }
    parts.push((marker, &s[start..]));
    parts
}

/// Splits at the first unescaped `c`.
fn split_first(s: &[Ch], c: char) -> (&[Ch], Option<&[Ch]>) {
    match find(s, c) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

fn line_of(s: &[Ch], fallback: usize) -> usize {
    s.first().map_or(fallback, |ch| ch.line)
}

/// A short quotation of a text for error messages.
fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

/// The questions of a file: runs of non-blank lines, each line trimmed, with their line numbers.
fn blocks(input: &str) -> Vec<Vec<(usize, String)>> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    // Moodle reads old Mac files, which end lines with a bare \r, too.
    let input = input.replace("\r\n", "\n").replace('\r', "\n");
    let mut blocks = Vec::new();
    let mut current = Vec::new();
    for (i, line) in input.split('\n').enumerate() {
        let line = php_trim(line);
        if line.is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push((i + 1, line.to_string()));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn push_line(out: &mut Vec<Ch>, line: &str, number: usize) {
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && matches!(next, '\\' | ':' | '#' | '=' | '{' | '}' | '~' | 'n')
        {
            chars.next();
            out.push(Ch {
                c: if next == 'n' { '\n' } else { next },
                escaped: true,
                line: number,
            });
            continue;
        }
        out.push(Ch {
            c,
            escaped: false,
            line: number,
        });
    }
}

fn read_block(lines: &[(usize, String)], errors: &mut Vec<ParseError>) -> Option<Item> {
    let mut chars = Vec::new();
    let mut comments: Vec<(usize, &str)> = Vec::new();
    for (i, (number, line)) in lines.iter().enumerate() {
        if let Some(comment) = line.strip_prefix("//") {
            comments.push((*number, comment));
        }
        if i > 0 {
            chars.push(Ch {
                c: '\n',
                escaped: false,
                line: *number,
            });
        }
        // Moodle blanks comment lines; they do not separate questions.
        if line.starts_with("//") {
            chars.push(Ch {
                c: ' ',
                escaped: false,
                line: *number,
            });
        } else {
            push_line(&mut chars, line, *number);
        }
    }
    let text = trim(&chars);
    let first_line = line_of(text, 0);
    if text.is_empty() {
        return None;
    }
    if matches_at(text, 0, "$CATEGORY:") {
        return read_category(&text["$CATEGORY:".len()..], first_line, errors);
    }
    let mut question = read_question(text, first_line, errors)?;
    apply_comments(&mut question, &comments, errors);
    Some(Item::Question(question))
}

/// Reads the tags, default mark and classify task out of a question's comment lines.
fn apply_comments(
    question: &mut Question,
    comments: &[(usize, &str)],
    errors: &mut Vec<ParseError>,
) {
    for (line, comment) in comments {
        let error = |message: String| ParseError {
            line: *line,
            message,
        };
        if let Some(json) = comment.trim().strip_prefix("classify:") {
            let parsed: ClassifyLine = match serde_json::from_str(json.trim()) {
                Ok(parsed) => parsed,
                Err(e) => {
                    errors.push(error(format!("the classify line is not valid JSON: {e}")));
                    continue;
                }
            };
            if let Some(problem) = parsed.task.problem() {
                errors.push(error(problem));
            } else if !matches!(question.kind, QuestionKind::Description) {
                errors.push(error(
                    "a classify question has no answer braces: the task is on its classify line"
                        .into(),
                ));
            } else {
                question.general_feedback = parsed.general_feedback;
                question.kind = QuestionKind::Classify(Box::new(parsed.task));
            }
            continue;
        }
        for tag in bracket_tokens(comment, "[tag:") {
            if !tag.is_empty() && !question.tags.contains(&tag) {
                question.tags.push(tag);
            }
        }
        if let Some(mark) = bracket_tokens(comment, "[mark:").into_iter().next() {
            match mark.parse::<f64>() {
                Ok(m) if m.is_finite() && m > 0.0 && m <= 100.0 => question.default_mark = Some(m),
                _ => errors.push(error(format!(
                    "[mark:{mark}] must be a number of marks between 0 and 100"
                ))),
            }
        }
    }
}

/// The values of every `[name:value]` token in a comment (`\]` is a literal `]`), trimmed.
fn bracket_tokens(comment: &str, open: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = comment;
    while let Some(at) = rest.find(open) {
        rest = &rest[at + open.len()..];
        let mut value = String::new();
        let mut chars = rest.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if chars.peek().is_some_and(|(_, n)| *n == ']') => {
                    value.push(']');
                    chars.next();
                }
                ']' => {
                    end = Some(i + 1);
                    break;
                }
                _ => value.push(c),
            }
        }
        let Some(end) = end else { break };
        values.push(value.trim().to_string());
        rest = &rest[end..];
    }
    values
}

fn read_category(rest: &[Ch], line: usize, errors: &mut Vec<ParseError>) -> Option<Item> {
    let rest = trim(rest);
    if let Some(newline) = find(rest, '\n') {
        errors.push(ParseError {
            line: rest[newline].line,
            message: "put a blank line between the $CATEGORY line and the question after it"
                .to_string(),
        });
        return None;
    }
    let name = resolve(rest);
    if name.is_empty() {
        errors.push(ParseError {
            line,
            message: "$CATEGORY needs a category path, e.g. $CATEGORY: top/Returns".to_string(),
        });
        return None;
    }
    Some(Item::Category { name })
}

fn read_question(text: &[Ch], first_line: usize, errors: &mut Vec<ParseError>) -> Option<Question> {
    let (title, rest) = if matches_at(text, 0, "::") {
        let Some(end) = find_seq(text, 2, "::") else {
            errors.push(ParseError {
                line: first_line,
                message: "the question name opened with :: is never closed with ::".to_string(),
            });
            return None;
        };
        (
            Some(clean_name(&resolve(&text[2..end]))),
            trim(&text[end + 2..]),
        )
    } else {
        (None, text)
    };

    let block = match answer_block(rest) {
        Ok(block) => block,
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    let (question_text, answers, general_feedback, block_line) = match block {
        None => (rest.to_vec(), None, None, first_line),
        Some((open, close)) => {
            let mut question_text = rest[..open].to_vec();
            // Answers that end the question leave no blank; anywhere else they leave one.
            if close + 1 < rest.len() {
                question_text.extend("_____".chars().map(|c| Ch {
                    c,
                    escaped: true,
                    line: rest[open].line,
                }));
                question_text.extend_from_slice(&rest[close + 1..]);
            }
            let mut answers = trim(&rest[open + 1..close]);
            let mut general_feedback = None;
            if let Some(at) = rfind_seq(answers, "####") {
                general_feedback = Some(&answers[at + 4..]);
                answers = trim(&answers[..at]);
            }
            (
                question_text,
                Some(answers),
                general_feedback,
                rest[open].line,
            )
        }
    };

    let (format, body) = split_format(trim(&question_text));
    let format = format.unwrap_or_default();
    let text = resolve(body);
    let general_feedback = general_feedback
        .map(|gf| part(gf, format, block_line, errors))
        .unwrap_or_default();
    let name = title.unwrap_or_else(|| default_name(&text));
    let reader = Reader {
        format,
        line: block_line,
        errors,
    };
    let kind = match answers {
        None => QuestionKind::Description,
        Some(answers) => reader.read_answers(answers)?,
    };
    Some(Question {
        name,
        text,
        format,
        general_feedback,
        tags: Vec::new(),
        default_mark: None,
        kind,
    })
}

/// Where the one `{…}` of a question is; `None` when it has none (a description).
fn answer_block(rest: &[Ch]) -> Result<Option<(usize, usize)>, ParseError> {
    let fail = |line: usize, message: &str| {
        Err(ParseError {
            line,
            message: message.to_string(),
        })
    };
    let (open, close) = match (find(rest, '{'), find(rest, '}')) {
        (None, None) => return Ok(None),
        (Some(open), None) => {
            return fail(
                rest[open].line,
                "'{' is never closed by '}' (write \\{ for a literal brace)",
            );
        }
        (None, Some(close)) => {
            return fail(
                rest[close].line,
                "'}' has no opening '{' (write \\} for a literal brace)",
            );
        }
        (Some(open), Some(close)) => (open, close),
    };
    if close < open {
        return fail(
            rest[close].line,
            "'}' comes before '{' (write \\} for a literal brace)",
        );
    }
    if let Some(inner) = find(&rest[open + 1..close], '{') {
        return fail(
            rest[open + 1 + inner].line,
            "a second '{' inside the answers (write \\{ for a literal brace)",
        );
    }
    if let Some(extra) = rest[close + 1..]
        .iter()
        .find(|ch| is(ch, '{') || is(ch, '}'))
    {
        return fail(
            extra.line,
            "a question has one answer block {…}; write \\{ and \\} for literal braces",
        );
    }
    Ok(Some((open, close)))
}

/// A leading `[moodle]`, `[markdown]`, `[html]` or `[plain]`, as Moodle reads it: an unknown name
/// stays part of the text.
fn split_format(s: &[Ch]) -> (Option<TextFormat>, &[Ch]) {
    if s.first().is_some_and(|ch| ch.c == '[')
        && let Some(end) = s.iter().position(|ch| ch.c == ']')
        && let Some(format) =
            TextFormat::from_name(&s[1..end].iter().map(|ch| ch.c).collect::<String>())
    {
        return (Some(format), &s[end + 1..]);
    }
    (None, s)
}

/// An answer or feedback text: its own `[format]`, if any, must be the question's.
fn part(
    s: &[Ch],
    format: TextFormat,
    fallback_line: usize,
    errors: &mut Vec<ParseError>,
) -> String {
    let s = trim(s);
    let (own, body) = split_format(s);
    if let Some(own) = own
        && own != format
    {
        errors.push(ParseError {
            line: line_of(s, fallback_line),
            message: format!(
                "[{}] differs from the question's format [{}]; answers and feedback take the \
                 question's format here",
                own.as_str(),
                format.as_str()
            ),
        });
    }
    resolve(body)
}

/// Moodle's grades (question_bank::fraction_options_full): an imported weight must be one of them
/// or one of them negated.
pub const GRADES: [f64; 21] = [
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
];

fn moodle_grade(fraction: f64) -> Option<f64> {
    GRADES
        .iter()
        .find(|g| (fraction.abs() - **g).abs() < 0.00001)
        .map(|g| if fraction < 0.0 && *g != 0.0 { -g } else { *g })
}

/// A leading `%50%`: the percentage and the rest of the answer.
fn split_weight(s: &[Ch]) -> Option<(String, &[Ch])> {
    if !s.first().is_some_and(|ch| is(ch, '%')) {
        return None;
    }
    let end = 1 + s[1..].iter().position(|ch| is(ch, '%'))?;
    let number: String = s[1..end].iter().map(|ch| ch.c).collect();
    let digits = number.strip_prefix('-').unwrap_or(&number);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_weight = !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit());
    is_weight.then(|| (number, &s[end + 1..]))
}

/// Reads the answers of one question; errors name `line` unless they point at an answer.
struct Reader<'e> {
    format: TextFormat,
    line: usize,
    errors: &'e mut Vec<ParseError>,
}

impl Reader<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.errors.push(ParseError { line, message });
    }

    fn part(&mut self, s: &[Ch], line: usize) -> String {
        part(s, self.format, line, self.errors)
    }

    /// The weight in front of an answer, or `default` without one.
    fn weight<'s>(&mut self, s: &'s [Ch], default: f64, line: usize) -> (f64, &'s [Ch]) {
        match split_weight(s) {
            None => (default, s),
            Some((percent, rest)) => {
                let value = percent.parse::<f64>().unwrap_or(f64::NAN) / 100.0;
                match moodle_grade(value) {
                    Some(grade) => (grade, rest),
                    None => {
                        self.error(
                            line,
                            format!(
                                "weight {percent}% is not a grade Moodle accepts: use 100, 90, \
                                 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, \
                                 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 or 0, or one of \
                                 them negative"
                            ),
                        );
                        (value, rest)
                    }
                }
            }
        }
    }

    fn read_answers(mut self, answers: &[Ch]) -> Option<QuestionKind> {
        let errors_before = self.errors.len();
        let kind = if answers.is_empty() {
            QuestionKind::Essay
        } else if is(&answers[0], '#') {
            self.numerical(&answers[1..])
        } else if find(answers, '~').is_some() {
            self.multichoice(answers)
        } else if find(answers, '=').is_some() && find_seq(answers, 0, "->").is_some() {
            self.matching(answers)
        } else if let Some(kind) = self.truefalse(answers) {
            kind
        } else {
            self.shortanswer(answers)
        };
        (self.errors.len() == errors_before).then_some(kind)
    }

    fn multichoice(&mut self, s: &[Ch]) -> QuestionKind {
        let mut answers = Vec::new();
        let mut single = false;
        for (marker, segment) in split_markers(s, &['~', '=']) {
            let segment = trim(segment);
            let Some(marker) = marker else {
                if !segment.is_empty() {
                    let text = resolve(segment);
                    self.error(
                        line_of(segment, self.line),
                        format!(
                            "{} needs ~ (wrong answer) or = (right answer) in front",
                            quote(&text)
                        ),
                    );
                }
                continue;
            };
            single |= marker.c == '=';
            let default = if marker.c == '=' { 1.0 } else { 0.0 };
            let (fraction, rest) = self.weight(segment, default, marker.line);
            let (text, feedback) = split_first(rest, '#');
            let text = self.part(text, marker.line);
            let feedback = feedback
                .map(|f| self.part(f, marker.line))
                .unwrap_or_default();
            if text.is_empty() {
                self.error(marker.line, format!("empty answer after {}", marker.c));
            }
            answers.push(Answer {
                text,
                fraction,
                feedback,
            });
        }
        if answers.len() < 2 {
            self.error(
                self.line,
                format!(
                    "a multiple choice question needs at least 2 answers, found {}",
                    answers.len()
                ),
            );
        } else if single {
            let best = answers.iter().map(|a| a.fraction).fold(-1.0, f64::max);
            if (best - 1.0).abs() > 1e-9 {
                self.error(
                    self.line,
                    format!(
                        "no answer is worth 100% (the best is {}%); give the right answer = or \
                         %100%",
                        percent(best)
                    ),
                );
            }
        } else {
            let total: f64 = answers.iter().map(|a| a.fraction.max(0.0)).sum();
            if ((total * 100.0).round() - 100.0).abs() > 1e-9 {
                self.error(
                    self.line,
                    format!(
                        "with no answer marked =, several answers count together and their \
                         positive weights must add up to 100% (here {}%)",
                        percent(total)
                    ),
                );
            }
        }
        QuestionKind::Multichoice { answers, single }
    }

    /// `{T}`, `{FALSE#feedback if wrong#feedback if right}`; `None` when it is not one.
    fn truefalse(&mut self, s: &[Ch]) -> Option<QuestionKind> {
        let keyword_end = match find(s, '#') {
            Some(i) if i > 0 => i,
            _ => s.len(),
        };
        let keyword = resolve(trim(&s[..keyword_end]));
        let correct = match keyword.as_str() {
            "T" | "TRUE" => true,
            "F" | "FALSE" => false,
            _ => return None,
        };
        let (_, rest) = split_first(s, '#');
        let (wrong, right) = match rest {
            None => (String::new(), String::new()),
            Some(rest) => {
                let (wrong, right) = split_first(rest, '#');
                let wrong = self.part(wrong, line_of(rest, self.line));
                let right = right
                    .map(|r| self.part(r, line_of(r, self.line)))
                    .unwrap_or_default();
                (wrong, right)
            }
        };
        let (feedback_true, feedback_false) = if correct {
            (right, wrong)
        } else {
            (wrong, right)
        };
        Some(QuestionKind::Truefalse {
            correct,
            feedback_true,
            feedback_false,
        })
    }

    fn shortanswer(&mut self, s: &[Ch]) -> QuestionKind {
        let mut answers = Vec::new();
        for (marker, segment) in split_markers(s, &['=']) {
            let segment = trim(segment);
            // The documentation allows one answer without '=' in front.
            if marker.is_none() && segment.is_empty() {
                continue;
            }
            let line = marker.map_or(line_of(segment, self.line), |m| m.line);
            let (fraction, rest) = self.weight(segment, 1.0, line);
            let (text, feedback) = split_first(rest, '#');
            let text = self.part(text, line);
            let feedback = feedback.map(|f| self.part(f, line)).unwrap_or_default();
            if text.is_empty() {
                self.error(line, "empty answer after =".to_string());
            }
            answers.push(Answer {
                text,
                fraction,
                feedback,
            });
        }
        let best = answers.iter().map(|a| a.fraction).fold(-1.0, f64::max);
        if answers.is_empty() {
            self.error(
                self.line,
                "a short answer question needs an answer".to_string(),
            );
        } else if (best - 1.0).abs() > 1e-9 {
            self.error(
                self.line,
                format!("no answer is worth 100% (the best is {}%)", percent(best)),
            );
        }
        QuestionKind::Shortanswer { answers }
    }

    fn numerical(&mut self, s: &[Ch]) -> QuestionKind {
        let (s, wrong) = match find(s, '~') {
            Some(i) => (&s[..i], Some(&s[i..])),
            None => (s, None),
        };
        let mut answers = Vec::new();
        let mut written = 0;
        for (marker, segment) in split_markers(s, &['=']) {
            let segment = trim(segment);
            if marker.is_none() && segment.is_empty() {
                continue;
            }
            written += 1;
            let line = marker.map_or(line_of(segment, self.line), |m| m.line);
            let (fraction, rest) = self.weight(segment, 1.0, line);
            let (value, feedback) = split_first(rest, '#');
            let value = self.part(value, line);
            let feedback = feedback.map(|f| self.part(f, line)).unwrap_or_default();
            match numerical_value(&value) {
                Ok((text, tolerance)) => answers.push(NumericalAnswer {
                    text,
                    fraction,
                    feedback,
                    tolerance,
                }),
                Err(message) => self.error(line, message),
            }
        }
        if written == 0 {
            self.error(
                self.line,
                "a numerical question needs an answer, e.g. {#1822} or {#1822:5}".to_string(),
            );
        }
        if let Some(wrong) = wrong {
            let line = wrong[0].line;
            let (ignored, feedback) = split_first(&wrong[1..], '#');
            let ignored = resolve(ignored);
            if !ignored.is_empty() {
                self.error(
                    line,
                    format!(
                        "{} after ~ would be ignored: write the feedback for wrong answers as \
                         ~#feedback",
                        quote(&ignored)
                    ),
                );
            }
            let feedback = feedback.map(|f| self.part(f, line)).unwrap_or_default();
            answers.push(NumericalAnswer {
                text: "*".to_string(),
                fraction: 0.0,
                feedback,
                tolerance: 0.0,
            });
        }
        QuestionKind::Numerical { answers }
    }

    fn matching(&mut self, s: &[Ch]) -> QuestionKind {
        let mut pairs = Vec::new();
        for (marker, segment) in split_markers(s, &['=']) {
            let segment = trim(segment);
            let Some(marker) = marker else {
                if !segment.is_empty() {
                    let text = resolve(segment);
                    self.error(
                        line_of(segment, self.line),
                        format!("matching pairs start with =: {}", quote(&text)),
                    );
                }
                continue;
            };
            let Some(arrow) = find_seq(segment, 0, "->") else {
                let text = resolve(segment);
                self.error(
                    marker.line,
                    format!(
                        "pair {} needs -> between the question and its answer",
                        quote(&text)
                    ),
                );
                continue;
            };
            let question = self.part(&segment[..arrow], marker.line);
            let answer = resolve(&segment[arrow + 2..]);
            if answer.is_empty() {
                self.error(
                    marker.line,
                    format!("pair {} has no answer after ->", quote(&question)),
                );
            }
            pairs.push(Pair { question, answer });
        }
        if pairs.len() < 2 {
            self.error(
                self.line,
                format!(
                    "a matching question needs at least 2 pairs, found {}",
                    pairs.len()
                ),
            );
        }
        QuestionKind::Match { pairs }
    }
}

/// `1822`, `1822:5` (value and tolerance) or `1..5` (a range: its middle and half its width).
fn numerical_value(value: &str) -> Result<(String, f64), String> {
    if let Some(at) = value.find("..").filter(|&at| at > 0) {
        let (min, max) = (php_trim(&value[..at]), php_trim(&value[at + 2..]));
        for bound in [min, max] {
            if number(bound).is_none() {
                return Err(format!(
                    "{} in the range {} is not a number",
                    quote(bound),
                    quote(value)
                ));
            }
        }
        let (middle, half) = range_middle(min, max);
        return Ok((middle.to_string(), half));
    }
    let (text, tolerance) = match value.find(':').filter(|&at| at > 0) {
        Some(at) => {
            let tolerance = php_trim(&value[at + 1..]);
            let Some(tolerance) = number(tolerance) else {
                return Err(format!("tolerance {} is not a number", quote(tolerance)));
            };
            (php_trim(&value[..at]), tolerance)
        }
        None => (value, 0.0),
    };
    if text != "*" && number(text).is_none() {
        return Err(if text.is_empty() {
            "empty numerical answer".to_string()
        } else {
            format!("{} is not a number", quote(text))
        });
    }
    Ok((text.to_string(), tolerance))
}

/// A number as PHP's `is_numeric` reads one: `12`, `-1.5`, `.5`, `2e3`.
fn number(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    let valid_mantissa =
        digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let valid_exponent = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if valid_mantissa && valid_exponent {
        s.parse().ok()
    } else {
        None
    }
}

/// The middle and half-width of `min..max`, computed in decimal when the bounds are plain decimals
/// so that `3.141..3.142` gives 3.1415 and 0.0005 rather than binary rounding noise.
fn range_middle(min: &str, max: &str) -> (f64, f64) {
    fn decimal(s: &str) -> Option<(i128, u32)> {
        if s.contains(['e', 'E']) {
            return None;
        }
        let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
        let scale = u32::try_from(fraction.len()).ok().filter(|&n| n <= 18)?;
        let digits = format!("{whole}{fraction}");
        let digits = digits.trim_start_matches('+');
        let digits = if digits.is_empty() || digits == "-" {
            format!("{digits}0")
        } else {
            digits.to_string()
        };
        Some((digits.parse().ok()?, scale))
    }
    fn to_f64(mantissa: i128, scale: u32) -> f64 {
        let digits = format!(
            "{:0>width$}",
            mantissa.unsigned_abs(),
            width = scale as usize + 1
        );
        let (whole, fraction) = digits.split_at(digits.len() - scale as usize);
        let sign = if mantissa < 0 { "-" } else { "" };
        format!("{sign}{whole}.{fraction}0")
            .parse()
            .unwrap_or(f64::NAN)
    }
    if let (Some((a, sa)), Some((b, sb))) = (decimal(min), decimal(max)) {
        let scale = sa.max(sb) + 1;
        let widen = |m: i128, s: u32| m.checked_mul(10i128.checked_pow(scale - s)?);
        if let (Some(a), Some(b)) = (widen(a, sa), widen(b, sb))
            && let Some(sum) = a.checked_add(b)
        {
            let middle = sum / 2;
            return (to_f64(middle, scale), to_f64(b - middle, scale));
        }
    }
    let (a, b) = (number(min).unwrap_or(0.0), number(max).unwrap_or(0.0));
    let middle = (a + b) / 2.0;
    (middle, b - middle)
}

/// Moodle's name for an untitled question: the start of its text, cut at a word, as
/// `create_default_question_name` does (`shorten_text($text, 80)`).
fn default_name(text: &str) -> String {
    let name = clean_name(&shorten(&strip_tags(text), 80));
    if name.is_empty() {
        "Question name".to_string()
    } else {
        name
    }
}

/// Moodle's `clean_question_name`: plain text, trimmed, 255 characters at most.
fn clean_name(raw: &str) -> String {
    let name = php_trim(&strip_tags(raw)).to_string();
    if name.chars().count() > 255 {
        php_trim(&shorten(&name, 251)).to_string()
    } else {
        name
    }
}

/// Removes `<tag>`s: a `<` followed by a non-space, up to the next `>` on the same line.
fn strip_tags(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '<'
            && chars.get(i + 1).is_some_and(|c| !c.is_whitespace())
            && let Some(len) = chars[i + 1..].iter().position(|&c| c == '>' || c == '\n')
            && chars[i + 1 + len] == '>'
        {
            i += len + 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Moodle's `shorten_text` on plain text: at most `ideal` characters including the "..." ending,
/// cut after a space or full stop when there is one.
fn shorten(text: &str, ideal: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= ideal {
        return text.to_string();
    }
    let left = ideal - 3;
    let mut cut = left;
    for i in (1..=left).rev() {
        let c = chars[i];
        // Chinese, Japanese and Korean text may be cut at any character.
        if c == '.' || c == ' ' || c.len_utf8() > 2 {
            cut = (i + 1).min(left);
            break;
        }
    }
    let mut short: String = chars[..cut].iter().collect();
    short.push_str("...");
    short
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Writes items as GIFT, one blank line between them; [`parse`] reads the result back to the same
/// items.
pub fn to_gift(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push('\n');
        }
        match item {
            Item::Category { name } => {
                out.push_str("$CATEGORY: ");
                out.push_str(&escape(name));
                out.push('\n');
            }
            Item::Question(question) => write_question(&mut out, question),
        }
    }
    out
}

/// Moodle's `repchar`: control characters escaped, line breaks as `\n`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '#' | '=' | '~' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// A text that the parser reads back with `format`: the prefix is written when needed, or when the
/// text itself starts with `[` and could pass for one.
fn formatted(text: &str, format: TextFormat, default: TextFormat) -> String {
    if format != default || text.starts_with('[') {
        format!("[{}]{}", format.as_str(), escape(text))
    } else {
        escape(text)
    }
}

/// A percentage for a fraction: 0.5 → "50", 0.3333333 → "33.33333".
fn percent(fraction: f64) -> String {
    let p = format!("{:.5}", fraction * 100.0);
    let p = p.trim_end_matches('0').trim_end_matches('.');
    if p == "-0" {
        "0".to_string()
    } else {
        p.to_string()
    }
}

fn write_question(out: &mut String, q: &Question) {
    let part = |text: &str| formatted(text, q.format, q.format);
    let mut tokens: Vec<String> = q
        .tags
        .iter()
        .map(|t| format!("[tag:{}]", t.replace(']', "\\]")))
        .collect();
    if let Some(mark) = q.default_mark {
        tokens.push(format!("[mark:{mark}]"));
    }
    if !tokens.is_empty() {
        out.push_str("// ");
        out.push_str(&tokens.join(" "));
        out.push('\n');
    }
    if let QuestionKind::Classify(task) = &q.kind {
        let line = ClassifyLine {
            task: (**task).clone(),
            general_feedback: q.general_feedback.clone(),
        };
        // serde_json escapes line breaks, so the task stays on its one comment line.
        out.push_str("// classify: ");
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("::");
    out.push_str(&escape(&q.name));
    out.push_str("::");
    out.push_str(&formatted(&q.text, q.format, TextFormat::Moodle));
    let general_feedback = if q.general_feedback.is_empty() {
        String::new()
    } else {
        format!("####{}", part(&q.general_feedback))
    };
    match &q.kind {
        QuestionKind::Description | QuestionKind::Classify(_) => {}
        QuestionKind::Essay => {
            out.push('{');
            out.push_str(&general_feedback);
            out.push('}');
        }
        QuestionKind::Truefalse {
            correct,
            feedback_true,
            feedback_false,
        } => {
            let (keyword, right, wrong) = if *correct {
                ("TRUE", feedback_true, feedback_false)
            } else {
                ("FALSE", feedback_false, feedback_true)
            };
            out.push('{');
            out.push_str(keyword);
            if !wrong.is_empty() || !right.is_empty() {
                out.push('#');
                out.push_str(&part(wrong));
            }
            if !right.is_empty() {
                out.push('#');
                out.push_str(&part(right));
            }
            out.push_str(&general_feedback);
            out.push('}');
        }
        QuestionKind::Multichoice { answers, single } => {
            out.push_str("{\n");
            // One '=' keeps it single-answer; the other answers take '~' so that it stays
            // multiple choice (without a '~' it would read as a short answer).
            let mut equals_written = false;
            for a in answers {
                out.push('\t');
                let text = part(&a.text);
                let equals = *single && a.fraction == 1.0 && !equals_written;
                equals_written |= equals;
                if equals && !text.starts_with('%') {
                    out.push('=');
                } else if equals {
                    out.push_str("=%100%");
                } else if a.fraction == 0.0 && !text.starts_with('%') {
                    out.push('~');
                } else {
                    out.push_str(&format!("~%{}%", percent(a.fraction)));
                }
                out.push_str(&text);
                if !a.feedback.is_empty() {
                    out.push('#');
                    out.push_str(&part(&a.feedback));
                }
                out.push('\n');
            }
            write_general_feedback_line(out, &general_feedback);
            out.push('}');
        }
        QuestionKind::Shortanswer { answers } => {
            out.push_str("{\n");
            // With '=' in front, an answer containing "->" would read as a matching pair; the
            // documentation lets a single answer go unmarked.
            let unmarked = matches!(answers.as_slice(), [a] if a.fraction == 1.0
                && (a.text.contains("->") || a.feedback.contains("->")));
            for a in answers {
                if unmarked {
                    // The explicit prefix keeps the text from reading as a weight, a comment
                    // line or a true/false keyword.
                    out.push_str(&format!("\t[{}]{}", q.format.as_str(), escape(&a.text)));
                } else {
                    out.push_str(&format!("\t=%{}%{}", percent(a.fraction), part(&a.text)));
                }
                if !a.feedback.is_empty() {
                    out.push('#');
                    out.push_str(&part(&a.feedback));
                }
                out.push('\n');
            }
            write_general_feedback_line(out, &general_feedback);
            out.push('}');
        }
        QuestionKind::Numerical { answers } => {
            out.push_str("{#\n");
            for a in answers {
                out.push_str(&format!(
                    "\t=%{}%{}:{}",
                    percent(a.fraction),
                    escape(&a.text),
                    a.tolerance
                ));
                if !a.feedback.is_empty() {
                    out.push('#');
                    out.push_str(&part(&a.feedback));
                }
                out.push('\n');
            }
            write_general_feedback_line(out, &general_feedback);
            out.push('}');
        }
        QuestionKind::Match { pairs } => {
            out.push_str("{\n");
            for pair in pairs {
                out.push_str(&format!(
                    "\t={} -> {}\n",
                    part(&pair.question),
                    escape(&pair.answer)
                ));
            }
            write_general_feedback_line(out, &general_feedback);
            out.push('}');
        }
    }
    out.push('\n');
}

fn write_general_feedback_line(out: &mut String, general_feedback: &str) {
    if !general_feedback.is_empty() {
        out.push('\t');
        out.push_str(general_feedback);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str) -> Vec<Item> {
        parse(input).unwrap_or_else(|errors| panic!("{input}\n{errors:#?}"))
    }

    fn one(input: &str) -> Question {
        match items(input).as_slice() {
            [Item::Question(question)] => question.clone(),
            other => panic!("expected one question, got {other:#?}"),
        }
    }

    fn parse_errors(input: &str) -> Vec<ParseError> {
        match parse(input) {
            Ok(items) => panic!("expected errors, got {items:#?}"),
            Err(errors) => errors,
        }
    }

    fn error_lines(input: &str) -> Vec<usize> {
        parse_errors(input).iter().map(|e| e.line).collect()
    }

    /// parse(write(parse(x))) == parse(x)
    fn round_trip(input: &str) {
        let parsed = items(input);
        let written = to_gift(&parsed);
        let again = parse(&written).unwrap_or_else(|e| panic!("{written}\n{e:#?}"));
        assert_eq!(again, parsed, "written as:\n{written}");
    }

    fn answers(question: &Question) -> Vec<(&str, f64, &str)> {
        match &question.kind {
            QuestionKind::Multichoice { answers, .. } | QuestionKind::Shortanswer { answers } => {
                answers
                    .iter()
                    .map(|a| (a.text.as_str(), a.fraction, a.feedback.as_str()))
                    .collect()
            }
            other => panic!("no answers in {other:?}"),
        }
    }

    fn numbers(question: &Question) -> Vec<(&str, f64, f64, &str)> {
        match &question.kind {
            QuestionKind::Numerical { answers } => answers
                .iter()
                .map(|a| {
                    (
                        a.text.as_str(),
                        a.tolerance,
                        a.fraction,
                        a.feedback.as_str(),
                    )
                })
                .collect(),
            other => panic!("not numerical: {other:?}"),
        }
    }

    fn single(question: &Question) -> bool {
        match question.kind {
            QuestionKind::Multichoice { single, .. } => single,
            ref other => panic!("not multichoice: {other:?}"),
        }
    }

    // Moodle's documentation examples, one construct at a time.

    const GRANT_MULTICHOICE: &str = "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}";
    const GRANT_BRIEF: &str = "Who's buried in Grant's tomb?{~Grant =Grant ~no one}";
    const MISSING_WORD: &str =
        "Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.";
    const THANKSGIVING: &str = "The American holiday of Thanksgiving is celebrated on the {\n    ~second\n    ~third\n    =fourth\n} Thursday of November.";
    const WEIGHTED: &str =
        "Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}";
    const HOMETOWN_MULTICHOICE: &str = "::Jesus' hometown::Jesus Christ was from {\n    ~Jerusalem#This was an important city, but the wrong answer.\n    ~%25%Bethlehem#He was born here, but not raised here.\n    ~%50%Galilee#You need to be more specific.\n    =Nazareth#Yes! That's right!}.";
    const HOMETOWN_SHORTANSWER: &str = "::Jesus' hometown:: Jesus Christ was from {\n    =Nazareth#Yes! That's right!\n    =%75%Nazereth#Right, but misspelled.\n    =%25%Bethlehem#He was born here, but not raised here.}";
    const MULTIPLE_ANSWERS: &str = "What two people are entombed in Grant's tomb? {\n    ~%-50%No one\n    ~%50%Grant\n    ~%50%Grant's wife\n    ~%-50%Grant's father }";
    const MULTIPLE_ANSWERS_NO_PENALTY: &str = "What two people are entombed in Grant's tomb? {\n    ~No one\n    ~%50%Grant\n    ~%50%Grant's wife\n    ~Grant's father }";
    const FEEDBACK: &str = "What's the answer to this multiple-choice question?{\n~wrong answer#feedback comment on the wrong answer\n~another wrong answer#feedback comment on this wrong answer\n=right answer#Very good!}";
    const GENERAL_FEEDBACK: &str = "What's 2+2?{=4 =four ####The sum of two and two is four.}";
    const TRUEFALSE_F: &str = "Grant is buried in Grant's tomb.{F}";
    const TRUEFALSE_T: &str = "The sun rises in the east.{T}";
    const TRUEFALSE_FEEDBACK: &str =
        "Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}";
    const TRUEFALSE_BOTH_FEEDBACKS: &str =
        "The sun rises in the east.{TRUE#Look outside at dawn.#Yes, in the east.}";
    const SHORTANSWER: &str = "Who's buried in Grant's tomb?{=no one =nobody}";
    const SHORTANSWER_MISSING_WORD: &str = "Two plus two equals {=four =4}.";
    const NUMERICAL: &str = "When was Ulysses S. Grant born?{#1822:5}";
    const NUMERICAL_EXACT: &str = "When was Ulysses S. Grant born? {#1822}";
    const NUMERICAL_PI: &str = "What is the value of pi (to 3 decimal places)? {#3.1415:0.0005}.";
    const NUMERICAL_RANGE: &str = "What is a number from 1 to 5? {#1..5}";
    const NUMERICAL_PI_RANGE: &str =
        "What is the value of pi (to 3 decimal places)? {#3.141..3.142}.";
    const NUMERICAL_MULTIPLE: &str = "When was Ulysses S. Grant born? {#\n    =1822:0      #Correct! 100% credit\n    =%50%1822:2  #He was born in 1822.\n                 You get 50% credit for being close.\n}";
    const NUMERICAL_PI_MULTIPLE: &str = "Give pi. {# =%100%3.14:0 =%50%3.1:0.05}";
    const NUMERICAL_WRONG_FEEDBACK: &str = "What's 2 plus 2? {#=4#Right. ~#Count again.}";
    const MATCHING: &str = "Which animal eats which food? { =cat -> cat food =dog -> dog food }";
    const MATCHING_COUNTRIES: &str = "Match the following countries with their corresponding capitals. {\n    =Canada -> Ottawa\n    =Italy  -> Rome\n    =Japan  -> Tokyo\n    =India  -> New Delhi\n    }";
    const MATCHING_COMPACT: &str = "Match the following countries with their corresponding\ncapitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}";
    const ESSAY: &str = "Write a short biography of Dag Hammarskjöld. {}";
    const DESCRIPTION: &str = "You can use your pencil and paper for these next math questions.";
    const TITLED: &str =
        "::Kanji Origins::Japanese characters originally\ncame from what country? {=China}";
    const MARKDOWN: &str = "[markdown]Who's buried in **Grant's tomb**?{\n=no one#excellent answer!\n=nobody#excellent answer!}";
    const ESCAPES: &str =
        "Which answer equals 5? {\n     ~ \\= 2 + 2\n     = \\= 2 + 3\n     ~ \\= 2 + 4  }";
    const CONTROL_CHARACTERS: &str = "::GIFT Control Characters::\nWhich of the following is NOT a control character for the GIFT import format? {\n   ~ \\~     # \\~ is a control character.\n   ~ \\=     # \\= is a control character.\n   ~ \\#     # \\# is a control character.\n   ~ \\{     # \\{ is a control character.\n   ~ \\}     # \\} is a control character.\n   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n              it is used to escape the control characters.\n}";
    const CATEGORY: &str = "$CATEGORY: tom/dick/harry\n\n::Q1:: 1+1=2 {T}";

    const ALL: &[&str] = &[
        GRANT_MULTICHOICE,
        GRANT_BRIEF,
        MISSING_WORD,
        THANKSGIVING,
        WEIGHTED,
        HOMETOWN_MULTICHOICE,
        HOMETOWN_SHORTANSWER,
        MULTIPLE_ANSWERS,
        MULTIPLE_ANSWERS_NO_PENALTY,
        FEEDBACK,
        GENERAL_FEEDBACK,
        TRUEFALSE_F,
        TRUEFALSE_T,
        TRUEFALSE_FEEDBACK,
        TRUEFALSE_BOTH_FEEDBACKS,
        SHORTANSWER,
        SHORTANSWER_MISSING_WORD,
        NUMERICAL,
        NUMERICAL_EXACT,
        NUMERICAL_PI,
        NUMERICAL_RANGE,
        NUMERICAL_PI_RANGE,
        NUMERICAL_MULTIPLE,
        NUMERICAL_PI_MULTIPLE,
        NUMERICAL_WRONG_FEEDBACK,
        MATCHING,
        MATCHING_COUNTRIES,
        MATCHING_COMPACT,
        ESSAY,
        DESCRIPTION,
        TITLED,
        MARKDOWN,
        ESCAPES,
        CONTROL_CHARACTERS,
        CATEGORY,
    ];

    #[test]
    fn multichoice_single_answer() {
        let q = one(GRANT_MULTICHOICE);
        assert_eq!(q.kind.type_name(), "multichoice");
        assert_eq!(q.text, "Who's buried in Grant's tomb?");
        assert_eq!(q.name, "Who's buried in Grant's tomb?");
        assert_eq!(q.format, TextFormat::Moodle);
        assert!(single(&q));
        assert_eq!(
            answers(&q),
            [
                ("Grant", 0.0, ""),
                ("Jefferson", 0.0, ""),
                ("no one", 1.0, "")
            ]
        );
        let q = one(GRANT_BRIEF);
        assert_eq!(
            answers(&q),
            [("Grant", 0.0, ""), ("Grant", 1.0, ""), ("no one", 0.0, "")]
        );
    }

    #[test]
    fn multichoice_answers_on_separate_lines() {
        let q = one(THANKSGIVING);
        assert_eq!(
            q.text,
            "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
        );
        assert_eq!(
            answers(&q),
            [("second", 0.0, ""), ("third", 0.0, ""), ("fourth", 1.0, "")]
        );
    }

    #[test]
    fn multichoice_with_weights() {
        let q = one(WEIGHTED);
        assert!(single(&q));
        assert_eq!(
            answers(&q),
            [
                ("wrong answer", 0.0, ""),
                ("half credit answer", 0.5, ""),
                ("full credit answer", 1.0, "")
            ]
        );
        let q = one(HOMETOWN_MULTICHOICE);
        assert_eq!(q.name, "Jesus' hometown");
        assert_eq!(q.text, "Jesus Christ was from _____.");
        assert_eq!(
            answers(&q),
            [
                (
                    "Jerusalem",
                    0.0,
                    "This was an important city, but the wrong answer."
                ),
                ("Bethlehem", 0.25, "He was born here, but not raised here."),
                ("Galilee", 0.5, "You need to be more specific."),
                ("Nazareth", 1.0, "Yes! That's right!"),
            ]
        );
        let q = one("Pick one.{~%-100%very wrong =%100%right ~%33.33333%a third}");
        assert_eq!(
            answers(&q),
            [
                ("very wrong", -1.0, ""),
                ("right", 1.0, ""),
                ("a third", 0.3333333, "")
            ]
        );
    }

    #[test]
    fn multichoice_multiple_answers_when_no_answer_has_equals() {
        let q = one(MULTIPLE_ANSWERS);
        assert!(!single(&q));
        assert_eq!(
            answers(&q),
            [
                ("No one", -0.5, ""),
                ("Grant", 0.5, ""),
                ("Grant's wife", 0.5, ""),
                ("Grant's father", -0.5, "")
            ]
        );
        assert!(!single(&one(MULTIPLE_ANSWERS_NO_PENALTY)));
        // Moodle's rule: one '=' makes it single-answer, whatever the other weights.
        assert!(single(&one("Q {~%50%a ~%50%b =c}")));
    }

    #[test]
    fn multichoice_weights_are_checked_like_moodle_saves_them() {
        let errors = parse_errors("Q {\n~%50%a\n~%40%b\n~c}");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 1);
        assert!(
            errors[0].message.contains("add up to 100% (here 90%)"),
            "{errors:?}"
        );
        let errors = parse_errors("Q {=%50%a ~b}");
        assert!(
            errors[0].message.contains("no answer is worth 100%"),
            "{errors:?}"
        );
        let errors = parse_errors("Q {\n~a\n~%33%b\n=c}");
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0]
                .message
                .contains("weight 33% is not a grade Moodle accepts")
        );
        let errors = parse_errors("Q {~a}");
        assert!(errors[0].message.contains("at least 2 answers, found 1"));
    }

    #[test]
    fn per_answer_feedback() {
        let q = one(FEEDBACK);
        assert_eq!(
            answers(&q),
            [
                ("wrong answer", 0.0, "feedback comment on the wrong answer"),
                (
                    "another wrong answer",
                    0.0,
                    "feedback comment on this wrong answer"
                ),
                ("right answer", 1.0, "Very good!"),
            ]
        );
    }

    #[test]
    fn general_feedback() {
        let q = one(GENERAL_FEEDBACK);
        assert_eq!(q.general_feedback, "The sum of two and two is four.");
        assert_eq!(answers(&q), [("4", 1.0, ""), ("four", 1.0, "")]);
        let q = one("Grant is buried in Grant's tomb.{F#Wrong.#Right.####Grant is entombed.}");
        assert_eq!(q.general_feedback, "Grant is entombed.");
        let q = one("Describe a refund.{####Mention the 14 days.}");
        assert_eq!(q.kind, QuestionKind::Essay);
        assert_eq!(q.general_feedback, "Mention the 14 days.");
    }

    #[test]
    fn truefalse() {
        for (input, correct) in [
            (TRUEFALSE_F, false),
            (TRUEFALSE_T, true),
            ("Grant is buried in Grant's tomb.{FALSE}", false),
            ("The sun rises in the east.{TRUE}", true),
        ] {
            let q = one(input);
            assert_eq!(q.kind.type_name(), "truefalse", "{input}");
            assert_eq!(
                q.kind,
                QuestionKind::Truefalse {
                    correct,
                    feedback_true: String::new(),
                    feedback_false: String::new()
                }
            );
        }
        // Moodle matches the keywords case-sensitively: {true} is a short answer.
        assert_eq!(one("Sure?{true}").kind.type_name(), "shortanswer");
    }

    #[test]
    fn truefalse_feedback_first_for_a_wrong_answer_then_for_a_right_one() {
        // The documentation: the student sees this feedback only after answering TRUE.
        let q = one(TRUEFALSE_FEEDBACK);
        assert_eq!(
            q.kind,
            QuestionKind::Truefalse {
                correct: false,
                feedback_true: "No one is buried in Grant's tomb.".to_string(),
                feedback_false: String::new(),
            }
        );
        let q = one(TRUEFALSE_BOTH_FEEDBACKS);
        assert_eq!(
            q.kind,
            QuestionKind::Truefalse {
                correct: true,
                feedback_true: "Yes, in the east.".to_string(),
                feedback_false: "Look outside at dawn.".to_string(),
            }
        );
    }

    #[test]
    fn shortanswer() {
        let q = one(SHORTANSWER);
        assert_eq!(q.kind.type_name(), "shortanswer");
        assert_eq!(answers(&q), [("no one", 1.0, ""), ("nobody", 1.0, "")]);
        let q = one(SHORTANSWER_MISSING_WORD);
        assert_eq!(q.text, "Two plus two equals _____.");
        assert_eq!(answers(&q), [("four", 1.0, ""), ("4", 1.0, "")]);
        let q = one(HOMETOWN_SHORTANSWER);
        assert_eq!(q.text, "Jesus Christ was from");
        assert_eq!(
            answers(&q),
            [
                ("Nazareth", 1.0, "Yes! That's right!"),
                ("Nazereth", 0.75, "Right, but misspelled."),
                ("Bethlehem", 0.25, "He was born here, but not raised here."),
            ]
        );
        // One answer may go without '=' when it cannot pass for true/false.
        assert_eq!(
            answers(&one("Capital of France?{Paris}")),
            [("Paris", 1.0, "")]
        );
        let errors = parse_errors("Q {=%50%almost}");
        assert!(errors[0].message.contains("no answer is worth 100%"));
    }

    #[test]
    fn numerical_with_tolerance() {
        let q = one(NUMERICAL);
        assert_eq!(q.kind.type_name(), "numerical");
        assert_eq!(numbers(&q), [("1822", 5.0, 1.0, "")]);
        assert_eq!(numbers(&one(NUMERICAL_EXACT)), [("1822", 0.0, 1.0, "")]);
        let q = one(NUMERICAL_PI);
        assert_eq!(
            q.text,
            "What is the value of pi (to 3 decimal places)? _____."
        );
        assert_eq!(numbers(&q), [("3.1415", 0.0005, 1.0, "")]);
        assert_eq!(numbers(&one("Pi?{#3.14:0.01}")), [("3.14", 0.01, 1.0, "")]);
    }

    #[test]
    fn numerical_range_becomes_middle_and_tolerance() {
        let q = one(NUMERICAL_RANGE);
        assert_eq!(q.text, "What is a number from 1 to 5?");
        assert_eq!(numbers(&q), [("3", 2.0, 1.0, "")]);
        assert_eq!(
            numbers(&one(NUMERICAL_PI_RANGE)),
            [("3.1415", 0.0005, 1.0, "")]
        );
        assert_eq!(numbers(&one("Cold?{#-10..-2}")), [("-6", 4.0, 1.0, "")]);
    }

    #[test]
    fn numerical_multiple_answers() {
        assert_eq!(
            numbers(&one(NUMERICAL_MULTIPLE)),
            [
                ("1822", 0.0, 1.0, "Correct! 100% credit"),
                (
                    "1822",
                    2.0,
                    0.5,
                    "He was born in 1822.\nYou get 50% credit for being close."
                ),
            ]
        );
        assert_eq!(
            numbers(&one(NUMERICAL_PI_MULTIPLE)),
            [("3.14", 0.0, 1.0, ""), ("3.1", 0.05, 0.5, "")]
        );
        assert_eq!(
            numbers(&one(NUMERICAL_WRONG_FEEDBACK)),
            [("4", 0.0, 1.0, "Right."), ("*", 0.0, 0.0, "Count again.")]
        );
    }

    #[test]
    fn numerical_errors() {
        let errors =
            parse_errors("Born?{#abc}\n\nBorn?{#1822:soon}\n\nBorn?{#}\n\nBorn?{#1822 ~try again}");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "line 1: \"abc\" is not a number",
                "line 3: tolerance \"soon\" is not a number",
                "line 5: a numerical question needs an answer, e.g. {#1822} or {#1822:5}",
                "line 7: \"try again\" after ~ would be ignored: write the feedback for wrong \
                 answers as ~#feedback",
            ]
        );
    }

    #[test]
    fn matching() {
        let q = one(MATCHING);
        assert_eq!(q.kind.type_name(), "match");
        assert_eq!(q.text, "Which animal eats which food?");
        assert_eq!(
            q.kind,
            QuestionKind::Match {
                pairs: vec![
                    Pair {
                        question: "cat".to_string(),
                        answer: "cat food".to_string()
                    },
                    Pair {
                        question: "dog".to_string(),
                        answer: "dog food".to_string()
                    },
                ]
            }
        );
        let QuestionKind::Match { pairs } = one(MATCHING_COUNTRIES).kind else {
            panic!("not a match");
        };
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[3].question, "India");
        assert_eq!(pairs[3].answer, "New Delhi");
        let q = one(MATCHING_COMPACT);
        assert_eq!(
            q.text,
            "Match the following countries with their corresponding\ncapitals."
        );
        // Moodle reads no feedback in matching pairs: '#' is text there.
        let QuestionKind::Match { pairs } = one("Match. {=a -> b#c =d -> e}").kind else {
            panic!("not a match");
        };
        assert_eq!(pairs[0].answer, "b#c");
    }

    #[test]
    fn matching_errors() {
        let errors = parse_errors("Match.{\n=a -> b\n}\n\nMatch.{\n=a -> b\n=c\n=d ->\n}");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "line 1: a matching question needs at least 2 pairs, found 1",
                "line 7: pair \"c\" needs -> between the question and its answer",
                "line 8: pair \"d\" has no answer after ->",
            ]
        );
    }

    #[test]
    fn essay() {
        let q = one(ESSAY);
        assert_eq!(q.kind, QuestionKind::Essay);
        assert_eq!(q.text, "Write a short biography of Dag Hammarskjöld.");
    }

    #[test]
    fn description() {
        let q = one(DESCRIPTION);
        assert_eq!(q.kind, QuestionKind::Description);
        assert_eq!(q.text, DESCRIPTION);
        assert_eq!(q.name, DESCRIPTION);
    }

    #[test]
    fn missing_word() {
        let q = one(MISSING_WORD);
        assert_eq!(q.text, "Moodle costs _____ to download from moodle.org.");
        assert_eq!(
            answers(&q),
            [
                ("lots of money", 0.0, ""),
                ("nothing", 1.0, ""),
                ("a small amount", 0.0, "")
            ]
        );
    }

    #[test]
    fn title_and_default_name() {
        let q = one(TITLED);
        assert_eq!(q.name, "Kanji Origins");
        assert_eq!(
            q.text,
            "Japanese characters originally\ncame from what country?"
        );
        assert_eq!(answers(&q), [("China", 1.0, "")]);
        // Without a title, Moodle names the question after the start of its text.
        assert_eq!(
            one(THANKSGIVING).name,
            "The American holiday of Thanksgiving is celebrated on the _____ Thursday of ..."
        );
        assert_eq!(
            one("Which of the following statements about the return policy of the marketplace is correct for buyers in Germany?{T}").name,
            "Which of the following statements about the return policy of the marketplace ..."
        );
        assert_eq!(
            one("[html]<p>Is <b>this</b> true?</p>{T}").name,
            "Is this true?"
        );
        assert_eq!(one("::  Spaced  ::Q{T}").name, "Spaced");
        assert_eq!(one("{T}").name, "Question name");
        assert_eq!(
            parse_errors("::Unclosed title\nQuestion{T}")[0].to_string(),
            "line 1: the question name opened with :: is never closed with ::"
        );
    }

    #[test]
    fn text_formats() {
        let q = one(MARKDOWN);
        assert_eq!(q.format, TextFormat::Markdown);
        assert_eq!(q.text, "Who's buried in **Grant's tomb**?");
        assert_eq!(
            answers(&q),
            [
                ("no one", 1.0, "excellent answer!"),
                ("nobody", 1.0, "excellent answer!")
            ]
        );
        for (prefix, format) in [
            ("[html]", TextFormat::Html),
            ("[plain]", TextFormat::Plain),
            ("[moodle]", TextFormat::Moodle),
            ("[markdown]", TextFormat::Markdown),
            ("", TextFormat::Moodle),
        ] {
            let q = one(&format!("::Q::{prefix}Is it?{{T}}"));
            assert_eq!((q.format, q.text.as_str()), (format, "Is it?"), "{prefix}");
        }
        // An unknown name stays part of the text, as in Moodle.
        let q = one("[latex]x^2{T}");
        assert_eq!(
            (q.format, q.text.as_str()),
            (TextFormat::Moodle, "[latex]x^2")
        );
        // An answer may repeat the question's format, not change it.
        let q = one("[html]<b>Pick</b>{=[html]<i>a</i> ~b#[html]<i>no</i>}");
        assert_eq!(
            answers(&q),
            [("<i>a</i>", 1.0, ""), ("b", 0.0, "<i>no</i>")]
        );
        let errors = parse_errors("[html]Pick{\n=[markdown]*a*\n~b}");
        assert_eq!(errors[0].line, 2);
        assert!(
            errors[0]
                .message
                .starts_with("[markdown] differs from the question's format [html]")
        );
    }

    #[test]
    fn escapes() {
        let q = one(ESCAPES);
        assert_eq!(
            answers(&q),
            [
                ("= 2 + 2", 0.0, ""),
                ("= 2 + 3", 1.0, ""),
                ("= 2 + 4", 0.0, "")
            ]
        );
        let q = one(CONTROL_CHARACTERS);
        assert_eq!(q.name, "GIFT Control Characters");
        let got = answers(&q);
        let texts: Vec<&str> = got.iter().map(|a| a.0).collect();
        assert_eq!(texts, ["~", "=", "#", "{", "}", "\\"]);
        assert_eq!(got[2].2, "# is a control character.");
        assert_eq!(
            got[5].2,
            "Correct! \\ (backslash) is not a control character. BUT,\nit is used to escape the control characters."
        );
        let q = one("::Time\\: 10\\:30::Use \\{braces\\} and \\#tags,\\nthen a \\~tilde \\= sign.");
        assert_eq!(q.name, "Time: 10:30");
        assert_eq!(q.kind, QuestionKind::Description);
        assert_eq!(q.text, "Use {braces} and #tags,\nthen a ~tilde = sign.");
        // An unknown escape keeps its backslash.
        assert_eq!(one("C:\\temp\\x?{T}").text, "C:\\temp\\x?");
    }

    #[test]
    fn comments() {
        let parsed = items(
            "// A heading\n// over two lines\n\n// Subheading: Numerical questions below\nWhat's 2 plus 2? {#4}\n\nIs it?\n// a comment inside a question\n{T}\n\n// only a comment",
        );
        assert_eq!(parsed.len(), 2);
        let Item::Question(q) = &parsed[0] else {
            panic!("not a question");
        };
        assert_eq!(numbers(q), [("4", 0.0, 1.0, "")]);
        let Item::Question(q) = &parsed[1] else {
            panic!("not a question");
        };
        assert_eq!(q.text, "Is it?");
        assert!(items("// nothing but comments\n\n//more").is_empty());
        assert!(items("").is_empty());
    }

    #[test]
    fn categories() {
        assert_eq!(
            items(CATEGORY),
            [
                Item::Category {
                    name: "tom/dick/harry".to_string()
                },
                Item::Question(Question {
                    name: "Q1".to_string(),
                    text: "1+1=2".to_string(),
                    format: TextFormat::Moodle,
                    general_feedback: String::new(),
                    tags: Vec::new(),
                    default_mark: None,
                    kind: QuestionKind::Truefalse {
                        correct: true,
                        feedback_true: String::new(),
                        feedback_false: String::new()
                    },
                }),
            ]
        );
        assert_eq!(
            items("$CATEGORY: $course$/top/Returns\\: refunds\n// why\n\n$CATEGORY:top/Other"),
            [
                Item::Category {
                    name: "$course$/top/Returns: refunds".to_string()
                },
                Item::Category {
                    name: "top/Other".to_string()
                },
            ]
        );
        let messages: Vec<String> = parse_errors("$CATEGORY: a/b\nQ{T}\n\n$CATEGORY:")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "line 2: put a blank line between the $CATEGORY line and the question after it",
                "line 4: $CATEGORY needs a category path, e.g. $CATEGORY: top/Returns",
            ]
        );
    }

    #[test]
    fn default_category_covers_questions_before_the_first_category_line() {
        let parsed = with_default_category(items("Q{T}\n\n$CATEGORY: b\n\nR{F}"), "a");
        let kinds: Vec<String> = parsed
            .iter()
            .map(|item| match item {
                Item::Category { name } => format!("category {name}"),
                Item::Question(q) => q.name.clone(),
            })
            .collect();
        assert_eq!(kinds, ["category a", "Q", "category b", "R"]);
        let parsed = with_default_category(items("$CATEGORY: b\n\nR{F}"), "a");
        assert_eq!(parsed.len(), 2);
    }

    #[test]
    fn braces() {
        let messages: Vec<String> = parse_errors(
            "Open {=a =b\n\nClose =a}\n\nBackwards } {=a}\n\nTwo {=a} and {=b}\n\nNested {=a {=b} }",
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            messages,
            [
                "line 1: '{' is never closed by '}' (write \\{ for a literal brace)",
                "line 3: '}' has no opening '{' (write \\} for a literal brace)",
                "line 5: '}' comes before '{' (write \\} for a literal brace)",
                "line 7: a question has one answer block {…}; write \\{ and \\} for literal braces",
                "line 9: a second '{' inside the answers (write \\{ for a literal brace)",
            ]
        );
        // Text on the next line still belongs to the answer before it.
        assert_eq!(
            answers(&one("Pick {\n~a\nb ~c =d}")),
            [("a\nb", 0.0, ""), ("c", 0.0, ""), ("d", 1.0, "")]
        );
    }

    #[test]
    fn unmarked_multichoice_answer_is_an_error() {
        let errors = parse_errors("Pick {\n  first\n  ~a\n  =b}");
        assert_eq!(
            errors[0].to_string(),
            "line 2: \"first\" needs ~ (wrong answer) or = (right answer) in front"
        );
    }

    #[test]
    fn every_error_of_a_file_is_reported_with_its_line() {
        let input = "\
// line 1
Good? {T}

Bad brace? {=a
=b

::Fine::{=yes =sure}

Pick {
  ~a
  ~%12%b
  =c
}

Numbers {#x..5}
";
        assert_eq!(error_lines(input), [4, 11, 15]);
        let errors = parse_errors(input);
        assert!(errors[1].message.contains("weight 12%"));
        assert!(
            errors[2]
                .message
                .contains("\"x\" in the range \"x..5\" is not a number")
        );
    }

    #[test]
    fn windows_line_endings_and_byte_order_mark() {
        let parsed = items("\u{feff}$CATEGORY: a\r\n\r\nQ?\r\n{\r\n=yes\r\n~no}\r\n\r\nR{T}\r");
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            error_lines("\u{feff}Ok{T}\r\n\r\nBad{\r\n~a}"),
            [3],
            "lines count across CRLF"
        );
    }

    #[test]
    fn json_field_names() {
        let parsed = items(&format!(
            "{CATEGORY}\n\n{HOMETOWN_MULTICHOICE}\n\n{TRUEFALSE_BOTH_FEEDBACKS}\n\n{NUMERICAL}\n\n{MATCHING}\n\n{ESSAY}\n\n{DESCRIPTION}\n\n{SHORTANSWER}"
        ));
        let json = serde_json::to_value(&parsed).expect("serializable");
        assert_eq!(
            json[0],
            serde_json::json!({"type": "category", "name": "tom/dick/harry"})
        );
        let mc = &json[2];
        assert_eq!(mc["type"], "multichoice");
        assert_eq!(mc["name"], "Jesus' hometown");
        assert_eq!(mc["text"], "Jesus Christ was from _____.");
        assert_eq!(mc["format"], "moodle");
        assert_eq!(mc["general_feedback"], "");
        assert_eq!(mc["single"], true);
        assert_eq!(
            mc["answers"][1],
            serde_json::json!({"text": "Bethlehem", "fraction": 0.25, "feedback": "He was born here, but not raised here."})
        );
        assert_eq!(json[3]["type"], "truefalse");
        assert_eq!(json[3]["correct"], true);
        assert_eq!(json[3]["feedback_true"], "Yes, in the east.");
        assert_eq!(json[3]["feedback_false"], "Look outside at dawn.");
        assert_eq!(
            json[4]["answers"][0],
            serde_json::json!({"text": "1822", "fraction": 1.0, "feedback": "", "tolerance": 5.0})
        );
        assert_eq!(json[5]["type"], "match");
        assert_eq!(
            json[5]["pairs"][1],
            serde_json::json!({"question": "dog", "answer": "dog food"})
        );
        assert_eq!(json[6]["type"], "essay");
        assert_eq!(json[7]["type"], "description");
        assert_eq!(json[8]["type"], "shortanswer");
        let back: Vec<Item> = serde_json::from_value(json).expect("deserializable");
        assert_eq!(back, parsed);
    }

    #[test]
    fn writer_output_reads_like_moodle_export() {
        let written = to_gift(&items(&format!("{CATEGORY}\n\n{WEIGHTED}")));
        assert_eq!(
            written,
            "$CATEGORY: tom/dick/harry\n\n::Q1::1+1\\=2{TRUE}\n\n::Difficult question.::Difficult question.{\n\t~wrong answer\n\t~%50%half credit answer\n\t=full credit answer\n}\n"
        );
    }

    #[test]
    fn round_trip_every_construct() {
        for input in ALL {
            round_trip(input);
        }
        round_trip(&ALL.join("\n\n"));
    }

    #[test]
    fn round_trip_awkward_texts() {
        for input in [
            "[html]<p>Q</p>{=[html]<b>a</b>#[html]<i>f</i> ~b####[html]<p>general</p>}",
            "[plain]A plain {T#wrong#right####general}",
            "{F##only right feedback}",
            "Literal?{~[moodle][html] tag =%100%%50% off ~%0%%10% more}",
            "All right{=a =b ~%100%c}",
            "Arrow{a -> b#c -> d}",
            "Arrow{[moodle]//%25% -> T}",
            "::\\[x\\]::[moodle][markdown] is text here{~\\%50\\% =b}",
            "Money?{=%100%%5#five percent =%50%10\\:1}",
            "Multi\\nline\\: text?{=a\\nb ~c\\\\d}",
            "::::{T}",
            "::Empty::",
            "Numbers{#=%100%*:0 =%-50%-1e3:0.5#no ~#wrong}",
            "Any{#*}",
            "Match {= -> extra =a -> b -> c =x -> #y}",
            "中文的问题可以在任何字符处截断中文的问题可以在任何字符处截断中文的问题可以在任何字符处截断中文的问题可以在任何字符处截断中文的问题可以在任何字符处截断{T}",
        ] {
            round_trip(input);
        }
    }

    /// A small deterministic generator so the test needs no extra crate.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    #[test]
    fn random_input_never_panics_and_what_parses_round_trips() {
        const PIECES: &[&str] = &[
            "{",
            "}",
            "~",
            "=",
            "#",
            "####",
            ":",
            "::",
            "\\",
            "%",
            "%50%",
            "%-100%",
            "->",
            "..",
            "\n",
            "\n\n",
            " ",
            "\t",
            "a",
            "Q",
            "T",
            "FALSE",
            "1",
            "3.5",
            "-",
            "[html]",
            "[",
            "]",
            "//",
            "$CATEGORY:",
            "é",
            "中",
            "\r",
            "<b>",
            "_",
            "*",
            "e",
        ];
        let mut rng = Lcg(0x5eed);
        let mut parsed_ok = 0;
        for _ in 0..2000 {
            let len = rng.next() % 40;
            let mut bytes = Vec::new();
            for _ in 0..len {
                if rng.next().is_multiple_of(10) {
                    bytes.push((rng.next() % 256) as u8);
                } else {
                    let piece = PIECES[(rng.next() as usize) % PIECES.len()];
                    bytes.extend_from_slice(piece.as_bytes());
                }
            }
            let input = String::from_utf8_lossy(&bytes);
            if let Ok(parsed) = parse(&input) {
                parsed_ok += 1;
                let written = to_gift(&parsed);
                assert_eq!(
                    parse(&written).as_ref(),
                    Ok(&parsed),
                    "input {input:?} written as {written:?}"
                );
            }
        }
        assert!(parsed_ok > 100, "only {parsed_ok} inputs parsed");
    }
}
