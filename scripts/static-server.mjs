// A plain static file server, for the tests and for looking at a build locally: the files of
// ROOT under the URL path BASE, with a content type and length and the caching header GitHub
// Pages sends, and nothing else (no cross-origin isolation headers, no CSP), as the static
// hosts people deploy to. ROOT may be a symbolic link: it is resolved on every request, so a
// test can switch deploys under a running server. With --isolated it sends the two headers
// that make a page cross-origin isolated (COOP/COEP: WebAssembly threads), as a configured host.
// Usage: node scripts/static-server.mjs ROOT [--base /sub/path/] [--port 4174] [--isolated]
import { createServer } from 'node:http';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const rootArg = args[0];
const base = opt('--base', '/').replace(/\/?$/, '/');
const port = Number(opt('--port', 4174));
const isolation = args.includes('--isolated')
  ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.ico': 'image/x-icon' };

if (!rootArg) { console.error('usage: static-server.mjs ROOT [--base /sub/path/] [--port 4174] '
  + '[--isolated]'); process.exit(2); }

createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
  if (url.pathname === base.slice(0, -1)) { res.writeHead(301, { Location: base }).end(); return; }
  if (!url.pathname.startsWith(base)) { res.writeHead(404).end('not found'); return; }
  let root;
  try { root = realpathSync(rootArg); } catch { res.writeHead(503).end('no deploy'); return; }
  let file = path.join(root, decodeURIComponent(url.pathname.slice(base.length)));
  if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
  let st;
  try { st = statSync(file); if (st.isDirectory()) { file = path.join(file, 'index.html'); st = statSync(file); } } catch { res.writeHead(404).end('not found'); return; }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Content-Length': st.size,
    'Cache-Control': 'max-age=600', 'Last-Modified': st.mtime.toUTCString(), ...isolation });
  if (req.method === 'HEAD') { res.end(); return; }
  createReadStream(file).pipe(res);
}).listen(port, '127.0.0.1', () => console.log(`serving ${rootArg} at http://127.0.0.1:${port}${base}`));
