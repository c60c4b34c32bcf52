"""Builds the tiny tokenizer.json fixtures of test/fixtures/tokenizers/ from published test vectors.

The vectors (text -> tokens and ids) are those transformers.js checks its tokenizers against, which
its maintainers generated with the Python `transformers`/`tokenizers` libraries:
  huggingface/transformers.js @ 5ed4c5c0d3c57d7aec34d2d65f51624786bc6e2e
  packages/transformers/tests/models/qwen2/test_tokenization_qwen2.js  (Xenova/Qwen1.5-0.5B-Chat)
  packages/transformers/tests/models/llama/test_tokenization_llama.js  (Xenova/llama-tokenizer, Llama 2)
  packages/transformers/tests/models/test_strings.js                   (the texts)

A full tokenizer.json (Qwen: 7 MB, Llama 2: 1.8 MB) is not needed to check moec's tokenizer path:
each fixture keeps the real tokenizer's structure (normalizer, pre-tokenizer, model options,
post-processor, decoder, special tokens, the byte tokens at their real ids) and a vocabulary
restricted to the vectors' tokens at their published ids, with merges that build each token
left to right (intermediate pieces get ids above the real vocabulary, so one appearing in an
encoding would fail the test). test/train/tokenizer.test.ts asserts the published ids exactly.

Run: python3 test/tools/tokenizer-fixtures/make_tiny_tokenizers.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'fixtures', 'tokenizers')

# --- Qwen2 (byte-level BPE, GPT-2 byte alphabet, Split regex + ByteLevel) -------------------------
QWEN_VECTORS = [
    ('SIMPLE', 'How are you doing?', ['How', '\u0120are', '\u0120you', '\u0120doing', '?'], [4340, 525, 498, 3730, 30]),
    ('TEXT_WITH_NUMBERS', 'The company was founded in 2016.',
     ['The', '\u0120company', '\u0120was', '\u0120founded', '\u0120in', '\u0120', '2', '0', '1', '6', '.'],
     [785, 2813, 572, 18047, 304, 220, 17, 15, 16, 21, 13]),
    ('BASIC', 'UNwant\u00e9d,running', ['UN', 'want', '\u00c3\u00a9d', ',', 'running'], [1861, 52657, 15083, 11, 27173]),
    ('HELLO_WORLD_TITLECASE', 'Hello World', ['Hello', '\u0120World'], [9707, 4337]),
    ('CHINESE_ONLY', '\u751f\u6d3b\u7684\u771f\u8c1b\u662f',
     ['\u00e7\u0136\u0141\u00e6\u00b4\u00bb\u00e7\u013c\u0126', '\u00e7\u013e\u0141', '\u00e8\u00b0\u013d', '\u00e6\u013a\u00af'],
     [105301, 88051, 116109, 20412]),
]

# The pre-tokenizer regex of Qwen2's tokenizer.json (Qwen2TokenizerFast / tokenization_qwen2.py PRETOKENIZE_REGEX).
QWEN_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (openai/gpt-2 src/encoder.py), in vocabulary order."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('\u00a1'), ord('\u00ac') + 1)) + list(range(ord('\u00ae'), ord('\u00ff') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [(b, chr(c)) for b, c in zip(bs, cs)]


def chain_merges(tokens, vocab, next_id, split):
    """Merges that build each token left to right from its pieces; intermediates get fresh ids."""
    merges = []
    seen = set()
    for tok in tokens:
        pieces = split(tok)
        if len(pieces) < 2:
            continue
        cur = pieces[0]
        for p in pieces[1:]:
            pair = (cur, p)
            cur = cur + p
            if pair not in seen:
                seen.add(pair)
                merges.append(pair)
            if cur not in vocab:
                vocab[cur] = next_id[0]
                next_id[0] += 1
    return merges


def qwen():
    vocab = {}
    for i, (_, ch) in enumerate(bytes_to_unicode()):
        vocab[ch] = i  # Qwen2's first 256 ids are GPT-2's byte alphabet in this order (e.g. 'Ġ' 220, 'Ċ' 198).
    targets = []
    for _, _, toks, ids in QWEN_VECTORS:
        for t, i in zip(toks, ids):
            if t in vocab and vocab[t] != i:
                raise SystemExit(f'qwen: {t!r} has id {vocab[t]} and {i}')
            vocab[t] = i
            targets.append(t)
    next_id = [151643 + 100]  # above Qwen2's vocabulary and special tokens
    merges = chain_merges(targets, vocab, next_id, lambda t: list(t))
    specials = [('<|endoftext|>', 151643), ('<|im_start|>', 151644), ('<|im_end|>', 151645)]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{'id': i, 'content': c, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for c, i in specials],
        'normalizer': {'type': 'NFC'},
        'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
            {'type': 'Split', 'pattern': {'Regex': QWEN_SPLIT}, 'behavior': 'Isolated', 'invert': False},
            {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False},
        ]},
        'post_processor': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False},
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '', 'end_of_word_suffix': '',
                  'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                  'vocab': dict(sorted(vocab.items(), key=lambda kv: kv[1])), 'merges': [list(m) for m in merges]},
    }, {'bos_token': None, 'eos_token': '<|endoftext|>', 'pad_token': '<|endoftext|>', 'unk_token': None, 'model_max_length': 32768,
        'tokenizer_class': 'Qwen2Tokenizer', 'add_prefix_space': False, 'errors': 'replace',
        'chat_template': "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"}


# --- Llama 2 (SentencePiece BPE: ▁ for spaces, byte fallback, <s> prepended) --------------------
LLAMA_VECTORS = [
    ('SIMPLE', 'How are you doing?', ['\u2581How', '\u2581are', '\u2581you', '\u2581doing', '?'], [1, 1128, 526, 366, 2599, 29973]),
    ('TEXT_WITH_NUMBERS', 'The company was founded in 2016.',
     ['\u2581The', '\u2581company', '\u2581was', '\u2581founded', '\u2581in', '\u2581', '2', '0', '1', '6', '.'],
     [1, 450, 5001, 471, 11091, 297, 29871, 29906, 29900, 29896, 29953, 29889]),
    ('BASIC', 'UNwant\u00e9d,running', ['\u2581UN', 'w', 'ant', '\u00e9d', ',', 'running'], [1, 8291, 29893, 424, 2487, 29892, 21094]),
    ('HELLO_WORLD_TITLECASE', 'Hello World', ['\u2581Hello', '\u2581World'], [1, 15043, 2787]),
    ('CHINESE_ONLY', '\u751f\u6d3b\u7684\u771f\u8c1b\u662f',
     ['\u2581', '\u751f', '\u6d3b', '\u7684', '\u771f', '<0xE8>', '<0xB0>', '<0x9B>', '\u662f'],
     [1, 29871, 30486, 31704, 30210, 30848, 235, 179, 158, 30392]),
]


def llama():
    vocab = {'<unk>': 0, '<s>': 1, '</s>': 2}
    for b in range(256):
        vocab[f'<0x{b:02X}>'] = 3 + b  # Llama 2's byte-fallback tokens sit at ids 3..258
    targets = []
    for _, _, toks, ids in LLAMA_VECTORS:
        for t, i in zip(toks, ids[1:]):
            if t in vocab and vocab[t] != i:
                raise SystemExit(f'llama: {t!r} has id {vocab[t]} and {i}')
            vocab[t] = i
            targets.append(t)
    next_id = [32000 + 100]
    for t in list(targets):
        for ch in t:
            if ch not in vocab and not t.startswith('<0x'):
                vocab[ch] = next_id[0]
                next_id[0] += 1
    merges = chain_merges([t for t in targets if not t.startswith('<0x')], vocab, next_id, lambda t: list(t))
    specials = [('<unk>', 0), ('<s>', 1), ('</s>', 2)]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{'id': i, 'content': c, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False, 'special': True} for c, i in specials],
        'normalizer': {'type': 'Sequence', 'normalizers': [{'type': 'Prepend', 'prepend': '\u2581'}, {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '\u2581'}]},
        'pre_tokenizer': None,
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                    {'SpecialToken': {'id': '<s>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                           'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}}},
        'decoder': {'type': 'Sequence', 'decoders': [{'type': 'Replace', 'pattern': {'String': '\u2581'}, 'content': ' '},
                                                     {'type': 'ByteFallback'}, {'type': 'Fuse'}, {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0}]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None, 'end_of_word_suffix': None,
                  'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
                  'vocab': dict(sorted(vocab.items(), key=lambda kv: kv[1])), 'merges': [list(m) for m in merges]},
    }, {'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>', 'pad_token': None, 'add_bos_token': True, 'add_eos_token': False,
        'legacy': True, 'model_max_length': 4096, 'tokenizer_class': 'LlamaTokenizer',
        'chat_template': "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"}


def write(name, tokenizer, config, vectors, source, add_special):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write('\n')
    with open(os.path.join(d, 'tokenizer_config.json'), 'w', encoding='utf-8') as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
        f.write('\n')
    with open(os.path.join(d, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump({'source': source, 'add_special_tokens': add_special,
                   'vectors': [{'name': n, 'text': t, 'tokens': toks, 'ids': ids} for n, t, toks, ids in vectors]}, f, ensure_ascii=False, indent=1)
        f.write('\n')


SRC = 'huggingface/transformers.js@5ed4c5c0d3c57d7aec34d2d65f51624786bc6e2e packages/transformers/tests/models/{}/test_tokenization_{}.js ({})'
write('qwen2-tiny', *qwen(), QWEN_VECTORS, SRC.format('qwen2', 'qwen2', 'Xenova/Qwen1.5-0.5B-Chat'), False)
write('llama2-tiny', *llama(), LLAMA_VECTORS, SRC.format('llama', 'llama', 'Xenova/llama-tokenizer'), True)
