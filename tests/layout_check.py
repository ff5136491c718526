"""The rooms of src/ and which way their dependencies go (README "Layout"): every #include of a
source file names a room it may use, so dependencies point one way and never form a circle;
among the formats only the front door (model_any) knows more than one format.
Usage: layout_check.py SRC_DIR. Exit status 1 on a violation, naming the file and the line."""
import os, re, sys

MAY_USE = {
    'runtime': {'runtime'},
    'kernels': {'kernels', 'runtime'},
    'nn':      {'nn', 'kernels', 'runtime'},
    'data':    {'data', 'runtime'},
    'train':   {'train', 'data', 'nn', 'kernels', 'runtime'},
    'formats': {'formats', 'train', 'data', 'nn', 'kernels', 'runtime'},
    'api':     {'api', 'formats', 'train', 'data', 'nn', 'kernels', 'runtime'},
    'tools':   {'tools', 'formats', 'train', 'data', 'nn', 'kernels', 'runtime'},
}
SHARED_FORMAT_HEADERS = {'bytes.h', 'tensors.h'}

def main(src):
    bad, checked = [], 0
    for room in sorted(os.listdir(src)):
        folder = os.path.join(src, room)
        if not os.path.isdir(folder):
            bad.append(f'{folder}: a file outside the rooms')
            continue
        if room not in MAY_USE:
            bad.append(f'{folder}: a room README "Layout" does not name')
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(folder, name)
            stem = name.rsplit('.', 1)[0]
            for n, line in enumerate(open(path, encoding='utf-8'), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                checked += 1
                target = m.group(1)
                used = target.split('/')[0] if '/' in target else room
                if '..' in target or used not in MAY_USE:
                    bad.append(f'{path}:{n}: #include "{target}" names no room (write "room/file.h")')
                elif used not in MAY_USE[room]:
                    bad.append(f'{path}:{n}: {room} may not use {used} (#include "{target}")')
                elif room == 'formats' and used == 'formats' and stem != 'model_any':
                    header = os.path.basename(target)
                    if header not in SHARED_FORMAT_HEADERS and header.rsplit('.', 1)[0] != stem:
                        bad.append(f'{path}:{n}: one format uses another (#include "{target}"); only model_any chooses among them')
    for b in bad:
        print('FAIL', b)
    print(f'layout: {checked} includes checked, {len(bad)} out of place')
    return 1 if bad or checked < 50 else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
