import { type FieldIssue, ValidationError } from '../platform/errors.ts';
import { ownValue } from '../platform/own.ts';
import type {
  ConfigurationRule,
  OptionChoice,
  OptionGroup,
  Product,
  ProductCreate,
  Selection,
} from './commerce-schema.ts';
import { invalid } from './invalid.ts';

/**
 * The product configurator. Option groups, choices and the rules between choices are data on the
 * product; this file checks a definition when it is saved and a selection when it is priced.
 * Pure functions: no I/O, so every rule is unit-tested.
 */

/** A selection that breaks a configuration rule: 400, naming the rule (also as `rule` in the problem). */
export class ConfigurationRuleError extends ValidationError {
  constructor(path: string, rule: ConfigurationRule, message: string) {
    super([{ path, message }], message);
    Object.assign(this.details, {
      rule: { id: rule.id, type: rule.type, ...(rule.description ? { description: rule.description } : {}) },
    });
  }
}

type Definition = Pick<ProductCreate, 'optionGroups' | 'rules' | 'prices'>;

/** Problems with a product's option groups and rules, as field issues under `body.`. */
export function definitionIssues(definition: Definition): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const groups = new Map<string, OptionGroup>();
  definition.optionGroups.forEach((group, g) => {
    const path = `body.optionGroups.${g}`;
    if (groups.has(group.id))
      issues.push({ path: `${path}.id`, message: `Option group ${group.id} is listed twice.` });
    groups.set(group.id, group);
    const choices = new Set<string>();
    group.choices.forEach((choice, c) => {
      if (choices.has(choice.id))
        issues.push({ path: `${path}.choices.${c}.id`, message: `Choice ${choice.id} is listed twice.` });
      choices.add(choice.id);
      const currencies = new Set<string>();
      choice.priceDeltas.forEach((delta, d) => {
        if (currencies.has(delta.currency))
          issues.push({
            path: `${path}.choices.${c}.priceDeltas.${d}.currency`,
            message: `${delta.currency} has two price deltas.`,
          });
        currencies.add(delta.currency);
      });
    });
  });
  const currencies = new Set<string>();
  definition.prices.forEach((price, p) => {
    if (currencies.has(price.currency))
      issues.push({ path: `body.prices.${p}.currency`, message: `${price.currency} is priced twice.` });
    currencies.add(price.currency);
  });
  const ruleIds = new Set<string>();
  definition.rules.forEach((rule, r) => {
    const path = `body.rules.${r}`;
    if (ruleIds.has(rule.id))
      issues.push({ path: `${path}.id`, message: `Rule ${rule.id} is listed twice.` });
    ruleIds.add(rule.id);
    const refs = [
      { ref: rule.when, path: `${path}.when` },
      ...rule.choices.map((ref, i) => ({ ref, path: `${path}.choices.${i}` })),
    ];
    for (const { ref, path: refPath } of refs) {
      const group = groups.get(ref.group);
      if (!group) issues.push({ path: refPath, message: `No option group ${ref.group}.` });
      else if (!group.choices.some((c) => c.id === ref.choice))
        issues.push({ path: refPath, message: `No choice ${ref.choice} in option group ${ref.group}.` });
    }
    if (rule.type === 'requires' && rule.choices.every((ref) => ref.group === rule.when.group))
      issues.push({
        path: `${path}.choices`,
        message: 'A choice cannot require another choice of its own group (one choice per group).',
      });
  });
  return issues;
}

export interface ChosenOption {
  group: string;
  groupName: string;
  choice: string;
  choiceName: string;
  priceDelta: number;
  extraLeadTimeDays: number;
}

export interface CheckedSelection {
  options: ChosenOption[];
  /** Sum of the chosen options' price deltas in the currency asked for. */
  priceDelta: number;
  /** The longest extra lead time among the chosen options (they are procured in parallel). */
  extraLeadTimeDays: number;
  summary: string;
  /** The selection restricted to known groups, in the product's group order. */
  selection: Selection;
}

function choiceName(product: Product, group: string, choice: string): string {
  const g = product.optionGroups.find((x) => x.id === group);
  const c = g?.choices.find((x) => x.id === choice);
  return `${g?.name ?? group}: ${c?.name ?? choice}`;
}

function describeRule(product: Product, rule: ConfigurationRule): string {
  const when = choiceName(product, rule.when.group, rule.when.choice);
  const others = rule.choices.map((ref) => choiceName(product, ref.group, ref.choice));
  return rule.type === 'requires'
    ? `${when} requires ${others.length === 1 ? others[0] : `one of ${others.join(', ')}`}`
    : `${when} excludes ${others.join(', ')}`;
}

/**
 * Checks a selection against the product's groups and rules and prices its options in `currency`.
 * Throws a ValidationError (paths under `path`) for unknown groups or choices and missing required
 * groups, and a ConfigurationRuleError naming the first rule the selection breaks.
 */
export function checkSelection(
  product: Product,
  selection: Selection,
  currency: string,
  path = 'body.selection',
): CheckedSelection {
  const issues: FieldIssue[] = [];
  for (const group of Object.keys(selection)) {
    if (!product.optionGroups.some((g) => g.id === group))
      issues.push({
        path: `${path}.${group}`,
        message: `Product ${product.sku} has no option group ${group}.`,
      });
  }
  const options: ChosenOption[] = [];
  const chosen: Selection = {};
  for (const group of product.optionGroups) {
    const choiceId = ownValue(selection, group.id);
    if (choiceId === undefined) {
      if (group.required)
        issues.push({
          path: `${path}.${group.id}`,
          message: `${product.sku} needs a choice for “${group.name}”: one of ${group.choices.map((c) => c.id).join(', ')}.`,
        });
      continue;
    }
    const choice: OptionChoice | undefined = group.choices.find((c) => c.id === choiceId);
    if (!choice) {
      issues.push({
        path: `${path}.${group.id}`,
        message: `${group.name} has no choice ${choiceId}: choose one of ${group.choices.map((c) => c.id).join(', ')}.`,
      });
      continue;
    }
    const delta = choice.priceDeltas.find((d) => d.currency === currency);
    if (!delta && choice.priceDeltas.length > 0) {
      issues.push({
        path: `${path}.${group.id}`,
        message: `${group.name} ${choice.name} has no price in ${currency}.`,
      });
      continue;
    }
    chosen[group.id] = choice.id;
    options.push({
      group: group.id,
      groupName: group.name,
      choice: choice.id,
      choiceName: choice.name,
      priceDelta: delta?.amount ?? 0,
      extraLeadTimeDays: choice.extraLeadTimeDays,
    });
  }
  if (issues.length) throw invalid(issues);
  for (const rule of product.rules) {
    if (ownValue(chosen, rule.when.group) !== rule.when.choice) continue;
    const hits = rule.choices.filter((ref) => ownValue(chosen, ref.group) === ref.choice);
    const broken = rule.type === 'requires' ? hits.length === 0 : hits.length > 0;
    if (broken) {
      const what = rule.description
        ? `${rule.description} (${describeRule(product, rule)})`
        : describeRule(product, rule);
      throw new ConfigurationRuleError(path, rule, `The selection breaks rule ${rule.id}: ${what}.`);
    }
  }
  return {
    options,
    priceDelta: options.reduce((total, o) => total + o.priceDelta, 0),
    extraLeadTimeDays: Math.max(0, ...options.map((o) => o.extraLeadTimeDays)),
    summary: options.map((o) => `${o.groupName}: ${o.choiceName}`).join('; '),
    selection: chosen,
  };
}
