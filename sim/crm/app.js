// A small single-page CRM: a contact list and contact pages, navigated with history.pushState.
import { contacts, findContact } from './contacts.js';

const view = document.getElementById('view');
const search = document.querySelector('.search');

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.flat());
  return node;
};

function telHref(number) {
  return `tel:${number.replace(/[^\d+x]/g, '').replace(/x/, ';ext=')}`;
}

function listPage(filter = '') {
  const term = filter.trim().toLowerCase();
  const rows = contacts
    .filter((c) => !term || `${c.name} ${c.company} ${c.city}`.toLowerCase().includes(term))
    .map((c) =>
      el(
        'tr',
        {},
        el('td', {}, el('a', { href: `/crm/contacts/${c.id}`, 'data-link': '' }, c.name)),
        el('td', {}, c.company),
        el('td', {}, c.city),
        el('td', { class: 'phone' }, c.phones[0].number),
        el('td', {}, c.owner),
      ),
    );
  return [
    el('h1', {}, 'Contacts'),
    el(
      'table',
      { class: 'grid' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Name', 'Company', 'City', 'Phone', 'Owner'].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, rows),
    ),
  ];
}

function contactPage(contact) {
  if (!contact)
    return [el('h1', {}, 'Contact not found'), el('a', { href: '/crm/', 'data-link': '' }, 'Back to contacts')];
  return [
    el('a', { href: '/crm/', 'data-link': '', class: 'back' }, '← Contacts'),
    el('h1', {}, contact.name),
    el('p', { class: 'subtitle' }, `${contact.title}, ${contact.company} · ${contact.city}`),
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'Phone'),
      el(
        'ul',
        { class: 'phones' },
        contact.phones.map((p) =>
          el('li', {}, el('span', { class: 'label' }, p.label), el('a', { href: telHref(p.number) }, p.number)),
        ),
      ),
      el('h2', {}, 'E-mail'),
      el('p', {}, el('a', { href: `mailto:${contact.email}` }, contact.email)),
    ),
    el('section', { class: 'panel' }, el('h2', {}, 'Notes'), el('p', { class: 'note' }, contact.note)),
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'Logged calls'),
      el('ul', { class: 'logged-calls', 'data-contact': contact.id }, el('li', { class: 'muted' }, 'Loading…')),
    ),
  ];
}

// The call activities PopLine logged for a contact (text only: a note is whatever the agent typed).
async function showLoggedCalls(contactId) {
  const list = document.querySelector(`.logged-calls[data-contact="${contactId}"]`);
  if (!list) return;
  const response = await fetch(`/crm/api/activities?contact=${encodeURIComponent(contactId)}`);
  const { activities = [] } = response.ok ? await response.json() : {};
  const text = (value) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  const rows = activities.map((a) =>
    el(
      'li',
      { class: 'logged-call', 'data-activity': text(a.id) },
      el('strong', {}, text(a.subject) || 'Call'),
      ` · ${text(a.direction)} · ${text(a.outcome)} · ${text(a.durationSeconds)} s`,
      a.tag ? el('span', { class: 'tag' }, ` [${text(a.tag)}]`) : '',
      a.note ? el('p', { class: 'note' }, text(a.note)) : '',
    ),
  );
  list.replaceChildren(...(rows.length ? rows : [el('li', { class: 'muted' }, 'No calls logged yet')]));
}

// The CRM's CSRF token, in a meta tag as server-rendered CRMs have it; writes from the session need it.
async function loadSession() {
  const response = await fetch('/crm/api/session').catch(() => null);
  const { csrf } = response?.ok ? await response.json() : {};
  document.querySelector('meta[name="csrf-token"]')?.remove();
  if (csrf) document.head.append(el('meta', { name: 'csrf-token', content: csrf }));
  document.body.dataset.session = csrf ? 'in' : 'out';
}

function loginPage() {
  return [el('h1', {}, 'Logged in'), el('a', { href: '/crm/', 'data-link': '' }, 'Back to contacts')];
}

// Where PopLine's "create contact" link leads (docs/crm.md): a form with the caller's number filled in.
function newContactPage() {
  const phone = new URLSearchParams(location.search).get('phone') ?? '';
  const field = (label, props) => el('label', { class: 'field' }, label, el('input', props));
  return [
    el('a', { href: '/crm/', 'data-link': '', class: 'back' }, '← Contacts'),
    el('h1', {}, 'New contact'),
    el(
      'form',
      { class: 'panel new-contact' },
      field('Name', { name: 'name', required: true }),
      field('Company', { name: 'company' }),
      field('Phone', { name: 'phone', value: phone, type: 'tel' }),
    ),
  ];
}

function activitiesPage() {
  return [
    el('h1', {}, 'Activities'),
    el(
      'ul',
      { class: 'activities' },
      contacts
        .slice(0, 6)
        .map((c, i) => el('li', {}, `${9 + i}:00 Call ${c.name} on ${c.phones[0].number} about order #${40210 + i}`)),
    ),
  ];
}

function route() {
  const path = location.pathname;
  const match = /^\/crm\/contacts\/([\w-]+)/.exec(path);
  let content;
  if (match?.[1] === 'new') content = newContactPage();
  else if (path === '/crm/login') content = loginPage();
  else if (match) content = contactPage(findContact(match[1]));
  else if (path.startsWith('/crm/activities')) content = activitiesPage();
  else content = listPage(search.value);
  view.replaceChildren(...content);
  if (match && match[1] !== 'new') void showLoggedCalls(match[1]);
  document.title = `${match ? (findContact(match[1])?.name ?? 'Contact') : 'Contacts'} · Acme CRM`;
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  history.pushState({}, '', link.getAttribute('href'));
  route();
});
window.addEventListener('popstate', route);
void loadSession();
search.addEventListener('input', () => {
  if (location.pathname !== '/crm/') history.pushState({}, '', '/crm/');
  route();
});
route();
