'use strict';
// The Flam page: search the index, inspect a file's lanes, detect in a dropped file, listen live, export what is shown.
const $ = (id) => document.getElementById(id);
const state = { key: sessionStorage.getItem('flam-key') || '', files: [], threshold: 0.5, view: null, shown: null };
const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function withKey(url) {
  return state.key ? url + (url.includes('?') ? '&' : '?') + 'key=' + encodeURIComponent(state.key) : url;
}

async function api(url, options = {}) {
  const headers = Object.assign({}, options.headers, state.key ? { 'X-Api-Key': state.key } : {});
  const response = await fetch(url, Object.assign({}, options, { headers }));
  if (!response.ok) {
    let detail = response.status + ' ' + response.statusText;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch (e) { /* not JSON */ }
    const error = new Error(detail);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

const fmt = (x) => Number(x).toFixed(2);
const lines = (text) => text.split('\n').map((q) => q.trim()).filter((q) => q.length > 0);

async function loadInfo() {
  try {
    const info = await api('/api/info');
    state.threshold = info.threshold;
    const index = info.index ? `index: ${info.index.files} file(s), ${fmt(info.index.hours)} h` : 'no index (start with --index DIR to search)';
    $('info').textContent = `model ${info.model} · ${index} · Flam ${info.version}`;
    $('search-section').hidden = !info.index;
    if (info.index) state.files = (await api('/api/files')).files;
  } catch (e) {
    if (e.status === 401) {
      $('key-form').hidden = false;
      $('info').textContent = 'This server needs its API key.';
      $('api-key').focus();
    } else {
      $('info').textContent = 'Cannot reach the server: ' + e.message;
    }
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.key = $('api-key').value;
  sessionStorage.setItem('flam-key', state.key);
  $('key-form').hidden = true;
  loadInfo();
});

function fileId(path) {
  const file = state.files.find((f) => f.file === path);
  return file ? file.id : null;
}

// A lane: probabilities over time on a canvas, the threshold dashed, events shaded; optional window [from, to] in seconds.
function drawLane(canvas, lane, color, from, to) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth * ratio;
  const height = canvas.clientHeight * ratio;
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, width, height);
  const span = Math.max(to - from, 1e-6);
  const x = (t) => ((t - from) / span) * width;
  g.fillStyle = color + '40';
  for (const e of lane.events) g.fillRect(x(e.onset), 0, Math.max(1, x(e.offset) - x(e.onset)), height);
  g.strokeStyle = '#777';
  g.setLineDash([4 * ratio, 4 * ratio]);
  g.beginPath();
  g.moveTo(0, height * (1 - lane.threshold));
  g.lineTo(width, height * (1 - lane.threshold));
  g.stroke();
  g.setLineDash([]);
  g.strokeStyle = color;
  g.lineWidth = 2 * ratio;
  g.beginPath();
  lane.probabilities.forEach((p, k) => {
    const t0 = lane.start + k * lane.frameSeconds;
    const y = height * (1 - p);
    if (k === 0) g.moveTo(x(t0), y); else g.lineTo(x(t0), y);
    g.lineTo(x(t0 + lane.frameSeconds), y);
  });
  g.stroke();
}

// Lanes of one detection report file entry, with a remove button when removable.
function renderLanes(container, entry, threshold, options = {}) {
  container.replaceChildren();
  entry.queries.forEach((q, i) => {
    const lane = document.createElement('div');
    lane.className = 'lane';
    const head = document.createElement('div');
    head.className = 'lane-head';
    const title = document.createElement('span');
    const events = q.events.map((e) => `${fmt(e.onset)}–${fmt(e.offset)} s`).join(', ');
    title.textContent = `${q.query}: ${q.events.length} event(s)${events ? ' — ' + events : ''}`;
    head.append(title);
    if (options.onSeek) {
      // Each event is a button too, so playing from it needs no mouse.
      for (const e of q.events) {
        const seek = document.createElement('button');
        seek.type = 'button';
        seek.className = 'plain';
        seek.textContent = `▶ ${fmt(e.onset)} s`;
        seek.setAttribute('aria-label', `Play ${q.query} from ${fmt(e.onset)} s`);
        seek.addEventListener('click', () => options.onSeek(e.onset));
        head.append(seek);
      }
    }
    if (options.onRemove) {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'plain';
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', `Remove lane ${q.query}`);
      remove.addEventListener('click', () => options.onRemove(q.query));
      head.append(remove);
    }
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `Probability of ${q.query} over ${fmt(entry.duration)} s; ${q.events.length} event(s) ${events}`);
    lane.append(head, canvas);
    container.append(lane);
    const data = { probabilities: q.probabilities || [], events: q.events, threshold, frameSeconds: entry.frame_seconds, start: 0 };
    drawLane(canvas, data, colors[i % colors.length], 0, entry.duration);
    if (options.onSeek) {
      canvas.addEventListener('click', (event) => options.onSeek((event.offsetX / canvas.clientWidth) * entry.duration));
    }
  });
}

function play(id, seconds) {
  const player = $('player');
  const src = withKey(`/api/files/${id}/audio`);
  const start = () => { player.currentTime = seconds; player.play().catch(() => {}); };
  if (player.dataset.file !== String(id)) {
    player.dataset.file = String(id);
    player.src = src;
    player.addEventListener('loadedmetadata', start, { once: true });
    player.load();
  } else {
    start();
  }
}

function show(what, entry, threshold) {
  state.shown = { entry, threshold };
  $('export-what').textContent = `Shown: ${what}`;
  $('export-csv').disabled = false;
  $('export-labels').disabled = false;
}

// (1) search
$('search-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = $('search-query').value.trim();
  const top = $('search-top').value || '10';
  const threshold = $('search-threshold').value || String(state.threshold);
  $('search-status').textContent = 'Searching…';
  $('results').replaceChildren();
  try {
    const found = await api(`/api/search?q=${encodeURIComponent(query)}&top=${encodeURIComponent(top)}&threshold=${encodeURIComponent(threshold)}`);
    state.threshold = Number(threshold);
    $('search-status').textContent = `${found.results.length} moment(s) for “${query}”`;
    for (const hit of found.results) $('results').append(resultItem(hit));
  } catch (e) {
    $('search-status').textContent = 'Search failed: ' + e.message;
  }
});

function resultItem(hit) {
  const id = fileId(hit.file);
  const meta = state.files.find((f) => f.id === id);
  const item = document.createElement('li');
  const row = document.createElement('div');
  row.className = 'hit';
  const playButton = document.createElement('button');
  playButton.type = 'button';
  playButton.textContent = '▶ Play';
  playButton.setAttribute('aria-label', `Play ${hit.file} from ${fmt(hit.onset)} s`);
  playButton.addEventListener('click', () => play(id, hit.onset));
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'plain open-file';
  open.textContent = `${hit.file.split('/').pop()} ${fmt(hit.onset)}–${fmt(hit.offset)} s, p ${fmt(hit.max)}`;
  open.setAttribute('aria-label', `Open ${hit.file}, ${hit.query} at ${fmt(hit.onset)} to ${fmt(hit.offset)} seconds, probability ${fmt(hit.max)}`);
  open.addEventListener('click', () => openFile(id, [hit.query]));
  row.append(playButton, open);
  const strip = document.createElement('div');
  strip.className = 'strip';
  const image = document.createElement('img');
  image.alt = `Spectrogram of ${hit.file}`;
  image.src = withKey(`/api/files/${id}/spectrogram.png?width=640&height=32`);
  const canvas = document.createElement('canvas');
  canvas.setAttribute('aria-hidden', 'true');
  strip.append(image, canvas);
  item.append(row, strip);
  api(`/api/files/${id}/frames?q=${encodeURIComponent(hit.query)}`).then((report) => {
    const entry = report.files[0];
    const q = entry.queries[0];
    drawLane(canvas, { probabilities: q.probabilities, events: [hit], threshold: state.threshold, frameSeconds: entry.frame_seconds, start: 0 }, colors[0], 0, meta ? meta.duration : entry.duration);
  }).catch(() => {});
  return item;
}

// (2) the whole file with one lane per query
async function openFile(id, queries) {
  const meta = state.files.find((f) => f.id === id);
  state.view = { id, queries: [...new Set(queries)] };
  $('view-section').hidden = false;
  $('view-heading').textContent = meta ? meta.file : `File ${id}`;
  $('view-spectrogram').src = withKey(`/api/files/${id}/spectrogram.png?width=1000&height=96`);
  $('view-heading').focus();
  await refreshView();
}

async function refreshView() {
  const view = state.view;
  if (view.queries.length === 0) {
    $('view-lanes').replaceChildren();
    $('view-status').textContent = 'No query: add one below.';
    return;
  }
  $('view-status').textContent = 'Scoring…';
  try {
    const q = view.queries.map((x) => 'q=' + encodeURIComponent(x)).join('&');
    const report = await api(`/api/files/${view.id}/frames?${q}`);
    const entry = report.files[0];
    renderLanes($('view-lanes'), entry, state.threshold, {
      onRemove: (query) => { view.queries = view.queries.filter((x) => x !== query); refreshView(); },
      onSeek: (t) => play(view.id, t),
    });
    $('view-status').textContent = `${fmt(entry.duration)} s, ${view.queries.length} lane(s); click a lane to play from there.`;
    show(entry.file, entry, state.threshold);
  } catch (e) {
    $('view-status').textContent = 'Failed: ' + e.message;
  }
}

$('lane-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = $('lane-query').value.trim();
  if (query && state.view && !state.view.queries.includes(query)) {
    state.view.queries.push(query);
    $('lane-query').value = '';
    refreshView();
  }
});

// (3) detection in a dropped or chosen file, without indexing
const drop = $('drop-zone');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  if (event.dataTransfer.files.length > 0) {
    $('detect-file').files = event.dataTransfer.files;
    $('detect-form').requestSubmit();
  }
});

$('detect-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('detect-file').files[0];
  if (!file) return;
  const form = new FormData();
  form.append('audio', file, file.name);
  for (const q of lines($('detect-queries').value)) form.append('query', q);
  form.append('frames', 'true');
  $('detect-status').textContent = `Detecting in ${file.name}…`;
  try {
    const report = await api('/api/detect', { method: 'POST', body: form });
    const entry = report.files[0];
    renderLanes($('detect-lanes'), entry, state.threshold);
    const events = entry.queries.reduce((n, q) => n + q.events.length, 0);
    $('detect-status').textContent = `${entry.file}: ${fmt(entry.duration)} s, ${events} event(s)`;
    show(entry.file, entry, state.threshold);
  } catch (e) {
    $('detect-status').textContent = 'Detection failed: ' + e.message;
  }
});

// (4) live detection from the microphone
const live = { socket: null, context: null, stream: null, lanes: {}, events: [], now: 0 };
const liveSeconds = 30;

function stopLive(message) {
  if (live.socket && live.socket.readyState <= 1) live.socket.close();
  if (live.context) live.context.close();
  if (live.stream) live.stream.getTracks().forEach((t) => t.stop());
  Object.assign(live, { socket: null, context: null, stream: null });
  $('live-button').textContent = 'Listen';
  if (message) $('live-status').textContent = message;
}

function drawLive() {
  const from = Math.max(0, live.now - liveSeconds);
  Object.values(live.lanes).forEach((lane, i) => drawLane(lane.canvas, lane, colors[i % colors.length], from, Math.max(liveSeconds, live.now)));
}

$('live-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (live.socket) { stopLive('Stopped.'); return; }
  const queries = lines($('live-queries').value);
  const threshold = Number($('live-threshold').value) || state.threshold;
  $('live-lanes').replaceChildren();
  $('live-events').replaceChildren();
  Object.assign(live, { lanes: {}, events: [], now: 0 });
  for (const query of queries) {
    const lane = document.createElement('div');
    lane.className = 'lane';
    const head = document.createElement('div');
    head.className = 'lane-head';
    head.textContent = query;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `Live probability of ${query}`);
    lane.append(head, canvas);
    $('live-lanes').append(lane);
    live.lanes[query] = { canvas, probabilities: [], events: [], threshold, frameSeconds: 0.3125, start: 0 };
  }
  try {
    live.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    live.context = new AudioContext();
    await live.context.audioWorklet.addModule('/static/live-worklet.js');
    const source = live.context.createMediaStreamSource(live.stream);
    const tap = new AudioWorkletNode(live.context, 'pcm-tap');
    const url = withKey(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    live.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ sampleRate: live.context.sampleRate, format: 'f32le', queries, threshold }));
      tap.port.onmessage = (m) => { if (socket.readyState === 1) socket.send(m.data.buffer); };
      source.connect(tap);
      $('live-button').textContent = 'Stop';
      $('live-status').textContent = `Listening at ${live.context.sampleRate} Hz…`;
    };
    socket.onmessage = (m) => onLiveMessage(JSON.parse(m.data));
    socket.onclose = () => { if (live.socket === socket) stopLive('Connection closed.'); };
  } catch (e) {
    stopLive('Cannot listen: ' + e.message);
  }
});

function onLiveMessage(message) {
  if (message.type === 'error') {
    stopLive('Refused: ' + message.message);
  } else if (message.type === 'frames') {
    for (const [query, values] of Object.entries(message.probabilities)) {
      const lane = live.lanes[query];
      if (!lane) continue;
      lane.frameSeconds = message.frame_seconds;
      const keep = Math.ceil(liveSeconds / message.frame_seconds);
      lane.probabilities.push(...values);
      if (lane.probabilities.length > keep) lane.probabilities.splice(0, lane.probabilities.length - keep);
      live.now = message.t + values.length * message.frame_seconds;
      lane.start = live.now - lane.probabilities.length * message.frame_seconds;
    }
    drawLive();
  } else if (message.type === 'event') {
    const lane = live.lanes[message.query];
    if (message.state === 'start') {
      live.events.push({ query: message.query, onset: message.t, offset: null, max: message.probability, mean: message.probability });
      if (lane) lane.events.push({ onset: message.t, offset: message.t + 1e9 });
    } else {
      const open = live.events.filter((e) => e.query === message.query && e.offset === null).pop();
      if (open) open.offset = message.t;
      if (lane && lane.events.length) lane.events[lane.events.length - 1].offset = message.t;
    }
    const item = document.createElement('li');
    item.className = 'live-event';
    item.textContent = `${fmt(message.t)} s  ${message.state}  ${message.query}`;
    $('live-events').prepend(item);
    const queries = Object.keys(live.lanes).map((query) => ({
      query,
      events: live.events.filter((e) => e.query === query).map((e) => ({ onset: e.onset, offset: e.offset === null ? live.now : e.offset, max: e.max, mean: e.mean })),
    }));
    show('live listening', { file: 'microphone', duration: live.now, frame_seconds: 0.3125, queries }, Number($('live-threshold').value));
  }
}

// (5) export what is shown
function download(name, text, type) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

const stem = (entry) => entry.file.split('/').pop().replace(/\.[^.]*$/, '') || 'flam';
const csvField = (s) => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);

$('export-csv').addEventListener('click', () => {
  const { entry } = state.shown;
  const rows = ['file,query,onset,offset,max,mean'];
  for (const q of entry.queries) {
    for (const e of q.events) rows.push([csvField(entry.file), csvField(q.query), e.onset, e.offset, e.max, e.mean].join(','));
  }
  download(stem(entry) + '.events.csv', rows.join('\n') + '\n', 'text/csv');
});

$('export-labels').addEventListener('click', () => {
  const { entry } = state.shown;
  const rows = [];
  for (const q of entry.queries) {
    for (const e of q.events) rows.push(`${Number(e.onset).toFixed(6)}\t${Number(e.offset).toFixed(6)}\t${q.query}`);
  }
  download(stem(entry) + '.labels.txt', rows.map((r) => r + '\n').join(''), 'text/plain');
});

// Links to a search or a file view: /?q=a+dog&threshold=0.3 searches, /?file=ID&q=…&q=… opens the file with those lanes.
async function openFromAddress() {
  const params = new URLSearchParams(location.search);
  if (params.has('threshold')) $('search-threshold').value = params.get('threshold');
  if (params.has('file') && params.getAll('q').length > 0) {
    await openFile(Number(params.get('file')), params.getAll('q'));
  } else if (params.has('q')) {
    $('search-query').value = params.get('q');
    $('search-form').requestSubmit();
  }
}

window.addEventListener('resize', () => { if (state.view) refreshView(); });
loadInfo().then(openFromAddress);
