// The oxprov web page: plain DOM, no build step, no library. Every value from
// the server reaches the page through textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { csrf: '', run: null, request: null, timer: 0, rejected: { page: 1, code: '' }, plan: { page: 1, action: '' } };

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = state.csrf;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const res = await fetch(`/ui/api/${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  if (!res.ok) {
    const j = await res.json().catch(() => ({}));
    const err = new ApiError(res.status, j.error?.code ?? `HTTP ${res.status}`, j.error?.message ?? res.statusText);
    if (res.status === 401 && path !== 'login') showLogin(err.message);
    throw err;
  }
  return res;
}
const json = async (method, path, body) => (await api(method, path, body)).json();
const say = (id, err) => { $(id).textContent = err ? `${err.code ? `${err.code}: ` : ''}${err.message}` : ''; };

function bytes(n) {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

// ---- login -------------------------------------------------------------
function showLogin(message) {
  clearTimeout(state.timer);
  $('app').hidden = true;
  $('who').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
  $('login-user').focus();
}

function showApp(s) {
  state.csrf = s.csrf;
  $('who-name').textContent = `logged in as ${s.user}`;
  $('who').hidden = false;
  $('login').hidden = true;
  $('app').hidden = false;
  $('limit').textContent = bytes(s.uploadLimit);
  const only = $('only');
  only.replaceChildren(...s.backends.map((b) => el('label', {}, el('input', { type: 'checkbox', name: 'only', value: b, checked: '' }), ` ${b} `)));
  loadHistory();
  $('csv').focus();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  say('login-error');
  const f = new FormData(ev.target);
  try {
    const s = await json('POST', 'login', { user: f.get('user'), password: f.get('password') });
    $('login-password').value = '';
    showApp(s);
  } catch (err) {
    say('login-error', err);
    $('login-password').select();
  }
});

$('logout').addEventListener('click', async () => {
  await api('POST', 'logout').catch(() => {});
  state.csrf = '';
  showLogin('logged out');
});

// ---- a new run -----------------------------------------------------------
const kind = () => document.querySelector('input[name=kind]:checked').value;
for (const r of document.querySelectorAll('input[name=kind]')) {
  r.addEventListener('change', () => {
    $('import-options').hidden = kind() !== 'import';
    $('sync-options').hidden = kind() !== 'sync';
  });
}

function requestFromForm(uploadId) {
  const only = [...document.querySelectorAll('input[name=only]')];
  const picked = only.filter((c) => c.checked).map((c) => c.value);
  const k = kind();
  return {
    uploadId, kind: k, mode: k === 'import' ? 'dry-run' : 'plan',
    generatePasswords: $('generate-passwords').checked, createGroups: $('create-groups').checked, workers: Number($('workers').value) || 0,
    ...(k === 'import'
      ? { onExisting: $('on-existing').value, only: picked.length === only.length ? undefined : picked }
      : { feed: $('feed').value, key: $('key').value }),
  };
}

$('new-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  say('new-error');
  const button = $('check');
  button.disabled = true;
  try {
    const form = new FormData();
    form.append('csv', $('csv').files[0]);
    if ($('mapping').files[0]) form.append('mapping', $('mapping').files[0]);
    const upload = await json('POST', 'uploads', form);
    await startRun(requestFromForm(upload.id));
  } catch (err) {
    say('new-error', err);
  } finally {
    button.disabled = false;
  }
});

async function startRun(request) {
  const run = await json('POST', 'runs', request);
  state.request = request;
  state.rejected = { page: 1, code: '' };
  state.plan = { page: 1, action: '' };
  await openRun(run.id);
}

// ---- following a run -----------------------------------------------------
const MODE = { 'dry-run': 'Dry run', import: 'Import', plan: 'Plan of a sync', apply: 'Sync' };

async function openRun(id) {
  clearTimeout(state.timer);
  const { run, progress, workers } = await json('GET', `runs/${encodeURIComponent(id)}`);
  state.run = run;
  $('run').hidden = false;
  $('run-title').textContent = `${MODE[run.mode]} of ${run.file}${run.mappingName ? ` with ${run.mappingName}` : ''}`;
  $('run-status').textContent = `${run.status} — started ${new Date(run.createdAt).toLocaleString()} by ${run.ownerName}`;
  $('run').dataset.status = run.status;
  $('run').dataset.id = run.id;
  $('run-messages').replaceChildren(...run.messages.map((m) => el('li', { text: m })));
  $('resume').hidden = !(run.status === 'interrupted' && run.resumable);
  const running = run.status === 'running';
  $('progress-box').hidden = !running;
  // A run handed to workers: each one's rows, batches and pace, from the run's ledger (while it goes, and after).
  $('workers-box').hidden = !workers?.length;
  rowsOf($('workers-table').tBodies[0], (workers ?? []).map((w) => [w.name, w.rows, w.batches, w.rowsPerSecond ?? '—']));
  if (running) {
    // Nothing of an earlier run stays on screen while this one goes.
    for (const box of ['summary-box', 'plan-box', 'rejected-box', 'next-box', 'downloads-box']) $(box).hidden = true;
    showProgress(progress, run);
    // A failed poll (the daemon busy, a network blip) is tried again; a lost session shows the login.
    const poll = (delay) => { state.timer = setTimeout(() => openRun(id).catch((err) => { if (err.status !== 401) poll(3000); }), delay); };
    poll(1000);
  } else {
    await showResult(run);
    loadHistory();
  }
  return run;
}

function showProgress(p, run) {
  // A sync's apply can be stopped when workers do it (no worker takes another batch).
  $('cancel').hidden = run.kind !== 'import' && !(run.kind === 'sync' && run.mode === 'apply' && run.options.workers > 0);
  if (!p) { $('progress').removeAttribute('value'); $('progress-text').textContent = run.kind === 'import' ? 'opening the back-ends and reading the file…' : 'reading the feed and the directory, making the plan…'; return; }
  const total = p.rowsTotal ?? 0;
  $('progress').max = Math.max(1, total);
  $('progress').value = p.rowsDone;
  const of = p.rowsTotal === undefined ? '' : ` of ${p.totalIsExact ? '' : 'about '}${p.rowsTotal}`;
  // Once the file is read the total is exact, and once every row is done there is no time left to guess.
  const eta = p.etaSeconds === undefined || p.state === 'done' || p.rowsDone >= (p.rowsTotal ?? Infinity) ? '' : `, about ${p.etaSeconds} s left`;
  const per = Object.entries(p.backends).map(([b, c]) => `${b} ${c.created + c.updated + c.exists}${c['on demand'] ? ` (+${c['on demand']} on demand)` : ''}${c.failed ? ` (${c.failed} failed)` : ''}`).join(', ');
  $('progress-text').textContent = `${p.rowsDone}${of} rows, ${p.rate} rows/s${eta}; ${per}; ${p.rows.rejected} rejected, ${p.rows.failed} failed`;
}

$('resume').addEventListener('click', async () => {
  $('resume').disabled = true;
  try {
    await json('POST', `runs/${encodeURIComponent(state.run.id)}/resume`);
    await openRun(state.run.id);
  } catch (err) {
    say('run-status', err);
  } finally {
    $('resume').disabled = false;
  }
});

$('cancel').addEventListener('click', async () => {
  try { await json('POST', `runs/${encodeURIComponent(state.run.id)}/cancel`); } catch (err) { say('run-status', err); }
});

function rowsOf(tbody, rows) {
  // A row header is never empty (a leaver of a plan has no line): screen readers name each row by it.
  tbody.replaceChildren(...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el(i === 0 ? 'th' : 'td', { text: i === 0 && (c ?? '') === '' ? '—' : String(c ?? ''), ...(i === 0 ? { scope: 'row' } : {}) })))));
}

async function showResult(run) {
  const s = run.summary;
  $('summary-box').hidden = !s && !run.applied;
  if (run.applied) {
    // A sync applied: what it did, by outcome.
    $('summary-title').textContent = 'Applied';
    rowsOf($('summary').tBodies[0], [...Object.entries(run.applied),
      // Handed to workers: who created or changed how many users.
      ...(run.appliedBy ? [['done by workers', Object.entries(run.appliedBy).map(([w, n]) => `${w} ${n}`).join(', ')]] : [])]);
    $('backends').hidden = true;
  }
  if (s) {
    const r = s.rows;
    $('summary-title').textContent = run.status === 'done' ? 'Summary' : `Summary (${run.status})`;
    rowsOf($('summary').tBodies[0], [
      ['rows read', r.read],
      ...(s.dryRun ? [['valid (would be created)', r.valid], ['existing', r.exists]] : [['created', r.created], ['updated', r.updated], ['existing', r.exists], ['failed', r.failed]]),
      // Of the existing, those an earlier run wrote as they are now: no back-end was asked for them.
      ...(s.trust && s.trust.trusted + s.trust.verified > 0 ? [['trusted (no back-end asked)', s.trust.trusted], ['checked all the same', s.trust.verified]] : []),
      ['rejected', r.rejected], ['time', `${s.seconds} s`], ['rate', `${s.rowsPerSecond} rows/s`],
      ...(s.stopped ? [['stopped', s.stopped.message]] : []),
      // A run handed to workers: who did how many users.
      ...(s.workers ? [['done by workers', Object.entries(s.workers).map(([w, n]) => `${w} ${n}`).join(', ')]] : []),
    ]);
    // 'on demand': the mail server makes the folders at the first login (the stack's default), not a zero.
    const cols = ['created', 'updated', 'exists', 'failed', 'skipped', 'on demand'];
    $('backends').tHead.replaceChildren(el('tr', {}, el('th', { text: 'back-end' }), ...cols.map((c) => el('th', { text: c }))));
    rowsOf($('backends').tBodies[0], s.dryRun ? [] : Object.entries(s.backends).map(([b, c]) => [b, ...cols.map((k) => c[k])]));
    $('backends').hidden = s.dryRun;
  }
  await showPlan(run);
  await showRejected(run);
  showNext(run);
  showDownloads(run);
  $('run-title').focus();
}

async function showRejected(run) {
  const q = new URLSearchParams({ page: String(state.rejected.page), pageSize: '50', code: state.rejected.code });
  const p = await json('GET', `runs/${encodeURIComponent(run.id)}/rejected?${q}`);
  const all = Object.values(p.codes).reduce((a, b) => a + b, 0);
  $('rejected-box').hidden = all === 0;
  $('rejected-title').textContent = `Rejected and failed rows (${all} problems)`;
  const select = $('rejected-code');
  select.replaceChildren(el('option', { value: '', text: 'all codes' }), ...Object.entries(p.codes).sort((a, b) => b[1] - a[1]).map(([c, n]) => el('option', { value: c, text: `${c} (${n})` })));
  select.value = state.rejected.code;
  rowsOf($('rejected').tBodies[0], p.items.map((i) => [i.line, i.name, i.status, i.code, i.field, i.value, i.message]));
  pager($('rejected-pager'), p, (page) => { state.rejected.page = page; showRejected(run); });
}
$('rejected-code').addEventListener('change', (ev) => { state.rejected = { page: 1, code: ev.target.value }; showRejected(state.run); });

async function showPlan(run) {
  $('plan-box').hidden = !run.plan;
  if (!run.plan) return;
  const c = run.plan.counts;
  rowsOf($('plan-counts').tBodies[0], [['create', c.create], ['update', c.update], ['disable (leavers)', c.disable], ['enable (returners)', c.enable], ['unchanged', c.unchanged], ['rejected', c.rejected], ...(run.plan.deletions ? [['delete', run.plan.deletions]] : [])]);
  $('threshold').textContent = `Leaver threshold: a sync disables at most ${run.plan.maxDisable} users of feed ${run.plan.feed} unless told otherwise; this plan disables ${c.disable}.${run.plan.blocked ? ' It is over the threshold: nothing is applied unless you raise it below.' : ''}`;
  $('threshold').className = run.plan.blocked ? 'error' : '';
  const q = new URLSearchParams({ page: String(state.plan.page), pageSize: '50', action: state.plan.action });
  const p = await json('GET', `runs/${encodeURIComponent(run.id)}/plan?${q}`);
  const select = $('plan-action');
  select.replaceChildren(el('option', { value: '', text: 'every change' }), ...Object.entries(p.actions).filter(([a]) => a !== 'unchanged').map(([a, n]) => el('option', { value: a, text: `${a} (${n})` })));
  select.value = state.plan.action;
  const rows = [];
  for (const e of p.items) {
    const changes = e.changes.length ? e.changes : [{ attribute: '', old: [], new: [] }];
    for (const ch of changes) rows.push([e.line ?? '', e.action, e.username, e.key, ch.attribute, ch.old.join(' | '), ch.new.join(' | ')]);
  }
  rowsOf($('plan').tBodies[0], rows);
  pager($('plan-pager'), p, (page) => { state.plan.page = page; showPlan(run); });
}
$('plan-action').addEventListener('change', (ev) => { state.plan = { page: 1, action: ev.target.value }; showPlan(state.run); });

function pager(nav, p, go) {
  if (p.pages <= 1) { nav.replaceChildren(); return; }
  const button = (text, page, disabled) => el('button', { type: 'button', text, ...(disabled ? { disabled: '' } : {}), onclick: () => go(page) });
  nav.replaceChildren(button('« previous', p.page - 1, p.page <= 1), el('span', { text: ` page ${p.page} of ${p.pages} (${p.total}) ` }), button('next »', p.page + 1, p.page >= p.pages));
}

function showNext(run) {
  const box = $('next-box');
  const next = $('next');
  const checked = run.status === 'done' || run.status === 'blocked';
  box.hidden = !(checked && (run.mode === 'dry-run' || run.mode === 'plan'));
  const blocked = Boolean(run.plan && run.plan.blocked);
  $('max-disable-label').hidden = !blocked;
  // How many people may be disabled is the administrator's decision: the field starts empty, never with the plan's own count.
  $('max-disable').value = '';
  $('confirm-box').hidden = true;
  $('max-disable-status').textContent = '';
  next.textContent = run.mode === 'dry-run' ? 'Start the import with these options' : 'Apply this plan';
  const send = async (maxDisable) => {
    next.disabled = true;
    $('confirm').disabled = true;
    try {
      const o = run.options;
      const request = run.kind === 'import'
        ? { uploadId: run.uploadId, kind: 'import', mode: 'import', onExisting: o.onExisting, generatePasswords: o.generatePasswords, createGroups: o.createGroups, only: o.only, workers: o.workers }
        : { uploadId: run.uploadId, kind: 'sync', mode: 'apply', feed: o.feed, key: o.key, generatePasswords: o.generatePasswords, createGroups: o.createGroups, workers: o.workers,
          ...(maxDisable === undefined ? {} : { maxDisable }) };
      await startRun(request);
    } catch (err) {
      say('run-status', err);
    } finally {
      next.disabled = false;
      $('confirm').disabled = false;
    }
  };
  next.onclick = async () => {
    if (!blocked) return send(undefined);
    // Over the threshold: only with a number the administrator typed, and only after saying once more what it does.
    const typed = $('max-disable').value.trim();
    const leavers = run.plan.counts.disable;
    if (!/^\d+$/.test(typed)) {
      $('max-disable-status').textContent = `This plan disables ${leavers} users, more than the threshold of ${run.plan.maxDisable}. Type in "Disable at most" how many may be disabled, then apply.`;
      $('max-disable').focus();
      return;
    }
    if (Number(typed) < leavers) {
      $('max-disable-status').textContent = `This plan disables ${leavers} users; at most ${typed} would refuse it again. Type ${leavers} or more to apply it.`;
      return;
    }
    $('max-disable-status').textContent = '';
    $('confirm-text').textContent = `This disables ${leavers} users of feed ${run.plan.feed} (LDAP bind, IMAP login and mail refused; nothing is deleted).`;
    $('confirm').textContent = `Disable ${leavers} users and apply the plan`;
    $('confirm').onclick = () => send(Number(typed));
    $('confirm-box').hidden = false;
    $('confirm').focus();
  };
}

function showDownloads(run) {
  $('downloads-box').hidden = run.files.length === 0 && run.credentials !== 'available';
  $('downloads').replaceChildren(...run.files.map((f) => el('li', {}, el('a', { href: `/ui/api/runs/${encodeURIComponent(run.id)}/files/${encodeURIComponent(f)}`, download: f, text: f }))));
  $('credentials-box').hidden = run.credentials !== 'available';
}

$('credentials').addEventListener('click', async () => {
  try {
    const res = await api('POST', `runs/${encodeURIComponent(state.run.id)}/credentials`);
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: 'credentials.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    $('credentials-box').hidden = true;
    state.run.credentials = 'downloaded';
  } catch (err) {
    say('run-status', err);
  }
});

// ---- history -------------------------------------------------------------
/** One line of what a run did, for the list. */
function outcome(r) {
  const s = r.summary?.rows;
  if (s) return r.mode === 'dry-run' ? `${s.valid} valid, ${s.exists} existing, ${s.rejected} rejected` : `${s.created} created, ${s.updated} updated, ${s.exists} existing, ${s.failed} failed, ${s.rejected} rejected`;
  if (r.applied) return Object.entries(r.applied).map(([k, n]) => `${n} ${k}`).join(', ');
  const c = r.plan?.counts;
  return c ? `${c.create} to create, ${c.update} to update, ${c.disable} to disable, ${c.rejected} rejected` : (r.messages[0] ?? '');
}
async function loadHistory() {
  try {
    const { runs, elsewhere = [] } = await json('GET', 'runs');
    rowsOf($('history-table').tBodies[0], []);
    // The page's own runs, and those of the other doors (the command line): newest first.
    const rows = [
      ...runs.map((r) => ({ at: r.createdAt, cells: [r.ownerName, r.file, MODE[r.mode], r.status, outcome(r)],
        action: el('button', { type: 'button', text: 'Open', onclick: () => openRun(r.id).catch((err) => say('run-status', err)) }) })),
      ...elsewhere.map((r) => ({ at: r.createdAt, cells: [`${r.startedBy} (${r.door})`, r.file, `${r.kind}${r.mode === 'run' ? '' : ` ${r.mode}`}`, r.state,
        Object.entries(r.counters).filter(([k, n]) => n && k !== 'read').map(([k, n]) => `${n} ${k}`).join(', ')],
        action: el('span', { text: `oxprov runs show ${r.id}` }) })),
    ].sort((a, b) => b.at.localeCompare(a.at));
    $('history-table').tBodies[0].replaceChildren(...(rows.length ? rows.map((r) => el('tr', {},
      el('td', { text: new Date(r.at).toLocaleString() }), ...r.cells.map((c) => el('td', { text: String(c ?? '') })), el('td', {}, r.action)))
      : [el('tr', {}, el('td', { colspan: '7', text: 'no runs yet' }))]));
  } catch {
    // shown by the next action
  }
}
$('history-refresh').addEventListener('click', loadHistory);

// ---- start ---------------------------------------------------------------
json('GET', 'session').then(showApp, () => showLogin());
