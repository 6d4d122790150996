import { SwitchboardError } from '../shared/errors.js';
import type { Tenant } from './tenant.js';

/** Tenants by id and by `phone_number_id`: a map look-up per webhook change, never a scan. */
export class TenantRegistry {
  private readonly byPhone = new Map<string, Tenant>();
  private readonly byTenantId = new Map<string, Tenant>();
  /** Distinct app secrets: a webhook body is genuine when it matches any one of them. */
  readonly appSecrets: Buffer[];

  constructor(tenants: Tenant[]) {
    for (const tenant of tenants) {
      const phoneNumberId = tenant.config.whatsapp.phone_number_id;
      const taken = this.byPhone.get(phoneNumberId);
      if (taken) {
        throw new SwitchboardError({
          code: 'TENANT_PHONE_ID_TAKEN',
          message: `phone_number_id ${phoneNumberId} is in ${taken.file} and ${tenant.file}; give each tenant its own number`,
        });
      }
      this.byPhone.set(phoneNumberId, tenant);
      this.byTenantId.set(tenant.id, tenant);
    }
    const secrets = new Set(tenants.map((tenant) => tenant.appSecret).filter((secret): secret is string => Boolean(secret)));
    this.appSecrets = [...secrets].map((secret) => Buffer.from(secret, 'utf8'));
  }

  byPhoneNumberId(phoneNumberId: string): Tenant | undefined {
    return this.byPhone.get(phoneNumberId);
  }

  byId(tenantId: string): Tenant | undefined {
    return this.byTenantId.get(tenantId);
  }

  all(): Tenant[] {
    return [...this.byTenantId.values()];
  }
}
