//! CSV reading and writing (RFC 4180 style: quoted fields with commas, line breaks and doubled
//! quotes; LF or CRLF; a byte-order mark and blank lines skipped). Shared by imports, exports and the
//! agreement command.

/// A line that cannot be read, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub line: usize,
    pub reason: String,
}

impl RecordError {
    fn new(line: usize, reason: impl Into<String>) -> Self {
        RecordError {
            line,
            reason: reason.into(),
        }
    }
}

/// Splits CSV text into records of trimmed fields, each with the line it starts on.
pub fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, RecordError> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut in_quotes = false;
    // The current field was quoted: only whitespace may follow its closing quote.
    let mut quoted = false;
    let mut chars = text.chars().peekable();

    let mut end_record = |fields: &mut Vec<String>, field: &mut String, quoted: bool, at: usize| {
        let last = std::mem::take(field);
        if fields.is_empty() && !quoted && last.trim().is_empty() {
            return; // a blank line
        }
        fields.push(last.trim().to_string());
        records.push((at, std::mem::take(fields)));
    };

    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    field.push('\n');
                    line += 1;
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field).trim().to_string());
                quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_record(&mut fields, &mut field, quoted, record_line);
                quoted = false;
                line += 1;
                record_line = line;
            }
            '"' if !quoted && field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                quoted = true;
                quote_line = line;
            }
            '"' if quoted => {
                return Err(RecordError::new(
                    line,
                    "a quote right after a quoted field: write a quote inside quotes as \"\"",
                ));
            }
            '"' => {
                return Err(RecordError::new(
                    line,
                    "a quote inside an unquoted field: wrap the field in quotes and double the \
                     quote (\"\")",
                ));
            }
            c if quoted && !c.is_whitespace() => {
                return Err(RecordError::new(
                    line,
                    "text after the closing quote of a field: put it inside the quotes",
                ));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(RecordError::new(
            quote_line,
            "a quoted field is never closed: a quote is missing",
        ));
    }
    end_record(&mut fields, &mut field, quoted, record_line);
    Ok(records)
}

/// One CSV field, quoted when it needs to be.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) || value.starts_with(' ') || value.ends_with(' ') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A text that a spreadsheet would otherwise run as a formula (`=`, `+`, `-`, `@`, tab, CR at
/// the start: CSV injection) gets a leading apostrophe, which spreadsheets show as text.
pub fn spreadsheet_safe(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

/// One CSV line from fields (without the line break).
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_for_spreadsheets() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Mei Lin"), "Mei Lin");
    }

    #[test]
    fn written_lines_read_back() {
        let values = [
            "plain",
            "with, comma",
            "with \"quotes\"",
            "two\nlines",
            " padded ",
        ];
        let text = format!("{}\r\n", line(&values));
        let read = records(&text).unwrap();
        assert_eq!(
            read[0].1[..4],
            values[..4]
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()[..]
        );
    }
}
