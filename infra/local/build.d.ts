// Types of build.js (plain JavaScript: it runs before anything is compiled).
export declare const ROOT: string;
export declare const BUILDS: string;
/** The newest build whose inputs are unchanged, or undefined. */
export declare function currentBuild(): string | undefined;
/** Builds the local runtime and every function module; returns the build's directory. */
export declare function build(): Promise<string>;
/** The build of the current sources, made now when there is none. */
export declare function ensureBuilt(): Promise<string>;
