import pino, { type Logger } from 'pino';

/** JSON logs; these paths never reach the output even if someone logs a whole request or body by mistake. */
const REDACT = [
  'password',
  '*.password',
  'confirm',
  '*.confirm',
  'answers',
  '*.answers',
  'client_secret',
  '*.client_secret',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'headers.authorization',
  'res.headers["set-cookie"]',
  'code',
  'refresh_token',
  'access_token',
  'id_token',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'homeroom' } });
}

export type { Logger };
