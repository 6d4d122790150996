// Writes a tiny GGUF model that llama.cpp really loads and runs: the Qwen2 architecture (what the default
// model, Qwen2.5 Instruct, uses), one layer, random weights, a byte-level BPE vocabulary of a few hundred
// tokens with ChatML's special tokens, and Qwen2.5's chat template in its metadata. Its replies are noise,
// but every line of the loading, templating, sampling, grammar and function-calling code runs for real.
//
// GGUF v3, as llama.cpp's gguf-py writes it: header, key/value metadata, tensor descriptions, then the
// tensor data, each piece aligned to 32 bytes. Tensor dimensions are listed innermost first (ne0 is the
// row length), and rows are stored one after another, so `token_embd.weight` [n_embd, n_vocab] is one
// row of n_embd floats per token.
import { writeFileSync } from 'node:fs';

const ALIGNMENT = 32;

enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

enum TokenType {
  NORMAL = 1,
  CONTROL = 3,
  USER_DEFINED = 4,
}

type MetadataValue =
  | { type: ValueType.UINT32 | ValueType.INT32 | ValueType.FLOAT32; value: number }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.ARRAY; itemType: ValueType.STRING; value: string[] }
  | { type: ValueType.ARRAY; itemType: ValueType.INT32 | ValueType.FLOAT32; value: number[] };

interface Tensor {
  name: string;
  /** Innermost first, as GGUF lists them. */
  dims: number[];
  data: Float32Array;
}

/** Qwen2.5 Instruct's chat template (tokenizer_config.json), so that node-llama-cpp picks the same chat wrapper as for the real model. */
export const QWEN25_CHAT_TEMPLATE = [
  '{%- if tools %}',
  "    {{- '<|im_start|>system\\n' }}",
  "    {%- if messages[0]['role'] == 'system' %}",
  "        {{- messages[0]['content'] }}",
  '    {%- else %}',
  "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}",
  '    {%- endif %}',
  '    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}',
  '    {%- for tool in tools %}',
  '        {{- "\\n" }}',
  '        {{- tool | tojson }}',
  '    {%- endfor %}',
  '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}',
  '{%- else %}',
  "    {%- if messages[0]['role'] == 'system' %}",
  "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}",
  '    {%- else %}',
  "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}",
  '    {%- endif %}',
  '{%- endif %}',
  '{%- for message in messages %}',
  '    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}',
  "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}",
  '    {%- elif message.role == "assistant" %}',
  "        {{- '<|im_start|>' + message.role }}",
  '        {%- if message.content %}',
  "            {{- '\\n' + message.content }}",
  '        {%- endif %}',
  '        {%- for tool_call in message.tool_calls %}',
  '            {%- if tool_call.function is defined %}',
  '                {%- set tool_call = tool_call.function %}',
  '            {%- endif %}',
  "            {{- '\\n<tool_call>\\n{\"name\": \"' }}",
  '            {{- tool_call.name }}',
  "            {{- '\", \"arguments\": ' }}",
  '            {{- tool_call.arguments | tojson }}',
  "            {{- '}\\n</tool_call>' }}",
  '        {%- endfor %}',
  "        {{- '<|im_end|>\\n' }}",
  '    {%- elif message.role == "tool" %}',
  '        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}',
  "            {{- '<|im_start|>user' }}",
  '        {%- endif %}',
  "        {{- '\\n<tool_response>\\n' }}",
  '        {{- message.content }}',
  "        {{- '\\n</tool_response>' }}",
  '        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}',
  "            {{- '<|im_end|>\\n' }}",
  '        {%- endif %}',
  '    {%- endif %}',
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "    {{- '<|im_start|>assistant\\n' }}",
  '{%- endif %}',
  '',
].join('\n');

/** Words that get their own BPE tokens (built by merges), so the tokenizer does real merging. */
const WORDS = [' the', ' you', ' and', ' hello', ' name', 'name', ' arguments', ' tool', ' call', ' user', ' assistant', 'assistant', 'user', 'system', ' is', ' a', ' to'];

export interface TinyGgufOptions {
  /** Seed of the random weights (default 1): the same seed writes the same bytes. */
  seed?: number;
  /** Width of the residual stream (default 64); two attention heads. */
  embeddingLength?: number;
  /** Context the model declares it was trained on (default 8192: its byte-level tokens make prompts long). */
  contextLength?: number;
  /**
   * Bias the output layer so that, after the newline that opens an assistant turn, the model writes
   * `<tool_call>\n{"name": "` — the start of Qwen's function-call syntax — and so that it closes JSON
   * strings soon (a quote is its favourite token wherever the grammar allows one). The weights stay
   * random otherwise; node-llama-cpp's grammar then constrains the function name and its arguments.
   */
  startsWithToolCall?: boolean;
}

/** Writes the model to `file` and returns its vocabulary size. */
export function writeTinyGguf(file: string, options: TinyGgufOptions = {}): { vocabularySize: number } {
  const random = gaussian(mulberry32(options.seed ?? 1));
  const nEmbd = options.embeddingLength ?? 64;
  const nHead = 2;
  const nFf = nEmbd * 2;
  const vocabulary = buildVocabulary(options.startsWithToolCall ?? false);
  const nVocab = vocabulary.tokens.length;
  const id = (token: string) => {
    const index = vocabulary.tokens.indexOf(token);
    if (index < 0) throw new Error(`tiny-gguf: no token ${JSON.stringify(token)}`);
    return index;
  };

  const matrix = (rows: number, columns: number, scale: number) => {
    const data = new Float32Array(rows * columns);
    for (let i = 0; i < data.length; i++) data[i] = random() * scale;
    return data;
  };
  const ones = (length: number) => new Float32Array(length).fill(1);

  // Embeddings of unit scale and small layer weights (0.02, the usual initialisation): the residual
  // stream stays close to the current token's embedding, which is what lets `startsWithToolCall` steer it.
  const tokenEmbedding = matrix(nVocab, nEmbd, 1);
  const output = matrix(nVocab, nEmbd, 0.02);
  if (options.startsWithToolCall) {
    // Every embedding shares one direction; the quote's output row points along it.
    const shared = matrix(1, nEmbd, 1);
    const sharedNorm = Math.hypot(...shared);
    for (let token = 0; token < nVocab; token++) for (let i = 0; i < nEmbd; i++) tokenEmbedding[token * nEmbd + i]! += shared[i]!;
    const quote = id(byteLevel('"'));
    for (let i = 0; i < nEmbd; i++) output[quote * nEmbd + i] = (1.5 * shared[i]!) / sharedNorm;
    // logit(next) = output[next] · rmsnorm(embedding(current)): aligning a row with a token's embedding
    // makes that row's token the overwhelming favourite right after it.
    const follow = (current: number, next: number) => {
      const embedding = tokenEmbedding.subarray(current * nEmbd, (current + 1) * nEmbd);
      const norm = Math.hypot(...embedding);
      for (let i = 0; i < nEmbd; i++) output[next * nEmbd + i] = (4 * embedding[i]!) / norm;
    };
    follow(id(byteLevel('\n')), id('<tool_call>'));
    follow(id('<tool_call>'), id(byteLevel('\n{"name": "')));
  }

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], data: tokenEmbedding },
    { name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], data: output },
    { name: 'blk.0.attn_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'blk.0.attn_q.weight', dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, 0.02) },
    { name: 'blk.0.attn_q.bias', dims: [nEmbd], data: matrix(1, nEmbd, 0.02) },
    { name: 'blk.0.attn_k.weight', dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, 0.02) },
    { name: 'blk.0.attn_k.bias', dims: [nEmbd], data: matrix(1, nEmbd, 0.02) },
    { name: 'blk.0.attn_v.weight', dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, 0.02) },
    { name: 'blk.0.attn_v.bias', dims: [nEmbd], data: matrix(1, nEmbd, 0.02) },
    { name: 'blk.0.attn_output.weight', dims: [nEmbd, nEmbd], data: matrix(nEmbd, nEmbd, 0.02) },
    { name: 'blk.0.ffn_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'blk.0.ffn_gate.weight', dims: [nEmbd, nFf], data: matrix(nFf, nEmbd, 0.02) },
    { name: 'blk.0.ffn_up.weight', dims: [nEmbd, nFf], data: matrix(nFf, nEmbd, 0.02) },
    { name: 'blk.0.ffn_down.weight', dims: [nFf, nEmbd], data: matrix(nEmbd, nFf, 0.02) },
  ];

  const metadata: Array<[string, MetadataValue]> = [
    ['general.architecture', { type: ValueType.STRING, value: 'qwen2' }],
    ['general.name', { type: ValueType.STRING, value: 'Switchboard tiny test model' }],
    ['general.file_type', { type: ValueType.UINT32, value: 0 }], // all F32
    ['qwen2.context_length', { type: ValueType.UINT32, value: options.contextLength ?? 8192 }],
    ['qwen2.embedding_length', { type: ValueType.UINT32, value: nEmbd }],
    ['qwen2.block_count', { type: ValueType.UINT32, value: 1 }],
    ['qwen2.feed_forward_length', { type: ValueType.UINT32, value: nFf }],
    ['qwen2.attention.head_count', { type: ValueType.UINT32, value: nHead }],
    ['qwen2.attention.head_count_kv', { type: ValueType.UINT32, value: nHead }],
    ['qwen2.rope.freq_base', { type: ValueType.FLOAT32, value: 10_000 }],
    ['qwen2.attention.layer_norm_rms_epsilon', { type: ValueType.FLOAT32, value: 1e-6 }],
    ['tokenizer.ggml.model', { type: ValueType.STRING, value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: ValueType.STRING, value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: ValueType.ARRAY, itemType: ValueType.STRING, value: vocabulary.tokens }],
    ['tokenizer.ggml.token_type', { type: ValueType.ARRAY, itemType: ValueType.INT32, value: vocabulary.types }],
    ['tokenizer.ggml.merges', { type: ValueType.ARRAY, itemType: ValueType.STRING, value: vocabulary.merges }],
    ['tokenizer.ggml.bos_token_id', { type: ValueType.UINT32, value: id('<|endoftext|>') }],
    ['tokenizer.ggml.eos_token_id', { type: ValueType.UINT32, value: id('<|im_end|>') }],
    ['tokenizer.ggml.padding_token_id', { type: ValueType.UINT32, value: id('<|endoftext|>') }],
    ['tokenizer.ggml.add_bos_token', { type: ValueType.BOOL, value: false }],
    ['tokenizer.chat_template', { type: ValueType.STRING, value: QWEN25_CHAT_TEMPLATE }],
  ];

  writeFileSync(file, encodeGguf(metadata, tensors));
  return { vocabularySize: nVocab };
}

function buildVocabulary(withToolCallPrefix: boolean): { tokens: string[]; types: number[]; merges: string[] } {
  const tokens: string[] = [];
  const types: number[] = [];
  const merges: string[] = [];
  const known = new Set<string>();
  const add = (token: string, type: TokenType) => {
    if (known.has(token)) return;
    known.add(token);
    tokens.push(token);
    types.push(type);
  };
  for (let byte = 0; byte < 256; byte++) add(BYTE_TO_UNICODE[byte]!, TokenType.NORMAL);
  // Each word is built left to right by merges, so BPE meets every intermediate piece it needs.
  const words = withToolCallPrefix ? [...WORDS, '\n{"name": "'] : WORDS;
  for (const word of words) {
    const pieces = [...byteLevel(word)];
    let current = pieces[0]!;
    for (const next of pieces.slice(1)) {
      const merged = current + next;
      if (!known.has(merged)) {
        merges.push(`${current} ${next}`);
        add(merged, TokenType.NORMAL);
      }
      current = merged;
    }
  }
  for (const special of ['<|endoftext|>', '<|im_start|>', '<|im_end|>']) add(special, TokenType.CONTROL);
  for (const userDefined of ['<tool_call>', '</tool_call>']) add(userDefined, TokenType.USER_DEFINED);
  return { tokens, types, merges };
}

/** GPT-2's byte-to-character table: every byte becomes a printable character, so tokens are plain strings. */
const BYTE_TO_UNICODE: string[] = (() => {
  const printable = new Set<number>();
  for (let b = 0x21; b <= 0x7e; b++) printable.add(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.add(b);
  for (let b = 0xae; b <= 0xff; b++) printable.add(b);
  const table: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable.has(b) ? b : 256 + extra++);
  return table;
})();

function byteLevel(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => BYTE_TO_UNICODE[byte]!).join('');
}

function encodeGguf(metadata: Array<[string, MetadataValue]>, tensors: Tensor[]): Buffer {
  const parts: Buffer[] = [];
  const u32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    parts.push(buffer);
  };
  const i32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    parts.push(buffer);
  };
  const u64 = (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    parts.push(buffer);
  };
  const f32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    parts.push(buffer);
  };
  const string = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    u64(bytes.length);
    parts.push(bytes);
  };

  parts.push(Buffer.from('GGUF', 'ascii'));
  u32(3); // version
  u64(tensors.length);
  u64(metadata.length);
  for (const [key, entry] of metadata) {
    string(key);
    u32(entry.type);
    switch (entry.type) {
      case ValueType.UINT32:
        u32(entry.value);
        break;
      case ValueType.INT32:
        i32(entry.value);
        break;
      case ValueType.FLOAT32:
        f32(entry.value);
        break;
      case ValueType.BOOL:
        parts.push(Buffer.from([entry.value ? 1 : 0]));
        break;
      case ValueType.STRING:
        string(entry.value);
        break;
      case ValueType.ARRAY:
        u32(entry.itemType);
        u64(entry.value.length);
        for (const item of entry.value) {
          if (entry.itemType === ValueType.STRING) string(item as string);
          else if (entry.itemType === ValueType.INT32) i32(item as number);
          else f32(item as number);
        }
        break;
    }
  }
  let offset = 0;
  for (const tensor of tensors) {
    string(tensor.name);
    u32(tensor.dims.length);
    for (const dim of tensor.dims) u64(dim);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    offset = alignUp(offset + tensor.data.byteLength);
  }
  const header = Buffer.concat(parts);
  const dataStart = alignUp(header.length);
  const file = Buffer.alloc(dataStart + offset);
  header.copy(file, 0);
  let position = dataStart;
  for (const tensor of tensors) {
    Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength).copy(file, position);
    position = alignUp(position + tensor.data.byteLength);
  }
  return file;
}

function alignUp(value: number): number {
  return Math.ceil(value / ALIGNMENT) * ALIGNMENT;
}

/** A small seeded PRNG (mulberry32): tests get the same model every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform source. */
function gaussian(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
