import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TenantActions } from '../actions/index.js';
import type { Clock } from '../ports/clock.js';
import type { OperationsQueries } from '../ports/operations-queries.js';
import { SwitchboardError } from '../shared/errors.js';
import type { TenantRegistry } from '../tenancy/index.js';
import { figuresSchema } from './admin-schemas.js';
import { computeFigures, MAX_BUCKETS } from './compute-figures.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A time as Unix milliseconds or an ISO 8601 date-time. */
const instant = z.string().transform((value, context) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) {
    context.addIssue({ code: 'custom', message: 'expected Unix milliseconds or an ISO 8601 date-time' });
    return z.NEVER;
  }
  return ms;
});

const figuresQuery = z.object({
  from: instant.optional().describe('Start, Unix ms or ISO 8601; default: 7 days before `to`'),
  to: instant.optional().describe('End (exclusive), Unix ms or ISO 8601; default: now'),
  bucket: z.enum(['hour', 'day']).optional().describe("The series' step, in the tenant's time zone; default: hour for 2 days or less, else day"),
});
const tenantParams = z.object({ tenantId: z.string().min(1) });

/** `GET /tenants/:tenantId/figures`: what the bot did over a window, in totals and per hour or day. */
export async function figuresRoutes(
  app: FastifyInstance,
  options: { tenants: () => TenantRegistry; queries: OperationsQueries; actions: (tenantId: string) => TenantActions | undefined; clock: Clock },
): Promise<void> {
  app.get(
    '/tenants/:tenantId/figures',
    {
      config: {
        openapi: {
          tag: 'figures',
          summary: "A tenant's figures over a window: totals and a series per hour or day",
          description:
            'Messages in and out, turns, escalations, complete leads, confirmed bookings, orders placed and still pending review, model tokens, ' +
            'and the median and 95th percentile of the reply time (first message of a turn to its first answer sent). Hours and days are the tenant’s. ' +
            `At most ${MAX_BUCKETS.hour} hourly or ${MAX_BUCKETS.day} daily buckets.`,
          access: 'tenant',
          params: tenantParams,
          query: figuresQuery,
          response: figuresSchema,
          errors: { 404: 'TENANT_NOT_FOUND' },
        },
      },
    },
    async (request) => {
      const { tenantId } = tenantParams.parse(request.params);
      const query = figuresQuery.parse(request.query);
      const tenant = options.tenants().byId(tenantId);
      if (!tenant) throw new SwitchboardError({ code: 'TENANT_NOT_FOUND', status: 404, message: `no tenant ${tenantId}; list them with GET /admin/tenants` });
      const to = query.to ?? options.clock.now();
      const from = query.from ?? to - 7 * DAY_MS;
      const bucket = query.bucket ?? (to - from <= 2 * DAY_MS ? 'hour' : 'day');
      if (from >= to) throw new SwitchboardError({ code: 'REQUEST_INVALID', status: 400, message: 'from: must be before to' });
      if ((to - from) / (bucket === 'hour' ? DAY_MS / 24 : DAY_MS) > MAX_BUCKETS[bucket] - 1) {
        throw new SwitchboardError({ code: 'REQUEST_INVALID', status: 400, message: `from, to: at most ${MAX_BUCKETS[bucket] - 1} ${bucket}s; shorten the window or use bucket=day` });
      }
      const actions = options.actions(tenantId);
      const activity = await options.queries.activity(tenantId, { from, to });
      return computeFigures(activity, {
        tenantId,
        from,
        to,
        bucket,
        timezone: tenant.config.timezone,
        isComplete: (fields) => actions?.isLeadComplete(fields) ?? true,
      });
    },
  );
}
