import { displayName, type Account } from '../accounts/account.js';

export interface SignedOutPage {
  /** Set when this browser is in truth still signed in to Homeroom: the page then says so, and offers to end it. */
  stillSignedIn: { name: string; username: string } | null;
}

/**
 * What a page that ends a sign-out may say. Only a browser with no Homeroom session left hears "you are signed out,
 * you can hand this device over"; one that chose to sign out of a single app is told it is still signed in, as whom,
 * and is offered the safe choice first.
 */
export async function signedOutPage(accountId: string | null, findAccount: (id: string) => Promise<Account | null>): Promise<SignedOutPage> {
  const account = accountId ? await findAccount(accountId) : null;
  return { stillSignedIn: account ? { name: displayName(account), username: account.username } : null };
}
