/** Replaces `{name}`-style placeholders; a placeholder without a value becomes empty (validation names the allowed ones). */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{([a-z_]+)\}/g, (_, name: string) => values[name] ?? '');
}
