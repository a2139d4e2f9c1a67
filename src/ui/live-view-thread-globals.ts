// Evaluated first on the live view's thread. yoga-layout's WebAssembly loader asks
// `typeof fetch`, and in Node 20 that first look loads Node's bundled undici (about
// 20 ms of this thread's start) only to fall back to the embedded bytes anyway. This
// thread fetches nothing, so it has no fetch.
Object.defineProperty(globalThis, 'fetch', { value: undefined, writable: true, configurable: true });
