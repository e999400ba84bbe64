import type { I18n, Locale } from '../i18n/i18n.js';

/** Questions Homeroom ships, translated in the catalogs under `questions.<id>`. */
export const BUILT_IN_QUESTIONS = [
  'firstPet',
  'favoriteTeacher',
  'birthCity',
  'favoriteFood',
  'bestFriend',
  'favoriteBook',
  'childhoodStreet',
  'favoriteSport',
  'firstSchool',
  'dreamJob',
] as const;

export type QuestionConfig = string | { id: string; text: Record<string, string> };

export interface Question {
  id: string;
  text: string;
}

/** The district's pool, in the reader's language: built-in ids are translated, custom ones carry their own text. */
export function questionPool(pool: QuestionConfig[], locale: Locale, i18n: I18n): Question[] {
  return pool.map((entry) => (typeof entry === 'string' ? { id: entry, text: i18n.t(locale, `questions.${entry}`) } : { id: entry.id, text: i18n.pick(entry.text, locale) }));
}

export function questionIds(pool: QuestionConfig[]): string[] {
  return pool.map((entry) => (typeof entry === 'string' ? entry : entry.id));
}

/** How many questions a person answers (the letter: exactly three). */
export const QUESTIONS_PER_ACCOUNT = 3;
