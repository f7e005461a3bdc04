import { App, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { applyNag } from '../../infra/nag.ts';
import {
  synthesize,
  synthesizeFixture,
  type ValidationReport,
  validationReport,
} from '../support/template.ts';

/**
 * cdk-nag 3 is a CDK validation plugin: it adds no annotations. Its findings, minus those
 * acknowledged with `Validations.of(...).acknowledge`, land in the cloud assembly's
 * validation-report.json, which test/support/template.ts reads.
 */
function findings(report: ValidationReport, plugin?: string): string[] {
  return report.pluginReports
    .filter((r) => plugin === undefined || r.pluginName === plugin)
    .flatMap((r) =>
      r.violations.flatMap((v) =>
        v.violatingConstructs.map(
          (c) => `${v.severity} ${v.ruleName} at ${c.constructPath}: ${v.description}`,
        ),
      ),
    );
}

describe('cdk-nag AwsSolutions', { timeout: 180_000 }, () => {
  it('reports findings of a non-compliant stack (the check is live)', () => {
    const app = new App({ context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
    const stack = new Stack(app, 'Careless');
    new Queue(stack, 'Plain', { enforceSSL: false });
    applyNag(app);
    expect(findings(validationReport(app), 'AwsSolutions').join('\n')).toMatch(
      /error AwsSolutions-SQS4 at Careless\/Plain/,
    );
  });

  it('finds nothing unacknowledged in the stack of the declared application', () => {
    expect(findings(synthesize().validation, 'AwsSolutions')).toEqual([]);
  });

  it('finds nothing unacknowledged once modules declare queues, schedules, mail and more', () => {
    const fixture = synthesizeFixture();
    expect(findings(fixture.validation, 'AwsSolutions')).toEqual([]);
  });

  it('leaves no other validation finding (CDK warnings, CloudFormation rules) in the synthesis', () => {
    expect(findings(synthesize().validation)).toEqual([]);
  });

  it('gives every acknowledgement a written reason', () => {
    const reasons = synthesize()
      .stack.node.findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const [rule, reason] of reasons) expect(reason.length, rule).toBeGreaterThan(60);
  });
});
