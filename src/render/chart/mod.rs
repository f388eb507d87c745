//! PNG charts drawn with plotters on its bitmap backend.
//!
//! - Text is drawn with the bundled DejaVu Sans (`assets/fonts/`, registered with plotters'
//!   ab_glyph feature): no system fonts, no fontconfig, the same pixels on every machine.
//! - Colours are the Okabe-Ito palette, readable with the common colour-vision deficiencies;
//!   series that sit side by side also differ in line style or position.
//! - Times are UTC; every axis says its unit.
//! - The PNG is encoded in `output` (the `png` crate, fixed settings, no timestamps), so the
//!   same input gives the same bytes. `present()` is always called and its error reported.
//!
//! One module per analysis, each with one function per chart (`fn(&Area, &data)`) and a
//! `figure` for the analysis' `--chart FILE`.
//!
//! The shared pieces, one file per concern: `style` (font, size, colours), `output` (the
//! drawing area, PNG encoding, writing files), `axis` (time and value axes), `labels` (tick
//! and value text), `primitives` (title and legend, time charts, stacked and horizontal bars)
//! and `canvas` (the drawing backend). They are private and re-exported here, so every chart
//! item has one path: `chart::…`.

mod axis;
pub mod backends;
pub mod canvas;
pub mod edge;
pub mod errors;
pub mod hops;
mod labels;
pub mod latency;
mod output;
mod primitives;
pub mod retries;
pub mod security;
pub mod slo;
mod style;
pub mod traffic;

pub use self::axis::{log_ticks, nice_axis, parse_time, Axis, TimeAxis};
pub use self::canvas::Canvas;
pub use self::labels::{count_label, label_text, ms_label, pct_label};
pub use self::output::{encode_png, figure, render, write_png, Area};
pub use self::primitives::{
    frame, hbars, no_data, runs, stacked_bars, time_chart, HBar, Mark, Stacked,
};
pub use self::style::{
    font, BLACK, BLUE, FONT, GREEN, GREY, GRID, HEIGHT, ORANGE, PURPLE, SERIES, SKY_BLUE,
    VERMILLION, WIDTH, YELLOW,
};
