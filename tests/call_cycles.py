"""Which units of the core call each other: reads the symbols of the core's object files with nm,
links every undefined symbol to the unit that defines it, and fails on a circle among the units of
the rooms named (a unit is a .c file; src/nn's drivers, net.c, call the layer kinds, which must not
call back). Usage: call_cycles.py NM ROOM[,ROOM...] OBJECT... ; exit status 1 on a circle, naming it."""
import os, subprocess, sys

def unit(obj):
    """src/nn/layer_conv.c.o -> ('nn', 'layer_conv')"""
    parts = obj.replace('\\', '/').split('/')
    return parts[-2], parts[-1].split('.')[0]

def calls(nm, objects):
    defined, used = {}, {}
    for obj in objects:
        out = subprocess.run([nm, obj], capture_output=True, text=True, check=True).stdout
        u = unit(obj)
        used[u] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[0] == 'U':
                used[u].add(f[1])
            elif len(f) == 3 and f[1] in 'TDRBC':
                defined[f[2]] = u
    return {u: {defined[s] for s in syms if s in defined and defined[s] != u} for u, syms in used.items()}

def circles(graph, rooms):
    """every circle among the units of rooms, each once, as a list of units"""
    nodes = sorted(u for u in graph if u[0] in rooms)
    found, seen = [], set()
    def walk(path):
        for nxt in sorted(graph[path[-1]]):
            if nxt[0] not in rooms or nxt < path[0]:
                continue
            if nxt == path[0]:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    found.append(path + [nxt])
            elif nxt not in path:
                walk(path + [nxt])
    for start in nodes:
        walk([start])
    return found

def main(nm, rooms, objects):
    graph = calls(nm, objects)
    found = circles(graph, set(rooms.split(',')))
    for c in found:
        print('FAIL circle:', ' -> '.join(f'{room}/{name}.c' for room, name in c))
    print(f'calls: {len(graph)} units, {len(found)} circles in {rooms}')
    return 1 if found or len(graph) < 10 else 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
