import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantFilesSchema } from './admin-schemas.js';
import type { TenantFiles } from './tenant-files.js';

/** Validate and reload the tenant files of TENANTS_DIR without a restart (the agency's admin only). */
export async function tenantFileRoutes(app: FastifyInstance, options: { tenantFiles: TenantFiles }): Promise<void> {
  const { tenantFiles } = options;

  app.post(
    '/tenants/validate',
    {
      config: {
        openapi: {
          tag: 'tenants',
          summary: 'Checks the tenant files on disk, file by file, without applying them',
          description: 'The checks of start-up: schema, unique ids and numbers, catalogue and hooks modules.',
          access: 'admin',
          response: tenantFilesSchema,
        },
      },
    },
    async () => tenantFiles.validate(),
  );

  app.post(
    '/tenants/reload',
    {
      config: {
        openapi: {
          tag: 'tenants',
          summary: 'Reloads the tenant files: all or nothing',
          description:
            'Builds the tenants and their tools from the files and swaps them in at once when every file is valid; otherwise answers 400 ' +
            'TENANT_FILE_INVALID with the report, and the running tenants stay. Turns already running finish with the old settings.',
          access: 'admin',
          response: tenantFilesSchema.extend({ tenants: z.number().int().describe('Tenants now loaded') }),
          errors: { 400: 'TENANT_FILE_INVALID: the report says which file and field' },
        },
      },
    },
    async (_request, reply) => {
      const { applied, report, tenants } = await tenantFiles.reload();
      if (!applied) {
        return reply.code(400).send({ error: 'TENANT_FILE_INVALID', message: 'nothing was reloaded: fix the files listed in `files` (and `errors`)', ...report });
      }
      return { ...report, tenants };
    },
  );
}
