// Installing the app: where the browser offers it (Chromium's beforeinstallprompt), an
// "Install the app" button in the header asks it; installed, or where no browser offers it, the
// button stays hidden (Safari and Firefox install through their own menus). Owns #install.
import { $ } from '../ui.js';

export function createInstall() {
  const button = $('install');
  let offer = null;
  window.addEventListener('beforeinstallprompt', (e) => {
    e.preventDefault();                 // no mini-infobar: the button is the offer
    offer = e;
    button.hidden = false;
  });
  button.addEventListener('click', async () => {
    if (!offer) return;
    const shown = offer;
    offer = null;
    button.hidden = true;
    await shown.prompt();
  });
  window.addEventListener('appinstalled', () => { offer = null; button.hidden = true; });
}
