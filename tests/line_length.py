"""Lines of at most 120 characters in the project's code: every .c .h .js .mjs .py file under src/,
include/, wasm/, web/, scripts/, bench/ and tests/ (web/generated/, written by the build, aside),
except the files named in tests/line_length_pending.txt, which still have longer lines. A file
named there that has none any more must come off the list, so the list only shrinks.
Usage: line_length.py ROOT. Exit status 1 naming each long line (or stale entry)."""
import os, sys

LIMIT = 120
FOLDERS = ('src', 'include', 'wasm', 'web', 'scripts', 'bench', 'tests')
EXTENSIONS = ('.c', '.h', '.js', '.mjs', '.py')
SKIP = {os.path.join('web', 'generated')}

def files(root):
    for folder in FOLDERS:
        for here, dirs, names in os.walk(os.path.join(root, folder)):
            rel = os.path.relpath(here, root)
            dirs[:] = sorted(d for d in dirs if os.path.join(rel, d) not in SKIP and d != 'node_modules')
            for name in sorted(names):
                if name.endswith(EXTENSIONS):
                    yield os.path.join(rel, name).replace(os.sep, '/')

def long_lines(path):
    with open(path, encoding='utf-8') as f:
        return [(n, len(line)) for n, line in enumerate((l.rstrip('\n') for l in f), 1) if len(line) > LIMIT]

def main(root):
    pending_file = os.path.join(root, 'tests', 'line_length_pending.txt')
    pending = {l.strip() for l in open(pending_file, encoding='utf-8') if l.strip() and not l.startswith('#')}
    bad, checked = [], 0
    for rel in files(root):
        checked += 1
        found = long_lines(os.path.join(root, rel))
        if rel in pending:
            if not found:
                bad.append(f'{rel}: no line over {LIMIT} characters any more: '
                           'take it off tests/line_length_pending.txt')
            continue
        bad += [f'{rel}:{n}: {length} characters (at most {LIMIT})' for n, length in found]
    for missing in sorted(pending - set(files(root))):
        bad.append(f'{missing}: named in tests/line_length_pending.txt but not there')
    for b in bad:
        print('FAIL', b)
    print(f'line length: {checked} files checked, {len(pending)} pending, {len(bad)} problems')
    return 1 if bad or checked < 100 else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
