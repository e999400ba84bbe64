/** Ends everything an account is signed in to: provider sessions, tokens, and apps told by back-channel logout. */
export interface SessionRevoker {
  revokeAll(accountId: string): Promise<void>;
}
