import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('architecture rules that imports cannot show', () => {
  it('reads the environment only in config/env.ts', () => {
    const readers = sourceFiles(SRC)
      .filter((file) => /process\.env\b/.test(readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')))
      .map((file) => path.relative(SRC, file));
    expect(readers).toEqual(['config/env.ts']);
  });

  it('has no tenant-specific branches: no shipped tenant id or number appears in the code', () => {
    const names = ['dubai_real_estate', 'dental_clinic_br', 'food_retail_us', '106540352242922', '107655329033811', '108800451277012'];
    const hits = sourceFiles(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return names.filter((name) => text.includes(name)).map((name) => `${path.relative(SRC, file)}: ${name}`);
    });
    expect(hits).toEqual([]);
  });
});
