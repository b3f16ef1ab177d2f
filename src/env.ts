/** Configuration (DESIGN.md §9): read and validated here, and nowhere else. */
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PGLITE_DIR: z.string().min(1).default('./data'),
  // Optional: connections to PostgreSQL (default: twice the cores, see src/db/client.ts).
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // The bootstrap admin's one token (DESIGN.md §10): a short one is refused, the server does not start.
  ADMIN_TOKEN: z
    .string()
    .min(16, { message: 'ADMIN_TOKEN 至少须 16 个字符（例如用 `openssl rand -base64 24` 生成）/ ADMIN_TOKEN must be at least 16 characters (e.g. `openssl rand -base64 24`); the server did not start' })
    .optional(),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  // Notifications (DESIGN.md §12): the dispatcher's pass, the first retry's wait, the SMS gateway.
  // A deadline this many days ahead is at warning level (DESIGN.md §11), and told once (§12).
  DEADLINE_WARNING_DAYS: z.coerce.number().int().min(0).max(365).default(5),
  NOTIFY_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5000),
  SMS_GATEWAY_URL: z
    .string()
    .url()
    .refine((u) => /^https?:/i.test(u), { message: '须为 http 或 https 网址 / must be an http or https URL' })
    .optional(),
  SMS_GATEWAY_SECRET: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // Idempotency-Key records are purged this many hours after they were written.
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(24),
  // The address citizens reach this server at: the station cards' QR codes point to PUBLIC_URL/s/<code>.
  PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), { message: '须为 http 或 https 网址 / must be an http(s) URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  // Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (the one
  // the proxy added), so the public pages' per-address limits count people, not the proxy.
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false),
});

export type Env = z.infer<typeof schema>;

export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`配置有误 / invalid configuration:\n${lines.join('\n')}`);
  }
  // Unset: where this server listens on this machine (right for a demo; set it before printing cards).
  return { ...parsed.data, PUBLIC_URL: parsed.data.PUBLIC_URL ?? `http://localhost:${parsed.data.PORT}` };
}
