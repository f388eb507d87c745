//! Text bound for a terminal: log content is hostile, so control characters and escape
//! sequences never reach one.

/// Removes control characters (ANSI escapes included) from log-derived text bound for a
/// terminal, and truncates it to `max` characters with a visible marker.
pub fn sanitize(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max.saturating_add(3)));
    let mut chars = text.chars().peekable();
    let mut n = 0;
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // drop a whole CSI/OSC sequence, not just the ESC byte
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == '\u{7}' || c == '\u{1b}' {
                            break;
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        }
        if n == max {
            out.push('…');
            break;
        }
        out.push(c);
        n += 1;
    }
    out
}

/// The keys of the terminal the dashboard runs on, read with poll(2) and read(2) here rather
/// than by crossterm's event reader: that one retries a read() that returns 0 (end of file)
/// or fails with EIO without end, so a terminal that goes away (a closed tmux window, a
/// dropped SSH session) left `watch` spinning at full CPU, deaf to SIGTERM. Here the end of
/// the terminal is an answer: [`Read::Gone`].
#[cfg(unix)]
pub mod keys {
    use std::fs::File;
    use std::os::fd::{AsRawFd, RawFd};
    use std::time::Duration;

    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    /// What one wait for input came to.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Read {
        /// The keys typed (none when the wait timed out).
        Keys(Vec<(KeyCode, KeyModifiers)>),
        /// The terminal is gone: end of file, a hang-up or a read error.
        Gone,
    }

    /// The terminal's input: standard input when it is a terminal, else /dev/tty.
    pub struct Keys {
        fd: RawFd,
        _tty: Option<File>,
    }

    impl Keys {
        /// The terminal's input; None when there is no terminal to read keys from.
        pub fn open() -> Option<Keys> {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                return Some(Keys {
                    fd: std::io::stdin().as_raw_fd(),
                    _tty: None,
                });
            }
            let tty = std::fs::OpenOptions::new()
                .read(true)
                .open("/dev/tty")
                .ok()?;
            Some(Keys {
                fd: tty.as_raw_fd(),
                _tty: Some(tty),
            })
        }

        /// Waits up to `timeout` for keys. A signal that interrupts the wait returns no key
        /// (the caller checks its flags and waits again).
        pub fn wait(&mut self, timeout: Duration) -> Read {
            let mut p = libc::pollfd {
                fd: self.fd,
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd, its count 1
            let n = unsafe { libc::poll(&mut p, 1, ms) };
            if n < 0 {
                return match std::io::Error::last_os_error().kind() {
                    std::io::ErrorKind::Interrupted => Read::Keys(Vec::new()),
                    _ => Read::Gone,
                };
            }
            if n == 0 {
                return Read::Keys(Vec::new());
            }
            if p.revents & libc::POLLNVAL != 0 {
                return Read::Gone;
            }
            // readable, or hung up (then read() says 0 or EIO, after any bytes still queued)
            let mut buf = [0u8; 1024];
            // SAFETY: the buffer is valid for its length
            let got = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            match got {
                0 => Read::Gone,
                n if n > 0 => Read::Keys(parse(&buf[..n as usize])),
                _ => match std::io::Error::last_os_error().kind() {
                    std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock => {
                        Read::Keys(Vec::new())
                    }
                    _ => Read::Gone,
                },
            }
        }

        /// Whether the terminal has hung up (polled without waiting).
        pub fn gone(&self) -> bool {
            let mut p = libc::pollfd {
                fd: self.fd,
                events: 0,
                revents: 0,
            };
            // SAFETY: one valid pollfd, its count 1
            let n = unsafe { libc::poll(&mut p, 1, 0) };
            n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
        }
    }

    /// The keys in bytes read from a terminal in raw mode: characters, control keys, Tab,
    /// Shift-Tab (ESC [ Z) and a lone Esc; other escape sequences (arrows, function keys,
    /// mouse) are skipped whole.
    pub fn parse(bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        let none = KeyModifiers::NONE;
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            match b {
                0x1b => match bytes.get(i) {
                    None => out.push((KeyCode::Esc, none)),
                    Some(b'[') => {
                        // CSI: parameters, then one final byte in @..~
                        let start = i + 1;
                        let end = bytes[start..]
                            .iter()
                            .position(|c| (0x40..=0x7e).contains(c))
                            .map_or(bytes.len(), |p| start + p + 1);
                        if &bytes[start..end] == b"Z" {
                            out.push((KeyCode::BackTab, KeyModifiers::SHIFT));
                        }
                        i = end;
                    }
                    // SS3 (ESC O x: F1-F4 on some terminals) is three bytes, Alt+key two
                    Some(b'O') => i = (i + 2).min(bytes.len()),
                    Some(_) => i += 1,
                },
                b'\t' => out.push((KeyCode::Tab, none)),
                b'\r' | b'\n' => out.push((KeyCode::Enter, none)),
                0x7f => out.push((KeyCode::Backspace, none)),
                1..=26 => out.push((KeyCode::Char((b'a' + b - 1) as char), KeyModifiers::CONTROL)),
                0x20..=0x7e => out.push((KeyCode::Char(b as char), none)),
                // the rest of UTF-8 and other controls: no key the dashboard uses
                _ => {}
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn raw_bytes_become_keys() {
            let none = KeyModifiers::NONE;
            assert_eq!(
                parse(b"q\tp \x03"),
                vec![
                    (KeyCode::Char('q'), none),
                    (KeyCode::Tab, none),
                    (KeyCode::Char('p'), none),
                    (KeyCode::Char(' '), none),
                    (KeyCode::Char('c'), KeyModifiers::CONTROL),
                ]
            );
            assert_eq!(parse(b"\x1b"), vec![(KeyCode::Esc, none)]);
            assert_eq!(
                parse(b"\x1b[Z"),
                vec![(KeyCode::BackTab, KeyModifiers::SHIFT)]
            );
            // arrows and function keys are skipped whole, not read as Esc + letters
            assert_eq!(
                parse(b"\x1b[A\x1b[15~\x1bOPq"),
                vec![(KeyCode::Char('q'), none)]
            );
            // a sequence cut off at the end of the read is dropped
            assert_eq!(parse(b"\x1b[1;5"), vec![]);
        }

        #[test]
        fn a_closed_terminal_is_gone_not_a_loop() {
            // close-on-exec from the start: a process another test starts must not keep the
            // master open
            // SAFETY: plain libc calls on descriptors this test owns
            let (master, slave) = unsafe {
                let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
                assert!(master >= 0);
                assert_eq!(libc::grantpt(master) | libc::unlockpt(master), 0);
                let mut name = [0 as libc::c_char; 128];
                assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
                let slave = libc::open(
                    name.as_ptr(),
                    libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
                );
                assert!(slave >= 0);
                (master, slave)
            };
            let mut k = Keys {
                fd: slave,
                _tty: None,
            };
            assert_eq!(k.wait(Duration::from_millis(10)), Read::Keys(vec![]));
            assert!(!k.gone());
            // SAFETY: our own descriptor
            unsafe { libc::close(master) };
            let t = std::time::Instant::now();
            assert_eq!(k.wait(Duration::from_secs(5)), Read::Gone);
            assert!(t.elapsed() < Duration::from_secs(1));
            assert!(k.gone());
            // SAFETY: our own descriptor
            unsafe { libc::close(slave) };
        }
    }
}
