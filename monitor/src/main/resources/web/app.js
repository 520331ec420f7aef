// Canopy's page: a view onto the monitor's JSON API, redrawn every few seconds.
// Charts are uPlot's; every drawn series, marker and verdict is also in the DOM as data-* attributes.
'use strict';

const POLL_MS = 5000;
const COMPARE_EVERY_MS = 30000;
const COLORS = ['#1b6ca8', '#d1495b', '#00798c', '#edae49', '#66a182', '#8d5a97', '#30638e', '#a44a3f'];
const SHIFT_COLOR = '#b00020';

const state = {releases: [], semantic: false, shifts: [], series: null, model: null, charts: {},
  compareKey: null, compareAt: 0, pairChosen: null};

const $ = id => document.getElementById(id);
const fmt = v => v === null || v === undefined || !isFinite(v) ? 'n/a' : Number(v).toPrecision(4);
const signed = v => v === null || v === undefined || !isFinite(v) ? 'n/a' : (v > 0 ? '+' : '') + Number(v).toPrecision(3);
const time = ms => ms ? new Date(ms).toLocaleTimeString() : '';

async function getJson(path) {
  const r = await fetch(path, {cache: 'no-store'});
  const body = await r.json().catch(() => ({error: r.statusText}));
  if (!r.ok) {
    const e = new Error(body.error || ('HTTP ' + r.status));
    e.status = r.status;
    throw e;
  }
  return body;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('data-')) e.setAttribute(k, v === null || v === undefined ? '' : String(v));
    else if (k === 'class') e.className = v;
    else e[k] = v;
  }
  children.forEach(c => e.append(c));
  return e;
}

function models() {
  const byModel = new Map();
  for (const r of state.releases) {
    if (!byModel.has(r.model)) byModel.set(r.model, []);
    byModel.get(r.model).push(r);
  }
  return byModel;
}

function modelFromHash() {
  const m = /[#&]model=([^&]*)/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function renderModels() {
  const filter = $('filter').value.trim().toLowerCase();
  const list = $('models');
  list.replaceChildren();
  for (const [model, releases] of models()) {
    if (filter && !model.toLowerCase().includes(filter)) continue;
    const shifted = state.shifts.filter(s => s.model === model && s.status === 'shift').length;
    const li = el('li', {'data-model': model, 'data-releases': releases.length, 'data-shifts': shifted,
      class: model === state.model ? 'selected' : ''}, model + ' ', el('span', {class: 'count'}, '(' + releases.length + ')'));
    if (shifted) li.append(el('span', {class: 'badge', title: shifted + ' metrics shifted'}, 'shift'));
    li.onclick = () => { location.hash = 'model=' + encodeURIComponent(model); };
    list.append(li);
  }
}

// One chart: a line per release over the rolling windows (x: window end), the release markers and the
// verdicts on this chart's metric. withBand draws each release's interval as a shaded band.
function drawChart(key, container, legend, field, withBand, verdictMetric) {
  const releases = state.series.releases;
  const tables = releases.map(r => {
    const xs = r.windows.map(w => w.end / 1000);
    const t = [xs, r.windows.map(w => w[field])];
    if (withBand) t.push(r.windows.map(w => w.pearson_ci_low), r.windows.map(w => w.pearson_ci_high));
    return t;
  });
  const data = tables.length ? uPlot.join(tables) : [[]];
  const series = [{}];
  const bands = [];
  releases.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    series.push({label: r.release, stroke: color, width: 2, points: {show: r.windows.length < 3}});
    if (withBand) {
      const at = series.length;
      series.push({label: r.release + ' low', stroke: color + '55', width: 1});
      series.push({label: r.release + ' high', stroke: color + '55', width: 1});
      bands.push({series: [at + 1, at], fill: color + '22'});
    }
  });
  const markers = releases.filter(r => r.deployed_at > 0).map((r, i) => ({at: r.deployed_at, label: r.release + ' deployed',
    color: COLORS[releases.indexOf(r) % COLORS.length], kind: 'release', release: r.release}));
  const verdicts = state.shifts.filter(s => s.model === state.model && s.metric === verdictMetric && s.status === 'shift')
    .map(s => ({at: s.time, label: 'shift ' + (s.direction === 'up' ? '↑' : '↓') + ' ' + signed(s.effect), color: SHIFT_COLOR,
      kind: 'shift', release: s.candidate, verdict: s}));
  const marks = markers.concat(verdicts);
  const xs = data[0].concat(marks.map(m => m.at / 1000));
  const lo = xs.length ? Math.min(...xs) : 0;
  const hi = xs.length ? Math.max(...xs) : 1;
  const opts = {
    width: Math.max(360, Math.min(720, container.parentElement.clientWidth || 560)), height: 260, legend: {show: false},
    scales: {x: {time: true, range: () => [lo - 5, hi + 5]}},
    series, bands,
    axes: [{}, {size: 60}],
    hooks: {draw: [u => {
      const ctx = u.ctx;
      ctx.save();
      ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
      marks.forEach((m, i) => {
        const x = u.valToPos(m.at / 1000, 'x', true);
        ctx.strokeStyle = m.color;
        ctx.fillStyle = m.color;
        ctx.lineWidth = (m.kind === 'shift' ? 2 : 1) * devicePixelRatio;
        ctx.setLineDash(m.kind === 'shift' ? [] : [6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        // release labels to the right of their line, verdict labels to the left (verdicts are the newest)
        ctx.textAlign = m.kind === 'shift' ? 'right' : 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(m.label, x + (m.kind === 'shift' ? -4 : 4) * devicePixelRatio, u.bbox.top + (2 + 13 * i) * devicePixelRatio);
      });
      ctx.restore();
    }]},
  };
  if (state.charts[key]) state.charts[key].destroy();
  container.replaceChildren();
  state.charts[key] = new uPlot(opts, data, container);
  legend.replaceChildren();
  releases.forEach((r, i) => {
    const last = r.windows.length ? r.windows[r.windows.length - 1] : null;
    legend.append(el('li', {'data-series': field, 'data-model': state.model, 'data-release': r.release,
      'data-points': r.windows.length, 'data-last': last ? last[field] : '', 'data-last-end': last ? last.end : ''},
    el('span', {class: 'swatch', style: 'background:' + COLORS[i % COLORS.length]}),
    r.release + (last ? ': ' + fmt(last[field]) + (withBand ? ' [' + fmt(last.pearson_ci_low) + ', ' + fmt(last.pearson_ci_high) + ']' : '') : '')));
  });
  marks.forEach(m => legend.append(el('li', {'data-marker': m.kind, 'data-release': m.release, 'data-at': m.at,
    'data-metric': m.verdict ? m.verdict.metric : '', 'data-effect': m.verdict ? m.verdict.effect : '', hidden: true}, m.label)));
}

function renderVerdicts() {
  const body = $('verdicts').querySelector('tbody');
  body.replaceChildren();
  const mine = state.shifts.filter(s => s.model === state.model)
    .sort((a, b) => (b.status === 'shift') - (a.status === 'shift') || a.metric.localeCompare(b.metric));
  for (const s of mine) {
    const verdict = s.status === 'shift' ? 'shift ' + (s.direction === 'up' ? '↑ up' : '↓ down') : s.status.replace('_', ' ');
    body.append(el('tr', {class: s.status === 'shift' ? 'shift' : '', 'data-verdict': s.status, 'data-model': s.model,
      'data-candidate': s.candidate, 'data-baseline': s.baseline, 'data-metric': s.metric, 'data-direction': s.direction || '',
      'data-effect': s.effect, 'data-low': s.ci_low, 'data-high': s.ci_high},
    el('td', {}, s.candidate), el('td', {}, s.baseline), el('td', {}, s.metric), el('td', {}, verdict),
    el('td', {}, signed(s.effect) + ' [' + signed(s.ci_low) + ', ' + signed(s.ci_high) + ']')));
  }
  if (!mine.length) body.append(el('tr', {}, el('td', {colSpan: 5}, 'no verdict yet: the detector needs rollouts of two releases')));
}

function renderReleases() {
  const body = $('releases').querySelector('tbody');
  body.replaceChildren();
  document.querySelectorAll('.sem').forEach(e => { e.hidden = !state.semantic; });
  for (const r of models().get(state.model) || []) {
    const row = el('tr', {'data-release-row': r.release, 'data-model': r.model, 'data-rollouts': r.rollouts,
      'data-ce-star': r.ce_star, 'data-pearson': r.pearson},
    el('td', {}, r.release), el('td', {}, time(r.deployed_at)), el('td', {}, r.baseline || '—'), el('td', {}, r.rollouts),
    el('td', {}, fmt(r.ce_star)), el('td', {}, fmt(r.pearson) + ' [' + fmt(r.pearson_ci_low) + ', ' + fmt(r.pearson_ci_high) + ']'));
    if (state.semantic) row.append(el('td', {class: 'sem', 'data-semantic': r.diversity_entropy_rate_pearson}, fmt(r.diversity_entropy_rate_pearson)));
    body.append(row);
  }
}

// The A/B selectors: the model's releases, by default the newest and its baseline.
function renderPickers() {
  const releases = models().get(state.model) || [];
  const names = releases.map(r => r.release);
  const newest = releases[releases.length - 1];
  let pair = state.pairChosen && state.pairChosen.model === state.model ? state.pairChosen : null;
  if (!pair && newest) pair = {baseline: newest.baseline, candidate: newest.release};
  for (const [id, value] of [['baseline', pair && pair.baseline], ['candidate', pair && pair.candidate]]) {
    const select = $(id);
    if (select.dataset.options !== names.join('\n')) {
      select.replaceChildren(...names.map(n => el('option', {value: n}, n)));
      select.dataset.options = names.join('\n');
    }
    if (value && names.includes(value)) select.value = value;
  }
}

async function refreshCompare(force) {
  const b = $('baseline').value;
  const c = $('candidate').value;
  const status = $('compare-status');
  if (!b || !c || b === c) {
    status.textContent = 'pick two different releases';
    $('comparison').querySelector('tbody').replaceChildren();
    state.compareKey = null;
    return;
  }
  const key = state.model + '\n' + b + '\n' + c;
  if (!force && key === state.compareKey && Date.now() - state.compareAt < COMPARE_EVERY_MS) return;
  state.compareAt = Date.now();
  try {
    const q = 'model=' + encodeURIComponent(state.model) + '&baseline=' + encodeURIComponent(b) + '&candidate=' + encodeURIComponent(c);
    const r = await getJson('api/v1/compare?' + q);
    state.compareKey = key;
    renderComparison(r);
    const how = r.decision
      ? r.decision.interval + ' intervals, flags at ' + (100 * r.decision.false_discovery_rate) + '% false discovery rate over ' + r.decision.tested + ' metrics'
      : r.replicates + ' replicates';
    status.textContent = 'by ' + r.mode + ', ' + (r.paired ? 'paired' : 'unpaired') + ', ' + how + ' · ' + time(Date.now());
    status.className = 'status';
  } catch (e) {
    status.textContent = e.message;
    status.className = 'status error';
    if (e.status === 503) state.compareAt = 0;
  }
}

function renderComparison(r) {
  const body = $('comparison').querySelector('tbody');
  body.replaceChildren();
  body.dataset.baseline = r.baseline;
  body.dataset.candidate = r.candidate;
  const rows = Object.entries(r.metrics).concat(r.semantic ? Object.entries(r.semantic.metrics).map(([k, v]) => ['semantic ' + k, v]) : []);
  for (const [metric, m] of rows) {
    body.append(el('tr', {class: m.significant ? 'shift' : '', 'data-compare-metric': metric, 'data-baseline': m.baseline,
      'data-candidate': m.candidate, 'data-delta': m.delta, 'data-ci-low': m.ci_low, 'data-ci-high': m.ci_high,
      'data-significant': m.significant},
    el('td', {}, metric), el('td', {}, fmt(m.baseline)), el('td', {}, fmt(m.candidate)), el('td', {}, signed(m.delta)),
    el('td', {}, '[' + signed(m.ci_low) + ', ' + signed(m.ci_high) + ']'), el('td', {}, m.significant ? 'significant' : '')));
  }
}

async function poll() {
  const status = $('status');
  try {
    const [rel, sh] = await Promise.all([getJson('api/v1/releases'), getJson('api/v1/shifts')]);
    state.releases = rel.releases;
    state.semantic = rel.semantic;
    state.shifts = sh.shifts;
    const all = models();
    const wanted = modelFromHash();
    state.model = wanted && all.has(wanted) ? wanted : (all.has(state.model) ? state.model : all.keys().next().value || null);
    renderModels();
    $('title').textContent = state.model ? state.model : 'no rollouts yet';
    if (state.model) {
      state.series = await getJson('api/v1/series?model=' + encodeURIComponent(state.model));
      drawChart('ce', $('chart-ce'), $('legend-ce'), 'ce_star', false, 'ce_star');
      drawChart('rho', $('chart-rho'), $('legend-rho'), 'pearson', true, 'length_entropy_rate.pearson');
      renderVerdicts();
      renderReleases();
      renderPickers();
      await refreshCompare(false);
    }
    const missing = (rel.unreachable || []).concat(sh.unreachable || []).map(u => u.instance);
    status.textContent = all.size + ' models, ' + state.releases.length + ' releases · updated ' + time(Date.now())
      + (missing.length ? ' · partial: no answer from ' + Array.from(new Set(missing)).join(', ') : '');
    status.className = missing.length ? 'status error' : 'status';
    status.dataset.partial = String(missing.length > 0);
    document.body.dataset.model = state.model || '';
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  } catch (e) {
    status.textContent = (e.status === 503 ? 'the monitor is starting: ' : 'cannot read the monitor: ') + e.message;
    status.className = 'status error';
  }
}

let timer = null;
async function loop() {
  clearTimeout(timer);
  await poll();
  clearTimeout(timer); // a model picked during the poll started another loop: keep one timer
  timer = setTimeout(loop, POLL_MS);
}

$('filter').oninput = renderModels;
window.onhashchange = () => { state.pairChosen = null; state.compareKey = null; loop(); };
for (const id of ['baseline', 'candidate']) {
  $(id).onchange = () => {
    state.pairChosen = {model: state.model, baseline: $('baseline').value, candidate: $('candidate').value};
    refreshCompare(true);
  };
}
loop();
