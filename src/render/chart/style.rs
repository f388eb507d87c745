//! The house style of every chart: the bundled font, the chart size and the colours.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

/// The font family every text in a chart uses (registered from the bundled font).
pub const FONT: &str = "sans-serif";
pub(super) static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Chart size in the report and for `--chart` (pixels).
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 480;

// Okabe & Ito (2008), "Color Universal Design".
pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const GREY: RGBColor = RGBColor(120, 120, 120);
pub const GRID: RGBColor = RGBColor(225, 225, 225);
/// Categorical series in order (target groups, …).
pub const SERIES: [RGBColor; 6] = [BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION];

/// Registers the bundled font with plotters (once per process); `render` calls it first.
pub(super) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // the bytes are a valid TTF (a test renders text); a failure would show as FontUnavailable
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

pub fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::render;

    #[test]
    fn text_renders_with_the_bundled_font() {
        let png = render(200, 60, |a| {
            a.draw_text("Hg 99 %", &font(24), (10, 10))?;
            Ok(())
        })
        .unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        r.next_frame(&mut buf).unwrap();
        assert!(buf.iter().any(|b| *b < 128), "the text drew no dark pixel");
    }
}
