// Model files: Save (weights and training state), Load (a model file of this app or a
// safetensors file), Load pretrained, Export ONNX and safetensors, and the line that says which
// model is in use. Owns the Models panel.
import { MSG } from '../protocol.js';
import { LIMITS, DESIGNS } from '../generated/contract.js';
import { $, download } from '../ui.js';

const REFERENCE_DESIGN = DESIGNS[0].spec;
const LOADED_TEXT = { pretrained: 'The pretrained reference model is loaded.', random: 'Fresh random weights: the network is untrained.',
  taught: 'The model now knows your digits too; Save model keeps it, Load pretrained undoes it.' };

export function createModels({ trainer, app, errors }) {
  const status = $('model-status');
  const say = (text) => { status.textContent = text; };

  $('save-model').addEventListener('click', async () => {
    const m = await trainer.save().then((bytes) => ({ bytes }), (e) => errors.show('save', e.message));
    if (!m) return;
    download(new Blob([m.bytes], { type: 'application/octet-stream' }), 'mnist-model.bin');
    say('Model saved (weights, optimiser state and progress).');
  });
  const EXPORTS = {
    onnx: ['mnist-model.onnx', 'application/octet-stream', 'Model downloaded as ONNX (input: 28×28 intensities in [0, '
      + '1]; output: log-probabilities).'],
    safetensors: ['mnist-model.safetensors', 'application/octet-stream', 'Model downloaded as safetensors (PyTorch '
      + 'tensor names and layouts).'],
    pytorch: ['mnist_model.py', 'text/x-python', 'The design downloaded as PyTorch code: MnistNet() takes the '
      + 'safetensors download with load_state_dict(strict=True).'],
  };
  for (const [format, [name, type, text]] of Object.entries(EXPORTS))
    $(`export-${format}`).addEventListener('click', async () => {
      const m = await trainer.export(format).then((bytes) => ({ bytes, format }), (e) => errors.show('export', e.message));
      if (!m) return;
      download(new Blob([m.bytes], { type }), name);
      say(text);
    });
  $('load-pretrained').addEventListener('click', () => trainer.loadPretrained().catch(errors.of('load')));
  $('load-model').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > LIMITS.MODEL_MAX_BYTES) { errors.show('load', `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB: far too large to be a model of this app. The current model is unchanged.`); return; }
    const bytes = await file.arrayBuffer();
    // -> LOADED (every panel hears of new weights) or the reason
    trainer.load(bytes, file.name).catch(errors.of('load'));
  });

  function loaded(m) {
    const design = m.design && m.design !== REFERENCE_DESIGN ? ` Its design: ${m.design} (${m.params.toLocaleString('en-US')} parameters).` : '';
    if (m.source === 'checkpoint') { say(`The run resumes with its own design: ${m.design} (${m.params.toLocaleString('en-US')} parameters).`); return; }
    if (m.source === 'design' || m.source === 'link') {
      say(`${m.source === 'link' ? 'The design from the link' : 'The new design'} is loaded, untrained (random weights): ${m.design} (${m.params.toLocaleString('en-US')} parameters). Train it.`);
      return;
    }
    say(m.source === 'file' ? `Loaded ${m.name || 'the model file'}.${design}` : LOADED_TEXT[m.source] || '');
    errors.hide('load');
  }
  trainer.on(MSG.LOADED, loaded);
  trainer.on(MSG.STATE, (m) => { if (m.state === 'done') say('The network trained here is in use; Save '
    + 'model keeps it.'); });
  app.on('run-started', ({ init }) => say(init === 'current'
    ? 'Fine-tuning the current model: the weights being trained are the ones in use.'
    : 'Training from new random weights: they are the ones in use now (Load pretrained brings the pretrained '
      + 'model back).'));
  app.on('change', (patch, { status: s, caps }) => {
    if (!('status' in patch || 'caps' in patch)) return;
    const busy = s === 'training' || s === 'evaluating' || s === 'teaching';
    for (const id of ['save-model', 'export-onnx', 'export-safetensors', 'export-pytorch']) $(id).disabled = !caps;
    $('load-pretrained').disabled = busy || !caps;
  });
}
