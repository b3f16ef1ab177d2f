/** Configuration (DESIGN.md §9): read and validated here, and nowhere else. */
import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PGLITE_DIR: z.string().min(1).default('./data'),
  // Optional: connections to PostgreSQL (default: twice the cores, see src/db/client.ts).
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Any non-empty token is accepted (a demo may use a short one); main.ts warns below 16 characters.
  ADMIN_TOKEN: z.string().min(1).optional(),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(60000),
  // Notifications (DESIGN.md §12): the dispatcher's pass, the first retry's wait, the SMS gateway.
  // A deadline this many days ahead is at warning level (DESIGN.md §11), and told once (§12).
  DEADLINE_WARNING_DAYS: z.coerce.number().int().min(0).max(365).default(5),
  NOTIFY_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(5000),
  SMS_GATEWAY_URL: z
    .string()
    .url()
    .refine((u) => /^https?:/i.test(u), { message: 'must be an http or https URL' })
    .optional(),
  SMS_GATEWAY_SECRET: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Env = z.infer<typeof schema>;

export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
