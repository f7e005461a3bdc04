import type { Item } from '../platform/db/repository.ts';

/**
 * The score fields analytics writes about contacts (contacts/scores.ts), as segments and rules
 * name them. No dependencies: route declarations and schemas import this.
 */
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** The `SCORE#` sort key whose item answers a segment field (`rfm.segment`, `propensity.suv`). */
export function scoreSortKeyOf(field: string): string | undefined {
  if (field.startsWith('rfm.')) return 'SCORE#RFM';
  if (field.startsWith('propensity.')) return `SCORE#PROPENSITY#${field.slice('propensity.'.length)}`;
  return undefined;
}

/** The value of a score field on a score item (`rfm.recency` → `recency`, `propensity.x` → score). */
export function scoreValueOf(field: string, item: Item | undefined): unknown {
  if (!item) return undefined;
  if (field.startsWith('propensity.')) return item.score;
  return item[field.slice('rfm.'.length)];
}

/** The score fields segments may name besides `propensity.<target>`. */
export const RFM_FIELDS = [
  'rfm.segment',
  'rfm.recency',
  'rfm.frequency',
  'rfm.monetary',
  'rfm.daysSinceLastOrder',
  'rfm.orders',
  'rfm.totalSpent',
] as const;
