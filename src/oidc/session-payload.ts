/**
 * The apps a stored provider session (an oidc_payloads row of kind Session) signed in to, with the session id each
 * one knows the sign-in by: what a back-channel logout notice names.
 */
export function sessionSignIns(payload: string): { clientId: string; sid: string }[] {
  let authorizations: Record<string, { sid?: unknown }> | undefined;
  try {
    authorizations = (JSON.parse(payload) as { authorizations?: Record<string, { sid?: unknown }> }).authorizations;
  } catch {
    return []; // not a session we can read: nothing to tell anyone
  }
  const out: { clientId: string; sid: string }[] = [];
  for (const [clientId, entry] of Object.entries(authorizations ?? {})) if (typeof entry?.sid === 'string' && entry.sid) out.push({ clientId, sid: entry.sid });
  return out;
}
