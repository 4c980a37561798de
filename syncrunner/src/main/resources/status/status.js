// The status page's script: runs as a timeline per connection (last 24 h), the freshness of every connection
// (GET /status/connections: the inventory of GET /api/connections with the page's credentials), the schedules with their next fire times and the recent runs,
// refreshed every few seconds. Data from the runner only; nothing is written into the page as HTML (textContent
// and DOM nodes only), so no run's text can become markup.
'use strict';

const WINDOW_MS = 24 * 3600 * 1000;
const SPARK_POINTS = 20;
const REFRESH_MS = 3000;
const SVG = 'http://www.w3.org/2000/svg';

// from the origin: a page opened as http://user:token@host/status would otherwise put the credentials in the URL,
// which fetch refuses; the browser sends the Basic credentials it signed in with by itself
function here(path) {
  return new URL(path, location.origin);
}

async function getJson(path) {
  const answer = await fetch(here(path), {cache: 'no-store', headers: {'Accept': 'application/json'}});
  if (answer.status !== 200) {
    const error = new Error(path + ' answered ' + answer.status);
    error.status = answer.status;
    throw error;
  }
  return answer.json();
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null) e.setAttribute(k, v);
  }
  if (text != null) e.textContent = String(text);
  return e;
}

function cell(row, text, cls) {
  const td = el('td', cls ? {class: cls} : {}, text == null ? '' : text);
  row.appendChild(td);
  return td;
}

function link(url, text) {
  return url ? el('a', {href: url, rel: 'noopener noreferrer', target: '_blank'}, text) : document.createTextNode('');
}

function target(run) {
  return run.connectionId || run.connectorId || null;
}

/** The timeline row a run belongs to: provider/account/connection, or the workflow. */
function rowKey(run) {
  return run.provider ? run.provider + '/' + run.account + '/' + target(run) : 'workflow/' + run.workflow;
}

function millis(iso) {
  return iso ? Date.parse(iso) : NaN;
}

function ago(ms) {
  if (ms == null || isNaN(ms)) return '';
  const s = Math.round(Math.abs(ms) / 1000);
  const text = s < 90 ? s + ' s' : s < 5400 ? Math.round(s / 60) + ' min' : s < 172800 ? Math.round(s / 3600) + ' h'
      : Math.round(s / 86400) + ' d';
  return ms >= 0 ? text + ' ago' : 'in ' + text;
}

function seconds(ms) {
  return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : ms < 5400000 ? Math.round(ms / 1000) + ' s'
      : (ms / 3600000).toFixed(1) + ' h';
}

function providerName(p) {
  return p === 'airbyte' ? 'Airbyte' : p === 'fivetran' ? 'Fivetran' : p;
}

// ---------------------------------------------------------------------------------------------------- timeline

function drawAxis(now) {
  const axis = document.getElementById('timeline-axis');
  axis.replaceChildren(el('span'), el('div', {class: 'ticks'}), el('span', {class: 'hint'}, 'last durations'));
  const ticks = axis.children[1];
  for (let h = 0; h <= 24; h += 6) {
    const tick = el('span', {class: 'tick'}, h === 24 ? 'now' : '-' + (24 - h) + ' h');
    tick.style.left = (h / 24 * 100) + '%';
    ticks.appendChild(tick);
  }
}

/** An SVG line of the durations (oldest to newest), one point per run; data-points says how many. */
function sparkline(durations) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('viewBox', '0 0 120 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('data-points', String(durations.length));
  const title = document.createElementNS(SVG, 'title');
  title.textContent = 'durations of the last ' + durations.length + ' run(s): ' + durations.map(seconds).join(', ');
  svg.appendChild(title);
  const max = Math.max(...durations, 1);
  const points = durations.map((d, i) => {
    const x = durations.length === 1 ? 60 : 2 + i * 116 / (durations.length - 1);
    const y = 22 - d / max * 20;
    return [x.toFixed(1), y.toFixed(1)];
  });
  if (points.length > 1) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.map(p => p.join(',')).join(' '));
    svg.appendChild(line);
  }
  const last = points[points.length - 1];
  const dot = document.createElementNS(SVG, 'circle');
  dot.setAttribute('cx', last[0]);
  dot.setAttribute('cy', last[1]);
  dot.setAttribute('r', '2');
  svg.appendChild(dot);
  return svg;
}

function drawTimeline(runs, now) {
  drawAxis(now);
  const start = now - WINDOW_MS;
  const rows = new Map();
  // newest first from the runner: each row keeps its runs in that order
  for (const r of runs) {
    const key = rowKey(r);
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push(r);
  }
  const box = document.getElementById('timeline');
  box.replaceChildren();
  const shown = [...rows.entries()].filter(([, list]) => list.some(r =>
      r.outcome === 'running' || millis(r.finishedAt) >= start || millis(r.acceptedAt) >= start));
  shown.sort((a, b) => a[0].localeCompare(b[0]));
  if (shown.length === 0) {
    box.appendChild(el('p', {class: 'empty'}, 'no run in the last 24 hours'));
  }
  for (const [key, list] of shown) {
    const first = list[0];
    const row = el('div', {class: 'timeline-row', 'data-connection': key});
    const label = el('div', {class: 'label', title: key});
    if (first.provider) {
      label.appendChild(el('span', {class: 'provider'}, providerName(first.provider) + ' · ' + first.account + ' · '));
      const uiUrl = list.map(r => r.uiUrl).find(u => u);
      label.appendChild(uiUrl ? el('a', {href: uiUrl, rel: 'noopener noreferrer', target: '_blank',
        class: 'provider-link', title: 'open in ' + providerName(first.provider)}, target(first))
          : el('span', {}, target(first)));
    } else {
      label.appendChild(el('span', {class: 'provider'}, 'workflow · '));
      label.appendChild(el('span', {}, first.workflow));
    }
    const track = el('div', {class: 'track'});
    for (const r of list) {
      const from = millis(r.acceptedAt);
      const to = r.outcome === 'running' || isNaN(millis(r.finishedAt)) ? now : millis(r.finishedAt);
      if (to < start) continue;
      const left = Math.max(0, (from - start) / WINDOW_MS * 100);
      const width = Math.max(0, (Math.min(to, now) - Math.max(from, start)) / WINDOW_MS * 100);
      const bar = el(r.uiUrl ? 'a' : 'span', {
        class: 'bar outcome-' + r.outcome, 'data-run-id': r.runId, 'data-outcome': r.outcome,
        href: r.uiUrl, rel: r.uiUrl ? 'noopener noreferrer' : null, target: r.uiUrl ? '_blank' : null,
        tabindex: '0',
        title: r.outcome + ' · run ' + r.runId + ' · started ' + r.acceptedAt
            + (r.finishedAt ? ' · ended ' + r.finishedAt : '') + ' · ' + r.duration + (r.error ? ' · ' + r.error : '')
      });
      bar.style.left = left + '%';
      bar.style.width = 'max(4px, ' + width + '%)';
      track.appendChild(bar);
    }
    const durations = list.filter(r => r.outcome !== 'running' && r.finishedAt).slice(0, SPARK_POINTS).reverse()
        .map(r => millis(r.finishedAt) - millis(r.acceptedAt));
    const spark = el('div', {class: 'spark'});
    spark.appendChild(durations.length ? sparkline(durations) : el('span', {class: 'empty'}, 'no finished run'));
    row.append(label, track, spark);
    box.appendChild(row);
  }
}

// --------------------------------------------------------------------------------------------------- freshness

/** Stale first; among them (and among the fresh ones) the longest since a success first, never-succeeded on top. */
function freshnessOrder(a, b) {
  if (!!a.stale !== !!b.stale) return a.stale ? -1 : 1;
  const sa = a.secondsSinceSuccess == null ? Infinity : a.secondsSinceSuccess;
  const sb = b.secondsSinceSuccess == null ? Infinity : b.secondsSinceSuccess;
  if (sa !== sb) return sb - sa;
  return String(a.name || a.connectionId).localeCompare(String(b.name || b.connectionId));
}

function drawFreshness(inventory, problem) {
  const note = document.getElementById('inventory-note');
  const body = document.querySelector('#freshness tbody');
  body.replaceChildren();
  if (!inventory) {
    note.textContent = 'inventory not available (' + problem + ')';
    note.dataset.state = 'unavailable';
    return;
  }
  const list = [...(inventory.connections || [])].sort(freshnessOrder);
  note.textContent = list.length + ' connection(s), inventory refreshed ' + (inventory.refreshedAt || '?');
  note.dataset.state = 'available';
  for (const c of list) {
    const row = el('tr', {'data-connection-id': c.connectionId, class: c.stale ? 'stale' : 'fresh'});
    const name = cell(row, null);
    name.appendChild(el('span', {}, c.name || c.connectionId));
    name.appendChild(document.createTextNode(' '));
    name.appendChild(el('span', {class: 'badge ' + (c.stale ? 'stale' : 'fresh')}, c.stale ? 'stale' : 'fresh'));
    if (c.paused) {
      name.appendChild(document.createTextNode(' '));
      name.appendChild(el('span', {class: 'badge paused'}, 'paused'));
    }
    cell(row, providerName(c.provider) + ' / ' + c.account);
    const last = c.lastSync || {};
    cell(row, last.status ? last.status + (last.endedAt ? ', ' + ago(Date.now() - millis(last.endedAt)) : '') : '—',
        last.status ? 'outcome-' + (last.status === 'timed out' ? 'timed-out' : last.status) : null);
    cell(row, c.lastSuccessAt ? ago(c.secondsSinceSuccess != null ? c.secondsSinceSuccess * 1000
        : Date.now() - millis(c.lastSuccessAt)) : 'never');
    cell(row, c.freshnessThreshold);
    cell(row, c.schedule);
    cell(row, null).appendChild(link(c.uiUrl, 'open in ' + providerName(c.provider)));
    body.appendChild(row);
  }
}

// --------------------------------------------------------------------------------------------------- schedules

function drawSchedules(schedules, now, problem) {
  const note = document.getElementById('schedules-note');
  const body = document.querySelector('#schedules tbody');
  body.replaceChildren();
  if (!schedules) {
    note.textContent = 'schedules not available (' + problem + ')';
    return;
  }
  note.textContent = schedules.length ? '' : 'no schedule (routes/schedules.yaml)';
  for (const s of schedules) {
    const row = el('tr', {'data-route-id': s.routeId});
    cell(row, s.routeId);
    cell(row, s.provider ? providerName(s.provider) + ' · ' + s.account + ' · ' + s.target : '');
    cell(row, s.cron);
    cell(row, s.timeZone);
    const next = cell(row, s.nextFireTime ? s.nextFireTime + ' (' + ago(now - millis(s.nextFireTime)) + ')' : '—',
        'next-fire');
    if (s.nextFireTime) next.dataset.nextFireTime = s.nextFireTime;
    cell(row, null).appendChild(el('span', {class: 'badge ' + (s.enabled ? 'fresh' : 'stopped')},
        s.enabled ? 'enabled' : 'stopped'));
    body.appendChild(row);
  }
}

// -------------------------------------------------------------------------------------------------------- runs

function drawRuns(runs) {
  const body = document.getElementById('runs');
  body.replaceChildren();
  for (const r of runs) {
    const row = el('tr', {'data-run-id': r.runId});
    cell(row, r.runId);
    cell(row, r.provider || 'workflow');
    cell(row, r.account);
    cell(row, target(r) || r.workflow);
    cell(row, r.state, r.state);
    cell(row, r.duration);
    cell(row, r.result && r.result.rowsSynced != null ? r.result.rowsSynced : '');
    cell(row, r.error);
    cell(row, r.outcome, 'outcome-' + r.outcome);
    cell(row, null).appendChild(link(r.uiUrl, 'open in ' + providerName(r.provider)));
    body.appendChild(row);
  }
}

async function refresh() {
  const now = Date.now();
  let runs;
  try {
    runs = await getJson('/status/runs');
  } catch (e) {
    document.getElementById('updated').textContent = 'cannot reach the runner: ' + e.message;
    return;
  }
  drawTimeline(runs, now);
  drawRuns(runs);
  try {
    drawSchedules(await getJson('/status/schedules'), now);
  } catch (e) {
    drawSchedules(null, now, e.message);
  }
  try {
    drawFreshness(await getJson('/status/connections'));
  } catch (e) {
    drawFreshness(null, e.message);
  }
  document.getElementById('updated').textContent = runs.length + ' run(s), updated ' + new Date(now).toISOString();
  document.body.dataset.rendered = String(now);
}

document.addEventListener('DOMContentLoaded', () => {
  refresh();
  setInterval(refresh, REFRESH_MS);
});
