//! From a drawing to PNG bytes and files: the canvas every chart draws on, the reproducible
//! encoding, and writing the file.

use std::path::Path;

use anyhow::Context as _;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::Canvas;
use super::style::{register_font, HEIGHT, WIDTH};

/// The drawing surface every chart function draws on.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

/// Draws with `draw` on a white `width`×`height` canvas and returns the PNG.
pub fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    register_font();
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root =
            Canvas::new(BitMapBackend::with_buffer(&mut rgb, (width, height))).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present().context("drawing the chart")?;
    }
    encode_png(&rgb, width, height)
}

/// RGB8 pixels → PNG bytes, with fixed settings and no ancillary chunks (reproducible).
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut w = enc.write_header().context("encoding PNG")?;
        w.write_image_data(rgb).context("encoding PNG")?;
        w.finish().context("encoding PNG")?;
    }
    Ok(out)
}

/// Writes a PNG, naming the file on error.
pub fn write_png(path: &Path, png: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("writing {}: creating {}", path.display(), dir.display()))?;
    }
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
}

/// A figure of `panels` charts stacked vertically, for an analysis' `--chart`.
pub fn figure(
    panels: usize,
    draw: impl FnOnce(&[Area<'_>]) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<u8>> {
    render(WIDTH, HEIGHT * panels as u32, |root| {
        let areas = root.split_evenly((panels, 1));
        draw(&areas)
    })
}
