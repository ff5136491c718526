// What a benchmark result must say about where it ran, so that runs on different machines are
// never compared as if they were one: CPU model and vector flags, cores, memory, kernel, the
// load when the run started, and the commit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { root } from './browser.mjs';

export function machine() {
  const flagsLine = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m) || ['', ''];
  const flags = flagsLine[1].trim().split(/\s+/);
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch { /* not a checkout */ }
  return { cpu: os.cpus()[0].model.trim(), cores: os.cpus().length,
    vector_flags: flags.filter((f) => /^(sse4_2|avx|avx2|fma|avx512\w*)$/.test(f)),
    memory_gib: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), loadavg_at_start: os.loadavg()[0], commit };
}

