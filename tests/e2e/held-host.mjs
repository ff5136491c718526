// A host that holds MNIST back: a proxy in front of the test's static server, on a port of its
// own (so a fresh origin, with its own service worker and cache), that answers each MNIST file
// with its headers and first part and then waits until the test lets the rest go (release) or
// cuts the answers short (cut). Everything else passes through as it is. The tests then see what
// the page does while a download goes on, by events, with no clock.
import { createServer, request } from 'node:http';
import path from 'node:path';

// the MNIST file an URL asks for, or null
const mnistFile = (url) => {
  const { pathname } = new URL(url, 'http://host');
  return /\/data\/[^/]+\.gz\.bin$/.test(pathname) ? path.basename(pathname) : null;
};

// target: the static server's URL (its path is kept); firstPart(size): the bytes sent at once
export async function heldHost(target, { firstPart = (size) => Math.floor(size / 2) } = {}) {
  const upstream = new URL(target);
  const held = new Set();
  let finished = null, completed = 0, firstHeld;   // finished: how held answers end, once decided
  const answers = new Map();                     // MNIST file name -> answers begun
  const dataHeld = new Promise((resolve) => { firstHeld = resolve; });

  const answerHeld = (res, status, headers, body) => {
    res.writeHead(status, headers);
    if (finished) { finished({ res, rest: body }); return; }  // decided while it was coming in
    const n = firstPart(body.length);
    res.write(body.subarray(0, n));
    held.add({ res, rest: body.subarray(n) });
    firstHeld();
  };
  const server = createServer((req, res) => {
    const data = mnistFile(req.url);
    if (data) res.on('finish', () => { completed++; });
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method,
      headers: { ...req.headers, host: upstream.host } }, (answer) => {
      if (data) answers.set(data, (answers.get(data) ?? 0) + 1);
      if (!data || finished) { res.writeHead(answer.statusCode, answer.headers); answer.pipe(res); return; }
      const chunks = [];
      answer.on('data', (c) => chunks.push(c));
      answer.on('end', () => answerHeld(res, answer.statusCode, answer.headers, Buffer.concat(chunks)));
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const release = (h) => { if (!h.res.destroyed) h.res.end(h.rest); };
  const cut = (h) => h.res.destroy();              // the connection closes mid-body
  const finish = (how) => {
    finished = how;
    for (const h of held) how(h);
    held.clear();
  };
  return {
    url: `http://127.0.0.1:${server.address().port}${upstream.pathname}`,
    dataHeld,                                     // resolves when the first MNIST answer is held
    held: () => held.size,                        // answers held now
    answersFor: (name) => answers.get(name) ?? 0, // answers begun for one file (train-images-idx3-ubyte.gz.bin)
    completed: () => completed,                   // MNIST answers sent in full
    release: () => finish(release),               // the rest of each file; later answers pass through
    cut: () => finish(cut),                       // each file cut short; later answers pass through
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
