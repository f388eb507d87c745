//! The envelope every frame-based analysis prints: its report, the window, the input
//! accounting and how much non-user traffic was left out.

use super::slo::input_notes;
use super::{Document, Report};

/// The envelope: the engine's run of an analysis.
pub use crate::engine::Ran as Analysis;

impl<T: Report> Report for Analysis<T> {
    fn document(&self) -> Document {
        let mut doc = self.report.document();
        doc.summary.insert(
            0,
            (
                "Window".into(),
                format!(
                    "{} → {}",
                    self.window.start.as_deref().unwrap_or("-"),
                    self.window.end.as_deref().unwrap_or("-")
                ),
            ),
        );
        if self.excluded > 0 {
            doc.notes.push(format!(
                "excluded: {} requests of non-user traffic (config [exclude]) are left out.",
                self.excluded
            ));
        }
        doc.notes.extend(input_notes(&self.input));
        doc
    }
}
