import { type TenantId, tenantKey } from '../platform/db/keys.ts';

/** Aggregates are spread over this many items per wave, so concurrent answers rarely collide. */
export const STAT_SHARDS = 8;

const pad = (revision: number) => String(revision).padStart(6, '0');

/**
 * A survey's partition holds the survey, its revisions, its waves and their aggregate shards: all
 * small sets (a revision per edit after sending, a wave per quarter), read whole by the results.
 * Invitations and responses are unbounded: one partition each, listed through indexes.
 * See docs/data-model.md (Surveys).
 */
export const surveyKeys = {
  partition: (t: TenantId, id: string) => tenantKey(t, 'SURVEY', id),
  survey: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SURVEY', id), SK: 'SURVEY' }),
  /** GSI1 of surveys: the tenant's surveys, newest first. */
  list: (t: TenantId) => tenantKey(t, 'SURVEYS'),
  revision: (t: TenantId, id: string, revision: number) => ({
    PK: tenantKey(t, 'SURVEY', id),
    SK: `REVISION#${pad(revision)}`,
  }),
  wave: (t: TenantId, id: string, waveId: string) => ({
    PK: tenantKey(t, 'SURVEY', id),
    SK: `WAVE#${waveId}`,
  }),
  /** One wave per trigger of another module (a solved case), in the survey's partition. */
  trigger: (t: TenantId, id: string, trigger: string) => ({
    PK: tenantKey(t, 'SURVEY', id),
    SK: `TRIGGER#${trigger}`,
  }),
  stats: (t: TenantId, id: string, waveId: string, shard: number) => ({
    PK: tenantKey(t, 'SURVEY', id),
    SK: `STATS#${waveId}#${shard}`,
  }),
};

export const invitationKeys = {
  invitation: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SURVEY-INVITATION', id), SK: 'INVITATION' }),
  /** GSI1: a contact's invitations (erasure, merges). */
  ofContact: (t: TenantId, contactId: string) => tenantKey(t, 'SURVEY-INVITATIONS-OF', contactId),
  /** One invitation per contact and wave, whatever the redeliveries. */
  invitee: (t: TenantId, waveId: string, contactId: string) => ({
    PK: tenantKey(t, 'SURVEY-INVITEE', waveId, contactId),
    SK: 'GUARD',
  }),
  /** Paper letters: the short code typed in with the answers. */
  code: (t: TenantId, code: string) => ({ PK: tenantKey(t, 'SURVEY-CODE', code), SK: 'GUARD' }),
  /**
   * In the contact's shared partition: a triggered survey claimed for them within its sampling
   * window, so that triggers at once (two cases solved together) start one wave.
   */
  triggerClaim: (t: TenantId, contactId: string, surveyId: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: `SURVEY-CLAIM#${surveyId}`,
  }),
  /** The claims above, by their sort key's prefix (erasure, merges). */
  triggerClaimPrefix: 'SURVEY-CLAIM#',
  /** In the contact's shared partition: when they were last invited to any survey (sampling). */
  surveyed: (t: TenantId, contactId: string) => ({
    PK: tenantKey(t, 'CONTACT', contactId),
    SK: 'SURVEYED#LAST',
  }),
};

export const responseKeys = {
  response: (t: TenantId, id: string) => ({ PK: tenantKey(t, 'SURVEY-RESPONSE', id), SK: 'RESPONSE' }),
  /** GSI1: a survey's responses by time. */
  ofSurvey: (t: TenantId, surveyId: string) => tenantKey(t, 'SURVEY-RESPONSES', surveyId),
  /** GSI2: a wave's responses by time. */
  ofWave: (t: TenantId, waveId: string) => tenantKey(t, 'SURVEY-RESPONSES-IN', waveId),
  /** GSI3: a contact's responses (erasure, merges). */
  ofContact: (t: TenantId, contactId: string) => tenantKey(t, 'SURVEY-RESPONSES-OF', contactId),
};

/** A stable shard for a key, so an invitation's or response's counters always land on one item. */
export function shardOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % STAT_SHARDS;
}
