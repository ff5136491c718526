// The way to the rest of the page: the links at the top (and the design bar's Edit) lead to a
// panel below the first screen; a folded panel (<details>) opens when a link leads to it, and the
// keyboard's focus moves there, so every panel is one action away. Owns nothing but the links.

// the <details> a fragment leads to, if it is one or lies inside one
const foldedAt = (target) => (target?.tagName === 'DETAILS' ? target : target?.closest('details'));

function open(hash) {
  const target = hash.length > 1 ? document.getElementById(decodeURIComponent(hash.slice(1))) : null;
  if (!target) return false;
  const details = foldedAt(target);
  if (details) details.open = true;
  target.scrollIntoView({ block: 'start' });
  const focusable = details ? details.querySelector('summary') : target;
  if (!details && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');    // a section takes focus
  focusable.focus({ preventScroll: true });
  return true;
}

export function createRooms() {
  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[href^="#"]');
    if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (!open(link.getAttribute('href'))) return;
    e.preventDefault();
    history.replaceState(null, '', link.getAttribute('href'));        // the address names the panel; no history entry
  });
  if (location.hash) open(location.hash);                                // a link from elsewhere to a panel
}
