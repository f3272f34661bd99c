//! From the model's last hidden states to one vector per text, as the sentence-transformers
//! pipeline of all-MiniLM-L6-v2 does (`modules.json`: Transformer, Pooling, Normalize):
//! the mean over the tokens, then unit length.
//!
//! "Over real tokens": sentence-transformers averages the positions its attention mask marks,
//! which are all of a text's own tokens, `[CLS]` and `[SEP]` included, and none of the
//! padding. This crate never pads (a sequence runs alone), so every row is real and the
//! mean is over all of them.

/// The mean of the `rows` rows of `hidden` (`rows × width`, row after row).
pub(crate) fn mean_rows(hidden: &[f32], width: usize) -> Vec<f32> {
    let mut mean = vec![0f32; width];
    let rows = hidden.len() / width;
    for row in hidden.chunks_exact(width) {
        mean.iter_mut().zip(row).for_each(|(m, r)| *m += r);
    }
    if rows > 0 {
        let inverse = 1.0 / rows as f32;
        mean.iter_mut().for_each(|m| *m *= inverse);
    }
    mean
}

/// Scales `v` to unit length, so that a dot product is the cosine (what the index compares).
/// A zero vector stays zero: the divisor is at least 1e-12, as in `torch.nn.functional.normalize`.
pub(crate) fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_then_unit_length() {
        let mut v = mean_rows(&[1.0, 2.0, 3.0, 6.0], 2);
        assert_eq!(v, [2.0, 4.0]);
        normalise(&mut v);
        let expected = [1.0 / 5f32.sqrt(), 2.0 / 5f32.sqrt()];
        assert!(v.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-7));
        let mut zero = [0.0, 0.0];
        normalise(&mut zero);
        assert_eq!(zero, [0.0, 0.0]);
    }
}
