//! The example lines of a help text, and the words a shell makes of one: for the test that
//! every example parses (`cli::tests`) and the one that runs each (`tests/help_examples.rs`).

/// Splits a command line as a POSIX shell would for these examples: words, single and
/// double quotes, backslash escapes in double quotes.
pub fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        c => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The hosp-logs invocations in a help text's example lines (lines that start with it, or
/// pipe into it): from `hosp-logs` to the end of its pipeline segment, without a trailing
/// `# comment`.
pub fn examples(text: &str) -> Vec<String> {
    // a line ending in `\` continues on the next, as in a shell
    let joined = text.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let at = if t.starts_with("hosp-logs ") {
                0
            } else {
                t.find("| hosp-logs ")? + 2
            };
            let rest = &t[at..];
            let rest = rest.split(" | ").next().unwrap_or(rest);
            let rest = rest.split("  #").next().unwrap_or(rest);
            Some(rest.trim().to_string())
        })
        .collect()
}
