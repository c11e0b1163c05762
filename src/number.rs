//! Numbers as fiscalsim writes them, in CSV cells and in messages. The lowest layer: it
//! uses nothing of the crate, so scenarios (whose messages quote numbers) and outputs
//! share it.

/// A number as written in every CSV: shortest round-trip decimal; `NaN`, `inf`, `-inf`.
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        v.to_string()
    }
}
