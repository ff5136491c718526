// Runs before anything else on the page (main.js imports it first): uPlot formats numbers with
// navigator.language when it is imported, and a browser can report a tag that Intl refuses
// ("c" under LANG=C.UTF-8 in WebKitGTK), which would stop the page before it starts. Such a
// tag is replaced, for this page only, by "en-US".
try {
  new Intl.NumberFormat(navigator.language);
} catch {
  try { Object.defineProperty(Navigator.prototype, 'language', { get: () => 'en-US', configurable: true }); } catch { /* nothing better to do */ }
}
