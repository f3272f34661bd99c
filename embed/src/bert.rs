//! The BERT encoder of all-MiniLM-L6-v2, forward pass only, for one sequence at a time:
//! embeddings (word + position + token type 0, LayerNorm), then per layer self-attention
//! (Q, K and V in one fused product), its output projection, residual and LayerNorm, a
//! GELU (erf) feed-forward layer, residual and LayerNorm. Dropout is off, as at inference.
//!
//! One sequence at a time means no padding and no attention mask: every token attends to
//! every other, as in the unpadded reference. See the crate docs for why.

use serde_json::Value;

use crate::Error;
use crate::gemm::{Matrix, gemm};
use crate::safetensors::SafeTensors;

/// The fields of `config.json` the forward pass uses.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Width of every hidden state, and of the sentence vector (384).
    pub hidden: usize,
    /// Encoder layers (6).
    pub layers: usize,
    /// Attention heads per layer (12).
    pub heads: usize,
    /// Width of the feed-forward layer (1536).
    pub intermediate: usize,
    /// Positions with an embedding (512): the longest sequence the weights can take.
    pub max_positions: usize,
    /// Rows of the word embedding table (30,522).
    pub vocab: usize,
    /// The LayerNorm epsilon.
    pub eps: f32,
}

impl Config {
    /// Reads `config.json`, refusing a model this forward pass does not implement.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let invalid = |what: String| Error::Invalid(format!("config.json: {what}"));
        let v: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let n = |k: &str| {
            v[k].as_u64()
                .and_then(|x| usize::try_from(x).ok())
                .filter(|&x| x > 0)
                .ok_or_else(|| invalid(format!("no {k}")))
        };
        if v["model_type"] != "bert" || v["hidden_act"] != "gelu" {
            return Err(invalid("not a BERT with GELU".into()));
        }
        if v.get("position_embedding_type")
            .is_some_and(|p| p != "absolute")
        {
            return Err(invalid("position embeddings that are not absolute".into()));
        }
        let c = Self {
            hidden: n("hidden_size")?,
            layers: n("num_hidden_layers")?,
            heads: n("num_attention_heads")?,
            intermediate: n("intermediate_size")?,
            max_positions: n("max_position_embeddings")?,
            vocab: n("vocab_size")?,
            eps: v["layer_norm_eps"].as_f64().unwrap_or(1e-12) as f32,
        };
        if !c.hidden.is_multiple_of(c.heads) {
            return Err(invalid("hidden_size is not a multiple of the heads".into()));
        }
        Ok(c)
    }
}

/// `y = x · wᵀ + b`, with `w` stored out × in as PyTorch does.
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Linear {
    fn load(
        st: &mut SafeTensors,
        name: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Self, Error> {
        Ok(Self {
            weight: st.tensor(&format!("{name}.weight"), &[outputs, inputs])?,
            bias: st.tensor(&format!("{name}.bias"), &[outputs])?,
            inputs,
            outputs,
        })
    }

    /// Q, K and V as one layer: one product instead of three, each row `[q | k | v]`.
    fn fused(parts: [Linear; 3]) -> Self {
        let [q, k, v] = parts;
        Self {
            inputs: q.inputs,
            outputs: q.outputs + k.outputs + v.outputs,
            weight: [q.weight, k.weight, v.weight].concat(),
            bias: [q.bias, k.bias, v.bias].concat(),
        }
    }

    /// `y (tokens × outputs) = x (tokens × inputs) · wᵀ + b`.
    fn forward(&self, x: &[f32], tokens: usize, y: &mut Vec<f32>) {
        y.clear();
        for _ in 0..tokens {
            y.extend_from_slice(&self.bias);
        }
        let x = Matrix::rows(x, tokens, self.inputs, self.inputs);
        let w = Matrix::transposed(&self.weight, self.inputs, self.outputs, self.inputs);
        gemm(x, w, 1.0, y, self.outputs);
    }
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    fn load(st: &mut SafeTensors, name: &str, width: usize, eps: f32) -> Result<Self, Error> {
        Ok(Self {
            gamma: st.tensor(&format!("{name}.weight"), &[width])?,
            beta: st.tensor(&format!("{name}.bias"), &[width])?,
            eps,
        })
    }

    fn forward(&self, x: &mut [f32]) {
        let width = self.gamma.len();
        for row in x.chunks_exact_mut(width) {
            let mean = row.iter().sum::<f32>() / width as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
            let inverse = 1.0 / (var + self.eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gamma).zip(&self.beta) {
                *v = (*v - mean) * inverse * g + b;
            }
        }
    }
}

struct Layer {
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// The encoder's weights.
pub(crate) struct Bert {
    config: Config,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type0: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
}

impl Bert {
    /// Reads every weight from `st`, checking each shape against `config`.
    pub(crate) fn load(config: Config, st: &mut SafeTensors) -> Result<Self, Error> {
        // Exports of a `BertModel` name tensors `embeddings…`; of a task model, `bert.embeddings…`.
        let prefix = if st.contains("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            ""
        };
        let (h, eps) = (config.hidden, config.eps);
        let mut layers = Vec::with_capacity(config.layers);
        for i in 0..config.layers {
            let p = format!("{prefix}encoder.layer.{i}");
            let qkv = ["query", "key", "value"]
                .map(|part| Linear::load(st, &format!("{p}.attention.self.{part}"), h, h));
            let [q, k, v] = qkv;
            layers.push(Layer {
                qkv: Linear::fused([q?, k?, v?]),
                attention_out: Linear::load(st, &format!("{p}.attention.output.dense"), h, h)?,
                attention_norm: LayerNorm::load(
                    st,
                    &format!("{p}.attention.output.LayerNorm"),
                    h,
                    eps,
                )?,
                intermediate: Linear::load(
                    st,
                    &format!("{p}.intermediate.dense"),
                    h,
                    config.intermediate,
                )?,
                output: Linear::load(st, &format!("{p}.output.dense"), config.intermediate, h)?,
                output_norm: LayerNorm::load(st, &format!("{p}.output.LayerNorm"), h, eps)?,
            });
        }
        let e = format!("{prefix}embeddings");
        let types = st.tensor(&format!("{e}.token_type_embeddings.weight"), &[2, h])?;
        Ok(Self {
            word: st.tensor(&format!("{e}.word_embeddings.weight"), &[config.vocab, h])?,
            position: st.tensor(
                &format!("{e}.position_embeddings.weight"),
                &[config.max_positions, h],
            )?,
            // One segment: every token has type 0.
            token_type0: types[..h].to_vec(),
            embedding_norm: LayerNorm::load(st, &format!("{e}.LayerNorm"), h, eps)?,
            layers,
            config,
        })
    }

    /// The model's dimensions.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The last hidden states of one sequence (`ids.len() × hidden`, row after row).
    ///
    /// Panics if an id is not below `config.vocab` or the sequence is empty or longer than
    /// `config.max_positions`: the tokenizer's vocabulary and the truncation keep inputs
    /// within both, which `Model::load` checks once.
    pub(crate) fn forward(&self, ids: &[u32]) -> Vec<f32> {
        let c = &self.config;
        let (h, t) = (c.hidden, ids.len());
        assert!(t > 0 && t <= c.max_positions, "a sequence of {t} tokens");
        let mut x = Vec::with_capacity(t * h);
        for (p, &id) in ids.iter().enumerate() {
            let word = &self.word[id as usize * h..][..h];
            let position = &self.position[p * h..][..h];
            x.extend(
                word.iter()
                    .zip(position)
                    .zip(&self.token_type0)
                    .map(|((w, p), t)| w + p + t),
            );
        }
        self.embedding_norm.forward(&mut x);
        let mut s = Scratch::new(t, h);
        for layer in &self.layers {
            self.layer(layer, &mut x, t, &mut s);
        }
        x
    }

    /// One encoder layer, in place on `x` (`t × hidden`).
    fn layer(&self, l: &Layer, x: &mut Vec<f32>, t: usize, s: &mut Scratch) {
        let (h, heads) = (self.config.hidden, self.config.heads);
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        l.qkv.forward(x, t, &mut s.qkv);
        for head in 0..heads {
            // This head's columns of the fused rows [q | k | v], 3h wide.
            let q = Matrix::rows(&s.qkv[head * d..], t, d, 3 * h);
            let kt = Matrix::transposed(&s.qkv[h + head * d..], d, t, 3 * h);
            let v = Matrix::rows(&s.qkv[2 * h + head * d..], t, d, 3 * h);
            gemm(q, kt, 0.0, &mut s.scores, t);
            for row in s.scores.chunks_exact_mut(t) {
                softmax(row, scale);
            }
            let probabilities = Matrix::rows(&s.scores, t, t, t);
            gemm(probabilities, v, 0.0, &mut s.context[head * d..], h);
        }
        l.attention_out.forward(&s.context, t, &mut s.attended);
        s.attended
            .iter_mut()
            .zip(x.iter())
            .for_each(|(a, x)| *a += x);
        l.attention_norm.forward(&mut s.attended);
        l.intermediate.forward(&s.attended, t, &mut s.inner);
        s.inner.iter_mut().for_each(|v| *v = gelu(*v));
        l.output.forward(&s.inner, t, x);
        x.iter_mut().zip(&s.attended).for_each(|(o, a)| *o += a);
        l.output_norm.forward(x);
    }
}

/// Buffers of one forward pass, reused by every layer.
struct Scratch {
    qkv: Vec<f32>,
    scores: Vec<f32>,
    context: Vec<f32>,
    attended: Vec<f32>,
    inner: Vec<f32>,
}

impl Scratch {
    fn new(t: usize, h: usize) -> Self {
        Self {
            qkv: Vec::new(),
            scores: vec![0.0; t * t],
            context: vec![0.0; t * h],
            attended: Vec::new(),
            inner: Vec::new(),
        }
    }
}

/// `row = softmax(scale · row)`, shifted by the maximum so `exp` cannot overflow.
fn softmax(row: &mut [f32], scale: f32) {
    let mut max = f32::NEG_INFINITY;
    for s in row.iter_mut() {
        *s *= scale;
        max = max.max(*s);
    }
    let mut sum = 0.0;
    for s in row.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    let inverse = 1.0 / sum;
    row.iter_mut().for_each(|s| *s *= inverse);
}

/// BERT's exact GELU, `x · Φ(x)` with the erf, not the tanh approximation.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + libm::erff(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one_and_keeps_the_order() {
        let mut row = [1.0, 3.0, 2.0, 8.0];
        softmax(&mut row, 0.5);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(row[3] > 0.8 && row[1] > row[2] && row[2] > row[0]);
        // Large scores do not overflow: the maximum is taken out first.
        let mut large = [1e4, 1e4];
        softmax(&mut large, 1.0);
        assert_eq!(large, [0.5, 0.5]);
    }

    #[test]
    fn gelu_is_the_erf_form() {
        assert_eq!(gelu(0.0), 0.0);
        // 1 · Φ(1) = 0.841344746…; the tanh approximation gives 0.841192.
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!((gelu(-1.0) + 0.158_655_25).abs() < 1e-6);
    }

    #[test]
    fn config_reads_the_dimensions_and_refuses_other_models() {
        let json = r#"{"model_type":"bert","hidden_act":"gelu","hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"max_position_embeddings":512,"vocab_size":30522,"layer_norm_eps":1e-12,"position_embedding_type":"absolute"}"#;
        let c = Config::from_json(json).unwrap();
        assert_eq!((c.hidden, c.layers, c.heads, c.vocab), (384, 6, 12, 30522));
        let other = json.replace("\"gelu\"", "\"relu\"");
        assert!(Config::from_json(&other).is_err());
        let uneven = json.replace("\"num_attention_heads\":12", "\"num_attention_heads\":5");
        assert!(Config::from_json(&uneven).is_err());
    }
}
