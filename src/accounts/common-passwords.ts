import type { CommonPasswords } from './password-policy.js';

let loaded: Promise<ReadonlySet<string>> | null = null;

/**
 * The ~49,000 most common breached passwords that @zxcvbn-ts/language-common ships (the largest maintained list on
 * npm), lower-cased; loaded on first use and kept.
 */
export const commonPasswords: CommonPasswords = () => {
  loaded ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => {
    const list = (dictionary as Record<string, string[]>)['passwords-common'];
    return new Set(list.map((p) => p.toLowerCase()));
  });
  return loaded;
};
