// The app's service worker, for the built app on any static host (the dev server does not
// register it). Two jobs:
//
// 1. Cross-origin isolation where the host cannot send headers (GitHub Pages, a university web
//    folder): every response it serves carries Cross-Origin-Opener-Policy: same-origin and
//    Cross-Origin-Embedder-Policy: require-corp, so once it controls the page the page is
//    isolated and the threaded build can run (the page reloads itself once for that). The same
//    responses carry the app's Content-Security-Policy (written in by the build: the one the
//    servers of `npm start` and `vite preview` send), nosniff and no referrer.
// 2. Offline, one version at a time: the build writes precache.json (every file of the build
//    but the MNIST data) and puts its content hash into VERSION below. Installing caches those
//    files, each fetched once, into the cache "mnist-in-a-tab-<VERSION>"; the MNIST files join
//    that cache the first time the app loads them through it (once the page has the whole file:
//    the page reads the download as it arrives; a file that cannot be kept is downloaded again
//    next time). Everything is answered from the cache first, so a page runs on the files of
//    one build only. A new deploy installs a new worker beside the old one; it takes over, and
//    the old cache is dropped, only when no page of the old version is open, and only after its
//    own cache is complete.
// Everything is relative to this file's folder (the registration scope): any sub-path works.
const VERSION = '__BUILD_VERSION__';
const CSP = '__CSP__';
const CACHE = `mnist-in-a-tab-${VERSION}`;
const SCOPE = new URL('./', self.location.href);
const at = (path) => new URL(path, SCOPE).href;
// MNIST files on their way into the cache: the status waits for them (a page asks for it once it
// has MNIST, which can be just before its copy is in)
const keeping = new Set();

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const res = await fetch(at(`precache.json?v=${VERSION}`), { cache: 'no-cache' });
    if (!res.ok) throw new Error(`precache.json: HTTP ${res.status}`);
    const manifest = await res.clone().json();
    // the host already serves another build (a deploy mid-way): do not mix, try again later
    if (manifest.version !== VERSION) throw new Error(`precache.json is of build ${manifest.version}, this worker of ${VERSION}`);
    const cache = await caches.open(CACHE);
    await cache.put(at('precache.json'), res);
    for (const file of manifest.files) {                 // one at a time, each once
      const url = at(file);
      if (await cache.match(url)) continue;
      const r = await fetch(url, { cache: 'no-cache' });
      if (!r.ok) throw new Error(`${file}: HTTP ${r.status}`);
      await cache.put(url, r);
    }
    if (!self.registration.active) await self.skipWaiting();   // the first version: no page to mix with
  })());
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('mnist-in-a-tab-') && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

// a copy of the response with the isolation headers (and another body, when given)
function isolated(res, body = res?.body) {
  if (!res || res.type === 'opaque' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (!CSP.startsWith('__')) headers.set('Content-Security-Policy', CSP);     // unbuilt (never served): none
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'no-referrer');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin || !url.href.startsWith(SCOPE.href)) return;
  // the document itself, whatever its query: index.html of this version
  const key = e.request.mode === 'navigate' ? at('index.html') : url.origin + url.pathname;
  const isData = url.href.startsWith(at('data/'));
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(key);
    if (hit) return isolated(hit);
    const res = await fetch(e.request);
    if (!res.ok || !isData || !res.body) return isolated(res);
    // MNIST joins this version's cache once, after the download and never in its way: the page
    // reads the answer as it arrives (its progress bar moves), and the cache gets the whole file
    // once the page has it. A cache that waits or refuses holds nothing up.
    const { body, whole } = copying(res.body);
    const kept = keep(cache, key, res, whole);
    keeping.add(kept);
    kept.then(() => keeping.delete(kept));
    e.waitUntil(kept);
    return isolated(res, body);
  })());
});

// The stream as it arrives, for the page, and the promise of all its bytes as one Blob once it
// has ended whole (null if it broke off or the page let it go): only complete files are kept.
function copying(stream) {
  const reader = stream.getReader(), chunks = [];
  let settle;
  const whole = new Promise((resolve) => { settle = resolve; });
  const body = new ReadableStream({
    async pull(controller) {
      let next;
      try { next = await reader.read(); } catch (err) { settle(null); throw err; }
      if (next.done) { settle(new Blob(chunks)); controller.close(); return; }
      chunks.push(next.value);
      controller.enqueue(next.value);
    },
    cancel(reason) { settle(null); return reader.cancel(reason); },
  });
  return { body, whole };
}

// A copy that cannot be kept (the storage is full) fails nothing: the page has the file, and the
// next visit downloads it again.
async function keep(cache, key, res, whole) {
  const blob = await whole;
  if (!blob) return;
  try {
    await cache.put(key, new Response(blob, { status: res.status, statusText: res.statusText, headers: res.headers }));
  } catch (err) {
    console.warn(`${key} is not kept for offline use: ${err.message}`);
  }
}

// the page asks how far the offline copy is: { version, complete } (complete: the app's files
// and the four MNIST files are all in this version's cache)
self.addEventListener('message', (e) => {
  if (e.data?.type !== 'status') return;
  e.waitUntil((async () => {
    let complete = false;
    try {
      await Promise.all(keeping);
      const cache = await caches.open(CACHE);
      const manifest = await (await cache.match(at('precache.json')) || await fetch(at(`precache.json?v=${VERSION}`))).json();
      const data = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
        .map((f) => `data/${f}.gz.bin`);
      const present = await Promise.all([...manifest.files, ...data].map((f) => cache.match(at(f))));
      complete = present.every(Boolean);
    } catch { complete = false; }
    e.ports[0]?.postMessage({ version: VERSION, complete });
  })());
});
