// A layer of the design editor as the core parsed it: the settings api_describe gives per layer
// (src/nn/arch_spec.c, arch_describe_json), which the editor edits, and their token, the
// inverse of the core's format (arch_spec_layer_token; tests/node/layer-settings.test.mjs checks
// one against the other for every kind). Nothing here parses text: the core reads every design.
//   { kind: 'conv', channels, kernel, same, bn, groups, dropout }   c<channels>k<kernel>[:same][:nobn][:g<G>][:d<p>]
//   { kind: 'pool', size }                                         m<size>
//   { kind: 'gap' }, { kind: 'flat' }                               gap, flat
//   { kind: 'fc', channels, dropout }                               fc<channels>[:d<p>]
// dropout is the text of p ('' : the recipe's), groups 1 the plain convolution. Values the
// editor's fields hold (numbers or their text) are written as they are, so what the core
// refuses it refuses with its own message.

export const KINDS = [['conv', 'convolution'], ['pool', 'max-pool 2×2'], ['gap', 'global average pool'],
  ['flat', 'flatten'], ['fc', 'fully connected']];

export function layerToken(l) {
  const d = l.dropout === '' || l.dropout === undefined ? '' : `:d${l.dropout}`;
  if (l.kind === 'conv') {
    const groups = Number(l.groups) === 1 ? '' : `:g${l.groups}`;
    return `c${l.channels}k${l.kernel}${l.same ? ':same' : ''}${l.bn ? '' : ':nobn'}${groups}${d}`;
  }
  if (l.kind === 'fc') return `fc${l.channels}${d}`;
  if (l.kind === 'pool') return `m${l.size}`;
  return l.kind;
}

export const designText = (layers) => layers.map(layerToken).join(' ');

// a new layer of a kind, as the editor offers it
export function freshLayer(kind) {
  if (kind === 'conv') return { kind, channels: 16, kernel: 3, same: false, bn: true, groups: 1, dropout: '' };
  if (kind === 'fc') return { kind, channels: 10, dropout: '' };
  if (kind === 'pool') return { kind, size: 2 };
  return { kind };
}
