import { App } from 'aws-cdk-lib';
import { acknowledgeFindings, applyNag } from './nag.ts';
import { FunnelStack } from './stack.ts';

const app = new App();
const stack = new FunnelStack(app, app.node.tryGetContext('stackName') ?? 'FunnelCrm');
applyNag(app);
acknowledgeFindings(stack);
