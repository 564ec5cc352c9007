//! The report as pretty-printed JSON: the model's own serialisation,
//! schema `hirundo.report/1`.

use crate::model::Report;

/// Pretty JSON with a final newline. Non-finite numbers, which JSON cannot
/// hold, come out as `null`.
pub fn render_json(r: &Report) -> String {
    match serde_json::to_string_pretty(r) {
        Ok(mut json) => {
            json.push('\n');
            json
        }
        // Serialising fails only for maps with non-string keys or a
        // failing writer, neither of which a Report has.
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}
