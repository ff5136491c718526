// The service worker (the built app only): cross-origin isolation on any host, and offline.
// Before the training worker starts, public/sw.js is registered and, on a first visit, the page
// waits until it has cached the app and controls this page, so the app's files and MNIST load
// once, through it. Where the host sends no isolation headers the service worker adds them, and
// the page reloads once to become isolated (sessionStorage keeps that to once). Without a
// service worker (the dev server, a blocked or failing one) the app runs all the same:
// single-threaded where the page is not isolated, and not offline.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// 'none' | 'controlled' | 'reload' (the page is reloading itself)
export async function setUpServiceWorker(params) {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator) || params.has('nosw')) return 'none';
  try {
    // a registration that neither succeeds nor fails (a blocked service worker) must not hold the app up
    const registered = await Promise.race([navigator.serviceWorker.register(new URL('sw.js', document.baseURI)), sleep(10_000)]);
    if (!registered) return 'none';
    if (!navigator.serviceWorker.controller)
      await Promise.race([new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true })), sleep(60_000)]);
    if (self.crossOriginIsolated) sessionStorage.removeItem('mnist-isolation-reload');
    else if (navigator.serviceWorker.controller && !sessionStorage.getItem('mnist-isolation-reload')) {
      sessionStorage.setItem('mnist-isolation-reload', '1');
      location.reload();
      return 'reload';
    }
    return navigator.serviceWorker.controller ? 'controlled' : 'none';
  } catch {
    return 'none';
  }
}
