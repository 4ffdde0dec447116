//! Masking personal data in imported buyer messages. Real support tickets carry e-mail addresses,
//! phone numbers, street addresses and names; a training corpus needs none of them. The importer
//! replaces each with a placeholder (`[email]`, `[phone]`, `[address]`, `[name]`) and reports how
//! many it masked, so the person importing can judge what was there.
//!
//! The rules are deliberately conservative about numbers: order ids, tracking numbers, prices and
//! dates are what trainees must read, so a digit run is masked as a phone number only when it
//! looks like one (a `+` or `(` in front, a word such as "phone" or "WhatsApp" just before it, or
//! phone-style grouping) and is neither an Amazon order id nor a date.

use std::sync::LazyLock;

use regex_lite::Regex;

use super::corpus::CorpusMessage;

/// How many of each kind were masked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Redaction {
    pub emails: usize,
    pub phones: usize,
    pub addresses: usize,
    pub names: usize,
}

impl Redaction {
    pub fn total(&self) -> usize {
        self.emails + self.phones + self.addresses + self.names
    }

    fn add(&mut self, other: Redaction) {
        self.emails += other.emails;
        self.phones += other.phones;
        self.addresses += other.addresses;
        self.names += other.names;
    }
}

impl std::fmt::Display for Redaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} e-mail address(es), {} phone number(s), {} street address(es), {} name(s)",
            self.emails, self.phones, self.addresses, self.names
        )
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid redaction pattern")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"));

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{1,4}\)[\s.\-]?)?\d{2,15}(?:[\s.\-]\d{2,8}){0,4}")
});

/// Words that announce a phone number, lower-case, in the corpus's languages.
const PHONE_WORDS: [&str; 16] = [
    "phone",
    "tel",
    "call me",
    "mobile",
    "cell",
    "whatsapp",
    "teléfono",
    "telefono",
    "móvil",
    "celular",
    "telefone",
    "telefon",
    "handy",
    "téléphone",
    "portable",
    "電話",
];

static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{3}-\d{7}-\d{7}$"));
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\d{4}[\-./]\d{1,2}[\-./]\d{1,2}|\d{1,2}[\-./]\d{1,2}[\-./]\d{2,4})$")
});

/// Street addresses: house number first (English, French), street word first (Spanish,
/// Portuguese, Italian), German compounds, and Japanese block addresses and postcodes.
static ADDRESS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(
            r"(?i)\b\d{1,5}[a-z]?,?\s+(?:[a-zà-ÿ'.\-]+\s+){0,3}(?:street|st\.|avenue|ave\.?|road|rd\.|boulevard|blvd\.?|lane|ln\.|drive|dr\.|way|court|ct\.|rue|avenue|chemin|allée|impasse)\b(?:\s+(?:de\s+la|de|du|des)\s+[A-ZÀ-Ý][a-zà-ÿ'\-]+)?",
        ),
        re(
            r"(?i)\b(?:calle|c/|avenida|avda\.|av\.|rua|travessa|via|viale|piazza|plaza|paseo)\s+[^\n,;]{2,40}?,?\s+(?:n[º°o]\.?\s*)?\d{1,5}[a-z]?\b",
        ),
        re(
            r"\b[A-ZÄÖÜ][a-zäöüß\-]+(?:straße|strasse|str\.|weg|allee|platz|gasse)\s+\d{1,4}[a-z]?\b",
        ),
        re(r"\d+丁目\d+(?:番地?|\-)\d+(?:号)?|〒\s?\d{3}\-\d{4}"),
    ]
});

/// A name announced by the buyer ("my name is …", "me llamo …", "Name: …"): the capitalised words
/// after it are masked, the announcement is kept.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"((?i:my name is|me llamo|mi nombre es|je m'appelle|je m’appelle|ich heiße|ich heisse|mein name ist|meu nome é|me chamo|mi chiamo|name:|nombre:|nome:|nom\s?:)\s*)([A-ZÀ-ÝÄÖÜ][a-zà-ÿäöüß'\-]+(?:\s+[A-ZÀ-ÝÄÖÜ][a-zà-ÿäöüß'\-]+){0,2})",
    )
});

fn is_phone(text: &str, start: usize, candidate: &str) -> bool {
    let digits = candidate.chars().filter(char::is_ascii_digit).count();
    if !(8..=15).contains(&digits) || ORDER_ID.is_match(candidate) || DATE.is_match(candidate) {
        return false;
    }
    if candidate.starts_with('+') || candidate.starts_with('(') {
        return true;
    }
    let before: String = text[..start]
        .chars()
        .rev()
        .take(24)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    if PHONE_WORDS.iter().any(|w| before.contains(w)) {
        return true;
    }
    // Grouped like a phone number (0612 34 56 78, 555-123-4567), not one long reference.
    let groups = candidate
        .split([' ', '-', '.'])
        .filter(|g| !g.is_empty())
        .count();
    groups >= 3 && candidate.split([' ', '-', '.']).all(|g| g.len() <= 4)
}

/// Phrases that can announce a name, lower-case (a cheap test before the name pattern runs).
const NAME_CUES: [&str; 14] = [
    "name",
    "nombre",
    "nome",
    "nom",
    "llamo",
    "appelle",
    "heiße",
    "heisse",
    "chamo",
    "chiamo",
    "my name",
    "mein name",
    "meu nome",
    "mi nombre",
];

/// `text` with personal data masked, and what was masked. The patterns run only on text that
/// could hold what they look for (an `@`, a digit, a name cue): regex-lite is small but slow, and
/// most buyer messages hold nothing to mask.
pub fn redact(text: &str) -> (String, Redaction) {
    let mut counts = Redaction::default();
    let mut text = text.to_string();
    if text.contains('@') {
        let masked = EMAIL.replace_all(&text, |_: &regex_lite::Captures| {
            counts.emails += 1;
            "[email]"
        });
        text = masked.into_owned();
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if digits > 0 {
        for address in ADDRESS.iter() {
            let masked = address.replace_all(&text, |_: &regex_lite::Captures| {
                counts.addresses += 1;
                "[address]"
            });
            text = masked.into_owned();
        }
    }
    let lower = text.to_lowercase();
    if NAME_CUES.iter().any(|cue| lower.contains(cue)) {
        let masked = NAME.replace_all(&text, |c: &regex_lite::Captures| {
            counts.names += 1;
            format!("{}[name]", &c[1])
        });
        text = masked.into_owned();
    }
    if digits < 8 {
        return (text, counts);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PHONE.find_iter(&text) {
        let candidate = m.as_str().trim_end_matches(['.', '-', ' ']);
        if is_phone(&text, m.start(), candidate) {
            out.push_str(&text[last..m.start()]);
            out.push_str("[phone]");
            last = m.start() + candidate.len();
            counts.phones += 1;
        }
    }
    out.push_str(&text[last..]);
    (out, counts)
}

/// Masks personal data in every message and its earlier turns.
pub fn redact_messages(messages: &mut [CorpusMessage]) -> Redaction {
    let mut total = Redaction::default();
    for message in messages {
        let (text, counts) = redact(&message.text);
        message.text = text;
        total.add(counts);
        for turn in &mut message.context {
            let (text, counts) = redact(&turn.text);
            turn.text = text;
            total.add(counts);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        redact(text).0
    }

    #[test]
    fn emails_phones_addresses_and_names_are_masked() {
        let (text, counts) = redact(
            "Hi, my name is Laura Gómez. Write to laura.gomez+shop@example.co.uk or call me on \
             +34 612 345 678. Ship to 221B Baker Street please.",
        );
        assert_eq!(
            text,
            "Hi, my name is [name]. Write to [email] or call me on [phone]. Ship to [address] please."
        );
        assert_eq!(
            counts,
            Redaction {
                emails: 1,
                phones: 1,
                addresses: 1,
                names: 1
            }
        );
        assert_eq!(counts.total(), 4);
    }

    #[test]
    fn each_language_of_the_corpus() {
        assert_eq!(
            masked("Me llamo Carlos Ruiz, vivo en Calle Mayor 12, 3ºB. Mi móvil: 612 34 56 78"),
            "Me llamo [name], vivo en [address], 3ºB. Mi móvil: [phone]"
        );
        assert_eq!(
            masked("Meu nome é João Silva, Rua Augusta, 1500. WhatsApp (11) 98765-4321"),
            "Meu nome é [name], [address]. WhatsApp [phone]"
        );
        assert_eq!(
            masked("Ich heiße Jana Weber, Hauptstraße 5, Telefon 0171 2345678"),
            "Ich heiße [name], [address], Telefon [phone]"
        );
        assert_eq!(
            masked("Je m'appelle Chloé, 12 rue de la Paix. Tél : 06 12 34 56 78"),
            "Je m'appelle [name], [address]. Tél : [phone]"
        );
        assert_eq!(
            masked("Call me at 5551234567 tomorrow"),
            "Call me at [phone] tomorrow"
        );
        assert_eq!(
            masked("〒150-0001 渋谷区神宮前1丁目2-3 電話 03-1234-5678"),
            "[address] 渋谷区神宮前[address] 電話 [phone]"
        );
    }

    #[test]
    fn what_trainees_must_read_is_kept() {
        for text in [
            "Order 114-3941689-8772232 has not arrived.",
            "Tracking 9400111899223817265041 still says in transit.",
            "AliExpress order 8183746523091234 — delivered 2026-11-02?",
            "It cost 1.299,00 € and arrived on 12/11/2026.",
            "I am very disappointed, je suis déçu, the size 42 is wrong.",
            "The model number is 2023-XL and I waited 14 days.",
        ] {
            let (out, counts) = redact(text);
            assert_eq!(out, text, "{counts:?}");
            assert_eq!(counts.total(), 0);
        }
    }
}
