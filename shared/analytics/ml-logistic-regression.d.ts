/** ml-logistic-regression ships no types: the part of its API analytics uses. */
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';

  interface TwoClassClassifier {
    weights: Matrix;
    testScores(features: Matrix): number[];
  }

  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: TwoClassClassifier[];
    train(features: Matrix, target: Matrix): void;
    predict(features: Matrix): number[];
  }
}
