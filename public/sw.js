// Service worker: after the first visit the app works offline. The page tells it which URLs
// it and its worker loaded (the module files differ between the dev server and a build);
// it caches those and the fixed assets (wasm, model, MNIST). Requests are answered from the
// network when it is there (refreshing the cache) and from the cache when it is not; the big
// immutable files (MNIST, wasm, model) come from the cache first.
const CACHE = 'mnist-in-a-tab-v1';
const FIXED = ['/', '/wasm/mnist-mt.mjs', '/wasm/mnist-mt.wasm', '/wasm/mnist-mt.worker.js', '/wasm/mnist-st.mjs',
  '/wasm/mnist-st.wasm', '/models/reference.bin', '/data/train-images-idx3-ubyte.gzip', '/data/train-labels-idx1-ubyte.gzip',
  '/data/t10k-images-idx3-ubyte.gzip', '/data/t10k-labels-idx1-ubyte.gzip'];
const CACHE_FIRST = /^\/(data|wasm|models)\//;

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('message', (e) => {
  if (e.data?.type !== 'cache') return;
  const urls = [...new Set([...FIXED, ...(e.data.urls || [])])]
    .map((u) => new URL(u, self.location.origin))
    .filter((u) => u.origin === self.location.origin)
    .map((u) => u.pathname + u.search);
  e.waitUntil(caches.open(CACHE)
    .then((cache) => Promise.all(urls.map(async (u) => {
      if (await cache.match(u)) return;
      const res = await fetch(u, { cache: 'no-cache' });
      if (res.ok) await cache.put(u, res);
    })))
    .then(() => e.ports[0]?.postMessage({ ok: true, count: urls.length }))
    .catch((err) => e.ports[0]?.postMessage({ ok: false, message: String(err) })));
});

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const key = url.pathname + url.search;
  if (CACHE_FIRST.test(url.pathname)) {
    e.respondWith(caches.open(CACHE).then(async (cache) => (await cache.match(key)) || fetch(e.request)));
    return;
  }
  e.respondWith(fetch(e.request).then(async (res) => {
    if (res.ok && res.type === 'basic') (await caches.open(CACHE)).put(e.request.mode === 'navigate' ? '/' : key, res.clone());
    return res;
  }).catch(async () => {
    const cache = await caches.open(CACHE);
    return (await cache.match(e.request.mode === 'navigate' ? '/' : key)) || Response.error();
  }));
});
