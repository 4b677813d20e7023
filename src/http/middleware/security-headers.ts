import type { Context } from 'koa';

/** Headers of every HTML page the service renders: no framing, no sniffing, no referrer leaking a signed URL. */
export function setPageSecurityHeaders(ctx: Context, contentSecurityPolicy: string): void {
  ctx.set({
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}
