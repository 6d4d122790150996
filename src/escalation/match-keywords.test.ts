import { describe, it, expect } from 'vitest';
import { compileKeywords } from './match-keywords.js';

describe('compileKeywords', () => {
  it('matches case- and accent-insensitively, both ways', () => {
    expect(compileKeywords(['emergência']).match('é uma EMERGENCIA')).toBe('emergência');
    expect(compileKeywords(['emergencia']).match('Emergência!')).toBe('emergencia');
  });

  it('matches whole words only', () => {
    expect(compileKeywords(['agent']).match('call the agency')).toBeNull();
    expect(compileKeywords(['agent']).match('an agent, please')).toBe('agent');
    expect(compileKeywords(['dor']).match('adorei o atendimento')).toBeNull();
    expect(compileKeywords(['dor']).match('Estou com dor!')).toBe('dor');
    expect(compileKeywords(['dor']).match('dor')).toBe('dor');
    expect(compileKeywords(['24h']).match('open 24h?')).toBe('24h');
    expect(compileKeywords(['24h']).match('open 124h')).toBeNull();
  });

  it('matches phrases across any run of whitespace', () => {
    const matcher = compileKeywords(['ready  to buy', 'call me']);
    expect(matcher.match("I'm READY  to\nbuy")).toBe('ready  to buy');
    expect(matcher.match('please call me.')).toBe('call me');
    expect(matcher.match('recall medical records')).toBeNull();
    expect(matcher.match('call meeting')).toBeNull();
  });

  it('matches Arabic keywords', () => {
    const matcher = compileKeywords(['عاجل']);
    expect(matcher.match('هذا عاجل جدا')).toBe('عاجل');
    expect(matcher.match('هذا عَاجِل')).toBe('عاجل');
    expect(matcher.match('العاجلة')).toBeNull();
  });

  it('returns the keyword found first in the text, the longest at one position', () => {
    const matcher = compileKeywords(['human', 'call', 'call me']);
    expect(matcher.match('call me or get a human')).toBe('call me');
    expect(matcher.match('a human, call me')).toBe('human');
  });

  it('treats regex characters in keywords literally', () => {
    const matcher = compileKeywords(['c++', '(urgent)', 'a.b', 'x-ray']);
    expect(matcher.match('I know c++ well')).toBe('c++');
    expect(matcher.match('this is (URGENT) now')).toBe('(urgent)');
    expect(matcher.match('axb')).toBeNull();
    expect(matcher.match('need an X-Ray')).toBe('x-ray');
  });

  it('never matches with no usable keywords', () => {
    expect(compileKeywords([]).match('anything at all')).toBeNull();
    expect(compileKeywords(['', '   ']).match('anything at all')).toBeNull();
  });
});
