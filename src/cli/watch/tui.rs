//! The dashboard's terminal: raw mode and the alternate screen, restored on every way out
//! (q, Ctrl-C, a signal, an error, and a panic: ratatui's hook restores before the message
//! prints), keys, resizes, and the draw of each snapshot. A terminal that goes away (end of
//! file or an error reading it, a failed draw, SIGHUP) ends the dashboard within a wait of
//! 200 ms, exit 130 like a hang-up; nothing is written to a terminal that is gone.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::terminal::keys::{Keys, Read};

use super::{Clock, Update};
use crate::error::ExitStatus;
use crate::metrics::live::Snapshot;
use crate::render::dashboard::{draw, Screen, View};

/// Notices kept for the screen (the newest is shown; all are printed again at exit).
const MAX_NOTICES: usize = 20;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Quit,
    Interrupt,
    Pause,
    NextView,
    None,
}

/// The dashboard's keys: q (or Esc) quits, Ctrl-C interrupts, p pauses, tab switches views.
pub fn key(code: KeyCode, modifiers: KeyModifiers) -> Key {
    match code {
        KeyCode::Char('c') if modifiers.contains(KeyModifiers::CONTROL) => Key::Interrupt,
        KeyCode::Char('q') | KeyCode::Char('Q') | KeyCode::Esc => Key::Quit,
        KeyCode::Char('p') | KeyCode::Char('P') | KeyCode::Char(' ') => Key::Pause,
        KeyCode::Tab | KeyCode::BackTab => Key::NextView,
        _ => Key::None,
    }
}

/// Runs the dashboard until q, Ctrl-C or a signal.
pub fn run(
    rx: &Receiver<Update>,
    interrupted: &AtomicBool,
    color: bool,
    since_us: i64,
    clock: Clock,
) -> anyhow::Result<ExitStatus> {
    let resized = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, Arc::clone(&resized))?;
    let mut keys = Keys::open();
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(
        &mut terminal,
        &mut keys,
        Flags {
            interrupted,
            resized: &resized,
        },
        rx,
        color,
        since_us,
        clock,
    );
    let gone = matches!(result, Ok((_, _, true))) || keys.as_ref().is_some_and(Keys::gone);
    // restored before anything is printed (the notices, an error); a terminal that is gone
    // has nothing to restore, and an error writing to it is no news
    let restored = ratatui::try_restore();
    if gone {
        // its drop shows the cursor, and says so on stderr (the terminal that is gone: a
        // panic) when it cannot
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    let (status, notices, _) = result?;
    if !gone {
        restored?;
    }
    let mut err = std::io::stderr().lock();
    for n in notices {
        // stderr may be the terminal that went away: never a panic for a lost message
        let _ = writeln!(err, "hosp-logs: {}", crate::render::sanitize(&n, 500));
    }
    Ok(status)
}

struct Flags<'a> {
    interrupted: &'a AtomicBool,
    resized: &'a AtomicBool,
}

/// Whether an error drawing means the terminal is gone (the pty's other side closed).
fn terminal_gone(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::UnexpectedEof
    ) || e.raw_os_error() == Some(libc::EIO)
}

/// The loop of the dashboard: (the exit status, the notices, whether the terminal is gone).
fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    keys: &mut Option<Keys>,
    flags: Flags<'_>,
    rx: &Receiver<Update>,
    color: bool,
    since_us: i64,
    clock: Clock,
) -> anyhow::Result<(ExitStatus, Vec<String>, bool)> {
    let mut shown: Option<Snapshot> = None;
    let mut latest: Option<Snapshot> = None;
    let mut notices: Vec<String> = Vec::new();
    let mut view = View::default();
    let mut paused = false;
    let mut dirty = true;
    let mut last_second = 0;
    loop {
        if flags.interrupted.load(Ordering::Relaxed) {
            return Ok((ExitStatus::Interrupted, notices, false));
        }
        if flags.resized.swap(false, Ordering::Relaxed) {
            match terminal.autoresize() {
                Err(e) if terminal_gone(&e) => return Ok((ExitStatus::Interrupted, notices, true)),
                other => other?,
            }
            dirty = true;
        }
        loop {
            match rx.try_recv() {
                Ok(Update::Snapshot(s)) => {
                    latest = Some(*s);
                    dirty = true;
                }
                Ok(Update::Notice(n)) => {
                    if notices.len() == MAX_NOTICES {
                        notices.remove(0);
                    }
                    notices.push(n);
                    dirty = true;
                }
                Ok(Update::Failed(e)) => return Err(e),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Ok((ExitStatus::Ok, notices, false)),
            }
        }
        // paused: the panel holds still; reading and alerts go on behind it
        if !paused && latest.is_some() {
            shown = latest.take().or(shown);
        }
        let now_us = clock.now_us();
        // "updated Ns ago" moves once a second
        if dirty || now_us / 1_000_000 != last_second {
            last_second = now_us / 1_000_000;
            let drawn = terminal.draw(|f| {
                draw(
                    f,
                    &Screen {
                        snapshot: shown.as_ref(),
                        view,
                        paused,
                        color,
                        since_us,
                        now_us,
                        notices: &notices,
                    },
                )
            });
            match drawn {
                Err(e) if terminal_gone(&e) => return Ok((ExitStatus::Interrupted, notices, true)),
                other => {
                    other?;
                }
            }
            dirty = false;
        }
        let typed = match keys.as_mut() {
            Some(k) => match k.wait(Duration::from_millis(200)) {
                Read::Keys(typed) => typed,
                // end of file or an error reading the terminal: the one watching is gone
                Read::Gone => return Ok((ExitStatus::Interrupted, notices, true)),
            },
            None => {
                std::thread::sleep(Duration::from_millis(200));
                Vec::new()
            }
        };
        for (code, modifiers) in typed {
            match key(code, modifiers) {
                Key::Quit => return Ok((ExitStatus::Ok, notices, false)),
                Key::Interrupt => return Ok((ExitStatus::Interrupted, notices, false)),
                Key::Pause => {
                    paused = !paused;
                    dirty = true;
                }
                Key::NextView => {
                    view = view.next();
                    dirty = true;
                }
                Key::None => {}
            }
        }
    }
}
