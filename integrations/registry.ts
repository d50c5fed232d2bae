// The OCI registry client: transport and auth (registry/client.ts), copies (registry/copy.ts), and the pure helpers
// for references, media types and auth challenges.
export * from './registry/client.js';
export * from './registry/copy.js';
export * from './registry/challenge.js';
export * from './registry/errors.js';
export * from './registry/media.js';
export * from './registry/reference.js';
export * from './registry/pool.js';
