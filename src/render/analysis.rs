//! The envelope every frame-based analysis prints: its report, the window, the input
//! accounting and how much non-user traffic was left out.

use serde::Serialize;

use super::slo::input_notes;
use super::{Document, Report};
use crate::engine::InputStats;
use crate::metrics::slo::WindowInfo;

#[derive(Debug, Clone, Serialize)]
pub struct Analysis<T> {
    #[serde(flatten)]
    pub report: T,
    pub window: WindowInfo,
    /// Requests left out as non-user traffic (config [exclude]).
    pub excluded: u64,
    pub input: InputStats,
}

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
