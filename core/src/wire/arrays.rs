//! The bulk of a batch's outcomes, read from the arrays beside the JSON: KV values from the
//! batch's UTF-8 text, embedding rows from its floats.

use serde::Deserialize;

use super::Span;

/// A KV read's values: from byte `at` of the batch's text, one after another, each of its
/// length in bytes (`None`: absent).
#[derive(Deserialize)]
pub(super) struct TextsForm {
    at: usize,
    lengths: Vec<Option<usize>>,
}

#[derive(Deserialize)]
pub(super) struct RowsForm {
    rows: usize,
    at: Span,
}

/// The part of `array` a span names.
fn slice<T>(array: &[T], [start, end]: Span) -> Result<&[T], String> {
    array
        .get(start..end)
        .ok_or_else(|| format!("span {start}..{end} is outside the {} items", array.len()))
}

/// The values a KV read names in `text`.
pub(super) fn texts(form: &TextsForm, text: &[u8]) -> Result<Vec<Option<String>>, String> {
    let mut at = form.at;
    form.lengths
        .iter()
        .map(|length| {
            length
                .map(|length| {
                    let end = at.checked_add(length).ok_or("a KV value past the end")?;
                    let bytes = slice(text, [at, end])?;
                    at = end;
                    std::str::from_utf8(bytes)
                        .map(str::to_owned)
                        .map_err(|e| format!("a KV value is not UTF-8: {e}"))
                })
                .transpose()
        })
        .collect()
}

/// The rows a span of `floats` holds, `rows` of equal length.
pub(super) fn float_rows(form: &RowsForm, floats: &[f32]) -> Result<Vec<Vec<f32>>, String> {
    let span = slice(floats, form.at)?;
    if form.rows == 0 {
        return if span.is_empty() {
            Ok(Vec::new())
        } else {
            Err("floats for no rows".into())
        };
    }
    if span.is_empty() {
        return Err(format!("no floats for {} rows", form.rows));
    }
    if span.len() % form.rows != 0 {
        return Err(format!(
            "{} floats do not make {} equal rows",
            span.len(),
            form.rows
        ));
    }
    Ok(span
        .chunks_exact(span.len() / form.rows)
        .map(<[f32]>::to_vec)
        .collect())
}
