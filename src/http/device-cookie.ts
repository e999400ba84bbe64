import type { Context } from 'koa';

const COOKIE = 'hr_device';

export interface DeviceCookie {
  read(ctx: Pick<Context, 'cookies'>): string | undefined;
  /** Stores the renewed cookie after a successful sign-in (null: nothing to store). */
  write(ctx: Pick<Context, 'cookies'>, value: string | null): void;
}

/**
 * The browser's device cookie (see src/accounts/device-trust.ts). Unlike the sign-in cookies it outlives the browser
 * session: it signs nobody in, it only tells the sign-in and recovery limits that this browser has signed in to an
 * account before. `trustedDeviceTtl` 0 turns it off (nothing read, nothing written).
 */
export function deviceCookie(config: { secureCookies: boolean; login: { trustedDeviceTtl: number } }): DeviceCookie {
  return {
    read(ctx) {
      return config.login.trustedDeviceTtl > 0 ? ctx.cookies.get(COOKIE) || undefined : undefined;
    },
    write(ctx, value) {
      if (!value || config.login.trustedDeviceTtl <= 0) return;
      ctx.cookies.set(COOKIE, value, {
        httpOnly: true,
        sameSite: 'lax',
        secure: config.secureCookies,
        signed: false,
        path: '/',
        maxAge: config.login.trustedDeviceTtl * 1000,
        overwrite: true,
      });
    },
  };
}
