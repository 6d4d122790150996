/** A GGUF file `switchboard model pull` can fetch: where from, and what it must be once downloaded. */
export interface PinnedModel {
  /** File name under MODELS_DIR. */
  file: string;
  /** Pinned to a Hugging Face commit, so the bytes behind the URL cannot change under the hash. */
  url: string;
  sizeBytes: number;
  sha256: string;
  /** Shown in logs and the README. */
  label: string;
}

/**
 * The default local model: Qwen2.5 1.5B Instruct, Q4_K_M (Apache-2.0). Small enough for a laptop CPU
 * (about 1.1 GB on disk, 1.5 GB of memory with two 4k-token sequences), multilingual (the shipped
 * tenants speak English and Portuguese) and trained for tool calls in the `<tool_call>` format that
 * node-llama-cpp's Qwen chat wrapper speaks. See the README for the choice and the figures.
 */
export const DEFAULT_MODEL: PinnedModel = {
  file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
  url: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/91cad51170dc346986eccefdc2dd33a9da36ead9/qwen2.5-1.5b-instruct-q4_k_m.gguf',
  sizeBytes: 1_117_320_736,
  sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
  label: 'Qwen2.5 1.5B Instruct Q4_K_M',
};
