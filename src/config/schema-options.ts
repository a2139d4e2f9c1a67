// The ajv options of the .lazy schema, shared by the run-time compile and the build
// step that precompiles it (scripts/build.mjs), so both validate alike.
export const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true } as const;
