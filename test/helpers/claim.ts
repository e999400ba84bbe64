import type { Page, WebClient } from './web-client.js';

/** Three answers a family gives when claiming; recovery later accepts them in any case and spacing. */
export const CLAIM_ANSWERS = {
  question1: 'firstPet',
  answer1: 'Fluffy',
  question2: 'favoriteFood',
  answer2: 'Poutine',
  question3: 'birthCity',
  answer3: 'Montréal',
};

export interface Student {
  familyName: string;
  givenName: string;
  studentId: string;
}

/** Claim my Account, first step: the flow is created and the student identified. */
export async function startClaim(browser: WebClient, base: string, student: Student): Promise<Page> {
  await browser.get(`${base}/claim`);
  return browser.submit('/identify', { ...student });
}

/** The claim's last steps: a password typed twice, then the three questions. Returns the page that ends it. */
export async function finishClaim(browser: WebClient, password: string): Promise<Page> {
  await browser.submit('/password', { password, confirm: password });
  return browser.submit('/questions', CLAIM_ANSWERS);
}
