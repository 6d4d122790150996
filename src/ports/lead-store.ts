/** What a real-estate lead is made of; every field is optional until the user tells it. */
export interface LeadFields {
  name?: string;
  budget?: { amount: number; currency: string };
  timeline?: string;
  areas?: string[];
  propertyType?: string;
  purpose?: 'live' | 'invest';
  financing?: 'cash' | 'mortgage' | 'undecided';
}

export interface Lead {
  tenantId: string;
  userId: string;
  fields: LeadFields;
  /** Grows by one each time a field changes. */
  version: number;
  /** The version the CRM last acknowledged; null when never pushed. */
  syncedVersion: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * One structured lead profile per tenant + user, kept across turns. Merging is idempotent: the same
 * fields merged twice change nothing (a turn re-run after a crash does not bump the version).
 */
export interface LeadStore {
  get(tenantId: string, userId: string): Promise<Lead | null>;
  /** Sets the given fields (others are kept); bumps the version only when something changed. */
  merge(tenantId: string, userId: string, fields: LeadFields, now: number): Promise<Lead>;
  /** Records that the CRM acknowledged `version`; never moves backwards. */
  markSynced(tenantId: string, userId: string, version: number, now: number): Promise<void>;
  list(tenantId: string, limit: number): Promise<Lead[]>;
}
