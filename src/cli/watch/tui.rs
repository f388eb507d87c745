//! The dashboard's terminal: raw mode and the alternate screen, restored on every way out
//! (q, Ctrl-C, a signal, an error, and a panic: ratatui's hook restores before the message
//! prints), keys, resizes, and the draw of each snapshot.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

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
    let mut terminal = ratatui::try_init()?;
    let result = event_loop(&mut terminal, rx, interrupted, color, since_us, clock);
    // restored before anything is printed (the notices, an error)
    let restored = ratatui::try_restore();
    let (status, notices) = result?;
    restored?;
    for n in notices {
        eprintln!("hosp-logs: {}", crate::render::sanitize(&n, 500));
    }
    Ok(status)
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    rx: &Receiver<Update>,
    interrupted: &AtomicBool,
    color: bool,
    since_us: i64,
    clock: Clock,
) -> anyhow::Result<(ExitStatus, Vec<String>)> {
    let mut shown: Option<Snapshot> = None;
    let mut latest: Option<Snapshot> = None;
    let mut notices: Vec<String> = Vec::new();
    let mut view = View::default();
    let mut paused = false;
    let mut dirty = true;
    let mut last_second = 0;
    loop {
        if interrupted.load(Ordering::Relaxed) {
            return Ok((ExitStatus::Interrupted, notices));
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
                Err(TryRecvError::Disconnected) => return Ok((ExitStatus::Ok, notices)),
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
            terminal.draw(|f| {
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
            })?;
            dirty = false;
        }
        if event::poll(Duration::from_millis(200))? {
            match event::read()? {
                Event::Key(k) if k.kind != KeyEventKind::Release => {
                    match key(k.code, k.modifiers) {
                        Key::Quit => return Ok((ExitStatus::Ok, notices)),
                        Key::Interrupt => return Ok((ExitStatus::Interrupted, notices)),
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
                Event::Resize(_, _) => {
                    terminal.autoresize()?;
                    dirty = true;
                }
                _ => {}
            }
        }
    }
}
